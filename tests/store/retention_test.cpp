// Retention on both engines: content purged and records, audit entries and idempotency entries
// deleted in bounded batches, never a record whose deliveries may still need it.

#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/key_ring.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"
#include "fhirgw/testsupport/test_store.hpp"
#include "store_test_support.hpp"
#include "test_database.hpp"

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;
using namespace std::chrono_literals;
namespace kw = Poco::Data::Keywords;
namespace fs = std::filesystem;
using common::StatusCode;

namespace {

constexpr std::string_view kSecret = "DURAND-279035121518989";

// The sample record of the tests (makeSubmission: a pending dmp delivery and a skipped one) with
// a target, an error and an attempt message, its deliveries finished as `status` says.
void commitSample(Store& store, const std::function<void(const std::string&)>& exec,
                  const std::string& id, const std::string& status) {
  Submission sub = makeSubmission("c-1", id, "ext-" + id);
  sub.record->body = R"({"patient":")" + std::string(kSecret) + R"("})";
  sub.deliveries[0].target = "anne.leroy@medecin.mssante.fr";
  ASSERT_TRUE(store.commitSubmission(sub).isOk());
  exec("UPDATE deliveries SET status = '" + status + "', last_error = 'peer said " +
       std::string(kSecret) + "' WHERE id = '" + id + "-dmp'");
  exec("INSERT INTO delivery_attempts (delivery_id, at, outcome, message) VALUES ('" + id +
       "-dmp', 0, 'failed', 'message')");
}

class StoreRetention : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store
                    ->createClient({"c-1", "c-1", ClientRole::kEditor, {}},
                                   fhirgw::testsupport::newStoredKey())
                    .isOk());
  }

  std::int64_t count(const std::string& sql) {
    auto rows = db->column(sql);
    EXPECT_TRUE(rows.hasValue()) << rows.status().toString();
    return rows.hasValue() && rows->size() == 1 ? std::stoll(rows->front()) : -1;
  }

  void exec(const std::string& sql) {
    const common::Status done = db->execute(sql);
    ASSERT_TRUE(done.isOk()) << done.toString();
  }

  void commit(const std::string& id, const std::string& status = "delivered") {
    commitSample(
        *store, [this](const std::string& sql) { exec(sql); }, id, status);
  }
};
FHIRGW_STORE_TEST_BOTH_ENGINES(StoreRetention);

// What only SQLite has so far (the dead-delivery retries) or only SQLite needs (its file).
class SqliteStoreRetention : public ::testing::Test {
 protected:
  void SetUp() override {
    store = fhirgw::testsupport::openTestStore(dir.path(), clock, {"c-1"});
    ASSERT_NE(store, nullptr);
  }

  fs::path db() const { return dir.path() / "gateway.db"; }

  void exec(const std::string& sql) {
    auto raw = rawSession(db());
    raw << sql, kw::now;
  }

  void commit(const std::string& id, const std::string& status = "delivered") {
    commitSample(
        *store, [this](const std::string& sql) { exec(sql); }, id, status);
  }

  TempDir dir;
  common::ManualClock clock{testStart()};
  std::unique_ptr<Store> store;
};

}  // namespace

TEST_P(StoreRetention, ContentPurgeEmptiesBodiesDeletesResourcesAndKeepsMetadata) {
  commit("r-1");
  clock.advance(1h);
  auto purged = store->purgeRecordContent(clock.now(), 500);
  ASSERT_TRUE(purged.hasValue()) << purged.status().toString();
  EXPECT_EQ(*purged, 1);

  auto record = store->getRecord("c-1", "r-1");
  ASSERT_TRUE(record.hasValue());
  EXPECT_EQ(record->body, "");
  EXPECT_EQ(record->outcome, "");
  EXPECT_EQ(record->contentPurgedAt, clock.now());
  EXPECT_EQ(record->requestHash, "hash-r-1");
  EXPECT_EQ(record->externalId, "ext-r-1");
  auto documents = store->listDocuments("c-1", "r-1");
  ASSERT_EQ(documents->size(), 1u);
  EXPECT_EQ((*documents)[0].body, "");
  EXPECT_EQ((*documents)[0].outcome, "");
  EXPECT_EQ((*documents)[0].kind, "report");
  EXPECT_TRUE(store->listFhirResources("c-1", "r-1")->empty());
  auto deliveries = store->listDeliveries("c-1", "r-1");
  ASSERT_EQ(deliveries->size(), 2u);
  EXPECT_EQ((*deliveries)[0].status, DeliveryStatus::kDelivered);
  EXPECT_FALSE((*deliveries)[0].target.has_value());
  EXPECT_FALSE((*deliveries)[0].lastError.has_value());
  EXPECT_EQ(count("SELECT COUNT(*) FROM delivery_attempts WHERE delivery_id = 'r-1-dmp'"
                  " AND message IS NULL"),
            1);
  EXPECT_EQ(*store->purgeRecordContent(clock.now(), 500), 0);  // already purged
}

