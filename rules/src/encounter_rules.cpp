// TLC-* rules: the teleconsultation itself (consent, video, dates, reimbursement conditions).
#include <algorithm>
#include <array>
#include <tuple>

#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/rules/rules.hpp"
#include "findings.hpp"

namespace fhirgw::rules {
namespace {

using detail::finding;
using detail::missingField;
using detail::notEvaluated;

constexpr std::string_view kHasSource =
    "HAS, recommandations sur la téléconsultation (consentement, vidéotransmission, "
    "identification du patient)";
constexpr std::string_view kConventionSource =
    "Convention médicale du 20 juin 2024, art. 87-90 (téléconsultation : parcours de soins, "
    "alternance, territorialité, plafond de 20 %) ; numérotation 28.6.1.x de la convention de "
    "2016, encore citée par ameli et la NGAP 14.9.3";

constexpr std::string_view kKnownPatientSource =
    "Convention médicale du 20 juin 2024, art. 87-90 (alternance) ; avenant 9 et Conseil "
    "d'État, 14 octobre 2022 (la connaissance préalable du patient n'est plus exigée)";

std::string percent(int p) { return std::to_string(p) + " %"; }

}  // namespace

bool isDirectAccessSpecialty(std::string_view specialty) {
  static constexpr std::array<std::string_view, 8> kDirectAccess = {
      "gynecology", "ophthalmology",   "stomatology", "oral-surgery", "maxillofacial-surgery",
      "psychiatry", "neuropsychiatry", "pediatrics"};
  return std::find(kDirectAccess.begin(), kDirectAccess.end(), specialty) != kDirectAccess.end();
}

std::optional<PathwayException> pathwayException(const domain::Teleconsultation& t) {
  const domain::Relation rel = t.practitioner.relationToPatient;
  if (rel == domain::Relation::kTreatingPhysician ||
      rel == domain::Relation::kTreatingPhysicianReplacement) {
    return PathwayException::kTreatingPhysicianOrReplacement;
  }
  if (isDirectAccessSpecialty(t.practitioner.specialty)) {
    return PathwayException::kDirectAccessSpecialty;
  }
  const std::optional<fhir::Date> date = t.encounterDate();
  if (date && t.patient.birthDate.valid() && ageInYears(*t.patient.birthDate.value, *date) < 16) {
    return PathwayException::kUnder16;
  }
  if (const auto& o = t.encounter.orientation.value;
      o == domain::Orientation::kEmergency || o == domain::Orientation::kNoTreatingPhysician ||
      o == domain::Orientation::kTreatingPhysicianUnavailable || o == domain::Orientation::kSas) {
    return PathwayException::kOrientation;
  }
  if (t.noTreatingPhysicianDeclared()) return PathwayException::kNoTreatingPhysicianDeclared;
  const domain::Residence res = t.patient.residence;
  if (res == domain::Residence::kEhpad || res == domain::Residence::kEsms ||
      res == domain::Residence::kDetention) {
    return PathwayException::kResidence;
  }
  return std::nullopt;
}

// ---- TLC-CONSENT -----------------------------------------------------------------------------

const RuleInfo& ConsentRule::info() const {
  static const RuleInfo kInfo{
      "TLC-CONSENT",
      RuleSeverity::kError,
      kHasSource,
      "the patient's consent was obtained, not after the end of the "
      "encounter",
      false,
      "",
      "Le consentement du patient est recueilli, au plus tard à la fin de la téléconsultation.",
      ""};
  return kInfo;
}

common::Status ConsentRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const domain::Encounter& e = ctx.teleconsultation.encounter;
  if (!e.consent) {
    out.push_back(missingField("encounter.consent",
                               "Le consentement du patient à la téléconsultation doit être "
                               "renseigné."));
    return common::Status::ok();
  }
  const domain::Consent& c = *e.consent;
  if (!c.obtained) {
    out.push_back(missingField("encounter.consent.obtained",
                               "Il faut indiquer si le consentement du patient a été recueilli."));
  } else if (!*c.obtained) {
    out.push_back(finding("business-rule", "encounter.consent.obtained",
                          "Le consentement du patient à la téléconsultation n'a pas été recueilli.",
                          "consent.obtained is false: a teleconsultation needs the patient's "
                          "consent"));
  }
  if (!c.at.present()) {
    out.push_back(missingField("encounter.consent.at",
                               "La date et l'heure du recueil du consentement sont obligatoires."));
  } else if (!c.at.valid()) {
    out.push_back(finding("value", "encounter.consent.at",
                          "Date et heure du consentement invalides (attendu : "
                          "AAAA-MM-JJThh:mm:ss+hh:mm).",
                          "consent.at is not an RFC 3339 date-time with offset"));
  } else if (e.end.valid() && c.at.value->instant > e.end.value->instant) {
    out.push_back(finding("business-rule", "encounter.consent.at",
                          "Le consentement a été recueilli après la fin de la téléconsultation.",
                          "consent.at is after encounter.end: consent must precede the act"));
  }
  return common::Status::ok();
}

