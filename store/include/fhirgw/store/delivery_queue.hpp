#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/store/delivery.hpp"
#include "fhirgw/store/record.hpp"

namespace fhirgw::store {

/// The delivery queue: claims with leases for the delivery engine, and the admin reads and retries.
/// A delivery moves pending -> in-flight (claimed with a lease) -> delivered | failed (due again
/// later) | dead. Only the holder of a claim's leaseId may finish or release it; a claim whose
/// lease expired may be taken by anyone, which records the unfinished attempt as interrupted.
class DeliveryQueue {
 public:
  virtual ~DeliveryQueue() = default;

  /// Claims up to `limit` deliveries of the connector that are due (pending or failed with
  /// nextAttemptAt <= now, or in-flight with an expired lease), in fair order: round-robin
  /// across clients (the client this connector served least recently first), then across the
  /// records of that client the same way, then oldest due first. Each becomes in-flight with
  /// owner, a fresh leaseId and leaseExpiresAt = now + lease; firstAttemptAt is set on the first
  /// claim. All of them share one leaseId (one claim). Returns them as claimed, in that order
  /// (empty when nothing is due). One transaction whatever the limit: claiming many at once
  /// costs one commit.
  virtual common::Result<std::vector<Delivery>> claimDeliveries(const ClaimRequest& request) = 0;
  /// Records the attempt and moves the delivery to its next state in one transaction, clearing
  /// the lease; attempts grows by one. kFailedPrecondition when the lease was lost (expired and
  /// claimed again, or reset): nothing is written. kInvalidArgument for an inconsistent finish.
  virtual common::Status finishAttempt(const FinishedAttempt& finished) = 0;
  /// finishAttempt for many attempts in one durable transaction (one commit for the batch): each
  /// one is checked and written as finishAttempt would, and fails alone (kFailedPrecondition for
  /// a lost lease, kInvalidArgument for an inconsistent finish: nothing written for it) while
  /// the others are written. Returns one status per attempt, in order; an error when the
  /// transaction itself failed, and then nothing of the batch is written. This default, for a
  /// store without batches yet, calls finishAttempt for each (one transaction each).
  virtual common::Result<std::vector<common::Status>> finishAttempts(
      std::span<const FinishedAttempt> finished) {
    std::vector<common::Status> statuses;
    statuses.reserve(finished.size());
    for (const FinishedAttempt& f : finished) statuses.push_back(finishAttempt(f));
    return statuses;
  }
  /// Gives a claim back without an attempt (shutdown before sending, open circuit): pending or
  /// failed again, due at dueAt. kFailedPrecondition when the lease was lost.
  virtual common::Status releaseDelivery(std::string_view deliveryId, std::string_view leaseId,
                                         common::TimePoint dueAt) = 0;
  /// Gives up on a claimed delivery without an attempt (its budget was spent by interrupted
  /// attempts): dead with the reason. kFailedPrecondition when the lease was lost.
  virtual common::Status abandonDelivery(std::string_view deliveryId, std::string_view leaseId,
                                         std::string_view reason) = 0;
  /// Start-up recovery: every in-flight delivery claimed by owner (a previous run of this
  /// instance) or whose lease expired gets an interrupted attempt and becomes failed, due now.
  /// Returns how many.
  virtual common::Result<std::int64_t> recoverInFlightDeliveries(std::string_view owner) = 0;
  /// When the connector next has something to claim: the earliest nextAttemptAt of its pending
  /// and failed deliveries or leaseExpiresAt of its in-flight ones; nullopt when none.
  virtual common::Result<std::optional<common::TimePoint>> nextDeliveryDue(
      std::string_view connectorId) const = 0;
  /// One delivery by id, whoever the client.
  virtual common::Result<Delivery> getDelivery(std::string_view deliveryId) const = 0;
  /// The attempts of a delivery, oldest first (empty for an unknown id).
  virtual common::Result<std::vector<DeliveryAttempt>> listDeliveryAttempts(
      std::string_view deliveryId) const = 0;
  /// Deliveries of every client matching the query (admin API), most recently changed first.
  virtual common::Result<std::vector<Delivery>> queryDeliveries(
      const DeliveryQuery& query) const = 0;
  /// Admin retry of one dead delivery: pending again, due now, with a fresh attempt budget
  /// (attempts and firstAttemptAt reset; the attempt history stays). kNotFound for an unknown
  /// id, kFailedPrecondition when it is not dead, kAborted when retention purged its record's
  /// content (nothing left to deliver).
  virtual common::Status retryDeadDelivery(std::string_view deliveryId) = 0;
  /// retryDeadDelivery for every dead delivery matching the filter (those of a purged record
  /// stay dead); returns how many.
  virtual common::Result<std::int64_t> retryDeadDeliveries(const DeadDeliveryFilter& filter) = 0;
  /// How many dead deliveries retryDeadDeliveries(filter) would take now (the same conditions),
  /// changing nothing: the bulk retry's dry run, so that a confirmation can say how many.
  virtual common::Result<std::int64_t> countRetriableDeadDeliveries(
      const DeadDeliveryFilter& filter) const = 0;
  /// Admin re-route, in one transaction: every delivery of fromConnectorId that is pending,
  /// failed or dead (those of request.statuses; never in-flight, delivered or skipped, nor a
  /// dead one of a record whose content retention purged) and
  /// matches the filters moves to toConnectorId: pending, due now, with a fresh attempt budget
  /// as retryDeadDelivery gives (the attempt history stays). It keeps its id (attempts refer to
  /// it). A delivery whose record already has one for toConnectorId with the same document and
  /// destination stays where it is, uncounted: that instance has the document (or has it
  /// queued), and moving this one would send it twice. Returns how many moved.
  /// kInvalidArgument for an empty id, equal ids, or another status.
  virtual common::Result<std::int64_t> rerouteDeliveries(const RerouteRequest& request) = 0;
  /// Number of deliveries per connector and state (metrics), ordered by connector then state.
  virtual common::Result<std::vector<QueueDepth>> deliveryQueueDepths() const = 0;
  /// When the oldest delivery of the connector still to be delivered (pending, in-flight or
  /// failed) was created; nullopt when none (metrics: the age of the queue's head).
  virtual common::Result<std::optional<common::TimePoint>> oldestQueuedDeliveryAt(
      std::string_view connectorId) const = 0;
  /// The latest version of each FHIR resource of a record, whoever the client (the engine builds
  /// payloads from them), in creation order.
  virtual common::Result<std::vector<FhirResource>> listRecordFhirResources(
      std::string_view recordId) const = 0;
  /// What one delivery's payload can need, latest versions, whoever the client, in creation
  /// order: the record-level resources (no document) and, when documentId is set, that
  /// document's own. Never another document's: the cost of a payload does not grow with the
  /// number of documents of its record (indexed by record and document).
  virtual common::Result<std::vector<FhirResource>> listPayloadFhirResources(
      std::string_view recordId, const std::optional<std::string>& documentId) const = 0;
};

}  // namespace fhirgw::store
