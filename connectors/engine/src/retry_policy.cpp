#include "fhirgw/connectors/engine/retry_policy.hpp"

#include <algorithm>
#include <cmath>

namespace fhirgw::connectors {

using std::chrono::milliseconds;

milliseconds backoffCeiling(const RetryPolicy& policy, std::int64_t failures) {
  const double cap = static_cast<double>(policy.maxDelay.count());
  double ceiling = static_cast<double>(policy.initialDelay.count());
  // Multiply step by step and stop at the cap: no overflow however many failures.
  for (std::int64_t i = 1; i < failures && ceiling < cap; ++i) ceiling *= policy.multiplier;
  return milliseconds(static_cast<std::int64_t>(std::min(ceiling, cap)));
}

RetryDecision decideRetry(const RetryPolicy& policy, std::int64_t attempts,
                          common::TimePoint firstAttemptAt, common::TimePoint now, double unit01,
                          std::optional<std::chrono::seconds> retryAfter) {
  RetryDecision d;
  if (policy.maxAttempts && attempts >= *policy.maxAttempts) {
    d.giveUp = true;
    d.reason = "max-attempts";
    return d;
  }
  const common::TimePoint deadline = firstAttemptAt + policy.maxAge;
  if (now >= deadline) {
    d.giveUp = true;
    d.reason = "max-age";
    return d;
  }
  const double u = std::clamp(unit01, 0.0, 1.0);
  milliseconds delay(static_cast<std::int64_t>(
      std::floor(u * static_cast<double>(backoffCeiling(policy, attempts).count()))));
  if (retryAfter) {
    // A peer's Retry-After is bounded by the time left before the deadline, compared in seconds
    // first: a hostile "Retry-After: 9223372036854775807" would overflow in milliseconds.
    const auto left = std::chrono::ceil<std::chrono::seconds>(deadline - now);
    const auto wait = std::clamp(*retryAfter, std::chrono::seconds(0), left);
    delay = std::max(delay, std::chrono::duration_cast<milliseconds>(wait));
  }
  d.nextAttemptAt = std::min(now + delay, deadline);
  return d;
}

bool budgetSpent(const RetryPolicy& policy, std::int64_t attemptsSoFar,
                 std::optional<common::TimePoint> firstAttemptAt, common::TimePoint now,
                 const char*& reason) {
  if (policy.maxAttempts && attemptsSoFar >= *policy.maxAttempts) {
    reason = "max-attempts";
    return true;
  }
  // Past the deadline with at least one attempt made: the last one was at (or after) it.
  if (attemptsSoFar > 0 && firstAttemptAt && now > *firstAttemptAt + policy.maxAge) {
    reason = "max-age";
    return true;
  }
  return false;
}

}  // namespace fhirgw::connectors
