#include "fhirgw/fhir/operation_outcome.hpp"

namespace fhirgw::fhir {
namespace {

rapidjson::Value str(std::string_view s, rapidjson::Document::AllocatorType& a) {
  return rapidjson::Value(s.data(), static_cast<rapidjson::SizeType>(s.size()), a);
}

}  // namespace

rapidjson::Value operationOutcomeValue(const std::vector<Issue>& issues,
                                       rapidjson::Document::AllocatorType& a, bool allowEmpty) {
  rapidjson::Value oo(rapidjson::kObjectType);
  oo.AddMember("resourceType", "OperationOutcome", a);
  rapidjson::Value list(rapidjson::kArrayType);
  for (const Issue& i : issues) {
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("severity", str(severityCode(i.severity), a), a);
    v.AddMember("code", str(i.code.empty() ? "processing" : i.code, a), a);
    if (!i.ruleId.empty() || !i.detailsText.empty()) {
      rapidjson::Value details(rapidjson::kObjectType);
      if (!i.ruleId.empty()) {
        rapidjson::Value coding(rapidjson::kObjectType);
        coding.AddMember("system", str(kRuleCodeSystem, a), a);
        coding.AddMember("code", str(i.ruleId, a), a);
        rapidjson::Value codings(rapidjson::kArrayType);
        codings.PushBack(coding, a);
        details.AddMember("coding", codings, a);
      }
      if (!i.detailsText.empty()) details.AddMember("text", str(i.detailsText, a), a);
      v.AddMember("details", details, a);
    }
    if (!i.diagnostics.empty()) v.AddMember("diagnostics", str(i.diagnostics, a), a);
    if (!i.expression.empty()) {
      rapidjson::Value expr(rapidjson::kArrayType);
      expr.PushBack(str(i.expression, a), a);
      v.AddMember("expression", expr, a);
    }
    list.PushBack(v, a);
  }
  if (issues.empty() && !allowEmpty) {
    // R4 requires at least one issue; this is the form the spec uses for "all OK".
    rapidjson::Value v(rapidjson::kObjectType);
    v.AddMember("severity", "information", a);
    v.AddMember("code", "informational", a);
    v.AddMember("diagnostics", "All OK", a);
    list.PushBack(v, a);
  }
  oo.AddMember("issue", list, a);
  return oo;
}

rapidjson::Document operationOutcome(const std::vector<Issue>& issues, bool allowEmpty) {
  rapidjson::Document doc;
  rapidjson::Value v = operationOutcomeValue(issues, doc.GetAllocator(), allowEmpty);
  doc.CopyFrom(v, doc.GetAllocator());
  return doc;
}

}  // namespace fhirgw::fhir
