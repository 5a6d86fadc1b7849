#include "fhirgw/connectors/engine/delivery_engine.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <limits>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "connectors_test_support.hpp"
#include "fhirgw/common/log.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"
#include "fhirgw/testsupport/test_store.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace fhirgw::connectors::testsupport;
using namespace std::chrono_literals;
using store::DeliveryStatus;

namespace {

/// A connector whose answers the test scripts; it can also hold attempts until released.
class FakeConnector final : public Connector {
 public:
  std::string_view type() const override { return "fake"; }

  DeliveryResult deliver(const DeliveryPayload& payload, std::stop_token stop) override {
    // Registered before locking: the callback may run at once and takes the lock itself.
    std::stop_callback wakeOnStop(stop, [this] {
      std::lock_guard lock(mutex_);
      cv_.notify_all();
    });
    std::unique_lock lock(mutex_);
    delivered_.push_back(payload.deliveryId);
    resourceCounts_.push_back(payload.resources.size());
    cv_.notify_all();
    if (delivered_.size() >= holdFrom_) holding_ = true;
    cv_.wait(lock, [&] { return !holding_ || stop.stop_requested(); });
    if (stop.stop_requested()) return DeliveryResult::transient("cancelled");
    if (!script_.empty()) {
      DeliveryResult r = script_.front();
      script_.pop_front();
      return r;
    }
    return fallback_;
  }

  void then(DeliveryResult r) {
    std::lock_guard lock(mutex_);
    script_.push_back(std::move(r));
  }
  void always(DeliveryResult r) {
    std::lock_guard lock(mutex_);
    fallback_ = std::move(r);
  }
  void hold(bool on) {
    std::lock_guard lock(mutex_);
    holding_ = on;
    cv_.notify_all();
  }
  /// Holds every attempt from the n-th call on (1-based), until hold(false).
  void holdFrom(std::size_t n) {
    std::lock_guard lock(mutex_);
    holdFrom_ = n;
  }
  bool waitForCalls(std::size_t n, std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] { return delivered_.size() >= n; });
  }
  std::vector<std::string> calls() const {
    std::lock_guard lock(mutex_);
    return delivered_;
  }
  std::vector<std::size_t> resourceCounts() const {
    std::lock_guard lock(mutex_);
    return resourceCounts_;
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<DeliveryResult> script_;
  DeliveryResult fallback_ = DeliveryResult::success(200);
  bool holding_ = false;
  std::size_t holdFrom_ = std::numeric_limits<std::size_t>::max();
  std::vector<std::string> delivered_;
  std::vector<std::size_t> resourceCounts_;
};

/// A connector whose deliver() throws, with health data in the exception's text.
class ThrowingConnector final : public Connector {
 public:
  std::string_view type() const override { return "fake"; }
  DeliveryResult deliver(const DeliveryPayload&, std::stop_token) override {
    throw std::runtime_error("cannot map patient Jeanne Dupont, INS 279035121518989");
  }
};

/// Points the log at a string for the life of the guard.
class LogCapture {
 public:
  LogCapture() { common::Log::setSink(&out_); }
  ~LogCapture() { common::Log::setSink(nullptr); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;
  std::string text() const { return out_.str(); }

 private:
  std::ostringstream out_;
};

/// Collects the engine's reports so that threaded tests can await them.
class Reports {
 public:
  std::function<void(const AttemptReport&)> observer() {
    return [this](const AttemptReport& r) {
      std::lock_guard lock(mutex_);
      reports_.push_back(r);
      cv_.notify_all();
    };
  }
  /// Waits for a report about this delivery with this next state.
  bool waitFor(const std::string& deliveryId, DeliveryStatus next,
               std::chrono::milliseconds timeout = 10s) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [&] {
      for (const auto& r : reports_) {
        if (r.deliveryId == deliveryId && r.next == next) return true;
      }
      return false;
    });
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<AttemptReport> reports_;
};

ConnectorInstanceConfig instance(const std::string& id) {
  ConnectorInstanceConfig c;
  c.id = id;
  c.type = "fake";
  c.routes = {Destination::kDmp};
  c.path = "connectors." + id;
  return c;
}

class DeliveryEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db = fhirgw::testsupport::openTestStore(dir.path(), clock);
    ASSERT_NE(db, nullptr);
  }

  /// Commits record `recordId` of `clientId` (the sample resources, changed by `edit` when given)
  /// with one pending delivery of its report per connector, named "<recordId>-<connector>".
  void commit(const std::string& recordId, const std::vector<std::string>& connectors,
              const std::string& clientId = "c-1",
              const std::function<void(store::Submission&)>& edit = nullptr) {
    SampleIds ids;
    ids.recordId = recordId;
    // Resource ids are unique across records.
    for (std::string* id : {&ids.patient, &ids.practitioner, &ids.organization, &ids.encounter,
                            &ids.chargeItem, &ids.provenance, &ids.auditEvent,
                            &ids.documentReference, &ids.binary, &ids.otherDocumentReference}) {
      id->replace(0, recordId.size(), recordId);
    }
    ids.documentId = recordId + "-doc";
    ids.otherDocumentId = recordId + "-doc-2";
    store::Submission sub = sampleSubmission(ids, "h-" + recordId, clientId);
    for (const auto& c : connectors) {
      std::string deliveryId = recordId;
      deliveryId.append("-").append(c);
      sub.deliveries.push_back({deliveryId, ids.documentId, "dmp", c, DeliveryStatus::kPending,
                                std::nullopt, std::nullopt});
    }
    if (edit) edit(sub);
    ASSERT_TRUE(db->commitSubmission(sub).isOk());
  }

  store::Delivery get(const std::string& id) {
    auto d = db->getDelivery(id);
    EXPECT_TRUE(d.hasValue()) << d.status().toString();
    return d.hasValue() ? *d : store::Delivery{};
  }

  std::vector<store::DeliveryAttempt> attempts(const std::string& id) {
    return *db->listDeliveryAttempts(id);
  }

  EngineOptions options(double random = 1.0) {
    EngineOptions o;
    o.instanceId = "gw-test";
    o.lease = 5min;
    o.idlePoll = 50ms;
    o.storeRetry = 50ms;
    o.random = [random] { return random; };
    return o;
  }

  TempDir dir;
  common::ManualClock clock{testStart()};
  std::unique_ptr<store::Store> db;
};

}  // namespace

