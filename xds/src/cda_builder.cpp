#include "fhirgw/xds/cda_builder.hpp"

#include <libxml/parser.h>
#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>

#include <array>
#include <cstdio>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string_view>
#include <utility>

#include "builder_detail.hpp"
#include "code_systems.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/fhir/date.hpp"
#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/xds/hl7v2.hpp"
#include "fhirgw/xds/unique_ids.hpp"

namespace fhirgw::xds {
namespace {

using common::Json;
using common::Result;
using common::Status;

Status invalid(const std::string& message) {
  return common::invalidArgument("xds: CDA: " + message);
}

constexpr const char* kHl7v3Namespace = "urn:hl7-org:v3";
constexpr std::string_view kLoincOid = "2.16.840.1.113883.6.1";
constexpr std::string_view kClassCodeOid = "1.2.250.1.213.1.1.4.1";
constexpr std::string_view kTreA05Oid = "1.2.250.1.213.1.1.4.12";
constexpr std::string_view kNgapOid = "1.2.250.1.215.200.3.3";
constexpr std::string_view kNgapSystem = "https://fhir-gateway.fr/fhir/CodeSystem/ngap";
constexpr std::string_view kActCodeSystem = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
constexpr std::string_view kBirthPlaceExtension =
    "http://hl7.org/fhir/StructureDefinition/patient-birthPlace";
constexpr std::string_view kInseeCodeExtension =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code";
constexpr std::string_view kBirthGivenNamesExtension =
    "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name";
/// The NGAP teleconsultation acts the TLM-CR schematron accepts as serviceEvent code.
constexpr std::array<std::string_view, 8> kTeleconsultationActs = {"TCG", "TC",  "TE1", "TE2",
                                                                   "TLD", "TLL", "TLM", "TLS"};

const xmlChar* xml(const char* text) { return reinterpret_cast<const xmlChar*>(text); }

/// The delivery's resources by "Type/id" (the metadata builder has resolved and checked them;
/// this reads the person and organisation details its HL7 v2 strings do not keep).
class Resources {
 public:
  Status parse(const std::vector<std::string_view>& texts) {
    for (std::string_view text : texts) {
      auto json = Json::parse(text);
      if (!json) return invalid("a resource is not valid JSON");
      all_.push_back(std::move(*json));
    }
    return Status::ok();
  }
  const Json* resolve(const Json* reference) const {
    if (reference == nullptr) return nullptr;
    const std::string target = reference->stringAt("reference");
    for (const Json& r : all_) {
      const std::string key = r.stringAt("resourceType") + "/" + r.stringAt("id");
      if (target == key || target.ends_with("/" + key)) return &r;
    }
    return nullptr;
  }
  std::vector<const Json*> ofType(std::string_view type) const {
    std::vector<const Json*> found;
    for (const Json& r : all_) {
      if (r.stringAt("resourceType") == type) found.push_back(&r);
    }
    return found;
  }

