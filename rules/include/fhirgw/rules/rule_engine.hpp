#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/domain/document.hpp"
#include "fhirgw/domain/teleconsultation.hpp"
#include "fhirgw/fhir/operation_outcome.hpp"
#include "fhirgw/rules/activity_history.hpp"
#include "fhirgw/rules/rule_config.hpp"

namespace fhirgw::rules {

/// What the rules concluded about a submission.
struct RuleOutcome {
  /// Rule issues with their configured severity (rules set to `off` are absent), in the order of
  /// rules.md, then document by document.
  std::vector<fhir::Issue> issues;
  /// A reimbursement rule (TLC-PATHWAY, TLC-KNOWN-PATIENT, TLC-TERRITORY, TLC-ACTIVITY-CAP,
  /// BILL-AMOUNT) fired as a warning: the billing item is marked not reimbursable.
  bool notReimbursable = false;
  /// The reimbursement rules (RuleInfo::reimbursement) that fired as warnings, each once, in the
  /// order of `issues`: the reasons the billing item names when it is not reimbursable.
  std::vector<std::string> notReimbursableReasons;
  /// The INS may be used: FHIR Patient identifier, DMP and patient messaging deliveries; when
  /// false those deliveries are recorded as skipped with reason ID-INS-QUALIFIED.
  bool insQualified = false;

  /// True when an issue is an error (answer 422, store nothing).
  bool hasErrors() const { return fhir::hasErrors(issues); }
};

/// Runs every rule of rules.md with a configuration, a clock and the activity history. Immutable
/// after construction and safe to share between request threads.
class RuleEngine {
 public:
  /// `history` may be nullptr (TLC-ACTIVITY-CAP then reports "not evaluated"); `clock` and
  /// `history` must outlive the engine.
  RuleEngine(RuleConfig config, const common::Clock& clock, const ActivityHistory* history);

  /// Evaluates a teleconsultation and its embedded documents (paths "documents[i]...").
  /// Fails only when the activity history cannot be read (a store error: retry later).
  common::Result<RuleOutcome> evaluate(const domain::Teleconsultation& teleconsultation) const;

  /// Evaluates one document added later (POST .../documents) in the context of its stored
  /// teleconsultation; paths are basePath + the field ("" for a posted document body).
  /// insQualified is the teleconsultation's; notReimbursable stays false.
  RuleOutcome evaluateDocument(const domain::Teleconsultation& context,
                               const domain::Document& document,
                               std::string_view basePath = {}) const;

  /// True when a rule is in force on a date (its configured effective period); a rule with a
  /// start or end date is not in force when the date is unknown (nullopt).
  bool inForce(std::string_view ruleId, std::optional<fhir::Date> on) const;
  /// The severity a rule has under this configuration.
  RuleSeverity severityOf(std::string_view ruleId) const;
  /// The configuration in use.
  const RuleConfig& config() const { return config_; }

 private:
  RuleConfig config_;
  const common::Clock& clock_;
  const ActivityHistory* history_;
};

}  // namespace fhirgw::rules