TEST_F(DeliveryEngineTest, DeliversAPendingDeliveryWithItsPayloadAndRecordsTheAttempt) {
  commit("r1", {"fake"});
  auto fake = std::make_shared<FakeConnector>();
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  auto ran = engine.runDue("fake");
  ASSERT_TRUE(ran.hasValue());
  EXPECT_EQ(*ran, 1u);
  EXPECT_EQ(fake->calls(), (std::vector<std::string>{"r1-fake"}));
  EXPECT_EQ(fake->resourceCounts(), (std::vector<std::size_t>{6}))
      << "report, binary, patient, practitioner, organization, encounter";
  const auto d = get("r1-fake");
  EXPECT_EQ(d.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(d.attempts, 1);
  const auto a = attempts("r1-fake");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].outcome, store::AttemptOutcome::kDelivered);
  EXPECT_EQ(a[0].httpStatus, 200);
  EXPECT_EQ(*engine.runDue("fake"), 0u);
}

TEST_F(DeliveryEngineTest, TransientFailuresBackOffExponentiallyUpToTheCap) {
  commit("r1", {"fake"});
  auto fake = std::make_shared<FakeConnector>();
  fake->always(DeliveryResult::transient("HTTP 503", 503));
  DeliveryEngine engine(*db, clock, options(/*random=*/1.0));  // jitter at its ceiling
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  std::vector<std::chrono::milliseconds> delays;
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(*engine.runDue("fake"), 1u) << "attempt " << i + 1;
    const auto d = get("r1-fake");
    ASSERT_EQ(d.status, DeliveryStatus::kFailed);
    ASSERT_TRUE(d.nextAttemptAt.has_value());
    delays.push_back(
        std::chrono::duration_cast<std::chrono::milliseconds>(*d.nextAttemptAt - clock.now()));
    EXPECT_EQ(*engine.runDue("fake"), 0u) << "nothing before the next attempt time";
    clock.set(*d.nextAttemptAt);
  }
  const std::vector<std::chrono::milliseconds> expected = {5s,   10s,  20s,  40s,  80s,
                                                           160s, 320s, 640s, 900s, 900s};
  EXPECT_EQ(delays, expected);
  EXPECT_EQ(get("r1-fake").attempts, 10);
  EXPECT_EQ(get("r1-fake").lastError, "HTTP 503");
  EXPECT_EQ(attempts("r1-fake").size(), 10u);
}

TEST_F(DeliveryEngineTest, FullJitterSpreadsRetriesBelowTheCeiling) {
  commit("r1", {"fake"});
  auto fake = std::make_shared<FakeConnector>();
  fake->always(DeliveryResult::transient("HTTP 503", 503));
  DeliveryEngine engine(*db, clock, options(/*random=*/0.25));
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  ASSERT_EQ(*engine.runDue("fake"), 1u);
  EXPECT_EQ(*get("r1-fake").nextAttemptAt, clock.now() + 1250ms);
}

TEST_F(DeliveryEngineTest, RetryAfterIsHonoured) {
  commit("r1", {"fake"});
  auto fake = std::make_shared<FakeConnector>();
  fake->then(DeliveryResult::transient("HTTP 429", 429, 120s));
  DeliveryEngine engine(*db, clock, options(0.5));
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  ASSERT_EQ(*engine.runDue("fake"), 1u);
  EXPECT_EQ(*get("r1-fake").nextAttemptAt, testStart() + 120s);
  clock.advance(119s);
  EXPECT_EQ(*engine.runDue("fake"), 0u);
  clock.advance(1s);
  EXPECT_EQ(*engine.runDue("fake"), 1u);
  EXPECT_EQ(get("r1-fake").status, DeliveryStatus::kDelivered);
}

TEST_F(DeliveryEngineTest, ABadRequestGoesStraightToDead) {
  commit("r1", {"fake"});
  auto fake = std::make_shared<FakeConnector>();
  fake->then(DeliveryResult::permanent("HTTP 400", 400));
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  ASSERT_EQ(*engine.runDue("fake"), 1u);
  const auto d = get("r1-fake");
  EXPECT_EQ(d.status, DeliveryStatus::kDead);
  EXPECT_EQ(d.reason, "permanent-error");
  EXPECT_EQ(d.attempts, 1);
  const auto a = attempts("r1-fake");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].errorClass, store::ErrorClass::kPermanent);
  EXPECT_EQ(a[0].httpStatus, 400);
  clock.advance(24h);
  EXPECT_EQ(*engine.runDue("fake"), 0u);
  EXPECT_EQ(engine.circuitState("fake"), CircuitBreaker::State::kClosed)
      << "an answering peer is alive";
}

