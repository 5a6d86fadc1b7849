#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/gateway/config.hpp"
#include "fhirgw/store/retention_store.hpp"

namespace fhirgw::gateway {

/// One kind of store maintenance: a batch function the housekeeper calls until a batch comes
/// back with fewer than the batch size (RetentionStore calls).
struct HousekeepingTask {
  std::string name;  ///< "idempotency", "content", "records", "audit": the log's and metric's task
  /// Handles at most `limit` rows in one short write transaction and returns how many.
  std::function<common::Result<std::int64_t>(std::size_t limit)> batch;
  std::chrono::milliseconds interval{std::chrono::minutes(10)};  ///< between two runs of the task
};

/// How the housekeeper paces its batches.
struct HousekeeperOptions {
  std::size_t batchSize = 500;                ///< rows per write transaction
  std::chrono::milliseconds batchPause{100};  ///< between two batches of a task
};

/// Periodic store maintenance (retention, docs/operations.md): one thread runs each task at start
/// and then every task interval, in batches of batchSize with batchPause between two, so that
/// submissions are stored between batches and never wait for more than one. A failed batch ends
/// its task's run (logged); the next run retries: what is left costs disk space, never
/// correctness (expired entries are invisible, purged records already answer as purged).
class Housekeeper {
 public:
  /// Called after each task's run with how many rows it handled (metrics).
  using Observer = std::function<void(std::string_view task, std::int64_t count)>;

  Housekeeper(std::vector<HousekeepingTask> tasks, HousekeeperOptions options,
              Observer observer = {});
  ~Housekeeper();
  Housekeeper(const Housekeeper&) = delete;
  Housekeeper& operator=(const Housekeeper&) = delete;

  /// Starts the thread (no-op when already running).
  void start();
  /// Stops the thread, waiting for the batch in progress to end (no-op when stopped).
  void stop();
  /// Runs every task once on the caller's thread and logs each; returns the rows handled in all,
  /// or the first failure (the other tasks still run).
  common::Result<std::int64_t> runOnce();
  /// Passes finished since construction (a pass runs the tasks that are due), failed or not.
  std::int64_t passes() const;
  /// Waits until at least n passes have finished; false on timeout (tests and shutdown checks).
  bool awaitPasses(std::int64_t n, std::chrono::milliseconds timeout) const;

 private:
  void loop();
  common::Result<std::int64_t> runTask(const HousekeepingTask& task);
  bool stopRequested() const;
  void finishPass();

  std::vector<HousekeepingTask> tasks_;
  HousekeeperOptions options_;
  Observer observer_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;              // stop requests
  mutable std::condition_variable passDone_;  // finished passes
  bool stopping_ = false;
  std::int64_t passes_ = 0;
  std::thread thread_;
};

/// The retention tasks of the configuration, in this order: idempotency (every
/// idempotencyInterval), content, records, audit (every retention.interval), each of the last
/// three only when its period is not 0 (kept for ever). Cutoffs are `clock.now() - period` at each
/// batch. The store and the clock must outlive the tasks.
std::vector<HousekeepingTask> retentionTasks(
    store::RetentionStore& store, const RetentionConfig& retention,
    std::chrono::milliseconds idempotencyInterval,
    const common::Clock& clock = common::SystemClock::instance());

}  // namespace fhirgw::gateway
