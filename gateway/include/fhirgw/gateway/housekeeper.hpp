#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "fhirgw/common/result.hpp"

namespace fhirgw::gateway {

/// Periodic store maintenance: removes expired idempotency entries, so the table holds at most
/// about one TTL's worth of keys instead of growing for ever. One thread; a pass runs at start
/// and then every interval. A failed pass is logged and retried at the next interval: expired
/// entries are already invisible to lookups, so a late purge costs disk space, never correctness.
class Housekeeper {
 public:
  /// Deletes expired entries and returns how many (Store::purgeExpiredIdempotencyEntries).
  using Purge = std::function<common::Result<std::int64_t>()>;

  Housekeeper(Purge purge, std::chrono::milliseconds interval);
  ~Housekeeper();
  Housekeeper(const Housekeeper&) = delete;
  Housekeeper& operator=(const Housekeeper&) = delete;

  /// Starts the thread (no-op when already running).
  void start();
  /// Stops the thread, waiting for a pass in progress to end (no-op when stopped).
  void stop();
  /// Runs one pass on the caller's thread and logs its outcome.
  common::Result<std::int64_t> runOnce();
  /// Passes finished since construction, successful or not.
  std::int64_t passes() const;
  /// Waits until at least n passes have finished; false on timeout (tests and shutdown checks).
  bool awaitPasses(std::int64_t n, std::chrono::milliseconds timeout) const;

 private:
  void loop();

  Purge purge_;
  std::chrono::milliseconds interval_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;              // stop requests
  mutable std::condition_variable passDone_;  // finished passes
  bool stopping_ = false;
  std::int64_t passes_ = 0;
  std::thread thread_;
};

}  // namespace fhirgw::gateway
