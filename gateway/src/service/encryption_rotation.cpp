#include "fhirgw/gateway/service/encryption_rotation.hpp"

#include "fhirgw/common/log.hpp"

namespace fhirgw::gateway {

using common::Log;

namespace {

// A busy store (ingest holding the write lock past busyTimeout) is waited out this many times
// in a row before the pass gives up.
constexpr int kMaxBusyRetries = 20;

std::int64_t microsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

}  // namespace

EncryptionRotation::EncryptionRotation(store::StorageEncryption& store, const common::KeyRing* ring,
                                       Options options, const common::Clock& clock)
    : store_(store), ring_(ring), options_(options), clock_(clock) {}

EncryptionRotation::~EncryptionRotation() { stop(); }

std::string_view EncryptionRotation::stateName(State state) {
  switch (state) {
    case State::kIdle:
      return "idle";
    case State::kRunning:
      return "running";
    case State::kDone:
      return "done";
    case State::kFailed:
      return "failed";
  }
  return "idle";
}

common::Status EncryptionRotation::start() {
  if (ring_ == nullptr) {
    return common::failedPrecondition(
        "storage encryption is off: configure storage.encryption.keyFile or keyVariable first");
  }
  std::lock_guard lock(mutex_);
  if (progress_.state == State::kRunning) {
    return common::Status(common::StatusCode::kAborted, "a key rotation is already running");
  }
  if (thread_.joinable()) thread_.join();  // the last pass's thread, finished
  stopping_ = false;
  progress_ = Progress{};
  progress_.state = State::kRunning;
  progress_.startedAt = clock_.now();
  thread_ = std::thread([this] { run(); });
  return common::Status::ok();
}

void EncryptionRotation::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

EncryptionRotation::Progress EncryptionRotation::progress() const {
  std::lock_guard lock(mutex_);
  return progress_;
}

bool EncryptionRotation::awaitIdle(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return progress_.state != State::kRunning; });
}

void EncryptionRotation::run() {
  const auto started = std::chrono::steady_clock::now();
  Log::info("gateway.rotation-started",
            {{"keyId", std::string(ring_->activeKeyId())},
             {"batchSize", static_cast<std::int64_t>(options_.batchSize)}});
  store::ResealCursor cursor;
  common::Status failure;
  int busy = 0;
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) {
        failure = common::Status(common::StatusCode::kAborted, "stopped with the gateway");
        break;
      }
    }
    auto batch = store_.resealBatch(cursor, options_.batchSize);
    if (!batch) {
      if (batch.error().code() == common::StatusCode::kUnavailable && ++busy <= kMaxBusyRetries) {
        std::unique_lock lock(mutex_);
        changed_.wait_for(lock, options_.pause * 10, [this] { return stopping_; });
        continue;
      }
      failure = batch.error();
      break;
    }
    busy = 0;
    {
      std::lock_guard lock(mutex_);
      progress_.resealed += batch->resealed;
      progress_.unopened += batch->unopened;
      progress_.batches += 1;
      if (batch->unopened > 0 && progress_.reason.empty()) progress_.reason = batch->firstProblem;
    }
    if (batch->done) break;
    cursor = batch->next;
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, options_.pause, [this] { return stopping_; });
  }
  bool checkpointed = false;
  if (failure.isOk()) {
    // Old page images stay in the WAL until it is checkpointed and truncated.
    auto done = store_.checkpointWal();
    checkpointed = done.hasValue() && *done;
  }
  const std::int64_t durationUs = microsSince(started);
  Progress finished = progress();
  // Logged before the state changes, so whoever awaits the end finds the line written.
  if (failure.isOk()) {
    Log::write(finished.unopened > 0 ? common::LogLevel::kWarning : common::LogLevel::kInfo,
               "gateway.rotation-finished",
               {{"keyId", std::string(ring_->activeKeyId())},
                {"resealed", finished.resealed},
                {"unopened", finished.unopened},
                {"batches", finished.batches},
                {"checkpointed", checkpointed},
                {"durationUs", durationUs}});
  } else {
    Log::error("gateway.rotation-failed", {{"keyId", std::string(ring_->activeKeyId())},
                                           {"code", common::statusCodeName(failure.code())},
                                           {"reason", failure.message()},
                                           {"resealed", finished.resealed},
                                           {"durationUs", durationUs}});
  }
  {
    std::lock_guard lock(mutex_);
    progress_.state = failure.isOk() ? State::kDone : State::kFailed;
    progress_.finishedAt = clock_.now();
    progress_.durationUs = durationUs;
    progress_.checkpointed = checkpointed;
    if (!failure.isOk()) progress_.reason = failure.message();
  }
  changed_.notify_all();
}

}  // namespace fhirgw::gateway