TEST_P(StoreRetention, ContentPurgeLeavesRecordsWhoseDeliveriesMayStillNeedIt) {
  commit("r-pending", "pending");
  commit("r-flight", "in-flight");
  commit("r-failed", "failed");
  commit("r-dead", "dead");
  commit("r-skipped", "skipped");
  clock.advance(1h);
  EXPECT_EQ(*store->purgeRecordContent(clock.now(), 500), 2);
  for (const char* kept : {"r-pending", "r-flight", "r-failed"}) {
    auto record = store->getRecord("c-1", kept);
    EXPECT_FALSE(record->contentPurgedAt.has_value()) << kept;
    EXPECT_NE(record->body, "") << kept;
    EXPECT_EQ(store->listFhirResources("c-1", kept)->size(), 2u) << kept;
    EXPECT_TRUE((*store->listDeliveries("c-1", kept))[0].target.has_value()) << kept;
  }
  EXPECT_TRUE(store->getRecord("c-1", "r-dead")->contentPurgedAt.has_value());
  EXPECT_TRUE(store->getRecord("c-1", "r-skipped")->contentPurgedAt.has_value());
  // Once delivered, the next pass takes it.
  exec("UPDATE deliveries SET status = 'delivered' WHERE record_id = 'r-failed'");
  EXPECT_EQ(*store->purgeRecordContent(clock.now(), 500), 1);
  EXPECT_EQ(*store->deleteRecords(clock.now(), 500), 3);
  EXPECT_EQ(count("SELECT COUNT(*) FROM records"), 2);
}

TEST_P(StoreRetention, PurgesTakeAtMostTheLimitOldestFirstAndNothingAfterTheCutoff) {
  for (int i = 0; i < 5; ++i) {
    commit("r-" + std::to_string(i));
    clock.advance(1min);
  }
  const common::TimePoint cutoff = clock.now();
  commit("r-new");
  EXPECT_EQ(*store->purgeRecordContent(cutoff, 2), 2);
  EXPECT_TRUE(store->getRecord("c-1", "r-0")->contentPurgedAt.has_value());
  EXPECT_TRUE(store->getRecord("c-1", "r-1")->contentPurgedAt.has_value());
  EXPECT_FALSE(store->getRecord("c-1", "r-2")->contentPurgedAt.has_value());
  EXPECT_EQ(*store->purgeRecordContent(cutoff, 2), 2);
  EXPECT_EQ(*store->purgeRecordContent(cutoff, 2), 1);
  EXPECT_EQ(*store->purgeRecordContent(cutoff, 2), 0);
  EXPECT_FALSE(store->getRecord("c-1", "r-new")->contentPurgedAt.has_value());

  EXPECT_EQ(*store->deleteRecords(cutoff, 3), 3);
  EXPECT_EQ(store->getRecord("c-1", "r-0").error().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store->getRecord("c-1", "r-3").hasValue());
  EXPECT_EQ(*store->deleteRecords(cutoff, 3), 2);
  EXPECT_EQ(*store->deleteRecords(cutoff, 3), 0);
  EXPECT_TRUE(store->getRecord("c-1", "r-new").hasValue());
  EXPECT_EQ(store->purgeRecordContent(cutoff, 0).error().code(), StatusCode::kInvalidArgument);
}

