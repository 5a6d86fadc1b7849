#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"

namespace fhirgw::store {

/// Delivery states of connectors.md: pending -> in-flight -> delivered | failed | dead | skipped.
enum class DeliveryStatus { kPending, kInFlight, kDelivered, kFailed, kDead, kSkipped };

/// "pending", "in-flight", "delivered", "failed", "dead" or "skipped".
std::string_view deliveryStatusName(DeliveryStatus status);
/// Parses a deliveryStatusName(); nullopt otherwise.
std::optional<DeliveryStatus> parseDeliveryStatus(std::string_view text);

/// One delivery of a record (or of one of its documents) to one destination, as stored.
struct Delivery {
  std::string id;
  std::string recordId;
  std::optional<std::string> documentId;   ///< empty for the encounter itself
  std::string destination;                 ///< "dmp", "patient", "treating-physician", "encounter"
  std::optional<std::string> connectorId;  ///< empty when skipped before routing to a connector
  DeliveryStatus status = DeliveryStatus::kPending;
  std::optional<std::string> reason;  ///< why skipped or dead (a rule id or a short text)
  std::int64_t attempts = 0;
  std::optional<common::TimePoint> nextAttemptAt;
  std::optional<std::string> leaseOwner;  ///< the gateway instance holding the claim
  std::optional<std::string> leaseId;     ///< unique per claim: only its holder may finish it
  std::optional<common::TimePoint> leaseExpiresAt;
  std::optional<common::TimePoint> firstAttemptAt;
  std::optional<std::string> lastError;
  common::TimePoint createdAt;
  common::TimePoint updatedAt;
  /// The recipient's own address when the connector sends to it (the treating physician's FHIR
  /// endpoint or MSSanté mailbox); empty for connectors with a fixed endpoint.
  std::optional<std::string> target;
};

/// How one delivery attempt ended.
enum class AttemptOutcome {
  kDelivered,    ///< the peer accepted the payload
  kFailed,       ///< the peer or the transport refused it (see the error class)
  kInterrupted,  ///< the attempt never finished: the process stopped or its lease expired
};

/// "delivered", "failed" or "interrupted".
std::string_view attemptOutcomeName(AttemptOutcome outcome);
/// Parses an attemptOutcomeName(); nullopt otherwise.
std::optional<AttemptOutcome> parseAttemptOutcome(std::string_view text);

/// Whether a failure is worth retrying unchanged.
enum class ErrorClass {
  kTransient,  ///< connect errors, timeouts, HTTP 408/429/5xx: retried with backoff
  kPermanent,  ///< HTTP 4xx, refused payloads, bad configuration: straight to dead
};

/// "transient" or "permanent".
std::string_view errorClassName(ErrorClass errorClass);
/// Parses an errorClassName(); nullopt otherwise.
std::optional<ErrorClass> parseErrorClass(std::string_view text);

/// One recorded attempt of a delivery. No health data: ids, classes, statuses, short texts.
struct DeliveryAttempt {
  std::int64_t id = 0;
  std::string deliveryId;
  common::TimePoint at;  ///< when the attempt started
  AttemptOutcome outcome = AttemptOutcome::kDelivered;
  std::optional<ErrorClass> errorClass;
  std::optional<int> httpStatus;
  std::optional<std::string> message;
};

/// Claims due deliveries of one connector for one gateway instance.
struct ClaimRequest {
  std::string connectorId;
  std::string owner;  ///< the claiming instance; stable across its restarts (start-up recovery)
  std::chrono::milliseconds lease{std::chrono::minutes(5)};  ///< must outlast its attempts
  std::size_t limit = 1;
};

/// The end of a claimed attempt: the attempt to record and the delivery's next state.
struct FinishedAttempt {
  std::string deliveryId;
  std::string leaseId;  ///< from the claimed Delivery; a lost lease is refused
  /// kDelivered, kFailed (due again at nextAttemptAt) or kDead (with reason).
  DeliveryStatus next = DeliveryStatus::kDelivered;
  std::optional<common::TimePoint> nextAttemptAt;
  std::optional<std::string> reason;
  common::TimePoint startedAt;
  AttemptOutcome outcome = AttemptOutcome::kDelivered;
  std::optional<ErrorClass> errorClass;
  std::optional<int> httpStatus;
  std::optional<std::string> message;  ///< also kept as the delivery's last error
};

/// Where a page of deliveries resumes: after this (updatedAt, id) in the listing's order, that is
/// with the ones changed before it.
struct DeliveryCursor {
  common::TimePoint updatedAt;
  std::string id;
};

/// Filters of a delivery listing (all optional), most recently changed first: (updatedAt, id)
/// descending, so an operator sees what just happened and pages back in time.
struct DeliveryQuery {
  std::optional<DeliveryStatus> status;
  std::optional<std::string> connectorId;
  std::optional<std::string> recordId;     ///< the deliveries of one record
  std::optional<common::TimePoint> since;  ///< changed (updatedAt) at or after this time
  std::optional<DeliveryCursor> after;     ///< next page: older than this one
  std::size_t limit = 100;                 ///< capped at kMaxDeliveryPage
};

/// The largest page a delivery query returns.
inline constexpr std::size_t kMaxDeliveryPage = 1000;

/// Which dead deliveries a bulk retry takes (all optional; none given means every dead one).
struct DeadDeliveryFilter {
  std::optional<std::string> connectorId;
  std::optional<std::string> recordId;
  std::optional<common::TimePoint> since;  ///< died (updatedAt) at or after this time
};

/// Which queued deliveries of one connector instance an admin re-route moves to another.
struct RerouteRequest {
  std::string fromConnectorId;
  std::string toConnectorId;
  /// A subset of pending, failed and dead; empty means all three.
  std::vector<DeliveryStatus> statuses;
  std::optional<common::TimePoint> since;  ///< created at or after this time
  std::optional<std::string> destination;  ///< as stored: "dmp", "patient", ...
};

/// How many deliveries one connector has in one state (metrics).
struct QueueDepth {
  std::optional<std::string> connectorId;  ///< empty for deliveries skipped before routing
  DeliveryStatus status = DeliveryStatus::kPending;
  std::int64_t count = 0;
};

}  // namespace fhirgw::store
