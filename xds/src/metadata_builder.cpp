#include "fhirgw/xds/metadata_builder.hpp"

#include <chrono>
#include <cstdio>
#include <map>

#include "builder_detail.hpp"
#include "code_systems.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/fhir/date.hpp"
#include "fhirgw/fhir/date_time.hpp"
#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/xds/hl7v2.hpp"

namespace fhirgw::xds {
namespace {

using common::Json;
using common::Result;
using common::Status;

Status invalid(const std::string& message) { return common::invalidArgument("xds: " + message); }

/// The delivery's resources, parsed, found by their "Type/id".
class Resources {
 public:
  Status parse(const std::vector<std::string_view>& texts) {
    all_.reserve(texts.size());
    for (std::size_t i = 0; i < texts.size(); ++i) {
      auto json = Json::parse(texts[i]);
      if (!json) {
        return invalid("resource " + std::to_string(i) +
                       " is not valid JSON: " + json.error().message());
      }
      if (!json->isObject() || json->stringAt("resourceType").empty()) {
        return invalid("resource " + std::to_string(i) + " has no resourceType");
      }
      all_.push_back(std::move(*json));
    }
    for (std::size_t i = 0; i < all_.size(); ++i) {
      byReference_.emplace(all_[i].stringAt("resourceType") + "/" + all_[i].stringAt("id"), i);
    }
    return Status::ok();
  }

  /// The resource a Reference object points at ("Type/id", or an absolute URL ending with
  /// it); nullptr when it is not among the resources.
  const Json* resolve(const Json* reference) const {
    if (reference == nullptr) return nullptr;
    std::string target = reference->stringAt("reference");
    // Keep the last two segments of an absolute URL.
    if (const std::size_t last = target.rfind('/'); last != std::string::npos && last > 0) {
      if (const std::size_t before = target.rfind('/', last - 1); before != std::string::npos) {
        target = target.substr(before + 1);
      }
    }
    auto it = byReference_.find(target);
    return it == byReference_.end() ? nullptr : &all_[it->second];
  }

  /// The resources of a type, in the order given.
  std::vector<const Json*> ofType(std::string_view type) const {
    std::vector<const Json*> found;
    for (const Json& r : all_) {
      if (r.stringAt("resourceType") == type) found.push_back(&r);
    }
    return found;
  }