 private:
  std::vector<Json> all_;
};

const Json* first(const Json& object, std::string_view key) {
  const Json* list = object.find(key);
  if (list == nullptr || !list->isArray() || list->items().empty()) return nullptr;
  return &list->items().front();
}

std::string identifierValue(const Json& resource, std::string_view system) {
  if (const Json* ids = resource.find("identifier")) {
    for (const Json& id : ids->items()) {
      if (id.stringAt("system") == system && !id.stringAt("value").empty()) {
        return id.stringAt("value");
      }
    }
  }
  return {};
}

/// The official name, else the first.
const Json* officialName(const Json& resource) {
  const Json* names = resource.find("name");
  if (names == nullptr || names->items().empty()) return nullptr;
  for (const Json& n : names->items()) {
    if (n.stringAt("use") == "official") return &n;
  }
  return &names->items().front();
}

/// The value of an extension (by URL) of an element, or nullptr.
const Json* extension(const Json& element, std::string_view url) {
  if (const Json* list = element.find("extension")) {
    for (const Json& e : list->items()) {
      if (e.stringAt("url") == url) return &e;
    }
  }
  return nullptr;
}

/// A CDA TS from the metadata's UTC "YYYYMMDDhhmmss" (with its zone, which the schematrons
/// want) or a date "YYYYMMDD" (as it is).
std::string cdaTime(const std::string& utc) { return utc.size() == 14 ? utc + "+0000" : utc; }

/// A health professional identified by the IDNPS.
struct Person {
  std::string idnps;
  std::string family;
  std::string given;
  std::string specialty;         ///< "G15_10/SMxx" or ""
  std::string specialtyDisplay;  ///< its label
};

/// A structure identified by its Struct_IdNat.
struct Organization {
  std::string id;
  std::string name;
};

Result<Person> personOf(const Json& practitioner, const Json* role, const std::string& what) {
  Person person;
  person.idnps = identifierValue(practitioner, fhir::fr::kIdnpsSystem);
  if (person.idnps.empty()) return invalid(what + " has no IDNPS identifier");
  if (const Json* name = officialName(practitioner)) {
    person.family = name->stringAt("family");
    if (const Json* given = first(*name, "given")) person.given = given->text();
  }
  if (person.family.empty()) return invalid(what + " has no family name");
  const Json* specialties = role == nullptr ? nullptr : role->find("specialty");
  for (const Json& codeable : specialties == nullptr ? std::vector<Json>{} : specialties->items()) {
    const Json* codings = codeable.find("coding");
    if (codings == nullptr) continue;
    for (const Json& coding : codings->items()) {
      const std::string code = coding.stringAt("code");
      if (coding.stringAt("system") != detail::kTreR38 || !code.starts_with("SM")) continue;
      person.specialty = "G15_10/" + code;
      const std::string display = coding.stringAt("display");
      person.specialtyDisplay = display.empty() ? "Médecin" : "Médecin - " + display;
      return person;
    }
  }
  return person;
}

std::optional<Organization> organizationOf(const Json* organization) {
  if (organization == nullptr) return std::nullopt;
  Organization org;
  org.id = identifierValue(*organization, fhir::fr::kStructureIdSystem);
  if (org.id.empty()) {
    const std::string finess = identifierValue(*organization, fhir::fr::kFinessSystem);
    if (!finess.empty()) org.id = "1" + finess;
  }
  org.name = organization->stringAt("name");
  if (org.id.empty() || org.name.empty()) return std::nullopt;
  return org;
}

/// The patient's qualified INS and birth identity traits (the N1 schematron requires them all
/// once the INS is there).
struct PatientTraits {
  std::string ins;
  std::string insOid;
  std::string birthFamily;
  std::string firstGiven;  ///< the first birth given name
  std::string allGiven;    ///< all birth given names, space separated
  std::string gender;      ///< AdministrativeGender: M, F, UN
  std::string birthDate;   ///< YYYYMMDD
  std::string birthPlace;  ///< INSEE COG code of the birthplace
};

Result<PatientTraits> patientOf(const Json& patient) {
  PatientTraits p;
  if (const Json* identifiers = patient.find("identifier")) {
    for (const Json& id : identifiers->items()) {
      auto system = fhir::fr::insSystemOfUri(id.stringAt("system"));
      if (system && !id.stringAt("value").empty()) {
        p.ins = id.stringAt("value");
        p.insOid = std::string(fhir::fr::insOid(*system));
        break;
      }
    }
  }
  if (p.ins.empty()) return invalid("the Patient has no INS identifier");
  const Json* name = officialName(patient);
  if (name != nullptr) {
    p.birthFamily = name->stringAt("family");
    if (const Json* given = first(*name, "given")) p.firstGiven = given->text();
    if (const Json* list = extension(*name, kBirthGivenNamesExtension)) {
      p.allGiven = list->stringAt("valueString");
    }
    if (p.allGiven.empty()) {
      for (const Json& g :
           name->find("given") == nullptr ? std::vector<Json>{} : name->find("given")->items()) {
        p.allGiven += (p.allGiven.empty() ? "" : " ") + g.text();
      }
    }
  }
  if (p.birthFamily.empty() || p.firstGiven.empty()) {
    return invalid("the Patient has no birth family and given name");
  }
  static const std::map<std::string, std::string, std::less<>> kGender = {
      {"male", "M"}, {"female", "F"}, {"other", "UN"}, {"unknown", "UN"}};
  auto gender = kGender.find(patient.stringAt("gender"));
  if (gender == kGender.end()) return invalid("the Patient has no gender");
  p.gender = gender->second;
  auto birth = fhir::Date::parse(patient.stringAt("birthDate"));
  if (!birth) return invalid("the Patient has no birth date");
  std::array<char, 16> out{};
  std::snprintf(out.data(), out.size(), "%04d%02u%02u", birth->year(), birth->month(),
                birth->day());
  p.birthDate = out.data();
  if (const Json* place = extension(patient, kBirthPlaceExtension)) {
    if (const Json* address = place->find("valueAddress")) {
      if (const Json* insee = extension(*address, kInseeCodeExtension)) {
        if (const Json* coding = insee->find("valueCoding"))
          p.birthPlace = coding->stringAt("code");
      }
    }
  }
  if (p.birthPlace.empty()) return invalid("the Patient has no birthplace INSEE code");
  return p;
}

/// The kind of CDA a document is, with its code, class and title.
struct KindCodes {
  CdaKind kind;
  Code code;
  Code classCode;
  std::string title;
};

Result<KindCodes> kindOf(const DocumentEntry& entry) {
  const Code prescriptionClass{"42", std::string(kClassCodeOid), "Prescription"};
  if (entry.typeCode.code == "57833-6") {
    return KindCodes{CdaKind::kPrescription,
                     {"57833-6", std::string(kLoincOid), "Prescription de produits de santé"},
                     prescriptionClass,
                     "Prescription de produits de santé"};
  }
  if (entry.typeCode.code == "PRESC-AAT") {
    return KindCodes{CdaKind::kSickLeave,
                     {"PRESC-AAT", std::string(kTreA05Oid), "Prescription arrêt de travail"},
                     prescriptionClass,
                     "Prescription d'arrêt de travail"};
  }
  if (entry.classCode.code == "10") {
    return KindCodes{CdaKind::kTeleconsultationReport,
                     {"85208-7", std::string(kLoincOid), "Compte-rendu d'acte de télémédecine"},
                     {"10", std::string(kClassCodeOid), "Compte rendu"},
                     "Compte rendu de téléconsultation"};
  }
  return invalid("no CDA model for a document of type " + entry.typeCode.code + " and class " +
                 entry.classCode.code);
}

/// The first NGAP teleconsultation act among a CodeableConcept's codings, if any.
std::optional<Code> ngapActIn(const Json* codeable) {
  const Json* codings = codeable == nullptr ? nullptr : codeable->find("coding");
  if (codings == nullptr) return std::nullopt;
  for (const Json& c : codings->items()) {
    const std::string value = c.stringAt("code");
    if (c.stringAt("system") != kNgapSystem &&
        c.stringAt("system") != "urn:oid:" + std::string(kNgapOid)) {
      continue;
    }
    for (std::string_view act : kTeleconsultationActs) {
      if (value == act) return Code{value, std::string(kNgapOid), c.stringAt("display")};
    }
  }
  return std::nullopt;
}

/// The NGAP teleconsultation act documented: DocumentReference.context.event (FHIR's place for
/// the acts a document documents), else a ChargeItem's code. A document delivery carries only the
/// resources its DocumentReference leads to, which does not include the ChargeItem.
std::optional<Code> ngapActOf(const Json& document, const Resources& resources) {
  if (const Json* context = document.find("context")) {
    if (const Json* events = context->find("event")) {
      for (const Json& event : events->items()) {
        if (auto act = ngapActIn(&event)) return act;
      }
    }
  }
  for (const Json* charge : resources.ofType("ChargeItem")) {
    if (auto act = ngapActIn(charge->find("code"))) return act;
  }
  return std::nullopt;
}

/// An xmlTextWriter over a memory buffer for a ClinicalDocument: elements in the HL7 v3
/// namespace, every value checked (UTF-8, no control character) and escaped by libxml2. The
/// first error is kept and stops the writing.
class CdaWriter {
 public:
  CdaWriter() : buffer_(xmlBufferCreate()) {
    static std::once_flag once;
    std::call_once(once, [] { xmlInitParser(); });
    if (buffer_ != nullptr) writer_ = xmlNewTextWriterMemory(buffer_, 0);
    if (writer_ == nullptr) {
      fail(common::internal("xds: cannot create the XML writer"));
      return;
    }
    track(xmlTextWriterSetIndent(writer_, 1));
    track(xmlTextWriterSetIndentString(writer_, xml("  ")));
    track(xmlTextWriterStartDocument(writer_, "1.0", "UTF-8", nullptr));
    if (ok()) {
      track(xmlTextWriterStartElementNS(writer_, nullptr, xml("ClinicalDocument"),
                                        xml(kHl7v3Namespace)));
    }
  }
  ~CdaWriter() {
    if (writer_ != nullptr) xmlFreeTextWriter(writer_);
    if (buffer_ != nullptr) xmlBufferFree(buffer_);
  }
  CdaWriter(const CdaWriter&) = delete;
  CdaWriter& operator=(const CdaWriter&) = delete;

