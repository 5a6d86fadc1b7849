#include "fhirgw/gateway/anonymous_audit.hpp"

#include <gtest/gtest.h>

namespace fhirgw::gateway {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

store::NewAuditEntry refused(std::string action = "POST /api/v1/teleconsultations",
                             std::string outcome = "401") {
  store::NewAuditEntry e;
  e.actor = "anonymous";
  e.action = std::move(action);
  e.outcome = std::move(outcome);
  e.requestId = "r";
  return e;
}

const common::TimePoint kT0{seconds(1'000'000)};

TEST(AnonymousAuditLimiter, FirstRequestOfAWindowIsWrittenAndTheRestCountedIntoOneSummary) {
  AnonymousAuditLimiter limiter(seconds(60), 100);
  EXPECT_TRUE(limiter.admit("10.0.0.1", refused(), kT0));
  for (int i = 1; i <= 999; ++i) {
    EXPECT_FALSE(limiter.admit("10.0.0.1", refused(), kT0 + milliseconds(i)));
  }
  EXPECT_TRUE(limiter.due(kT0 + seconds(59)).empty());
  auto rows = limiter.due(kT0 + seconds(60));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].actor, "anonymous");
  EXPECT_EQ(rows[0].action, "POST /api/v1/teleconsultations");
  EXPECT_EQ(rows[0].target, "peer:10.0.0.1");
  EXPECT_EQ(rows[0].outcome, "401 x999 aggregated");
  EXPECT_TRUE(limiter.due(kT0 + seconds(120)).empty());
}

TEST(AnonymousAuditLimiter, PeersActionsAndOutcomesAreCountedApart) {
  AnonymousAuditLimiter limiter(seconds(60), 100);
  EXPECT_TRUE(limiter.admit("10.0.0.1", refused(), kT0));
  EXPECT_TRUE(limiter.admit("10.0.0.2", refused(), kT0));
  EXPECT_TRUE(limiter.admit("10.0.0.1", refused("GET /fhir/Patient"), kT0));
  EXPECT_TRUE(limiter.admit("10.0.0.1", refused("POST /api/v1/teleconsultations", "400"), kT0));
  EXPECT_FALSE(limiter.admit("10.0.0.2", refused(), kT0));
  auto rows = limiter.due(kT0 + seconds(60));
  ASSERT_EQ(rows.size(), 1U);  // windows with nothing suppressed give no row
  EXPECT_EQ(rows[0].target, "peer:10.0.0.2");
  EXPECT_EQ(rows[0].outcome, "401 x1 aggregated");
}

TEST(AnonymousAuditLimiter, ANewWindowWritesAgainAndKeepsTheEndedCount) {
  AnonymousAuditLimiter limiter(seconds(60), 100);
  EXPECT_TRUE(limiter.admit("10.0.0.1", refused(), kT0));
  EXPECT_FALSE(limiter.admit("10.0.0.1", refused(), kT0 + seconds(1)));
  EXPECT_TRUE(limiter.admit("10.0.0.1", refused(), kT0 + seconds(61)));  // due() not called
  auto rows = limiter.due(kT0 + seconds(62));
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].outcome, "401 x1 aggregated");
}

TEST(AnonymousAuditLimiter, ManyPeersAreMergedBeyondTheKeyBudget) {
  AnonymousAuditLimiter limiter(seconds(60), 10);
  int written = 0;
  for (int i = 0; i < 10000; ++i) {
    written += limiter.admit("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256),
                             refused(), kT0)
                   ? 1
                   : 0;
  }
  EXPECT_EQ(written, 11);  // ten peers, then one for all the others under "*"
  auto rows = limiter.due(kT0, /*flushAll=*/true);
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].target, "peer:*");
  EXPECT_EQ(rows[0].outcome, "401 x9989 aggregated");
}

TEST(AnonymousAuditLimiter, FlushAllSummarisesOpenWindows) {
  AnonymousAuditLimiter limiter(seconds(60), 100);
  EXPECT_TRUE(limiter.admit("10.0.0.1", refused(), kT0));
  EXPECT_FALSE(limiter.admit("10.0.0.1", refused(), kT0));
  EXPECT_TRUE(limiter.due(kT0).empty());
  EXPECT_EQ(limiter.due(kT0, true).size(), 1U);
}

}  // namespace
}  // namespace fhirgw::gateway
