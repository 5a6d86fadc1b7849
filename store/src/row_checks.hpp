#pragma once

// Private to the store: the checks of a role's arguments that do not depend on the engine, for
// the SQLite and PostgreSQL implementations alike (each adds its own, such as NUL characters).

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "fhirgw/common/status.hpp"
#include "fhirgw/store/connector_store.hpp"
#include "fhirgw/store/submission.hpp"

namespace fhirgw::store::detail {

/// A practitioner's activity declaration: an rpps, a total that is not negative, a cap in 0-100.
inline common::Status checkActivityDeclaration(std::string_view rpps, std::int64_t totalActs,
                                               std::optional<int> capPercent) {
  if (rpps.empty() || totalActs < 0) {
    return common::invalidArgument("activity: empty rpps or negative total");
  }
  if (capPercent && (*capPercent < 0 || *capPercent > 100)) {
    return common::invalidArgument("activity: cap percent outside 0-100");
  }
  return common::Status::ok();
}

/// A connector row to write: id, type and instance all given.
inline common::Status checkConnectorRowFilled(const ConnectorRow& row) {
  if (row.id.empty() || row.type.empty() || row.instanceJson.empty()) {
    return common::invalidArgument("connector: id, type or instance is empty");
  }
  return common::Status::ok();
}

/// The refusal of a change made against another version than the stored one.
inline common::Status staleConnectorVersion(const StoredConnector& stored,
                                            std::int64_t expectedVersion) {
  return common::aborted("connector " + stored.id + " is at version " +
                         std::to_string(stored.version) + ", not " +
                         std::to_string(expectedVersion));
}

/// A submission to commit: its parts present and well-formed, no two documents with one
/// externalId, no text with a NUL character (neither engine's TEXT keeps one whole).
inline common::Status checkSubmission(const Submission& sub) {
  const auto hasNul = [](std::string_view text) {
    return text.find('\0') != std::string_view::npos;
  };
  const auto bad = [](std::string_view what) {
    return common::invalidArgument("submission: " + std::string(what));
  };
  if (sub.clientId.empty()) return bad("clientId is empty");
  if (sub.recordId.empty()) return bad("recordId is empty");
  if (!sub.record && sub.documents.empty()) return bad("neither a record nor a document");
  if (sub.record) {
    const NewRecord& r = *sub.record;
    if (r.status.empty() || r.requestHash.empty()) return bad("record status or hash is empty");
    if (r.externalId && r.externalId->empty()) return bad("record externalId is empty");
    if (hasNul(r.body) || hasNul(r.outcome)) return bad("record text contains a NUL byte");
  }
  std::set<std::string_view> documentExternalIds;
  for (const NewDocument& d : sub.documents) {
    if (d.id.empty() || d.kind.empty() || d.requestHash.empty()) {
      return bad("document id, kind or hash is empty");
    }
    if (d.externalId) {
      if (d.externalId->empty()) return bad("document externalId is empty");
      if (!documentExternalIds.insert(*d.externalId).second) {
        return bad("two documents share an externalId");
      }
    }
    if (hasNul(d.body) || hasNul(d.outcome)) return bad("document text contains a NUL byte");
  }
  for (const NewFhirResource& r : sub.resources) {
    if (r.resourceType.empty() || r.resourceId.empty() || r.version < 1) {
      return bad("resource type, id or version is invalid");
    }
    if (hasNul(r.json)) return bad("resource JSON contains a NUL byte");
  }
  for (const NewDelivery& d : sub.deliveries) {
    if (d.id.empty() || d.destination.empty()) return bad("delivery id or destination is empty");
    if (d.status != DeliveryStatus::kPending && d.status != DeliveryStatus::kSkipped) {
      return bad("a new delivery is pending or skipped");
    }
    if (d.status == DeliveryStatus::kSkipped && (!d.reason || d.reason->empty())) {
      return bad("a skipped delivery needs a reason");
    }
  }
  for (const NewIdempotencyEntry& e : sub.idempotency) {
    if (e.key.empty() || e.requestHash.empty()) return bad("idempotency key or hash is empty");
    if (e.ttl.count() <= 0) return bad("idempotency ttl is not positive");
    if (e.responseStatus < 100 || e.responseStatus > 599) return bad("idempotency status");
    if (hasNul(e.responseBody)) return bad("idempotency body contains a NUL byte");
  }
  if (sub.audit) {
    if (sub.audit->actor.empty() || sub.audit->action.empty()) {
      return bad("audit actor or action is empty");
    }
    if (hasNul(sub.audit->detail)) return bad("audit detail contains a NUL byte");
  }
  return common::Status::ok();
}

}  // namespace fhirgw::store::detail
