// ID-* rules: the patient's INS and the professionals' RPPS numbers.
#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/rules/rules.hpp"
#include "findings.hpp"

namespace fhirgw::rules {
namespace {

using detail::finding;
using detail::missingField;
using domain::isBlank;
using fhir::fr::InsValueProblem;

constexpr std::string_view kInsSource =
    "Référentiel Identité Nationale de Santé (INS) et textes associés (ANS) ; recommandations de "
    "la HAS sur l'identification du patient en téléconsultation";

fhir::fr::InsPolicy insPolicy(const RuleConfig& config) {
  return fhir::fr::InsPolicy{config.acceptTestInsOids};
}

void checkInsValue(const domain::Ins& ins, std::vector<Finding>& out) {
  constexpr const char* kPath = "patient.ins.value";
  if (!ins.value) {
    out.push_back(missingField(kPath, "La valeur de l'INS (matricule INS) est obligatoire."));
    return;
  }
  switch (fhir::fr::checkInsValue(*ins.value)) {
    case InsValueProblem::kNone:
      return;
    case InsValueProblem::kLength:
      out.push_back(finding("value", kPath,
                            "Le matricule INS doit compter 15 caractères (NIR et clé).",
                            "INS value must be 15 characters (13-character NIR + 2-digit key)"));
      return;
    case InsValueProblem::kCharacters:
      out.push_back(finding("value", kPath,
                            "Le matricule INS ne doit contenir que des chiffres (2A ou 2B "
                            "admis en positions 6-7).",
                            "INS value must be digits, with 2A/2B allowed at positions 6-7"));
      return;
    case InsValueProblem::kKey:
      out.push_back(finding("value", kPath, "La clé du matricule INS est incorrecte.",
                            "INS key is not 97 - (NIR mod 97)"));
      return;
  }
}

// Checks one RPPS field; `required` says whether absence is a finding.
void checkRpps(const std::optional<std::string>& rpps, const std::string& path, bool required,
               std::vector<Finding>& out) {
  if (!rpps) {
    if (required) out.push_back(missingField(path, "Le numéro RPPS est obligatoire."));
    return;
  }
  if (!fhir::fr::isValidRpps(*rpps)) {
    out.push_back(finding("value", path, "Numéro RPPS invalide (11 chiffres dont une clé de Luhn).",
                          "RPPS must be 11 digits with a valid Luhn check digit"));
  }
}

std::vector<Finding> traitFindings(const domain::Patient& p) {
  std::vector<Finding> out;
  if (!p.family || isBlank(*p.family)) {
    out.push_back(missingField("patient.family",
                               "Avec une INS qualifiée, le nom de naissance est obligatoire."));
  }
  if (p.given.empty() || isBlank(p.given.front())) {
    out.push_back(missingField("patient.given",
                               "Avec une INS qualifiée, au moins un prénom de naissance est "
                               "obligatoire."));
  }
  if (!p.birthDate.present()) {
    out.push_back(missingField("patient.birthDate",
                               "Avec une INS qualifiée, la date de naissance est obligatoire."));
  } else if (!p.birthDate.valid()) {
    out.push_back(finding("value", "patient.birthDate",
                          "Date de naissance invalide (attendu : AAAA-MM-JJ).",
                          "birthDate is not a YYYY-MM-DD date"));
  }
  if (!p.gender.present()) {
    out.push_back(missingField(
        "patient.gender", "Avec une INS qualifiée, le sexe (female ou male) est obligatoire."));
  } else if (p.gender.value != domain::Gender::kFemale && p.gender.value != domain::Gender::kMale) {
    out.push_back(finding(
        "value", "patient.gender", "Avec une INS qualifiée, le sexe doit être female ou male.",
        "a qualified INS needs gender female or male, got '" + *p.gender.text + "'"));
  }
  if (!p.birthPlaceInsee) {
    out.push_back(missingField("patient.birthPlaceInsee",
                               "Avec une INS qualifiée, le code INSEE du lieu de naissance est "
                               "obligatoire."));
  } else if (!fhir::fr::isInseeCommuneCode(*p.birthPlaceInsee)) {
    out.push_back(finding("value", "patient.birthPlaceInsee",
                          "Code INSEE du lieu de naissance invalide (5 caractères).",
                          "birthPlaceInsee is not a 5-character INSEE commune code"));
  }
  return out;
}

std::vector<Finding> insFindings(const domain::Ins& ins, const RuleConfig& config) {
  std::vector<Finding> out;
  checkInsValue(ins, out);
  constexpr const char* kOidPath = "patient.ins.oid";
  if (!ins.oid) {
    out.push_back(missingField(kOidPath, "L'OID de l'INS est obligatoire."));
  } else if (!fhir::fr::isInsOidAccepted(*ins.oid, insPolicy(config))) {
    static const std::string kNotAccepted = "OID d'INS non accepté (INS-NIR " +
                                            std::string(fhir::fr::kInsNirOid) + " ou INS-NIA " +
                                            std::string(fhir::fr::kInsNiaOid) + ").";
    out.push_back(finding("value", kOidPath,
                          config.acceptTestInsOids
                              ? "OID d'INS non reconnu (INS-NIR, INS-NIA, test ou démonstration)."
                              : kNotAccepted,
                          "INS OID '" + *ins.oid + "' is not accepted" +
                              (config.acceptTestInsOids ? "" : " (test OIDs are disabled)")));
  }
  return out;
}

}  // namespace

// The one place the INS is judged usable outside the gateway (Patient.identifier, DMP, patient
// messaging): a qualified identity with complete traits, and an identifier that
// fhir::fr::isInsUsable accepts under the configured policy. The engine carries the answer as
// RuleOutcome::insQualified; the mapper and routing read it rather than deciding from the OID.
bool isInsQualified(const domain::Patient& patient, const RuleConfig& config) {
  const std::optional<domain::Ins>& ins = patient.ins;
  return ins && ins->status.value == domain::InsStatus::kQualified && ins->value && ins->oid &&
         fhir::fr::isInsUsable(*ins->value, *ins->oid, insPolicy(config)) &&
         traitFindings(patient).empty();
}

// ---- ID-INS ----------------------------------------------------------------------------------

const RuleInfo& InsRule::info() const {
  static const RuleInfo kInfo{"ID-INS",
                              RuleSeverity::kError,
                              kInsSource,
                              "the INS is 15 characters with a valid NIR key, under the INS-NIR "
                              "or INS-NIA OID (test OIDs when configured)",
                              false,
                              "",
                              "L'INS est valide : NIR et clé, OID INS-NIR ou INS-NIA.",
                              ""};
  return kInfo;
}

common::Status InsRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const std::optional<domain::Ins>& ins = ctx.teleconsultation.patient.ins;
  if (!ins) return common::Status::ok();  // ID-INS-QUALIFIED reports the absence
  for (Finding& f : insFindings(*ins, ctx.config)) out.push_back(std::move(f));
  return common::Status::ok();
}

