// BILL-* rules: the billed act, its amount and majorations.
#include <array>
#include <cctype>

#include "fhirgw/rules/rules.hpp"
#include "findings.hpp"

namespace fhirgw::rules {
namespace {

using detail::finding;
using detail::missingField;
using domain::indexPath;

constexpr std::string_view kNgapSource =
    "NGAP et convention médicale : téléconsultation TCG = 25 EUR";
constexpr std::string_view kActSource =
    "NGAP et convention médicale du 20 juin 2024 : TCG (médecine générale, secteur 1 ou OPTAM), "
    "TC (autres spécialités et secteurs) ; NGAP 14.9.5 (TLS, TLD, TLL facturés par l'infirmier)";

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(a[i])) !=
        std::toupper(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

}  // namespace

// ---- BILL-MAJORATION -------------------------------------------------------------------------

const RuleInfo& MajorationRule::info() const {
  static const RuleInfo kInfo{
      "BILL-MAJORATION",
      RuleSeverity::kError,
      "NGAP : les majorations F (férié / dimanche), MN (nuit) et MM "
      "(milieu de nuit) ne sont pas facturables avec une téléconsultation",
      "none of the majorations F, MN, MM is billed with a "
      "teleconsultation act",
      false,
      "",
      "Aucune majoration F, MN ou MM n'est facturée avec une téléconsultation.",
      ""};
  return kInfo;
}

common::Status MajorationRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const std::optional<domain::Billing>& billing = ctx.teleconsultation.billing;
  if (!billing) return common::Status::ok();
  for (std::size_t i = 0; i < billing->majorations.size(); ++i) {
    const std::string& m = billing->majorations[i];
    for (const std::string& forbidden : ctx.config.forbiddenMajorations) {
      // Case-insensitive so that "mn" cannot slip through.
      if (!equalsIgnoringCase(m, forbidden)) continue;
      out.push_back(
          finding("business-rule", indexPath("billing.majorations", i),
                  "La majoration " + forbidden + " n'est pas facturable avec une téléconsultation.",
                  "majoration " + forbidden + " cannot be billed with a teleconsultation act"));
    }
  }
  return common::Status::ok();
}

// ---- BILL-ACT --------------------------------------------------------------------------------

const RuleInfo& BillingActRule::info() const {
  static const RuleInfo kInfo{"BILL-ACT",
                              RuleSeverity::kError,
                              kActSource,
                              "the billed act is in the tariff table and the practitioner may "
                              "bill it (TCG: general practice in sector 1 or 2-optam, or sector "
                              "not given; TC: the others)",
                              false,
                              "",
                              "L'acte facturé est connu et ce médecin peut le facturer (TCG : "
                              "médecine générale en secteur 1 ou OPTAM ; TC : les autres).",
                              "2024-06-20"};
  return kInfo;
}