  using Attributes = std::initializer_list<std::pair<const char*, std::string_view>>;

  void start(const char* name, Attributes attributes = {}) {
    if (ok()) track(xmlTextWriterStartElement(writer_, xml(name)));
    for (const auto& [attribute, value] : attributes) {
      if (!ok() || !checked(value, name)) return;
      const std::string copy(value);
      track(xmlTextWriterWriteAttribute(writer_, xml(attribute), xml(copy.c_str())));
    }
  }
  void end() {
    if (ok()) track(xmlTextWriterEndElement(writer_));
  }
  /// An element with attributes and no content.
  void empty(const char* name, Attributes attributes) {
    start(name, attributes);
    end();
  }
  /// An element holding a text.
  void text(const char* name, std::string_view value, Attributes attributes = {}) {
    start(name, attributes);
    if (ok() && checked(value, name)) {
      const std::string copy(value);
      track(xmlTextWriterWriteString(writer_, xml(copy.c_str())));
    }
    end();
  }
  /// A coded element (CE/CD): code, displayName, codeSystem.
  void code(const char* name, const Code& c) {
    if (c.display.empty()) {
      empty(name, {{"code", c.code}, {"codeSystem", c.scheme}});
    } else {
      empty(name, {{"code", c.code}, {"displayName", c.display}, {"codeSystem", c.scheme}});
    }
  }