TEST_F(DeliveryEngineTest,
       AfterSeventyTwoHoursOfFailuresTheDeliveryIsDeadThenAnAdminRetryDelivers) {
  commit("r1", {"fake"});
  auto fake = std::make_shared<FakeConnector>();
  fake->always(DeliveryResult::transient("connect refused"));
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  ASSERT_EQ(*engine.runDue("fake"), 1u);
  // The peer stays down: the attempt due at the deadline is the last one.
  clock.set(testStart() + 72h);
  ASSERT_EQ(*engine.runDue("fake"), 1u);
  auto d = get("r1-fake");
  EXPECT_EQ(d.status, DeliveryStatus::kDead);
  EXPECT_EQ(d.reason, "max-age");
  EXPECT_EQ(d.attempts, 2);

  fake->always(DeliveryResult::success(201));
  ASSERT_TRUE(db->retryDeadDelivery("r1-fake").isOk());
  ASSERT_EQ(*engine.runDue("fake"), 1u);
  d = get("r1-fake");
  EXPECT_EQ(d.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(attempts("r1-fake").size(), 3u);
}

TEST_F(DeliveryEngineTest, AnAttemptLimitEndsDead) {
  commit("r1", {"fake"});
  auto fake = std::make_shared<FakeConnector>();
  fake->always(DeliveryResult::transient("HTTP 502", 502));
  auto config = instance("fake");
  config.retry.maxAttempts = 3;
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(config, fake).isOk());
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(*engine.runDue("fake"), 1u);
    if (auto next = get("r1-fake").nextAttemptAt) clock.set(*next);
  }
  EXPECT_EQ(get("r1-fake").status, DeliveryStatus::kDead);
  EXPECT_EQ(get("r1-fake").reason, "max-attempts");
  EXPECT_EQ(fake->calls().size(), 3u);
}

TEST_F(DeliveryEngineTest, ADeliveryWhoseBudgetWentToInterruptedAttemptsIsNotSentAgain) {
  commit("r1", {"fake"});
  auto config = instance("fake");
  config.retry.maxAttempts = 2;
  // Two crashes mid-send: two claims whose leases expired.
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(db->claimDeliveries({"fake", "crashed", 1min, 1})->size(), 1u);
    clock.advance(2min);
  }
  auto fake = std::make_shared<FakeConnector>();
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(config, fake).isOk());
  EXPECT_EQ(*engine.runDue("fake"), 1u);
  EXPECT_TRUE(fake->calls().empty());
  EXPECT_EQ(get("r1-fake").status, DeliveryStatus::kDead);
  EXPECT_EQ(get("r1-fake").reason, "max-attempts");
}

TEST_F(DeliveryEngineTest, TheCircuitOpensAfterConsecutiveFailuresAndAProbeClosesIt) {
  commit("r1", {"fake"});
  commit("r2", {"fake"});
  commit("r3", {"fake"});
  auto fake = std::make_shared<FakeConnector>();
  fake->always(DeliveryResult::transient("HTTP 503", 503));
  auto config = instance("fake");
  config.circuitBreaker = {2, 30s, 300s};
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(config, fake).isOk());

  EXPECT_EQ(*engine.runDue("fake"), 2u) << "the circuit opens after the second failure";
  EXPECT_EQ(engine.circuitState("fake"), CircuitBreaker::State::kOpen);
  EXPECT_EQ(get("r3-fake").status, DeliveryStatus::kPending) << "not hammered while open";
  clock.advance(29s);
  EXPECT_EQ(*engine.runDue("fake"), 0u);

  clock.advance(1s);
  EXPECT_EQ(engine.circuitState("fake"), CircuitBreaker::State::kHalfOpen);
  fake->always(DeliveryResult::success(200));
  EXPECT_EQ(*engine.runDue("fake"), 3u) << "the probe succeeds, then everything due goes";
  EXPECT_EQ(engine.circuitState("fake"), CircuitBreaker::State::kClosed);
  for (const char* id : {"r1-fake", "r2-fake", "r3-fake"}) {
    EXPECT_EQ(get(id).status, DeliveryStatus::kDelivered) << id;
  }
}

TEST_F(DeliveryEngineTest, AFailedProbeKeepsTheCircuitOpen) {
  commit("r1", {"fake"});
  commit("r2", {"fake"});
  auto fake = std::make_shared<FakeConnector>();
  fake->always(DeliveryResult::transient("HTTP 503", 503));
  auto config = instance("fake");
  config.circuitBreaker = {1, 30s, 300s};
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(config, fake).isOk());
  EXPECT_EQ(*engine.runDue("fake"), 1u);
  clock.advance(30s);
  EXPECT_EQ(*engine.runDue("fake"), 1u) << "one probe";
  EXPECT_EQ(engine.circuitState("fake"), CircuitBreaker::State::kOpen);
  EXPECT_EQ(fake->calls().size(), 2u);
}

TEST_F(DeliveryEngineTest, AClaimWhoseLeaseExpiredIsRetriedAndCountsAsAnAttempt) {
  commit("r1", {"fake"});
  ASSERT_EQ(db->claimDeliveries({"fake", "other-instance", 1min, 1})->size(), 1u);
  auto fake = std::make_shared<FakeConnector>();
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  EXPECT_EQ(*engine.runDue("fake"), 0u) << "another instance holds a live lease";
  clock.advance(1min);
  EXPECT_EQ(*engine.runDue("fake"), 1u);
  const auto d = get("r1-fake");
  EXPECT_EQ(d.status, DeliveryStatus::kDelivered);
  EXPECT_EQ(d.attempts, 2);
  const auto a = attempts("r1-fake");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].outcome, store::AttemptOutcome::kInterrupted);
  EXPECT_EQ(a[1].outcome, store::AttemptOutcome::kDelivered);
}

