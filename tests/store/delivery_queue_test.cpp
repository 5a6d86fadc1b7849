// The DeliveryQueue role on both engines (claims with leases, fair order, attempts, recovery,
// admin retries and re-routes), and what only SQLite has (its query plans, its migrations).
#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <algorithm>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/key_ring.hpp"
#include "fhirgw/store/sqlite_store.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"
#include "fhirgw/testsupport/test_store.hpp"
#include "schema.hpp"
#include "store_test_support.hpp"
#include "test_database.hpp"

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;
using namespace std::chrono_literals;
namespace kw = Poco::Data::Keywords;
using common::StatusCode;

namespace {

class DeliveryQueueTest : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store
                    ->createClient({"c-1", "c-1", ClientRole::kEditor, {}},
                                   fhirgw::testsupport::newStoredKey())
                    .isOk());
  }

  /// Commits record `recordId` with one pending delivery per connector id, named
  /// "<recordId>-<connector>".
  void commit(const std::string& recordId, const std::vector<std::string>& connectors) {
    Submission sub = makeSubmission("c-1", recordId);
    sub.deliveries.clear();
    for (const auto& c : connectors) {
      sub.deliveries.push_back({recordId + "-" + c, recordId + "-doc", "dmp", c,
                                DeliveryStatus::kPending, std::nullopt, std::nullopt});
    }
    ASSERT_TRUE(store->commitSubmission(sub).isOk());
  }

  std::vector<Delivery> claim(const std::string& connector, const std::string& owner = "gw-1",
                              std::size_t limit = 10, std::chrono::milliseconds lease = 60s) {
    auto claimed = store->claimDeliveries({connector, owner, lease, limit});
    EXPECT_TRUE(claimed.hasValue()) << claimed.status().toString();
    return claimed.hasValue() ? *claimed : std::vector<Delivery>{};
  }

  static FinishedAttempt failed(const Delivery& d, common::TimePoint next, int http = 503) {
    FinishedAttempt f;
    f.deliveryId = d.id;
    f.leaseId = d.leaseId.value_or("");
    f.next = DeliveryStatus::kFailed;
    f.nextAttemptAt = next;
    f.startedAt = testStart();
    f.outcome = AttemptOutcome::kFailed;
    f.errorClass = ErrorClass::kTransient;
    f.httpStatus = http;
    f.message = "HTTP " + std::to_string(http);
    return f;
  }

  static FinishedAttempt delivered(const Delivery& d, common::TimePoint at) {
    FinishedAttempt f;
    f.deliveryId = d.id;
    f.leaseId = d.leaseId.value_or("");
    f.next = DeliveryStatus::kDelivered;
    f.startedAt = at;
    f.outcome = AttemptOutcome::kDelivered;
    f.httpStatus = 200;
    return f;
  }

  static FinishedAttempt dead(const Delivery& d, common::TimePoint at) {
    FinishedAttempt f;
    f.deliveryId = d.id;
    f.leaseId = d.leaseId.value_or("");
    f.next = DeliveryStatus::kDead;
    f.reason = "permanent-error";
    f.startedAt = at;
    f.outcome = AttemptOutcome::kFailed;
    f.errorClass = ErrorClass::kPermanent;
    f.httpStatus = 400;
    f.message = "HTTP 400";
    return f;
  }

  Delivery get(const std::string& id) {
    auto d = store->getDelivery(id);
    EXPECT_TRUE(d.hasValue()) << d.status().toString();
    return d.hasValue() ? *d : Delivery{};
  }
};
FHIRGW_STORE_TEST_BOTH_ENGINES(DeliveryQueueTest);

/// What only the SQLite store has: its query plans and file.
class SqliteDeliveryQueue : public DeliveryQueueTest {
 protected:
  std::filesystem::path file() const { return db->url().substr(std::string("sqlite:").size()); }
};
INSTANTIATE_TEST_SUITE_P(, SqliteDeliveryQueue, ::testing::Values(Engine::kSqlite), engineName);

}  // namespace

TEST_P(DeliveryQueueTest, ClaimTakesOnlyDueDeliveriesOfItsConnectorWithALease) {
  commit("r-1", {"a", "b"});
  commit("r-2", {"a"});
  auto claimed = claim("a", "gw-1", 10, 30s);
  ASSERT_EQ(claimed.size(), 2u);
  std::set<std::string> ids;
  for (const Delivery& d : claimed) {
    ids.insert(d.id);
    EXPECT_EQ(d.status, DeliveryStatus::kInFlight);
    EXPECT_EQ(d.leaseOwner, "gw-1");
    ASSERT_TRUE(d.leaseId.has_value());
    EXPECT_EQ(d.leaseExpiresAt, testStart() + 30s);
    EXPECT_EQ(d.firstAttemptAt, testStart());
    EXPECT_EQ(d.attempts, 0);
  }
  EXPECT_EQ(ids, (std::set<std::string>{"r-1-a", "r-2-a"}));
  EXPECT_TRUE(claim("a").empty()) << "in-flight deliveries with a live lease are not handed out";
  EXPECT_EQ(claim("b").size(), 1u);
}

TEST_P(DeliveryQueueTest, ClaimHonoursTheLimitOldestDueFirst) {
  commit("r-1", {"a"});
  clock.advance(1s);
  commit("r-2", {"a"});
  auto first = claim("a", "gw-1", 1);
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0].id, "r-1-a");
  auto second = claim("a", "gw-1", 1);
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].id, "r-2-a");
  EXPECT_NE(first[0].leaseId, second[0].leaseId) << "each claim gets its own lease id";
}

TEST_P(DeliveryQueueTest, FailedAttemptIsRecordedAndDueAgainAtItsNextTime) {
  commit("r-1", {"a"});
  auto claimed = claim("a");
  ASSERT_EQ(claimed.size(), 1u);
  clock.advance(2s);
  ASSERT_TRUE(store->finishAttempt(failed(claimed[0], testStart() + 10s)).isOk());

  Delivery d = get("r-1-a");
  EXPECT_EQ(d.status, DeliveryStatus::kFailed);
  EXPECT_EQ(d.attempts, 1);
  EXPECT_EQ(d.nextAttemptAt, testStart() + 10s);
  EXPECT_EQ(d.lastError, "HTTP 503");
  EXPECT_FALSE(d.leaseOwner || d.leaseId || d.leaseExpiresAt);
  EXPECT_EQ(d.firstAttemptAt, testStart());
  EXPECT_EQ(d.updatedAt, testStart() + 2s);

  auto attempts = store->listDeliveryAttempts("r-1-a");
  ASSERT_TRUE(attempts.hasValue());
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kFailed);
  EXPECT_EQ((*attempts)[0].errorClass, ErrorClass::kTransient);
  EXPECT_EQ((*attempts)[0].httpStatus, 503);
  EXPECT_EQ((*attempts)[0].message, "HTTP 503");
  EXPECT_EQ((*attempts)[0].at, testStart());

  EXPECT_TRUE(claim("a").empty()) << "not due before its next attempt time";
  clock.advance(8s);
  auto again = claim("a");
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempts, 1);
  EXPECT_EQ(again[0].firstAttemptAt, testStart()) << "the first attempt time is kept";
}

TEST_P(DeliveryQueueTest, DeliveredAndDeadAreFinal) {
  commit("r-1", {"a", "b"});
  auto a = claim("a");
  auto b = claim("b");
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  ASSERT_TRUE(store->finishAttempt(delivered(a[0], testStart())).isOk());
  ASSERT_TRUE(store->finishAttempt(dead(b[0], testStart())).isOk());

  Delivery onA = get("r-1-a");
  EXPECT_EQ(onA.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(onA.attempts, 1);
  EXPECT_FALSE(onA.nextAttemptAt.has_value());
  EXPECT_FALSE(onA.lastError.has_value());
  Delivery onB = get("r-1-b");
  EXPECT_EQ(onB.status, DeliveryStatus::kDead);
  EXPECT_EQ(onB.reason, "permanent-error");
  EXPECT_EQ(onB.lastError, "HTTP 400");
  EXPECT_FALSE(onB.nextAttemptAt.has_value());

  clock.advance(24h);
  EXPECT_TRUE(claim("a").empty());
  EXPECT_TRUE(claim("b").empty());
  EXPECT_FALSE(store->nextDeliveryDue("a")->has_value());
}

TEST_P(DeliveryQueueTest, AnExpiredLeaseIsClaimedAgainAndTheLostAttemptCounts) {
  commit("r-1", {"a"});
  auto first = claim("a", "gw-1", 1, 30s);
  ASSERT_EQ(first.size(), 1u);
  clock.advance(29s);
  EXPECT_TRUE(claim("a", "gw-2").empty());
  clock.advance(1s);
  auto second = claim("a", "gw-2");
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].leaseOwner, "gw-2");
  EXPECT_EQ(second[0].attempts, 1) << "the unfinished attempt is counted";

  // The first worker wakes up late: its result is refused, the new claim stands.
  common::Status late = store->finishAttempt(delivered(first[0], testStart()));
  EXPECT_EQ(late.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(get("r-1-a").leaseOwner, "gw-2");
  EXPECT_EQ(store->releaseDelivery("r-1-a", *first[0].leaseId, clock.now()).code(),
            StatusCode::kFailedPrecondition);

  auto attempts = store->listDeliveryAttempts("r-1-a");
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kInterrupted);
  EXPECT_EQ((*attempts)[0].errorClass, ErrorClass::kTransient);
  ASSERT_TRUE(store->finishAttempt(delivered(second[0], clock.now())).isOk());
  EXPECT_EQ(get("r-1-a").status, DeliveryStatus::kDelivered);
  EXPECT_EQ(get("r-1-a").attempts, 2);
}

