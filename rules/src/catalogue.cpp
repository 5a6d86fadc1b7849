// The registry of rules: one explicit list, no static registration.
#include "fhirgw/rules/rules.hpp"

namespace fhirgw::rules {
namespace {

// Every rule, registered once in the order of rules.md's table. The engine runs the
// teleconsultation rules in this order, then each document's rules in this order; the catalogue
// lists them all in it, so the order is not written a second time.
struct Registry {
  std::vector<std::unique_ptr<TeleconsultationRule>> teleconsultation;
  std::vector<std::unique_ptr<DocumentRule>> document;
  std::vector<const RuleInfo*> catalogue;

  void add(std::unique_ptr<TeleconsultationRule> rule) {
    catalogue.push_back(&rule->info());
    teleconsultation.push_back(std::move(rule));
  }
  void add(std::unique_ptr<DocumentRule> rule) {
    catalogue.push_back(&rule->info());
    document.push_back(std::move(rule));
  }
};

const Registry& registry() {
  static const Registry kRegistry = [] {
    Registry r;
    r.add(std::make_unique<ConsentRule>());
    r.add(std::make_unique<VideoRule>());
    r.add(std::make_unique<PeriodRule>());
    r.add(std::make_unique<PathwayRule>());
    r.add(std::make_unique<KnownPatientRule>());
    r.add(std::make_unique<TerritoryRule>());
    r.add(std::make_unique<ActivityCapRule>());
    r.add(std::make_unique<SickLeaveThreeDaysRule>());
    r.add(std::make_unique<SickLeaveDurationCapRule>());
    r.add(std::make_unique<SickLeaveAbroadRule>());
    r.add(std::make_unique<SickLeavePeriodRule>());
    r.add(std::make_unique<MajorationRule>());
    r.add(std::make_unique<BillingActRule>());
    r.add(std::make_unique<BillingAmountRule>());
    r.add(std::make_unique<InsRule>());
    r.add(std::make_unique<InsQualifiedRule>());
    r.add(std::make_unique<InsTraitsRule>());
    r.add(std::make_unique<RppsRule>());
    r.add(std::make_unique<PrescriptionItemsRule>());
    r.add(std::make_unique<DocumentContentRule>());
    return r;
  }();
  return kRegistry;
}

}  // namespace

const std::vector<std::unique_ptr<TeleconsultationRule>>& teleconsultationRules() {
  return registry().teleconsultation;
}

const std::vector<std::unique_ptr<DocumentRule>>& documentRules() { return registry().document; }

std::vector<const RuleInfo*> ruleCatalogue() { return registry().catalogue; }

const RuleInfo* findRule(std::string_view id) {
  for (const RuleInfo* info : registry().catalogue) {
    if (info->id == id) return info;
  }
  return nullptr;
}

}  // namespace fhirgw::rules
