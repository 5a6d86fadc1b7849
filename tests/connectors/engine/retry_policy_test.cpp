#include "fhirgw/connectors/engine/retry_policy.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "connectors_test_support.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace std::chrono_literals;
using fhirgw::testsupport::testStart;

TEST(Backoff, CeilingStartsAtFiveSecondsDoublesAndCapsAtFifteenMinutes) {
  const RetryPolicy policy;
  const std::chrono::milliseconds expected[] = {5s,   10s,  20s,  40s,  80s,
                                                160s, 320s, 640s, 900s, 900s};
  for (std::int64_t n = 1; n <= 10; ++n) {
    EXPECT_EQ(backoffCeiling(policy, n), expected[n - 1]) << "after failure " << n;
  }
  EXPECT_EQ(backoffCeiling(policy, 1'000'000), 900s) << "no overflow however many failures";
}

TEST(Backoff, FullJitterPicksAnywhereBelowTheCeiling) {
  const RetryPolicy policy;
  const auto now = testStart() + 1min;
  EXPECT_EQ(decideRetry(policy, 3, testStart(), now, 0.0, {}).nextAttemptAt, now);
  EXPECT_EQ(decideRetry(policy, 3, testStart(), now, 0.5, {}).nextAttemptAt, now + 10s);
  EXPECT_EQ(decideRetry(policy, 3, testStart(), now, 0.999, {}).nextAttemptAt, now + 19980ms);
}

TEST(Backoff, RetryAfterIsHonouredWhenLongerThanTheJitteredDelay) {
  const RetryPolicy policy;
  const auto now = testStart();
  EXPECT_EQ(decideRetry(policy, 1, testStart(), now, 0.5, 120s).nextAttemptAt, now + 120s);
  EXPECT_EQ(decideRetry(policy, 1, testStart(), now, 0.5, 1s).nextAttemptAt, now + 2500ms);
}

TEST(Backoff, AHugeOrNegativeRetryAfterNeitherOverflowsNorPassesTheDeadline) {
  const RetryPolicy policy;
  const auto first = testStart();
  const auto now = first + 1h;
  const auto huge = std::chrono::seconds(std::numeric_limits<std::int64_t>::max());
  auto d = decideRetry(policy, 2, first, now, 0.5, huge);
  EXPECT_FALSE(d.giveUp);
  EXPECT_EQ(d.nextAttemptAt, first + 72h);
  d = decideRetry(policy, 2, first, now, 0.5, std::chrono::seconds(-5));
  EXPECT_EQ(d.nextAttemptAt, now + 5s);  // the jittered delay alone: 0.5 * 10 s
}

TEST(Backoff, RetriesUntilSeventyTwoHoursAfterTheFirstAttemptThenGivesUp) {
  const RetryPolicy policy;
  const auto first = testStart();
  // Close to the deadline the last try is placed exactly at it.
  auto d = decideRetry(policy, 400, first, first + 72h - 1min, 0.999, {});
  EXPECT_FALSE(d.giveUp);
  EXPECT_EQ(d.nextAttemptAt, first + 72h);
  d = decideRetry(policy, 401, first, first + 72h, 0.5, {});
  EXPECT_TRUE(d.giveUp);
  EXPECT_STREQ(d.reason, "max-age");
}

TEST(Backoff, AnAttemptLimitGivesUpWhenReached) {
  RetryPolicy policy;
  policy.maxAttempts = 3;
  EXPECT_FALSE(decideRetry(policy, 2, testStart(), testStart(), 0.5, {}).giveUp);
  const auto d = decideRetry(policy, 3, testStart(), testStart(), 0.5, {});
  EXPECT_TRUE(d.giveUp);
  EXPECT_STREQ(d.reason, "max-attempts");
}

TEST(Backoff, BudgetSpentByInterruptedAttemptsIsDetectedBeforeSending) {
  RetryPolicy policy;
  policy.maxAttempts = 2;
  const char* reason = nullptr;
  EXPECT_FALSE(budgetSpent(policy, 1, testStart(), testStart(), reason));
  EXPECT_TRUE(budgetSpent(policy, 2, testStart(), testStart(), reason));
  EXPECT_STREQ(reason, "max-attempts");
  policy.maxAttempts.reset();
  EXPECT_FALSE(budgetSpent(policy, 5, testStart(), testStart() + 72h, reason))
      << "the attempt at the deadline itself still runs";
  EXPECT_TRUE(budgetSpent(policy, 5, testStart(), testStart() + 73h, reason));
  EXPECT_STREQ(reason, "max-age");
  EXPECT_FALSE(budgetSpent(policy, 0, std::nullopt, testStart() + 100h, reason));
}
