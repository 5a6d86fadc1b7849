#pragma once

#include <chrono>
#include <mutex>
#include <string>

namespace fhirgw::common {

using TimePoint = std::chrono::system_clock::time_point;

/// Source of the current time; injected so rules and backoff are testable.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current wall-clock time.
  virtual TimePoint now() const = 0;
};

/// The real system clock.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::system_clock::now(); }
  /// A process-wide instance.
  static const SystemClock& instance();
};

/// A clock that only moves when told to (tests).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint now() const override;
  /// Moves the clock forward by d.
  void advance(std::chrono::milliseconds d);
  /// Sets the clock to t.
  void set(TimePoint t);

 private:
  mutable std::mutex mutex_;
  TimePoint now_;
};

/// Formats t as an RFC 3339 / FHIR instant in UTC with milliseconds ("2026-11-20T08:30:00.000Z").
std::string formatInstantUtc(TimePoint t);

}  // namespace fhirgw::common
