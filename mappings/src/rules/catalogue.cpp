// The registry of rules: one explicit list, no static registration.
#include <array>

#include "fhirgw/mappings/rules.hpp"

namespace fhirgw::mappings {

const std::vector<std::unique_ptr<TeleconsultationRule>>& teleconsultationRules() {
  static const std::vector<std::unique_ptr<TeleconsultationRule>> kRules = [] {
    std::vector<std::unique_ptr<TeleconsultationRule>> rules;
    rules.push_back(std::make_unique<ConsentRule>());
    rules.push_back(std::make_unique<VideoRule>());
    rules.push_back(std::make_unique<PeriodRule>());
    rules.push_back(std::make_unique<PathwayRule>());
    rules.push_back(std::make_unique<KnownPatientRule>());
    rules.push_back(std::make_unique<TerritoryRule>());
    rules.push_back(std::make_unique<ActivityCapRule>());
    rules.push_back(std::make_unique<MajorationRule>());
    rules.push_back(std::make_unique<BillingActRule>());
    rules.push_back(std::make_unique<BillingAmountRule>());
    rules.push_back(std::make_unique<InsRule>());
    rules.push_back(std::make_unique<InsQualifiedRule>());
    rules.push_back(std::make_unique<InsTraitsRule>());
    rules.push_back(std::make_unique<RppsRule>());
    return rules;
  }();
  return kRules;
}

const std::vector<std::unique_ptr<DocumentRule>>& documentRules() {
  static const std::vector<std::unique_ptr<DocumentRule>> kRules = [] {
    std::vector<std::unique_ptr<DocumentRule>> rules;
    rules.push_back(std::make_unique<SickLeaveThreeDaysRule>());
    rules.push_back(std::make_unique<SickLeaveDurationCapRule>());
    rules.push_back(std::make_unique<SickLeaveAbroadRule>());
    rules.push_back(std::make_unique<SickLeavePeriodRule>());
    rules.push_back(std::make_unique<PrescriptionItemsRule>());
    rules.push_back(std::make_unique<DocumentContentRule>());
    return rules;
  }();
  return kRules;
}

std::vector<const RuleInfo*> ruleCatalogue() {
  // The order of rules.md's table.
  static constexpr std::array<std::string_view, 20> kOrder = {
      "TLC-CONSENT",      "TLC-VIDEO",        "TLC-PERIOD", "TLC-PATHWAY",      "TLC-KNOWN-PATIENT",
      "TLC-TERRITORY",    "TLC-ACTIVITY-CAP", "AAT-3-DAYS", "AAT-DURATION-CAP", "AAT-ABROAD",
      "AAT-PERIOD",       "BILL-MAJORATION",  "BILL-ACT",   "BILL-AMOUNT",      "ID-INS",
      "ID-INS-QUALIFIED", "ID-INS-TRAITS",    "ID-RPPS",    "PRESC-ITEMS",      "DOC-CONTENT"};
  std::vector<const RuleInfo*> out;
  out.reserve(kOrder.size());
  for (std::string_view id : kOrder) out.push_back(findRule(id));
  return out;
}

const RuleInfo* findRule(std::string_view id) {
  for (const auto& r : teleconsultationRules()) {
    if (r->info().id == id) return &r->info();
  }
  for (const auto& r : documentRules()) {
    if (r->info().id == id) return &r->info();
  }
  return nullptr;
}

}  // namespace fhirgw::mappings
