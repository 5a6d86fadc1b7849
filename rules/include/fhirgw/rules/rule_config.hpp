#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/code_table.hpp"
#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/domain/teleconsultation.hpp"

namespace fhirgw::rules {

/// The sector code of eligibility tables for a practitioner who did not give one.
inline constexpr std::string_view kNoSector = "none";

/// Severity of a rule after configuration; `off` disables it.
enum class RuleSeverity { kError, kWarning, kInformation, kOff };
/// The configuration codes, in the order messages list them.
inline constexpr common::CodeTable<RuleSeverity, 4> kRuleSeverityCodes{{{
    {RuleSeverity::kError, "error"},
    {RuleSeverity::kWarning, "warning"},
    {RuleSeverity::kInformation, "information"},
    {RuleSeverity::kOff, "off"},
}}};
/// Parses a code of kRuleSeverityCodes.
inline std::optional<RuleSeverity> parseRuleSeverity(std::string_view text) {
  return kRuleSeverityCodes.parse(text);
}
/// The code of a value in kRuleSeverityCodes.
inline std::string_view code(RuleSeverity s) { return kRuleSeverityCodes.code(s); }

/// The days a rule is in force: from `from` (none: always before) to `until` included (none:
/// no end). A rule not in force on a record's date does not fire.
struct EffectivePeriod {
  std::optional<fhir::Date> from;
  std::optional<fhir::Date> until;
  /// True when `on` is within the period.
  bool contains(fhir::Date on) const { return (!from || *from <= on) && (!until || on <= *until); }
  /// True when the period has neither start nor end (the rule needs no date).
  bool unbounded() const { return !from && !until; }
};

/// Settings of the rule engine (configuration keys `rules.*`, docs/rules.md). A plain struct
/// filled once from the configuration file and then read-only; the defaults are rules.md's.
struct RuleConfig {
  /// rules.severity.<RULE-ID>: overrides of the default severities.
  std::map<std::string, RuleSeverity, std::less<>> severities;
  /// rules.effectiveFrom.<RULE-ID>: overrides of the first day in force (nullopt: no start).
  std::map<std::string, std::optional<fhir::Date>, std::less<>> effectiveFrom;
  /// rules.effectiveUntil.<RULE-ID>: last day in force, included (nullopt: no end, the default).
  std::map<std::string, std::optional<fhir::Date>, std::less<>> effectiveUntil;
  /// rules.tariffs.<ACT>: the tariff table (BILL-ACT, BILL-AMOUNT), decimal strings in EUR.
  std::map<std::string, std::string, std::less<>> tariffs{{"TCG", "25.00"}};
  /// rules.actSpecialties.<ACT>: the specialties that may bill an act (BILL-ACT); an act without
  /// an entry (or with an empty list) may be billed by every specialty.
  std::map<std::string, std::vector<std::string>, std::less<>> actSpecialties{
      {"TCG", {"general-practice"}}};
  /// rules.actSectors.<ACT>: the convention sectors that may bill an act ("1", "2", "2-optam",
  /// "non-conventioned", and "none" for a sector not given); no entry or empty: every sector.
  std::map<std::string, std::vector<std::string>, std::less<>> actSectors{
      {"TCG", {"1", "2-optam", "none"}}};
  /// rules.fallbackActs: acts billed only by practitioners who may bill no other act (TC, for
  /// the specialties and sectors that may not bill TCG); without a tariff BILL-AMOUNT is not
  /// evaluated for them.
  std::vector<std::string> fallbackActs{"TC"};
  /// rules.forbiddenMajorations: majorations not billable with a teleconsultation act.
  std::vector<std::string> forbiddenMajorations{"F", "MN", "MM"};
  /// rules.activityCap.default: percent of yearly acts allowed at a distance.
  int activityCapDefaultPercent = 20;
  /// rules.activityCap.<specialty>: per-specialty overrides of the cap, in percent.
  std::map<std::string, int, std::less<>> activityCapPercentBySpecialty{{"psychiatry", 40}};
  /// rules.acceptTestInsOids: accept the test / demo INS OIDs (...4.10, ...4.11).
  bool acceptTestInsOids = false;
  /// rules.neighbouringDepartements: extra pairs of départements treated as one territory
  /// (order does not matter), e.g. {"51", "02"}.
  std::vector<std::pair<std::string, std::string>> neighbouringDepartements;
  /// rules.postalCodeDepartements.<POSTAL-CODE>: départements of postal codes that do not
  /// follow their prefix (TLC-TERRITORY): 97133 Saint-Barthélemy, 97150 Saint-Martin.
  std::map<std::string, std::string, std::less<>> postalCodeDepartements{{"97133", "977"},
                                                                         {"97150", "978"}};
  /// rules.maxDocumentBytes: largest decoded document content (DOC-CONTENT).
  std::size_t maxDocumentBytes = std::size_t{5} * 1024 * 1024;
  /// rules.sickLeaveExemptRelations: prescriber relations exempt from the 3-day limit.
  std::vector<domain::Relation> sickLeaveExemptRelations{
      domain::Relation::kTreatingPhysician, domain::Relation::kTreatingPhysicianReplacement,
      domain::Relation::kSamePracticeSameSpecialty, domain::Relation::kReferentMidwife};
  /// rules.maxStartAheadSeconds: how far in the future encounter.start may be (TLC-PERIOD).
  std::chrono::seconds maxStartAhead{300};
  /// rules.sickLeaveDurationCapMonths.initial: an initial sick leave ends before the same day
  /// this many calendar months after its start (AAT-DURATION-CAP).
  int sickLeaveCapMonthsInitial = 1;
  /// rules.sickLeaveDurationCapMonths.prolongation: the same for a prolongation.
  int sickLeaveCapMonthsProlongation = 2;

  /// The effective period of a rule: its default start (RuleInfo::effectiveFrom), no end, and
  /// the configured overrides.
  EffectivePeriod effectivePeriod(std::string_view ruleId) const;

  /// True when an act is in the tariff table, has an eligibility entry or is a fallback act.
  bool isKnownAct(std::string_view act) const;
  /// Every known act, sorted.
  std::vector<std::string> knownActs() const;
  /// True when a practitioner of `specialty` in `sector` ("none" when not given) may bill `act`.
  bool mayBill(std::string_view act, std::string_view specialty, std::string_view sector) const;
  /// The cap for a specialty, in percent.
  int activityCapPercent(std::string_view specialty) const;
};

/// Checks a configuration once at start-up: known rule IDs, decimal tariffs, percents in 0-100,
/// département codes, positive sizes. Errors are kInvalidArgument naming the `rules.*` key.
common::Status validateRuleConfig(const RuleConfig& config);

/// Reads the `rules.*` section of the configuration into `config`, whose values are the
/// defaults: maps are merged (a file adds acts and specialties, and changes the default ones),
/// arrays replace the default. Problems go to the reader's policy, naming each key by its path.
void bindRuleConfig(common::FieldReader& rules, RuleConfig& config);

}  // namespace fhirgw::rules
