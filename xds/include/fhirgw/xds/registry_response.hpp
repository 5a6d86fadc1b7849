#pragma once

// The answer to an ITI-41 Provide and Register: an rs:RegistryResponse (IHE ITI TF-3 §4.2.4)
// or a SOAP 1.2 Fault, in a plain SOAP message or an MTOM/XOP multipart one, and what the
// connector does with it (docs/xds.md has the table and its sources).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/xds/metadata.hpp"

namespace fhirgw::xds {

/// rs:RegistryResponse/@status.
enum class RegistryStatus {
  kSuccess,         ///< urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Success
  kPartialSuccess,  ///< urn:ihe:iti:2007:ResponseStatusType:PartialSuccess
  kFailure,         ///< urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure
};

/// rs:RegistryError/@severity (Error when absent, as rs.xsd defaults it).
enum class ErrorSeverity { kError, kWarning };

/// One rs:RegistryError. codeContext and location are the peer's free text and may name the
/// patient: never log them.
struct RegistryError {
  std::string errorCode;  ///< e.g. "XDSRegistryMetadataError"
  std::string codeContext;
  std::string location;
  ErrorSeverity severity = ErrorSeverity::kError;
};

/// A SOAP 1.2 Fault. The reason is the peer's free text: never log it.
struct SoapFault {
  /// Code/Value: "Sender", "Receiver", "MustUnderstand", "VersionMismatch",
  /// "DataEncodingUnknown" when it is a SOAP envelope QName, else the value as written.
  std::string code;
  std::vector<std::string> subcodes;  ///< Subcode/Value texts, outermost first, as written
  std::string reason;                 ///< the first Reason/Text
};

/// What an ITI-41 answer says.
struct Iti41Response {
  std::optional<SoapFault> fault;  ///< set for a SOAP Fault (then no status or errors)
  RegistryStatus status = RegistryStatus::kFailure;
  std::vector<RegistryError> errors;  ///< the RegistryErrorList, in order
  std::string action;                 ///< wsa:Action, when the header has one
  std::string relatesTo;              ///< wsa:RelatesTo, when the header has one
};

/// The largest answer read (an error list is small; anything bigger is not a registry's).
inline constexpr std::size_t kMaxIti41ResponseBytes = std::size_t{4} * 1024 * 1024;

/// Reads an ITI-41 answer: `application/soap+xml`, or `multipart/related` whose root part (the
/// `start` Content-ID, else the first part) is `application/xop+xml` or `application/soap+xml`,
/// holding a SOAP 1.2 Envelope whose Body is an rs:RegistryResponse or a soap:Fault.
/// kInvalidArgument for anything else: another content type, a broken multipart, XML that is not
/// well-formed, has a DTD or is larger than kMaxIti41ResponseBytes, an unknown status. Safe on
/// hostile input: no network, no entities, bounded size and depth.
common::Result<Iti41Response> parseIti41Response(std::string_view contentType,
                                                 std::string_view body);

/// What the connector does with an answer.
enum class Iti41Outcome {
  kDelivered,              ///< Success without any RegistryError
  kDeliveredWithWarnings,  ///< Success with warnings, or PartialSuccess: record the codes
  kAlreadyRegistered,      ///< only XDSDuplicateUniqueIdInRegistry naming our own uniqueIds: an
                           ///< earlier attempt was registered (its answer lost): delivered
  kTransient,              ///< retry (busy, out of resources, registry unreachable, Receiver)
  kPermanent,              ///< dead: retrying the same request cannot succeed
  kUnknown,                ///< a code this table does not know: retry a bounded number of
                           ///< times (the connector's bound), then dead with the code recorded
};

/// The outcome and why, for logs: error and fault codes only, never a peer's free text.
struct Iti41Classification {
  Iti41Outcome outcome = Iti41Outcome::kUnknown;
  std::string
      reason;  ///< e.g. "Failure: XDSRegistryBusy", "SOAP fault Sender/wsse:InvalidSecurity"
};

/// Stable lower-case name of an outcome ("delivered", "already-registered"…).
std::string_view iti41OutcomeName(Iti41Outcome outcome);

/// The uniqueIds a submission registers (submission set, then each document, the signature
/// included): what classifyIti41Response recognises as ours in a duplicate error.
std::vector<std::string> submittedUniqueIds(const Metadata& metadata);

/// The retry table of docs/xds.md (IHE ITI TF-3 Table 4.2.4.1-2 error codes). A Failure is
/// judged on its Error-severity entries: any permanent code makes it permanent, else any unknown
/// code unknown, else any transient code transient; XDSDuplicateUniqueIdInRegistry whose
/// codeContext or location names one of `ownUniqueIds` counts as already registered, and a
/// Failure made only of those is kAlreadyRegistered; one naming none of them is permanent.
Iti41Classification classifyIti41Response(const Iti41Response& response,
                                          const std::vector<std::string>& ownUniqueIds);

}  // namespace fhirgw::xds
