#include "fhirgw/gateway/housekeeper.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <sstream>

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

/// A purge that finds nothing and counts its calls.
Housekeeper::Purge countingPurge(std::atomic<int>& calls) {
  return [&calls]() -> common::Result<std::int64_t> {
    ++calls;
    return std::int64_t{0};
  };
}

TEST(Housekeeper, APassReturnsAndLogsHowManyEntriesWereDeleted) {
  LogCapture log;
  int calls = 0;
  Housekeeper keeper(
      [&calls]() -> common::Result<std::int64_t> {
        ++calls;
        return std::int64_t{3};
      },
      1h);
  auto purged = keeper.runOnce();
  ASSERT_TRUE(purged);
  EXPECT_EQ(*purged, 3);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(keeper.passes(), 1);
  EXPECT_NE(log.text().find(R"("event":"gateway.idempotency-purged")"), std::string::npos);
  EXPECT_NE(log.text().find(R"("purged":3)"), std::string::npos);
}

TEST(Housekeeper, AQuietPassIsLoggedOnlyAtDebugLevel) {
  LogCapture log;
  common::Log::setLevel(common::LogLevel::kInfo);
  Housekeeper keeper([]() -> common::Result<std::int64_t> { return std::int64_t{0}; }, 1h);
  ASSERT_TRUE(keeper.runOnce());
  EXPECT_EQ(log.text().find("idempotency-purged"), std::string::npos);
}

TEST(Housekeeper, AFailedPassIsLoggedWithItsCodeAndTheThreadTriesAgain) {
  LogCapture log;
  std::atomic<int> calls{0};
  Housekeeper keeper(
      [&calls]() -> common::Result<std::int64_t> {
        if (calls.fetch_add(1) == 0) return common::unavailable("purge: database is locked");
        return std::int64_t{1};
      },
      10ms);
  keeper.start();
  ASSERT_TRUE(keeper.awaitPasses(2, 10s));
  keeper.stop();
  EXPECT_GE(calls.load(), 2);
  const std::string text = log.text();
  EXPECT_NE(text.find(R"("event":"gateway.idempotency-purge-failed")"), std::string::npos);
  EXPECT_NE(text.find(R"("code":"unavailable")"), std::string::npos) << text;
  EXPECT_NE(text.find("database is locked"), std::string::npos);
  EXPECT_NE(text.find(R"("purged":1)"), std::string::npos);
}

TEST(Housekeeper, APassRunsAtStartAndStopDoesNotWaitForTheInterval) {
  std::atomic<int> calls{0};
  Housekeeper keeper(countingPurge(calls), 24h);
  keeper.start();
  ASSERT_TRUE(keeper.awaitPasses(1, 10s));
  // A one-day interval: returning at all shows the stop request wakes the thread.
  keeper.stop();
  EXPECT_EQ(calls.load(), 1);
  keeper.stop();  // a second stop is harmless
  EXPECT_EQ(keeper.passes(), 1);
}

TEST(Housekeeper, StartingTwiceRunsOneThread) {
  std::atomic<int> calls{0};
  Housekeeper keeper(countingPurge(calls), 24h);
  keeper.start();
  keeper.start();
  ASSERT_TRUE(keeper.awaitPasses(1, 10s));
  EXPECT_FALSE(keeper.awaitPasses(2, 200ms));
  keeper.stop();
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace fhirgw::gateway
