#pragma once

// Private to the store: the checks of the delivery queue's arguments that do not depend on the
// engine, for the SQLite and PostgreSQL implementations alike.

#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/store/delivery.hpp"

namespace fhirgw::store::detail {

/// A finished attempt that can be written: ids given, a next state of delivered, failed (with its
/// next attempt time) or dead (with a reason) that agrees with the attempt's outcome, no NUL.
inline common::Status checkFinishedAttempt(const FinishedAttempt& f) {
  const auto bad = [](std::string_view what) {
    return common::invalidArgument("finish attempt: " + std::string(what));
  };
  if (f.deliveryId.empty() || f.leaseId.empty()) return bad("delivery id or lease id is empty");
  switch (f.next) {
    case DeliveryStatus::kDelivered:
      if (f.outcome != AttemptOutcome::kDelivered)
        return bad("delivered needs a delivered attempt");
      break;
    case DeliveryStatus::kFailed:
      if (!f.nextAttemptAt) return bad("a failed delivery needs its next attempt time");
      if (f.outcome == AttemptOutcome::kDelivered) return bad("a failed delivery was delivered");
      break;
    case DeliveryStatus::kDead:
      if (!f.reason || f.reason->empty()) return bad("a dead delivery needs a reason");
      if (f.outcome == AttemptOutcome::kDelivered) return bad("a dead delivery was delivered");
      break;
    default:
      return bad("the next state is delivered, failed or dead");
  }
  if (f.message && f.message->find('\0') != std::string::npos)
    return bad("message contains a NUL byte");
  if (f.reason && f.reason->find('\0') != std::string::npos)
    return bad("reason contains a NUL byte");
  return common::Status::ok();
}

// ---- admin retries and re-routes ----------------------------------------------------------------

/// Why a dead delivery whose record was purged is not retried.
inline constexpr std::string_view kContentPurged =
    "the record's content was purged by retention: nothing is left to deliver";

/// The answer to retrying one delivery the retry did not change, given its current state.
inline common::Status notRetried(DeliveryStatus current) {
  if (current == DeliveryStatus::kDead) return common::aborted(std::string(kContentPurged));
  return common::failedPrecondition("delivery is " + std::string(deliveryStatusName(current)) +
                                    ", not dead");
}

/// The states a re-route moves: the request's (pending, failed or dead only), or all three when it
/// names none. kInvalidArgument for an in-flight or delivered state, or from == to.
inline common::Result<std::vector<DeliveryStatus>> rerouteStatuses(const RerouteRequest& request) {
  if (request.fromConnectorId == request.toConnectorId) {
    return common::invalidArgument("reroute: from and to are the same instance");
  }
  std::vector<DeliveryStatus> statuses = request.statuses;
  if (statuses.empty()) {
    statuses = {DeliveryStatus::kPending, DeliveryStatus::kFailed, DeliveryStatus::kDead};
  }
  for (const DeliveryStatus st : statuses) {
    if (st != DeliveryStatus::kPending && st != DeliveryStatus::kFailed &&
        st != DeliveryStatus::kDead) {
      return common::invalidArgument("reroute: only pending, failed or dead deliveries move");
    }
  }
  return statuses;
}

}  // namespace fhirgw::store::detail
