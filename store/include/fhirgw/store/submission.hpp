#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "fhirgw/store/audit_entry.hpp"
#include "fhirgw/store/delivery.hpp"

namespace fhirgw::store {

/// A new teleconsultation record (its id is Submission::recordId).
struct NewRecord {
  std::optional<std::string> externalId;
  std::string status = "accepted";
  std::string requestHash;
  std::string body;
  std::string outcome;
  std::string practitionerRpps;         ///< the teleconsulting practitioner (TLC-ACTIVITY-CAP)
  int encounterYear = 0;                ///< calendar year of the encounter (TLC-ACTIVITY-CAP)
  bool practitionerIsTreating = false;  ///< excluded from the activity count when true
};

/// A new document of the submission's record.
struct NewDocument {
  std::string id;
  std::optional<std::string> externalId;
  std::string kind;
  std::string requestHash;
  std::string body;
  std::string outcome;
};

/// A FHIR resource produced for the submission's record.
struct NewFhirResource {
  std::optional<std::string> documentId;
  std::string resourceType;
  std::string resourceId;
  int version = 1;
  std::string json;
};

/// A delivery queued by the submission: kPending (due now) or kSkipped (with a reason).
struct NewDelivery {
  std::string id;
  std::optional<std::string> documentId;
  std::string destination;
  std::optional<std::string> connectorId;
  DeliveryStatus status = DeliveryStatus::kPending;
  std::optional<std::string> reason;
  std::optional<std::string> target;  ///< the recipient's own address (see Delivery::target)
};

/// The answer to remember for an `Idempotency-Key`.
struct NewIdempotencyEntry {
  std::string key;
  std::string requestHash;
  int responseStatus = 201;
  std::string responseBody;
  std::chrono::milliseconds ttl = std::chrono::hours(24 * 7);  ///< editor-api.md: >= 7 days
};

/// Everything one accepted request writes, committed in one transaction by
/// Store::commitSubmission: a new record (POST teleconsultations) or documents added to an
/// existing record of the same client (POST .../documents), with resources and deliveries.
struct Submission {
  std::string clientId;
  std::string recordId;             ///< the new record's id, or the existing record's id
  std::optional<NewRecord> record;  ///< present to create the record; absent to add documents
  std::vector<NewDocument> documents;
  std::vector<NewFhirResource> resources;
  std::vector<NewDelivery> deliveries;
  /// Answers to remember, one per key (an externalId and an Idempotency-Key may both apply).
  std::vector<NewIdempotencyEntry> idempotency;
  /// The request's audit entry, appended in the same transaction: it exists exactly when the
  /// submission is stored, with no durable commit of its own.
  std::optional<NewAuditEntry> audit;
};

}  // namespace fhirgw::store