  Result<std::string> finish() {
    if (ok()) track(xmlTextWriterEndDocument(writer_));
    if (ok()) track(xmlTextWriterFlush(writer_));
    if (!ok()) return status_;
    return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer_)),
                       static_cast<std::size_t>(xmlBufferLength(buffer_)));
  }

 private:
  bool ok() const { return status_.isOk(); }
  void fail(Status status) {
    if (status_.isOk()) status_ = std::move(status);
  }
  void track(int rc) {
    if (rc < 0) fail(common::internal("xds: libxml2 could not write the CDA"));
  }
  bool checked(std::string_view value, const char* element) {
    const std::string copy(value);
    bool good = xmlCheckUTF8(xml(copy.c_str())) != 0;
    for (unsigned char c : value) {
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') good = false;
    }
    if (!good) fail(invalid(std::string("a value of ") + element + " is not valid XML text"));
    return good;
  }

  xmlBufferPtr buffer_ = nullptr;
  xmlTextWriterPtr writer_ = nullptr;
  Status status_;
};

/// assignedPerson/name: given then family, as the ANS examples write them.
void writePersonName(CdaWriter& w, const Person& person) {
  w.start("assignedPerson");
  w.start("name");
  if (!person.given.empty()) w.text("given", person.given);
  w.text("family", person.family);
  w.end();
  w.end();
}

