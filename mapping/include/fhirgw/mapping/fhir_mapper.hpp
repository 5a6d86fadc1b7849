#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/domain/document.hpp"
#include "fhirgw/domain/teleconsultation.hpp"
#include "fhirgw/fhir/issues.hpp"
#include "fhirgw/fhir/operation_outcome.hpp"
#include "fhirgw/fhir/validator.hpp"

namespace fhirgw::mapping {

/// Who and what a mapping is for; the ids make the FHIR ids deterministic (a replay of the same
/// record gives the same resources).
struct MappingContext {
  std::string clientId;          ///< the API client (editor) that posted the record
  std::string recordId;          ///< the gateway's id of the teleconsultation
  common::TimePoint receivedAt;  ///< when the gateway accepted the body (Provenance.recorded)
  std::vector<std::string> documentIds;  ///< mapTeleconsultation: the gateway's id of each embedded
                                         ///< document, in body order
};

/// What the mapper needs from the rules, as a value: the caller (the gateway) builds it from the
/// rule engine's outcome, so the mapper does not know the rules.
struct MappingFlags {
  /// The rules refused the record (an error issue): mapping it is the caller's mistake.
  bool rulesFailed = false;
  /// The rules judged the INS usable: the Patient carries it, with the INS profile.
  bool insQualified = false;
  /// A reimbursement rule fired as a warning: the ChargeItem is flagged not reimbursable.
  bool notReimbursable = false;
  /// The reimbursement rules that fired as warnings (ids), named as the flag's reasons.
  std::vector<std::string> notReimbursableReasons;
};

/// One FHIR R4 resource produced by a mapping, already validated.
struct MappedResource {
  std::string resourceType;                  ///< "Patient", "DocumentReference", ...
  std::string id;                            ///< Resource.id (a deterministic UUID)
  std::optional<std::size_t> documentIndex;  ///< index of the source document in the body
  std::optional<std::string> documentId;     ///< the gateway's id of the source document
  std::string json;  ///< compact JSON; FHIR decimals are JSON numbers with their digits (25.00)

  /// "Type/id", the relative reference other resources use.
  std::string reference() const { return resourceType + "/" + id; }
};

/// The resources of one mapping, in a stable order (Patient first, Provenance and AuditEvent last).
struct MappedRecord {
  std::vector<MappedResource> resources;
  /// Warnings and information from the validator (errors make the mapping fail instead).
  std::vector<fhir::Issue> validationIssues;
};

/// How a Bundle presents its entries.
struct BundleOptions {
  /// Bundle.id; empty: none.
  std::string id;
  /// Absolute base of the gateway's FHIR URLs ("https://gw.example.fr/fhir"): fullUrl is
  /// base/Type/id and the relative references resolve against it. Empty: fullUrl is
  /// urn:uuid:<id> and references to entries are rewritten to that form (dry runs, no server).
  std::string fullUrlBase;
  /// Bundle.timestamp; none: absent.
  std::optional<common::TimePoint> timestamp;
};

/// Tunables fixed at set-up.
struct FhirMapperOptions {
  /// LOINC type of a consultation report: 11488-4 (consult note) or 85208-7 (telehealth note).
  std::string reportLoincCode = "11488-4";
  /// Display of reportLoincCode.
  std::string reportLoincDisplay = "Consult note";
};

/// Maps accepted records to FHIR R4 resources (docs/fhir-mapping.md) and validates every one with
/// the gateway's validator (base R4 + FR Core checks). Immutable after construction; safe to share
/// between request threads.
class FhirMapper {
 public:
  /// Validates with the process's one validator (fhir::makeFrCoreValidator), built where the
  /// program is composed and shared with the connectors; it must outlive the mapper.
  explicit FhirMapper(const fhir::Validator& validator, FhirMapperOptions options = {});
  ~FhirMapper();
  FhirMapper(FhirMapper&&) noexcept;
  FhirMapper& operator=(FhirMapper&&) noexcept;

  /// The resources of a teleconsultation and its embedded documents. `flags` come from the rule
  /// engine's outcome (insQualified chooses the Patient profile, notReimbursable flags the
  /// ChargeItem). Errors: kFailedPrecondition when the rules failed or a field the rules guarantee
  /// is missing (the record was not accepted); kInvalidArgument when documentIds does not match the
  /// documents; kInternal when a produced resource fails validation (a mapping bug: answer 500),
  /// its errors appended to `validationErrors`.
  common::Result<MappedRecord> mapTeleconsultation(const domain::Teleconsultation& teleconsultation,
                                                   const MappingFlags& flags,
                                                   const MappingContext& context,
                                                   fhir::IssueSink& validationErrors) const;
  /// mapTeleconsultation() for a caller that needs only the status.
  common::Result<MappedRecord> mapTeleconsultation(const domain::Teleconsultation& teleconsultation,
                                                   const MappingFlags& flags,
                                                   const MappingContext& context) const;

  /// The resources of a document added later (POST .../documents) to a stored record: its
  /// references to the record's Patient, Encounter, Practitioner and Organization use the same
  /// deterministic ids as mapTeleconsultation with the same clientId and recordId.
  /// `context.receivedAt` is when the document was accepted; context.documentIds is not used.
  /// `documentIndex` is the document's position among all the record's documents.
  common::Result<MappedRecord> mapDocument(const domain::Teleconsultation& record,
                                           const domain::Document& document,
                                           std::string_view documentId, std::size_t documentIndex,
                                           const MappingContext& context,
                                           fhir::IssueSink& validationErrors) const;
  /// mapDocument() for a caller that needs only the status.
  common::Result<MappedRecord> mapDocument(const domain::Teleconsultation& record,
                                           const domain::Document& document,
                                           std::string_view documentId, std::size_t documentIndex,
                                           const MappingContext& context) const;

  /// The validator the mapper uses (also fit for POST /fhir/$validate).
  const fhir::Validator& validator() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A Bundle of type `collection` holding the resources (GET .../fhir, $validate dry runs),
/// serialised with FHIR decimals as JSON numbers. kInvalidArgument when a resource's JSON is not
/// an object.
common::Result<std::string> makeBundle(std::span<const MappedResource> resources,
                                       const BundleOptions& options);
/// makeBundle() as a tree, for an answer that embeds the bundle ($validate).
common::Result<common::Json> makeBundleJson(std::span<const MappedResource> resources,
                                            const BundleOptions& options);

/// A resource type the mapping produces and the profile it claims ("" for base R4 only).
struct ProducedType {
  std::string_view resourceType;
  std::string_view profile;
};

/// Every resource type the mapping can produce, with its claimed profile (CapabilityStatement).
std::span<const ProducedType> producedTypes();

/// The deterministic id to give the Bundle of a record (BundleOptions::id).
std::string fhirBundleId(std::string_view clientId, std::string_view recordId);

}  // namespace fhirgw::mapping
