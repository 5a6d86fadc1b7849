#include "fhirgw/connectors/engine/circuit_breaker.hpp"

#include <gtest/gtest.h>

#include "connectors_test_support.hpp"

using namespace fhirgw::connectors;
using namespace std::chrono_literals;
using fhirgw::connectors::testsupport::testStart;
using Permission = CircuitBreaker::Permission;
using State = CircuitBreaker::State;

TEST(CircuitBreaker, OpensAfterConsecutiveTransientFailuresOnly) {
  CircuitBreaker breaker({3, 30s, 300s});
  const auto t = testStart();
  breaker.onTransientFailure(t);
  breaker.onTransientFailure(t);
  breaker.onSuccess();  // resets the count
  breaker.onTransientFailure(t);
  breaker.onTransientFailure(t);
  EXPECT_EQ(breaker.acquire(t), Permission::kAllowed);
  breaker.onTransientFailure(t);
  EXPECT_EQ(breaker.state(t), State::kOpen);
  EXPECT_EQ(breaker.acquire(t + 29s), Permission::kRejected);
  EXPECT_EQ(breaker.openUntil(), t + 30s);
}

TEST(CircuitBreaker, HalfOpenLetsOneProbeThroughAndASuccessCloses) {
  CircuitBreaker breaker({1, 30s, 300s});
  const auto t = testStart();
  breaker.onTransientFailure(t);
  EXPECT_EQ(breaker.state(t + 30s), State::kHalfOpen);
  EXPECT_EQ(breaker.acquire(t + 30s), Permission::kProbe);
  EXPECT_EQ(breaker.acquire(t + 30s), Permission::kRejected) << "one probe at a time";
  breaker.onSuccess();
  EXPECT_EQ(breaker.state(t + 30s), State::kClosed);
  EXPECT_EQ(breaker.acquire(t + 30s), Permission::kAllowed);
}

TEST(CircuitBreaker, AFailedProbeReopensForTwiceAsLongUpToTheCap) {
  CircuitBreaker breaker({1, 30s, 100s});
  auto t = testStart();
  breaker.onTransientFailure(t);
  t += 30s;
  ASSERT_EQ(breaker.acquire(t), Permission::kProbe);
  breaker.onTransientFailure(t);
  EXPECT_EQ(breaker.openUntil(), t + 60s);
  t += 60s;
  ASSERT_EQ(breaker.acquire(t), Permission::kProbe);
  breaker.onTransientFailure(t);
  EXPECT_EQ(breaker.openUntil(), t + 100s);
}

TEST(CircuitBreaker, AProbeWithNothingToSendPassesTheTurn) {
  CircuitBreaker breaker({1, 30s, 300s});
  breaker.onTransientFailure(testStart());
  const auto t = testStart() + 31s;
  ASSERT_EQ(breaker.acquire(t), Permission::kProbe);
  breaker.releaseProbe();
  EXPECT_EQ(breaker.acquire(t), Permission::kProbe);
}