TEST_P(DeliveryQueueTest, ReleaseGivesAClaimBackWithoutAnAttempt) {
  commit("r-1", {"a"});
  auto claimed = claim("a");
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_TRUE(store->releaseDelivery("r-1-a", *claimed[0].leaseId, testStart() + 5s).isOk());
  Delivery d = get("r-1-a");
  EXPECT_EQ(d.status, DeliveryStatus::kPending);
  EXPECT_EQ(d.attempts, 0);
  EXPECT_FALSE(d.firstAttemptAt.has_value()) << "the retry window has not started";
  EXPECT_EQ(d.nextAttemptAt, testStart() + 5s);
  EXPECT_TRUE(store->listDeliveryAttempts("r-1-a")->empty());

  clock.advance(5s);
  claimed = claim("a");
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_TRUE(store->finishAttempt(failed(claimed[0], clock.now())).isOk());
  claimed = claim("a");
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_TRUE(store->releaseDelivery("r-1-a", *claimed[0].leaseId, clock.now()).isOk());
  EXPECT_EQ(get("r-1-a").status, DeliveryStatus::kFailed) << "attempted before: failed again";
  EXPECT_EQ(get("r-1-a").firstAttemptAt, testStart() + 5s);
}

TEST_P(DeliveryQueueTest, StartUpRecoveryRetriesOwnClaimsAndExpiredOnesOnly) {
  commit("r-1", {"a", "b", "c"});
  auto mine = claim("a", "gw-1", 1, 10min);
  auto expired = claim("b", "gw-2", 1, 10s);
  auto live = claim("c", "gw-2", 1, 10min);
  ASSERT_EQ(mine.size() + expired.size() + live.size(), 3u);
  clock.advance(1min);

  auto recovered = store->recoverInFlightDeliveries("gw-1");
  ASSERT_TRUE(recovered.hasValue()) << recovered.status().toString();
  EXPECT_EQ(*recovered, 2);
  for (const char* id : {"r-1-a", "r-1-b"}) {
    Delivery d = get(id);
    EXPECT_EQ(d.status, DeliveryStatus::kFailed) << id;
    EXPECT_EQ(d.attempts, 1) << id;
    EXPECT_EQ(d.nextAttemptAt, clock.now()) << id;
    EXPECT_FALSE(d.leaseId.has_value()) << id;
    auto attempts = store->listDeliveryAttempts(id);
    ASSERT_EQ(attempts->size(), 1u);
    EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kInterrupted);
  }
  EXPECT_EQ(get("r-1-c").status, DeliveryStatus::kInFlight) << "another instance's live claim";
  EXPECT_EQ(claim("a").size(), 1u) << "recovered deliveries are due at once";
  EXPECT_EQ(*store->recoverInFlightDeliveries("gw-3"), 0);
}

TEST_P(DeliveryQueueTest, NextDueIsTheEarliestRetryOrLeaseExpiry) {
  EXPECT_FALSE(store->nextDeliveryDue("a")->has_value());
  commit("r-1", {"a"});
  EXPECT_EQ(*store->nextDeliveryDue("a"), testStart());
  auto claimed = claim("a", "gw-1", 1, 45s);
  EXPECT_EQ(*store->nextDeliveryDue("a"), testStart() + 45s);
  ASSERT_TRUE(store->finishAttempt(failed(claimed[0], testStart() + 20s)).isOk());
  EXPECT_EQ(*store->nextDeliveryDue("a"), testStart() + 20s);
  EXPECT_FALSE(store->nextDeliveryDue("b")->has_value());
}

TEST_P(DeliveryQueueTest, OldestQueuedIsTheFirstCreatedNotYetDeliveredOfItsConnector) {
  EXPECT_FALSE(store->oldestQueuedDeliveryAt("a")->has_value());
  commit("r-1", {"a", "b"});
  clock.advance(10s);
  commit("r-2", {"a"});
  clock.advance(10s);
  commit("r-3", {"a"});
  EXPECT_EQ(*store->oldestQueuedDeliveryAt("a"), testStart());
  EXPECT_EQ(*store->oldestQueuedDeliveryAt("b"), testStart());
  // In flight and failed still wait; delivered and dead no longer do.
  auto first = claim("a", "gw-1", 1);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(first[0].id, "r-1-a");
  EXPECT_EQ(*store->oldestQueuedDeliveryAt("a"), testStart());
  ASSERT_TRUE(store->finishAttempt(failed(first[0], clock.now() + 60s)).isOk());
  EXPECT_EQ(*store->oldestQueuedDeliveryAt("a"), testStart());
  clock.advance(60s);
  std::map<std::string, Delivery> claimed;
  for (const Delivery& d : claim("a")) claimed[d.id] = d;
  ASSERT_EQ(claimed.size(), 3u);
  ASSERT_TRUE(store->finishAttempt(delivered(claimed["r-1-a"], clock.now())).isOk());
  EXPECT_EQ(*store->oldestQueuedDeliveryAt("a"), testStart() + 10s);
  ASSERT_TRUE(store->finishAttempt(dead(claimed["r-2-a"], clock.now())).isOk());
  EXPECT_EQ(*store->oldestQueuedDeliveryAt("a"), testStart() + 20s);
  ASSERT_TRUE(store->finishAttempt(delivered(claimed["r-3-a"], clock.now())).isOk());
  EXPECT_FALSE(store->oldestQueuedDeliveryAt("a")->has_value());
  EXPECT_EQ(*store->oldestQueuedDeliveryAt("b"), testStart());
}

TEST_P(DeliveryQueueTest, InconsistentFinishesAreRefused) {
  commit("r-1", {"a"});
  auto claimed = claim("a");
  ASSERT_EQ(claimed.size(), 1u);
  FinishedAttempt noNext = failed(claimed[0], clock.now());
  noNext.nextAttemptAt.reset();
  EXPECT_EQ(store->finishAttempt(noNext).code(), StatusCode::kInvalidArgument);
  FinishedAttempt noReason = dead(claimed[0], clock.now());
  noReason.reason.reset();
  EXPECT_EQ(store->finishAttempt(noReason).code(), StatusCode::kInvalidArgument);
  FinishedAttempt pending = delivered(claimed[0], clock.now());
  pending.next = DeliveryStatus::kPending;
  EXPECT_EQ(store->finishAttempt(pending).code(), StatusCode::kInvalidArgument);
  FinishedAttempt wrongLease = delivered(claimed[0], clock.now());
  wrongLease.leaseId = "not-the-lease";
  EXPECT_EQ(store->finishAttempt(wrongLease).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(get("r-1-a").status, DeliveryStatus::kInFlight);
  EXPECT_EQ(store->claimDeliveries({"a", "", 1s, 1}).status().code(), StatusCode::kInvalidArgument);
}

TEST_P(DeliveryQueueTest, AdminRetryRevivesOneDeadDeliveryWithAFreshBudget) {
  commit("r-1", {"a", "b"});
  auto a = claim("a");
  ASSERT_TRUE(store->finishAttempt(dead(a[0], clock.now())).isOk());
  clock.advance(1h);
  ASSERT_TRUE(store->retryDeadDelivery("r-1-a").isOk());
  Delivery d = get("r-1-a");
  EXPECT_EQ(d.status, DeliveryStatus::kPending);
  EXPECT_EQ(d.attempts, 0);
  EXPECT_FALSE(d.firstAttemptAt.has_value());
  EXPECT_FALSE(d.reason.has_value());
  EXPECT_EQ(d.nextAttemptAt, clock.now());
  EXPECT_EQ(store->listDeliveryAttempts("r-1-a")->size(), 1u) << "history is kept";
  EXPECT_EQ(claim("a").size(), 1u);

  EXPECT_EQ(store->retryDeadDelivery("r-1-b").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->retryDeadDelivery("nope").code(), StatusCode::kNotFound);
}

TEST_P(DeliveryQueueTest, BulkRetryTakesTheDeadDeliveriesMatchingTheFilter) {
  commit("r-1", {"a", "b"});
  commit("r-2", {"a"});
  for (const char* c : {"a", "b"}) {
    for (const Delivery& d : claim(c))
      ASSERT_TRUE(store->finishAttempt(dead(d, clock.now())).isOk());
  }
  // The dry run counts what the retry takes, and changes nothing.
  auto wouldRetry = store->countRetriableDeadDeliveries({"a", std::nullopt, std::nullopt});
  ASSERT_TRUE(wouldRetry.hasValue()) << wouldRetry.status().toString();
  EXPECT_EQ(*wouldRetry, 2);
  EXPECT_EQ(*store->countRetriableDeadDeliveries({}), 3);
  EXPECT_EQ(*store->countRetriableDeadDeliveries({std::nullopt, "r-1", std::nullopt}), 2);
  EXPECT_EQ(*store->countRetriableDeadDeliveries({"a", "r-1", std::nullopt}), 1);
  EXPECT_EQ(*store->countRetriableDeadDeliveries({std::nullopt, std::nullopt, clock.now() + 1s}),
            0);
  EXPECT_EQ(get("r-1-a").status, DeliveryStatus::kDead);
  auto byConnector = store->retryDeadDeliveries({"a", std::nullopt, std::nullopt});
  ASSERT_TRUE(byConnector.hasValue());
  EXPECT_EQ(*byConnector, 2);
  EXPECT_EQ(*store->countRetriableDeadDeliveries({"a", std::nullopt, std::nullopt}), 0);
  EXPECT_EQ(get("r-1-b").status, DeliveryStatus::kDead);
  EXPECT_EQ(*store->retryDeadDeliveries({std::nullopt, "r-2", std::nullopt}), 0);
  EXPECT_EQ(*store->retryDeadDeliveries({std::nullopt, std::nullopt, clock.now() + 1s}), 0);
  EXPECT_EQ(*store->countRetriableDeadDeliveries({}), 1);
  EXPECT_EQ(*store->retryDeadDeliveries({}), 1);
  EXPECT_EQ(get("r-1-b").status, DeliveryStatus::kPending);
  EXPECT_EQ(*store->countRetriableDeadDeliveries({}), 0);
}

TEST_P(DeliveryQueueTest, QueriesFilterAndPageNewestChangeFirst) {
  commit("r-1", {"a", "b"});
  clock.advance(1s);
  commit("r-2", {"a"});
  clock.advance(1s);
  auto b = claim("b");
  ASSERT_TRUE(store->finishAttempt(dead(b[0], clock.now())).isOk());

  DeliveryQuery q;
  q.connectorId = "a";
  auto page = store->queryDeliveries(q);
  ASSERT_TRUE(page.hasValue()) << page.status().toString();
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, "r-2-a");
  EXPECT_EQ((*page)[1].id, "r-1-a");

  q = {};
  q.status = DeliveryStatus::kDead;
  page = store->queryDeliveries(q);
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, "r-1-b");

  q = {};
  q.recordId = "r-1";
  page = store->queryDeliveries(q);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, "r-1-b") << "changed last";
  EXPECT_EQ((*page)[1].id, "r-1-a");

  q = {};
  q.since = testStart() + 1s;
  page = store->queryDeliveries(q);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, "r-1-b");
  EXPECT_EQ((*page)[1].id, "r-2-a");

  q = {};
  q.limit = 2;
  page = store->queryDeliveries(q);
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, "r-1-b");
  EXPECT_EQ((*page)[1].id, "r-2-a");
  q.after = DeliveryCursor{page->back().updatedAt, page->back().id};
  auto next = store->queryDeliveries(q);
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].id, "r-1-a");
  q.after = DeliveryCursor{next->back().updatedAt, next->back().id};
  EXPECT_TRUE(store->queryDeliveries(q)->empty());
}

