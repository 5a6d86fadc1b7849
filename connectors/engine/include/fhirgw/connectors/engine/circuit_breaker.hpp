#pragma once

#include <chrono>
#include <mutex>
#include <string_view>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/connectors/delivery_policy.hpp"

namespace fhirgw::connectors {

/// A circuit breaker per connector: after failureThreshold consecutive transient failures it
/// opens (no claims for openDuration), then lets one probe through (half-open): success closes
/// it, failure opens it again for twice as long (up to maxOpenDuration). Thread-safe.
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };
  /// What a worker may do now.
  enum class Permission { kAllowed, kProbe, kRejected };

  explicit CircuitBreaker(CircuitBreakerOptions options);

  /// Asks to send at `now`. kProbe is given to one caller at a time once an open period ended;
  /// that caller must report onSuccess, onTransientFailure or releaseProbe.
  Permission acquire(common::TimePoint now);
  /// A delivery succeeded, or failed permanently (the peer answered): closes the circuit.
  void onSuccess();
  /// A transient failure at `now`.
  void onTransientFailure(common::TimePoint now);
  /// The probe found nothing to send: the next caller may probe.
  void releaseProbe();

  State state(common::TimePoint now) const;
  /// When the current open period ends (meaningful when open).
  common::TimePoint openUntil() const;

 private:
  void open(common::TimePoint now);

  const CircuitBreakerOptions options_;
  mutable std::mutex mutex_;
  State state_ = State::kClosed;
  int consecutiveFailures_ = 0;
  std::chrono::milliseconds currentOpen_;
  common::TimePoint openUntil_{};
  bool probeOut_ = false;
};

/// "closed", "open" or "half-open".
std::string_view circuitStateName(CircuitBreaker::State state);

}  // namespace fhirgw::connectors
