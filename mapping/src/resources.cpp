// Record-level resources: Patient, Practitioner(s), Organization, PractitionerRole, Encounter,
// Consent, ChargeItem, and the trail (Provenance, AuditEvent). Field-by-field choices are in
// docs/fhir-mapping.md.
#include <algorithm>
#include <array>

#include "builders.hpp"
#include "codes.hpp"
#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/fhir/primitives.hpp"

namespace fhirgw::mapping {

RecordScope::RecordScope(const domain::Teleconsultation& teleconsultation,
                         const MappingContext& context)
    : t(teleconsultation), ctx(context) {
  patientId = idOf("Patient");
  practitionerId = idOf("Practitioner", "practitioner");
  roleId = idOf("PractitionerRole");
  if (t.practitioner.organization) organizationId = idOf("Organization");
  const bool sameRpps = t.treatingPhysician && t.treatingPhysician->rpps &&
                        t.treatingPhysician->rpps == t.practitioner.rpps;
  if (t.treatingPhysician && !t.practitionerIsTreatingPhysician() && !sameRpps) {
    treatingId = idOf("Practitioner", "treating-physician");
  }
  encounterId = idOf("Encounter");
  receivedAt = common::formatInstantUtc(ctx.receivedAt);
}

std::string RecordScope::idOf(std::string_view a, std::string_view b, std::string_view c) const {
  return common::deterministicUuidNear(ctx.recordId, {ctx.clientId, ctx.recordId, a, b, c});
}

std::string RecordScope::treatingPhysicianReference() const {
  const bool sameRpps = t.treatingPhysician && t.treatingPhysician->rpps &&
                        t.treatingPhysician->rpps == t.practitioner.rpps;
  if (t.practitionerIsTreatingPhysician() || sameRpps) return "Practitioner/" + practitionerId;
  if (!treatingId.empty()) return "Practitioner/" + treatingId;
  return {};
}

bool isFhirCode(std::string_view code) { return fhir::primitiveProblem("code", code).empty(); }

Json coding(std::string_view system, std::string_view code, std::string_view display) {
  // Codes also come from the editor (specialty, majorations, INSEE code, medication codes): one
  // that is not a FHIR code (stray whitespace) leaves no Coding rather than an invalid resource.
  if (!isFhirCode(code)) return {};
  return Json::object()
      .setIfPresent("system", system)
      .setIfPresent("code", code)
      .setIfPresent("display", display);
}

Json codeable(std::string_view system, std::string_view code, std::string_view display,
              std::string_view text) {
  return Json::object()
      .setIfPresent("coding", Json::array().pushIfPresent(coding(system, code, display)))
      .setIfPresent("text", text);
}

Json textConcept(std::string_view text) { return Json::object().setIfPresent("text", text); }

Json ref(std::string_view type, std::string_view id) {
  return Json::object().setIfPresent("reference", std::string(type) + "/" + std::string(id));
}

Json identifier(std::string_view system, std::string_view value) {
  return Json::object().setIfPresent("system", system).setIfPresent("value", value);
}

Json metaProfile(std::string_view profile) {
  return Json::object().setIfPresent("profile", Json::array().pushIfPresent(profile));
}

Json period(const fhir::DateTime& start, const fhir::DateTime& end) {
  return Json::object().setIfPresent("start", start.text).setIfPresent("end", end.text);
}

namespace {

Json stringArray(const std::vector<std::string>& items) {
  Json a = Json::array();
  for (const std::string& s : items) a.pushIfPresent(s);
  return a;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out += ' ';
    out += s;
  }
  return out;
}

// The record's own identity: the gateway id, and the editor's externalId scoped to its client.
Json externalIdentifier(const RecordScope& s, const std::optional<std::string>& externalId) {
  if (!externalId) return {};
  return identifier(kExternalIdSystem, *externalId)
      .setIfPresent("assigner", Json::object().setIfPresent(
                                    "identifier", identifier(kClientSystem, s.ctx.clientId)));
}

// fr-core-identity-reliability: FR Core 2.1.0 binds identityStatus to the HL7 v2 table 0445 of
// France, whose codes are PROV and VALI; PAM France tells the four RNIV statuses apart by the
// presence of the INS (qualified = VALI with the INS, retrieved = PROV with it).
Json identityReliability(const domain::Ins& ins) {
  if (!ins.status.value) return {};
  const bool validated = *ins.status.value == domain::InsStatus::kQualified ||
                         *ins.status.value == domain::InsStatus::kValidated;
  return Json::object()
      .setIfPresent("url", kFrCoreIdentityReliability)
      .setIfPresent("extension",
                    Json::array().pushIfPresent(
                        Json::object()
                            .setIfPresent("url", "identityStatus")
                            .setIfPresent("valueCoding", coding(kFrCoreIdentityStatusSystem,
                                                                validated ? "VALI" : "PROV"))));
}

Json practitionerIdentifier(const std::optional<std::string>& rpps) {
  if (!rpps) return {};
  return Json::object()
      .setIfPresent("use", "official")
      .setIfPresent("type", codeable(kFrCoreIdentifierType, "IDNPS"))
      .setIfPresent("system", fhir::fr::kIdnpsSystem)
      .setIfPresent("value", "8" + *rpps);
}

Json humanName(const std::string& family, const std::vector<std::string>& given) {
  return Json::object()
      .setIfPresent("use", "official")
      .setIfPresent("family", family)
      .setIfPresent("given", stringArray(given));
}

Json emailTelecom(const std::optional<std::string>& address) {
  if (!address) return {};
  return Json::object()
      .setIfPresent("system", "email")
      .setIfPresent("value", *address)
      .setIfPresent("use", "work");
}

struct Specialty {
  std::string_view code;   // editor API code
  std::string_view tre;    // TRE_R38 code
  std::string_view label;  // TRE_R38 display
};
// Editor specialties with their TRE_R38 ordinal specialty (ANS nomenclature); a midwife is a
// profession, not an ordinal specialty, and other codes keep only the project coding.
constexpr std::array<Specialty, 9> kSpecialties{{
    {"general-practice", "SM54", "Médecine générale (SM)"},
    {"pediatrics", "SM40", "Pédiatrie (SM)"},
    {"gynecology", "SM19", "Gynécologie médicale (SM)"},
    {"ophthalmology", "SM38", "Ophtalmologie (SM)"},
    {"psychiatry", "SM42", "Psychiatrie (SM)"},
    {"neuropsychiatry", "SM33", "Neuro-psychiatrie (SM)"},
    {"stomatology", "SM50", "Stomatologie (SM)"},
    {"oral-surgery", "SM56", "Chirurgie orale (SM)"},
    {"maxillofacial-surgery", "SM06", "Chirurgie maxillo-faciale (SM)"},
}};

Json specialtyConcept(const std::string& code) {
  Json codings = Json::array();
  for (const Specialty& s : kSpecialties) {
    if (s.code == code) codings.pushIfPresent(coding(kTreR38Specialty, s.tre, s.label));
  }
  codings.pushIfPresent(coding(kSpecialtySystem, code));
  const bool coded = !codings.isEmpty();
  return Json::object()
      .setIfPresent("coding", std::move(codings))
      .setIfPresent("text", coded ? "" : code);
}

Built make(std::string type, std::string id) {
  Built b{std::move(type), std::move(id), Json::object(), std::nullopt, std::nullopt};
  b.json.setIfPresent("resourceType", b.type).setIfPresent("id", b.id);
  return b;
}

}  // namespace

