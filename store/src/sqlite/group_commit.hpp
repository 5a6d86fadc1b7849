#pragma once

// Private to the SQLite store: the queue that groups concurrent writes into one durable
// transaction (group commit). Callers queue their write and wait; whichever caller finds no
// batch running becomes its leader, takes what has queued (bounded) and runs it; each caller is
// answered only once the batch holding its write has run, that is committed or failed.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "fhirgw/common/status.hpp"

namespace fhirgw::store::detail {

/// One caller's write waiting in a GroupCommitQueue. The caller owns it and waits for it.
struct GroupMember {
  enum class State { kQueued, kTaken, kDone };

  /// Its name in error messages ("commit submission").
  std::string_view operation;
  /// Its size, for the batch's byte bound.
  std::size_t bytes = 0;
  /// Runs the write; called by the leader of its batch (any caller's thread).
  std::function<common::Status()> work;
  /// Its answer, set by the batch runner.
  common::Status status;
  State state = State::kQueued;
};

/// Bounds of one batch; a batch always takes at least one member, however large.
struct GroupLimits {
  std::size_t maxMembers = 64;
  std::size_t maxBytes = std::size_t{16} << 20;
};

/// Leader/follower queue: no thread of its own and no timer, so a lone caller runs at once and a
/// batch is whatever queued while the previous one ran.
class GroupCommitQueue {
 public:
  /// Runs one batch and sets every member's status; must not throw.
  using RunBatch = std::function<void(std::span<GroupMember* const>)>;

  explicit GroupCommitQueue(GroupLimits limits = {}) : limits_(limits) {}

  /// Queues member and returns its status once its batch has run. A member still queued (not
  /// yet taken into a batch) after `timeout` leaves the queue and gets kUnavailable.
  common::Status submit(GroupMember& member, std::chrono::milliseconds timeout,
                        const RunBatch& run);

  /// Members queued and not yet taken.
  std::size_t queued() const;

  /// Test hook: called with the queue's length after each member is queued, under the queue's
  /// lock (it must not call back into the queue).
  void setOnQueuedForTest(std::function<void(std::size_t)> hook);

 private:
  std::vector<GroupMember*> takeBatch();

  const GroupLimits limits_;
  mutable std::mutex mutex_;
  std::condition_variable done_;
  std::deque<GroupMember*> queue_;
  bool leading_ = false;
  std::function<void(std::size_t)> onQueued_;
};

}  // namespace fhirgw::store::detail
