#include "fhirgw/xds/ebrim_writer.hpp"

#include <libxml/parser.h>
#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>

#include <map>
#include <mutex>
#include <string_view>
#include <vector>

#include "fhirgw/common/ids.hpp"

namespace fhirgw::xds {
namespace {

// Classification schemes, identification schemes and object types of IHE ITI TF-3 §4.2.5
// (the values of dmp-xds.md §1.5 and §1.6).
constexpr std::string_view kSubmissionSetAuthor = "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d";
constexpr std::string_view kContentTypeCode = "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500";
constexpr std::string_view kSubmissionSetNode = "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd";
constexpr std::string_view kSubmissionSetPatientId =
    "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446";
constexpr std::string_view kSubmissionSetSourceId = "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832";
constexpr std::string_view kSubmissionSetUniqueId = "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8";
constexpr std::string_view kDocumentAuthor = "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d";
constexpr std::string_view kClassCode = "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a";
constexpr std::string_view kConfidentialityCode = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f";
constexpr std::string_view kEventCodeList = "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4";
constexpr std::string_view kFormatCode = "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d";
constexpr std::string_view kHealthcareFacilityTypeCode =
    "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1";
constexpr std::string_view kPracticeSettingCode = "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead";
constexpr std::string_view kTypeCode = "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983";
constexpr std::string_view kDocumentPatientId = "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427";
constexpr std::string_view kDocumentUniqueId = "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab";
constexpr std::string_view kStableDocument = "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1";
constexpr std::string_view kClassificationObjectType =
    "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification";
constexpr std::string_view kHasMember = "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember";
constexpr std::string_view kSigns = "urn:ihe:iti:2007:AssociationType:signs";

// rim.xsd's string types.
constexpr std::size_t kLongName = 256;       // Slot values, attributes such as mimeType
constexpr std::size_t kFreeFormText = 1024;  // LocalizedString values

const xmlChar* xml(const char* text) { return reinterpret_cast<const xmlChar*>(text); }

// libxml2 wants its parser initialised once per process before threads use it.
void initLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

/// Why a text cannot be written as XML 1.0 character data, or "" when it can: invalid UTF-8,
/// a control character XML forbids, or more characters than the schema type allows.
std::string textProblem(std::string_view text, std::size_t maxChars) {
  const std::string copy(text);
  if (xmlCheckUTF8(xml(copy.c_str())) == 0) return "is not valid UTF-8";
  std::size_t chars = 0;
  for (unsigned char c : text) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return "contains a control character";
    if ((c & 0xC0) != 0x80) ++chars;
  }
  if (chars > maxChars) {
    return "is longer than " + std::to_string(maxChars) + " characters";
  }
  return {};
}

/// An xmlTextWriter over a memory buffer that remembers the first error (libxml2's or a bad
/// value's) and stops writing after it.
class RimWriter {
 public:
  RimWriter() : buffer_(xmlBufferCreate()) {
    if (buffer_ != nullptr) writer_ = xmlNewTextWriterMemory(buffer_, 0);
    if (writer_ == nullptr) {
      fail(common::internal("xds: cannot create the XML writer"));
      return;
    }
    track(xmlTextWriterSetIndent(writer_, 1));
    track(xmlTextWriterSetIndentString(writer_, xml("  ")));
  }
  ~RimWriter() {
    if (writer_ != nullptr) xmlFreeTextWriter(writer_);
    if (buffer_ != nullptr) xmlBufferFree(buffer_);
  }
  RimWriter(const RimWriter&) = delete;
  RimWriter& operator=(const RimWriter&) = delete;

  bool ok() const { return status_.isOk(); }
  const common::Status& status() const { return status_; }
  void fail(common::Status status) {
    if (status_.isOk()) status_ = std::move(status);
  }

