#include "fhirgw/gateway/api/views.hpp"

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/json.hpp"

namespace fhirgw::gateway {
namespace {

using rapidjson::Value;

std::string instant(common::TimePoint t) { return common::formatInstantUtc(t); }

Value findingsView(const std::vector<RuleFinding>& findings, JsonAllocator& a) {
  Value list(rapidjson::kArrayType);
  for (const RuleFinding& f : findings) {
    Value v(rapidjson::kObjectType);
    if (!f.ruleId.empty()) v.AddMember("rule", jsonString(f.ruleId, a), a);
    v.AddMember("severity", jsonString(f.severity, a), a);
    v.AddMember("code", jsonString(f.code, a), a);
    Value expression(rapidjson::kArrayType);
    for (const std::string& e : f.expression) expression.PushBack(jsonString(e, a), a);
    v.AddMember("expression", expression, a);
    list.PushBack(v, a);
  }
  return list;
}

}  // namespace

Value jsonString(std::string_view s, JsonAllocator& a) {
  return Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

Value deliveryView(const store::Delivery& d, JsonAllocator& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("id", jsonString(d.id, a), a);
  v.AddMember("record", jsonString(d.recordId, a), a);
  if (d.documentId) v.AddMember("document", jsonString(*d.documentId, a), a);
  v.AddMember("destination", jsonString(d.destination, a), a);
  if (d.connectorId) v.AddMember("connector", jsonString(*d.connectorId, a), a);
  v.AddMember("status", jsonString(store::deliveryStatusName(d.status), a), a);
  if (d.reason) v.AddMember("reason", jsonString(*d.reason, a), a);
  v.AddMember("attempts", d.attempts, a);
  if (d.lastError) v.AddMember("lastError", jsonString(*d.lastError, a), a);
  if (d.nextAttemptAt) v.AddMember("nextAttemptAt", jsonString(instant(*d.nextAttemptAt), a), a);
  if (d.firstAttemptAt) {
    v.AddMember("firstAttemptAt", jsonString(instant(*d.firstAttemptAt), a), a);
  }
  v.AddMember("createdAt", jsonString(instant(d.createdAt), a), a);
  v.AddMember("updatedAt", jsonString(instant(d.updatedAt), a), a);
  return v;
}

Value deliveryWithAttemptsView(const store::Delivery& d,
                               const std::vector<store::DeliveryAttempt>& attempts,
                               JsonAllocator& a) {
  Value v = deliveryView(d, a);
  Value list(rapidjson::kArrayType);
  for (const auto& at : attempts) {
    Value e(rapidjson::kObjectType);
    e.AddMember("at", jsonString(instant(at.at), a), a);
    e.AddMember("outcome", jsonString(store::attemptOutcomeName(at.outcome), a), a);
    if (at.errorClass) {
      e.AddMember("errorClass", jsonString(store::errorClassName(*at.errorClass), a), a);
    }
    if (at.httpStatus) e.AddMember("httpStatus", *at.httpStatus, a);
    if (at.message) e.AddMember("message", jsonString(*at.message, a), a);
    list.PushBack(e, a);
  }
  v.AddMember("attemptLog", list, a);
  return v;
}

Value queuedDeliveriesView(const std::vector<store::NewDelivery>& deliveries, JsonAllocator& a) {
  Value list(rapidjson::kArrayType);
  for (const auto& d : deliveries) {
    Value v(rapidjson::kObjectType);
    v.AddMember("id", jsonString(d.id, a), a);
    v.AddMember("destination", jsonString(d.destination, a), a);
    if (d.connectorId) v.AddMember("connector", jsonString(*d.connectorId, a), a);
    if (d.documentId) v.AddMember("document", jsonString(*d.documentId, a), a);
    v.AddMember("status", jsonString(store::deliveryStatusName(d.status), a), a);
    if (d.reason) v.AddMember("reason", jsonString(*d.reason, a), a);
    list.PushBack(v, a);
  }
  return list;
}

std::string acceptedRecordView(const store::Submission& sub,
                               const std::optional<std::string>& externalId,
                               const std::vector<fhir::Issue>& kept) {
  rapidjson::Document answer(rapidjson::kObjectType);
  Value outcome = fhir::operationOutcomeValue(kept, answer.GetAllocator(), /*allowEmpty=*/true);
  return recordAnswer(answer, sub.recordId, externalId, outcome, sub.documents, sub.deliveries);
}

std::string acceptedDocumentView(const store::Submission& sub, const store::NewDocument& document,
                                 const std::vector<fhir::Issue>& kept) {
  rapidjson::Document answer(rapidjson::kObjectType);
  Value outcome = fhir::operationOutcomeValue(kept, answer.GetAllocator(), /*allowEmpty=*/true);
  return documentAnswer(answer, sub.recordId, document, outcome, sub.deliveries);
}

std::string recordAnswer(rapidjson::Document& answer, const std::string& recordId,
                         const std::optional<std::string>& externalId, Value& outcome,
                         const std::vector<store::NewDocument>& documents,
                         const std::vector<store::NewDelivery>& deliveries) {
  JsonAllocator& a = answer.GetAllocator();
  answer.SetObject();
  answer.AddMember("id", jsonString(recordId, a), a);
  if (externalId) answer.AddMember("externalId", jsonString(*externalId, a), a);
  answer.AddMember("status", "accepted", a);
  answer.AddMember("outcome", outcome, a);
  Value docs(rapidjson::kArrayType);
  for (const auto& d : documents) {
    Value v(rapidjson::kObjectType);
    v.AddMember("id", jsonString(d.id, a), a);
    if (d.externalId) v.AddMember("externalId", jsonString(*d.externalId, a), a);
    v.AddMember("kind", jsonString(d.kind, a), a);
    docs.PushBack(v, a);
  }
  answer.AddMember("documents", docs, a);
  answer.AddMember("deliveries", queuedDeliveriesView(deliveries, a), a);
  return common::toJsonString(answer);
}

std::string documentAnswer(rapidjson::Document& answer, const std::string& recordId,
                           const store::NewDocument& document, Value& outcome,
                           const std::vector<store::NewDelivery>& deliveries) {
  JsonAllocator& a = answer.GetAllocator();
  answer.SetObject();
  answer.AddMember("id", jsonString(document.id, a), a);
  if (document.externalId) answer.AddMember("externalId", jsonString(*document.externalId, a), a);
  answer.AddMember("teleconsultation", jsonString(recordId, a), a);
  answer.AddMember("kind", jsonString(document.kind, a), a);
  answer.AddMember("status", "accepted", a);
  answer.AddMember("outcome", outcome, a);
  answer.AddMember("deliveries", queuedDeliveriesView(deliveries, a), a);
  return common::toJsonString(answer);
}

rapidjson::Document recordStatusView(const store::Record& record,
                                     const std::vector<store::Document>& documents,
                                     const std::vector<store::Delivery>& deliveries) {
  rapidjson::Document answer(rapidjson::kObjectType);
  JsonAllocator& a = answer.GetAllocator();
  answer.AddMember("id", jsonString(record.id, a), a);
  if (record.externalId) answer.AddMember("externalId", jsonString(*record.externalId, a), a);
  answer.AddMember("status", jsonString(record.status, a), a);
  answer.AddMember("createdAt", jsonString(instant(record.createdAt), a), a);
  // Retention emptied the bodies and outcomes: the ids, statuses and deliveries remain.
  if (record.contentPurgedAt) {
    answer.AddMember("contentPurgedAt", jsonString(instant(*record.contentPurgedAt), a), a);
  }
  if (auto outcome = common::parseJson(record.outcome)) {
    answer.AddMember("outcome", Value(outcome->root(), a), a);
  }
  Value docs(rapidjson::kArrayType);
  for (const auto& d : documents) {
    Value v(rapidjson::kObjectType);
    v.AddMember("id", jsonString(d.id, a), a);
    if (d.externalId) v.AddMember("externalId", jsonString(*d.externalId, a), a);
    v.AddMember("kind", jsonString(d.kind, a), a);
    v.AddMember("createdAt", jsonString(instant(d.createdAt), a), a);
    if (auto docOutcome = common::parseJson(d.outcome)) {
      v.AddMember("outcome", Value(docOutcome->root(), a), a);
    }
    docs.PushBack(v, a);
  }
  answer.AddMember("documents", docs, a);
  Value list(rapidjson::kArrayType);
  for (const auto& d : deliveries) list.PushBack(deliveryView(d, a), a);
  answer.AddMember("deliveries", list, a);
  return answer;
}

rapidjson::Document recordSummaryView(const RecordSummary& summary) {
  rapidjson::Document answer(rapidjson::kObjectType);
  JsonAllocator& a = answer.GetAllocator();
  answer.AddMember("id", jsonString(summary.id, a), a);
  answer.AddMember("client", jsonString(summary.clientId, a), a);
  if (summary.externalId) answer.AddMember("externalId", jsonString(*summary.externalId, a), a);
  answer.AddMember("kind", "teleconsultation", a);
  answer.AddMember("status", jsonString(summary.status, a), a);
  answer.AddMember("createdAt", jsonString(instant(summary.createdAt), a), a);
  answer.AddMember("updatedAt", jsonString(instant(summary.updatedAt), a), a);
  if (summary.contentPurgedAt) {
    answer.AddMember("contentPurgedAt", jsonString(instant(*summary.contentPurgedAt), a), a);
  }
  answer.AddMember("ruleOutcome", findingsView(summary.findings, a), a);
  Value docs(rapidjson::kArrayType);
  for (const DocumentSummary& d : summary.documents) {
    Value v(rapidjson::kObjectType);
    v.AddMember("id", jsonString(d.id, a), a);
    if (d.externalId) v.AddMember("externalId", jsonString(*d.externalId, a), a);
    v.AddMember("kind", jsonString(d.kind, a), a);
    // A document is stored only when accepted; a refused one leaves no trace but the audit.
    v.AddMember("status", "accepted", a);
    v.AddMember("createdAt", jsonString(instant(d.createdAt), a), a);
    v.AddMember("ruleOutcome", findingsView(d.findings, a), a);
    docs.PushBack(v, a);
  }
  answer.AddMember("documents", docs, a);
  Value list(rapidjson::kArrayType);
  for (const DeliverySummary& d : summary.deliveries) {
    Value v = deliveryView(d.delivery, a);
    if (d.lastErrorClass) {
      v.AddMember("lastErrorClass", jsonString(store::errorClassName(*d.lastErrorClass), a), a);
    }
    list.PushBack(v, a);
  }
  answer.AddMember("deliveries", list, a);
  return answer;
}

Value clientView(const store::Client& c, JsonAllocator& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("id", jsonString(c.id, a), a);
  v.AddMember("name", jsonString(c.name, a), a);
  v.AddMember("role", jsonString(store::clientRoleName(c.role), a), a);
  if (c.rateLimit) v.AddMember("rateLimit", *c.rateLimit, a);
  v.AddMember("createdAt", jsonString(instant(c.createdAt), a), a);
  v.AddMember("disabled", c.disabled, a);
  return v;
}

Value apiKeyView(const store::ApiKeyInfo& k, JsonAllocator& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("keyId", jsonString(k.keyId, a), a);
  v.AddMember("createdAt", jsonString(instant(k.createdAt), a), a);
  v.AddMember("revoked", k.revoked, a);
  return v;
}

Value auditEntryView(const store::AuditEntry& e, JsonAllocator& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("id", e.id, a);
  v.AddMember("at", jsonString(instant(e.at), a), a);
  v.AddMember("actor", jsonString(e.actor, a), a);
  v.AddMember("action", jsonString(e.action, a), a);
  v.AddMember("target", jsonString(e.target, a), a);
  v.AddMember("outcome", jsonString(e.outcome, a), a);
  v.AddMember("requestId", jsonString(e.requestId, a), a);
  if (!e.detail.empty()) {
    // The gateway writes the detail as JSON; an entry it cannot read shows as text.
    rapidjson::Document detail(&a);
    detail.Parse<rapidjson::kParseValidateEncodingFlag | rapidjson::kParseIterativeFlag>(
        e.detail.data(), e.detail.size());
    if (detail.HasParseError() || !detail.IsObject()) {
      v.AddMember("detail", jsonString(e.detail, a), a);
    } else {
      v.AddMember("detail", Value(detail, a), a);
    }
  }
  return v;
}

}  // namespace fhirgw::gateway
