#include "fhirgw/rules/rule_config.hpp"

#include <algorithm>
#include <set>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/domain/decimal.hpp"
#include "fhirgw/rules/rules.hpp"

namespace fhirgw::rules {
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

// ---------------------------------------------------------------------------------------------
// The `rules.*` section of the configuration (docs/rules.md), read with the configuration's
// FieldReader: the reader's policy says where each value came from and takes the overrides.

namespace {

using common::FieldReader;
using common::Json;
using common::MemberNames;
using common::Need;

constexpr std::int64_t kMaxPercent = 100;
// Documents are held in memory and RapidJSON lengths are 32-bit: 1 GiB is far past any sane size.
constexpr std::int64_t kMaxDocumentBytes = std::int64_t{1} << 30;
// An encounter announced more than a day ahead is a wrong clock or a wrong date, not a margin.
constexpr std::int64_t kMaxStartAheadSeconds = std::int64_t{24} * 3600;
constexpr std::int64_t kMaxMonths = 120;

template <typename Value>
std::vector<std::string> namesOf(const std::map<std::string, Value, std::less<>>& map) {
  std::vector<std::string> names;
  names.reserve(map.size());
  for (const auto& entry : map) names.push_back(entry.first);
  return names;
}

std::vector<std::string> ruleIds() {
  std::vector<std::string> ids;
  for (const RuleInfo* info : ruleCatalogue()) {
    if (info != nullptr) ids.emplace_back(info->id);
  }
  return ids;
}

template <typename Int>
bool readInteger(FieldReader& r, std::string_view key, Int& out, std::int64_t min,
                 std::int64_t max) {
  const std::optional<std::int64_t> v = r.integer(key, min, max);
  if (v) out = static_cast<Int>(*v);
  return v.has_value();
}

template <typename T, typename Convert>
void readArray(FieldReader& r, std::string_view key, std::string_view expected,
               std::string_view elementExpected, std::vector<T>& out, Convert convert) {
  if (auto v = r.array<T>(key, expected, elementExpected, convert)) out = std::move(*v);
}

std::optional<std::string> nonEmptyString(const Json& n) {
  if (!n.isString() || n.text().empty()) return std::nullopt;
  return n.text();
}

// The codes themselves are checked by validateRuleConfig, which knows the département forms.
std::optional<std::pair<std::string, std::string>> stringPair(const Json& n) {
  if (!n.isArray() || n.items().size() != 2) return std::nullopt;
  const Json& a = n.items()[0];
  const Json& b = n.items()[1];
  if (!a.isString() || !b.isString()) return std::nullopt;
  return std::make_pair(a.text(), b.text());
}

std::optional<domain::Relation> relation(const Json& n) {
  if (!n.isString()) return std::nullopt;
  return domain::parseRelation(n.text());
}

// "YYYY-MM-DD", or "" for no date (a rule in force since always, or with no end).
std::optional<std::optional<fhir::Date>> optionalDate(std::string_view text) {
  if (text.empty()) return std::optional<fhir::Date>{};
  std::optional<fhir::Date> day = fhir::Date::parse(text);
  if (!day) return std::nullopt;
  return std::optional<std::optional<fhir::Date>>{std::in_place, day};
}

// rules.effectiveFrom.<RULE-ID> / rules.effectiveUntil.<RULE-ID>: one bound of the effective
// periods (docs/rules.md, Rules in force by date).
void bindEffectiveDates(FieldReader& r, std::string_view key,
                        std::map<std::string, std::optional<fhir::Date>, std::less<>>& dates) {
  r.object(key, [&dates](FieldReader& d) {
    d.members("RULE-ID", ruleIds(), MemberNames::kListed,
              [&dates](FieldReader& m, const std::string& id) {
                if (auto day = m.leaf<std::optional<fhir::Date>>(
                        id, common::JsonKind::kString, "a date YYYY-MM-DD, or \"\" for none",
                        Need::kOptional, common::Shown::kValue, optionalDate)) {
                  dates[id] = *day;
                }
              });
  });
}

}  // namespace

void bindRuleConfig(FieldReader& r, RuleConfig& rules) {
  r.object("severity", [&rules](FieldReader& s) {
    s.members("RULE-ID", ruleIds(), MemberNames::kListed,
              [&rules](FieldReader& m, const std::string& id) {
                if (auto severity = m.code(id, kRuleSeverityCodes))
                  rules.severities[id] = *severity;
              });
  });
  bindEffectiveDates(r, "effectiveFrom", rules.effectiveFrom);
  bindEffectiveDates(r, "effectiveUntil", rules.effectiveUntil);
  r.object("tariffs", [&rules](FieldReader& t) {
    t.members("ACT", namesOf(rules.tariffs), MemberNames::kListedAndJson,
              [&rules](FieldReader& m, const std::string& act) {
                if (auto amount = m.string(act)) rules.tariffs[act] = *amount;
              });
  });
  // Who may bill each act (BILL-ACT): maps of lists; a list in the file replaces the default.
  for (auto* table : {&rules.actSpecialties, &rules.actSectors}) {
    const bool specialties = table == &rules.actSpecialties;
    r.object(specialties ? "actSpecialties" : "actSectors", [table, specialties](FieldReader& t) {
      t.members("ACT", namesOf(*table), MemberNames::kListedAndJson,
                [table, specialties](FieldReader& m, const std::string& act) {
                  if (auto list = m.array<std::string>(
                          act,
                          specialties ? "an array of specialty codes"
                                      : "an array of sector codes (1, 2, 2-optam, "
                                        "non-conventioned, none)",
                          "a non-empty string", nonEmptyString)) {
                    (*table)[act] = std::move(*list);
                  }
                });
    });
  }
  readArray(r, "fallbackActs", "an array of act codes", "a non-empty string", rules.fallbackActs,
            nonEmptyString);
  r.object("activityCap", [&rules](FieldReader& a) {
    readInteger(a, "default", rules.activityCapDefaultPercent, 0, kMaxPercent);
    a.members("specialty", namesOf(rules.activityCapPercentBySpecialty),
              MemberNames::kListedAndJson, [&rules](FieldReader& m, const std::string& specialty) {
                int percent = 0;
                if (readInteger(m, specialty, percent, 0, kMaxPercent)) {
                  rules.activityCapPercentBySpecialty[specialty] = percent;
                }
              });
  });
  readArray(r, "forbiddenMajorations", "an array of majoration codes", "a non-empty string",
            rules.forbiddenMajorations, nonEmptyString);
  if (auto v = r.boolean("acceptTestInsOids", Need::kOptional, "true or false")) {
    rules.acceptTestInsOids = *v;
  }
  readArray(r, "neighbouringDepartements", "an array of pairs of département codes",
            "a pair of strings such as [\"51\", \"02\"]", rules.neighbouringDepartements,
            stringPair);
  r.object("postalCodeDepartements", [&rules](FieldReader& p) {
    p.members("POSTAL-CODE", namesOf(rules.postalCodeDepartements), MemberNames::kListedAndJson,
              [&rules](FieldReader& m, const std::string& postalCode) {
                if (auto departement = m.string(postalCode)) {
                  rules.postalCodeDepartements[postalCode] = *departement;
                }
              });
  });
  readInteger(r, "maxDocumentBytes", rules.maxDocumentBytes, 1, kMaxDocumentBytes);
  readArray(r, "sickLeaveExemptRelations", "an array of relation codes",
            "one of " + domain::kRelationCodes.join(", "), rules.sickLeaveExemptRelations,
            relation);
  if (auto v = r.integer(
          "maxStartAheadSeconds", 0, kMaxStartAheadSeconds, Need::kOptional,
          "a whole number of seconds between 0 and " + std::to_string(kMaxStartAheadSeconds))) {
    rules.maxStartAhead = std::chrono::seconds(*v);
  }
  r.object("sickLeaveDurationCapMonths", [&rules](FieldReader& m) {
    readInteger(m, "initial", rules.sickLeaveCapMonthsInitial, 1, kMaxMonths);
    readInteger(m, "prolongation", rules.sickLeaveCapMonthsProlongation, 1, kMaxMonths);
  });
}

}  // namespace fhirgw::rules