TEST_P(DeliveryQueueTest, PagesOfDeliveriesChangedInTheSameInstantFollowTheirIds) {
  commit("r-1", {"a", "b", "c"});  // three rows with the same updatedAt
  DeliveryQuery q;
  q.limit = 1;
  std::vector<std::string> seen;
  for (int i = 0; i < 4; ++i) {
    auto page = store->queryDeliveries(q);
    ASSERT_TRUE(page.hasValue()) << page.status().toString();
    if (page->empty()) break;
    seen.push_back(page->front().id);
    q.after = DeliveryCursor{page->front().updatedAt, page->front().id};
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"r-1-c", "r-1-b", "r-1-a"}));
}

TEST_P(DeliveryQueueTest, QueueDepthsCountByConnectorAndState) {
  commit("r-1", {"a", "b"});
  commit("r-2", {"a"});
  auto claimed = claim("a", "gw-1", 1);
  ASSERT_TRUE(store->finishAttempt(delivered(claimed[0], clock.now())).isOk());
  auto depths = store->deliveryQueueDepths();
  ASSERT_TRUE(depths.hasValue()) << depths.status().toString();
  std::map<std::pair<std::string, std::string>, std::int64_t> counts;
  for (const QueueDepth& q : *depths) {
    counts[{q.connectorId.value_or("-"), std::string(deliveryStatusName(q.status))}] = q.count;
  }
  const std::map<std::pair<std::string, std::string>, std::int64_t> expected = {
      {{"a", "delivered"}, 1}, {{"a", "pending"}, 1}, {{"b", "pending"}, 1}};
  EXPECT_EQ(counts, expected);
}

TEST_P(DeliveryQueueTest, TargetIsStoredWithTheDelivery) {
  Submission sub = makeSubmission("c-1", "r-1");
  sub.deliveries = {{"r-1-tp", "r-1-doc", "treating-physician", "fhir-tp", DeliveryStatus::kPending,
                     std::nullopt, "https://fhir.example/r4"}};
  ASSERT_TRUE(store->commitSubmission(sub).isOk());
  EXPECT_EQ(get("r-1-tp").target, "https://fhir.example/r4");
  EXPECT_EQ((*store->listDeliveries("c-1", "r-1"))[0].target, "https://fhir.example/r4");
}

TEST_P(DeliveryQueueTest, RecordResourcesAreListedAtTheirLatestVersionForAnyClient) {
  Submission sub = makeSubmission("c-1", "r-1");
  sub.resources.push_back({std::nullopt, "Encounter", "r-1-enc", 2,
                           R"({"resourceType":"Encounter","status":"finished"})"});
  ASSERT_TRUE(store->commitSubmission(sub).isOk());
  auto resources = store->listRecordFhirResources("r-1");
  ASSERT_TRUE(resources.hasValue()) << resources.status().toString();
  ASSERT_EQ(resources->size(), 2u);
  EXPECT_EQ((*resources)[0].resourceId, "r-1-docref");
  EXPECT_EQ((*resources)[0].documentId, "r-1-doc");
  EXPECT_EQ((*resources)[1].resourceId, "r-1-enc");
  EXPECT_EQ((*resources)[1].version, 2);
  EXPECT_TRUE(store->listRecordFhirResources("unknown")->empty());
}

TEST_P(DeliveryQueueTest, PayloadResourcesAreTheRecordLevelOnesAndTheDeliverysDocumentOnly) {
  Submission sub = makeSubmission("c-1", "r-1");
  sub.documents.push_back(
      {"r-1-doc2", std::nullopt, "report", "dochash-2", R"({"kind":"report"})", R"({"issue":[]})"});
  sub.resources.push_back({std::nullopt, "Patient", "r-1-pat", 1, R"({"resourceType":"Patient"})"});
  sub.resources.push_back({"r-1-doc", "Binary", "r-1-bin", 1, R"({"resourceType":"Binary"})"});
  sub.resources.push_back({"r-1-doc2", "DocumentReference", "r-1-docref2", 1,
                           R"({"resourceType":"DocumentReference"})"});
  sub.resources.push_back({std::nullopt, "Encounter", "r-1-enc", 2,
                           R"({"resourceType":"Encounter","status":"finished"})"});
  ASSERT_TRUE(store->commitSubmission(sub).isOk());
  ASSERT_TRUE(store->commitSubmission(makeSubmission("c-1", "r-2")).isOk());

  const auto ids = [](const std::vector<FhirResource>& rs) {
    std::vector<std::string> out;
    for (const auto& r : rs) out.push_back(r.resourceId + "@" + std::to_string(r.version));
    return out;
  };
  auto forDoc = store->listPayloadFhirResources("r-1", std::string("r-1-doc"));
  ASSERT_TRUE(forDoc.hasValue()) << forDoc.status().toString();
  EXPECT_EQ(ids(*forDoc),
            (std::vector<std::string>{"r-1-docref@1", "r-1-pat@1", "r-1-bin@1", "r-1-enc@2"}))
      << "creation order, latest versions, never r-1-doc2's rows nor r-2's";
  auto forDoc2 = store->listPayloadFhirResources("r-1", std::string("r-1-doc2"));
  ASSERT_TRUE(forDoc2.hasValue());
  EXPECT_EQ(ids(*forDoc2), (std::vector<std::string>{"r-1-pat@1", "r-1-docref2@1", "r-1-enc@2"}));
  auto forEncounter = store->listPayloadFhirResources("r-1", std::nullopt);
  ASSERT_TRUE(forEncounter.hasValue());
  EXPECT_EQ(ids(*forEncounter), (std::vector<std::string>{"r-1-pat@1", "r-1-enc@2"}));
  EXPECT_EQ((*forEncounter)[0].recordId, "r-1");
  EXPECT_FALSE((*forEncounter)[0].documentId.has_value());
  EXPECT_TRUE(store->listPayloadFhirResources("unknown", std::string("r-1-doc"))->empty());
  EXPECT_TRUE(store->listPayloadFhirResources("r-2", std::string("r-1-doc"))->size() == 1u)
      << "another record's document is not this record's: only r-2's record-level Encounter";
}

