// Record-level resources: Patient, Practitioner(s), Organization, PractitionerRole, Encounter,
// Consent, ChargeItem, and the trail (Provenance, AuditEvent). Field-by-field choices are in
// docs/fhir-mapping.md.
#include <algorithm>
#include <array>

#include "builders.hpp"
#include "codes.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/fhir/primitives.hpp"
#include "fhirgw/mappings/rules.hpp"

namespace fhirgw::mappings::fhirmap {

RecordScope::RecordScope(const Teleconsultation& teleconsultation, const MappingContext& context)
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
}

std::string RecordScope::idOf(std::string_view a, std::string_view b, std::string_view c) const {
  return common::deterministicUuid({ctx.clientId, ctx.recordId, a, b, c});
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
  return Json::object().set("system", system).set("code", code).set("display", display);
}

Json codeable(std::string_view system, std::string_view code, std::string_view display,
              std::string_view text) {
  return Json::object()
      .set("coding", Json::array().push(coding(system, code, display)))
      .set("text", text);
}

Json textConcept(std::string_view text) { return Json::object().set("text", text); }

Json ref(std::string_view type, std::string_view id) {
  return Json::object().set("reference", std::string(type) + "/" + std::string(id));
}

Json identifier(std::string_view system, std::string_view value) {
  return Json::object().set("system", system).set("value", value);
}

Json metaProfile(std::string_view profile) {
  return Json::object().set("profile", Json::array().push(profile));
}

Json period(const DateTime& start, const DateTime& end) {
  return Json::object().set("start", start.text).set("end", end.text);
}

std::string instant(common::TimePoint t) { return common::formatInstantUtc(t); }

namespace {

Json stringArray(const std::vector<std::string>& items) {
  Json a = Json::array();
  for (const std::string& s : items) a.push(s);
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
      .set("assigner", Json::object().set("identifier", identifier(kClientSystem, s.ctx.clientId)));
}

struct InsSystem {
  std::string_view oid;
  std::string_view typeCode;
};
// FR Core identifier types of the INS systems (french-interop.md).
constexpr std::array<InsSystem, 4> kInsSystems{{{"1.2.250.1.213.1.4.8", "INS-NIR"},
                                                {"1.2.250.1.213.1.4.9", "INS-NIA"},
                                                {"1.2.250.1.213.1.4.10", "INS-NIR-TEST"},
                                                {"1.2.250.1.213.1.4.11", "INS-NIR-DEMO"}}};

std::string_view insTypeCode(std::string_view oid) {
  for (const InsSystem& s : kInsSystems) {
    if (s.oid == oid) return s.typeCode;
  }
  return {};
}

// fr-core-identity-reliability: FR Core 2.1.0 binds identityStatus to the HL7 v2 table 0445 of
// France, whose codes are PROV and VALI; PAM France tells the four RNIV statuses apart by the
// presence of the INS (qualified = VALI with the INS, retrieved = PROV with it).
Json identityReliability(const Ins& ins) {
  if (!ins.status.value) return {};
  const bool validated =
      *ins.status.value == InsStatus::kQualified || *ins.status.value == InsStatus::kValidated;
  return Json::object()
      .set("url", kFrCoreIdentityReliability)
      .set("extension",
           Json::array().push(Json::object()
                                  .set("url", "identityStatus")
                                  .set("valueCoding", coding(kFrCoreIdentityStatusSystem,
                                                             validated ? "VALI" : "PROV"))));
}

Json practitionerIdentifier(const std::optional<std::string>& rpps) {
  if (!rpps) return {};
  return Json::object()
      .set("use", "official")
      .set("type", codeable(kFrCoreIdentifierType, "IDNPS"))
      .set("system", fhir::kIdnpsSystem)
      .set("value", "8" + *rpps);
}

Json humanName(const std::string& family, const std::vector<std::string>& given) {
  return Json::object()
      .set("use", "official")
      .set("family", family)
      .set("given", stringArray(given));
}

Json emailTelecom(const std::optional<std::string>& address) {
  if (!address) return {};
  return Json::object().set("system", "email").set("value", *address).set("use", "work");
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
    if (s.code == code) codings.push(coding(kTreR38Specialty, s.tre, s.label));
  }
  codings.push(coding(kSpecialtySystem, code));
  const bool coded = !codings.isEmpty();
  return Json::object().set("coding", std::move(codings)).set("text", coded ? "" : code);
}

