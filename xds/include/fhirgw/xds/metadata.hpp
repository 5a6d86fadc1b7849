#pragma once

// The XDS metadata of one submission (IHE ITI TF-3 §4.2, as the CI-SIS and the DMP use it): one
// SubmissionSet, its DocumentEntries and the HasMember associations between them. One model for
// both wire forms: the ITI-41 body to the DMP and the XDM METADATA.XML of an MSSanté message
// (ebrim_writer.hpp). Values are kept as they go on the wire: times as UTC "YYYYMMDDhhmmss",
// people and organisations as HL7 v2 CX / XCN / XON strings (hl7v2.hpp).

#include <cstdint>
#include <string>
#include <vector>

namespace fhirgw::xds {

/// A coded value: the Classification's nodeRepresentation, its codingScheme slot and its Name.
struct Code {
  std::string code;
  std::string scheme;   ///< an OID or a scheme name ("1.2.250.1.213.1.1.4.1")
  std::string display;  ///< never empty on the wire: the writer falls back to the code

  friend bool operator==(const Code&, const Code&) = default;
};

/// The author of a submission set or a document (the author Classification and its slots).
struct Author {
  std::string
      person;  ///< authorPerson, XCN ("8<RPPS>^NOM^Prénom^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS")
  std::string institution;  ///< authorInstitution, XON; empty when unknown
  std::string role;         ///< authorRole, free text; empty when unknown
  std::string specialty;    ///< authorSpecialty, "code^display^scheme"; empty when unknown
};

/// The submission set (rim:RegistryPackage).
struct SubmissionSet {
  std::string entryUuid;  ///< "urn:uuid:…"; the object's id in XDM (ITI-41 uses a symbolic id)
  std::string uniqueId;   ///< OID, stable across retries
  std::string sourceId;   ///< OID of the sending system
  std::string submissionTime;  ///< UTC "YYYYMMDDhhmmss"
  std::string patientId;       ///< CX of the INS ("<INS>^^^&1.2.250.1.213.1.4.8&ISO^NH")
  Author author;
  Code contentTypeCode;
  std::string title;  ///< optional
  /// intendedRecipient values (XON|XCN|XTN; an MSSanté mailbox is "||^^Internet^<address>");
  /// written in the XDM form only, the DMP does not use them.
  std::vector<std::string> intendedRecipients;
};

/// One document (rim:ExtrinsicObject, objectType "stable document").
struct DocumentEntry {
  std::string entryUuid;  ///< "urn:uuid:…"; the object's id in XDM (ITI-41 uses a symbolic id)
  std::string uniqueId;   ///< OID, stable across retries
  std::string mimeType;
  std::string hash;          ///< SHA-1 of the document bytes, lower-case hex
  std::uint64_t size = 0;    ///< byte count of the document
  std::string creationTime;  ///< UTC "YYYYMMDDhhmmss"
  std::string languageCode = "fr-FR";
  std::string title;
  Author author;
  Code classCode;
  Code typeCode;
  std::vector<Code> confidentialityCodes;  ///< 1..n: "N" and the DMP's masking flags
  Code formatCode;
  Code healthcareFacilityTypeCode;
  Code practiceSettingCode;
  std::vector<Code> eventCodes;                ///< optional eventCodeList
  std::string serviceStartTime;                ///< UTC "YYYYMMDDhhmmss"
  std::string serviceStopTime;                 ///< UTC "YYYYMMDDhhmmss"; optional
  std::string patientId;                       ///< CX, the same as the submission set's
  std::string sourcePatientId;                 ///< CX
  std::vector<std::string> sourcePatientInfo;  ///< "PID-5|NOM^Prénom^^^^^L", "PID-7|…", "PID-8|F"
  std::string legalAuthenticator;              ///< XCN; optional
  std::string uri;  ///< XDM only: the file name next to METADATA.XML ("DOC0001.PDF")
};

/// The association types the gateway submits.
enum class AssociationType {
  kHasMember,  ///< submission set -> document (`…:AssociationType:HasMember`), with its
               ///< SubmissionSetStatus slot
  kSigns,      ///< signature document -> the submission set it signs
               ///< (`urn:ihe:iti:2007:AssociationType:signs`, IHE DSG), no slot
};

/// A rim:Association between two objects of the submission, named by their entryUuid.
struct Association {
  std::string entryUuid;  ///< "urn:uuid:…"
  AssociationType type = AssociationType::kHasMember;
  std::string sourceObject;  ///< entryUuid of the source (HasMember: the submission set)
  std::string targetObject;  ///< entryUuid of the target (HasMember: the document entry)
  std::string submissionSetStatus = "Original";  ///< HasMember's SubmissionSetStatus slot
};

/// One submission: what an ITI-41 request or an XDM METADATA.XML carries.
struct Metadata {
  SubmissionSet submissionSet;
  std::vector<DocumentEntry> documents;
  std::vector<Association> associations;
};

}  // namespace fhirgw::xds
