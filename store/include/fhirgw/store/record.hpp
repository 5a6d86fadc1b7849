#pragma once

#include <optional>
#include <string>

#include "fhirgw/common/clock.hpp"

namespace fhirgw::store {

/// A stored teleconsultation record.
struct Record {
  std::string id;
  std::string clientId;
  std::optional<std::string> externalId;  ///< the editor's own id, unique per client
  common::TimePoint createdAt;
  std::string status;       ///< "accepted"
  std::string requestHash;  ///< hex SHA-256 of the canonical request body (replay comparison)
  std::string body;         ///< the request body (JSON)
  std::string outcome;      ///< the OperationOutcome answered (JSON)
  std::string practitionerRpps;
  int encounterYear = 0;
  bool practitionerIsTreating = false;
  /// When retention purged its content (body and outcome empty, documents emptied, FHIR
  /// resources deleted); empty while the content is kept.
  std::optional<common::TimePoint> contentPurgedAt;
};

/// A stored document (report, prescription, sick-leave notice) of a record.
struct Document {
  std::string id;
  std::string recordId;
  std::string clientId;
  std::optional<std::string> externalId;  ///< unique per client among documents
  std::string kind;                       ///< "report" | "prescription" | "sick-leave"
  common::TimePoint createdAt;
  std::string requestHash;
  std::string body;
  std::string outcome;
};

/// A FHIR resource produced for a record, as stored.
struct FhirResource {
  std::string recordId;
  std::optional<std::string> documentId;  ///< the document it was produced for, if any
  std::string resourceType;
  std::string resourceId;
  int version = 1;
  std::string json;
};

}  // namespace fhirgw::store
