#include "fhirgw/gateway/service/encryption_rotation.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <sstream>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/log.hpp"

namespace fhirgw::gateway {
namespace {

using namespace std::chrono_literals;
using common::StatusCode;

/// A store whose re-encryption pass has `batches` batches of 10 values, or fails at one.
class ScriptedStore : public store::StorageEncryption {
 public:
  explicit ScriptedStore(int batches, std::optional<int> failAt = std::nullopt)
      : batches_(batches), failAt_(failAt) {}

  common::Result<std::vector<store::SealedColumnCount>> countSealedValues() const override {
    return std::vector<store::SealedColumnCount>{};
  }
  common::Result<store::ResealBatch> resealBatch(const store::ResealCursor& cursor,
                                                 std::size_t limit) override {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [this] { return open_; });
    limits_.push_back(limit);
    const int n = static_cast<int>(cursor.afterRow);
    if (failAt_ && n == *failAt_) return common::internal("store: disk I/O error");
    store::ResealBatch batch;
    if (n >= batches_) {
      batch.done = true;
      return batch;
    }
    batch.resealed = 10;
    batch.next = {0, n + 1};
    return batch;
  }
  common::Result<bool> checkpointWal() override {
    std::lock_guard lock(mutex_);
    ++checkpoints_;
    return true;
  }

  /// Holds every batch until release().
  void hold() {
    std::lock_guard lock(mutex_);
    open_ = false;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      open_ = true;
    }
    released_.notify_all();
  }
  int checkpoints() const {
    std::lock_guard lock(mutex_);
    return checkpoints_;
  }
  std::vector<std::size_t> limits() const {
    std::lock_guard lock(mutex_);
    return limits_;
  }

 private:
  const int batches_;
  const std::optional<int> failAt_;
  mutable std::mutex mutex_;
  std::condition_variable released_;
  bool open_ = true;
  int checkpoints_ = 0;
  std::vector<std::size_t> limits_;
};

class LogCapture {
 public:
  LogCapture() { common::Log::setSink(&out_); }
  ~LogCapture() { common::Log::setSink(nullptr); }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

common::KeyRing ring() {
  return common::KeyRing::make(
             common::SecretBox::fromKeyText(common::hexEncode(std::string(32, '\x05'))).value())
      .value();
}

}  // namespace

TEST(EncryptionRotation, WithEncryptionOffARotationIsRefused) {
  ScriptedStore store(3);
  EncryptionRotation rotation(store, nullptr, {});
  const common::Status started = rotation.start();
  EXPECT_EQ(started.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(rotation.progress().state, EncryptionRotation::State::kIdle);
}

TEST(EncryptionRotation, APassRunsEveryBatchThenCheckpointsAndLogs) {
  LogCapture log;
  ScriptedStore store(5);
  const common::KeyRing keys = ring();
  EncryptionRotation rotation(store, &keys, {7, 1ms});
  ASSERT_TRUE(rotation.start().isOk());
  ASSERT_TRUE(rotation.awaitIdle(10s));
  const auto p = rotation.progress();
  EXPECT_EQ(p.state, EncryptionRotation::State::kDone);
  EXPECT_EQ(p.resealed, 50);
  EXPECT_EQ(p.batches, 6);
  EXPECT_TRUE(p.checkpointed);
  EXPECT_TRUE(p.startedAt.has_value());
  EXPECT_TRUE(p.finishedAt.has_value());
  EXPECT_EQ(store.checkpoints(), 1);
  for (std::size_t limit : store.limits()) EXPECT_EQ(limit, 7u);
  EXPECT_NE(log.text().find("\"event\":\"gateway.rotation-started\""), std::string::npos);
  EXPECT_NE(log.text().find("\"event\":\"gateway.rotation-finished\""), std::string::npos);
  EXPECT_NE(log.text().find("\"resealed\":50"), std::string::npos) << log.text();
  EXPECT_NE(log.text().find("\"durationUs\":"), std::string::npos);
}

TEST(EncryptionRotation, OnlyOnePassRunsAtATime) {
  ScriptedStore store(2);
  const common::KeyRing keys = ring();
  EncryptionRotation rotation(store, &keys, {10, 1ms});
  store.hold();
  ASSERT_TRUE(rotation.start().isOk());
  EXPECT_EQ(rotation.progress().state, EncryptionRotation::State::kRunning);
  EXPECT_EQ(rotation.start().code(), StatusCode::kAborted);
  store.release();
  ASSERT_TRUE(rotation.awaitIdle(10s));
  EXPECT_EQ(rotation.progress().state, EncryptionRotation::State::kDone);
  ASSERT_TRUE(rotation.start().isOk()) << "a finished pass can be run again";
  ASSERT_TRUE(rotation.awaitIdle(10s));
}

TEST(EncryptionRotation, AStoreFailureEndsThePassAsFailedWithoutACheckpoint) {
  LogCapture log;
  ScriptedStore store(5, 2);
  const common::KeyRing keys = ring();
  EncryptionRotation rotation(store, &keys, {10, 1ms});
  ASSERT_TRUE(rotation.start().isOk());
  ASSERT_TRUE(rotation.awaitIdle(10s));
  const auto p = rotation.progress();
  EXPECT_EQ(p.state, EncryptionRotation::State::kFailed);
  EXPECT_EQ(p.resealed, 20);
  EXPECT_NE(p.reason.find("disk I/O error"), std::string::npos) << p.reason;
  EXPECT_EQ(store.checkpoints(), 0);
  EXPECT_NE(log.text().find("\"event\":\"gateway.rotation-failed\""), std::string::npos);
}

}  // namespace fhirgw::gateway
