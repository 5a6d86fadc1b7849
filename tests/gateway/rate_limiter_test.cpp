// The rate limiter: its own bucket (one instance), the store's shared budget when the store
// offers one (several instances), and its own bucket again while the store cannot answer.

#include <gtest/gtest.h>

#include <deque>
#include <optional>
#include <string>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/gateway/auth.hpp"
#include "fhirgw/testsupport/test_clock.hpp"

namespace fhirgw::gateway {
namespace {

using namespace std::chrono_literals;

/// Shared budgets that answer what the test queues, and count what was asked.
class ScriptedBudgets final : public store::SharedRateLimits {
 public:
  common::Result<std::optional<std::chrono::milliseconds>> takeRequest(
      std::string_view clientId, std::int64_t perMinute) override {
    asked.emplace_back(clientId);
    lastLimit = perMinute;
    auto next = answers.front();
    answers.pop_front();
    return next;
  }
  std::deque<common::Result<std::optional<std::chrono::milliseconds>>> answers;
  std::deque<std::string> asked;
  std::int64_t lastLimit = 0;
};

Principal limited(std::int64_t perMinute) {
  Principal p;
  p.clientId = "c-1";
  p.rateLimit = perMinute;
  return p;
}

TEST(RateLimiter, AloneItKeepsAMinutesWorthPerClient) {
  common::ManualClock clock(testsupport::testStart());
  RateLimiter limiter(clock);
  for (int i = 0; i < 2; ++i) EXPECT_EQ(limiter.throttle(limited(2)), std::nullopt) << i;
  EXPECT_EQ(limiter.throttle(limited(2)), std::chrono::seconds(30));
  clock.advance(30s);
  EXPECT_EQ(limiter.throttle(limited(2)), std::nullopt);
  EXPECT_EQ(limiter.throttle(Principal{}), std::nullopt);  // no limit: never counted
}

TEST(RateLimiter, WithASharedStoreTheStoresBudgetDecidesInWholeSeconds) {
  common::ManualClock clock(testsupport::testStart());
  ScriptedBudgets budgets;
  RateLimiter limiter(clock, &budgets);
  budgets.answers = {std::optional<std::chrono::milliseconds>(),
                     std::optional<std::chrono::milliseconds>(1500ms),
                     std::optional<std::chrono::milliseconds>(1ms)};
  EXPECT_EQ(limiter.throttle(limited(5)), std::nullopt);
  EXPECT_EQ(limiter.throttle(limited(5)), std::chrono::seconds(2));  // rounded up
  EXPECT_EQ(limiter.throttle(limited(5)), std::chrono::seconds(1));  // at least one
  EXPECT_EQ(budgets.asked.size(), 3u);
  EXPECT_EQ(budgets.lastLimit, 5);
  EXPECT_EQ(limiter.throttle(Principal{}), std::nullopt);
  EXPECT_EQ(budgets.asked.size(), 3u);  // an unlimited client costs the store nothing
}

TEST(RateLimiter, WhileTheSharedStoreFailsTheInstancesOwnBucketStandsIn) {
  common::ManualClock clock(testsupport::testStart());
  ScriptedBudgets budgets;
  RateLimiter limiter(clock, &budgets);
  for (int i = 0; i < 3; ++i) budgets.answers.emplace_back(common::unavailable("store down"));
  EXPECT_EQ(limiter.throttle(limited(2)), std::nullopt);
  EXPECT_EQ(limiter.throttle(limited(2)), std::nullopt);
  EXPECT_EQ(limiter.throttle(limited(2)), std::chrono::seconds(30));  // the local bucket's limit
  budgets.answers.emplace_back(std::optional<std::chrono::milliseconds>());
  EXPECT_EQ(limiter.throttle(limited(2)), std::nullopt);  // the store answers again
}

}  // namespace
}  // namespace fhirgw::gateway
