#include "fhirgw/gateway/housekeeper.hpp"

#include <algorithm>
#include <utility>

#include "fhirgw/common/log.hpp"
#include "fhirgw/common/status.hpp"

namespace fhirgw::gateway {

using common::Log;
using Clock = std::chrono::steady_clock;

Housekeeper::Housekeeper(std::vector<HousekeepingTask> tasks, HousekeeperOptions options,
                         Observer observer)
    : tasks_(std::move(tasks)), options_(options), observer_(std::move(observer)) {
  options_.batchSize = std::max<std::size_t>(options_.batchSize, 1);
}

Housekeeper::~Housekeeper() { stop(); }

void Housekeeper::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

void Housekeeper::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

bool Housekeeper::stopRequested() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

common::Result<std::int64_t> Housekeeper::runTask(const HousekeepingTask& task) {
  const auto started = Clock::now();
  std::int64_t count = 0;
  std::int64_t batches = 0;
  common::Status failure;
  for (;;) {
    common::Result<std::int64_t> batch = task.batch(options_.batchSize);
    ++batches;
    if (!batch) {
      failure = batch.error();
      break;
    }
    count += *batch;
    if (*batch < static_cast<std::int64_t>(options_.batchSize)) break;
    // A full batch: more may be due. Pause so that the writer is free for submissions.
    std::unique_lock lock(mutex_);
    if (wake_.wait_for(lock, options_.batchPause, [this] { return stopping_; })) break;
  }
  const auto durationUs = static_cast<std::int64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count());
  if (observer_ && count > 0) observer_(task.name, count);
  if (!failure.isOk()) {
    // Store messages name the operation and the database error, never a key or a body.
    Log::warning("gateway.retention-purge-failed",
                 {{"task", task.name},
                  {"count", count},
                  {"code", common::statusCodeName(failure.code())},
                  {"reason", failure.message()},
                  {"durationUs", durationUs}});
    return failure;
  }
  // A quiet run is routine: worth a line only at debug level.
  Log::write(
      count > 0 ? common::LogLevel::kInfo : common::LogLevel::kDebug, "gateway.retention-purged",
      {{"task", task.name}, {"count", count}, {"batches", batches}, {"durationUs", durationUs}});
  return count;
}

void Housekeeper::finishPass() {
  {
    std::lock_guard lock(mutex_);
    ++passes_;
  }
  passDone_.notify_all();
}

common::Result<std::int64_t> Housekeeper::runOnce() {
  std::int64_t total = 0;
  common::Status first;
  for (const HousekeepingTask& task : tasks_) {
    common::Result<std::int64_t> done = runTask(task);
    if (done) {
      total += *done;
    } else if (first.isOk()) {
      first = done.error();
    }
  }
  finishPass();
  if (!first.isOk()) return first;
  return total;
}

std::int64_t Housekeeper::passes() const {
  std::lock_guard lock(mutex_);
  return passes_;
}

bool Housekeeper::awaitPasses(std::int64_t n, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return passDone_.wait_for(lock, timeout, [&] { return passes_ >= n; });
}

void Housekeeper::loop() {
  // Every task is due at start, then every its own interval after its run began.
  std::vector<Clock::time_point> due(tasks_.size(), Clock::now());
  while (!stopRequested()) {
    for (std::size_t i = 0; i < tasks_.size() && !stopRequested(); ++i) {
      const auto now = Clock::now();
      if (due[i] > now) continue;
      due[i] = now + tasks_[i].interval;
      (void)runTask(tasks_[i]);  // logged there; the next run retries
    }
    finishPass();
    const auto next = tasks_.empty() ? Clock::now() + std::chrono::hours(1)
                                     : *std::min_element(due.begin(), due.end());
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, next, [this] { return stopping_; });
  }
}

std::vector<HousekeepingTask> retentionTasks(store::RetentionStore& store,
                                             const RetentionConfig& retention,
                                             std::chrono::milliseconds idempotencyInterval,
                                             const common::Clock& clock) {
  std::vector<HousekeepingTask> tasks;
  tasks.push_back(
      {"idempotency",
       [&store](std::size_t limit) { return store.purgeExpiredIdempotencyEntries(limit); },
       idempotencyInterval});
  using Purge =
      common::Result<std::int64_t> (store::RetentionStore::*)(common::TimePoint, std::size_t);
  const auto add = [&](std::string name, std::chrono::milliseconds period, Purge purge) {
    if (period.count() == 0) return;  // kept for ever
    tasks.push_back({std::move(name),
                     [&store, &clock, period, purge](std::size_t limit) {
                       return (store.*purge)(clock.now() - period, limit);
                     },
                     retention.interval});
  };
  add("content", retention.contentPeriod, &store::RetentionStore::purgeRecordContent);
  add("records", retention.metadataPeriod, &store::RetentionStore::deleteRecords);
  add("audit", retention.auditPeriod, &store::RetentionStore::deleteAuditEntries);
  return tasks;
}

}  // namespace fhirgw::gateway