  void startDocument() {
    if (ok()) track(xmlTextWriterStartDocument(writer_, "1.0", "UTF-8", nullptr));
  }
  void startRoot() {
    if (!ok()) return;
    track(xmlTextWriterStartElementNS(writer_, xml("lcm"), xml("SubmitObjectsRequest"),
                                      xml(kLcmNamespace)));
    if (ok()) track(xmlTextWriterWriteAttribute(writer_, xml("xmlns:rim"), xml(kRimNamespace)));
  }
  /// Starts rim:<name>.
  void start(const char* name) {
    if (ok()) track(xmlTextWriterStartElementNS(writer_, xml("rim"), xml(name), nullptr));
  }
  void end() {
    if (ok()) track(xmlTextWriterEndElement(writer_));
  }
  /// An attribute; `field` names the model field in an error.
  void attribute(const char* name, std::string_view value, std::string_view field,
                 std::size_t maxChars = kLongName) {
    if (!ok() || !checked(value, field, maxChars)) return;
    const std::string copy(value);
    track(xmlTextWriterWriteAttribute(writer_, xml(name), xml(copy.c_str())));
  }
  /// rim:Slot with one rim:Value per value.
  void slot(std::string_view name, const std::vector<std::string>& values, std::string_view field) {
    start("Slot");
    attribute("name", name, field);
    start("ValueList");
    for (const std::string& value : values) {
      if (!ok() || !checked(value, field, kLongName)) return;
      start("Value");
      if (ok()) track(xmlTextWriterWriteString(writer_, xml(value.c_str())));
      end();
    }
    end();
    end();
  }
  void slot(std::string_view name, const std::string& value, std::string_view field) {
    slot(name, std::vector<std::string>{value}, field);
  }
  /// rim:Name with one French rim:LocalizedString.
  void name(std::string_view text, std::string_view field) {
    start("Name");
    start("LocalizedString");
    if (ok()) track(xmlTextWriterWriteAttribute(writer_, xml("xml:lang"), xml("fr-FR")));
    attribute("value", text, field, kFreeFormText);
    end();
    end();
  }

  /// The document written so far, once everything is closed.
  common::Result<std::string> finish() {
    if (ok()) track(xmlTextWriterEndDocument(writer_));
    if (ok()) track(xmlTextWriterFlush(writer_));
    if (!ok()) return status_;
    return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer_)),
                       static_cast<std::size_t>(xmlBufferLength(buffer_)));
  }

 private:
  void track(int rc) {
    if (rc < 0) fail(common::internal("xds: libxml2 could not write the metadata"));
  }
  bool checked(std::string_view value, std::string_view field, std::size_t maxChars) {
    if (std::string problem = textProblem(value, maxChars); !problem.empty()) {
      fail(common::invalidArgument("xds: " + std::string(field) + " " + problem));
      return false;
    }
    return true;
  }

  xmlBufferPtr buffer_ = nullptr;
  xmlTextWriterPtr writer_ = nullptr;
  common::Status status_;
};

/// "<prefix>01", "<prefix>02"…: the ITI-41 ids.
std::string symbolicId(const char* prefix, std::size_t n) {
  return std::string(prefix) + (n < 10 ? "0" : "") + std::to_string(n);
}

/// The ids objects get in the document: symbolic ones for ITI-41 (the registry assigns the
/// entryUUIDs), UUIDs for XDM (no registry), derived from the submission set's so the same
/// metadata always gives the same document.
class Ids {
 public:
  Ids(Flavor flavor, std::string seed) : flavor_(flavor), seed_(std::move(seed)) {}

  /// The id of a top-level object: its symbolic name, or its entryUuid in XDM.
  std::string entry(const char* prefix, std::size_t n, const std::string& entryUuid) {
    std::string id = flavor_ == Flavor::kXdm ? entryUuid : symbolicId(prefix, n);
    if (!entryUuid.empty()) byEntryUuid_[entryUuid] = id;
    return id;
  }
  /// The id of a Classification or ExternalIdentifier.
  std::string nested(const char* prefix) {
    std::string symbolic = symbolicId(prefix, ++nested_[prefix]);
    if (flavor_ == Flavor::kIti41) return symbolic;
    return "urn:uuid:" + common::deterministicUuid({"xds-xdm-object", seed_, symbolic});
  }
  /// The id written for an entryUuid; empty when no object has it.
  std::string of(const std::string& entryUuid) const {
    auto it = byEntryUuid_.find(entryUuid);
    return it == byEntryUuid_.end() ? std::string() : it->second;
  }

 private:
  Flavor flavor_;
  std::string seed_;
  std::map<std::string, std::size_t> nested_;
  std::map<std::string, std::string> byEntryUuid_;
};

common::Status required(std::string_view value, std::string_view field) {
  if (value.empty()) return common::invalidArgument("xds: " + std::string(field) + " is missing");
  return common::Status::ok();
}

common::Status requiredCode(const Code& code, std::string_view field) {
  FHIRGW_RETURN_IF_ERROR(required(code.code, std::string(field) + ".code"));
  return required(code.scheme, std::string(field) + ".scheme");
}

