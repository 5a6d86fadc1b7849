// Sick-leave rules of the 2025 and 2026 social security financing laws: AAT-DURATION-CAP and
// AAT-ABROAD (AAT-3-DAYS and AAT-PERIOD are in document_rules.cpp).
#include "fhirgw/rules/rules.hpp"
#include "findings.hpp"

namespace fhirgw::rules {
namespace {

using detail::finding;
using domain::isBlank;
using domain::joinPath;

std::string months(int n) { return std::to_string(n) + " mois"; }
std::string monthsEn(int n) { return std::to_string(n) + (n == 1 ? " month" : " months"); }

}  // namespace

// ---- AAT-DURATION-CAP ------------------------------------------------------------------------

const RuleInfo& SickLeaveDurationCapRule::info() const {
  static const RuleInfo kInfo{"AAT-DURATION-CAP",
                              RuleSeverity::kWarning,
                              "LFSS 2026, art. 81 (code de la sécurité sociale, art. L.162-4-1 et "
                              "L.162-4-4) : durée maximale des arrêts de travail",
                              "an initial sick leave ends before the same day one calendar month "
                              "after its start, a prolongation two months (configurable); longer "
                              "only with a durationJustification",
                              false,
                              "2026-09-01",
                              "Un arrêt initial est limité à un mois, une prolongation à deux "
                              "mois, sauf justification du dépassement.",
                              "2026-09-01"};
  return kInfo;
}

void SickLeaveDurationCapRule::check(const DocumentContext& ctx, std::vector<Finding>& out) const {
  const auto* leave = std::get_if<domain::SickLeave>(&ctx.document);
  if (leave == nullptr || !leave->type.valid() || !leave->start.valid() || !leave->end.valid()) {
    return;  // AAT-PERIOD reports them
  }
  if (*leave->end.value < *leave->start.value) return;  // AAT-PERIOD
  const bool initial = *leave->type.value == domain::SickLeaveType::kInitial;
  const int cap =
      initial ? ctx.config.sickLeaveCapMonthsInitial : ctx.config.sickLeaveCapMonthsProlongation;
  // The first day the leave may no longer cover.
  const fhir::Date limit = leave->start.value->plusMonthsRollingOver(cap);
  if (*leave->end.value < limit) return;
  const std::string what = initial ? "initial" : "de prolongation";
  const std::string whatEn = initial ? "initial sick leave" : "prolongation";
  const std::string lastDay = limit.plusDays(-1).toString();
  if (leave->durationJustification && !isBlank(*leave->durationJustification)) {
    Finding f = finding("informational", joinPath(ctx.basePath, "durationJustification"),
                        "Arrêt " + what + " au-delà de la durée maximale (" + months(cap) +
                            ", jusqu'au " + lastDay + ") : dépassement justifié.",
                        whatEn + " ends after " + lastDay + " (cap " + monthsEn(cap) +
                            "): exceeding is justified by durationJustification");
    f.informationOnly = true;
    out.push_back(std::move(f));
    return;
  }
  out.push_back(finding("business-rule", joinPath(ctx.basePath, "end"),
                        "Un arrêt " + what + " est limité à " + months(cap) + " (ici jusqu'au " +
                            lastDay +
                            " au plus) ; un dépassement doit être "
                            "justifié (durationJustification).",
                        whatEn + " ends on " + leave->end.value->toString() + ", after " + lastDay +
                            " (cap " + monthsEn(cap) + "), without a durationJustification"));
}

// ---- AAT-ABROAD ------------------------------------------------------------------------------

const RuleInfo& SickLeaveAbroadRule::info() const {
  static const RuleInfo kInfo{"AAT-ABROAD",
                              RuleSeverity::kError,
                              "Code de la santé publique, art. L.6316-1, modifié par la LFSS 2025 "
                              "(art. 54) : pas d'arrêt de travail en téléconsultation par un "
                              "médecin exerçant principalement à l'étranger",
                              "no sick-leave notice when the practitioner practises mainly abroad",
                              false,
                              "2025-03-01",
                              "Un médecin exerçant principalement à l'étranger ne peut pas "
                              "prescrire d'arrêt de travail en téléconsultation.",
                              "2025-03-01"};
  return kInfo;
}

void SickLeaveAbroadRule::check(const DocumentContext& ctx, std::vector<Finding>& out) const {
  if (std::get_if<domain::SickLeave>(&ctx.document) == nullptr) return;
  if (!ctx.teleconsultation.practitioner.practisesMainlyAbroad) return;
  out.push_back(finding("business-rule", joinPath(ctx.basePath, "kind"),
                        "Un médecin exerçant principalement à l'étranger ne peut pas prescrire "
                        "d'arrêt de travail en téléconsultation.",
                        "the practitioner practises mainly abroad "
                        "(practitioner.practisesMainlyAbroad): no sick-leave notice"));
}

}  // namespace fhirgw::rules