Built make(std::string type, std::string id) {
  Built b{std::move(type), std::move(id), Json::object(), std::nullopt, std::nullopt};
  b.json.set("resourceType", b.type).set("id", b.id);
  return b;
}

// Reimbursement rules, whose warning marks the act not reimbursable: the catalogue's flag, so
// the mapper and the engine cannot disagree (TLC-KNOWN-PATIENT stopped being one in 2022).
bool isReimbursementRule(std::string_view ruleId) {
  const RuleInfo* info = findRule(ruleId);
  return info != nullptr && info->reimbursement;
}

std::string_view ngapDisplay(std::string_view act) {
  if (act == "TCG") return "Téléconsultation du médecin généraliste";
  return {};
}

}  // namespace

Built patient(const RecordScope& s, bool carryIns) {
  const Patient& p = s.t.patient;
  Built b = make("Patient", s.patientId);
  b.json.set("meta", metaProfile(carryIns ? fhir::kFrCorePatientIns : fhir::kFrCorePatient));

  Json extensions = Json::array();
  if (p.ins) extensions.push(identityReliability(*p.ins));
  if (p.birthPlaceInsee && isFhirCode(*p.birthPlaceInsee)) {
    const Json insee = Json::object()
                           .set("url", kFrCoreAddressInseeCode)
                           .set("valueCoding", coding(kTreR13Commune, *p.birthPlaceInsee));
    extensions.push(
        Json::object()
            .set("url", kBirthPlaceExtension)
            .set("valueAddress", Json::object().set("extension", Json::array().push(insee))));
  }
  b.json.set("extension", std::move(extensions));

  Json telecom = Json::array();
  if (carryIns) {
    const Ins& ins = *p.ins;
    const std::string oid = *ins.oid;
    b.json.set("identifier", Json::array().push(
                                 Json::object()
                                     .set("use", "official")
                                     .set("type", codeable(kFrCoreIdentifierType, insTypeCode(oid)))
                                     .set("system", "urn:oid:" + oid)
                                     .set("value", *ins.value)));
    // The patient's secure messaging address exists only for a qualified INS-NIR.
    if (oid == "1.2.250.1.213.1.4.8") {
      telecom.push(Json::object()
                       .set("system", "email")
                       .set("value", *ins.value + "@patient.mssante.fr")
                       .set("use", "home"));
    }
  }

  Json name = Json::object();
  if (!p.given.empty()) {
    name.set("extension", Json::array().push(Json::object()
                                                 .set("url", kFrCoreBirthListGivenName)
                                                 .set("valueString", joined(p.given))));
  }
  name.set("use", "official")
      .set("family", p.family)
      .set("given", p.given.empty() ? Json() : Json::array().push(p.given.front()));
  b.json.set("name", Json::array().push(std::move(name)));

  for (const std::string& t : p.telecom) {
    telecom.push(Json::object()
                     .set("system", t.find('@') != std::string::npos ? "email" : "phone")
                     .set("value", t));
  }
  b.json.set("telecom", std::move(telecom));
  if (p.gender.value) b.json.set("gender", code(*p.gender.value));
  if (p.birthDate.value) b.json.set("birthDate", p.birthDate.value->toString());
  if (p.address) {
    b.json.set("address", Json::array().push(Json::object()
                                                 .set("use", "home")
                                                 .set("line", stringArray(p.address->lines))
                                                 .set("city", p.address->city)
                                                 .set("postalCode", p.address->postalCode)));
  }
  const std::string gp = s.treatingPhysicianReference();
  if (!gp.empty()) {
    b.json.set("generalPractitioner", Json::array().push(Json::object().set("reference", gp)));
  }
  return b;
}

