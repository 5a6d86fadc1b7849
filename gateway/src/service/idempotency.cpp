#include "fhirgw/gateway/service/idempotency.hpp"

#include <rapidjson/document.h>

#include <chrono>

#include "fhirgw/common/crypto.hpp"

namespace fhirgw::gateway {
namespace {

// External ids are kept for the record's whole lifetime; header keys at least 7 days.
constexpr auto kExternalIdTtl = std::chrono::hours(24 * 365 * 100);
constexpr auto kHeaderKeyTtl = std::chrono::hours(24 * 7);

std::string requestHash(std::string_view target, const common::JsonDocument& body) {
  std::string material(target);
  material += '\n';
  material += common::canonicalJson(body);
  return common::sha256Hex(material);
}

std::optional<std::string> optionalString(const common::JsonDocument& doc, const char* key) {
  const rapidjson::Value& object = doc.root();
  if (!object.IsObject()) return std::nullopt;
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !doc.isString(it->value)) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

fhir::Issue conflictIssue(bool byExternalId) {
  fhir::Issue issue;
  issue.severity = fhir::IssueSeverity::kError;
  issue.code = "conflict";
  issue.expression = byExternalId ? "externalId" : "";
  issue.detailsText = byExternalId
                          ? "Cet externalId a déjà été utilisé avec un autre contenu."
                          : "Cette clé d'idempotence a déjà été utilisée avec un autre contenu.";
  issue.diagnostics = byExternalId
                          ? "externalId already used by this client with a different body"
                          : "Idempotency-Key already used by this client with a different body";
  return issue;
}

}  // namespace

std::vector<store::NewIdempotencyEntry> IdempotencyPlan::entriesFor(int status,
                                                                    const std::string& body) const {
  std::vector<store::NewIdempotencyEntry> entries;
  for (const auto* key : {&externalKey, &headerKey}) {
    if (!*key) continue;
    store::NewIdempotencyEntry e;
    e.key = **key;
    e.requestHash = requestHash;
    e.responseStatus = status;
    e.responseBody = body;
    e.ttl = key == &externalKey
                ? std::chrono::duration_cast<std::chrono::milliseconds>(kExternalIdTtl)
                : std::chrono::duration_cast<std::chrono::milliseconds>(kHeaderKeyTtl);
    entries.push_back(std::move(e));
  }
  return entries;
}

common::Result<IdempotencyPlan> planIdempotency(const common::JsonDocument& body,
                                                std::string_view target, std::string_view keyPrefix,
                                                std::string_view headerKey) {
  IdempotencyPlan plan;
  plan.requestHash = requestHash(target, body);
  if (auto ext = optionalString(body, "externalId")) {
    plan.externalKey = std::string(keyPrefix) + *ext;
  }
  if (!headerKey.empty()) {
    if (headerKey.size() > kMaxIdempotencyKeyBytes) {
      return common::invalidArgument("Idempotency-Key longer than 200 bytes");
    }
    plan.headerKey = "hdr:" + std::string(headerKey);
  }
  return plan;
}

common::Result<IdempotencyCheck> checkIdempotency(const store::RecordStore& records,
                                                  std::string_view clientId,
                                                  const IdempotencyPlan& plan) {
  for (const auto* key : {&plan.externalKey, &plan.headerKey}) {
    if (!*key) continue;
    auto entry = records.findIdempotencyEntry(clientId, **key);
    if (!entry) {
      if (entry.error().code() == common::StatusCode::kNotFound) continue;
      return entry.error();
    }
    IdempotencyCheck check;
    if (entry->requestHash != plan.requestHash) {
      check.kind = IdempotencyCheck::Kind::kConflict;
      check.issue = conflictIssue(key == &plan.externalKey);
      return check;
    }
    if (key == &plan.headerKey && plan.externalKey) continue;  // the external id decides
    check.kind = IdempotencyCheck::Kind::kReplay;
    check.entry = std::move(entry).value();
    return check;
  }
  return IdempotencyCheck{};
}

}  // namespace fhirgw::gateway
