#include "fhirgw/gateway/service/idempotency.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <utility>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/gateway/api/views.hpp"

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

// The residue's members (recordReplayResidue); "rebuild" says what the answer is rebuilt from,
// and marks a residue apart from a whole answer stored before residues.
constexpr std::string_view kRebuild = "rebuild";

rapidjson::Value queuedStates(const std::vector<store::NewDelivery>& deliveries, JsonAllocator& a) {
  rapidjson::Value list(rapidjson::kArrayType);
  for (const store::NewDelivery& d : deliveries) {
    rapidjson::Value v(rapidjson::kObjectType);
    if (d.connectorId) v.AddMember("connector", jsonString(*d.connectorId, a), a);
    v.AddMember("status", jsonString(store::deliveryStatusName(d.status), a), a);
    if (d.reason) v.AddMember("reason", jsonString(*d.reason, a), a);
    list.PushBack(v, a);
  }
  return list;
}

std::string residue(std::string_view kind, const std::vector<fhir::Issue>& kept,
                    std::optional<std::size_t> documents,
                    const std::vector<store::NewDelivery>& deliveries) {
  rapidjson::Document out(rapidjson::kObjectType);
  JsonAllocator& a = out.GetAllocator();
  out.AddMember(rapidjson::StringRef(kRebuild.data(), kRebuild.size()), jsonString(kind, a), a);
  out.AddMember("outcome", fhir::operationOutcomeValue(kept, a, /*allowEmpty=*/true), a);
  if (documents) out.AddMember("documents", static_cast<std::uint64_t>(*documents), a);
  out.AddMember("deliveries", queuedStates(deliveries, a), a);
  return common::toJsonString(out);
}

