#include "fhirgw/common/outage_log.hpp"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

using namespace fhirgw::common;
using namespace std::chrono;

namespace {

const TimePoint kOutageStart{seconds{1'795'680'000}};

}  // namespace

TEST(OutageLog, LogsAnOutagesFirstFailureThenOneLinePerPeriodThenItsEnd) {
  ManualClock clock(kOutageStart);
  OutageLog log(clock, minutes(5));
  EXPECT_EQ(log.succeeded(), 0);  // no outage yet: nothing to say
  EXPECT_EQ(log.failed(), 1);     // the first failure is logged at once
  for (int i = 0; i < 9; ++i) {
    clock.advance(seconds(1));
    EXPECT_EQ(log.failed(), 0) << i;  // within the period: left out
  }
  clock.advance(minutes(5));
  EXPECT_EQ(log.failed(), 10);  // stands for the nine left out and itself
  clock.advance(seconds(1));
  EXPECT_EQ(log.failed(), 0);
  EXPECT_EQ(log.succeeded(), 12);  // the end, with the whole outage's count
  EXPECT_EQ(log.succeeded(), 0);

  // A new outage starts over: its first failure is logged even within the period.
  EXPECT_EQ(log.failed(), 1);
  EXPECT_EQ(log.succeeded(), 1);
}

TEST(OutageLog, ThreadsFailingAtOnceLogOneLineAndOneEnd) {
  ManualClock clock(kOutageStart);
  OutageLog log(clock, minutes(5));
  constexpr int kThreads = 8;
  constexpr int kEach = 1000;
  std::vector<std::int64_t> logged(kThreads, 0);
  std::vector<std::int64_t> ended(kThreads, 0);
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; i < kEach; ++i) logged[t] += log.failed() > 0 ? 1 : 0;
      });
    }
  }
  {
    std::vector<std::jthread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] { ended[t] = log.succeeded(); });
    }
  }
  std::int64_t lines = 0;
  std::int64_t ends = 0;
  std::int64_t outage = 0;
  for (int t = 0; t < kThreads; ++t) {
    lines += logged[t];
    ends += ended[t] > 0 ? 1 : 0;
    outage += ended[t];
  }
  EXPECT_EQ(lines, 1);
  EXPECT_EQ(ends, 1);
  EXPECT_EQ(outage, kThreads * kEach);
}