// ---- TLC-VIDEO -------------------------------------------------------------------------------

const RuleInfo& VideoRule::info() const {
  static const RuleInfo kInfo{"TLC-VIDEO",
                              RuleSeverity::kError,
                              kHasSource,
                              "the teleconsultation used video",
                              false,
                              "",
                              "La téléconsultation est réalisée par vidéotransmission.",
                              ""};
  return kInfo;
}

common::Status VideoRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const domain::Field<domain::Channel>& ch = ctx.teleconsultation.encounter.channel;
  if (!ch.present()) {
    out.push_back(missingField("encounter.channel",
                               "Le canal de la téléconsultation est obligatoire (video)."));
  } else if (!ch.valid()) {
    out.push_back(finding("value", "encounter.channel",
                          "Canal non reconnu ; une téléconsultation se fait en vidéo (video).",
                          "'" + *ch.text + "' is not a channel: video (or phone, refused)"));
  } else if (*ch.value != domain::Channel::kVideo) {
    out.push_back(finding("business-rule", "encounter.channel",
                          "Une téléconsultation doit être réalisée par vidéotransmission ; un "
                          "échange téléphonique seul n'en est pas une.",
                          "channel is phone: a teleconsultation must use video"));
  }
  return common::Status::ok();
}

// ---- TLC-PERIOD ------------------------------------------------------------------------------

const RuleInfo& PeriodRule::info() const {
  static const RuleInfo kInfo{"TLC-PERIOD",
                              RuleSeverity::kError,
                              "Cohérence des données (contrôle de la passerelle)",
                              "the encounter ends after it starts and does not start more than "
                              "5 minutes in the future",
                              false,
                              "",
                              "La fin de la téléconsultation est postérieure à son début, et le "
                              "début n'est pas dans le futur (5 minutes de tolérance).",
                              ""};
  return kInfo;
}

common::Status PeriodRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const domain::Encounter& e = ctx.teleconsultation.encounter;
  for (const auto& [field, name, fr] :
       {std::tuple{&e.start, "start", "Le début de la téléconsultation"},
        std::tuple{&e.end, "end", "La fin de la téléconsultation"}}) {
    const std::string path = std::string("encounter.") + name;
    if (!field->present()) {
      out.push_back(missingField(path, std::string(fr) + " est obligatoire."));
    } else if (!field->valid()) {
      out.push_back(finding("value", path,
                            std::string(fr) +
                                " est invalide (attendu : AAAA-MM-JJThh:mm:ss+hh:mm, avec "
                                "décalage horaire).",
                            path + " is not an RFC 3339 date-time with offset"));
    }
  }
  if (e.start.valid() && e.end.valid() && e.end.value->instant <= e.start.value->instant) {
    out.push_back(finding("business-rule", "encounter.end",
                          "La fin de la téléconsultation doit être postérieure à son début.",
                          "encounter.end is not after encounter.start"));
  }
  if (e.start.valid() && e.start.value->instant > ctx.now + ctx.config.maxStartAhead) {
    out.push_back(finding(
        "business-rule", "encounter.start", "Le début de la téléconsultation est dans le futur.",
        "encounter.start is more than " + std::to_string(ctx.config.maxStartAhead.count()) +
            " seconds in the future"));
  }
  return common::Status::ok();
}

// ---- TLC-PATHWAY -----------------------------------------------------------------------------