TEST_F(DeliveryEngineTest, StartUpRetriesThisInstancesUnfinishedAttemptsAtOnce) {
  commit("r1", {"fake"});
  // A previous run of this instance crashed mid-send: its lease has not expired yet.
  ASSERT_EQ(db->claimDeliveries({"fake", "gw-test", 5min, 1})->size(), 1u);
  auto fake = std::make_shared<FakeConnector>();
  Reports reports;
  DeliveryEngine engine(*db, clock, options());
  engine.setObserver(reports.observer());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  ASSERT_TRUE(engine.start().isOk());
  EXPECT_TRUE(reports.waitFor("r1-fake", DeliveryStatus::kDelivered));
  EXPECT_TRUE(engine.stop(5s));
  EXPECT_EQ(get("r1-fake").attempts, 2);
  EXPECT_EQ(attempts("r1-fake")[0].outcome, store::AttemptOutcome::kInterrupted);
}

TEST_F(DeliveryEngineTest, WorkersPickUpNewDeliveriesWhenWoken) {
  auto fake = std::make_shared<FakeConnector>();
  Reports reports;
  DeliveryEngine engine(*db, clock, options());
  engine.setObserver(reports.observer());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  ASSERT_TRUE(engine.start().isOk());
  EXPECT_TRUE(engine.running());
  commit("r1", {"fake"});
  engine.wake();
  EXPECT_TRUE(reports.waitFor("r1-fake", DeliveryStatus::kDelivered));
  commit("r2", {"fake"});
  engine.wake();
  EXPECT_TRUE(reports.waitFor("r2-fake", DeliveryStatus::kDelivered));
  EXPECT_TRUE(engine.stop(5s));
  EXPECT_FALSE(engine.running());
}

TEST_F(DeliveryEngineTest, OneStuckEndpointDoesNotDelayAnother) {
  auto stuck = std::make_shared<FakeConnector>();
  stuck->hold(true);
  auto healthy = std::make_shared<FakeConnector>();
  Reports reports;
  DeliveryEngine engine(*db, clock, options());
  engine.setObserver(reports.observer());
  ASSERT_TRUE(engine.add(instance("stuck"), stuck).isOk());
  ASSERT_TRUE(engine.add(instance("healthy"), healthy).isOk());
  commit("r1", {"stuck", "healthy"});
  commit("r2", {"healthy"});
  ASSERT_TRUE(engine.start().isOk());
  ASSERT_TRUE(stuck->waitForCalls(1));
  EXPECT_TRUE(reports.waitFor("r1-healthy", DeliveryStatus::kDelivered));
  EXPECT_TRUE(reports.waitFor("r2-healthy", DeliveryStatus::kDelivered));
  EXPECT_EQ(get("r1-stuck").status, DeliveryStatus::kInFlight);
  stuck->hold(false);
  EXPECT_TRUE(reports.waitFor("r1-stuck", DeliveryStatus::kDelivered));
  EXPECT_TRUE(engine.stop(5s));
}

TEST_F(DeliveryEngineTest, OneRecordWithThousandsOfDocumentsDoesNotStarveAnotherClient) {
  ASSERT_TRUE(db->createClient({"c-2", "c-2", store::ClientRole::kEditor, {}},
                               fhirgw::testsupport::newStoredKey())
                  .isOk());
  // c-1: one record, 2,000 one-document deliveries (issue 8 sent 10,000 in one request).
  constexpr int kDocuments = 2000;
  store::Submission big;
  big.clientId = "c-1";
  big.recordId = "big";
  store::NewRecord record;
  record.requestHash = "h-big";
  record.body = "{}";
  record.outcome = "{}";
  record.practitionerRpps = "10000000001";
  record.encounterYear = 2026;
  big.record = record;
  big.resources.push_back(
      {std::nullopt, "Patient", "big-pat", 1, R"({"resourceType":"Patient","id":"big-pat"})"});
  big.resources.push_back({std::nullopt, "Encounter", "big-enc", 1,
                           R"({"resourceType":"Encounter","id":"big-enc","status":"finished",)"
                           R"("subject":{"reference":"Patient/big-pat"}})"});
  for (int i = 0; i < kDocuments; ++i) {
    const std::string n = std::to_string(10000 + i);  // ids sort in creation order
    big.documents.push_back({"big-doc-" + n, std::nullopt, "sick-leave", "dh", "{}", "{}"});
    big.resources.push_back(
        {"big-doc-" + n, "DocumentReference", "big-dr-" + n, 1,
         R"({"resourceType":"DocumentReference","id":"big-dr-)" + n +
             R"(","status":"current","subject":{"reference":"Patient/big-pat"}})"});
    big.deliveries.push_back({"big-" + n, "big-doc-" + n, "dmp", "fake", DeliveryStatus::kPending,
                              std::nullopt, std::nullopt});
  }
  ASSERT_TRUE(db->commitSubmission(big).isOk());
  clock.advance(1s);
  // c-2: one ordinary record queued after all of them.
  commit("small", {"fake"}, "c-2");

  // One worker; the third attempt is held so that the test sees the first round and a bit.
  auto fake = std::make_shared<FakeConnector>();
  fake->holdFrom(3);
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  ASSERT_TRUE(engine.start().isOk());
  ASSERT_TRUE(fake->waitForCalls(3));
  const auto calls = fake->calls();
  const auto counts = fake->resourceCounts();
  EXPECT_FALSE(engine.stop(50ms)) << "the held third attempt is cancelled";
  ASSERT_EQ(calls.size(), 3u);
  EXPECT_EQ(calls, (std::vector<std::string>{"big-10000", "small-fake", "big-10001"}))
      << "the other client is leased in the first round, not after 2,000 others";
  // Each of the big record's payloads carries its own document and the patient it references,
  // never the other 1,999 documents; the small record's is the usual six.
  EXPECT_EQ(counts, (std::vector<std::size_t>{2, 6, 2}));
  EXPECT_EQ(get("small-fake").status, DeliveryStatus::kDelivered);
  EXPECT_EQ(get("big-10000").status, DeliveryStatus::kDelivered);
}