void writeOrganization(CdaWriter& w, const char* element, const Organization& org,
                       const Code* practiceSetting = nullptr) {
  w.start(element);
  w.empty("id", {{"root", kStructureIdOid}, {"extension", org.id}});
  w.text("name", org.name);
  if (practiceSetting != nullptr) w.code("standardIndustryClassCode", *practiceSetting);
  w.end();
}

/// assignedAuthor / assignedEntity content: id, code (the specialty), person, organisation.
void writeProfessional(CdaWriter& w, const Person& person, const Organization& org,
                       const Code* practiceSetting = nullptr) {
  w.empty("id", {{"root", kIdnpsOid}, {"extension", person.idnps}});
  if (!person.specialty.empty()) {
    w.code("code",
           {person.specialty, std::string(detail::kAuthorSpecialtyOid), person.specialtyDisplay});
  }
  writePersonName(w, person);
  writeOrganization(w, "representedOrganization", org, practiceSetting);
}

/// Everything one document's header is written from.
struct Header {
  const DocumentEntry* entry = nullptr;
  KindCodes kind;
  std::string setId;
  PatientTraits patient;
  Person author;
  Person legalAuthenticator;
  Organization organization;
  std::optional<Code> act;
  Code encounterCode;
};

void writeHeader(CdaWriter& w, const Header& h) {
  const DocumentEntry& e = *h.entry;
  w.empty("realmCode", {{"code", "FR"}});
  w.empty("typeId", {{"root", "2.16.840.1.113883.1.3"}, {"extension", "POCD_HD000040"}});
  w.empty("templateId", {{"root", "2.16.840.1.113883.2.8.2.1"}});  // HL7 France
  w.empty("templateId", {{"root", "1.2.250.1.213.1.1.1.1"}});      // CI-SIS
  w.empty("templateId", {{"root", "1.3.6.1.4.1.19376.1.2.20"}});   // IHE XDS-SD
  w.empty("id", {{"root", e.uniqueId}});
  w.code("code", h.kind.code);
  w.text("title", h.kind.title);
  w.empty("effectiveTime", {{"value", cdaTime(e.creationTime)}});
  w.code("confidentialityCode", e.confidentialityCodes.front());
  w.empty("languageCode", {{"code", e.languageCode}});
  w.empty("setId", {{"root", h.setId}});
  w.empty("versionNumber", {{"value", "1"}});

  w.start("recordTarget");
  w.start("patientRole");
  w.empty("id", {{"root", h.patient.insOid}, {"extension", h.patient.ins}});
  w.start("patient", {{"classCode", "PSN"}});
  w.start("name");
  w.text("family", h.patient.birthFamily, {{"qualifier", "BR"}});
  w.text("given", h.patient.allGiven);
  w.text("given", h.patient.firstGiven, {{"qualifier", "BR"}});
  w.end();
  w.empty("administrativeGenderCode",
          {{"code", h.patient.gender}, {"codeSystem", "2.16.840.1.113883.5.1"}});
  w.empty("birthTime", {{"value", h.patient.birthDate}});
  w.start("birthplace");
  w.start("place");
  w.start("addr");
  w.text("county", h.patient.birthPlace);
  w.end();
  w.end();
  w.end();
  w.end();  // patient
  w.end();  // patientRole
  w.end();  // recordTarget

  w.start("author");
  w.empty("time", {{"value", cdaTime(e.creationTime)}});
  w.start("assignedAuthor");
  writeProfessional(w, h.author, h.organization);
  w.end();
  w.end();

  w.start("custodian");
  w.start("assignedCustodian");
  writeOrganization(w, "representedCustodianOrganization", h.organization);
  w.end();
  w.end();

  w.start("legalAuthenticator");
  w.empty("time", {{"value", cdaTime(e.creationTime)}});
  w.empty("signatureCode", {{"code", "S"}});
  w.start("assignedEntity");
  w.empty("id", {{"root", kIdnpsOid}, {"extension", h.legalAuthenticator.idnps}});
  writePersonName(w, h.legalAuthenticator);
  w.end();
  w.end();

  w.start("documentationOf");
  w.start("serviceEvent", {{"classCode", "ACT"}});
  if (h.act) w.code("code", *h.act);
  w.start("effectiveTime");
  const std::string start = e.serviceStartTime.empty() ? e.creationTime : e.serviceStartTime;
  w.empty("low", {{"value", cdaTime(start)}});
  if (!e.serviceStopTime.empty()) w.empty("high", {{"value", cdaTime(e.serviceStopTime)}});
  w.end();
  w.start("performer", {{"typeCode", "PRF"}});
  w.start("assignedEntity");
  writeProfessional(w, h.author, h.organization, &e.practiceSettingCode);
  w.end();
  w.end();
  w.end();  // serviceEvent
  w.end();  // documentationOf

  w.start("componentOf");
  w.start("encompassingEncounter");
  w.code("code", h.encounterCode);
  w.start("effectiveTime");
  w.empty("low", {{"value", cdaTime(start)}});
  if (!e.serviceStopTime.empty()) w.empty("high", {{"value", cdaTime(e.serviceStopTime)}});
  w.end();
  w.start("location");
  w.start("healthCareFacility");
  w.code("code", e.healthcareFacilityTypeCode);
  w.end();
  w.end();
  w.end();  // encompassingEncounter
  w.end();  // componentOf
}

