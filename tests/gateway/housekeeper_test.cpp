#include "fhirgw/gateway/housekeeper.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "fhirgw/common/log.hpp"
#include "fhirgw/common/status.hpp"

namespace fhirgw::gateway {
namespace {

using namespace std::chrono_literals;

/// Captures log lines for one test.
class LogCapture {
 public:
  LogCapture() {
    common::Log::setSink(&out_);
    common::Log::setLevel(common::LogLevel::kDebug);
  }
  ~LogCapture() {
    common::Log::setSink(nullptr);
    common::Log::setLevel(common::LogLevel::kInfo);
  }
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

/// A task over `rows` rows to delete, recording the limits it was called with.
HousekeepingTask rowsTask(std::string name, std::int64_t& rows, std::vector<std::size_t>& limits,
                          std::chrono::milliseconds interval = 24h) {
  return {std::move(name),
          [&rows, &limits](std::size_t limit) -> common::Result<std::int64_t> {
            limits.push_back(limit);
            const std::int64_t n = std::min<std::int64_t>(rows, static_cast<std::int64_t>(limit));
            rows -= n;
            return n;
          },
          interval};
}

/// A task that finds nothing and counts its calls.
HousekeepingTask countingTask(std::string name, std::atomic<int>& calls,
                              std::chrono::milliseconds interval = 24h) {
  return {std::move(name),
          [&calls](std::size_t) -> common::Result<std::int64_t> {
            ++calls;
            return std::int64_t{0};
          },
          interval};
}

HousekeeperOptions batchesOf(std::size_t size) {
  HousekeeperOptions options;
  options.batchSize = size;
  options.batchPause = 0ms;
  return options;
}

TEST(Housekeeper, ATaskRunsBatchesOfTheBatchSizeUntilOneComesBackShort) {
  LogCapture log;
  std::int64_t rows = 7;
  std::vector<std::size_t> limits;
  Housekeeper keeper({rowsTask("content", rows, limits)}, batchesOf(3));
  auto purged = keeper.runOnce();
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 7);
  EXPECT_EQ(rows, 0);
  EXPECT_EQ(limits, (std::vector<std::size_t>{3, 3, 3}));
  EXPECT_EQ(keeper.passes(), 1);
  const std::string text = log.text();
  EXPECT_NE(text.find(R"("event":"gateway.retention-purged","task":"content","count":7,)"
                      R"("batches":3,"durationUs":)"),
            std::string::npos)
      << text;
}

TEST(Housekeeper, EveryTaskRunsInOrderAndTheObserverHearsOfThoseThatPurged) {
  std::int64_t content = 4;
  std::int64_t audit = 0;
  std::vector<std::size_t> contentLimits;
  std::vector<std::size_t> auditLimits;
  std::map<std::string, std::int64_t> observed;
  Housekeeper keeper(
      {rowsTask("content", content, contentLimits), rowsTask("audit", audit, auditLimits)},
      batchesOf(2), [&observed](std::string_view task, std::int64_t count) {
        observed[std::string(task)] += count;
      });
  EXPECT_EQ(*keeper.runOnce(), 4);
  EXPECT_EQ(contentLimits.size(), 3u);  // 2, 2, then an empty batch ends the run
  EXPECT_EQ(auditLimits.size(), 1u);
  EXPECT_EQ(observed, (std::map<std::string, std::int64_t>{{"content", 4}}));
}

TEST(Housekeeper, AQuietRunIsLoggedOnlyAtDebugLevel) {
  LogCapture log;
  common::Log::setLevel(common::LogLevel::kInfo);
  std::atomic<int> calls{0};
  Housekeeper keeper({countingTask("idempotency", calls)}, batchesOf(500));
  ASSERT_TRUE(keeper.runOnce());
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(log.text().find("retention-purged"), std::string::npos);
}

TEST(Housekeeper, AFailedBatchEndsItsTaskIsLoggedWithItsCodeAndTheOtherTasksStillRun) {
  LogCapture log;
  std::atomic<int> audit{0};
  int calls = 0;
  HousekeepingTask failing{"records", [&calls](std::size_t limit) -> common::Result<std::int64_t> {
                             if (++calls == 1) return static_cast<std::int64_t>(limit);
                             return common::unavailable("delete records: database is locked");
                           }};
  Housekeeper keeper({failing, countingTask("audit", audit)}, batchesOf(5));
  auto result = keeper.runOnce();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), common::StatusCode::kUnavailable);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(audit.load(), 1);
  const std::string text = log.text();
  EXPECT_NE(text.find(R"("event":"gateway.retention-purge-failed","task":"records","count":5,)"
                      R"("code":"unavailable")"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("database is locked"), std::string::npos);
}

TEST(Housekeeper, TheThreadRetriesAFailedTaskAtItsNextInterval) {
  LogCapture log;
  std::atomic<int> calls{0};
  HousekeepingTask flaky{"idempotency",
                         [&calls](std::size_t) -> common::Result<std::int64_t> {
                           if (calls.fetch_add(1) == 0) return common::unavailable("locked");
                           return std::int64_t{1};
                         },
                         10ms};
  Housekeeper keeper({flaky}, batchesOf(500));
  keeper.start();
  ASSERT_TRUE(keeper.awaitPasses(2, 10s));
  keeper.stop();
  EXPECT_GE(calls.load(), 2);
  EXPECT_NE(log.text().find(R"("task":"idempotency","count":1,)"), std::string::npos);
}

TEST(Housekeeper, EachTaskKeepsItsOwnInterval) {
  std::atomic<int> often{0};
  std::atomic<int> daily{0};
  Housekeeper keeper({countingTask("idempotency", often, 5ms), countingTask("audit", daily)},
                     batchesOf(500));
  keeper.start();
  ASSERT_TRUE(keeper.awaitPasses(4, 10s));
  keeper.stop();
  EXPECT_GE(often.load(), 3);
  EXPECT_EQ(daily.load(), 1);
}

TEST(Housekeeper, ARunStartsAtStartAndStopDoesNotWaitForTheIntervalOrThePause) {
  std::atomic<int> calls{0};
  Housekeeper keeper({countingTask("content", calls)}, batchesOf(500));
  keeper.start();
  ASSERT_TRUE(keeper.awaitPasses(1, 10s));
  // A one-day interval: returning at all shows the stop request wakes the thread.
  keeper.stop();
  EXPECT_EQ(calls.load(), 1);
  keeper.stop();  // a second stop is harmless
  EXPECT_EQ(keeper.passes(), 1);

  // Full batches with a one-day pause: stop ends the run between two batches.
  std::atomic<int> batches{0};
  HousekeepingTask endless{"records",
                           [&batches](std::size_t limit) -> common::Result<std::int64_t> {
                             ++batches;
                             return static_cast<std::int64_t>(limit);
                           }};
  HousekeeperOptions slow;
  slow.batchSize = 10;
  slow.batchPause = 24h;
  Housekeeper paused({endless}, slow);
  paused.start();
  paused.stop();
  EXPECT_LE(batches.load(), 1);
}

TEST(Housekeeper, StartingTwiceRunsOneThread) {
  std::atomic<int> calls{0};
  Housekeeper keeper({countingTask("content", calls)}, batchesOf(500));
  keeper.start();
  keeper.start();
  ASSERT_TRUE(keeper.awaitPasses(1, 10s));
  EXPECT_FALSE(keeper.awaitPasses(2, 200ms));
  keeper.stop();
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace fhirgw::gateway
