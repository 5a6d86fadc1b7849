// BILL-* rules: the billed act, its amount and majorations.
#include <cctype>

#include "fhirgw/mappings/rules.hpp"
#include "findings.hpp"

namespace fhirgw::mappings {
namespace {

using detail::finding;
using detail::indexPath;
using detail::missingField;

constexpr std::string_view kNgapSource =
    "NGAP et convention médicale : téléconsultation TCG = 25 EUR";

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
  static const RuleInfo kInfo{"BILL-MAJORATION", RuleSeverity::kError,
                              "NGAP : les majorations F (férié / dimanche), MN (nuit) et MM "
                              "(milieu de nuit) ne sont pas facturables avec une téléconsultation",
                              "none of the majorations F, MN, MM is billed with a "
                              "teleconsultation act",
                              false};
  return kInfo;
}

common::Status MajorationRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const std::optional<Billing>& billing = ctx.teleconsultation.billing;
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
  static const RuleInfo kInfo{"BILL-ACT", RuleSeverity::kError, kNgapSource,
                              "the billed act is in the tariff table", false};
  return kInfo;
}

common::Status BillingActRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const std::optional<Billing>& billing = ctx.teleconsultation.billing;
  if (!billing) return common::Status::ok();
  if (!billing->act || detail::isBlank(*billing->act)) {
    out.push_back(missingField("billing.act", "L'acte facturé est obligatoire (par exemple TCG)."));
    return common::Status::ok();
  }
  if (ctx.config.tariffs.find(*billing->act) == ctx.config.tariffs.end()) {
    std::string known;
    for (const auto& [act, amount] : ctx.config.tariffs) {
      known += (known.empty() ? "" : ", ") + act;
    }
    out.push_back(
        finding("value", "billing.act",
                "Acte de téléconsultation non reconnu ; actes acceptés : " + known + ".",
                "act '" + *billing->act + "' is not in the tariff table (" + known + ")"));
  }
  return common::Status::ok();
}

// ---- BILL-AMOUNT -----------------------------------------------------------------------------

const RuleInfo& BillingAmountRule::info() const {
  static const RuleInfo kInfo{"BILL-AMOUNT", RuleSeverity::kWarning, kNgapSource,
                              "the billed amount equals the tariff of the act (compared as "
                              "decimals)",
                              true};
  return kInfo;
}

common::Status BillingAmountRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const std::optional<Billing>& billing = ctx.teleconsultation.billing;
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
  if (tariff == ctx.config.tariffs.end()) return common::Status::ok();  // BILL-ACT reports it
  const std::optional<Decimal> expected = Decimal::parse(tariff->second);
  if (!expected || *expected == *billing->amount.value) return common::Status::ok();
  out.push_back(finding("business-rule", "billing.amount",
                        "Le montant facturé (" + billing->amount.value->text() +
                            " EUR) diffère du tarif de l'acte " + tariff->first + " (" +
                            tariff->second + " EUR). L'acte n'est pas remboursable.",
                        "amount " + billing->amount.value->text() + " differs from the tariff " +
                            tariff->second + " of " + tariff->first));
  return common::Status::ok();
}

}  // namespace fhirgw::mappings