common::Status missing(std::string_view what) {
  return common::internal("the " + std::string(what) + " of a remembered answer is missing");
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  if (!object.IsObject()) return nullptr;
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

std::optional<std::string> optionalMember(const rapidjson::Value& object, const char* name) {
  const rapidjson::Value* v = member(object, name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

/// The deliveries as first answered: the stored rows' ids, documents and destinations with the
/// residue's connectors, statuses and reasons (in the residue's order, the rows' insertion order).
common::Result<std::vector<store::NewDelivery>> answeredDeliveries(
    const std::vector<const store::Delivery*>& rows, const rapidjson::Value& states) {
  if (!states.IsArray() || states.Size() != rows.size()) return missing("deliveries");
  std::vector<store::NewDelivery> out;
  out.reserve(rows.size());
  for (rapidjson::SizeType i = 0; i < states.Size(); ++i) {
    const store::Delivery& row = *rows[i];
    const auto status =
        store::parseDeliveryStatus(optionalMember(states[i], "status").value_or(""));
    if (!status) return common::internal("a remembered answer has a bad delivery status");
    store::NewDelivery d;
    d.id = row.id;
    d.documentId = row.documentId;
    d.destination = row.destination;
    d.connectorId = optionalMember(states[i], "connector");
    d.status = *status;
    d.reason = optionalMember(states[i], "reason");
    out.push_back(std::move(d));
  }
  return out;
}

store::NewDocument answeredDocument(const store::Document& stored) {
  store::NewDocument d;
  d.id = stored.id;
  d.externalId = stored.externalId;
  d.kind = stored.kind;
  return d;
}

// The record's first answer: its documents and deliveries are the first ones stored with it (same
// creation time, insertion order); documents added later, and theirs, come after them.
common::Result<std::string> rebuildRecordAnswer(const store::RecordStore& records,
                                                std::string_view clientId,
                                                std::string_view externalId,
                                                const rapidjson::Value& kept,
                                                const rapidjson::Value& keptOutcome) {
  auto record = records.findRecordByExternalId(clientId, externalId);
  if (!record) {
    if (record.error().code() == common::StatusCode::kNotFound) return missing("record");
    return record.error();
  }
  FHIRGW_ASSIGN_OR_RETURN(const std::vector<store::Document> documents,
                          records.listDocuments(clientId, record->id));
  FHIRGW_ASSIGN_OR_RETURN(const std::vector<store::Delivery> deliveries,
                          records.listDeliveries(clientId, record->id));
  // parseJson keeps numbers as their text.
  const std::optional<std::string> countText = optionalMember(kept, "documents");
  std::size_t count = 0;
  const rapidjson::Value* states = member(kept, "deliveries");
  if (!countText || states == nullptr ||
      std::from_chars(countText->data(), countText->data() + countText->size(), count).ec !=
          std::errc()) {
    return common::internal("a remembered answer cannot be read");
  }
  std::vector<store::NewDocument> answered;
  for (const store::Document& d : documents) {
    if (answered.size() == count) break;
    if (d.createdAt == record->createdAt) answered.push_back(answeredDocument(d));
  }
  if (answered.size() != count) return missing("documents");
  std::vector<const store::Delivery*> rows;
  for (const store::Delivery& d : deliveries) {
    if (rows.size() == states->Size()) break;
    if (d.createdAt != record->createdAt) continue;
    // Stored with the record: the encounter's, or one of the answered documents'.
    if (d.documentId && std::none_of(answered.begin(), answered.end(),
                                     [&](const auto& doc) { return doc.id == *d.documentId; })) {
      continue;
    }
    rows.push_back(&d);
  }
  FHIRGW_ASSIGN_OR_RETURN(const std::vector<store::NewDelivery> queued,
                          answeredDeliveries(rows, *states));
  rapidjson::Document answer;
  rapidjson::Value outcome(keptOutcome, answer.GetAllocator());
  return recordAnswer(answer, record->id, record->externalId, outcome, answered, queued);
}

// A document's first answer: every delivery of the document was stored with it.
common::Result<std::string> rebuildDocumentAnswer(const store::RecordStore& records,
                                                  std::string_view clientId,
                                                  std::string_view externalId,
                                                  const rapidjson::Value& kept,
                                                  const rapidjson::Value& keptOutcome) {
  auto document = records.findDocumentByExternalId(clientId, externalId);
  if (!document) {
    if (document.error().code() == common::StatusCode::kNotFound) return missing("document");
    return document.error();
  }
  FHIRGW_ASSIGN_OR_RETURN(const std::vector<store::Delivery> deliveries,
                          records.listDeliveries(clientId, document->recordId));
  const rapidjson::Value* states = member(kept, "deliveries");
  if (states == nullptr) return common::internal("a remembered answer cannot be read");
  std::vector<const store::Delivery*> rows;
  for (const store::Delivery& d : deliveries) {
    if (d.documentId == document->id) rows.push_back(&d);
  }
  FHIRGW_ASSIGN_OR_RETURN(const std::vector<store::NewDelivery> queued,
                          answeredDeliveries(rows, *states));
  rapidjson::Document answer;
  rapidjson::Value outcome(keptOutcome, answer.GetAllocator());
  return documentAnswer(answer, document->recordId, answeredDocument(*document), outcome, queued);
}

}  // namespace

std::vector<store::NewIdempotencyEntry> IdempotencyPlan::entriesFor(
    int status, const std::string& answer, const std::string& residue) const {
  std::vector<store::NewIdempotencyEntry> entries;
  for (const auto* key : {&externalKey, &headerKey}) {
    if (!*key) continue;
    store::NewIdempotencyEntry e;
    e.key = **key;
    e.requestHash = requestHash;
    e.responseStatus = status;
    if (key == &externalKey) {
      e.responseBody = residue;
    } else if (!externalKey) {
      e.responseBody = answer;
    }
    e.ttl = key == &externalKey
                ? std::chrono::duration_cast<std::chrono::milliseconds>(kExternalIdTtl)
                : std::chrono::duration_cast<std::chrono::milliseconds>(kHeaderKeyTtl);
    entries.push_back(std::move(e));
  }
  return entries;
}

std::string recordReplayResidue(const std::vector<fhir::Issue>& kept, std::size_t documents,
                                const std::vector<store::NewDelivery>& deliveries) {
  return residue("record", kept, documents, deliveries);
}

std::string documentReplayResidue(const std::vector<fhir::Issue>& kept,
                                  const std::vector<store::NewDelivery>& deliveries) {
  return residue("document", kept, std::nullopt, deliveries);
}

common::Result<std::string> replayAnswer(const store::RecordStore& records,
                                         std::string_view clientId,
                                         const store::IdempotencyEntry& entry) {
  auto parsed = common::parseJson(entry.responseBody);
  const std::optional<std::string> kind =
      parsed ? optionalMember(parsed->root(), kRebuild.data()) : std::nullopt;
  // A whole answer (an Idempotency-Key's, or stored before residues): replayed as it is.
  if (!kind) return entry.responseBody;
  // The key is "<prefix>:<externalId>" (tc-ext: or doc-ext:, planIdempotency's keyPrefix).
  const std::size_t colon = entry.key.find(':');
  if (colon == std::string::npos) return common::internal("a remembered answer has a bad key");
  const std::string_view externalId = std::string_view(entry.key).substr(colon + 1);
  const rapidjson::Value& kept = parsed->root();
  const rapidjson::Value* outcome = member(kept, "outcome");
  if (outcome == nullptr || !outcome->IsObject()) {
    return common::internal("a remembered answer cannot be read");
  }
  if (*kind == "record") return rebuildRecordAnswer(records, clientId, externalId, kept, *outcome);
  if (*kind == "document") {
    return rebuildDocumentAnswer(records, clientId, externalId, kept, *outcome);
  }
  return common::internal("a remembered answer cannot be read");
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
    FHIRGW_ASSIGN_OR_RETURN(check.entry.responseBody, replayAnswer(records, clientId, *entry));
    check.entry.responseStatus = entry->responseStatus;
    check.entry.key = entry->key;
    check.entry.clientId = entry->clientId;
    check.entry.requestHash = entry->requestHash;
    check.entry.createdAt = entry->createdAt;
    check.entry.expiresAt = entry->expiresAt;
    return check;
  }
  return IdempotencyCheck{};
}

}  // namespace fhirgw::gateway
