#include "fhirgw/connectors/engine/circuit_breaker.hpp"

#include <algorithm>

#include "fhirgw/common/code_table.hpp"

namespace fhirgw::connectors {
namespace {

constexpr common::CodeTable<CircuitBreaker::State, 3> kStateNames{{{
    {CircuitBreaker::State::kClosed, "closed"},
    {CircuitBreaker::State::kOpen, "open"},
    {CircuitBreaker::State::kHalfOpen, "half-open"},
}}};

}  // namespace

CircuitBreaker::CircuitBreaker(CircuitBreakerOptions options)
    : options_(options), currentOpen_(options.openDuration) {}

CircuitBreaker::Permission CircuitBreaker::acquire(common::TimePoint now) {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case State::kClosed:
      return Permission::kAllowed;
    case State::kOpen:
      if (now < openUntil_) return Permission::kRejected;
      state_ = State::kHalfOpen;
      probeOut_ = true;
      return Permission::kProbe;
    case State::kHalfOpen:
      if (probeOut_) return Permission::kRejected;
      probeOut_ = true;
      return Permission::kProbe;
  }
  return Permission::kRejected;
}

void CircuitBreaker::onSuccess() {
  std::lock_guard lock(mutex_);
  state_ = State::kClosed;
  consecutiveFailures_ = 0;
  currentOpen_ = options_.openDuration;
  probeOut_ = false;
}

void CircuitBreaker::onTransientFailure(common::TimePoint now) {
  std::lock_guard lock(mutex_);
  if (state_ == State::kHalfOpen) {
    // The probe failed: pause longer before the next one.
    currentOpen_ = std::min(currentOpen_ * 2, options_.maxOpenDuration);
    open(now);
    return;
  }
  if (state_ == State::kOpen) return;  // a worker that started before the circuit opened
  if (++consecutiveFailures_ >= options_.failureThreshold) open(now);
}

void CircuitBreaker::releaseProbe() {
  std::lock_guard lock(mutex_);
  probeOut_ = false;
}

CircuitBreaker::State CircuitBreaker::state(common::TimePoint now) const {
  std::lock_guard lock(mutex_);
  if (state_ == State::kOpen && now >= openUntil_) return State::kHalfOpen;
  return state_;
}

common::TimePoint CircuitBreaker::openUntil() const {
  std::lock_guard lock(mutex_);
  return openUntil_;
}

void CircuitBreaker::open(common::TimePoint now) {
  state_ = State::kOpen;
  openUntil_ = now + currentOpen_;
  probeOut_ = false;
  consecutiveFailures_ = 0;
}

std::string_view circuitStateName(CircuitBreaker::State state) { return kStateNames.code(state); }

}  // namespace fhirgw::connectors
