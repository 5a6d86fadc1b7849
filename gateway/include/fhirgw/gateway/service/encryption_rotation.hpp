#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/key_ring.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/store/storage_encryption.hpp"

namespace fhirgw::gateway {

/// The key rotation of encryption at rest, run in the background while the gateway serves:
/// every sealed value not under the active key (plain ones included) is sealed again under it,
/// in short batches (one short write transaction each, a pause between), then the WAL is
/// checkpointed and truncated. One pass at a time; POST /admin/v1/storage/rotate starts one.
class EncryptionRotation {
 public:
  struct Options {
    std::size_t batchSize = 200;          ///< values per write transaction
    std::chrono::milliseconds pause{50};  ///< between two batches, for ingest
  };
  enum class State { kIdle, kRunning, kDone, kFailed };
  /// What the current or last pass did.
  struct Progress {
    State state = State::kIdle;
    std::int64_t resealed = 0;
    std::int64_t unopened = 0;  ///< values no key of the ring opens, left as they are
    std::int64_t batches = 0;
    std::optional<common::TimePoint> startedAt;
    std::optional<common::TimePoint> finishedAt;
    std::int64_t durationUs = 0;
    bool checkpointed = false;  ///< the WAL was truncated at the end
    std::string reason;         ///< why it failed, or the first value that did not open
  };

  /// ring: null when encryption is off (start then answers kFailedPrecondition).
  EncryptionRotation(store::StorageEncryption& store, const common::KeyRing* ring, Options options,
                     const common::Clock& clock = common::SystemClock::instance());
  ~EncryptionRotation();
  EncryptionRotation(const EncryptionRotation&) = delete;
  EncryptionRotation& operator=(const EncryptionRotation&) = delete;

  /// Starts a pass: kFailedPrecondition when encryption is off, kAborted when one runs.
  common::Status start();
  /// Stops a running pass between two batches (no-op otherwise); waits for its thread.
  void stop();
  Progress progress() const;
  /// Waits until no pass runs; false on timeout (tests).
  bool awaitIdle(std::chrono::milliseconds timeout) const;
  const common::KeyRing* keyRing() const { return ring_; }

  static std::string_view stateName(State state);

 private:
  void run();

  store::StorageEncryption& store_;
  const common::KeyRing* ring_;
  const Options options_;
  const common::Clock& clock_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool stopping_ = false;
  Progress progress_;
  std::thread thread_;
};

}  // namespace fhirgw::gateway