std::string_view ngapDisplay(std::string_view act) {
  if (act == "TCG") return "Téléconsultation du médecin généraliste";
  return {};
}

Built patient(const RecordScope& s, bool carryIns) {
  const domain::Patient& p = s.t.patient;
  Built b = make("Patient", s.patientId);
  b.json.setIfPresent("meta",
                      metaProfile(carryIns ? fhir::kFrCorePatientIns : fhir::kFrCorePatient));

  Json extensions = Json::array();
  if (p.ins) extensions.pushIfPresent(identityReliability(*p.ins));
  if (p.birthPlaceInsee && isFhirCode(*p.birthPlaceInsee)) {
    const Json insee = Json::object()
                           .setIfPresent("url", kFrCoreAddressInseeCode)
                           .setIfPresent("valueCoding", coding(kTreR13Commune, *p.birthPlaceInsee));
    extensions.pushIfPresent(
        Json::object()
            .setIfPresent("url", kBirthPlaceExtension)
            .setIfPresent("valueAddress", Json::object().setIfPresent(
                                              "extension", Json::array().pushIfPresent(insee))));
  }
  b.json.setIfPresent("extension", std::move(extensions));

  Json telecom = Json::array();
  if (carryIns) {
    const domain::Ins& ins = *p.ins;
    // carryIns: the rules accepted the INS, so its OID names an INS system.
    const fhir::fr::InsSystem system = *fhir::fr::insSystemOf(*ins.oid);
    const std::string_view typeCode = fhir::fr::insTypeCode(system);
    b.json.setIfPresent("identifier",
                        Json::array().pushIfPresent(
                            Json::object()
                                .setIfPresent("use", "official")
                                .setIfPresent("type", codeable(kFrCoreIdentifierType, typeCode))
                                .setIfPresent("system", fhir::fr::insSystemUri(system))
                                .setIfPresent("value", *ins.value)));
    // The patient's secure messaging address exists only for a NIR (routing sends to the patient
    // under the same condition).
    if (fhir::fr::isNir(system)) {
      telecom.pushIfPresent(Json::object()
                                .setIfPresent("system", "email")
                                .setIfPresent("value", *ins.value + "@patient.mssante.fr")
                                .setIfPresent("use", "home"));
    }
  }

  Json name = Json::object();
  if (!p.given.empty()) {
    name.setIfPresent("extension", Json::array().pushIfPresent(
                                       Json::object()
                                           .setIfPresent("url", kFrCoreBirthListGivenName)
                                           .setIfPresent("valueString", joined(p.given))));
  }
  name.setIfPresent("use", "official")
      .setIfPresent("family", p.family)
      .setIfPresent("given",
                    p.given.empty() ? Json() : Json::array().pushIfPresent(p.given.front()));
  b.json.setIfPresent("name", Json::array().pushIfPresent(std::move(name)));

  for (const std::string& t : p.telecom) {
    telecom.pushIfPresent(
        Json::object()
            .setIfPresent("system", t.find('@') != std::string::npos ? "email" : "phone")
            .setIfPresent("value", t));
  }
  b.json.setIfPresent("telecom", std::move(telecom));
  if (p.gender.value) b.json.setIfPresent("gender", code(*p.gender.value));
  if (p.birthDate.value) b.json.setIfPresent("birthDate", p.birthDate.value->toString());
  if (p.address) {
    b.json.setIfPresent("address", Json::array().pushIfPresent(
                                       Json::object()
                                           .setIfPresent("use", "home")
                                           .setIfPresent("line", stringArray(p.address->lines))
                                           .setIfPresent("city", p.address->city)
                                           .setIfPresent("postalCode", p.address->postalCode)));
  }
  const std::string gp = s.treatingPhysicianReference();
  if (!gp.empty()) {
    b.json.setIfPresent("generalPractitioner",
                        Json::array().pushIfPresent(Json::object().setIfPresent("reference", gp)));
  }
  return b;
}