TEST_P(SqliteDeliveryQueue, PayloadQueryUsesTheRecordDocumentIndex) {
  auto raw = rawSession(file());
  std::vector<std::string> plan;
  using PlanRow = Poco::Tuple<int, int, int, std::string>;
  std::vector<PlanRow> rows;
  raw << "EXPLAIN QUERY PLAN SELECT f.json FROM fhir_resources f"
         " WHERE f.record_id = 'r' AND f.document_id = 'd'",
      kw::into(rows), kw::now;
  ASSERT_FALSE(rows.empty());
  EXPECT_NE(rows[0].get<3>().find("fhir_resources_record_document"), std::string::npos)
      << rows[0].get<3>();
}

namespace {

/// A record of `clientId` with `count` pending deliveries on connector "a": ids "<recordId>-<i>"
/// for i < 10, then "<recordId>-x<i>" (so that the id order is the creation order).
Submission bulkSubmission(const std::string& clientId, const std::string& recordId, int count) {
  Submission sub = makeSubmission(clientId, recordId);
  sub.deliveries.clear();
  for (int i = 0; i < count; ++i) {
    const std::string id = i < 10 ? std::to_string(i) : "x" + std::to_string(i);
    sub.deliveries.push_back({recordId + "-" + id, recordId + "-doc", "dmp", "a",
                              DeliveryStatus::kPending, std::nullopt, std::nullopt});
  }
  return sub;
}

}  // namespace

