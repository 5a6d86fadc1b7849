#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

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
  std::optional<std::string> leaseOwner;
  std::optional<common::TimePoint> leaseExpiresAt;
  std::optional<common::TimePoint> firstAttemptAt;
  std::optional<std::string> lastError;
  common::TimePoint createdAt;
  common::TimePoint updatedAt;
};

}  // namespace fhirgw::store
