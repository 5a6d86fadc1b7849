#pragma once

#include <chrono>

#include "fhirgw/common/clock.hpp"

namespace fhirgw::testsupport {

/// 2026-03-02T09:00:00Z: a fixed start for store and connector tests, so stored times are
/// predictable.
inline common::TimePoint testStart() {
  return common::TimePoint{std::chrono::milliseconds{1'772'442'000'000}};
}

/// 2026-11-22T12:00:00Z: the in-process gateway's start, after the examples' encounters (20 and
/// 21 November 2026) and with every rule of 2026 in force.
inline common::TimePoint gatewayTestNow() {
  return common::TimePoint{std::chrono::seconds{1'795'348'800}};
}

}  // namespace fhirgw::testsupport
