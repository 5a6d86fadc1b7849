// Group commit (issue 15): the leader/follower queue with a fake batch runner, and the SQLite
// store's batches of concurrent submissions, each in its own savepoint, answered after COMMIT.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fhirgw/store/sqlite_store.hpp"
#include "fhirgw/testsupport/test_store.hpp"
#include "sqlite/connection.hpp"
#include "store_test_support.hpp"

namespace fhirgw::store {

// Declared a friend by SqliteStore: the Impl behind it, for its test hooks.
struct SqliteStoreTestAccess {
  using Impl = SqliteStore::Impl;
  static Impl& impl(SqliteStore& store) { return *store.impl_; }
};

}  // namespace fhirgw::store

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;
using namespace std::chrono_literals;
namespace kw = Poco::Data::Keywords;
using common::Status;
using common::StatusCode;
using detail::GroupCommitQueue;
using detail::GroupMember;

namespace {

// Lets a test wait until a number of callers are queued behind a running batch.
class QueueWatch {
 public:
  explicit QueueWatch(GroupCommitQueue& queue) {
    queue.setOnQueuedForTest([this](std::size_t queued) {
      std::lock_guard lock(mutex_);
      queued_ = queued;
      changed_.notify_all();
    });
  }
  void waitForQueued(std::size_t n) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return queued_ >= n; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::size_t queued_ = 0;
};

// A one-shot gate: wait() blocks until open().
class Gate {
 public:
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    opened_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mutex_);
    opened_.wait(lock, [&] { return open_; });
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

GroupMember member(std::size_t bytes = 1) {
  GroupMember m;
  m.operation = "test write";
  m.bytes = bytes;
  return m;
}

}  // namespace

// ---- the queue, with a fake runner ---------------------------------------------------------

TEST(GroupCommitQueue, ALoneCallerRunsAtOnceInABatchOfItsOwn) {
  GroupCommitQueue queue;
  std::vector<std::size_t> batches;
  GroupMember m = member();
  const Status status = queue.submit(m, 5s, [&](std::span<GroupMember* const> batch) {
    batches.push_back(batch.size());
    EXPECT_EQ(batch.front(), &m);
    batch.front()->status = common::alreadyExists("taken");
  });
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(batches, std::vector<std::size_t>{1});
  EXPECT_EQ(queue.queued(), 0u);
}