Built practitioner(const RecordScope& s) {
  const Practitioner& p = s.t.practitioner;
  Built b = make("Practitioner", s.practitionerId);
  b.json.set("meta", metaProfile(fhir::kFrCorePractitioner))
      .set("identifier", Json::array().push(practitionerIdentifier(p.rpps)))
      .set("name", Json::array().push(humanName(p.family, p.given)))
      .set("telecom", Json::array().push(emailTelecom(p.mssanteAddress)));
  return b;
}

Built treatingPhysician(const RecordScope& s) {
  const TreatingPhysician& p = *s.t.treatingPhysician;
  Built b = make("Practitioner", s.treatingId);
  b.json.set("meta", metaProfile(fhir::kFrCorePractitioner))
      .set("identifier", Json::array().push(practitionerIdentifier(p.rpps)))
      .set("name", Json::array().push(humanName(p.family, p.given)))
      .set("telecom", Json::array().push(emailTelecom(p.mssanteAddress)));
  return b;
}

Built organization(const RecordScope& s) {
  const Organization& o = *s.t.practitioner.organization;
  Built b = make("Organization", s.organizationId);
  Json ids = Json::array();
  const Json idnst = codeable(kFrCoreIdentifierType, "IDNST");
  if (o.finess) {
    ids.push(identifier(fhir::kFinessSystem, *o.finess));
    ids.push(Json::object()
                 .set("type", idnst)
                 .set("system", fhir::kStructureIdSystem)
                 .set("value", "1" + *o.finess));
  }
  if (o.siret) {
    ids.push(Json::object()
                 .set("type", idnst)
                 .set("system", fhir::kStructureIdSystem)
                 .set("value", "3" + *o.siret));
  }
  b.json.set("meta", metaProfile(fhir::kFrCoreOrganization))
      .set("identifier", std::move(ids))
      .set("active", true)
      .set("type", Json::array().push(codeable(kTreR02FacilityType, o.facilityType)))
      .set("name", o.name);
  if (s.t.practitioner.postalCode) {
    b.json.set("address",
               Json::array().push(Json::object().set("postalCode", *s.t.practitioner.postalCode)));
  }
  return b;
}

Built practitionerRole(const RecordScope& s) {
  Built b = make("PractitionerRole", s.roleId);
  b.json.set("meta", metaProfile(fhir::kFrCorePractitionerRole))
      .set("active", true)
      .set("practitioner", ref("Practitioner", s.practitionerId));
  if (!s.organizationId.empty()) b.json.set("organization", ref("Organization", s.organizationId));
  b.json.set("specialty", Json::array().push(specialtyConcept(s.t.practitioner.specialty)));
  return b;
}

Built encounter(const RecordScope& s) {
  const Encounter& e = s.t.encounter;
  Built b = make("Encounter", s.encounterId);
  b.json.set("meta", metaProfile(fhir::kFrCoreEncounter));

  Json extensions = Json::array();
  if (e.orientation.value) {
    extensions.push(
        Json::object()
            .set("url", kOrientationExtension)
            .set("valueCoding", coding(kOrientationSystem, code(*e.orientation.value))));
  }
  if (e.patientLocation) {
    Json location = Json::array().push(
        Json::object()
            .set("url", "kind")
            .set("valueCoding", coding(kPatientLocationSystem, code(e.patientLocation->kind))));
    if (e.patientLocation->postalCode) {
      location.push(Json::object()
                        .set("url", "postalCode")
                        .set("valueString", *e.patientLocation->postalCode));
    }
    extensions.push(
        Json::object().set("url", kPatientLocationExtension).set("extension", std::move(location)));
  }
  b.json.set("extension", std::move(extensions));

  b.json
      .set("identifier", Json::array()
                             .push(Json::object()
                                       .set("use", "official")
                                       .set("system", kRecordIdSystem)
                                       .set("value", s.ctx.recordId))
                             .push(externalIdentifier(s, s.t.externalId)))
      .set("status", "finished")
      .set("class", coding(kV3ActCode, "VR", "virtual"))
      .set("type", Json::array().push(codeable(kEncounterTypeSystem, "teleconsultation",
                                               "Téléconsultation", "Téléconsultation")))
      .set("subject", ref("Patient", s.patientId));

  Json participants = Json::array().push(
      Json::object()
          .set("type",
               Json::array().push(codeable(kV3ParticipationType, "PPRF", "primary performer")))
          .set("individual", ref("Practitioner", s.practitionerId)));
  if (e.assistedBy) {
    // The assisting professional is known by RPPS at most: a logical reference.
    Json who = Json::object();
    if (e.assistedBy->rpps) {
      who.set("type", "Practitioner")
          .set("identifier", identifier(fhir::kIdnpsSystem, "8" + *e.assistedBy->rpps));
    }
    who.set("display", code(e.assistedBy->profession));
    participants.push(
        Json::object()
            .set("type", Json::array().push(codeable(kV3ParticipationType, "PART", "Participation")
                                                .set("text", "assistant")))
            .set("individual", std::move(who)));
  }
  b.json.set("participant", std::move(participants))
      .set("period", period(*e.start.value, *e.end.value));
  if (!s.organizationId.empty()) {
    b.json.set("serviceProvider", ref("Organization", s.organizationId));
  }
  return b;
}

