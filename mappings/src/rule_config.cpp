#include "fhirgw/mappings/rule_config.hpp"

#include <algorithm>
#include <set>

#include "fhirgw/domain/decimal.hpp"
#include "fhirgw/mappings/rules.hpp"

namespace fhirgw::mappings {
namespace {

// A département code as departementFromPostalCode gives it: "01".."95", "2A", "2B", "97x", "98x".
bool isDepartementCode(std::string_view d) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (d == "2A" || d == "2B") return true;
  if (d.size() == 2) return digit(d[0]) && digit(d[1]) && d != "00" && d != "20";
  if (d.size() == 3) return d[0] == '9' && (d[1] == '7' || d[1] == '8') && digit(d[2]);
  return false;
}

}  // namespace

bool RuleConfig::isKnownAct(std::string_view act) const {
  return tariffs.find(act) != tariffs.end() || actSpecialties.find(act) != actSpecialties.end() ||
         actSectors.find(act) != actSectors.end() ||
         std::find(fallbackActs.begin(), fallbackActs.end(), act) != fallbackActs.end();
}

std::vector<std::string> RuleConfig::knownActs() const {
  std::set<std::string> acts(fallbackActs.begin(), fallbackActs.end());
  for (const auto* table : {&actSpecialties, &actSectors}) {
    for (const auto& [act, list] : *table) acts.insert(act);
  }
  for (const auto& [act, amount] : tariffs) acts.insert(act);
  return {acts.begin(), acts.end()};
}

namespace {

// An empty or absent list allows every value.
bool allows(const std::map<std::string, std::vector<std::string>, std::less<>>& table,
            std::string_view act, std::string_view value) {
  const auto it = table.find(act);
  if (it == table.end() || it->second.empty()) return true;
  return std::find(it->second.begin(), it->second.end(), value) != it->second.end();
}

}  // namespace

bool RuleConfig::mayBill(std::string_view act, std::string_view specialty,
                         std::string_view sector) const {
  if (!isKnownAct(act)) return false;
  if (!allows(actSpecialties, act, specialty) || !allows(actSectors, act, sector)) return false;
  const auto isFallback = [this](std::string_view a) {
    return std::find(fallbackActs.begin(), fallbackActs.end(), a) != fallbackActs.end();
  };
  if (!isFallback(act)) return true;
  for (const std::string& other : knownActs()) {
    if (!isFallback(other) && allows(actSpecialties, other, specialty) &&
        allows(actSectors, other, sector)) {
      return false;  // a practitioner who may bill the specific act bills it
    }
  }
  return true;
}

int RuleConfig::activityCapPercent(std::string_view specialty) const {
  const auto it = activityCapPercentBySpecialty.find(specialty);
  return it == activityCapPercentBySpecialty.end() ? activityCapDefaultPercent : it->second;
}

EffectivePeriod RuleConfig::effectivePeriod(std::string_view ruleId) const {
  EffectivePeriod p;
  if (const RuleInfo* info = findRule(ruleId); info != nullptr && !info->effectiveFrom.empty()) {
    p.from = fhir::Date::parse(info->effectiveFrom);
  }
  if (const auto it = effectiveFrom.find(ruleId); it != effectiveFrom.end()) p.from = it->second;
  if (const auto it = effectiveUntil.find(ruleId); it != effectiveUntil.end()) {
    p.until = it->second;
  }
  return p;
}