common::Status checkEntryUuid(const std::string& entryUuid, std::string_view field) {
  FHIRGW_RETURN_IF_ERROR(required(entryUuid, field));
  if (!entryUuid.starts_with("urn:uuid:")) {
    return common::invalidArgument("xds: " + std::string(field) + " is not a urn:uuid");
  }
  return common::Status::ok();
}

common::Status checkRequired(const Metadata& m, Flavor flavor) {
  const SubmissionSet& ss = m.submissionSet;
  FHIRGW_RETURN_IF_ERROR(required(ss.uniqueId, "submissionSet.uniqueId"));
  FHIRGW_RETURN_IF_ERROR(required(ss.sourceId, "submissionSet.sourceId"));
  FHIRGW_RETURN_IF_ERROR(required(ss.submissionTime, "submissionSet.submissionTime"));
  FHIRGW_RETURN_IF_ERROR(required(ss.patientId, "submissionSet.patientId"));
  FHIRGW_RETURN_IF_ERROR(required(ss.author.person, "submissionSet.author.person"));
  FHIRGW_RETURN_IF_ERROR(requiredCode(ss.contentTypeCode, "submissionSet.contentTypeCode"));
  if (flavor == Flavor::kXdm) {
    FHIRGW_RETURN_IF_ERROR(checkEntryUuid(ss.entryUuid, "submissionSet.entryUuid"));
  }
  if (m.documents.empty()) return common::invalidArgument("xds: the submission has no document");
  for (std::size_t i = 0; i < m.documents.size(); ++i) {
    const DocumentEntry& d = m.documents[i];
    const std::string at = "documents[" + std::to_string(i) + "].";
    FHIRGW_RETURN_IF_ERROR(required(d.uniqueId, at + "uniqueId"));
    FHIRGW_RETURN_IF_ERROR(required(d.mimeType, at + "mimeType"));
    FHIRGW_RETURN_IF_ERROR(required(d.creationTime, at + "creationTime"));
    FHIRGW_RETURN_IF_ERROR(required(d.languageCode, at + "languageCode"));
    FHIRGW_RETURN_IF_ERROR(required(d.patientId, at + "patientId"));
    FHIRGW_RETURN_IF_ERROR(required(d.sourcePatientId, at + "sourcePatientId"));
    FHIRGW_RETURN_IF_ERROR(requiredCode(d.classCode, at + "classCode"));
    FHIRGW_RETURN_IF_ERROR(requiredCode(d.typeCode, at + "typeCode"));
    FHIRGW_RETURN_IF_ERROR(requiredCode(d.formatCode, at + "formatCode"));
    FHIRGW_RETURN_IF_ERROR(
        requiredCode(d.healthcareFacilityTypeCode, at + "healthcareFacilityTypeCode"));
    FHIRGW_RETURN_IF_ERROR(requiredCode(d.practiceSettingCode, at + "practiceSettingCode"));
    if (d.confidentialityCodes.empty()) {
      return common::invalidArgument("xds: " + at + "confidentialityCodes is empty");
    }
    for (const Code& c : d.confidentialityCodes) {
      FHIRGW_RETURN_IF_ERROR(requiredCode(c, at + "confidentialityCodes"));
    }
    if (flavor == Flavor::kXdm) {
      FHIRGW_RETURN_IF_ERROR(checkEntryUuid(d.entryUuid, at + "entryUuid"));
      FHIRGW_RETURN_IF_ERROR(required(d.uri, at + "uri"));
      FHIRGW_RETURN_IF_ERROR(required(d.hash, at + "hash"));
    }
  }
  for (std::size_t i = 0; i < m.associations.size(); ++i) {
    if (flavor == Flavor::kXdm) {
      FHIRGW_RETURN_IF_ERROR(checkEntryUuid(m.associations[i].entryUuid,
                                            "associations[" + std::to_string(i) + "].entryUuid"));
    }
  }
  return common::Status::ok();
}

/// A Classification with a code: nodeRepresentation, the codingScheme slot and the display.
void writeCode(RimWriter& w, Ids& ids, std::string_view scheme, const std::string& classified,
               const Code& code, std::string_view field) {
  w.start("Classification");
  w.attribute("id", ids.nested("Classification"), field);
  w.attribute("classificationScheme", scheme, field);
  w.attribute("classifiedObject", classified, field);
  w.attribute("nodeRepresentation", code.code, field);
  w.attribute("objectType", kClassificationObjectType, field);
  w.slot("codingScheme", code.scheme, field);
  w.name(code.display.empty() ? code.code : code.display, field);
  w.end();
}