const RuleInfo& PathwayRule::info() const {
  static const RuleInfo kInfo{"TLC-PATHWAY",
                              RuleSeverity::kWarning,
                              kConventionSource,
                              "the patient was oriented by the treating physician, or a pathway "
                              "exception applies",
                              true,
                              "",
                              "Le patient est orienté par son médecin traitant, ou une exception "
                              "au parcours de soins coordonné s'applique.",
                              "2024-06-20"};
  return kInfo;
}

common::Status PathwayRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const domain::Teleconsultation& t = ctx.teleconsultation;
  const domain::Field<domain::Orientation>& o = t.encounter.orientation;
  const bool exception = pathwayException(t).has_value();
  // A missing or unknown orientation is reported even when an exception applies (the field is
  // required), but only questions reimbursement when no exception does.
  if (!o.present()) {
    Finding f = missingField("encounter.orientation",
                             "L'orientation du patient (parcours de soins) est obligatoire.");
    f.affectsReimbursement = !exception;
    out.push_back(std::move(f));
    return common::Status::ok();
  }
  if (!o.valid()) {
    Finding f = finding("value", "encounter.orientation",
                        "Orientation non reconnue ; valeurs possibles : " +
                            domain::kOrientationCodes.join(", ") + ".",
                        "'" + *o.text + "' is not an orientation");
    f.affectsReimbursement = !exception;
    out.push_back(std::move(f));
    return common::Status::ok();
  }
  if (*o.value == domain::Orientation::kTreatingPhysician || exception) return common::Status::ok();
  out.push_back(finding(
      "business-rule", "encounter.orientation",
      "Téléconsultation hors parcours de soins coordonné : le patient n'a pas été orienté par son "
      "médecin traitant et aucune exception ne s'applique (médecin traitant ou remplaçant, "
      "spécialité en accès direct, moins de 16 ans, urgence, SAS, médecin traitant absent ou "
      "indisponible, EHPAD, ESMS ou détention). L'acte n'est pas remboursable.",
      "orientation '" + *o.text +
          "' outside the coordinated care pathway and no pathway exception applies"));
  return common::Status::ok();
}

// ---- TLC-KNOWN-PATIENT -----------------------------------------------------------------------

const RuleInfo& KnownPatientRule::info() const {
  // An alternance reminder since avenant 9 (Conseil d'État, 14 October 2022): no longer a
  // condition of reimbursement, so its findings never mark the billing item.
  static const RuleInfo kInfo{
      "TLC-KNOWN-PATIENT",
      RuleSeverity::kInformation,
      kKnownPatientSource,
      "reminder (alternance): the patient was seen in person by the "
      "practitioner within the 12 months before the encounter date, or a "
      "pathway exception applies; not a reimbursement condition",
      false,
      "",
      "Rappel (alternance) : le patient a été vu en présentiel par ce médecin dans les 12 mois, ou "
      "une exception au parcours s'applique ; ce n'est pas une condition de remboursement.",
      "2022-10-14"};
  return kInfo;
}

common::Status KnownPatientRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const domain::Teleconsultation& t = ctx.teleconsultation;
  const domain::Field<fhir::Date>& last = t.encounter.lastInPersonVisit;
  const std::optional<fhir::Date> date = t.encounterDate();
  const bool exception = pathwayException(t).has_value();
  constexpr const char* kPath = "encounter.lastInPersonVisit";
  if (last.present() && !last.valid()) {
    out.push_back(finding("value", kPath, "Date invalide (attendu : AAAA-MM-JJ).",
                          "lastInPersonVisit is not a YYYY-MM-DD date"));
    return common::Status::ok();
  }
  if (last.valid() && date && *last.value > *date) {
    out.push_back(finding("value", kPath,
                          "La dernière consultation présentielle ne peut pas être postérieure à "
                          "la téléconsultation.",
                          "lastInPersonVisit is after the encounter date"));
    return common::Status::ok();
  }
  if (exception || !date) return common::Status::ok();  // no date: TLC-PERIOD reports it
  // The same calendar day one year earlier still counts (28 February for 29 February).
  const fhir::Date windowStart = date->plusYearsClamped(-1);
  if (!last.valid()) {
    out.push_back(finding("business-rule", kPath,
                          "Rappel (alternance) : aucune consultation présentielle avec ce "
                          "médecin dans les 12 mois précédents n'est déclarée. Ce n'est pas une "
                          "condition de remboursement.",
                          "reminder: no lastInPersonVisit and no pathway exception (alternance "
                          "of in-person and remote care); not a reimbursement condition"));
  } else if (*last.value < windowStart) {
    out.push_back(finding("business-rule", kPath,
                          "Rappel (alternance) : la dernière consultation présentielle date de "
                          "plus de 12 mois (avant le " +
                              windowStart.toString() +
                              "). Ce n'est pas une condition de remboursement.",
                          "reminder: lastInPersonVisit " + last.value->toString() + " is before " +
                              windowStart.toString() +
                              ", more than 12 months before the encounter; not a reimbursement "
                              "condition"));
  }
  return common::Status::ok();
}