TEST_F(DeliveryEngineTest, ShutdownWaitsForAnAttemptThatFinishesWithinTheGrace) {
  auto fake = std::make_shared<FakeConnector>();
  fake->hold(true);
  commit("r1", {"fake"});
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  ASSERT_TRUE(engine.start().isOk());
  ASSERT_TRUE(fake->waitForCalls(1));
  std::thread releaser([&] { fake->hold(false); });
  EXPECT_TRUE(engine.stop(10s));
  releaser.join();
  EXPECT_EQ(get("r1-fake").status, DeliveryStatus::kDelivered);
}

TEST_F(DeliveryEngineTest, ShutdownCancelsAnAttemptPastTheGraceAndKeepsTheDeliveryDue) {
  auto fake = std::make_shared<FakeConnector>();
  fake->hold(true);
  commit("r1", {"fake"});
  commit("r2", {"fake"});
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  ASSERT_TRUE(engine.start().isOk());
  ASSERT_TRUE(fake->waitForCalls(1));
  const auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(engine.stop(100ms));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  const std::string cut = fake->calls().front();
  const auto d = get(cut);
  EXPECT_EQ(d.status, DeliveryStatus::kFailed);
  EXPECT_EQ(d.nextAttemptAt, clock.now()) << "due again at once";
  EXPECT_EQ(attempts(cut).back().outcome, store::AttemptOutcome::kInterrupted);
  EXPECT_EQ(fake->calls().size(), 1u) << "no new claim once stopping";
  const std::string other = cut == "r1-fake" ? "r2-fake" : "r1-fake";
  EXPECT_EQ(get(other).status, DeliveryStatus::kPending);
}

TEST_F(DeliveryEngineTest, ConnectorsAreAddedOnceAndDisabledOnesIgnored) {
  auto fake = std::make_shared<FakeConnector>();
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  EXPECT_EQ(engine.add(instance("fake"), fake).code(), common::StatusCode::kAlreadyExists);
  auto off = instance("off");
  off.enabled = false;
  ASSERT_TRUE(engine.add(off, fake).isOk());
  EXPECT_EQ(engine.runDue("off").status().code(), common::StatusCode::kNotFound);
}

TEST_F(DeliveryEngineTest, AConnectorExceptionIsRecordedWithoutItsTextAndTheLogGivesAReason) {
  commit("r1", {"fake"});
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(instance("fake"), std::make_shared<ThrowingConnector>()).isOk());
  LogCapture log;
  ASSERT_EQ(*engine.runDue("fake"), 1u);
  const auto a = attempts("r1-fake");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].errorClass, store::ErrorClass::kTransient);
  EXPECT_EQ(a[0].message, "connector error: unexpected exception");
  EXPECT_EQ(log.text().find("Jeanne"), std::string::npos) << log.text();
  EXPECT_EQ(log.text().find("279035121518989"), std::string::npos) << log.text();
  EXPECT_NE(log.text().find(R"("errorClass":"transient")"), std::string::npos) << log.text();
  EXPECT_NE(log.text().find(R"("reason":"connector-exception")"), std::string::npos) << log.text();
}

TEST_F(DeliveryEngineTest, AStoredResourceThatIsNotJsonEndsTheDeliveryDeadUnsent) {
  commit("r1", {"fake"}, "c-1", [](store::Submission& sub) {
    for (store::NewFhirResource& r : sub.resources) {
      if (r.resourceType == "Encounter") r.json = R"({"resourceType":"Encounter",)";
    }
  });
  auto fake = std::make_shared<FakeConnector>();
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  LogCapture log;
  ASSERT_EQ(*engine.runDue("fake"), 1u);
  EXPECT_TRUE(fake->calls().empty()) << "nothing is sent";
  const auto d = get("r1-fake");
  EXPECT_EQ(d.status, DeliveryStatus::kDead);
  EXPECT_EQ(d.reason, "permanent-error");
  const auto a = attempts("r1-fake");
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].errorClass, store::ErrorClass::kPermanent);
  EXPECT_NE(a[0].message.value_or("").find("is not valid JSON"), std::string::npos)
      << a[0].message.value_or("");
  EXPECT_NE(log.text().find(R"("cause":"payload-unreadable")"), std::string::npos) << log.text();
}

