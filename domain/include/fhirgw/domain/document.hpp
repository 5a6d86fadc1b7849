#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fhirgw/common/code_table.hpp"
#include "fhirgw/domain/decimal.hpp"
#include "fhirgw/domain/field.hpp"
#include "fhirgw/fhir/date.hpp"
#include "fhirgw/fhir/date_time.hpp"

namespace fhirgw::domain {

/// Declared type of an attached content.
enum class ContentType { kPdf, kTextPlain };
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<ContentType, 2> kContentTypeCodes{{{
    {ContentType::kPdf, "application/pdf"},
    {ContentType::kTextPlain, "text/plain"},
}}};
/// Parses a code of kContentTypeCodes.
inline std::optional<ContentType> parseContentType(std::string_view text) {
  return kContentTypeCodes.parse(text);
}
/// The code of a value in kContentTypeCodes.
inline std::string_view code(ContentType v) { return kContentTypeCodes.code(v); }

/// An attached file: declared type and base64 data (DOC-CONTENT checks both).
struct Content {
  Field<ContentType> contentType;
  std::optional<std::string> data;   ///< base64 text as received
  std::optional<std::string> bytes;  ///< decoded data; nullopt when absent or not valid base64
};

/// Confidentiality code (v3 Confidentiality).
enum class Confidentiality { kNormal, kRestricted, kVeryRestricted };
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<Confidentiality, 3> kConfidentialityCodes{{{
    {Confidentiality::kNormal, "N"},
    {Confidentiality::kRestricted, "R"},
    {Confidentiality::kVeryRestricted, "V"},
}}};
/// Parses a code of kConfidentialityCodes.
inline std::optional<Confidentiality> parseConfidentiality(std::string_view text) {
  return kConfidentialityCodes.parse(text);
}
/// The code of a value in kConfidentialityCodes.
inline std::string_view code(Confidentiality v) { return kConfidentialityCodes.code(v); }

/// Requested recipients of a document; an absent key takes the default of the document kind.
struct Recipients {
  std::optional<bool> dmp;
  std::optional<bool> treatingPhysician;
  std::optional<bool> patient;
};

/// Recipients after defaults (editor-api.md "Defaults for recipients").
struct ResolvedRecipients {
  bool dmp = false;
  bool treatingPhysician = false;
  bool patient = false;
  friend bool operator==(const ResolvedRecipients&, const ResolvedRecipients&) = default;
};

/// A consultation report.
struct Report {
  std::optional<std::string> externalId;
  std::string title;
  std::optional<fhir::DateTime> authoredAt;
  std::optional<Content> content;  ///< required: DOC-CONTENT reports its absence
  Confidentiality confidentiality = Confidentiality::kNormal;
  Recipients recipients;
};

/// Coding system of a prescribed medication.
enum class MedicationSystem { kUcd, kCip13, kSms, kText };
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<MedicationSystem, 4> kMedicationSystemCodes{{{
    {MedicationSystem::kUcd, "UCD"},
    {MedicationSystem::kCip13, "CIP13"},
    {MedicationSystem::kSms, "SMS"},
    {MedicationSystem::kText, "text"},
}}};
/// Parses a code of kMedicationSystemCodes.
inline std::optional<MedicationSystem> parseMedicationSystem(std::string_view text) {
  return kMedicationSystemCodes.parse(text);
}
/// The code of a value in kMedicationSystemCodes.
inline std::string_view code(MedicationSystem v) { return kMedicationSystemCodes.code(v); }

/// A prescribed medication (PRESC-ITEMS checks it).
struct Medication {
  Field<MedicationSystem> system;
  std::optional<std::string> code;
  std::optional<std::string> display;
};

/// One line of an e-prescription.
struct PrescriptionItem {
  std::optional<Medication> medication;  ///< PRESC-ITEMS reports its absence
  std::optional<std::string> dosage;     ///< PRESC-ITEMS reports its absence
  std::optional<std::int64_t> durationDays;
  std::optional<Decimal> quantity;
  std::optional<bool> substitutable;
};

/// An e-prescription.
struct Prescription {
  std::optional<std::string> externalId;
  std::optional<fhir::DateTime> authoredAt;
  std::optional<std::string> prescriptionNumber;
  bool itemsPresent = false;  ///< false when `items` was absent (PRESC-ITEMS)
  std::vector<PrescriptionItem> items;
  std::optional<Content> content;  ///< the signed PDF, optional
  Recipients recipients;
};

/// Initial sick leave or prolongation of a leave in progress.
enum class SickLeaveType { kInitial, kProlongation };
/// The editor API codes, in the order messages list them.
inline constexpr common::CodeTable<SickLeaveType, 2> kSickLeaveTypeCodes{{{
    {SickLeaveType::kInitial, "initial"},
    {SickLeaveType::kProlongation, "prolongation"},
}}};
/// Parses a code of kSickLeaveTypeCodes.
inline std::optional<SickLeaveType> parseSickLeaveType(std::string_view text) {
  return kSickLeaveTypeCodes.parse(text);
}
/// The code of a value in kSickLeaveTypeCodes.
inline std::string_view code(SickLeaveType v) { return kSickLeaveTypeCodes.code(v); }

/// The patient's justification that an in-person visit is impossible (AAT-3-DAYS exception).
struct InPersonImpossible {
  std::optional<bool> justified;
  std::optional<std::string> justification;
};

/// A sick-leave notice (avis d'arrêt de travail); dates inclusive.
struct SickLeave {
  std::optional<std::string> externalId;
  Field<SickLeaveType> type;
  Field<fhir::Date> start;
  Field<fhir::Date> end;
  Field<fhir::Date> ongoingLeaveStart;  ///< first day of the leave in progress (prolongation)
  std::optional<bool> partTime;
  std::optional<std::string> reason;
  std::optional<InPersonImpossible> inPersonImpossible;
  /// Why the leave exceeds the duration cap (AAT-DURATION-CAP); blank counts as absent.
  std::optional<std::string> durationJustification;
  Recipients recipients;
};

/// One document of a teleconsultation, selected by the body's `kind`.
using Document = std::variant<Report, Prescription, SickLeave>;

/// "report" | "prescription" | "sick-leave".
std::string_view documentKind(const Document& d);
/// The editor's externalId of a document, if any.
const std::optional<std::string>& documentExternalId(const Document& d);
/// The document's requested recipients.
const Recipients& documentRecipients(const Document& d);

/// Recipients after the defaults of editor-api.md: report -> DMP + treating physician (only when
/// the practitioner is not the treating physician); prescription and sick leave -> DMP + patient.
/// A key given in the body wins over its default.
ResolvedRecipients resolveRecipients(const Document& d, bool practitionerIsTreatingPhysician);

}  // namespace fhirgw::domain
