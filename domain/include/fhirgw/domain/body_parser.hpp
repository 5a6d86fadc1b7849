#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "fhirgw/common/json.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/domain/document.hpp"
#include "fhirgw/domain/teleconsultation.hpp"
#include "fhirgw/fhir/operation_outcome.hpp"

namespace fhirgw::domain {

/// Longest texts accepted in the editor's bodies, in bytes of UTF-8 (docs/operations.md, Limits).
/// A longer value is a `too-long` error at its body path.
inline constexpr std::size_t kMaxNameBytes = 200;        ///< family, given names
inline constexpr std::size_t kMaxExternalIdBytes = 200;  ///< externalId (as Idempotency-Key)
inline constexpr std::size_t kMaxCodeBytes = 256;        ///< identifiers, codes, dates, others
inline constexpr std::size_t kMaxMailboxBytes = 256;     ///< mail addresses, telecom
inline constexpr std::size_t kMaxLabelBytes = 1024;      ///< titles, displays, names, addresses
inline constexpr std::size_t kMaxUrlBytes = 2048;        ///< fhirEndpoint
inline constexpr std::size_t kMaxFreeTextBytes = 8192;   ///< dosage, reasons, justifications

/// A parsed editor body: the record, the data issues found while reading it, and the JSON type
/// errors, kept apart because they answer 400 while data issues answer 422 (editor-api.md).
template <typename T>
struct ParseOutcome {
  T record;                             ///< incomplete when typeErrors is not empty
  std::vector<fhir::Issue> issues;      ///< required / value errors, unknown-field warnings
  std::vector<fhir::Issue> typeErrors;  ///< `structure` errors: a value of the wrong JSON type

  /// True when the body has the wrong shape (answer 400, do not run the rules).
  bool malformed() const { return !typeErrors.empty(); }
};

/// Outcome of parsing a teleconsultation body.
using TeleconsultationParse = ParseOutcome<Teleconsultation>;
/// Outcome of parsing one document body.
using DocumentParse = ParseOutcome<Document>;

/// Parses a teleconsultation body, read by common::FieldReader. Paths in issues are relative to
/// the body ("encounter.consent.at", "documents[1].items[0].medication"). Fields a rule checks
/// are left to that rule (rules.md): a missing `dosage` is not reported here but by PRESC-ITEMS.
TeleconsultationParse parseTeleconsultation(const common::Json& body);

/// The same for a parsed request: its tree is copied into a common::Json first (numbers keep
/// their text).
TeleconsultationParse parseTeleconsultation(const common::JsonDocument& body);

/// Parses one document body (a report, prescription or sick-leave notice selected by `kind`).
/// Issue paths are `basePath` + the field path ("documents[2].end"; with an empty basePath, as
/// for POST .../documents, "end").
DocumentParse parseDocument(const common::Json& body, std::string_view basePath = {});

/// The same for a parsed request (copied into a common::Json first).
DocumentParse parseDocument(const common::JsonDocument& body, std::string_view basePath = {});

}  // namespace fhirgw::domain
