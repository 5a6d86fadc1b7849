#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fhirgw/mappings/date.hpp"
#include "fhirgw/mappings/date_time.hpp"
#include "fhirgw/mappings/decimal.hpp"
#include "fhirgw/mappings/field.hpp"

namespace fhirgw::mappings {

/// Declared type of an attached content.
enum class ContentType { kPdf, kTextPlain };
/// Parses "application/pdf" | "text/plain".
std::optional<ContentType> parseContentType(std::string_view text);
/// The MIME type of a content type.
std::string_view code(ContentType t);

/// An attached file: declared type and base64 data (DOC-CONTENT checks both).
struct Content {
  Field<ContentType> contentType;
  std::optional<std::string> data;   ///< base64 text as received
  std::optional<std::string> bytes;  ///< decoded data; nullopt when absent or not valid base64
};

/// Confidentiality code (v3 Confidentiality).
enum class Confidentiality { kNormal, kRestricted, kVeryRestricted };
/// Parses "N" | "R" | "V".
std::optional<Confidentiality> parseConfidentiality(std::string_view text);
/// "N" | "R" | "V".
std::string_view code(Confidentiality c);

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
  std::optional<DateTime> authoredAt;
  std::optional<Content> content;  ///< required: DOC-CONTENT reports its absence
  Confidentiality confidentiality = Confidentiality::kNormal;
  Recipients recipients;
};

/// Coding system of a prescribed medication.
enum class MedicationSystem { kUcd, kCip13, kSms, kText };
/// Parses "UCD" | "CIP13" | "SMS" | "text".
std::optional<MedicationSystem> parseMedicationSystem(std::string_view text);
/// "UCD" | "CIP13" | "SMS" | "text".
std::string_view code(MedicationSystem s);

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
  std::optional<DateTime> authoredAt;
  std::optional<std::string> prescriptionNumber;
  bool itemsPresent = false;  ///< false when `items` was absent (PRESC-ITEMS)
  std::vector<PrescriptionItem> items;
  std::optional<Content> content;  ///< the signed PDF, optional
  Recipients recipients;
};

/// Initial sick leave or prolongation of a leave in progress.
enum class SickLeaveType { kInitial, kProlongation };
/// Parses "initial" | "prolongation".
std::optional<SickLeaveType> parseSickLeaveType(std::string_view text);
/// "initial" | "prolongation".
std::string_view code(SickLeaveType t);

/// The patient's justification that an in-person visit is impossible (AAT-3-DAYS exception).
struct InPersonImpossible {
  std::optional<bool> justified;
  std::optional<std::string> justification;
};

/// A sick-leave notice (avis d'arrêt de travail); dates inclusive.
struct SickLeave {
  std::optional<std::string> externalId;
  Field<SickLeaveType> type;
  Field<Date> start;
  Field<Date> end;
  Field<Date> ongoingLeaveStart;  ///< first day of the leave in progress (prolongation)
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

}  // namespace fhirgw::mappings