Built consent(const RecordScope& s) {
  const Consent& c = *s.t.encounter.consent;
  const Encounter& e = s.t.encounter;
  Built b = make("Consent", s.idOf("Consent"));
  b.json.set("status", "active")
      .set("scope", codeable(kConsentScope, "treatment"))
      .set("category", Json::array().push(codeable(kLoinc, "59284-0", "Patient Consent")))
      .set("patient", ref("Patient", s.patientId));
  if (c.at.value) b.json.set("dateTime", c.at.value->text);
  b.json.set("performer", Json::array().push(ref("Patient", s.patientId)));
  if (!s.organizationId.empty()) {
    b.json.set("organization", Json::array().push(ref("Organization", s.organizationId)));
  }
  // R4 ppc-1: a policy or a policyRule; opt-in to the teleconsultation.
  b.json.set("policyRule", codeable(kV3ActCode, "OPTIN"))
      .set(
          "provision",
          Json::object()
              .set("type", "permit")
              .set("period", period(*e.start.value, *e.end.value))
              .set("purpose", Json::array().push(coding(
                                  "http://terminology.hl7.org/CodeSystem/v3-ActReason", "TREAT"))));
  return b;
}

std::vector<Built> chargeItems(const RecordScope& s, const RuleOutcome& outcome) {
  std::vector<Built> out;
  if (!s.t.billing || !s.t.billing->act) return out;
  const Billing& bill = *s.t.billing;
  const Encounter& e = s.t.encounter;
  Built b = make("ChargeItem", s.idOf("ChargeItem"));

  Json extensions = Json::array();
  extensions.push(
      Json::object()
          .set("url", kBillingContextExtension)
          .set("extension",
               Json::array()
                   .push(Json::object().set("url", "ald").set("valueBoolean", bill.ald))
                   .push(Json::object()
                             .set("url", "thirdPartyPayment")
                             .set("valueCoding", coding(kThirdPartyPaymentSystem,
                                                        code(bill.thirdPartyPayment))))));
  if (outcome.notReimbursable) {
    Json flag = Json::array().push(Json::object().set("url", "flag").set("valueBoolean", true));
    std::vector<std::string> seen;
    for (const fhir::Issue& i : outcome.issues) {
      if (!isReimbursementRule(i.ruleId) || i.severity != fhir::IssueSeverity::kWarning) continue;
      if (std::find(seen.begin(), seen.end(), i.ruleId) != seen.end()) continue;
      seen.push_back(i.ruleId);
      flag.push(Json::object()
                    .set("url", "reason")
                    .set("valueCoding", coding(fhir::kRuleCodeSystem, i.ruleId)));
    }
    extensions.push(
        Json::object().set("url", kNotReimbursableExtension).set("extension", std::move(flag)));
  }
  b.json.set("extension", std::move(extensions))
      .set("status", "billable")
      .set("code", codeable(kNgapSystem, *bill.act, ngapDisplay(*bill.act)))
      .set("subject", ref("Patient", s.patientId))
      .set("context", ref("Encounter", s.encounterId))
      .set("occurrencePeriod", period(*e.start.value, *e.end.value))
      .set("performer",
           Json::array().push(Json::object().set("actor", ref("Practitioner", s.practitionerId))));
  if (!s.organizationId.empty()) {
    b.json.set("performingOrganization", ref("Organization", s.organizationId));
  }
  if (bill.amount.value) {
    // Money.value is a FHIR decimal: the digits as the editor wrote them (25.00).
    b.json.set("priceOverride", Json::object()
                                    .set("value", Json::number(bill.amount.value->text()))
                                    .set("currency", "EUR"));
  }
  b.json.set("enteredDate", instant(s.ctx.receivedAt));
  const std::string mainReference = b.reference();
  out.push_back(std::move(b));

  for (const std::string& m : bill.majorations) {
    if (!isFhirCode(m)) continue;  // BILL-MAJORATION lets other codes through unchecked
    Built maj = make("ChargeItem", s.idOf("ChargeItem", "majoration", m));
    maj.json.set("partOf", Json::array().push(Json::object().set("reference", mainReference)))
        .set("status", "billable")
        .set("code", codeable(kNgapSystem, m))
        .set("subject", ref("Patient", s.patientId))
        .set("context", ref("Encounter", s.encounterId))
        .set("occurrencePeriod", period(*e.start.value, *e.end.value))
        .set("enteredDate", instant(s.ctx.receivedAt));
    out.push_back(std::move(maj));
  }
  return out;
}