TEST_P(StoreRetention, DeletingRecordsTakesTheirRowsEverywhereButKeepsTheirActivityCount) {
  commit("r-1");
  commit("r-2", "pending");
  clock.advance(1h);
  EXPECT_EQ(*store->countTeleconsultations("10000000001", 2026), 2);
  EXPECT_EQ(*store->deleteRecords(clock.now(), 500), 1);
  for (const char* table : {"documents", "fhir_resources", "deliveries"}) {
    EXPECT_EQ(count(std::string("SELECT COUNT(*) FROM ") + table + " WHERE record_id = 'r-1'"), 0)
        << table;
    EXPECT_GT(count(std::string("SELECT COUNT(*) FROM ") + table + " WHERE record_id = 'r-2'"), 0)
        << table;
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM delivery_attempts WHERE delivery_id = 'r-1-dmp'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM delivery_attempts WHERE delivery_id = 'r-2-dmp'"), 1);
  // The yearly activity cap still counts the deleted teleconsultation.
  EXPECT_EQ(*store->countTeleconsultations("10000000001", 2026), 2);
  exec("UPDATE deliveries SET status = 'delivered' WHERE record_id = 'r-2'");
  EXPECT_EQ(*store->deleteRecords(clock.now(), 500), 1);
  EXPECT_EQ(*store->countTeleconsultations("10000000001", 2026), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM records"), 0);
}

TEST_P(StoreRetention, DeletingARecordForgetsTheAnswersKeptForItsExternalIds) {
  Submission sub = makeSubmission("c-1", "r-1", "ext-1");
  sub.documents[0].externalId = "doc-ext-1";
  sub.deliveries[0].status = DeliveryStatus::kSkipped;
  sub.deliveries[0].reason = "ID-INS-QUALIFIED";
  sub.idempotency = {{"tc-ext:ext-1", "h", 201, "{}", 24h * 36500},
                     {"doc-ext:doc-ext-1", "h", 201, "{}", 24h * 36500},
                     {"key-1", "h", 201, "{}", 24h}};
  ASSERT_TRUE(store->commitSubmission(sub).isOk());
  Submission other = makeSubmission("c-1", "r-2", "ext-2");
  other.idempotency = {{"tc-ext:ext-2", "h", 201, "{}", 24h * 36500}};
  ASSERT_TRUE(store->commitSubmission(other).isOk());
  clock.advance(1h);
  ASSERT_EQ(*store->deleteRecords(clock.now(), 500), 1);  // r-2 has a pending delivery
  EXPECT_EQ(store->findIdempotencyEntry("c-1", "tc-ext:ext-1").error().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store->findIdempotencyEntry("c-1", "doc-ext:doc-ext-1").error().code(),
            StatusCode::kNotFound);
  // An Idempotency-Key answer lives its own TTL; another record's entries stay.
  EXPECT_TRUE(store->findIdempotencyEntry("c-1", "key-1").hasValue());
  EXPECT_TRUE(store->findIdempotencyEntry("c-1", "tc-ext:ext-2").hasValue());
}

TEST_P(StoreRetention, APurgedRecordTakesNoDocument) {
  commit("r-1", "dead");
  clock.advance(1h);
  ASSERT_EQ(*store->purgeRecordContent(clock.now(), 500), 1);

  Submission more = makeSubmission("c-1", "r-1");
  more.record.reset();
  more.documents[0].id = "r-1-doc2";
  more.resources.clear();
  more.deliveries.clear();
  const common::Status added = store->commitSubmission(more);
  EXPECT_EQ(added.code(), StatusCode::kAborted) << added.toString();
  EXPECT_EQ(count("SELECT COUNT(*) FROM documents WHERE id = 'r-1-doc2'"), 0);
}

// Two instances purging at once: each batch skips the records the other holds, so every record
// is purged, then deleted, exactly once (the sums say so), whatever the interleaving.
TEST_P(StoreRetention, TwoInstancesPurgingAtOnceTakeEachRecordOnce) {
  constexpr int kRecords = 40;
  for (int i = 0; i < kRecords; ++i) commit("r-" + std::to_string(i));
  clock.advance(1h);
  std::unique_ptr<Store> other = openAnother();
  ASSERT_NE(other, nullptr);
  for (const bool deleting : {false, true}) {
    std::int64_t done[2] = {0, 0};
    bool failed[2] = {false, false};
    std::vector<std::thread> threads;
    Store* const instances[2] = {store.get(), other.get()};
    for (int side = 0; side < 2; ++side) {
      threads.emplace_back([&, side] {
        for (;;) {
          auto batch = deleting ? instances[side]->deleteRecords(clock.now(), 3)
                                : instances[side]->purgeRecordContent(clock.now(), 3);
          if (!batch.hasValue()) {
            failed[side] = true;
            return;
          }
          if (*batch == 0) return;
          done[side] += *batch;
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_FALSE(failed[0] || failed[1]);
    EXPECT_EQ(done[0] + done[1], kRecords) << (deleting ? "deleted" : "purged");
  }
  EXPECT_EQ(count("SELECT COUNT(*) FROM records"), 0);
  EXPECT_EQ(*store->countTeleconsultations("10000000001", 2026), kRecords);
}

TEST_P(StoreRetention, APurgedRecordsDeadDeliveriesStayDead) {
  commit("r-1", "dead");
  clock.advance(1h);
  ASSERT_EQ(*store->purgeRecordContent(clock.now(), 500), 1);

  const common::Status retried = store->retryDeadDelivery("r-1-dmp");
  EXPECT_EQ(retried.code(), StatusCode::kAborted);
  EXPECT_NE(retried.message().find("purged"), std::string::npos) << retried.message();
  EXPECT_EQ(*store->countRetriableDeadDeliveries({}), 0) << "the dry run counts as the retry";
  EXPECT_EQ(*store->retryDeadDeliveries({}), 0);
  RerouteRequest reroute;
  reroute.fromConnectorId = "dmp-main";
  reroute.toConnectorId = "dmp-other";
  EXPECT_EQ(*store->rerouteDeliveries(reroute), 0);
  EXPECT_EQ(store->getDelivery("r-1-dmp")->status, DeliveryStatus::kDead);
}

// A purge under way elsewhere (another instance's transaction, held open here) while an
// administrator retries or re-routes a dead delivery of that record: the retry waits for the purge
// and then sees it, rather than queueing a delivery whose content is gone. Without the lock on the
// record, PostgreSQL's retry would read the record as it was before the purge and queue it.
TEST_P(StoreRetention, ARetryDuringAPurgeElsewhereWaitsAndSeesThePurge) {
  commit("r-1", "dead");
  commit("r-2", "dead");
  auto other = db->connect();
  ASSERT_TRUE(other.hasValue()) << other.status().toString();
  for (const bool one : {true, false}) {
    const std::string id = one ? "r-1" : "r-2";
    const std::string begin = GetParam() == Engine::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN";
    ASSERT_TRUE((*other)->execute(begin).isOk());
    ASSERT_TRUE((*other)
                    ->execute("UPDATE records SET body = '', outcome = '', purged_at = 1"
                              " WHERE id = '" +
                              id + "'")
                    .isOk());
    std::promise<common::Status> answer;
    std::future<common::Status> answered = answer.get_future();
    std::thread retry([&] {
      if (one) {
        answer.set_value(store->retryDeadDelivery(id + "-dmp"));
        return;
      }
      RerouteRequest reroute;
      reroute.fromConnectorId = "dmp-main";
      reroute.toConnectorId = "dmp-other";
      reroute.statuses = {DeliveryStatus::kDead};
      auto moved = store->rerouteDeliveries(reroute);
      answer.set_value(!moved.hasValue() ? moved.status()
                       : *moved == 0     ? common::aborted("nothing moved")
                                         : common::Status::ok());
    });
    // Still waiting for the purge's transaction (the store waits up to 5 s for a lock).
    EXPECT_EQ(answered.wait_for(300ms), std::future_status::timeout) << id;
    ASSERT_TRUE((*other)->execute("COMMIT").isOk());
    retry.join();
    const common::Status status = answered.get();
    EXPECT_EQ(status.code(), StatusCode::kAborted) << id << ": " << status.toString();
    EXPECT_EQ(count("SELECT COUNT(*) FROM deliveries WHERE id = '" + id +
                    "-dmp' AND status = 'dead' AND connector_id = 'dmp-main'"),
              1)
        << id;
  }
}

TEST_P(StoreRetention, AuditAndIdempotencyEntriesAreDeletedInBatches) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(store->appendAudit({"admin", "client.create", "c-1", "ok", "req", ""}).hasValue());
    clock.advance(1min);
  }
  const common::TimePoint cutoff = clock.now();
  ASSERT_TRUE(store->appendAudit({"admin", "client.create", "c-1", "ok", "req", ""}).hasValue());
  EXPECT_EQ(*store->deleteAuditEntries(cutoff, 3), 3);
  EXPECT_EQ(*store->deleteAuditEntries(cutoff, 3), 2);
  EXPECT_EQ(*store->deleteAuditEntries(cutoff, 3), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM audit_entries"), 1);

  for (int i = 0; i < 5; ++i) {
    Submission sub = makeSubmission("c-1", "i-" + std::to_string(i));
    sub.idempotency = {{"key-" + std::to_string(i), "h", 201, "{}", 1h}};
    ASSERT_TRUE(store->commitSubmission(sub).isOk());
  }
  EXPECT_EQ(*store->purgeExpiredIdempotencyEntries(2), 0);
  clock.advance(1h);
  EXPECT_EQ(*store->purgeExpiredIdempotencyEntries(2), 2);
  EXPECT_EQ(*store->purgeExpiredIdempotencyEntries(2), 2);
  EXPECT_EQ(*store->purgeExpiredIdempotencyEntries(2), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM idempotency_keys"), 0);
}

// secure_delete is on without encryption too: purged content is overwritten, not left in the
// free space of its pages.
TEST_F(SqliteStoreRetention, PurgedContentIsOverwrittenInTheDatabaseFile) {
  for (int i = 0; i < 20; ++i) commit("r-" + std::to_string(i));
  ASSERT_TRUE(store->checkpointWal().hasValue());
  ASSERT_NE(fhirgw::testsupport::readFile(db()).find(kSecret),
            std::string::npos);  // the test sees plain content
  clock.advance(1h);
  EXPECT_EQ(*store->purgeRecordContent(clock.now(), 500), 20);
  ASSERT_TRUE(*store->checkpointWal());
  EXPECT_EQ(fhirgw::testsupport::readFile(db()).find(kSecret), std::string::npos);
  EXPECT_EQ(fhirgw::testsupport::readFile(db()).find("anne.leroy"), std::string::npos);
}

TEST(SqliteStoreRetentionEncrypted, APurgedRecordReadsBackAndHoldsNoSealedValue) {
  TempDir dir;
  common::ManualClock clock{testStart()};
  StoreOptions options;
  options.dataDir = dir.path().string();
  auto key = common::SecretBox::fromKeyText(common::hexEncode(std::string(32, 'k'))).value();
  options.keyRing = std::make_shared<const common::KeyRing>(common::KeyRing::make(key, {}).value());
  auto opened = openStore(options, clock);
  ASSERT_TRUE(opened.hasValue()) << opened.status().toString();
  auto& store = *opened;
  ASSERT_TRUE(store
                  ->createClient({"c-1", "c-1", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  Submission sub = makeSubmission("c-1", "r-1");
  sub.deliveries[0].target = "anne.leroy@medecin.mssante.fr";
  sub.deliveries[0].status = DeliveryStatus::kSkipped;
  sub.deliveries[0].reason = "ID-INS-QUALIFIED";
  ASSERT_TRUE(store->commitSubmission(sub).isOk());
  clock.advance(1h);
  ASSERT_EQ(*store->purgeRecordContent(clock.now(), 500), 1);
  auto record = store->getRecord("c-1", "r-1");
  ASSERT_TRUE(record.hasValue()) << record.status().toString();
  EXPECT_EQ(record->body, "");
  ASSERT_TRUE(store->listDocuments("c-1", "r-1").hasValue());
  ASSERT_TRUE(store->listDeliveries("c-1", "r-1").hasValue());
  auto counts = store->countSealedValues();
  ASSERT_TRUE(counts.hasValue());
  for (const SealedColumnCount& c : *counts) {
    if (c.table == "idempotency_keys") continue;
    EXPECT_EQ(c.values, 0) << c.table << "." << c.column;
  }
}
