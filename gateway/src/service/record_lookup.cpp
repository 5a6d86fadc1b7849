#include "fhirgw/gateway/service/record_lookup.hpp"

#include <algorithm>
#include <string>

#include "fhirgw/common/json.hpp"
#include "fhirgw/fhir/operation_outcome.hpp"
#include "fhirgw/gateway/service/store_failure.hpp"

namespace fhirgw::gateway {
namespace {

constexpr std::string_view kExt = "ext:";
constexpr std::string_view kWhat = "record";

std::string textMember(const rapidjson::Value& object, const char* name) {
  const auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

/// The rule ID of an issue: the code of its details' coding in the rule code system.
std::string ruleIdOf(const rapidjson::Value& issue) {
  const auto details = issue.FindMember("details");
  if (details == issue.MemberEnd() || !details->value.IsObject()) return {};
  const auto coding = details->value.FindMember("coding");
  if (coding == details->value.MemberEnd() || !coding->value.IsArray()) return {};
  for (const auto& c : coding->value.GetArray()) {
    if (c.IsObject() && textMember(c, "system") == fhir::kRuleCodeSystem) {
      return textMember(c, "code");
    }
  }
  return {};
}

/// The error class of a delivery's latest attempt when that attempt failed: a delivery that
/// failed, then was retried and delivered, has none (its history is on the delivery's page).
common::Result<std::optional<store::ErrorClass>> lastErrorClass(const store::DeliveryQueue& queue,
                                                                const store::Delivery& delivery) {
  // Only a delivery that is failing or gave up has one: the others cost no read.
  if (delivery.status != store::DeliveryStatus::kFailed &&
      delivery.status != store::DeliveryStatus::kDead) {
    return std::optional<store::ErrorClass>();
  }
  auto attempts = queue.listDeliveryAttempts(delivery.id);
  if (!attempts) return attempts.error();
  if (attempts->empty()) return std::optional<store::ErrorClass>();
  return attempts->back().errorClass;
}

}  // namespace

std::vector<RuleFinding> ruleFindings(std::string_view outcomeJson) {
  std::vector<RuleFinding> findings;
  if (outcomeJson.empty()) return findings;
  auto outcome = common::parseJson(outcomeJson);
  if (!outcome || !outcome->root().IsObject()) return findings;
  const auto issues = outcome->root().FindMember("issue");
  if (issues == outcome->root().MemberEnd() || !issues->value.IsArray()) return findings;
  for (const auto& issue : issues->value.GetArray()) {
    if (!issue.IsObject()) continue;
    RuleFinding f;
    f.ruleId = ruleIdOf(issue);
    f.severity = textMember(issue, "severity");
    f.code = textMember(issue, "code");
    const auto expression = issue.FindMember("expression");
    if (expression != issue.MemberEnd() && expression->value.IsArray()) {
      for (const auto& e : expression->value.GetArray()) {
        if (e.IsString()) f.expression.emplace_back(e.GetString(), e.GetStringLength());
      }
    }
    findings.push_back(std::move(f));
  }
  return findings;
}

common::Result<RecordSummary> RecordLookup::find(std::string_view reference,
                                                 const std::optional<std::string>& clientId) const {
  const bool external = reference.starts_with(kExt);
  if (external && !clientId) {
    return common::invalidArgument(
        "an ext: id is unique per client only: give the client's id as `client`");
  }
  auto record = external ? records_.findRecordByExternalId(*clientId, reference.substr(kExt.size()))
                : clientId ? records_.getRecord(*clientId, reference)
                           : records_.getRecordOfAnyClient(reference);
  if (!record) return storeFailure(record.error(), kWhat);
  auto documents = records_.listDocuments(record->clientId, record->id);
  if (!documents) return storeFailure(documents.error(), kWhat);
  auto deliveries = records_.listDeliveries(record->clientId, record->id);
  if (!deliveries) return storeFailure(deliveries.error(), kWhat);

  RecordSummary summary;
  summary.id = record->id;
  summary.clientId = record->clientId;
  summary.externalId = record->externalId;
  summary.status = record->status;
  summary.createdAt = record->createdAt;
  summary.updatedAt = record->createdAt;
  summary.contentPurgedAt = record->contentPurgedAt;
  summary.findings = ruleFindings(record->outcome);
  for (const store::Document& d : *documents) {
    summary.documents.push_back(
        DocumentSummary{d.id, d.externalId, d.kind, d.createdAt, ruleFindings(d.outcome)});
    summary.updatedAt = std::max(summary.updatedAt, d.createdAt);
  }
  for (store::Delivery& d : *deliveries) {
    auto errorClass = lastErrorClass(deliveries_, d);
    if (!errorClass) return storeFailure(errorClass.error(), kWhat);
    summary.updatedAt = std::max(summary.updatedAt, d.updatedAt);
    // The recipient's address (a patient's mailbox holds the INS) stays out of the summary.
    d.target.reset();
    summary.deliveries.push_back(DeliverySummary{std::move(d), *errorClass});
  }
  return summary;
}

}  // namespace fhirgw::gateway
