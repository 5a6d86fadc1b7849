#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/store/delivery.hpp"
#include "fhirgw/store/idempotency_entry.hpp"
#include "fhirgw/store/record.hpp"
#include "fhirgw/store/submission.hpp"

namespace fhirgw::store {

/// Accepted submissions: records, documents, their FHIR resources and deliveries, and idempotency
/// answers, written in one transaction and read back per client.
class RecordStore {
 public:
  virtual ~RecordStore() = default;

  /// Writes the submission, with its audit entry when it has one, in one durable transaction,
  /// all or nothing, before returning ok.
  /// kAlreadyExists when the record or document external id, or the idempotency key, is already
  /// used by this client (the caller looks the first one up and replays or answers 409);
  /// kNotFound when adding documents to a record this client does not have; kInvalidArgument
  /// for an ill-formed submission.
  virtual common::Status commitSubmission(const Submission& submission) = 0;
  /// A record of this client.
  virtual common::Result<Record> getRecord(std::string_view clientId,
                                           std::string_view recordId) const = 0;
  /// A record by id, whoever the client (the admin API; editors go through getRecord).
  virtual common::Result<Record> getRecordOfAnyClient(std::string_view recordId) const = 0;
  /// A record of this client by the client's own external id.
  virtual common::Result<Record> findRecordByExternalId(std::string_view clientId,
                                                        std::string_view externalId) const = 0;
  /// The documents of a record of this client, in creation order (kNotFound for the record).
  virtual common::Result<std::vector<Document>> listDocuments(std::string_view clientId,
                                                              std::string_view recordId) const = 0;
  /// A document of this client by the client's own external id.
  virtual common::Result<Document> findDocumentByExternalId(std::string_view clientId,
                                                            std::string_view externalId) const = 0;
  /// The FHIR resources of a record of this client (kNotFound for the record).
  virtual common::Result<std::vector<FhirResource>> listFhirResources(
      std::string_view clientId, std::string_view recordId) const = 0;
  /// The deliveries of a record of this client, in creation order (kNotFound for the record).
  virtual common::Result<std::vector<Delivery>> listDeliveries(std::string_view clientId,
                                                               std::string_view recordId) const = 0;
  /// The remembered answer for an `Idempotency-Key`; kNotFound when absent or expired.
  virtual common::Result<IdempotencyEntry> findIdempotencyEntry(std::string_view clientId,
                                                                std::string_view key) const = 0;
};

}  // namespace fhirgw::store