TEST_F(DeliveryEngineTest, AFailedAttemptIsLoggedWithAReasonEvenWhenTheConnectorGaveNone) {
  commit("r1", {"fake"});
  auto fake = std::make_shared<FakeConnector>();
  fake->then(DeliveryResult::transient("peer said no"));
  fake->then(DeliveryResult::permanent("HTTP 400", 400).because("http-400"));
  DeliveryEngine engine(*db, clock, options(/*random=*/0.0));
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  LogCapture log;
  ASSERT_EQ(*engine.runDue("fake"), 2u);
  const std::string text = log.text();
  EXPECT_EQ(text.find(R"("reason":"")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("reason":"transient")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("reason":"permanent-error","cause":"http-400")"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("peer said no"), std::string::npos) << "messages stay in the attempt rows";
}

TEST_F(DeliveryEngineTest, AnInstanceAddedWhileRunningStartsDeliveringAtOnce) {
  auto first = std::make_shared<FakeConnector>();
  auto added = std::make_shared<FakeConnector>();
  Reports reports;
  DeliveryEngine engine(*db, clock, options());
  engine.setObserver(reports.observer());
  ASSERT_TRUE(engine.add(instance("first"), first).isOk());
  ASSERT_TRUE(engine.start().isOk());
  LogCapture log;
  ASSERT_TRUE(engine.add(instance("added"), added).isOk());
  EXPECT_EQ(engine.add(instance("added"), added).code(), common::StatusCode::kAlreadyExists);
  EXPECT_EQ(engine.connectorIds(), (std::vector<std::string>{"added", "first"}));
  commit("r1", {"added"});
  engine.wake();
  EXPECT_TRUE(reports.waitFor("r1-added", DeliveryStatus::kDelivered));
  EXPECT_EQ(added->calls(), (std::vector<std::string>{"r1-added"}));
  EXPECT_TRUE(first->calls().empty());
  EXPECT_TRUE(engine.stop(5s));
  EXPECT_NE(log.text().find(R"("event":"connectors.instance-added","connectorId":"added"})"),
            std::string::npos)
      << log.text();
}

TEST_F(DeliveryEngineTest, AReplacedInstanceFinishesItsAttemptUnderTheOldSettingsAndConnector) {
  auto old = std::make_shared<FakeConnector>();
  old->hold(true);
  old->always(DeliveryResult::transient("HTTP 503", 503));
  auto config = instance("fake");
  config.retry.maxAttempts = 1;  // the old settings: one transient failure ends dead
  auto next = std::make_shared<FakeConnector>();
  Reports reports;
  commit("r1", {"fake"});
  DeliveryEngine engine(*db, clock, options());
  engine.setObserver(reports.observer());
  ASSERT_TRUE(engine.add(config, old).isOk());
  ASSERT_TRUE(engine.start().isOk());
  ASSERT_TRUE(old->waitForCalls(1));

  LogCapture log;
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(engine.replace(instance("fake"), next, 100ms).isOk());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "the caller waits at most grace";
  EXPECT_EQ(get("r1-fake").status, DeliveryStatus::kInFlight) << "not aborted";

  commit("r2", {"fake"});
  engine.wake();
  EXPECT_TRUE(reports.waitFor("r2-fake", DeliveryStatus::kDelivered));
  EXPECT_EQ(next->calls(), (std::vector<std::string>{"r2-fake"}));

  old->hold(false);
  EXPECT_TRUE(reports.waitFor("r1-fake", DeliveryStatus::kDead));
  const auto d = get("r1-fake");
  EXPECT_EQ(d.reason, "max-attempts") << "the old retry settings";
  ASSERT_EQ(attempts("r1-fake").size(), 1u);
  EXPECT_EQ(attempts("r1-fake")[0].httpStatus, 503) << "the old connector's answer";
  EXPECT_EQ(old->calls(), (std::vector<std::string>{"r1-fake"}));
  EXPECT_EQ(next->calls(), (std::vector<std::string>{"r2-fake"})) << "nothing sent twice";
  EXPECT_EQ(engine.connectorIds(), (std::vector<std::string>{"fake"}));
  EXPECT_TRUE(engine.stop(5s)) << "stop joins the old lane too";
  EXPECT_NE(log.text().find(R"("event":"connectors.instance-replaced","connectorId":"fake"})"),
            std::string::npos)
      << log.text();
}

TEST_F(DeliveryEngineTest, AReplacedInstanceHasANewCircuitBreaker) {
  commit("r1", {"fake"});
  auto down = std::make_shared<FakeConnector>();
  down->always(DeliveryResult::transient("HTTP 503", 503));
  auto config = instance("fake");
  config.circuitBreaker = {1, 30s, 300s};
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(config, down).isOk());
  ASSERT_EQ(*engine.runDue("fake"), 1u);
  EXPECT_EQ(engine.circuitState("fake"), CircuitBreaker::State::kOpen);
  auto up = std::make_shared<FakeConnector>();
  ASSERT_TRUE(engine.replace(config, up, 1s).isOk());
  EXPECT_EQ(engine.circuitState("fake"), CircuitBreaker::State::kClosed);
  clock.advance(5s);  // the retry's backoff (random 1.0: 5 s)
  EXPECT_EQ(*engine.runDue("fake"), 1u);
  EXPECT_EQ(up->calls(), (std::vector<std::string>{"r1-fake"}));
  EXPECT_EQ(get("r1-fake").status, DeliveryStatus::kDelivered);
}

TEST_F(DeliveryEngineTest, ReplacingAnUnknownInstanceAddsItAndADisabledConfigRemovesIt) {
  commit("r1", {"fake"});
  auto fake = std::make_shared<FakeConnector>();
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.replace(instance("fake"), fake, 1s).isOk());
  EXPECT_EQ(engine.connectorIds(), (std::vector<std::string>{"fake"}));
  auto off = instance("fake");
  off.enabled = false;
  ASSERT_TRUE(engine.replace(off, fake, 1s).isOk());
  EXPECT_TRUE(engine.connectorIds().empty());
  EXPECT_EQ(engine.runDue("fake").status().code(), common::StatusCode::kNotFound);
  EXPECT_TRUE(engine.replace(off, fake, 1s).isOk()) << "already gone";
  EXPECT_EQ(engine.replace(instance("fake"), nullptr, 1s).code(),
            common::StatusCode::kInvalidArgument);
  EXPECT_EQ(get("r1-fake").status, DeliveryStatus::kPending);
}