// ---- TLC-TERRITORY ---------------------------------------------------------------------------

const RuleInfo& TerritoryRule::info() const {
  static const RuleInfo kInfo{
      "TLC-TERRITORY",
      RuleSeverity::kWarning,
      kConventionSource,
      "practitioner and patient live in the same département, or an "
      "exception applies (treating physician, SAS, ZIP)",
      true,
      "",
      "Le médecin et le patient relèvent du même territoire (département), ou une exception "
      "s'applique (médecin traitant, SAS, zone d'intervention prioritaire).",
      "2024-06-20"};
  return kInfo;
}

common::Status TerritoryRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const domain::Teleconsultation& t = ctx.teleconsultation;
  const domain::Relation rel = t.practitioner.relationToPatient;
  if (rel == domain::Relation::kTreatingPhysician ||
      rel == domain::Relation::kTreatingPhysicianReplacement) {
    return common::Status::ok();
  }
  if (t.encounter.orientation.value == domain::Orientation::kSas) return common::Status::ok();
  // Zone d'intervention prioritaire: all four conditions together.
  if (t.patient.priorityZone && !t.encounter.territorialOrganisation &&
      t.practitioner.specialty == "general-practice" && t.noTreatingPhysicianDeclared()) {
    return common::Status::ok();
  }

  struct Side {
    const std::optional<std::string>* postalCode;
    const char* path;
    const char* whoFr;
  };
  const std::optional<std::string> noAddress;
  const Side sides[] = {{t.patient.address ? &t.patient.address->postalCode : &noAddress,
                         "patient.address.postalCode", "du patient"},
                        {&t.practitioner.postalCode, "practitioner.postalCode", "du médecin"}};
  std::optional<std::string> departements[2];
  bool evaluable = true;
  for (int i = 0; i < 2; ++i) {
    const Side& s = sides[i];
    if (!*s.postalCode) {
      out.push_back(notEvaluated(
          "required", s.path,
          std::string("Territorialité non évaluée : code postal ") + s.whoFr + " absent.",
          std::string("territoriality not evaluated: ") + s.path + " is missing"));
      evaluable = false;
      continue;
    }
    // The table first (codes that do not follow their prefix), then the prefix.
    if (const auto it = ctx.config.postalCodeDepartements.find(**s.postalCode);
        it != ctx.config.postalCodeDepartements.end()) {
      departements[i] = it->second;
      continue;
    }
    if (const std::string& code = **s.postalCode; code.size() == 5 && code.rfind("98", 0) == 0) {
      // Monaco and the Pacific collectivities: outside the départements' territoriality.
      out.push_back(notEvaluated("informational", s.path,
                                 std::string("Territorialité non évaluée : code postal ") +
                                     s.whoFr +
                                     " hors départements (Monaco, collectivités du Pacifique).",
                                 std::string("territoriality not evaluated: ") + s.path +
                                     " is a 98xxx code (Monaco, Pacific collectivities)"));
      evaluable = false;
      continue;
    }
    departements[i] = fhir::fr::departementFromPostalCode(**s.postalCode);
    if (!departements[i]) {
      out.push_back(notEvaluated(
          "value", s.path,
          std::string("Territorialité non évaluée : code postal ") + s.whoFr + " invalide.",
          std::string("territoriality not evaluated: ") + s.path + " is not a French postal code"));
      evaluable = false;
    }
  }
  if (!evaluable) return common::Status::ok();
  const std::string& patientDep = *departements[0];
  const std::string& practitionerDep = *departements[1];
  if (patientDep == practitionerDep) return common::Status::ok();
  for (const auto& [a, b] : ctx.config.neighbouringDepartements) {
    if ((a == patientDep && b == practitionerDep) || (a == practitionerDep && b == patientDep)) {
      return common::Status::ok();
    }
  }
  out.push_back(finding("business-rule", "patient.address.postalCode",
                        "Le patient (département " + patientDep + ") et le médecin (département " +
                            practitionerDep +
                            ") ne relèvent pas du même territoire, et aucune exception ne "
                            "s'applique (médecin traitant, SAS, zone d'intervention "
                            "prioritaire). L'acte n'est pas remboursable.",
                        "patient département " + patientDep + " differs from practitioner " +
                            "département " + practitionerDep + " and no exception applies"));
  return common::Status::ok();
}