/// The encounter's class (v3 ActCode, VR for a teleconsultation), VR when the Encounter has none.
Code encounterCodeOf(const Json* encounter) {
  if (encounter != nullptr) {
    if (const Json* c = encounter->find("class");
        c != nullptr && c->stringAt("system") == kActCodeSystem && !c->stringAt("code").empty()) {
      return {c->stringAt("code"), "2.16.840.1.113883.5.4",
              c->stringAt("code") == "VR" ? "Virtuelle" : c->stringAt("display")};
    }
  }
  return {"VR", "2.16.840.1.113883.5.4", "Virtuelle"};
}

/// The Practitioner a DocumentReference names as author (directly or through a role), and its
/// role.
std::pair<const Json*, const Json*> authorOf(const Json& document, const Resources& resources) {
  if (const Json* authors = document.find("author")) {
    for (const Json& reference : authors->items()) {
      const Json* target = resources.resolve(&reference);
      if (target == nullptr) continue;
      if (target->stringAt("resourceType") == "Practitioner") {
        for (const Json* role : resources.ofType("PractitionerRole")) {
          if (resources.resolve(role->find("practitioner")) == target) return {target, role};
        }
        return {target, nullptr};
      }
      if (target->stringAt("resourceType") == "PractitionerRole") {
        if (const Json* p = resources.resolve(target->find("practitioner"))) return {p, target};
      }
    }
  }
  return {nullptr, nullptr};
}