Built practitioner(const RecordScope& s) {
  const domain::Practitioner& p = s.t.practitioner;
  Built b = make("Practitioner", s.practitionerId);
  b.json.setIfPresent("meta", metaProfile(fhir::kFrCorePractitioner))
      .setIfPresent("identifier", Json::array().pushIfPresent(practitionerIdentifier(p.rpps)))
      .setIfPresent("name", Json::array().pushIfPresent(humanName(p.family, p.given)))
      .setIfPresent("telecom", Json::array().pushIfPresent(emailTelecom(p.mssanteAddress)));
  return b;
}

Built treatingPhysician(const RecordScope& s) {
  const domain::TreatingPhysician& p = *s.t.treatingPhysician;
  Built b = make("Practitioner", s.treatingId);
  b.json.setIfPresent("meta", metaProfile(fhir::kFrCorePractitioner))
      .setIfPresent("identifier", Json::array().pushIfPresent(practitionerIdentifier(p.rpps)))
      .setIfPresent("name", Json::array().pushIfPresent(humanName(p.family, p.given)))
      .setIfPresent("telecom", Json::array().pushIfPresent(emailTelecom(p.mssanteAddress)));
  return b;
}

Built organization(const RecordScope& s) {
  const domain::Organization& o = *s.t.practitioner.organization;
  Built b = make("Organization", s.organizationId);
  Json ids = Json::array();
  const Json idnst = codeable(kFrCoreIdentifierType, "IDNST");
  if (o.finess) {
    ids.pushIfPresent(identifier(fhir::fr::kFinessSystem, *o.finess));
    ids.pushIfPresent(Json::object()
                          .setIfPresent("type", idnst)
                          .setIfPresent("system", fhir::fr::kStructureIdSystem)
                          .setIfPresent("value", "1" + *o.finess));
  }
  if (o.siret) {
    ids.pushIfPresent(Json::object()
                          .setIfPresent("type", idnst)
                          .setIfPresent("system", fhir::fr::kStructureIdSystem)
                          .setIfPresent("value", "3" + *o.siret));
  }
  b.json.setIfPresent("meta", metaProfile(fhir::kFrCoreOrganization))
      .setIfPresent("identifier", std::move(ids))
      .setIfPresent("active", true)
      .setIfPresent("type",
                    Json::array().pushIfPresent(codeable(kTreR02FacilityType, o.facilityType)))
      .setIfPresent("name", o.name);
  if (s.t.practitioner.postalCode) {
    b.json.setIfPresent("address", Json::array().pushIfPresent(Json::object().setIfPresent(
                                       "postalCode", *s.t.practitioner.postalCode)));
  }
  return b;
}