TEST(GroupCommitQueue, CallersQueuedWhileABatchRunsAreAnsweredTogetherOnlyAfterTheirBatchRan) {
  constexpr std::size_t kFollowers = 12;
  GroupCommitQueue queue;
  QueueWatch watch(queue);
  Gate firstRunning;
  std::mutex batchesMutex;
  std::vector<std::size_t> batches;
  std::atomic<std::size_t> answered{0};
  std::atomic<std::size_t> ran{0};
  const GroupCommitQueue::RunBatch run = [&](std::span<GroupMember* const> batch) {
    {
      std::lock_guard lock(batchesMutex);
      batches.push_back(batch.size());
    }
    if (batch.size() == 1 && ran.load() == 0) {
      firstRunning.open();
      watch.waitForQueued(kFollowers);
    }
    // Nobody of this batch has been answered yet: only members of earlier batches may have.
    EXPECT_LE(answered.load(), ran.load());
    for (GroupMember* m : batch) m->status = Status::ok();
    ran += batch.size();
  };
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    GroupMember m = member();
    EXPECT_TRUE(queue.submit(m, 5s, run).isOk());
    ++answered;
  });
  firstRunning.wait();
  for (std::size_t i = 0; i < kFollowers; ++i) {
    threads.emplace_back([&] {
      GroupMember m = member();
      EXPECT_TRUE(queue.submit(m, 5s, run).isOk());
      ++answered;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(answered.load(), kFollowers + 1);
  EXPECT_EQ(batches, (std::vector<std::size_t>{1, kFollowers}));
}

TEST(GroupCommitQueue, BatchesAreBoundedByMembersAndBytes) {
  for (const bool byBytes : {false, true}) {
    // Four members of 10 bytes: at most 3 members, or at most 25 bytes (2 members).
    GroupCommitQueue queue(byBytes ? detail::GroupLimits{64, 25} : detail::GroupLimits{3, 1000});
    QueueWatch watch(queue);
    Gate firstRunning;
    std::vector<std::size_t> batches;
    const GroupCommitQueue::RunBatch run = [&](std::span<GroupMember* const> batch) {
      batches.push_back(batch.size());
      if (batches.size() == 1) {
        firstRunning.open();
        watch.waitForQueued(4);
      }
      for (GroupMember* m : batch) m->status = Status::ok();
    };
    std::vector<std::thread> threads;
    threads.emplace_back([&] {
      GroupMember m = member(10);
      EXPECT_TRUE(queue.submit(m, 5s, run).isOk());
    });
    firstRunning.wait();
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([&] {
        GroupMember m = member(10);
        EXPECT_TRUE(queue.submit(m, 5s, run).isOk());
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(batches,
              byBytes ? (std::vector<std::size_t>{1, 2, 2}) : (std::vector<std::size_t>{1, 3, 1}))
        << "byBytes=" << byBytes;
  }
}

TEST(GroupCommitQueue, AMemberLargerThanTheByteBoundStillGoesAlone) {
  GroupCommitQueue queue(detail::GroupLimits{64, 10});
  GroupMember m = member(1000);
  std::size_t size = 0;
  EXPECT_TRUE(queue
                  .submit(m, 5s,
                          [&](std::span<GroupMember* const> batch) {
                            size = batch.size();
                            batch.front()->status = Status::ok();
                          })
                  .isOk());
  EXPECT_EQ(size, 1u);
}

TEST(GroupCommitQueue, ACallerStillQueuedAfterTheTimeoutGetsUnavailableAndIsNeverRun) {
  GroupCommitQueue queue;
  Gate firstRunning;
  Gate followerGaveUp;
  std::atomic<int> runs{0};
  const GroupCommitQueue::RunBatch run = [&](std::span<GroupMember* const> batch) {
    if (runs++ == 0) {
      firstRunning.open();
      followerGaveUp.wait();  // the leader is stuck until the follower has given up
    }
    for (GroupMember* m : batch) m->status = Status::ok();
  };
  std::thread leader([&] {
    GroupMember m = member();
    EXPECT_TRUE(queue.submit(m, 5s, run).isOk());
  });
  firstRunning.wait();
  GroupMember late = member();
  const Status status = queue.submit(late, 1ms, run);
  followerGaveUp.open();
  leader.join();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("store busy"), std::string::npos) << status.message();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(queue.queued(), 0u);
}

// ---- the SQLite store ----------------------------------------------------------------------

namespace {

class SqliteGroupCommit : public ::testing::Test {
 protected:
  void SetUp() override {
    opened = fhirgw::testsupport::openTestStore(dir.path(), clock, {"c-1", "c-2"});
    ASSERT_NE(opened, nullptr);
    auto* sqlite = dynamic_cast<SqliteStore*>(opened.get());
    ASSERT_NE(sqlite, nullptr);
    impl = &SqliteStoreTestAccess::impl(*sqlite);
  }

  Poco::Int64 countRows(const std::string& table) {
    auto raw = rawSession(dir.path() / "gateway.db");
    Poco::Int64 n = 0;
    raw << "SELECT COUNT(*) FROM " + table, kw::into(n), kw::now;
    return n;
  }

  // Commits `first` alone, with the others queued behind it during its commit so that they
  // form the next batch together; returns each of the others' statuses, in order.
  std::vector<Status> commitAsOneBatchAfter(const Submission& first,
                                            const std::vector<Submission>& others) {
    QueueWatch watch(impl->groupForTest());
    Gate firstCommitting;
    bool firstBatch = true;
    impl->setBeforeCommitForTest([&](detail::Session& s, std::size_t members) {
      batchSizes.push_back(members);
      if (firstBatch) {
        firstBatch = false;
        firstCommitting.open();
        watch.waitForQueued(others.size());
      } else if (thenBeforeCommit) {
        thenBeforeCommit(s);
      }
    });
    std::vector<Status> statuses(others.size());
    std::thread leader([&] { EXPECT_TRUE(opened->commitSubmission(first).isOk()); });
    firstCommitting.wait();
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < others.size(); ++i) {
      threads.emplace_back([&, i] { statuses[i] = opened->commitSubmission(others[i]); });
    }
    leader.join();
    for (std::thread& t : threads) t.join();
    impl->setBeforeCommitForTest(nullptr);
    impl->groupForTest().setOnQueuedForTest(nullptr);
    return statuses;
  }

  TempDir dir;
  common::ManualClock clock{testStart()};
  std::unique_ptr<Store> opened;
  SqliteStoreTestAccess::Impl* impl = nullptr;
  std::vector<std::size_t> batchSizes;
  std::function<void(detail::Session&)> thenBeforeCommit;
};

// The SQLite temporary files this process holds open (SQLite names them etilqs_*, unlinked once
// opened): a statement journal spilled out of memory shows here while its transaction runs.
std::vector<std::string> openSqliteTemporaryFiles() {
  std::vector<std::string> found;
  std::error_code ec;
  for (const auto& fd : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
    const std::filesystem::path target = std::filesystem::read_symlink(fd.path(), ec);
    if (!ec && target.filename().string().find("etilqs_") != std::string::npos) {
      found.push_back(target.string());
    }
  }
  return found;
}

NewIdempotencyEntry idempotency(const std::string& key) {
  return {key, "hash-" + key, 201, R"({"status":"accepted"})", 24h};
}

}  // namespace

TEST_F(SqliteGroupCommit, ManyThreadsCommittingAtOnceAreAllDurableAndVisibleWhenAnswered) {
  constexpr int kThreads = 16;
  constexpr int kEach = 8;
  std::atomic<int> answered{0};
  std::atomic<int> committed{0};
  std::atomic<int> earlyAnswers{0};
  std::atomic<int> batches{0};
  impl->setBeforeCommitForTest([&](detail::Session&, std::size_t members) {
    // Only callers of batches already committed may have been answered.
    if (answered.load() > committed.load()) ++earlyAnswers;
    committed += static_cast<int>(members);
    ++batches;
  });
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "r-" + std::to_string(t) + "-" + std::to_string(i);
        const Status s = opened->commitSubmission(makeSubmission("c-1", id, "ext-" + id));
        ++answered;
        if (!s.isOk()) ++failures;
        // Visible to every reader as soon as its caller is answered, deliveries included.
        if (!opened->getRecord("c-1", id).hasValue() ||
            opened->listDeliveries("c-1", id)->size() != 2) {
          ++failures;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  impl->setBeforeCommitForTest(nullptr);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(earlyAnswers.load(), 0);
  EXPECT_EQ(committed.load(), kThreads * kEach);
  EXPECT_LE(batches.load(), kThreads * kEach);
  EXPECT_EQ(countRows("records"), kThreads * kEach);
  EXPECT_EQ(countRows("deliveries"), 2 * kThreads * kEach);
}

TEST_F(SqliteGroupCommit, EachFailingSubmissionIsRolledBackAloneWithItsOwnStatus) {
  Submission first = makeSubmission("c-1", "r-first", "ext-first");
  first.idempotency = {idempotency("key-first")};

  std::vector<Submission> batch;
  batch.push_back(makeSubmission("c-1", "r-ok-1", "ext-ok-1"));
  batch.push_back(makeSubmission("c-1", "r-ext-clash", "ext-first"));  // externalId taken
  batch.push_back(makeSubmission("c-1", "r-ok-2", "ext-ok-2"));
  batch.push_back(makeSubmission("c-1", "r-key-clash", "ext-key-clash"));
  batch.back().idempotency = {idempotency("key-first")};    // idempotency key taken
  batch.push_back(makeSubmission("c-404", "r-no-client"));  // foreign key: no such client
  batch.push_back(makeSubmission("c-1", "r-delivery-clash", "ext-delivery-clash"));
  batch.back().deliveries.back().id = "r-first-dmp";               // fails on its last INSERT
  batch.push_back(makeSubmission("c-2", "r-ok-3", "ext-first"));   // another client's: fine
  batch.push_back(makeSubmission("c-1", "r-twin-a", "ext-twin"));  // twins: one of the two
  batch.push_back(makeSubmission("c-1", "r-twin-b", "ext-twin"));

  const std::vector<Status> statuses = commitAsOneBatchAfter(first, batch);
  EXPECT_EQ(batchSizes, (std::vector<std::size_t>{1, batch.size()}));

  EXPECT_TRUE(statuses[0].isOk()) << statuses[0].toString();
  EXPECT_EQ(statuses[1].code(), StatusCode::kAlreadyExists);
  EXPECT_NE(statuses[1].message().find("externalId"), std::string::npos) << statuses[1].message();
  EXPECT_TRUE(statuses[2].isOk()) << statuses[2].toString();
  EXPECT_EQ(statuses[3].code(), StatusCode::kAlreadyExists);
  EXPECT_NE(statuses[3].message().find("idempotency"), std::string::npos) << statuses[3].message();
  EXPECT_EQ(statuses[4].code(), StatusCode::kFailedPrecondition) << statuses[4].toString();
  EXPECT_EQ(statuses[5].code(), StatusCode::kAlreadyExists) << statuses[5].toString();
  EXPECT_TRUE(statuses[6].isOk()) << statuses[6].toString();
  EXPECT_NE(statuses[7].isOk(), statuses[8].isOk());
  const Status& twinClash = statuses[7].isOk() ? statuses[8] : statuses[7];
  EXPECT_EQ(twinClash.code(), StatusCode::kAlreadyExists);

  for (const char* id : {"r-first", "r-ok-1", "r-ok-2"}) {
    EXPECT_TRUE(opened->getRecord("c-1", id).hasValue()) << id;
  }
  EXPECT_TRUE(opened->getRecord("c-2", "r-ok-3").hasValue());
  for (const char* id : {"r-ext-clash", "r-key-clash", "r-delivery-clash"}) {
    EXPECT_EQ(opened->getRecord("c-1", id).error().code(), StatusCode::kNotFound) << id;
  }
  // Nothing of a failed one remains, not even the rows it wrote before failing.
  EXPECT_EQ(countRows("records"), 5);
  EXPECT_EQ(countRows("documents"), 5);
  EXPECT_EQ(countRows("fhir_resources"), 10);
  EXPECT_EQ(countRows("deliveries"), 10);
  EXPECT_EQ(countRows("idempotency_keys"), 1);
}

TEST_F(SqliteGroupCommit, AFailedCommitIsReportedToEveryCallerOfItsBatch) {
  // A deferred foreign-key violation makes this batch's COMMIT itself fail.
  thenBeforeCommit = [](detail::Session& s) {
    s << "PRAGMA defer_foreign_keys = ON", kw::now;
    s << "INSERT INTO delivery_attempts (delivery_id, at, outcome)"
         " VALUES ('no-such-delivery', 0, 'failed')",
        kw::now;
  };
  std::vector<Submission> batch;
  for (int i = 0; i < 6; ++i) {
    batch.push_back(makeSubmission("c-1", "r-" + std::to_string(i), "ext-" + std::to_string(i)));
  }
  batch.push_back(makeSubmission("c-1", "r-clash", "ext-first"));  // fails alone, as before
  const std::vector<Status> statuses =
      commitAsOneBatchAfter(makeSubmission("c-1", "r-first", "ext-first"), batch);
  EXPECT_EQ(batchSizes, (std::vector<std::size_t>{1, batch.size()}));
  for (std::size_t i = 0; i + 1 < statuses.size(); ++i) {
    EXPECT_EQ(statuses[i].code(), StatusCode::kFailedPrecondition) << statuses[i].toString();
    EXPECT_NE(statuses[i].message().find("FOREIGN KEY"), std::string::npos)
        << statuses[i].message();
  }
  EXPECT_EQ(statuses.back().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(countRows("records"), 1);
  EXPECT_EQ(countRows("delivery_attempts"), 0);

  // The writer is usable again, and the same submissions go through.
  for (const Submission& sub : batch) {
    EXPECT_EQ(opened->commitSubmission(sub).isOk(), sub.recordId != "r-clash");
  }
  EXPECT_EQ(countRows("records"), 7);
}

TEST_F(SqliteGroupCommit, ABatchKeepsItsSavepointJournalsInMemoryNotInTemporaryFiles) {
  // Each member's SAVEPOINT journals the original of every existing page it changes; in a batch
  // of 24 on a store that already holds records, that is past the 64 KiB SQLite keeps in
  // memory by default, after which it writes page copies of records to a file under /var/tmp.
  for (int i = 0; i < 40; ++i) {
    const std::string id = "r-pre-" + std::to_string(i);
    ASSERT_TRUE(opened->commitSubmission(makeSubmission("c-1", id, "ext-" + id)).isOk());
  }
  std::vector<std::string> during;
  thenBeforeCommit = [&](detail::Session&) { during = openSqliteTemporaryFiles(); };
  std::vector<Submission> batch;
  for (int i = 0; i < 24; ++i) {
    const std::string id = "r-" + std::to_string(i);
    batch.push_back(makeSubmission(i % 2 == 0 ? "c-1" : "c-2", id, "ext-" + id));
  }
  const std::vector<Status> statuses =
      commitAsOneBatchAfter(makeSubmission("c-1", "r-first", "ext-first"), batch);
  EXPECT_EQ(batchSizes, (std::vector<std::size_t>{1, batch.size()}));
  for (const Status& s : statuses) EXPECT_TRUE(s.isOk()) << s.toString();
  EXPECT_TRUE(during.empty()) << during.size() << " temporary file(s), first " << during.front();
  EXPECT_EQ(countRows("records"), 40 + 1 + 24);

  // A member that fails is still rolled back to its savepoint from the in-memory journal.
  batchSizes.clear();
  std::vector<Submission> second;
  for (int i = 0; i < 12; ++i) {
    const std::string id = "r-second-" + std::to_string(i);
    second.push_back(makeSubmission("c-1", id, i == 5 ? "ext-r-2" : "ext-" + id));
  }
  const std::vector<Status> secondStatuses =
      commitAsOneBatchAfter(makeSubmission("c-1", "r-lead-2", "ext-lead-2"), second);
  EXPECT_EQ(batchSizes, (std::vector<std::size_t>{1, second.size()}));
  for (std::size_t i = 0; i < secondStatuses.size(); ++i) {
    EXPECT_EQ(secondStatuses[i].code(), i == 5 ? StatusCode::kAlreadyExists : StatusCode::kOk)
        << i << ": " << secondStatuses[i].toString();
  }
  EXPECT_TRUE(during.empty()) << during.size() << " temporary file(s)";
  EXPECT_EQ(countRows("records"), 40 + 1 + 24 + 1 + 11);
  EXPECT_EQ(countRows("deliveries"), 2 * (40 + 1 + 24 + 1 + 11));
}

TEST_F(SqliteGroupCommit, OtherWritesSerialiseWithTheBatches) {
  // Audit appends and delivery claims go through Impl::write on the same connection and mutex.
  constexpr int kWriters = 8;
  constexpr int kEach = 6;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kWriters; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string id = "r-" + std::to_string(t) + "-" + std::to_string(i);
        if (!opened->commitSubmission(makeSubmission("c-1", id)).isOk()) ++failures;
        NewAuditEntry entry;
        entry.actor = "c-1";
        entry.action = "record.create";
        entry.target = id;
        entry.outcome = "201";
        if (!opened->appendAudit(entry).hasValue()) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(countRows("records"), kWriters * kEach);
  EXPECT_EQ(countRows("audit_entries"), kWriters * kEach);
}
