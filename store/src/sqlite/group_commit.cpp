#include "group_commit.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace fhirgw::store::detail {

common::Status GroupCommitQueue::submit(GroupMember& member, std::chrono::milliseconds timeout,
                                        const RunBatch& run) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  member.state = GroupMember::State::kQueued;
  queue_.push_back(&member);
  if (onQueued_) onQueued_(queue_.size());
  for (;;) {
    if (member.state == GroupMember::State::kDone) return std::move(member.status);
    if (!leading_) {
      // No batch running: lead the next one (it holds this member unless the queue is long).
      leading_ = true;
      const std::vector<GroupMember*> batch = takeBatch();
      lock.unlock();
      try {
        run(batch);
      } catch (...) {
        // run() answers every member itself; this only keeps a bug from stranding the callers.
        for (GroupMember* taken : batch) {
          taken->status = common::internal(std::string(taken->operation) + ": batch failed");
        }
      }
      lock.lock();
      for (GroupMember* taken : batch) taken->state = GroupMember::State::kDone;
      leading_ = false;
      // Wakes the batch's callers, and the next leader among those still queued.
      done_.notify_all();
      continue;
    }
    if (member.state == GroupMember::State::kTaken) {
      // In the running batch: it is answered when the batch is durable (or failed), never before.
      done_.wait(lock);
      continue;
    }
    if (done_.wait_until(lock, deadline) == std::cv_status::timeout &&
        member.state == GroupMember::State::kQueued) {
      queue_.erase(std::find(queue_.begin(), queue_.end(), &member));
      return common::unavailable(std::string(member.operation) + ": store busy (write queue)");
    }
  }
}

std::vector<GroupMember*> GroupCommitQueue::takeBatch() {
  std::vector<GroupMember*> batch;
  std::size_t bytes = 0;
  while (!queue_.empty() && batch.size() < limits_.maxMembers) {
    GroupMember* next = queue_.front();
    if (!batch.empty() && bytes + next->bytes > limits_.maxBytes) break;
    bytes += next->bytes;
    next->state = GroupMember::State::kTaken;
    batch.push_back(next);
    queue_.pop_front();
  }
  return batch;
}

std::size_t GroupCommitQueue::queued() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

void GroupCommitQueue::setOnQueuedForTest(std::function<void(std::size_t)> hook) {
  std::lock_guard lock(mutex_);
  onQueued_ = std::move(hook);
}

}  // namespace fhirgw::store::detail
