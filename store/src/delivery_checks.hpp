#pragma once

// Private to the store: the checks of the delivery queue's arguments that do not depend on the
// engine, for the SQLite and PostgreSQL implementations alike.

#include <string>
#include <string_view>

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

}  // namespace fhirgw::store::detail