Built provenance(const RecordScope& s, std::string_view scopeKey,
                 const std::vector<Built>& targets) {
  Built b = make("Provenance", s.idOf("Provenance", scopeKey));
  Json target = Json::array();
  for (const Built& t : targets) target.push(Json::object().set("reference", t.reference()));
  Json author = Json::object()
                    .set("type", codeable(kProvenanceParticipantType, "author", "Author"))
                    .set("who", ref("Practitioner", s.practitionerId));
  if (!s.organizationId.empty()) author.set("onBehalfOf", ref("Organization", s.organizationId));
  b.json.set("target", std::move(target))
      .set("recorded", instant(s.ctx.receivedAt))
      .set("activity", codeable(kV3DataOperation, "CREATE", "create"))
      .set(
          "agent",
          Json::array()
              .push(std::move(author))
              .push(Json::object()
                        .set("type", codeable(kProvenanceParticipantType, "enterer", "Enterer"))
                        .set("who",
                             Json::object()
                                 .set("type", "Device")
                                 .set("identifier", identifier(kClientSystem, s.ctx.clientId))))
              .push(Json::object()
                        .set("type", codeable(kProvenanceParticipantType, "assembler", "Assembler"))
                        .set("who", Json::object().set("display", "fhir-gateway"))));
  return b;
}

Built auditEvent(const RecordScope& s, std::string_view scopeKey,
                 const std::vector<Built>& targets) {
  Built b = make("AuditEvent", s.idOf("AuditEvent", scopeKey));
  Json entities = Json::array();
  for (const Built& t : targets) {
    entities.push(Json::object().set("what", Json::object().set("reference", t.reference())));
  }
  b.json.set("type", coding(kDicom, "110110", "Patient Record"))
      .set("subtype", Json::array().push(coding(kRestfulInteraction, "create", "create")))
      .set("action", "C")
      .set("recorded", instant(s.ctx.receivedAt))
      .set("outcome", "0")
      .set("agent",
           Json::array().push(
               Json::object()
                   .set("who", Json::object()
                                   .set("type", "Device")
                                   .set("identifier", identifier(kClientSystem, s.ctx.clientId)))
                   .set("requestor", true)))
      .set("source", Json::object()
                         .set("observer", Json::object().set("display", "fhir-gateway"))
                         .set("type", Json::array().push(
                                          coding(kSecuritySourceType, "4", "Application Server"))))
      .set("entity", std::move(entities));
  return b;
}

}  // namespace fhirgw::mappings::fhirmap