Built practitionerRole(const RecordScope& s) {
  Built b = make("PractitionerRole", s.roleId);
  b.json.setIfPresent("meta", metaProfile(fhir::kFrCorePractitionerRole))
      .setIfPresent("active", true)
      .setIfPresent("practitioner", ref("Practitioner", s.practitionerId));
  if (!s.organizationId.empty())
    b.json.setIfPresent("organization", ref("Organization", s.organizationId));
  b.json.setIfPresent("specialty",
                      Json::array().pushIfPresent(specialtyConcept(s.t.practitioner.specialty)));
  return b;
}

Built encounter(const RecordScope& s) {
  const domain::Encounter& e = s.t.encounter;
  Built b = make("Encounter", s.encounterId);
  b.json.setIfPresent("meta", metaProfile(fhir::kFrCoreEncounter));

  Json extensions = Json::array();
  if (e.orientation.value) {
    extensions.pushIfPresent(
        Json::object()
            .setIfPresent("url", kOrientationExtension)
            .setIfPresent("valueCoding", coding(kOrientationSystem, code(*e.orientation.value))));
  }
  if (e.patientLocation) {
    Json location = Json::array().pushIfPresent(
        Json::object()
            .setIfPresent("url", "kind")
            .setIfPresent("valueCoding",
                          coding(kPatientLocationSystem, code(e.patientLocation->kind))));
    if (e.patientLocation->postalCode) {
      location.pushIfPresent(Json::object()
                                 .setIfPresent("url", "postalCode")
                                 .setIfPresent("valueString", *e.patientLocation->postalCode));
    }
    extensions.pushIfPresent(Json::object()
                                 .setIfPresent("url", kPatientLocationExtension)
                                 .setIfPresent("extension", std::move(location)));
  }
  b.json.setIfPresent("extension", std::move(extensions));

  b.json
      .setIfPresent("identifier", Json::array()
                                      .pushIfPresent(Json::object()
                                                         .setIfPresent("use", "official")
                                                         .setIfPresent("system", kRecordIdSystem)
                                                         .setIfPresent("value", s.ctx.recordId))
                                      .pushIfPresent(externalIdentifier(s, s.t.externalId)))
      .setIfPresent("status", "finished")
      .setIfPresent("class", coding(kV3ActCode, "VR", "virtual"))
      .setIfPresent("type",
                    Json::array().pushIfPresent(codeable(kEncounterTypeSystem, "teleconsultation",
                                                         "Téléconsultation", "Téléconsultation")))
      .setIfPresent("subject", ref("Patient", s.patientId));

  Json participants = Json::array().pushIfPresent(
      Json::object()
          .setIfPresent("type", Json::array().pushIfPresent(
                                    codeable(kV3ParticipationType, "PPRF", "primary performer")))
          .setIfPresent("individual", ref("Practitioner", s.practitionerId)));
  if (e.assistedBy) {
    // The assisting professional is known by RPPS at most: a logical reference.
    Json who = Json::object();
    if (e.assistedBy->rpps) {
      who.setIfPresent("type", "Practitioner")
          .setIfPresent("identifier",
                        identifier(fhir::fr::kIdnpsSystem, "8" + *e.assistedBy->rpps));
    }
    who.setIfPresent("display", code(e.assistedBy->profession));
    participants.pushIfPresent(
        Json::object()
            .setIfPresent("type", Json::array().pushIfPresent(
                                      codeable(kV3ParticipationType, "PART", "Participation")
                                          .setIfPresent("text", "assistant")))
            .setIfPresent("individual", std::move(who)));
  }
  b.json.setIfPresent("participant", std::move(participants))
      .setIfPresent("period", period(*e.start.value, *e.end.value));
  if (!s.organizationId.empty()) {
    b.json.setIfPresent("serviceProvider", ref("Organization", s.organizationId));
  }
  return b;
}