void writeAuthor(RimWriter& w, Ids& ids, std::string_view scheme, const std::string& classified,
                 const Author& author, std::string_view field) {
  w.start("Classification");
  w.attribute("id", ids.nested("Classification"), field);
  w.attribute("classificationScheme", scheme, field);
  w.attribute("classifiedObject", classified, field);
  w.attribute("nodeRepresentation", "", field);
  w.attribute("objectType", kClassificationObjectType, field);
  const std::string at(field);
  w.slot("authorPerson", author.person, at + ".person");
  if (!author.institution.empty()) {
    w.slot("authorInstitution", author.institution, at + ".institution");
  }
  if (!author.role.empty()) w.slot("authorRole", author.role, at + ".role");
  if (!author.specialty.empty()) w.slot("authorSpecialty", author.specialty, at + ".specialty");
  w.end();
}

void writeExternalIdentifier(RimWriter& w, Ids& ids, std::string_view scheme,
                             const std::string& registryObject, const std::string& value,
                             const char* name, std::string_view field) {
  w.start("ExternalIdentifier");
  w.attribute("id", ids.nested("ExternalIdentifier"), field);
  w.attribute("registryObject", registryObject, field);
  w.attribute("identificationScheme", scheme, field);
  w.attribute("objectType",
              "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier",
              field);
  w.attribute("value", value, field);
  w.name(name, field);
  w.end();
}

void writeSubmissionSet(RimWriter& w, Ids& ids, const SubmissionSet& ss, Flavor flavor) {
  const std::string id = ids.entry("SubmissionSet", 1, ss.entryUuid);
  w.start("RegistryPackage");
  w.attribute("id", id, "submissionSet.entryUuid");
  w.attribute("objectType",
              "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:RegistryPackage",
              "submissionSet");
  // Slot*, Name?, Description?, VersionInfo?, Classification*, ExternalIdentifier* (rim.xsd).
  w.slot("submissionTime", ss.submissionTime, "submissionSet.submissionTime");
  if (flavor == Flavor::kXdm && !ss.intendedRecipients.empty()) {
    w.slot("intendedRecipient", ss.intendedRecipients, "submissionSet.intendedRecipients");
  }
  if (!ss.title.empty()) w.name(ss.title, "submissionSet.title");
  writeAuthor(w, ids, kSubmissionSetAuthor, id, ss.author, "submissionSet.author");
  writeCode(w, ids, kContentTypeCode, id, ss.contentTypeCode, "submissionSet.contentTypeCode");
  writeExternalIdentifier(w, ids, kSubmissionSetPatientId, id, ss.patientId,
                          "XDSSubmissionSet.patientId", "submissionSet.patientId");
  writeExternalIdentifier(w, ids, kSubmissionSetSourceId, id, ss.sourceId,
                          "XDSSubmissionSet.sourceId", "submissionSet.sourceId");
  writeExternalIdentifier(w, ids, kSubmissionSetUniqueId, id, ss.uniqueId,
                          "XDSSubmissionSet.uniqueId", "submissionSet.uniqueId");
  w.end();

  // The package is a submission set because of this classification.
  w.start("Classification");
  w.attribute("id", ids.nested("Classification"), "submissionSet");
  w.attribute("classifiedObject", id, "submissionSet");
  w.attribute("classificationNode", kSubmissionSetNode, "submissionSet");
  w.attribute("objectType", kClassificationObjectType, "submissionSet");
  w.end();
}

