#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/status.hpp"
#include "fhirgw/domain/document.hpp"
#include "fhirgw/domain/teleconsultation.hpp"
#include "fhirgw/fhir/date_time.hpp"
#include "fhirgw/rules/activity_history.hpp"
#include "fhirgw/rules/rule_config.hpp"

namespace fhirgw::rules {

/// The fixed description of a rule (rules.md, docs/rules.md).
struct RuleInfo {
  std::string_view id;           ///< stable ID, e.g. "TLC-PATHWAY"
  RuleSeverity defaultSeverity;  ///< before configuration
  std::string_view source;       ///< legal or conventional source
  std::string_view summary;      ///< English one-line statement of the check
  bool reimbursement = false;    ///< a warning of this rule marks billing not reimbursable
  /// First day in force by default ("YYYY-MM-DD"), "" when the rule has no start date.
  std::string_view effectiveFrom = {};
  /// French one-line statement of the check (GET /api/v1/rules).
  std::string_view descriptionFr = {};
  /// Date of the cited source ("YYYY-MM-DD"; for an LFSS article, the date its provision
  /// applies from), "" when the source is not a dated text.
  std::string_view sourceDate = {};
};

/// One problem a rule found, before the configured severity is applied.
struct Finding {
  std::string code = "business-rule";  ///< FHIR issue type: business-rule, required, value, ...
  std::string expression;              ///< path in the request body
  std::string detailsText;             ///< French, for the end user
  std::string diagnostics;             ///< English, for the developer
  /// The rule could not be evaluated (data missing): reported as `information` whatever the
  /// configured severity, and never affecting reimbursement.
  bool notEvaluated = false;
  /// False when the finding is about a malformed field although an exception already satisfies
  /// the rule: reported, but reimbursement is not in doubt.
  bool affectsReimbursement = true;
  /// A record of an accepted derogation (a justified exceedance): reported as `information`
  /// whatever the configured severity, and never affecting reimbursement.
  bool informationOnly = false;
};

/// What a teleconsultation rule sees.
struct RuleContext {
  const domain::Teleconsultation& teleconsultation;
  const RuleConfig& config;
  fhir::Instant now;  ///< from the injected clock
  const ActivityHistory*
      history;  ///< nullptr: history unavailable (TLC-ACTIVITY-CAP not evaluated)
};

/// What a document rule sees: one document in the context of its teleconsultation (embedded in
/// the same body, or the stored one for POST .../documents).
struct DocumentContext {
  const domain::Teleconsultation& teleconsultation;
  const domain::Document& document;
  std::string_view basePath;  ///< "documents[2]" for an embedded document, "" for a posted one
  const RuleConfig& config;
};

/// A rule on the teleconsultation as a whole.
class TeleconsultationRule {
 public:
  virtual ~TeleconsultationRule() = default;
  /// The rule's fixed description.
  virtual const RuleInfo& info() const = 0;
  /// Appends findings; a non-ok Status is a process failure (history unavailable), not a finding.
  virtual common::Status check(const RuleContext& ctx, std::vector<Finding>& out) const = 0;
};

/// A rule on one document (it ignores the kinds it is not about).
class DocumentRule {
 public:
  virtual ~DocumentRule() = default;
  /// The rule's fixed description.
  virtual const RuleInfo& info() const = 0;
  /// Appends findings with paths under ctx.basePath.
  virtual void check(const DocumentContext& ctx, std::vector<Finding>& out) const = 0;
};

}  // namespace fhirgw::rules