Built consent(const RecordScope& s) {
  const domain::Consent& c = *s.t.encounter.consent;
  const domain::Encounter& e = s.t.encounter;
  Built b = make("Consent", s.idOf("Consent"));
  b.json.setIfPresent("status", "active")
      .setIfPresent("scope", codeable(kConsentScope, "treatment"))
      .setIfPresent("category",
                    Json::array().pushIfPresent(codeable(kLoinc, "59284-0", "Patient Consent")))
      .setIfPresent("patient", ref("Patient", s.patientId));
  if (c.at.value) b.json.setIfPresent("dateTime", c.at.value->text);
  b.json.setIfPresent("performer", Json::array().pushIfPresent(ref("Patient", s.patientId)));
  if (!s.organizationId.empty()) {
    b.json.setIfPresent("organization",
                        Json::array().pushIfPresent(ref("Organization", s.organizationId)));
  }
  // R4 ppc-1: a policy or a policyRule; opt-in to the teleconsultation.
  b.json.setIfPresent("policyRule", codeable(kV3ActCode, "OPTIN"))
      .setIfPresent(
          "provision",
          Json::object()
              .setIfPresent("type", "permit")
              .setIfPresent("period", period(*e.start.value, *e.end.value))
              .setIfPresent("purpose",
                            Json::array().pushIfPresent(coding(
                                "http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT"))));
  return b;
}

std::vector<Built> chargeItems(const RecordScope& s, const MappingFlags& flags) {
  std::vector<Built> out;
  if (!s.t.billing || !s.t.billing->act) return out;
  const domain::Billing& bill = *s.t.billing;
  const domain::Encounter& e = s.t.encounter;
  Built b = make("ChargeItem", s.idOf("ChargeItem"));

  Json extensions = Json::array();
  extensions.pushIfPresent(
      Json::object()
          .setIfPresent("url", kBillingContextExtension)
          .setIfPresent(
              "extension",
              Json::array()
                  .pushIfPresent(Json::object()
                                     .setIfPresent("url", "ald")
                                     .setIfPresent("valueBoolean", bill.ald))
                  .pushIfPresent(
                      Json::object()
                          .setIfPresent("url", "thirdPartyPayment")
                          .setIfPresent("valueCoding", coding(kThirdPartyPaymentSystem,
                                                              code(bill.thirdPartyPayment))))));
  if (flags.notReimbursable) {
    Json flag = Json::array().pushIfPresent(
        Json::object().setIfPresent("url", "flag").setIfPresent("valueBoolean", true));
    // The reasons are the rules' (RuleInfo::reimbursement), passed in by the caller.
    for (const std::string& ruleId : flags.notReimbursableReasons) {
      flag.pushIfPresent(Json::object()
                             .setIfPresent("url", "reason")
                             .setIfPresent("valueCoding", coding(fhir::kRuleCodeSystem, ruleId)));
    }
    extensions.pushIfPresent(Json::object()
                                 .setIfPresent("url", kNotReimbursableExtension)
                                 .setIfPresent("extension", std::move(flag)));
  }
  b.json.setIfPresent("extension", std::move(extensions))
      .setIfPresent("status", "billable")
      .setIfPresent("code", codeable(kNgapSystem, *bill.act, ngapDisplay(*bill.act)))
      .setIfPresent("subject", ref("Patient", s.patientId))
      .setIfPresent("context", ref("Encounter", s.encounterId))
      .setIfPresent("occurrencePeriod", period(*e.start.value, *e.end.value))
      .setIfPresent("performer", Json::array().pushIfPresent(Json::object().setIfPresent(
                                     "actor", ref("Practitioner", s.practitionerId))));
  if (!s.organizationId.empty()) {
    b.json.setIfPresent("performingOrganization", ref("Organization", s.organizationId));
  }
  if (bill.amount.value) {
    // Money.value is a FHIR decimal: the digits as the editor wrote them (25.00).
    b.json.setIfPresent("priceOverride",
                        Json::object()
                            .setIfPresent("value", Json::number(bill.amount.value->text()))
                            .setIfPresent("currency", "EUR"));
  }
  b.json.setIfPresent("enteredDate", s.receivedAt);
  const std::string mainReference = b.reference();
  out.push_back(std::move(b));

  for (const std::string& m : bill.majorations) {
    if (!isFhirCode(m)) continue;  // BILL-MAJORATION lets other codes through unchecked
    Built maj = make("ChargeItem", s.idOf("ChargeItem", "majoration", m));
    maj.json
        .setIfPresent("partOf", Json::array().pushIfPresent(
                                    Json::object().setIfPresent("reference", mainReference)))
        .setIfPresent("status", "billable")
        .setIfPresent("code", codeable(kNgapSystem, m))
        .setIfPresent("subject", ref("Patient", s.patientId))
        .setIfPresent("context", ref("Encounter", s.encounterId))
        .setIfPresent("occurrencePeriod", period(*e.start.value, *e.end.value))
        .setIfPresent("enteredDate", s.receivedAt);
    out.push_back(std::move(maj));
  }
  return out;
}