TEST_P(DeliveryQueueTest, ClaimsGoRoundRobinAcrossClientsNotOldestFirst) {
  ASSERT_TRUE(store
                  ->createClient({"c-2", "c-2", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  ASSERT_TRUE(store
                  ->createClient({"c-3", "c-3", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-1", "big", 200)).isOk());
  clock.advance(1s);
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-2", "mid", 3)).isOk());
  clock.advance(1s);
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-3", "one", 1)).isOk());

  std::vector<std::string> order;
  for (int i = 0; i < 8; ++i) {
    auto claimed = claim("a", "gw-1", 1);
    ASSERT_EQ(claimed.size(), 1u);
    order.push_back(claimed[0].id);
  }
  // Never served clients first (oldest due among them), then the least recently served.
  EXPECT_EQ(order, (std::vector<std::string>{"big-0", "mid-0", "one-0", "big-1", "mid-1", "big-2",
                                             "mid-2", "big-3"}));
}

TEST_P(DeliveryQueueTest, ABatchClaimInterleavesClientsToo) {
  ASSERT_TRUE(store
                  ->createClient({"c-2", "c-2", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-1", "big", 50)).isOk());
  clock.advance(1s);
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-2", "small", 2)).isOk());
  auto claimed = claim("a", "gw-1", 4);
  std::vector<std::string> ids;
  for (const auto& d : claimed) ids.push_back(d.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"big-0", "small-0", "big-1", "small-1"}));
  EXPECT_TRUE(std::all_of(claimed.begin(), claimed.end(), [&](const Delivery& d) {
    return d.status == DeliveryStatus::kInFlight && d.leaseId == claimed[0].leaseId;
  }));
}

TEST_P(DeliveryQueueTest, WithinAClientClaimsGoRoundRobinAcrossRecords) {
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-1", "big", 100)).isOk());
  clock.advance(1s);
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-1", "small", 2)).isOk());
  std::vector<std::string> order;
  for (int i = 0; i < 5; ++i) order.push_back(claim("a", "gw-1", 1).at(0).id);
  EXPECT_EQ(order, (std::vector<std::string>{"big-0", "small-0", "big-1", "small-1", "big-2"}));
}

TEST_P(DeliveryQueueTest, FairnessKeepsOnlyDueDeliveriesAndLeases) {
  ASSERT_TRUE(store
                  ->createClient({"c-2", "c-2", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-1", "big", 3)).isOk());
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-2", "other", 1)).isOk());
  auto first = claim("a", "gw-1", 1).at(0);
  auto second = claim("a", "gw-1", 1).at(0);
  EXPECT_NE(first.id.substr(0, 3), second.id.substr(0, 3)) << "one of each client";
  // c-2's only delivery fails and is due later: c-1 is served meanwhile, whatever the turns.
  const Delivery& other = first.id == "other-0" ? first : second;
  ASSERT_TRUE(store->finishAttempt(failed(other, testStart() + 1h)).isOk());
  EXPECT_EQ(claim("a", "gw-1", 1).at(0).id.substr(0, 4), "big-");
  EXPECT_EQ(claim("a", "gw-1", 1).at(0).id.substr(0, 4), "big-");
  EXPECT_TRUE(claim("a", "gw-1", 1).empty()) << "nothing due: in-flight ones hold their lease";
  clock.advance(1h);
  EXPECT_EQ(claim("a", "gw-1", 1).at(0).id, "other-0") << "due again, and its turn is old";
}

TEST_P(DeliveryQueueTest, RecordsWithNothingLeftToDeliverLeaveTheLine) {
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-1", "done", 1)).isOk());
  clock.advance(1s);
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-1", "big", 300)).isOk());
  const auto line = [&] {
    auto ids = db->column("SELECT record_id FROM delivery_lines ORDER BY record_id");
    EXPECT_TRUE(ids.hasValue()) << ids.status().toString();
    return ids.hasValue() ? *ids : std::vector<std::string>{};
  };
  EXPECT_EQ(line(), (std::vector<std::string>{"big", "done"})) << "both queued on connector a";
  const Delivery first = claim("a", "gw-1", 1).at(0);
  ASSERT_EQ(first.id, "done-0");
  EXPECT_EQ(line(), (std::vector<std::string>{"big", "done"})) << "in flight: still in the line";
  ASSERT_TRUE(store->finishAttempt(delivered(first, testStart())).isOk());
  // SQLite takes "done" out when a claim walks over it, PostgreSQL every 256 picks: after 256
  // picks, both have.
  for (int i = 0; i < 255; ++i) ASSERT_EQ(claim("a", "gw-1", 1).size(), 1u);
  EXPECT_EQ(line(), (std::vector<std::string>{"big"}))
      << "\"done\" has nothing left on connector a; \"big\" still has due deliveries";
}

TEST_P(DeliveryQueueTest, ADeadDeliveryRetriedOrReroutedAfterItsRecordLeftTheLineIsClaimedAgain) {
  commit("r-1", {"a"});
  commit("r-2", {"a"});
  ASSERT_TRUE(store->finishAttempt(dead(claim("a", "gw-1", 1).at(0), clock.now())).isOk());
  ASSERT_TRUE(store->finishAttempt(dead(claim("a", "gw-1", 1).at(0), clock.now())).isOk());
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-1", "big", 300)).isOk());
  for (int i = 0; i < 256; ++i) ASSERT_EQ(claim("a", "gw-1", 1).size(), 1u);
  auto line = db->column("SELECT record_id FROM delivery_lines ORDER BY record_id");
  ASSERT_TRUE(line.hasValue()) << line.status().toString();
  ASSERT_EQ(*line, (std::vector<std::string>{"big"})) << "r-1 and r-2 have only dead deliveries";

  ASSERT_TRUE(store->retryDeadDelivery("r-1-a").isOk());
  EXPECT_EQ(claim("a", "gw-1", 1).at(0).id, "r-1-a") << "back in the line, never served since";
  ASSERT_EQ(
      *store->rerouteDeliveries({"a", "b", {DeliveryStatus::kDead}, std::nullopt, std::nullopt}),
      1);
  auto moved = claim("b", "gw-1", 10);
  ASSERT_EQ(moved.size(), 1u) << "re-routed: in connector b's line";
  EXPECT_EQ(moved[0].id, "r-2-a");
}

TEST(DeliveryQueueMigration, ADatabaseAtVersionOneKeepsItsDeliveriesWhenMigrated) {
  TempDir dir;
  const auto db = dir.path() / "gateway.db";
  {
    // Build a version-1 database the way the first release wrote it.
    auto raw = rawSession(db);
    raw << std::string(detail::kCreateSchemaMigrations), kw::now;
    const detail::Migration& first = detail::migrations().front();
    ASSERT_EQ(first.version, 1);
    for (const detail::MigrationStatement& statement : first.statements) {
      const std::string_view sql = statement.text(detail::Engine::kSqlite);
      if (!sql.empty()) raw << std::string(sql), kw::now;
    }
    raw << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'foundation', 0)",
        kw::now;
    raw << "INSERT INTO clients (id, name, role, created_at) VALUES ('c-1', 'c', 'editor', 0)",
        kw::now;
    raw << "INSERT INTO records (id, client_id, created_at, status, request_hash, body, outcome,"
           " practitioner_rpps, encounter_year, practitioner_is_treating)"
           " VALUES ('r-1', 'c-1', 0, 'accepted', 'h', '{}', '{}', '1', 2026, 0)",
        kw::now;
    raw << "INSERT INTO deliveries (id, record_id, destination, connector_id, status, attempts,"
           " next_attempt_at, created_at, updated_at)"
           " VALUES ('d-1', 'r-1', 'dmp', 'a', 'pending', 0, 0, 0, 0)",
        kw::now;
  }
  common::ManualClock clock{testStart()};
  StoreOptions options;
  options.url = "sqlite:" + db.string();
  auto store = openStore(options, clock);
  ASSERT_TRUE(store.hasValue()) << store.status().toString();
  EXPECT_EQ(*(*store)->schemaVersion(), latestSqliteSchemaVersion());
  auto claimed = (*store)->claimDeliveries({"a", "gw-1", 1min, 5});
  ASSERT_TRUE(claimed.hasValue()) << claimed.status().toString();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, "d-1");
  EXPECT_FALSE((*claimed)[0].target.has_value());
}

TEST_P(DeliveryQueueTest, AbandonGivesUpOnAClaimWithoutAnAttempt) {
  commit("r-1", {"a"});
  auto claimed = claim("a");
  ASSERT_EQ(claimed.size(), 1u);
  EXPECT_EQ(store->abandonDelivery("r-1-a", "other-lease", "max-attempts").code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store->abandonDelivery("r-1-a", *claimed[0].leaseId, "max-attempts").isOk());
  Delivery d = get("r-1-a");
  EXPECT_EQ(d.status, DeliveryStatus::kDead);
  EXPECT_EQ(d.reason, "max-attempts");
  EXPECT_EQ(d.attempts, 0);
  EXPECT_TRUE(store->listDeliveryAttempts("r-1-a")->empty());
}

TEST_P(DeliveryQueueTest, RerouteMovesPendingFailedAndDeadDeliveriesWithAFreshBudget) {
  commit("r-2", {"a"});
  ASSERT_TRUE(store->finishAttempt(failed(claim("a").at(0), clock.now() + 1h)).isOk());
  commit("r-3", {"a"});
  ASSERT_TRUE(store->finishAttempt(dead(claim("a").at(0), clock.now())).isOk());
  commit("r-5", {"a"});
  ASSERT_TRUE(store->finishAttempt(delivered(claim("a").at(0), clock.now())).isOk());
  commit("r-4", {"a"});
  const std::vector<Delivery> inFlight = claim("a");
  ASSERT_EQ(inFlight.size(), 1u);
  commit("r-1", {"a"});
  clock.advance(1h);

  auto moved = store->rerouteDeliveries({"a", "b", {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(moved.hasValue()) << moved.status().toString();
  EXPECT_EQ(*moved, 3);
  for (const char* id : {"r-1-a", "r-2-a", "r-3-a"}) {
    const Delivery d = get(id);
    EXPECT_EQ(d.id, id) << "the id stays: attempts refer to it";
    EXPECT_EQ(d.connectorId, "b") << id;
    EXPECT_EQ(d.status, DeliveryStatus::kPending) << id;
    EXPECT_EQ(d.attempts, 0) << id;
    EXPECT_FALSE(d.firstAttemptAt.has_value()) << id;
    EXPECT_FALSE(d.reason.has_value()) << id;
    EXPECT_EQ(d.nextAttemptAt, clock.now()) << id;
  }
  EXPECT_EQ(store->listDeliveryAttempts("r-2-a")->size(), 1u) << "history is kept";
  EXPECT_EQ(store->listDeliveryAttempts("r-3-a")->size(), 1u) << "history is kept";
  EXPECT_EQ(get("r-4-a").status, DeliveryStatus::kInFlight) << "never an in-flight one";
  EXPECT_EQ(get("r-4-a").connectorId, "a");
  EXPECT_EQ(get("r-5-a").status, DeliveryStatus::kDelivered) << "never a delivered one";
  EXPECT_EQ(get("r-5-a").connectorId, "a");
  // Its worker still finishes the in-flight one under its lease.
  EXPECT_TRUE(store->finishAttempt(delivered(inFlight[0], clock.now())).isOk());

  std::set<std::string> claimed;
  for (const Delivery& d : claim("b")) claimed.insert(d.id);
  EXPECT_EQ(claimed, (std::set<std::string>{"r-1-a", "r-2-a", "r-3-a"}));
  EXPECT_TRUE(claim("a").empty());
}

TEST_P(DeliveryQueueTest, RerouteTakesOnlyTheDeliveriesMatchingItsFilters) {
  commit("r-1", {"a"});
  ASSERT_TRUE(store->finishAttempt(dead(claim("a").at(0), clock.now())).isOk());
  clock.advance(1h);
  const common::TimePoint later = clock.now();
  commit("r-2", {"a"});
  Submission other = makeSubmission("c-1", "r-3");  // r-3-dmp to dmp-main, r-3-patient skipped
  other.deliveries.push_back({"r-3-tp", "r-3-doc", "treating-physician", "dmp-main",
                              DeliveryStatus::kPending, std::nullopt, std::nullopt});
  ASSERT_TRUE(store->commitSubmission(other).isOk());

  EXPECT_EQ(
      *store->rerouteDeliveries({"a", "b", {DeliveryStatus::kPending}, std::nullopt, std::nullopt}),
      1);
  EXPECT_EQ(get("r-2-a").connectorId, "b");
  EXPECT_EQ(get("r-1-a").connectorId, "a") << "dead, not asked for";
  EXPECT_EQ(*store->rerouteDeliveries({"a", "b", {DeliveryStatus::kDead}, later, std::nullopt}), 0)
      << "created before since";
  EXPECT_EQ(*store->rerouteDeliveries(
                {"a", "b", {DeliveryStatus::kDead}, std::nullopt, std::string("patient")}),
            0)
      << "another destination";
  EXPECT_EQ(*store->rerouteDeliveries({"a",
                                       "b",
                                       {DeliveryStatus::kDead, DeliveryStatus::kFailed},
                                       testStart(),
                                       std::string("dmp")}),
            1);
  EXPECT_EQ(get("r-1-a").connectorId, "b");
  EXPECT_EQ(get("r-1-a").status, DeliveryStatus::kPending);

  EXPECT_EQ(*store->rerouteDeliveries(
                {"dmp-main", "mss", {}, std::nullopt, std::string("treating-physician")}),
            1);
  EXPECT_EQ(get("r-3-tp").connectorId, "mss");
  EXPECT_EQ(get("r-3-dmp").connectorId, "dmp-main");
  EXPECT_EQ(get("r-3-patient").status, DeliveryStatus::kSkipped);
  EXPECT_FALSE(get("r-3-patient").connectorId.has_value()) << "skipped rows have no connector";
  EXPECT_EQ(*store->rerouteDeliveries({"nobody", "b", {}, std::nullopt, std::nullopt}), 0);
}

TEST_P(DeliveryQueueTest, RerouteLeavesADeliveryTheTargetAlreadyHasForTheSameDocument) {
  commit("r-1", {"a", "b"});  // the same document to the same destination through both
  commit("r-2", {"a"});
  auto moved = store->rerouteDeliveries({"a", "b", {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(moved.hasValue());
  EXPECT_EQ(*moved, 1) << "only r-2's: b already has r-1's document";
  EXPECT_EQ(get("r-1-a").connectorId, "a");
  EXPECT_EQ(get("r-1-a").status, DeliveryStatus::kPending) << "left as it was";
  EXPECT_EQ(get("r-1-b").connectorId, "b");
  EXPECT_EQ(get("r-2-a").connectorId, "b");
  EXPECT_EQ(claim("b").size(), 2u) << "r-1's document goes once to b";
}

TEST_P(DeliveryQueueTest, RerouteRefusesEqualOrEmptyIdsAndOtherStatuses) {
  commit("r-1", {"a"});
  EXPECT_EQ(store->rerouteDeliveries({"a", "a", {}, std::nullopt, std::nullopt}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->rerouteDeliveries({"", "b", {}, std::nullopt, std::nullopt}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store->rerouteDeliveries({"a", "", {}, std::nullopt, std::nullopt}).status().code(),
            StatusCode::kInvalidArgument);
  for (const DeliveryStatus st :
       {DeliveryStatus::kInFlight, DeliveryStatus::kDelivered, DeliveryStatus::kSkipped}) {
    EXPECT_EQ(store
                  ->rerouteDeliveries(
                      {"a", "b", {DeliveryStatus::kPending, st}, std::nullopt, std::nullopt})
                  .status()
                  .code(),
              StatusCode::kInvalidArgument)
        << deliveryStatusName(st);
  }
  EXPECT_EQ(get("r-1-a").connectorId, "a") << "nothing moved";
}

// ---- batches (issue 15): many deliveries claimed, and many results recorded, per transaction ---

namespace {

/// The same queue in every store given: three clients, records of different sizes created at
/// different times, a failed delivery due again, one due later, and an expired lease.
void fillMixedQueue(Store& s, common::ManualClock& clock) {
  for (const char* id : {"c-2", "c-3"}) {
    ASSERT_TRUE(
        s.createClient({id, id, ClientRole::kEditor, {}}, fhirgw::testsupport::newStoredKey())
            .isOk());
  }
  ASSERT_TRUE(s.commitSubmission(bulkSubmission("c-1", "big", 30)).isOk());
  clock.advance(1s);
  ASSERT_TRUE(s.commitSubmission(bulkSubmission("c-2", "mid", 5)).isOk());
  clock.advance(1s);
  ASSERT_TRUE(s.commitSubmission(bulkSubmission("c-1", "second", 4)).isOk());
  ASSERT_TRUE(s.commitSubmission(bulkSubmission("c-3", "one", 2)).isOk());
  // Three picks, then: one fails and is due again in 10 s, one fails and is due in an hour,
  // one keeps a lease of 20 s that will expire.
  auto claimed = s.claimDeliveries({"a", "gw-1", 20s, 3});
  ASSERT_TRUE(claimed.hasValue());
  ASSERT_EQ(claimed->size(), 3u);
  const auto fail = [&](const Delivery& d, common::TimePoint next) {
    FinishedAttempt f;
    f.deliveryId = d.id;
    f.leaseId = *d.leaseId;
    f.next = DeliveryStatus::kFailed;
    f.nextAttemptAt = next;
    f.startedAt = clock.now();
    f.outcome = AttemptOutcome::kFailed;
    f.errorClass = ErrorClass::kTransient;
    f.httpStatus = 503;
    return s.finishAttempt(f);
  };
  ASSERT_TRUE(fail((*claimed)[0], clock.now() + 10s).isOk());
  ASSERT_TRUE(fail((*claimed)[1], clock.now() + 1h).isOk());
  clock.advance(30s);
  ASSERT_TRUE(s.commitSubmission(bulkSubmission("c-2", "late", 3)).isOk());
}

std::vector<std::string> idsOf(const std::vector<Delivery>& deliveries) {
  std::vector<std::string> ids;
  for (const Delivery& d : deliveries) ids.push_back(d.id);
  return ids;
}

}  // namespace

TEST_P(DeliveryQueueTest, ABatchClaimTakesWhatClaimsOfOneWouldInTheSameOrder) {
  auto otherDb = TestDatabase::create(GetParam());
  ASSERT_TRUE(otherDb.hasValue()) << otherDb.status().toString();
  common::ManualClock otherClock{testStart()};
  auto opened = (*otherDb)->open({}, otherClock);
  ASSERT_TRUE(opened.hasValue()) << opened.status().toString();
  std::unique_ptr<Store> other = std::move(*opened);
  ASSERT_TRUE(other
                  ->createClient({"c-1", "c-1", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  fillMixedQueue(*store, clock);
  fillMixedQueue(*other, otherClock);

  std::vector<std::string> oneByOne;
  for (;;) {
    auto claimed = claim("a", "gw-2", 1);
    if (claimed.empty()) break;
    ASSERT_EQ(claimed.size(), 1u);
    oneByOne.push_back(claimed[0].id);
  }
  std::vector<std::string> batched;
  std::set<std::string> leases;
  for (;;) {
    auto claimed = other->claimDeliveries({"a", "gw-2", 60s, 7});
    ASSERT_TRUE(claimed.hasValue());
    if (claimed->empty()) break;
    EXPECT_LE(claimed->size(), 7u);
    for (const Delivery& d : *claimed) {
      EXPECT_EQ(d.status, DeliveryStatus::kInFlight);
      EXPECT_EQ(d.leaseOwner, "gw-2");
      EXPECT_EQ(d.leaseId, claimed->front().leaseId) << "one claim, one lease";
    }
    leases.insert(*claimed->front().leaseId);
    const auto ids = idsOf(*claimed);
    batched.insert(batched.end(), ids.begin(), ids.end());
  }
  // 44 queued, 3 claimed by the filling: the one due in an hour and the live... none: the 20 s
  // lease expired, so 43 are due (the one failed until an hour from now is not).
  EXPECT_EQ(oneByOne.size(), 43u);
  EXPECT_EQ(batched, oneByOne);
  EXPECT_EQ(leases.size(), 7u) << "43 deliveries in claims of at most 7";
  EXPECT_EQ(std::set<std::string>(oneByOne.begin(), oneByOne.end()).size(), oneByOne.size())
      << "no delivery handed out twice";
  // The filling served big-0, mid-0 and one-0 (turns 1, 2, 3): each client's record not served
  // yet comes first, then c-3's expired lease, then big's oldest due (big-0's retry is due after
  // big-1, queued first).
  EXPECT_EQ(std::vector<std::string>(oneByOne.begin(), oneByOne.begin() + 4),
            (std::vector<std::string>{"second-0", "late-0", "one-0", "big-1"}));
}

TEST_P(DeliveryQueueTest, ABatchClaimOfAnExpiredLeaseCountsItsLostAttempt) {
  fillMixedQueue(*store, clock);
  // one-0, the third delivery of the filling's claim, kept a 20 s lease, expired 10 s ago.
  auto claimed = claim("a", "gw-2", 100);
  ASSERT_EQ(claimed.size(), 43u);
  const auto retaken = std::find_if(claimed.begin(), claimed.end(),
                                    [](const Delivery& d) { return d.id == "one-0"; });
  ASSERT_NE(retaken, claimed.end());
  EXPECT_EQ(retaken->attempts, 1) << "the lost attempt counts";
  EXPECT_EQ(retaken->leaseOwner, "gw-2");
  EXPECT_EQ(retaken->leaseId, claimed.front().leaseId);
  auto attempts = store->listDeliveryAttempts("one-0");
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kInterrupted);
  EXPECT_TRUE(store->listDeliveryAttempts("second-0")->empty()) << "only the expired one";
}

TEST_P(DeliveryQueueTest, ABatchOfResultsIsRecordedAtOnceAndALostLeaseFailsAlone) {
  commit("r-1", {"a"});
  commit("r-2", {"a"});
  commit("r-3", {"a"});
  auto first = claim("a", "gw-1", 3, 10s);
  ASSERT_EQ(first.size(), 3u);
  clock.advance(10s);
  // r-2's lease expired and another instance took it.
  std::vector<Delivery> stolen;
  for (;;) {
    auto again = claim("a", "gw-2", 1, 60s);
    ASSERT_EQ(again.size(), 1u);
    if (again[0].id == first[1].id) {
      stolen = again;
      break;
    }
    ASSERT_TRUE(store->releaseDelivery(again[0].id, *again[0].leaseId, clock.now()).isOk());
  }
  // Given back before the results came: r-1 and r-3 are pending again under no lease, so they
  // are retaken here by gw-1 with a fresh claim to finish.
  auto retaken = claim("a", "gw-1", 2, 60s);
  ASSERT_EQ(retaken.size(), 2u);

  FinishedAttempt bad = delivered(retaken[0], clock.now());
  bad.next = DeliveryStatus::kDead;  // dead without a reason
  const std::vector<FinishedAttempt> batch = {
      delivered(retaken[0], clock.now()),
      delivered(first[1], clock.now()),  // the lease gw-2 took over
      failed(retaken[1], clock.now() + 1min),
      bad,
  };
  auto statuses = store->finishAttempts(batch);
  ASSERT_TRUE(statuses.hasValue()) << statuses.status().toString();
  ASSERT_EQ(statuses->size(), 4u);
  EXPECT_TRUE((*statuses)[0].isOk()) << (*statuses)[0].toString();
  EXPECT_EQ((*statuses)[1].code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE((*statuses)[2].isOk()) << (*statuses)[2].toString();
  EXPECT_EQ((*statuses)[3].code(), StatusCode::kInvalidArgument);

  EXPECT_EQ(get(retaken[0].id).status, DeliveryStatus::kDelivered);
  EXPECT_EQ(get(retaken[1].id).status, DeliveryStatus::kFailed);
  EXPECT_EQ(get(retaken[1].id).nextAttemptAt, clock.now() + 1min);
  EXPECT_EQ(get(retaken[1].id).lastError, "HTTP 503");
  const Delivery kept = get(first[1].id);
  EXPECT_EQ(kept.status, DeliveryStatus::kInFlight) << "the lost lease wrote nothing";
  EXPECT_EQ(kept.leaseId, stolen[0].leaseId);
  EXPECT_EQ(store->listDeliveryAttempts(first[1].id)->size(), 1u) << "only the interrupted one";
  EXPECT_EQ(store->listDeliveryAttempts(retaken[0].id)->size(), 2u)
      << "its interrupted attempt (expired lease) and the delivered one";

  auto none = store->finishAttempts({});
  ASSERT_TRUE(none.hasValue());
  EXPECT_TRUE(none->empty());
}

TEST_P(DeliveryQueueTest, ABatchKeepsEachResultsTextAsGivenAndFinishesARepeatedDeliveryOnce) {
  for (const char* r : {"r-1", "r-2", "r-3"}) commit(r, {"a"});
  auto claimed = claim("a", "gw-1", 3);
  ASSERT_EQ(claimed.size(), 3u);
  // Texts with what an array literal or a CSV would take apart: quotes, backslashes, commas,
  // braces, the word NULL, an empty message (stored as none).
  const std::string quoted = R"(HTTP 503 {"error": "a,b"} \ C:\peer NULL)";
  FinishedAttempt first = failed(claimed[0], clock.now() + 1min);
  first.message = quoted;
  FinishedAttempt second = dead(claimed[1], clock.now());
  second.reason = "NULL";
  second.message = "";
  FinishedAttempt third = delivered(claimed[2], clock.now());
  third.httpStatus.reset();
  const std::vector<FinishedAttempt> batch = {first, second, third, first};
  auto statuses = store->finishAttempts(batch);
  ASSERT_TRUE(statuses.hasValue()) << statuses.status().toString();
  ASSERT_EQ(statuses->size(), 4u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_TRUE((*statuses)[i].isOk()) << i;
  EXPECT_EQ((*statuses)[3].code(), StatusCode::kFailedPrecondition)
      << "the repeat finds the lease gone, as one call later would";

  const Delivery one = get(claimed[0].id);
  EXPECT_EQ(one.status, DeliveryStatus::kFailed);
  EXPECT_EQ(one.attempts, 1) << "finished once";
  EXPECT_EQ(one.lastError, quoted);
  EXPECT_EQ(one.nextAttemptAt, clock.now() + 1min);
  auto oneAttempts = store->listDeliveryAttempts(claimed[0].id);
  ASSERT_EQ(oneAttempts->size(), 1u);
  EXPECT_EQ(oneAttempts->at(0).message, quoted);
  EXPECT_EQ(oneAttempts->at(0).httpStatus, 503);
  EXPECT_EQ(oneAttempts->at(0).errorClass, ErrorClass::kTransient);

  const Delivery two = get(claimed[1].id);
  EXPECT_EQ(two.status, DeliveryStatus::kDead);
  EXPECT_EQ(two.reason, "NULL") << "the text, not SQL NULL";
  EXPECT_FALSE(two.lastError.has_value()) << "an empty message is none";
  EXPECT_FALSE(two.nextAttemptAt.has_value());
  auto twoAttempts = store->listDeliveryAttempts(claimed[1].id);
  ASSERT_EQ(twoAttempts->size(), 1u);
  EXPECT_FALSE(twoAttempts->at(0).message.has_value());

  const Delivery three = get(claimed[2].id);
  EXPECT_EQ(three.status, DeliveryStatus::kDelivered);
  auto threeAttempts = store->listDeliveryAttempts(claimed[2].id);
  ASSERT_EQ(threeAttempts->size(), 1u);
  EXPECT_EQ(threeAttempts->at(0).outcome, AttemptOutcome::kDelivered);
  EXPECT_FALSE(threeAttempts->at(0).httpStatus.has_value());
  EXPECT_FALSE(threeAttempts->at(0).errorClass.has_value());
}

TEST_P(DeliveryQueueTest, BatchesDeliverEveryDeliveryExactlyOnce) {
  ASSERT_TRUE(store
                  ->createClient({"c-2", "c-2", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-1", "big", 40)).isOk());
  ASSERT_TRUE(store->commitSubmission(bulkSubmission("c-2", "small", 9)).isOk());
  std::multiset<std::string> handedOut;
  for (int round = 0;; ++round) {
    // Two instances claiming in turn, each finishing its batch at once.
    auto claimed = claim("a", round % 2 == 0 ? "gw-1" : "gw-2", 6);
    if (claimed.empty()) break;
    std::vector<FinishedAttempt> results;
    for (const Delivery& d : claimed) {
      handedOut.insert(d.id);
      results.push_back(delivered(d, clock.now()));
    }
    auto statuses = store->finishAttempts(results);
    ASSERT_TRUE(statuses.hasValue());
    for (const common::Status& s : *statuses) EXPECT_TRUE(s.isOk()) << s.toString();
  }
  EXPECT_EQ(handedOut.size(), 49u);
  EXPECT_EQ(std::set<std::string>(handedOut.begin(), handedOut.end()).size(), 49u);
  clock.advance(1h);  // past every lease: nothing comes back
  EXPECT_TRUE(claim("a").empty());
  for (const std::string& id : handedOut) {
    const Delivery d = get(id);
    EXPECT_EQ(d.status, DeliveryStatus::kDelivered) << id;
    EXPECT_EQ(d.attempts, 1) << id;
  }
}

TEST_P(DeliveryQueueTest, ABatchClaimLeftByACrashIsRecoveredAtRestart) {
  for (const char* r : {"r-1", "r-2", "r-3", "r-4", "r-5"}) commit(r, {"a"});
  auto claimed = claim("a", "gw-1", 5, 10min);
  ASSERT_EQ(claimed.size(), 5u);
  // The process dies with the batch attempted but not recorded; it starts again.
  store.reset();
  store = openAnother();
  ASSERT_NE(store, nullptr);
  auto recovered = store->recoverInFlightDeliveries("gw-1");
  ASSERT_TRUE(recovered.hasValue());
  EXPECT_EQ(*recovered, 5);
  std::vector<FinishedAttempt> late;
  for (const Delivery& d : claimed) {
    const Delivery now = get(d.id);
    EXPECT_EQ(now.status, DeliveryStatus::kFailed) << d.id;
    EXPECT_EQ(now.attempts, 1) << d.id;
    EXPECT_EQ(now.nextAttemptAt, clock.now()) << d.id;
    late.push_back(delivered(d, clock.now()));
  }
  // Results of the dead process's claim are refused, one by one.
  auto statuses = store->finishAttempts(late);
  ASSERT_TRUE(statuses.hasValue());
  for (const common::Status& s : *statuses) EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(claim("a", "gw-1", 10).size(), 5u) << "due again at once";
}

// ---- several instances on one PostgreSQL database (issue 16) ------------------------------------

namespace {

/// Two stores on one PostgreSQL schema, as two gateway instances share it; the queue is filled
/// with SQL (records of several clients, each with `perRecord` pending deliveries on connector
/// "a", ids "<record>-<n>"), so that only the claims are under test.
class PostgresDeliveryQueue : public DeliveryQueueTest {
 protected:
  void fill(int clients, int recordsPerClient, int perRecord) {
    const std::string now = std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(clock.now().time_since_epoch())
            .count());
    for (int c = 1; c <= clients; ++c) {
      const std::string client = "c-" + std::to_string(c);
      if (c > 1) {
        ASSERT_TRUE(store
                        ->createClient({client, client, ClientRole::kEditor, {}},
                                       fhirgw::testsupport::newStoredKey())
                        .isOk());
      }
      for (int r = 0; r < recordsPerClient; ++r) {
        const std::string record = client + "-r" + std::to_string(r);
        const common::Status filled = db->execute(
            "INSERT INTO records (id, client_id, created_at, status, request_hash, body, outcome,"
            " practitioner_rpps, encounter_year, practitioner_is_treating) VALUES ('" +
            record + "', '" + client + "', " + now +
            ", 'accepted', 'h', '{}', '{}', '1', 2026, 0);"
            " INSERT INTO deliveries (id, record_id, destination, connector_id, status, attempts,"
            " next_attempt_at, created_at, updated_at) SELECT '" +
            record + "-' || g, '" + record + "', 'dmp', 'a', 'pending', 0, " + now + ", " + now +
            ", " + now + " FROM generate_series(0, " + std::to_string(perRecord - 1) + ") g");
        ASSERT_TRUE(filled.isOk()) << filled.toString();
      }
    }
  }

  std::int64_t count(const std::string& sql) {
    auto rows = db->column(sql);
    EXPECT_TRUE(rows.hasValue()) << rows.status().toString();
    return rows.hasValue() && rows->size() == 1 ? std::stoll(rows->front()) : -1;
  }
};
INSTANTIATE_TEST_SUITE_P(, PostgresDeliveryQueue, ::testing::Values(Engine::kPostgresql),
                         engineName);

/// A libpq connection of the test's own, to hold a row lock as another instance's claim would.
class LockHolder {
 public:
  explicit LockHolder(const std::string& url) : conn_(PQconnectdb(url.c_str())) {}
  ~LockHolder() { PQfinish(conn_); }
  LockHolder(const LockHolder&) = delete;
  LockHolder& operator=(const LockHolder&) = delete;

  bool run(const std::string& sql) {
    PGresult* result = PQexec(conn_, sql.c_str());
    const ExecStatusType st = PQresultStatus(result);
    PQclear(result);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
  }

 private:
  PGconn* conn_;
};

}  // namespace

TEST_P(PostgresDeliveryQueue, TwoInstancesClaimingAtOnceNeverClaimTheSameDelivery) {
  fill(3, 4, 50);  // 600 deliveries
  std::unique_ptr<Store> other = openAnother();
  ASSERT_NE(other, nullptr);
  std::mutex mutex;
  std::multiset<std::string> handedOut;
  std::vector<std::string> problems;
  const auto work = [&](Store* s, const std::string& owner) {
    for (;;) {
      auto claimed = s->claimDeliveries({"a", owner, 10min, 7});
      std::lock_guard lock(mutex);
      if (!claimed.hasValue()) {
        problems.push_back(claimed.status().toString());
        return;
      }
      if (claimed->empty()) return;
      for (const Delivery& d : *claimed) {
        handedOut.insert(d.id);
        if (d.leaseOwner != owner || d.leaseId != claimed->front().leaseId) {
          problems.push_back(d.id + ": not under this claim's lease");
        }
      }
    }
  };
  // Two workers per instance, as the engine runs several per connector.
  std::vector<std::thread> workers;
  for (int i = 0; i < 2; ++i) {
    workers.emplace_back(work, store.get(), "gw-1");
    workers.emplace_back(work, other.get(), "gw-2");
  }
  for (std::thread& t : workers) t.join();
  EXPECT_TRUE(problems.empty()) << problems.front();
  EXPECT_EQ(handedOut.size(), 600u);
  EXPECT_EQ(std::set<std::string>(handedOut.begin(), handedOut.end()).size(), 600u)
      << "every delivery claimed exactly once";
  EXPECT_EQ(count("SELECT COUNT(*) FROM deliveries WHERE status = 'in-flight'"
                  " AND lease_owner IN ('gw-1', 'gw-2')"),
            600);
  EXPECT_EQ(count("SELECT COUNT(*) FROM delivery_attempts"), 0) << "no lease was taken over";
  EXPECT_TRUE(claim("a", "gw-3").empty()) << "every lease is live";
  EXPECT_TRUE(other->claimDeliveries({"a", "gw-2", 1min, 10})->empty());
}

TEST_P(PostgresDeliveryQueue, AClaimPassesOverADeliveryAnotherTransactionHoldsWithoutWaiting) {
  fill(1, 1, 3);  // c-1-r0-0, c-1-r0-1, c-1-r0-2, oldest due first
  LockHolder holder(db->url());
  ASSERT_TRUE(holder.run("BEGIN"));
  ASSERT_TRUE(holder.run("SELECT id FROM deliveries WHERE id = 'c-1-r0-0' FOR UPDATE"));
  // A claim that waited for the lock would end after busyTimeout with kUnavailable.
  std::vector<std::string> ids;
  for (const Delivery& d : claim("a", "gw-1", 10)) ids.push_back(d.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"c-1-r0-1", "c-1-r0-2"}));
  EXPECT_EQ(get("c-1-r0-0").status, DeliveryStatus::kPending);
  ASSERT_TRUE(holder.run("ROLLBACK"));
  auto rest = claim("a", "gw-1", 10);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].id, "c-1-r0-0");
}

TEST_P(PostgresDeliveryQueue, AnExpiredLeaseIsTakenOverByAnotherInstanceAndTheLateFinishRefused) {
  fill(1, 1, 5);
  std::unique_ptr<Store> other = openAnother();
  ASSERT_NE(other, nullptr);
  auto mine = store->claimDeliveries({"a", "gw-1", 30s, 10});
  ASSERT_TRUE(mine.hasValue()) << mine.status().toString();
  ASSERT_EQ(mine->size(), 5u);
  clock.advance(29s);
  EXPECT_TRUE(other->claimDeliveries({"a", "gw-2", 60s, 10})->empty()) << "gw-1's lease is live";
  clock.advance(1s);  // gw-1 died or hangs: its lease expires
  auto taken = other->claimDeliveries({"a", "gw-2", 60s, 10});
  ASSERT_TRUE(taken.hasValue()) << taken.status().toString();
  ASSERT_EQ(taken->size(), 5u);
  for (const Delivery& d : *taken) {
    EXPECT_EQ(d.leaseOwner, "gw-2");
    EXPECT_EQ(d.attempts, 1) << "gw-1's unfinished attempt counts";
    EXPECT_NE(d.leaseId, mine->front().leaseId);
  }

  // gw-1 wakes up and reports: refused, one by one; gw-2's claim stands.
  std::vector<FinishedAttempt> late;
  for (const Delivery& d : *mine) late.push_back(delivered(d, testStart()));
  auto refused = store->finishAttempts(late);
  ASSERT_TRUE(refused.hasValue()) << refused.status().toString();
  for (const common::Status& s : *refused) EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->releaseDelivery(mine->front().id, *mine->front().leaseId, clock.now()).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->abandonDelivery(mine->front().id, *mine->front().leaseId, "max-attempts").code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(get(mine->front().id).leaseOwner, "gw-2");

  std::vector<FinishedAttempt> results;
  for (const Delivery& d : *taken) results.push_back(delivered(d, clock.now()));
  auto statuses = other->finishAttempts(results);
  ASSERT_TRUE(statuses.hasValue());
  for (const common::Status& s : *statuses) EXPECT_TRUE(s.isOk()) << s.toString();
  for (const Delivery& d : *taken) {
    const Delivery now = get(d.id);
    EXPECT_EQ(now.status, DeliveryStatus::kDelivered);
    EXPECT_EQ(now.attempts, 2);
    auto attempts = store->listDeliveryAttempts(d.id);
    ASSERT_EQ(attempts->size(), 2u);
    EXPECT_EQ((*attempts)[0].outcome, AttemptOutcome::kInterrupted);
    EXPECT_EQ((*attempts)[1].outcome, AttemptOutcome::kDelivered);
  }
}

TEST_P(PostgresDeliveryQueue, TheAdminListingIsNewestFirstFilteredByRecordAndPagedByCursor) {
  fill(1, 2, 2);  // c-1-r0-0, c-1-r0-1, c-1-r1-0, c-1-r1-1, changed in the same instant
  clock.advance(1s);
  const auto claimed = claim("a", "gw-1", 1);
  ASSERT_EQ(claimed.size(), 1u);
  ASSERT_TRUE(store->finishAttempt(delivered(claimed[0], clock.now())).isOk());
  const std::string changed = claimed[0].id;

  DeliveryQuery q;
  q.limit = 2;
  auto page = store->queryDeliveries(q);
  ASSERT_TRUE(page.hasValue()) << page.status().toString();
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, changed) << "changed last, listed first";
  std::vector<std::string> seen = {(*page)[0].id, (*page)[1].id};
  q.after = DeliveryCursor{page->back().updatedAt, page->back().id};
  auto next = store->queryDeliveries(q);
  ASSERT_TRUE(next.hasValue()) << next.status().toString();
  ASSERT_EQ(next->size(), 2u);
  for (const Delivery& d : *next) seen.push_back(d.id);
  // Among rows changed in the same instant, ids descend.
  EXPECT_TRUE(std::is_sorted(seen.begin() + 1, seen.end(), std::greater<>())) << seen[1];
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(seen, (std::vector<std::string>{"c-1-r0-0", "c-1-r0-1", "c-1-r1-0", "c-1-r1-1"}));

  q = {};
  q.recordId = "c-1-r1";
  page = store->queryDeliveries(q);
  ASSERT_TRUE(page.hasValue()) << page.status().toString();
  std::vector<std::string> ofRecord;
  for (const Delivery& d : *page) ofRecord.push_back(d.id);
  EXPECT_EQ(ofRecord, (std::vector<std::string>{"c-1-r1-1", "c-1-r1-0"}));
}

TEST_P(DeliveryQueueTest, ErrorsAndAttemptMessagesAreSealedWithEncryptionOnAndReadAsWritten) {
  const auto key = [](char fill) {
    return common::SecretBox::fromKeyText(common::hexEncode(std::string(32, fill))).value();
  };
  StoreOptions options;
  options.keyRing =
      std::make_shared<const common::KeyRing>(common::KeyRing::make(key('k'), {}).value());
  store = openAnother(options);
  ASSERT_NE(store, nullptr);
  commit("r-1", {"a", "b", "c"});
  const std::string message = "550 <279035121518989@patient.mssante.fr> unknown";
  // A failed attempt, an expired lease taken over by a claim, one recovered at start-up.
  auto a = claim("a");
  ASSERT_EQ(a.size(), 1u);
  FinishedAttempt f = failed(a[0], clock.now() + 1h);
  f.message = message;
  ASSERT_TRUE(store->finishAttempt(f).isOk());
  ASSERT_EQ(claim("b", "gw-1", 1, 10s).size(), 1u);
  ASSERT_EQ(claim("c", "gw-1", 1, 10s).size(), 1u);
  clock.advance(10s);
  ASSERT_EQ(claim("b", "gw-2").size(), 1u);
  ASSERT_EQ(*store->recoverInFlightDeliveries("gw-3"), 1);

  EXPECT_EQ(get("r-1-a").lastError, message);
  EXPECT_EQ(store->listDeliveryAttempts("r-1-a")->at(0).message, message);
  // A batch: each attempt's message sealed under its own attempt's id.
  commit("r-2", {"a"});
  commit("r-3", {"a"});
  auto batch = claim("a", "gw-1", 2);
  ASSERT_EQ(batch.size(), 2u);
  std::vector<FinishedAttempt> results;
  for (const Delivery& d : batch) {
    results.push_back(failed(d, clock.now() + 1h));
    results.back().message = "refused for " + d.id;
  }
  auto statuses = store->finishAttempts(results);
  ASSERT_TRUE(statuses.hasValue()) << statuses.status().toString();
  for (const common::Status& s : *statuses) EXPECT_TRUE(s.isOk()) << s.toString();
  for (const Delivery& d : batch) {
    EXPECT_EQ(get(d.id).lastError, "refused for " + d.id);
    EXPECT_EQ(store->listDeliveryAttempts(d.id)->at(0).message, "refused for " + d.id);
  }
  // Taken over by a claim (b) or recovered (c): each says why, sealed like any other message.
  for (const auto& [id, why] : std::map<std::string, std::string>{
           {"r-1-b", "lease expired"}, {"r-1-c", "interrupted (restart"}}) {
    ASSERT_TRUE(get(id).lastError.has_value()) << id;
    EXPECT_NE(get(id).lastError->find(why), std::string::npos) << id;
    EXPECT_EQ(store->listDeliveryAttempts(id)->at(0).message, get(id).lastError) << id;
  }
  for (const char* sql : {"SELECT last_error FROM deliveries WHERE last_error IS NOT NULL",
                          "SELECT message FROM delivery_attempts WHERE message IS NOT NULL"}) {
    auto values = db->column(sql);
    ASSERT_TRUE(values.hasValue()) << values.status().toString();
    EXPECT_EQ(values->size(), 5u) << sql;
    for (const std::string& v : *values) EXPECT_EQ(v.rfind("gcm1:", 0), 0u) << sql << ": " << v;
  }
}