// ---- ID-INS-QUALIFIED ------------------------------------------------------------------------

const RuleInfo& InsQualifiedRule::info() const {
  static const RuleInfo kInfo{"ID-INS-QUALIFIED",
                              RuleSeverity::kWarning,
                              kInsSource,
                              "the INS is present with status qualified; otherwise it is not "
                              "transmitted and the DMP and patient messaging are not fed",
                              false,
                              "",
                              "L'identité INS est qualifiée ; sinon l'INS n'est pas transmise et "
                              "ni le DMP ni la messagerie du patient ne sont alimentés.",
                              ""};
  return kInfo;
}

common::Status InsQualifiedRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const std::optional<domain::Ins>& ins = ctx.teleconsultation.patient.ins;
  static const std::string kConsequenceFr =
      " L'INS n'est pas transmise et ni le DMP ni la messagerie sécurisée du patient ne sont "
      "alimentés.";
  static const std::string kConsequenceEn =
      ": the INS is not transmitted; DMP and patient secure messaging deliveries are skipped";
  if (!ins) {
    out.push_back(finding("business-rule", "patient.ins",
                          "Aucune INS n'est transmise pour ce patient." + kConsequenceFr,
                          "no patient.ins" + kConsequenceEn));
    return common::Status::ok();
  }
  const domain::Field<domain::InsStatus>& status = ins->status;
  if (!status.present()) {
    Finding f = missingField("patient.ins.status",
                             "Le statut de l'identité INS est obligatoire." + kConsequenceFr);
    out.push_back(std::move(f));
  } else if (!status.valid()) {
    out.push_back(finding("value", "patient.ins.status",
                          "Statut d'identité non reconnu (provisional, retrieved, validated, "
                          "qualified)." +
                              kConsequenceFr,
                          "'" + *status.text + "' is not an identity status" + kConsequenceEn));
  } else if (*status.value != domain::InsStatus::kQualified) {
    out.push_back(finding(
        "business-rule", "patient.ins.status",
        "L'identité du patient n'est pas qualifiée (statut " + *status.text + ")." + kConsequenceFr,
        "INS status is " + *status.text + ", not qualified" + kConsequenceEn));
  }
  return common::Status::ok();
}

// ---- ID-INS-TRAITS ---------------------------------------------------------------------------

const RuleInfo& InsTraitsRule::info() const {
  static const RuleInfo kInfo{"ID-INS-TRAITS",
                              RuleSeverity::kError,
                              kInsSource,
                              "a qualified INS comes with family name, a given name, birth date, "
                              "gender female or male and the INSEE birthplace code",
                              false,
                              "",
                              "Une INS qualifiée s'accompagne des traits d'identité complets.",
                              ""};
  return kInfo;
}

common::Status InsTraitsRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const domain::Patient& p = ctx.teleconsultation.patient;
  // Same test as the parser's hand-over: the text "qualified" makes the traits this rule's.
  if (!p.ins || p.ins->status.value != domain::InsStatus::kQualified) return common::Status::ok();
  for (Finding& f : traitFindings(p)) out.push_back(std::move(f));
  return common::Status::ok();
}

// ---- ID-RPPS ---------------------------------------------------------------------------------

const RuleInfo& RppsRule::info() const {
  static const RuleInfo kInfo{"ID-RPPS",
                              RuleSeverity::kError,
                              "Répertoire partagé des professionnels de santé (RPPS, ANS) : "
                              "numéro à 11 chiffres avec clé de Luhn",
                              "each RPPS is 11 digits with a valid Luhn check digit",
                              false,
                              "",
                              "Chaque numéro RPPS a 11 chiffres et une clé de Luhn valide.",
                              ""};
  return kInfo;
}

common::Status RppsRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const domain::Teleconsultation& t = ctx.teleconsultation;
  checkRpps(t.practitioner.rpps, "practitioner.rpps", true, out);
  if (t.treatingPhysician)
    checkRpps(t.treatingPhysician->rpps, "treatingPhysician.rpps", true, out);
  if (t.encounter.assistedBy) {
    checkRpps(t.encounter.assistedBy->rpps, "encounter.assistedBy.rpps", false, out);
  }
  return common::Status::ok();
}

}  // namespace fhirgw::rules
