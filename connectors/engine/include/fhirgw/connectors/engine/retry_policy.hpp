#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/connectors/delivery_policy.hpp"

namespace fhirgw::connectors {

/// The backoff ceiling after `failures` failed attempts (>= 1): initialDelay * multiplier^(n-1),
/// capped at maxDelay.
std::chrono::milliseconds backoffCeiling(const RetryPolicy& policy, std::int64_t failures);

/// What to do after a transient failure.
struct RetryDecision {
  bool giveUp = false;              ///< true: dead, with reason
  const char* reason = nullptr;     ///< "max-attempts" or "max-age" when giving up
  common::TimePoint nextAttemptAt;  ///< when retrying
};

/// Decides after the `attempts`-th attempt (counting this one) failed transiently at `now`:
/// gives up when the attempt limit is reached or the age limit has passed; otherwise waits a
/// full-jitter delay (unit01 * ceiling, unit01 in [0, 1)), at least retryAfter when the peer
/// gave one, never beyond firstAttemptAt + maxAge (the last try happens at that deadline).
RetryDecision decideRetry(const RetryPolicy& policy, std::int64_t attempts,
                          common::TimePoint firstAttemptAt, common::TimePoint now, double unit01,
                          std::optional<std::chrono::seconds> retryAfter);

/// True when a delivery's budget is already spent before an attempt (interrupted attempts count),
/// so it goes to dead without being sent; sets reason.
bool budgetSpent(const RetryPolicy& policy, std::int64_t attemptsSoFar,
                 std::optional<common::TimePoint> firstAttemptAt, common::TimePoint now,
                 const char*& reason);

}  // namespace fhirgw::connectors