TEST_F(DeliveryEngineTest, ARemovedInstanceFinishesItsAttemptThenClaimsNothingMore) {
  auto fake = std::make_shared<FakeConnector>();
  fake->hold(true);
  Reports reports;
  commit("r1", {"fake"});
  commit("r2", {"fake"});
  DeliveryEngine engine(*db, clock, options());
  engine.setObserver(reports.observer());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  ASSERT_TRUE(engine.start().isOk());
  ASSERT_TRUE(fake->waitForCalls(1));
  const std::string sent = fake->calls().front();
  const std::string queued = sent == "r1-fake" ? "r2-fake" : "r1-fake";

  LogCapture log;
  auto removing = std::async(std::launch::async, [&] { return engine.remove("fake", 10s); });
  EXPECT_EQ(removing.wait_for(100ms), std::future_status::timeout)
      << "remove waits for the attempt in progress";
  fake->hold(false);
  ASSERT_TRUE(removing.get().isOk());
  EXPECT_EQ(get(sent).status, DeliveryStatus::kDelivered) << "finished and recorded";
  EXPECT_TRUE(reports.waitFor(sent, DeliveryStatus::kDelivered)) << "the observer heard of it";
  EXPECT_TRUE(engine.connectorIds().empty());
  EXPECT_EQ(engine.remove("fake", 1s).code(), common::StatusCode::kNotFound);

  commit("r3", {"fake"});
  engine.wake();
  // Several idle polls (50 ms) later, still nothing claimed.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(fake->calls(), (std::vector<std::string>{sent}));
  EXPECT_EQ(get(queued).status, DeliveryStatus::kPending) << "queued ones stay untouched";
  EXPECT_EQ(get(queued).attempts, 0);
  EXPECT_EQ(get("r3-fake").status, DeliveryStatus::kPending);
  EXPECT_TRUE(engine.stop(5s));
  EXPECT_NE(log.text().find(R"("event":"connectors.instance-removed","connectorId":"fake"})"),
            std::string::npos)
      << log.text();
}

TEST_F(DeliveryEngineTest, RemovingPastTheGraceAbortsTheAttemptAndKeepsTheDeliveryDue) {
  auto fake = std::make_shared<FakeConnector>();
  fake->hold(true);
  commit("r1", {"fake"});
  DeliveryEngine engine(*db, clock, options());
  ASSERT_TRUE(engine.add(instance("fake"), fake).isOk());
  ASSERT_TRUE(engine.start().isOk());
  ASSERT_TRUE(fake->waitForCalls(1));
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(engine.remove("fake", 50ms).isOk());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  const auto d = get("r1-fake");
  EXPECT_EQ(d.status, DeliveryStatus::kFailed);
  EXPECT_EQ(d.nextAttemptAt, clock.now()) << "due again at once for whoever takes it";
  EXPECT_EQ(attempts("r1-fake").back().outcome, store::AttemptOutcome::kInterrupted);
  EXPECT_EQ(attempts("r1-fake").back().message, "interrupted: connector instance removed");
  EXPECT_TRUE(engine.stop(5s));
}

TEST_F(DeliveryEngineTest, ChangesRacingWithWakeUpsNeitherLoseNorDuplicateADelivery) {
  constexpr int kRecords = 40;
  auto fake = std::make_shared<FakeConnector>();
  Reports reports;
  DeliveryEngine engine(*db, clock, options());
  engine.setObserver(reports.observer());
  auto config = instance("fake");
  config.workers = 2;
  ASSERT_TRUE(engine.add(config, fake).isOk());
  ASSERT_TRUE(engine.start().isOk());
  std::atomic<bool> done{false};
  std::thread waker([&] {
    while (!done) {
      engine.wake();
      (void)engine.circuitState("fake");
      (void)engine.connectorIds();
      std::this_thread::yield();
    }
  });
  for (int i = 0; i < kRecords; ++i) {
    commit("r" + std::to_string(100 + i), {"fake"});
    switch (i % 4) {
      case 0:
        ASSERT_TRUE(engine.replace(config, fake, 0ms).isOk());
        break;
      case 1:
        ASSERT_TRUE(engine.remove("fake", 5s).isOk());
        ASSERT_TRUE(engine.add(config, fake).isOk());
        break;
      case 2:
        ASSERT_TRUE(engine.replace(config, fake, 5s).isOk());
        break;
      default:
        (void)engine.runDue("fake");
        break;
    }
  }
  for (int i = 0; i < kRecords; ++i) {
    EXPECT_TRUE(
        reports.waitFor("r" + std::to_string(100 + i) + "-fake", DeliveryStatus::kDelivered))
        << i;
  }
  done = true;
  waker.join();
  EXPECT_TRUE(engine.stop(5s));
  auto calls = fake->calls();
  std::sort(calls.begin(), calls.end());
  EXPECT_EQ(calls.size(), static_cast<std::size_t>(kRecords));
  EXPECT_EQ(std::adjacent_find(calls.begin(), calls.end()), calls.end()) << "sent once each";
  for (int i = 0; i < kRecords; ++i) {
    const std::string id = "r" + std::to_string(100 + i) + "-fake";
    EXPECT_EQ(get(id).status, DeliveryStatus::kDelivered) << id;
    EXPECT_EQ(get(id).attempts, 1) << id;
  }
}

// ---- batches (issue 15) ---------------------------------------------------------------------

namespace {

/// A connector that runs the test's function on each delivery (to look at the store meanwhile).
class CallbackConnector final : public Connector {
 public:
  explicit CallbackConnector(std::function<DeliveryResult(const DeliveryPayload&)> fn)
      : fn_(std::move(fn)) {}
  std::string_view type() const override { return "fake"; }
  DeliveryResult deliver(const DeliveryPayload& payload, std::stop_token) override {
    return fn_(payload);
  }

 private:
  std::function<DeliveryResult(const DeliveryPayload&)> fn_;
};

}  // namespace

