#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/xds/metadata.hpp"
#include "fhirgw/xds/unique_ids.hpp"

namespace fhirgw::xds {

/// The submission set's default contentTypeCode: `07` "Consultation Soins Externes" of TRE_R209
/// (1.2.250.1.213.2.2), one of the two systems of JDV_J59 (dmp-xds.md §1.5).
Code defaultContentTypeCode();

/// What the builder reads: the FHIR resources a delivery carries and a few plain values, so
/// the module needs nothing of the connectors.
struct SubmissionInput {
  /// The delivery's stored FHIR resources, one JSON text each: the DocumentReference(s) with
  /// their Binary (or inline attachment data), the Patient with its INS, the author's
  /// Practitioner (IDNPS) and PractitionerRole, the Organization, the Encounter.
  std::vector<std::string_view> resourcesJson;
  std::string deliveryId;  ///< seeds the submission set's ids: a retry resends the same ones
  std::string sourceId;    ///< OID of the sending system (configuration)
  std::string uniqueIdRoot = std::string(kDefaultUniqueIdRoot);  ///< root of derived uniqueIds
  common::TimePoint submissionTime;  ///< e.g. when the delivery was queued
  /// MSSanté addresses written as intendedRecipient (XDM only); never logged (a patient mailbox
  /// holds the INS).
  std::vector<std::string> intendedRecipients;
  Code contentTypeCode = defaultContentTypeCode();
  /// True (the DMP): a Patient without INS is refused. False (secure messaging to a
  /// professional): such a patient is identified by the gateway's own id under `sourceId`
  /// (`<id>^^^&<sourceId>&ISO^PI`).
  bool requireIns = true;
  /// True (the DMP; an MSSanté message may want it too): every document is sent as its CDA R2
  /// N1 (cda_builder.hpp): the bytes are the ClinicalDocument, mimeType `text/xml`, typeCode,
  /// classCode, title, eventCodeList and formatCode (`urn:ihe:iti:xds-sd:pdf:2008` / `…:text:2008`)
  /// from its header, hash and size over those bytes. False: the documents as delivered.
  bool cda = false;
};

/// Which CDA a DocumentReference becomes: chosen from its type (and class) code.
enum class CdaKind {
  kTeleconsultationReport,  ///< class 10: TLM-CR_2022.01, LOINC 85208-7
  kPrescription,            ///< LOINC 57833-6, class 42
  kSickLeave,               ///< TRE_A05 PRESC-AAT, class 42 (opt-in: the caller decides)
};

/// The metadata and the bytes of each document, in the order of metadata.documents.
struct Submission {
  Metadata metadata;
  std::vector<std::string> documents;
  bool patientIdIsIns = false;    ///< the patientId is the patient's INS (else a local id)
  std::vector<CdaKind> cdaKinds;  ///< with SubmissionInput::cda: each document's kind, in order
};

/// Builds the XDS metadata of every DocumentReference among the resources (docs/xds.md has the
/// field-by-field mapping): hash and size computed over the document bytes, uniqueIds derived
/// from the delivery id (submission set) and from the document's masterIdentifier (document),
/// so a retry gives the same ones. kInvalidArgument naming what is missing or wrong: no
/// DocumentReference, a resource that is not JSON, no Patient with an INS (with requireIns), an
/// author without IDNPS, an attachment with no data or whose data does not match its size or hash,
/// a code whose system has no OID, a date that cannot be read; with `cda`, what
/// buildClinicalDocuments refuses.
common::Result<Submission> buildSubmission(const SubmissionInput& input);

}  // namespace fhirgw::xds
