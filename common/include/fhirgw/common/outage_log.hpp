#pragma once

// Which failures of an operation repeated on a timer (a store claim, a connector sync) deserve a
// log line while its peer is down: the first of an outage, then one every `repeat` standing for
// those left out, and its end. A database down for an hour then writes a dozen lines per
// operation instead of one per retry.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>

#include "fhirgw/common/clock.hpp"

namespace fhirgw::common {

/// Thread-safe; success without an outage costs one atomic load.
class OutageLog {
 public:
  explicit OutageLog(const Clock& clock, std::chrono::milliseconds repeat = std::chrono::minutes(5))
      : clock_(clock), repeat_(repeat) {}

  /// A failure. Returns how many failures a line logged now stands for (this one and those left
  /// out since the last line), or 0 when this one is left out.
  std::int64_t failed();
  /// A success. Returns the number of failures of the outage it ends (log that it ended), or 0
  /// when there was none.
  std::int64_t succeeded();

 private:
  const Clock& clock_;
  const std::chrono::milliseconds repeat_;
  std::atomic<bool> down_{false};
  std::mutex mutex_;
  std::int64_t failures_ = 0;  // of the current outage
  std::int64_t unlogged_ = 0;  // failures since the last line
  TimePoint loggedAt_{};
};

}  // namespace fhirgw::common