TEST_F(DeliveryEngineTest, ClaimsGrowWhileTheyComeBackFullAndResultsAreRecordedPerBatch) {
  std::vector<std::string> ids;
  for (int i = 1; i <= 9; ++i) {
    const std::string r = "r" + std::to_string(i);
    commit(r, {"fake"});
    ids.push_back(r + "-fake");
  }
  std::vector<std::string> leases;
  std::vector<int> deliveredSeen;
  auto connector = std::make_shared<CallbackConnector>([&](const DeliveryPayload& p) {
    leases.push_back(get(p.deliveryId).leaseId.value_or(""));
    deliveredSeen.push_back(static_cast<int>(std::count_if(ids.begin(), ids.end(), [&](auto& id) {
      return get(id).status == DeliveryStatus::kDelivered;
    })));
    return DeliveryResult::success(200);
  });
  EngineOptions o = options();
  o.claimBatch = 4;
  DeliveryEngine engine(*db, clock, o);
  ASSERT_TRUE(engine.add(instance("fake"), connector).isOk());
  auto ran = engine.runDue("fake");
  ASSERT_TRUE(ran.hasValue());
  EXPECT_EQ(*ran, 9u);
  ASSERT_EQ(leases.size(), 9u);
  // Claims of 1, 2, 4, then 2 (capped at 4, the last one short): one lease each.
  std::vector<std::size_t> claimSizes;
  for (std::size_t i = 0; i < leases.size(); ++i) {
    if (i == 0 || leases[i] != leases[i - 1]) claimSizes.push_back(0);
    ++claimSizes.back();
  }
  EXPECT_EQ(claimSizes, (std::vector<std::size_t>{1, 2, 4, 2}));
  EXPECT_EQ(deliveredSeen, (std::vector<int>{0, 1, 1, 3, 3, 3, 3, 7, 7}))
      << "each batch's results are recorded together once it is done";
  for (const auto& id : ids) {
    EXPECT_EQ(get(id).status, DeliveryStatus::kDelivered) << id;
    EXPECT_EQ(attempts(id).size(), 1u) << id;
  }
}

TEST_F(DeliveryEngineTest, ABatchStartsNoAttemptPastItsWindowAndGivesTheRestBack) {
  for (const char* r : {"r1", "r2", "r3"}) commit(r, {"fake"});
  std::vector<std::string> leases;
  std::vector<std::string> thirdsLease;
  auto connector = std::make_shared<CallbackConnector>([&](const DeliveryPayload& p) {
    leases.push_back(get(p.deliveryId).leaseId.value_or(""));
    thirdsLease.push_back(get("r3-fake").leaseId.value_or(""));
    clock.advance(40s);  // a slow peer
    return DeliveryResult::success(200);
  });
  EngineOptions o = options();
  o.claimBatch = 10;
  o.batchWindow = 30s;
  DeliveryEngine engine(*db, clock, o);
  ASSERT_TRUE(engine.add(instance("fake"), connector).isOk());
  auto ran = engine.runDue("fake");
  ASSERT_TRUE(ran.hasValue());
  EXPECT_EQ(*ran, 3u);
  // r1 alone at 0 s; r2 and r3 claimed together at 40 s: r2 attempted at once, and at 80 s the
  // window (30 s) is over, so r3 goes back untouched and is claimed again.
  ASSERT_EQ(leases.size(), 3u);
  EXPECT_EQ(thirdsLease[1], leases[1]) << "r3 was claimed with r2";
  EXPECT_NE(leases[2], leases[1]) << "then given back and claimed again";
  for (const char* id : {"r1-fake", "r2-fake", "r3-fake"}) {
    EXPECT_EQ(get(id).status, DeliveryStatus::kDelivered) << id;
    EXPECT_EQ(get(id).attempts, 1) << id << ": a claim given back counts no attempt";
    EXPECT_EQ(attempts(id).size(), 1u) << id;
  }
}

TEST_F(DeliveryEngineTest, ACircuitOpeningMidBatchGivesTheRestBackUntouched) {
  for (const char* r : {"r1", "r2", "r3", "r4"}) commit(r, {"fake"});
  auto fake = std::make_shared<FakeConnector>();
  fake->then(DeliveryResult::success(200));
  fake->always(DeliveryResult::transient("HTTP 503", 503));
  ConnectorInstanceConfig config = instance("fake");
  config.circuitBreaker.failureThreshold = 1;
  EngineOptions o = options();
  o.claimBatch = 10;
  DeliveryEngine engine(*db, clock, o);
  ASSERT_TRUE(engine.add(config, fake).isOk());
  // r1 alone (delivered), then r2 and r3 in one claim: r2 fails, the circuit opens, and r3 goes
  // back without being sent.
  auto ran = engine.runDue("fake");
  ASSERT_TRUE(ran.hasValue());
  EXPECT_EQ(*ran, 2u);
  EXPECT_EQ(fake->calls(), (std::vector<std::string>{"r1-fake", "r2-fake"}))
      << "nothing more is sent once the circuit is open";
  EXPECT_EQ(engine.circuitState("fake"), CircuitBreaker::State::kOpen);
  EXPECT_EQ(get("r1-fake").status, DeliveryStatus::kDelivered);
  EXPECT_EQ(get("r2-fake").status, DeliveryStatus::kFailed);
  EXPECT_EQ(get("r2-fake").attempts, 1);
  for (const char* id : {"r3-fake", "r4-fake"}) {
    const store::Delivery d = get(id);
    EXPECT_EQ(d.status, DeliveryStatus::kPending) << id;
    EXPECT_EQ(d.attempts, 0) << id;
    EXPECT_FALSE(d.leaseId.has_value()) << id;
    EXPECT_FALSE(d.firstAttemptAt.has_value()) << id;
    EXPECT_TRUE(attempts(id).empty()) << id;
  }
}