 private:
  std::vector<Json> all_;
  std::map<std::string, std::size_t> byReference_;
};

/// The first element of an array member, or nullptr.
const Json* first(const Json& object, std::string_view key) {
  const Json* list = object.find(key);
  if (list == nullptr || !list->isArray() || list->items().empty()) return nullptr;
  return &list->items().front();
}

/// The value of the first identifier with this system, or "".
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

/// The official name, else the first: family and first given name.
std::pair<std::string, std::string> nameOf(const Json& resource) {
  const Json* names = resource.find("name");
  if (names == nullptr || names->items().empty()) return {};
  const Json* chosen = &names->items().front();
  for (const Json& n : names->items()) {
    if (n.stringAt("use") == "official") {
      chosen = &n;
      break;
    }
  }
  const Json* given = first(*chosen, "given");
  return {chosen->stringAt("family"), given == nullptr ? std::string() : given->text()};
}

/// "YYYYMMDDhhmmss" in UTC of a FHIR dateTime or instant; "YYYYMMDD" of a date.
Result<std::string> xdsTime(const std::string& text, const std::string& field) {
  if (auto date = fhir::Date::parse(text)) {
    char out[16];
    std::snprintf(out, sizeof out, "%04d%02u%02u", date->year(), date->month(), date->day());
    return std::string(out);
  }
  auto dateTime = fhir::DateTime::parse(text);
  if (!dateTime) return invalid(field + " is not a FHIR dateTime");
  const auto seconds = std::chrono::floor<std::chrono::seconds>(dateTime->instant);
  const auto days = std::chrono::floor<std::chrono::days>(seconds);
  const std::chrono::year_month_day ymd{days};
  const std::chrono::hh_mm_ss hms{seconds - days};
  char out[24];
  std::snprintf(out, sizeof out, "%04d%02u%02u%02d%02d%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return std::string(out);
}

/// The first coding of a CodeableConcept whose system has an OID, as an XDS code.
Result<Code> codeOf(const Json* codeable, const std::string& field) {
  const Json* codings = codeable == nullptr ? nullptr : codeable->find("coding");
  if (codings == nullptr || codings->items().empty()) return invalid(field + " is missing");
  for (const Json& coding : codings->items()) {
    const std::string system = coding.stringAt("system");
    auto oid = detail::schemeOid(system);
    if (!oid || coding.stringAt("code").empty()) continue;
    std::string display = coding.stringAt("display");
    if (display.empty()) display = detail::knownDisplay(system, coding.stringAt("code"));
    return Code{coding.stringAt("code"), *oid, display};
  }
  return invalid(field + " has no code in a system XDS knows (" +
                 codings->items().front().stringAt("system") + ")");
}

/// The patient: CX of its INS (or of its local id) and sourcePatientInfo.
struct PatientIds {
  std::string cx;
  bool ins = false;  ///< cx is the INS
  std::vector<std::string> info;
};

Result<PatientIds> patientOf(const Json& patient, const SubmissionInput& input) {
  PatientIds ids;
  if (const Json* identifiers = patient.find("identifier")) {
    for (const Json& id : identifiers->items()) {
      auto system = fhir::fr::insSystemOfUri(id.stringAt("system"));
      if (system && !id.stringAt("value").empty()) {
        ids.cx = formatCx(id.stringAt("value"), fhir::fr::insOid(*system), "NH");
        ids.ins = true;
        break;
      }
    }
  }
  if (ids.cx.empty()) {
    if (input.requireIns || patient.stringAt("id").empty()) {
      return invalid("the Patient has no INS identifier");
    }
    // No qualified INS: the gateway's own id of the patient, under the sending system's OID
    // ("PI": a local identifier), as ITI TF-3 allows for a recipient that is not a registry.
    ids.cx = formatCx(patient.stringAt("id"), input.sourceId, "PI");
  }
  ids.info.push_back("PID-3|" + ids.cx);
  if (auto [family, given] = nameOf(patient); !family.empty()) {
    ids.info.push_back("PID-5|" + escapeHl7(family) + "^" + escapeHl7(given) + "^^^^^L");
  }
  if (auto birth = fhir::Date::parse(patient.stringAt("birthDate"))) {
    char out[16];
    std::snprintf(out, sizeof out, "%04d%02u%02u", birth->year(), birth->month(), birth->day());
    ids.info.push_back("PID-7|" + std::string(out));
  }
  static const std::map<std::string, std::string, std::less<>> kGender = {
      {"male", "M"}, {"female", "F"}, {"other", "O"}, {"unknown", "U"}};
  if (auto it = kGender.find(patient.stringAt("gender")); it != kGender.end()) {
    ids.info.push_back("PID-8|" + it->second);
  }
  return ids;
}

/// XCN of a Practitioner identified by its IDNPS.
Result<std::string> practitionerXcn(const Json& practitioner, const std::string& what) {
  const std::string idnps = identifierValue(practitioner, fhir::fr::kIdnpsSystem);
  if (idnps.empty()) return invalid(what + " has no IDNPS identifier");
  auto [family, given] = nameOf(practitioner);
  return formatXcn({.id = idnps, .family = family, .given = given});
}

/// The PractitionerRole of a practitioner among the resources, or nullptr.
const Json* roleOf(const Json* practitioner, const Resources& resources) {
  for (const Json* role : resources.ofType("PractitionerRole")) {
    if (resources.resolve(role->find("practitioner")) == practitioner) return role;
  }
  return nullptr;
}

/// authorSpecialty from the role's TRE_R38 ordinal specialty: a physician's specialty (SMxx)
/// combined with the profession G15_10 "Médecin" as JDV_J01 writes it.
std::string specialtyOf(const Json* role) {
  if (role == nullptr) return {};
  if (const Json* specialties = role->find("specialty")) {
    for (const Json& codeable : specialties->items()) {
      const Json* codings = codeable.find("coding");
      if (codings == nullptr) continue;
      for (const Json& coding : codings->items()) {
        const std::string code = coding.stringAt("code");
        if (coding.stringAt("system") != detail::kTreR38 || !code.starts_with("SM")) continue;
        const std::string display = coding.stringAt("display");
        return "G15_10/" + escapeHl7(code) + "^" +
               escapeHl7(display.empty() ? "Médecin" : "Médecin - " + display) + "^" +
               std::string(detail::kAuthorSpecialtyOid);
      }
    }
  }
  return {};
}

/// authorInstitution of an Organization: its Struct_IdNat (or 1 + FINESS) and name.
std::string institutionOf(const Json* organization) {
  if (organization == nullptr) return {};
  std::string id = identifierValue(*organization, fhir::fr::kStructureIdSystem);
  if (id.empty()) {
    const std::string finess = identifierValue(*organization, fhir::fr::kFinessSystem);
    if (!finess.empty()) id = "1" + finess;
  }
  const std::string name = organization->stringAt("name");
  if (id.empty() || name.empty()) return {};
  return formatXon(name, id);
}

/// The first author of a DocumentReference that is a Practitioner (directly or through a
/// PractitionerRole).
Result<Author> authorOf(const Json& document, const Json* encounter, const Resources& resources) {
  const Json* practitioner = nullptr;
  const Json* role = nullptr;
  if (const Json* authors = document.find("author")) {
    for (const Json& reference : authors->items()) {
      const Json* target = resources.resolve(&reference);
      if (target == nullptr) continue;
      if (target->stringAt("resourceType") == "Practitioner") {
        practitioner = target;
      } else if (target->stringAt("resourceType") == "PractitionerRole") {
        role = target;
        practitioner = resources.resolve(target->find("practitioner"));
      }
      if (practitioner != nullptr) break;
    }
  }
  if (practitioner == nullptr) return invalid("the DocumentReference has no author Practitioner");
  if (role == nullptr) role = roleOf(practitioner, resources);
  Author author;
  FHIRGW_ASSIGN_OR_RETURN(author.person, practitionerXcn(*practitioner, "the author Practitioner"));
  author.specialty = specialtyOf(role);
  const Json* organization = resources.resolve(document.find("custodian"));
  if (organization == nullptr && role != nullptr) {
    organization = resources.resolve(role->find("organization"));
  }
  if (organization == nullptr && encounter != nullptr) {
    organization = resources.resolve(encounter->find("serviceProvider"));
  }
  author.institution = institutionOf(organization);
  return author;
}

/// The document's bytes and MIME type: inline data or the Binary the attachment points at,
/// checked against the attachment's size and hash when it has them.
struct DocumentBytes {
  std::string mimeType;
  std::string bytes;
};

Result<DocumentBytes> bytesOf(const Json& attachment, const Resources& resources) {
  DocumentBytes doc;
  doc.mimeType = attachment.stringAt("contentType");
  std::string data = attachment.stringAt("data");
  if (data.empty() && !attachment.stringAt("url").empty()) {
    Json reference = Json::object();
    reference.set("reference", Json::string(attachment.stringAt("url")));
    const Json* binary = resources.resolve(&reference);
    if (binary == nullptr || binary->stringAt("resourceType") != "Binary") {
      return invalid("the attachment's Binary is not among the resources");
    }
    data = binary->stringAt("data");
    if (doc.mimeType.empty()) doc.mimeType = binary->stringAt("contentType");
  }
  if (data.empty()) return invalid("the attachment has no data");
  if (doc.mimeType.empty()) return invalid("the attachment has no contentType");
  auto bytes = common::base64Decode(data);
  if (!bytes) return invalid("the attachment's data is not base64");
  doc.bytes = std::move(*bytes);
  if (const Json* size = attachment.find("size");
      size != nullptr && size->text() != std::to_string(doc.bytes.size())) {
    return invalid("the attachment's size does not match its data");
  }
  if (const std::string hash = attachment.stringAt("hash"); !hash.empty()) {
    auto expected = common::base64Decode(hash);
    if (!expected || *expected != common::sha1(doc.bytes)) {
      return invalid("the attachment's hash does not match its data");
    }
  }
  return doc;
}

/// formatCode: the DocumentReference's IHE format code, unless it is a CDA wrapper code on a
/// document that is not XML (the document travels bare until CDA generation exists); else
/// `urn:ihe:iti:xds:2017:mimeTypeSufficient`.
Code formatOf(const Json* content, const std::string& mimeType) {
  const Json* format = content == nullptr ? nullptr : content->find("format");
  if (format != nullptr) {
    const std::string system = format->stringAt("system");
    const std::string code = format->stringAt("code");
    const bool ihe = system == detail::kIheFormatCode ||
                     system == "urn:oid:" + std::string(detail::kIheFormatCodeOid);
    const bool cdaWrapper = code.starts_with("urn:ihe:iti:xds-sd:");
    if (ihe && !code.empty() && (!cdaWrapper || mimeType == "text/xml")) {
      std::string display = format->stringAt("display");
      if (display.empty()) display = detail::knownDisplay(detail::kIheFormatCode, code);
      return {code, std::string(detail::kIheFormatCodeOid), display};
    }
  }
  return {std::string(detail::kMimeTypeSufficient), std::string(detail::kIheFormatCodeOid),
          "mimeType Sufficient"};
}

/// confidentialityCode(s): the v3 codes of securityLabel; `N` when there are none.
std::vector<Code> confidentialityOf(const Json& document) {
  std::vector<Code> codes;
  if (const Json* labels = document.find("securityLabel")) {
    for (const Json& label : labels->items()) {
      const Json* codings = label.find("coding");
      if (codings == nullptr) continue;
      for (const Json& c : codings->items()) {
        if (c.stringAt("system") != detail::kV3Confidentiality || c.stringAt("code").empty()) {
          continue;
        }
        std::string display = c.stringAt("display");
        if (display.empty()) {
          display = detail::knownDisplay(detail::kV3Confidentiality, c.stringAt("code"));
        }
        codes.push_back({c.stringAt("code"), "2.16.840.1.113883.5.25", display});
      }
    }
  }
  if (codes.empty()) codes.push_back({"N", "2.16.840.1.113883.5.25", "Normal"});
  return codes;
}

/// The document's uniqueId: an OID masterIdentifier as it is, a UUID one as its OID under the
/// root (the mhd connector's too with the default root), else one derived from the resource id.
Result<std::string> documentUniqueId(const Json& document, const std::string& root) {
  const Json* master = document.find("masterIdentifier");
  const std::string value = master == nullptr ? std::string() : master->stringAt("value");
  if (value.starts_with("urn:oid:") && isOid(value.substr(8)) &&
      value.size() - 8 <= kMaxUniqueIdLength) {
    return value.substr(8);
  }
  if (value.starts_with("urn:uuid:") && !uuidToDecimal(value.substr(9)).empty()) {
    return oidFromUuid(root, value.substr(9));
  }
  return oidFromUuid(root,
                     common::deterministicUuid({"xds-document-uniqueid", document.stringAt("id")}));
}

std::string titleOf(const Json& document, const Json& attachment) {
  for (const std::string& t : {attachment.stringAt("title"), document.stringAt("description")}) {
    if (!t.empty()) return t;
  }
  if (const Json* type = document.find("type")) {
    if (!type->stringAt("text").empty()) return type->stringAt("text");
    if (const Json* coding = first(*type, "coding")) {
      return coding->stringAt("display").empty() ? coding->stringAt("code")
                                                 : coding->stringAt("display");
    }
  }
  return {};
}

/// One DocumentEntry and its bytes.
Result<DocumentEntry> entryOf(const Json& document, const Resources& resources,
                              const SubmissionInput& input, std::string& bytesOut,
                              bool& patientIsIns) {
  DocumentEntry entry;
  const std::string id = document.stringAt("id");
  entry.entryUuid =
      "urn:uuid:" + common::deterministicUuid({"xds-document-entry", input.deliveryId, id});
  FHIRGW_ASSIGN_OR_RETURN(entry.uniqueId, documentUniqueId(document, input.uniqueIdRoot));

  const Json* patient = resources.resolve(document.find("subject"));
  if (patient == nullptr && resources.ofType("Patient").size() == 1) {
    patient = resources.ofType("Patient").front();
  }
  if (patient == nullptr)
    return invalid("the DocumentReference's Patient is not among the resources");
  FHIRGW_ASSIGN_OR_RETURN(PatientIds patientIds, patientOf(*patient, input));
  patientIsIns = patientIds.ins;
  entry.patientId = patientIds.cx;
  entry.sourcePatientId = patientIds.cx;
  entry.sourcePatientInfo = std::move(patientIds.info);

  const Json* context = document.find("context");
  const Json* encounter =
      context == nullptr ? nullptr : resources.resolve(first(*context, "encounter"));
  FHIRGW_ASSIGN_OR_RETURN(entry.author, authorOf(document, encounter, resources));
  entry.legalAuthenticator = entry.author.person;
  if (const Json* authenticator = resources.resolve(document.find("authenticator"));
      authenticator != nullptr && authenticator->stringAt("resourceType") == "Practitioner") {
    FHIRGW_ASSIGN_OR_RETURN(entry.legalAuthenticator,
                            practitionerXcn(*authenticator, "the authenticator Practitioner"));
  }

  const Json* content = first(document, "content");
  const Json* attachment = content == nullptr ? nullptr : content->find("attachment");
  if (attachment == nullptr) return invalid("the DocumentReference has no attachment");
  FHIRGW_ASSIGN_OR_RETURN(DocumentBytes doc, bytesOf(*attachment, resources));
  entry.mimeType = doc.mimeType;
  entry.hash = common::hexEncode(common::sha1(doc.bytes));
  entry.size = doc.bytes.size();
  bytesOut = std::move(doc.bytes);
  if (!attachment->stringAt("language").empty()) {
    entry.languageCode = attachment->stringAt("language");
  }
  entry.title = titleOf(document, *attachment);
  std::string created = attachment->stringAt("creation");
  if (created.empty()) created = document.stringAt("date");
  if (created.empty()) return invalid("the DocumentReference has neither a creation nor a date");
  FHIRGW_ASSIGN_OR_RETURN(entry.creationTime, xdsTime(created, "the document's creation time"));

  FHIRGW_ASSIGN_OR_RETURN(entry.typeCode, codeOf(document.find("type"), "the document's type"));
  FHIRGW_ASSIGN_OR_RETURN(entry.classCode,
                          codeOf(first(document, "category"), "the document's category"));
  entry.confidentialityCodes = confidentialityOf(document);
  entry.formatCode = formatOf(content, entry.mimeType);

  // Facility and setting: the document's context, else the organisation's type; a
  // teleconsultation is ambulatory.
  const Json* facility = context == nullptr ? nullptr : context->find("facilityType");
  if (facility == nullptr && encounter != nullptr) {
    if (const Json* org = resources.resolve(encounter->find("serviceProvider"))) {
      facility = first(*org, "type");
    }
  }
  FHIRGW_ASSIGN_OR_RETURN(entry.healthcareFacilityTypeCode,
                          codeOf(facility, "the document's facilityType"));
  const Json* setting = context == nullptr ? nullptr : context->find("practiceSetting");
  if (setting != nullptr) {
    FHIRGW_ASSIGN_OR_RETURN(entry.practiceSettingCode,
                            codeOf(setting, "the document's practiceSetting"));
  } else {
    entry.practiceSettingCode = {"AMBULATOIRE", "1.2.250.1.213.1.1.4.9", "Ambulatoire"};
  }

  const Json* period = context == nullptr ? nullptr : context->find("period");
  if (period == nullptr && encounter != nullptr) period = encounter->find("period");
  if (period != nullptr && !period->stringAt("start").empty()) {
    FHIRGW_ASSIGN_OR_RETURN(entry.serviceStartTime,
                            xdsTime(period->stringAt("start"), "the service start"));
  }
  if (period != nullptr && !period->stringAt("end").empty()) {
    FHIRGW_ASSIGN_OR_RETURN(entry.serviceStopTime,
                            xdsTime(period->stringAt("end"), "the service end"));
  }
  return entry;
}

}  // namespace

Code defaultContentTypeCode() { return {"07", "1.2.250.1.213.2.2", "Consultation Soins Externes"}; }

namespace detail {

std::string xdsUtcTime(common::TimePoint t) {
  const std::string instant = common::formatInstantUtc(t);  // 2026-11-20T08:30:00.000Z
  std::string out;
  for (char c : instant.substr(0, 19)) {
    if (c >= '0' && c <= '9') out += c;
  }
  return out;
}

common::Result<Submission> buildDeliveredSubmission(const SubmissionInput& input) {
  if (input.deliveryId.empty()) return invalid("deliveryId is missing");
  if (!isOid(input.sourceId)) return invalid("sourceId '" + input.sourceId + "' is not an OID");
  if (!isOid(input.uniqueIdRoot)) {
    return invalid("the uniqueId root '" + input.uniqueIdRoot + "' is not an OID");
  }
  Resources resources;
  FHIRGW_RETURN_IF_ERROR(resources.parse(input.resourcesJson));
  const std::vector<const Json*> documents = resources.ofType("DocumentReference");
  if (documents.empty()) return invalid("no DocumentReference among the resources");

  Submission submission;
  Metadata& m = submission.metadata;
  SubmissionSet& ss = m.submissionSet;
  ss.entryUuid =
      "urn:uuid:" + common::deterministicUuid({"xds-submissionset-entry", input.deliveryId});
  FHIRGW_ASSIGN_OR_RETURN(
      ss.uniqueId, oidFromUuid(input.uniqueIdRoot,
                               common::deterministicUuid({"xds-submissionset", input.deliveryId})));
  ss.sourceId = input.sourceId;
  ss.submissionTime = xdsUtcTime(input.submissionTime);
  ss.contentTypeCode = input.contentTypeCode;
  for (const std::string& address : input.intendedRecipients) {
    ss.intendedRecipients.push_back(intendedRecipientMailbox(address));
  }

  for (const Json* document : documents) {
    std::string bytes;
    auto entry = entryOf(*document, resources, input, bytes, submission.patientIdIsIns);
    if (!entry) {
      return Status(entry.error().code(), entry.error().message() + " (DocumentReference/" +
                                              document->stringAt("id") + ")");
    }
    if (!m.documents.empty() && entry->patientId != m.documents.front().patientId) {
      return invalid("the DocumentReferences concern different patients");
    }
    m.associations.push_back(
        {.entryUuid = "urn:uuid:" + common::deterministicUuid({"xds-hasmember", input.deliveryId,
                                                               document->stringAt("id")}),
         .sourceObject = ss.entryUuid,
         .targetObject = entry->entryUuid});
    m.documents.push_back(std::move(*entry));
    submission.documents.push_back(std::move(bytes));
  }
  // The submission set is the first document's: same patient, same author.
  ss.patientId = m.documents.front().patientId;
  ss.author = m.documents.front().author;
  return submission;
}

}  // namespace detail

common::Result<Submission> buildSubmission(const SubmissionInput& input) {
  FHIRGW_ASSIGN_OR_RETURN(Submission submission, detail::buildDeliveredSubmission(input));
  if (!input.cda) return submission;
  // The CDA replaces the delivered document: what its header says is what the metadata says
  // (dmp-xds.md §2.4), and hash and size are over the bytes sent.
  FHIRGW_ASSIGN_OR_RETURN(std::vector<ClinicalDocument> cdas,
                          detail::clinicalDocumentsOf(input, submission));
  for (std::size_t i = 0; i < cdas.size(); ++i) {
    DocumentEntry& entry = submission.metadata.documents[i];
    ClinicalDocument& cda = cdas[i];
    entry.mimeType = "text/xml";
    entry.hash = common::hexEncode(common::sha1(cda.bytes));
    entry.size = cda.bytes.size();
    entry.title = cda.title;
    entry.typeCode = cda.code;
    entry.classCode = cda.classCode;
    entry.formatCode = cda.formatCode;
    entry.eventCodes = cda.eventCodes;
    submission.documents[i] = std::move(cda.bytes);
    submission.cdaKinds.push_back(cda.kind);
  }
  return submission;
}

}  // namespace fhirgw::xds