namespace {

// Acts that another professional bills, or that are not teleconsultations: each has its own
// message (NGAP 14.9.5; tele-expertise), unless the configuration makes them billable.
struct RefusedAct {
  std::string_view act;
  std::string_view fr;
  std::string_view en;
};
constexpr std::array<RefusedAct, 7> kRefusedActs{{
    {"TLS", "est facturé par l'infirmier qui assiste le patient (NGAP 14.9.5)",
     "is billed by the nurse assisting the patient (NGAP 14.9.5)"},
    {"TLD", "est facturé par l'infirmier qui assiste le patient (NGAP 14.9.5)",
     "is billed by the nurse assisting the patient (NGAP 14.9.5)"},
    {"TLL", "est facturé par l'infirmier qui assiste le patient (NGAP 14.9.5)",
     "is billed by the nurse assisting the patient (NGAP 14.9.5)"},
    {"TLM", "est facturé par le pharmacien qui assiste le patient",
     "is billed by the pharmacist assisting the patient"},
    {"TE1", "est un acte de téléexpertise, pas de téléconsultation",
     "is a tele-expertise act, not a teleconsultation"},
    {"TE2", "est un acte de téléexpertise, pas de téléconsultation",
     "is a tele-expertise act, not a teleconsultation"},
    {"RQD", "est un acte de téléexpertise, pas de téléconsultation",
     "is a tele-expertise act, not a teleconsultation"},
}};

std::string sectorCode(const domain::Practitioner& p) {
  return p.conventionSector ? std::string(code(*p.conventionSector)) : std::string(kNoSector);
}

std::string joined(const std::vector<std::string>& items, std::string_view none) {
  if (items.empty()) return std::string(none);
  std::string out;
  for (const std::string& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

}  // namespace

common::Status BillingActRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const std::optional<domain::Billing>& billing = ctx.teleconsultation.billing;
  if (!billing) return common::Status::ok();
  if (!billing->act || domain::isBlank(*billing->act)) {
    out.push_back(missingField("billing.act", "L'acte facturé est obligatoire (par exemple TCG)."));
    return common::Status::ok();
  }
  const std::string& act = *billing->act;
  const RuleConfig& config = ctx.config;
  if (!config.isKnownAct(act)) {
    for (const RefusedAct& r : kRefusedActs) {
      if (r.act != act) continue;
      out.push_back(finding("business-rule", "billing.act",
                            "L'acte " + act + " " + std::string(r.fr) +
                                " : il ne peut pas être facturé par le médecin téléconsultant.",
                            "act " + act + " " + std::string(r.en) +
                                ": not billable by the teleconsulting physician"));
      return common::Status::ok();
    }
    const std::string known = joined(config.knownActs(), "-");
    out.push_back(finding("value", "billing.act",
                          "Acte de téléconsultation non reconnu ; actes acceptés : " + known + ".",
                          "act '" + act + "' is not in the tariff table (" + known + ")"));
    return common::Status::ok();
  }
  const domain::Practitioner& p = ctx.teleconsultation.practitioner;
  const std::string sector = sectorCode(p);
  if (!config.mayBill(act, p.specialty, sector)) {
    std::vector<std::string> instead;
    for (const std::string& other : config.knownActs()) {
      if (other != act && config.mayBill(other, p.specialty, sector)) instead.push_back(other);
    }
    const std::string alternatives = joined(instead, "aucun");
    out.push_back(finding(
        "business-rule", "billing.act",
        "L'acte " + act + " ne peut pas être facturé par ce médecin (spécialité " + p.specialty +
            ", secteur " + sector + ") ; acte possible : " + alternatives + ".",
        "act " + act + " is not billable by specialty '" + p.specialty + "' in sector '" + sector +
            "'; billable instead: " + joined(instead, "none")));
  }
  return common::Status::ok();
}

// ---- BILL-AMOUNT -----------------------------------------------------------------------------

const RuleInfo& BillingAmountRule::info() const {
  static const RuleInfo kInfo{"BILL-AMOUNT",
                              RuleSeverity::kWarning,
                              kNgapSource,
                              "the billed amount equals the tariff of the act (compared as "
                              "decimals)",
                              true,
                              "",
                              "Le montant facturé est égal au tarif de l'acte.",
                              ""};
  return kInfo;
}

common::Status BillingAmountRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const std::optional<domain::Billing>& billing = ctx.teleconsultation.billing;
  if (!billing) return common::Status::ok();
  if (!billing->amount.present()) {
    out.push_back(missingField("billing.amount", "Le montant facturé est obligatoire."));
    return common::Status::ok();
  }
  // A malformed or negative amount is refused by the body parser (an input error whatever this
  // rule's severity): nothing to compare.
  if (!billing->amount.valid()) return common::Status::ok();
  if (!billing->act) return common::Status::ok();
  const auto tariff = ctx.config.tariffs.find(*billing->act);
  if (tariff == ctx.config.tariffs.end()) {
    if (!ctx.config.isKnownAct(*billing->act)) return common::Status::ok();  // BILL-ACT
    out.push_back(detail::notEvaluated(
        "informational", "billing.amount",
        "Montant non contrôlé : l'acte " + *billing->act + " n'a pas de tarif fixe.",
        "amount not evaluated: act " + *billing->act + " has no fixed tariff"));
    return common::Status::ok();
  }
  const std::optional<domain::Decimal> expected = domain::Decimal::parse(tariff->second);
  if (!expected || *expected == *billing->amount.value) return common::Status::ok();
  out.push_back(finding("business-rule", "billing.amount",
                        "Le montant facturé (" + billing->amount.value->text() +
                            " EUR) diffère du tarif de l'acte " + tariff->first + " (" +
                            tariff->second + " EUR). L'acte n'est pas remboursable.",
                        "amount " + billing->amount.value->text() + " differs from the tariff " +
                            tariff->second + " of " + tariff->first));
  return common::Status::ok();
}

}  // namespace fhirgw::rules