Built provenance(const RecordScope& s, std::string_view scopeKey,
                 const std::vector<Built>& targets) {
  Built b = make("Provenance", s.idOf("Provenance", scopeKey));
  Json target = Json::array();
  for (const Built& t : targets)
    target.pushIfPresent(Json::object().setIfPresent("reference", t.reference()));
  Json author = Json::object()
                    .setIfPresent("type", codeable(kProvenanceParticipantType, "author", "Author"))
                    .setIfPresent("who", ref("Practitioner", s.practitionerId));
  if (!s.organizationId.empty())
    author.setIfPresent("onBehalfOf", ref("Organization", s.organizationId));
  b.json.setIfPresent("target", std::move(target))
      .setIfPresent("recorded", s.receivedAt)
      .setIfPresent("activity", codeable(kV3DataOperation, "CREATE", "create"))
      .setIfPresent(
          "agent",
          Json::array()
              .pushIfPresent(std::move(author))
              .pushIfPresent(
                  Json::object()
                      .setIfPresent("type",
                                    codeable(kProvenanceParticipantType, "enterer", "Enterer"))
                      .setIfPresent("who",
                                    Json::object()
                                        .setIfPresent("type", "Device")
                                        .setIfPresent("identifier",
                                                      identifier(kClientSystem, s.ctx.clientId))))
              .pushIfPresent(Json::object()
                                 .setIfPresent("type", codeable(kProvenanceParticipantType,
                                                                "assembler", "Assembler"))
                                 .setIfPresent("who", Json::object().setIfPresent(
                                                          "display", "fhir-gateway"))));
  return b;
}

Built auditEvent(const RecordScope& s, std::string_view scopeKey,
                 const std::vector<Built>& targets) {
  Built b = make("AuditEvent", s.idOf("AuditEvent", scopeKey));
  Json entities = Json::array();
  for (const Built& t : targets) {
    entities.pushIfPresent(Json::object().setIfPresent(
        "what", Json::object().setIfPresent("reference", t.reference())));
  }
  b.json.setIfPresent("type", coding(kDicom, "110110", "Patient Record"))
      .setIfPresent("subtype",
                    Json::array().pushIfPresent(coding(kRestfulInteraction, "create", "create")))
      .setIfPresent("action", "C")
      .setIfPresent("recorded", s.receivedAt)
      .setIfPresent("outcome", "0")
      .setIfPresent(
          "agent",
          Json::array().pushIfPresent(
              Json::object()
                  .setIfPresent("who", Json::object()
                                           .setIfPresent("type", "Device")
                                           .setIfPresent("identifier",
                                                         identifier(kClientSystem, s.ctx.clientId)))
                  .setIfPresent("requestor", true)))
      .setIfPresent(
          "source",
          Json::object()
              .setIfPresent("observer", Json::object().setIfPresent("display", "fhir-gateway"))
              .setIfPresent("type", Json::array().pushIfPresent(
                                        coding(kSecuritySourceType, "4", "Application Server"))))
      .setIfPresent("entity", std::move(entities));
  return b;
}

}  // namespace fhirgw::mapping