Result<ClinicalDocument> clinicalDocumentOf(const Json& document, const DocumentEntry& entry,
                                            const std::string& body, const Resources& resources,
                                            const SubmissionInput& input) {
  Header h;
  h.entry = &entry;
  FHIRGW_ASSIGN_OR_RETURN(h.kind, kindOf(entry));
  FHIRGW_ASSIGN_OR_RETURN(
      h.setId, oidFromUuid(input.uniqueIdRoot,
                           common::deterministicUuid({"cda-setid", document.stringAt("id")})));

  const Json* patient = resources.resolve(document.find("subject"));
  if (patient == nullptr && resources.ofType("Patient").size() == 1) {
    patient = resources.ofType("Patient").front();
  }
  if (patient == nullptr) return invalid("the Patient is not among the resources");
  FHIRGW_ASSIGN_OR_RETURN(h.patient, patientOf(*patient));

  auto [practitioner, role] = authorOf(document, resources);
  if (practitioner == nullptr) return invalid("the DocumentReference has no author Practitioner");
  FHIRGW_ASSIGN_OR_RETURN(h.author, personOf(*practitioner, role, "the author Practitioner"));
  h.legalAuthenticator = h.author;
  if (const Json* authenticator = resources.resolve(document.find("authenticator"));
      authenticator != nullptr && authenticator->stringAt("resourceType") == "Practitioner") {
    FHIRGW_ASSIGN_OR_RETURN(h.legalAuthenticator,
                            personOf(*authenticator, nullptr, "the authenticator Practitioner"));
  }

  const Json* context = document.find("context");
  const Json* encounter =
      context == nullptr ? nullptr : resources.resolve(first(*context, "encounter"));
  const Json* organization = resources.resolve(document.find("custodian"));
  if (organization == nullptr && role != nullptr) {
    organization = resources.resolve(role->find("organization"));
  }
  if (organization == nullptr && encounter != nullptr) {
    organization = resources.resolve(encounter->find("serviceProvider"));
  }
  auto org = organizationOf(organization);
  if (!org) return invalid("no custodian Organization with a national structure id and a name");
  h.organization = std::move(*org);
  h.encounterCode = encounterCodeOf(encounter);
  h.act = ngapActOf(document, resources);
  if (!h.act && h.kind.kind == CdaKind::kTeleconsultationReport) {
    return invalid("a teleconsultation report needs its NGAP act (a ChargeItem TCG, TC, …)");
  }

  ClinicalDocument cda;
  cda.kind = h.kind.kind;
  cda.uniqueId = entry.uniqueId;
  cda.setId = h.setId;
  cda.code = h.kind.code;
  cda.classCode = h.kind.classCode;
  cda.title = h.kind.title;
  if (h.act) cda.eventCodes.push_back(*h.act);
  if (entry.mimeType == "application/pdf") {
    cda.formatCode = {"urn:ihe:iti:xds-sd:pdf:2008", std::string(detail::kIheFormatCodeOid),
                      "Document à corps non structuré en Pdf/A-1"};
  } else if (entry.mimeType == "text/plain") {
    cda.formatCode = {"urn:ihe:iti:xds-sd:text:2008", std::string(detail::kIheFormatCodeOid),
                      "Document à corps non structuré en texte brut"};
  } else {
    return invalid("a " + entry.mimeType + " document cannot be a CDA N1 body (PDF or text only)");
  }

  CdaWriter w;
  writeHeader(w, h);
  w.start("component");
  w.start("nonXMLBody");
  w.text("text", common::base64Encode(body),
         {{"mediaType", entry.mimeType}, {"representation", "B64"}});
  w.end();
  w.end();
  w.end();  // ClinicalDocument
  FHIRGW_ASSIGN_OR_RETURN(cda.bytes, w.finish());
  return cda;
}

}  // namespace

namespace detail {

common::Result<std::vector<ClinicalDocument>> clinicalDocumentsOf(const SubmissionInput& input,
                                                                  const Submission& delivered) {
  Resources resources;
  FHIRGW_RETURN_IF_ERROR(resources.parse(input.resourcesJson));
  const std::vector<const Json*> documents = resources.ofType("DocumentReference");
  std::vector<ClinicalDocument> out;
  for (std::size_t i = 0; i < documents.size(); ++i) {
    auto cda = clinicalDocumentOf(*documents[i], delivered.metadata.documents[i],
                                  delivered.documents[i], resources, input);
    if (!cda) {
      return Status(cda.error().code(), cda.error().message() + " (DocumentReference/" +
                                            documents[i]->stringAt("id") + ")");
    }
    out.push_back(std::move(*cda));
  }
  return out;
}

}  // namespace detail

common::Result<std::vector<ClinicalDocument>> buildClinicalDocuments(const SubmissionInput& input) {
  FHIRGW_ASSIGN_OR_RETURN(Submission delivered, detail::buildDeliveredSubmission(input));
  return detail::clinicalDocumentsOf(input, delivered);
}

}  // namespace fhirgw::xds