// ---- TLC-ACTIVITY-CAP ------------------------------------------------------------------------

const RuleInfo& ActivityCapRule::info() const {
  static const RuleInfo kInfo{"TLC-ACTIVITY-CAP",
                              RuleSeverity::kWarning,
                              kConventionSource,
                              "the practitioner's teleconsultations of the year, this one "
                              "included, are at most 20 % of the acts declared for the year",
                              true,
                              "",
                              "Les téléconsultations de l'année, celle-ci comprise, ne dépassent "
                              "pas le plafond des actes déclarés (20 %, psychiatrie 40 %).",
                              "2024-06-20"};
  return kInfo;
}

common::Status ActivityCapRule::check(const RuleContext& ctx, std::vector<Finding>& out) const {
  const domain::Teleconsultation& t = ctx.teleconsultation;
  // The treating physician's own patients are not counted, so they cannot exceed the cap.
  if (t.practitionerIsTreatingPhysician()) return common::Status::ok();
  const std::optional<fhir::Date> date = t.encounterDate();
  const std::optional<std::string>& rpps = t.practitioner.rpps;
  // Other rules report a missing date or a wrong RPPS.
  if (!date || !rpps || !fhir::fr::isValidRpps(*rpps)) return common::Status::ok();

  std::optional<std::int64_t> total;
  if (ctx.history != nullptr) {
    FHIRGW_ASSIGN_OR_RETURN(total, ctx.history->declaredTotalActs(*rpps, date->year()));
  }
  if (!total) {
    out.push_back(notEvaluated("informational", "practitioner.rpps",
                               "Plafond d'activité à distance non évalué : aucune activité "
                               "annuelle n'est déclarée pour ce médecin pour " +
                                   std::to_string(date->year()) + ".",
                               "activity cap not evaluated: no yearly activity declared for " +
                                   std::to_string(date->year())));
    return common::Status::ok();
  }
  FHIRGW_ASSIGN_OR_RETURN(const std::int64_t recorded,
                          ctx.history->teleconsultationsRecorded(*rpps, date->year()));
  int cap = ctx.config.activityCapPercent(t.practitioner.specialty);
  // An administrator's per-practitioner threshold replaces the configured one.
  FHIRGW_ASSIGN_OR_RETURN(const std::optional<int> own,
                          ctx.history->capPercent(*rpps, date->year()));
  if (own) cap = *own;
  const std::int64_t withThisOne = recorded + 1;
  // Integer comparison of withThisOne / total <= cap / 100.
  if (withThisOne * 100 > static_cast<std::int64_t>(cap) * *total) {
    out.push_back(finding(
        "business-rule", "practitioner.rpps",
        "Le plafond d'activité à distance (" + percent(cap) +
            " des actes de l'année) est dépassé : " + std::to_string(withThisOne) +
            " téléconsultations pour " + std::to_string(*total) +
            " actes déclarés. L'acte n'est pas remboursable.",
        "activity cap exceeded: " + std::to_string(withThisOne) + " teleconsultations for " +
            std::to_string(*total) + " declared acts is over " + percent(cap)));
  }
  return common::Status::ok();
}

}  // namespace fhirgw::rules