common::Status validateRuleConfig(const RuleConfig& config) {
  for (const auto& [id, severity] : config.severities) {
    if (findRule(id) == nullptr) {
      return common::invalidArgument("rules.severity." + id + ": unknown rule ID");
    }
  }
  for (const auto* dates : {&config.effectiveFrom, &config.effectiveUntil}) {
    const std::string key =
        dates == &config.effectiveFrom ? "rules.effectiveFrom." : "rules.effectiveUntil.";
    for (const auto& [id, day] : *dates) {
      if (findRule(id) == nullptr) return common::invalidArgument(key + id + ": unknown rule ID");
      const EffectivePeriod p = config.effectivePeriod(id);
      if (p.from && p.until && *p.until < *p.from) {
        return common::invalidArgument(key + id + ": the rule would end (" + p.until->toString() +
                                       ") before it starts (" + p.from->toString() + ")");
      }
    }
  }
  for (const auto& [act, amount] : config.tariffs) {
    if (act.empty()) return common::invalidArgument("rules.tariffs: empty act code");
    const std::optional<domain::Decimal> d = domain::Decimal::parse(amount);
    if (!d || d->isNegative()) {
      return common::invalidArgument("rules.tariffs." + act +
                                     ": must be a non-negative decimal such as \"25.00\"");
    }
  }
  for (const auto& [act, sectors] : config.actSectors) {
    for (std::size_t i = 0; i < sectors.size(); ++i) {
      if (sectors[i] != kNoSector && !domain::parseConventionSector(sectors[i])) {
        return common::invalidArgument("rules.actSectors." + act + "[" + std::to_string(i) +
                                       "]: not a sector (1, 2, 2-optam, non-conventioned, none)");
      }
    }
  }
  for (const auto* table : {&config.actSpecialties, &config.actSectors}) {
    for (const auto& [act, list] : *table) {
      if (act.empty()) return common::invalidArgument("rules: empty act code");
    }
  }
  auto checkPercent = [](int p, const std::string& key) {
    return p >= 0 && p <= 100 ? common::Status::ok()
                              : common::invalidArgument(key + ": must be a percent in 0-100");
  };
  FHIRGW_RETURN_IF_ERROR(
      checkPercent(config.activityCapDefaultPercent, "rules.activityCap.default"));
  for (const auto& [specialty, p] : config.activityCapPercentBySpecialty) {
    FHIRGW_RETURN_IF_ERROR(checkPercent(p, "rules.activityCap." + specialty));
  }
  for (std::size_t i = 0; i < config.neighbouringDepartements.size(); ++i) {
    const auto& [a, b] = config.neighbouringDepartements[i];
    if (!isDepartementCode(a) || !isDepartementCode(b)) {
      return common::invalidArgument("rules.neighbouringDepartements[" + std::to_string(i) +
                                     "]: not a pair of département codes (\"51\", \"2A\", "
                                     "\"974\")");
    }
  }
  for (const auto& [postalCode, departement] : config.postalCodeDepartements) {
    const bool fiveDigits =
        postalCode.size() == 5 && std::all_of(postalCode.begin(), postalCode.end(),
                                              [](char c) { return c >= '0' && c <= '9'; });
    if (!fiveDigits) {
      return common::invalidArgument("rules.postalCodeDepartements." + postalCode +
                                     ": not a 5-digit postal code");
    }
    if (!isDepartementCode(departement)) {
      return common::invalidArgument("rules.postalCodeDepartements." + postalCode +
                                     ": not a département code (\"51\", \"2A\", \"977\")");
    }
  }
  if (config.maxDocumentBytes == 0) {
    return common::invalidArgument("rules.maxDocumentBytes: must be positive");
  }
  if (config.sickLeaveCapMonthsInitial < 1 || config.sickLeaveCapMonthsInitial > 120) {
    return common::invalidArgument("rules.sickLeaveDurationCapMonths.initial: must be 1-120");
  }
  if (config.sickLeaveCapMonthsProlongation < 1 || config.sickLeaveCapMonthsProlongation > 120) {
    return common::invalidArgument("rules.sickLeaveDurationCapMonths.prolongation: must be 1-120");
  }
  if (config.maxStartAhead.count() < 0) {
    return common::invalidArgument("rules.maxStartAheadSeconds: must not be negative");
  }
  return common::Status::ok();
}

}  // namespace fhirgw::mappings