void writeDocument(RimWriter& w, Ids& ids, const DocumentEntry& d, std::size_t n, Flavor flavor) {
  const std::string at = "documents[" + std::to_string(n - 1) + "].";
  const std::string id = ids.entry("Document", n, d.entryUuid);
  w.start("ExtrinsicObject");
  w.attribute("id", id, at + "entryUuid");
  w.attribute("mimeType", d.mimeType, at + "mimeType");
  w.attribute("objectType", kStableDocument, at + "objectType");
  w.slot("creationTime", d.creationTime, at + "creationTime");
  if (!d.hash.empty()) w.slot("hash", d.hash, at + "hash");
  w.slot("languageCode", d.languageCode, at + "languageCode");
  if (!d.legalAuthenticator.empty()) {
    w.slot("legalAuthenticator", d.legalAuthenticator, at + "legalAuthenticator");
  }
  if (!d.serviceStartTime.empty()) {
    w.slot("serviceStartTime", d.serviceStartTime, at + "serviceStartTime");
  }
  if (!d.serviceStopTime.empty()) {
    w.slot("serviceStopTime", d.serviceStopTime, at + "serviceStopTime");
  }
  if (!d.hash.empty()) w.slot("size", std::to_string(d.size), at + "size");
  w.slot("sourcePatientId", d.sourcePatientId, at + "sourcePatientId");
  if (!d.sourcePatientInfo.empty()) {
    w.slot("sourcePatientInfo", d.sourcePatientInfo, at + "sourcePatientInfo");
  }
  if (flavor == Flavor::kXdm) w.slot("URI", d.uri, at + "uri");
  if (!d.title.empty()) w.name(d.title, at + "title");
  writeAuthor(w, ids, kDocumentAuthor, id, d.author, at + "author");
  writeCode(w, ids, kClassCode, id, d.classCode, at + "classCode");
  for (const Code& c : d.confidentialityCodes) {
    writeCode(w, ids, kConfidentialityCode, id, c, at + "confidentialityCodes");
  }
  for (const Code& c : d.eventCodes) writeCode(w, ids, kEventCodeList, id, c, at + "eventCodes");
  writeCode(w, ids, kFormatCode, id, d.formatCode, at + "formatCode");
  writeCode(w, ids, kHealthcareFacilityTypeCode, id, d.healthcareFacilityTypeCode,
            at + "healthcareFacilityTypeCode");
  writeCode(w, ids, kPracticeSettingCode, id, d.practiceSettingCode, at + "practiceSettingCode");
  writeCode(w, ids, kTypeCode, id, d.typeCode, at + "typeCode");
  writeExternalIdentifier(w, ids, kDocumentPatientId, id, d.patientId, "XDSDocumentEntry.patientId",
                          at + "patientId");
  writeExternalIdentifier(w, ids, kDocumentUniqueId, id, d.uniqueId, "XDSDocumentEntry.uniqueId",
                          at + "uniqueId");
  w.end();
}

void writeAssociation(RimWriter& w, Ids& ids, const Association& a, std::size_t n) {
  const std::string at = "associations[" + std::to_string(n - 1) + "]";
  const std::string source = ids.of(a.sourceObject);
  const std::string target = ids.of(a.targetObject);
  if (source.empty() || target.empty()) {
    w.fail(
        common::invalidArgument("xds: " + at + " links an object that is not in the submission"));
    return;
  }
  w.start("Association");
  w.attribute("id", ids.entry("Association", n, a.entryUuid), at + ".entryUuid");
  w.attribute("associationType", a.type == AssociationType::kSigns ? kSigns : kHasMember, at);
  w.attribute("sourceObject", source, at + ".sourceObject");
  w.attribute("targetObject", target, at + ".targetObject");
  w.attribute("objectType", "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association",
              at);
  if (a.type == AssociationType::kHasMember) {
    w.slot("SubmissionSetStatus", a.submissionSetStatus, at + ".submissionSetStatus");
  }
  w.end();
}

}  // namespace

std::string documentObjectId(const Metadata& metadata, std::size_t index, Flavor flavor) {
  if (index >= metadata.documents.size()) return {};
  return flavor == Flavor::kXdm ? metadata.documents[index].entryUuid
                                : symbolicId("Document", index + 1);
}

common::Result<std::string> writeSubmitObjectsRequest(const Metadata& metadata, Flavor flavor) {
  FHIRGW_RETURN_IF_ERROR(checkRequired(metadata, flavor));
  initLibxml();
  RimWriter w;
  Ids ids(flavor, metadata.submissionSet.entryUuid + metadata.submissionSet.uniqueId);
  w.startDocument();
  w.startRoot();
  w.start("RegistryObjectList");
  writeSubmissionSet(w, ids, metadata.submissionSet, flavor);
  for (std::size_t i = 0; i < metadata.documents.size(); ++i) {
    writeDocument(w, ids, metadata.documents[i], i + 1, flavor);
  }
  for (std::size_t i = 0; i < metadata.associations.size(); ++i) {
    writeAssociation(w, ids, metadata.associations[i], i + 1);
  }
  w.end();
  w.end();
  return w.finish();
}

}  // namespace fhirgw::xds
