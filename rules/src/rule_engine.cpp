#include "fhirgw/rules/rule_engine.hpp"

#include <algorithm>

#include "fhirgw/domain/body_path.hpp"
#include "fhirgw/rules/rules.hpp"

namespace fhirgw::rules {
namespace {

fhir::IssueSeverity toIssueSeverity(RuleSeverity s) {
  switch (s) {
    case RuleSeverity::kError:
      return fhir::IssueSeverity::kError;
    case RuleSeverity::kWarning:
      return fhir::IssueSeverity::kWarning;
    case RuleSeverity::kInformation:
    case RuleSeverity::kOff:
      return fhir::IssueSeverity::kInformation;
  }
  return fhir::IssueSeverity::kError;
}

void addReason(std::vector<std::string>& reasons, std::string_view ruleId) {
  if (std::find(reasons.begin(), reasons.end(), ruleId) == reasons.end()) {
    reasons.emplace_back(ruleId);
  }
}

// Turns one rule's findings into issues under the configured severity.
void collect(const RuleInfo& info, RuleSeverity severity, std::vector<Finding>& findings,
             RuleOutcome& out) {
  if (severity == RuleSeverity::kOff) return;
  for (Finding& f : findings) {
    const RuleSeverity effective =
        f.notEvaluated || f.informationOnly ? RuleSeverity::kInformation : severity;
    if (info.reimbursement && effective == RuleSeverity::kWarning) {
      if (f.affectsReimbursement) out.notReimbursable = true;
      addReason(out.notReimbursableReasons, info.id);
    }
    out.issues.push_back(fhir::Issue{.severity = toIssueSeverity(effective),
                                     .code = std::move(f.code),
                                     .ruleId = std::string(info.id),
                                     .detailsText = std::move(f.detailsText),
                                     .diagnostics = std::move(f.diagnostics),
                                     .expression = std::move(f.expression)});
  }
}

// The date a document rule is judged by: a sick leave's own start (rules.md), otherwise the
// encounter date of its teleconsultation.
std::optional<fhir::Date> documentDate(const domain::Teleconsultation& context,
                                       const domain::Document& document) {
  if (const auto* leave = std::get_if<domain::SickLeave>(&document)) return leave->start.value;
  return context.encounterDate();
}

}  // namespace

RuleEngine::RuleEngine(RuleConfig config, const common::Clock& clock,
                       const ActivityHistory* history)
    : config_(std::move(config)), clock_(clock), history_(history) {}

bool RuleEngine::inForce(std::string_view ruleId, std::optional<fhir::Date> on) const {
  const EffectivePeriod period = config_.effectivePeriod(ruleId);
  if (period.unbounded()) return true;
  // A dated rule needs a usable date; without one the period rules (TLC-PERIOD, AAT-PERIOD)
  // report what is wrong.
  return on.has_value() && period.contains(*on);
}

RuleSeverity RuleEngine::severityOf(std::string_view ruleId) const {
  if (const auto it = config_.severities.find(ruleId); it != config_.severities.end()) {
    return it->second;
  }
  const RuleInfo* info = findRule(ruleId);
  return info != nullptr ? info->defaultSeverity : RuleSeverity::kError;
}

common::Result<RuleOutcome> RuleEngine::evaluate(
    const domain::Teleconsultation& teleconsultation) const {
  RuleOutcome out;
  const RuleContext ctx{teleconsultation, config_, fhir::toInstant(clock_.now()), history_};
  const std::optional<fhir::Date> on = teleconsultation.encounterDate();
  for (const auto& rule : teleconsultationRules()) {
    const RuleSeverity severity = severityOf(rule->info().id);
    if (severity == RuleSeverity::kOff) continue;  // also spares the history look-up
    if (!inForce(rule->info().id, on)) continue;
    std::vector<Finding> findings;
    if (common::Status s = rule->check(ctx, findings); !s.isOk()) return s;
    collect(rule->info(), severity, findings, out);
  }
  for (std::size_t i = 0; i < teleconsultation.documents.size(); ++i) {
    const std::string base = domain::indexPath("documents", i);
    RuleOutcome doc = evaluateDocument(teleconsultation, teleconsultation.documents[i], base);
    for (fhir::Issue& issue : doc.issues) out.issues.push_back(std::move(issue));
    for (const std::string& reason : doc.notReimbursableReasons) {
      addReason(out.notReimbursableReasons, reason);
    }
  }
  out.insQualified = isInsQualified(teleconsultation.patient, config_);
  return out;
}

RuleOutcome RuleEngine::evaluateDocument(const domain::Teleconsultation& context,
                                         const domain::Document& document,
                                         std::string_view basePath) const {
  RuleOutcome out;
  const DocumentContext ctx{context, document, basePath, config_};
  const std::optional<fhir::Date> on = documentDate(context, document);
  for (const auto& rule : documentRules()) {
    const RuleSeverity severity = severityOf(rule->info().id);
    if (severity == RuleSeverity::kOff) continue;
    if (!inForce(rule->info().id, on)) continue;
    std::vector<Finding> findings;
    rule->check(ctx, findings);
    collect(rule->info(), severity, findings, out);
  }
  out.insQualified = isInsQualified(context.patient, config_);
  return out;
}

}  // namespace fhirgw::rules
