#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

#include "fhirgw/common/result.hpp"

namespace fhirgw::store {

/// Request budgets shared by every instance of a store (PostgreSQL), so that a client's rate
/// limit holds for all of them together rather than for each. A budget is a bucket refilled at
/// `perMinute` requests per minute and holding at most one minute's worth (the same as the
/// gateway's in-memory RateLimiter), kept as one theoretical arrival time per client (GCRA).
class SharedRateLimits {
 public:
  virtual ~SharedRateLimits() = default;
  /// Counts one request of the client against perMinute (> 0): nullopt when it may proceed;
  /// otherwise how long until one would (nothing is counted then). Not durable: a crash may
  /// forget the last moments' counts, which only lets a client through a little early.
  virtual common::Result<std::optional<std::chrono::milliseconds>> takeRequest(
      std::string_view clientId, std::int64_t perMinute) = 0;
};

}  // namespace fhirgw::store
