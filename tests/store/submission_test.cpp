// The RecordStore role: submissions committed atomically and read back, on both engines, and
// two instances racing for the same external id or idempotency key.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/key_ring.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"
#include "store_test_support.hpp"
#include "test_database.hpp"

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;
using namespace std::chrono_literals;
using common::StatusCode;

namespace {

class StoreSubmission : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    ASSERT_NE(store, nullptr);
    for (const char* id : {"c-1", "c-2"}) {
      ASSERT_TRUE(
          store->createClient({id, id, ClientRole::kEditor, {}}, testsupport::newStoredKey())
              .isOk());
    }
  }

  std::int64_t countRows(const std::string& table, const std::string& where = "") {
    auto rows =
        db->column("SELECT COUNT(*) FROM " + table + (where.empty() ? "" : " WHERE ") + where);
    EXPECT_TRUE(rows.hasValue()) << rows.status().toString();
    return rows.hasValue() && rows->size() == 1 ? std::stoll(rows->front()) : -1;
  }
};
FHIRGW_STORE_TEST_BOTH_ENGINES(StoreSubmission);

NewIdempotencyEntry idempotency(const std::string& key) {
  return {key, "hash-" + key, 201, R"({"id":"r-1","status":"accepted"})", 24h};
}

}  // namespace

TEST_P(StoreSubmission, EverythingWrittenReadsBack) {
  Submission sub = makeSubmission("c-1", "r-1", "ext-1");
  sub.idempotency = {idempotency("key-1")};
  ASSERT_TRUE(store->commitSubmission(sub).isOk());

  auto record = store->getRecord("c-1", "r-1");
  ASSERT_TRUE(record.hasValue()) << record.status().toString();
  EXPECT_EQ(record->externalId, "ext-1");
  EXPECT_EQ(record->clientId, "c-1");
  EXPECT_EQ(record->status, "accepted");
  EXPECT_EQ(record->requestHash, "hash-r-1");
  EXPECT_EQ(record->body, sub.record->body);
  EXPECT_EQ(record->outcome, sub.record->outcome);
  EXPECT_EQ(record->practitionerRpps, "10000000001");
  EXPECT_EQ(record->encounterYear, 2026);
  EXPECT_FALSE(record->practitionerIsTreating);
  EXPECT_EQ(record->createdAt, testStart());
  EXPECT_EQ(store->findRecordByExternalId("c-1", "ext-1")->id, "r-1");

  auto documents = store->listDocuments("c-1", "r-1");
  ASSERT_TRUE(documents.hasValue());
  ASSERT_EQ(documents->size(), 1u);
  EXPECT_EQ((*documents)[0].id, "r-1-doc");
  EXPECT_EQ((*documents)[0].kind, "report");
  EXPECT_EQ((*documents)[0].body, R"({"kind":"report"})");

  auto resources = store->listFhirResources("c-1", "r-1");
  ASSERT_TRUE(resources.hasValue());
  ASSERT_EQ(resources->size(), 2u);
  EXPECT_EQ((*resources)[0].resourceType, "Encounter");
  EXPECT_FALSE((*resources)[0].documentId.has_value());
  EXPECT_EQ((*resources)[1].documentId, "r-1-doc");
  EXPECT_EQ((*resources)[1].json, R"({"resourceType":"DocumentReference"})");

  auto deliveries = store->listDeliveries("c-1", "r-1");
  ASSERT_TRUE(deliveries.hasValue());
  ASSERT_EQ(deliveries->size(), 2u);
  const Delivery& pending = (*deliveries)[0];
  EXPECT_EQ(pending.id, "r-1-dmp");
  EXPECT_EQ(pending.status, DeliveryStatus::kPending);
  EXPECT_EQ(pending.connectorId, "dmp-main");
  EXPECT_EQ(pending.documentId, "r-1-doc");
  EXPECT_EQ(pending.nextAttemptAt, testStart()) << "a new delivery is due at once";
  EXPECT_EQ(pending.attempts, 0);
  EXPECT_FALSE(pending.leaseOwner.has_value());
  const Delivery& skipped = (*deliveries)[1];
  EXPECT_EQ(skipped.status, DeliveryStatus::kSkipped);
  EXPECT_EQ(skipped.reason, "ID-INS-QUALIFIED");
  EXPECT_FALSE(skipped.connectorId.has_value());
  EXPECT_FALSE(skipped.nextAttemptAt.has_value());
}

TEST_P(StoreSubmission, AFailureHalfwayLeavesNothingBehind) {
  ASSERT_TRUE(store->commitSubmission(makeSubmission("c-1", "r-1")).isOk());
  const auto resourcesBefore = countRows("fhir_resources");

  // Record, document, idempotency entry and resources go in first; the last delivery's id is
  // already taken, so the transaction fails after having written all of them.
  Submission clash = makeSubmission("c-1", "r-2", "ext-2");
  clash.idempotency = {idempotency("key-2")};
  clash.deliveries.push_back(clash.deliveries.front());
  clash.deliveries.back().id = "r-1-dmp";
  const common::Status status = store->commitSubmission(clash);
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists) << status.toString();

  EXPECT_EQ(store->getRecord("c-1", "r-2").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->findRecordByExternalId("c-1", "ext-2").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->findIdempotencyEntry("c-1", "key-2").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(countRows("records"), 1);
  EXPECT_EQ(countRows("documents"), 1);
  EXPECT_EQ(countRows("fhir_resources"), resourcesBefore);
  EXPECT_EQ(countRows("deliveries"), 2);

  // The connection is usable again, and the same submission without the clash goes through.
  clash.deliveries.pop_back();
  EXPECT_TRUE(store->commitSubmission(clash).isOk());
}

TEST_P(StoreSubmission, ExternalIdIsUniquePerClientButNotAcrossClients) {
  ASSERT_TRUE(store->commitSubmission(makeSubmission("c-1", "r-1", "ext-1")).isOk());
  const common::Status again = store->commitSubmission(makeSubmission("c-1", "r-2", "ext-1"));
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.message().find("externalId"), std::string::npos) << again.message();

  ASSERT_TRUE(store->commitSubmission(makeSubmission("c-2", "r-3", "ext-1")).isOk());
  EXPECT_EQ(store->findRecordByExternalId("c-1", "ext-1")->id, "r-1");
  EXPECT_EQ(store->findRecordByExternalId("c-2", "ext-1")->id, "r-3");
  // Records without an external id never clash with each other.
  EXPECT_TRUE(store->commitSubmission(makeSubmission("c-1", "r-4")).isOk());
  EXPECT_TRUE(store->commitSubmission(makeSubmission("c-1", "r-5")).isOk());
}

TEST_P(StoreSubmission, DocumentExternalIdIsUniquePerClient) {
  Submission first = makeSubmission("c-1", "r-1");
  first.documents[0].externalId = "doc-ext";
  ASSERT_TRUE(store->commitSubmission(first).isOk());
  EXPECT_EQ(store->findDocumentByExternalId("c-1", "doc-ext")->id, "r-1-doc");

  Submission second = makeSubmission("c-1", "r-2");
  second.documents[0].externalId = "doc-ext";
  EXPECT_EQ(store->commitSubmission(second).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(store->getRecord("c-1", "r-2").error().code(), StatusCode::kNotFound);

  Submission otherClient = makeSubmission("c-2", "r-3");
  otherClient.documents[0].externalId = "doc-ext";
  EXPECT_TRUE(store->commitSubmission(otherClient).isOk());
  EXPECT_EQ(store->findDocumentByExternalId("c-2", "doc-ext")->id, "r-3-doc");
}

TEST_P(StoreSubmission, ExternalIdDecidesBeforeTheIdempotencyKey) {
  Submission first = makeSubmission("c-1", "r-1", "ext-1");
  first.idempotency = {idempotency("key-1")};
  ASSERT_TRUE(store->commitSubmission(first).isOk());
  Submission replay = makeSubmission("c-1", "r-2", "ext-1");
  replay.idempotency = {idempotency("key-1")};
  const common::Status status = store->commitSubmission(replay);
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(status.message().find("externalId"), std::string::npos) << status.message();
}

TEST_P(StoreSubmission, IdempotencyEntryRoundTripsAndClashesOnlyForTheSameClient) {
  Submission sub = makeSubmission("c-1", "r-1");
  sub.idempotency = {idempotency("key-1")};
  ASSERT_TRUE(store->commitSubmission(sub).isOk());

  auto entry = store->findIdempotencyEntry("c-1", "key-1");
  ASSERT_TRUE(entry.hasValue()) << entry.status().toString();
  EXPECT_EQ(entry->clientId, "c-1");
  EXPECT_EQ(entry->key, "key-1");
  EXPECT_EQ(entry->requestHash, "hash-key-1");
  EXPECT_EQ(entry->responseStatus, 201);
  EXPECT_EQ(entry->responseBody, R"({"id":"r-1","status":"accepted"})");
  EXPECT_EQ(entry->createdAt, testStart());
  EXPECT_EQ(entry->expiresAt, testStart() + 24h);
  EXPECT_EQ(store->findIdempotencyEntry("c-2", "key-1").error().code(), StatusCode::kNotFound);

  Submission again = makeSubmission("c-1", "r-2");
  again.idempotency = {idempotency("key-1")};
  const common::Status status = store->commitSubmission(again);
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(status.message().find("idempotency"), std::string::npos) << status.message();

  Submission otherClient = makeSubmission("c-2", "r-3");
  otherClient.idempotency = {idempotency("key-1")};
  EXPECT_TRUE(store->commitSubmission(otherClient).isOk());
}

TEST_P(StoreSubmission, AnExpiredIdempotencyKeyIsForgottenAndCanBeReused) {
  Submission sub = makeSubmission("c-1", "r-1");
  sub.idempotency = {idempotency("key-1")};
  ASSERT_TRUE(store->commitSubmission(sub).isOk());
  clock.advance(24h);
  EXPECT_EQ(store->findIdempotencyEntry("c-1", "key-1").error().code(), StatusCode::kNotFound);

  Submission reuse = makeSubmission("c-1", "r-2");
  reuse.idempotency = {idempotency("key-1")};
  ASSERT_TRUE(store->commitSubmission(reuse).isOk());
  EXPECT_EQ(store->findIdempotencyEntry("c-1", "key-1")->createdAt, testStart() + 24h);

  Submission other = makeSubmission("c-1", "r-3");
  other.idempotency = {idempotency("key-3")};
  ASSERT_TRUE(store->commitSubmission(other).isOk());
  clock.advance(24h);
  EXPECT_EQ(*store->purgeExpiredIdempotencyEntries(500), 2);
  EXPECT_EQ(*store->purgeExpiredIdempotencyEntries(500), 0);
}

TEST_P(StoreSubmission, DocumentsAreAddedOnlyToTheClientsOwnRecord) {
  ASSERT_TRUE(store->commitSubmission(makeSubmission("c-1", "r-1")).isOk());
  clock.advance(1s);
  Submission addition;
  addition.clientId = "c-1";
  addition.recordId = "r-1";
  addition.documents.push_back(
      {"r-1-sick", "aat-1", "sick-leave", "h", R"({"kind":"sick-leave"})", R"({"issue":[]})"});
  addition.resources.push_back({"r-1-sick", "DocumentReference", "r-1-sick-ref", 1,
                                R"({"resourceType":"DocumentReference"})"});
  addition.deliveries.push_back(
      {"r-1-sick-dmp", "r-1-sick", "dmp", "dmp-main", DeliveryStatus::kPending, std::nullopt, {}});
  ASSERT_TRUE(store->commitSubmission(addition).isOk());

  auto documents = store->listDocuments("c-1", "r-1");
  ASSERT_EQ(documents->size(), 2u);
  EXPECT_EQ((*documents)[1].id, "r-1-sick");
  EXPECT_EQ((*documents)[1].createdAt, testStart() + 1s);
  EXPECT_EQ(store->listDeliveries("c-1", "r-1")->size(), 3u);
  EXPECT_EQ(store->listFhirResources("c-1", "r-1")->size(), 3u);

  Submission foreign = addition;
  foreign.clientId = "c-2";
  foreign.documents[0].id = "x";
  EXPECT_EQ(store->commitSubmission(foreign).code(), StatusCode::kNotFound);
  Submission unknown = addition;
  unknown.recordId = "r-404";
  EXPECT_EQ(store->commitSubmission(unknown).code(), StatusCode::kNotFound);
}

// What a replay rebuilt from the record relies on (gateway/src/service/idempotency.cpp): a
// submission's documents and deliveries carry its record's time, and list in the order written,
// before those added later, even at the same millisecond.
TEST_P(StoreSubmission, ASubmissionsRowsCarryTheRecordsTimeAndListBeforeLaterOnesAtTheSameTime) {
  Submission first = makeSubmission("c-1", "r-1", "ext-1");
  // Ids that sort against the order written, so that only that order can list them so.
  first.documents.push_back({"r-1-a", std::nullopt, "prescription", "h", "{}", "{}"});
  first.deliveries.push_back(
      {"r-1-a-dmp", "r-1-a", "dmp", "dmp-main", DeliveryStatus::kPending, std::nullopt, {}});
  first.deliveries.push_back(
      {"r-1-0-enc", std::nullopt, "encounter", "dmp-main", DeliveryStatus::kPending, {}, {}});
  ASSERT_TRUE(store->commitSubmission(first).isOk());
  // Added at the same millisecond (the clock has not moved).
  Submission addition;
  addition.clientId = "c-1";
  addition.recordId = "r-1";
  addition.documents.push_back({"r-1-0", std::nullopt, "sick-leave", "h", "{}", "{}"});
  addition.deliveries.push_back(
      {"r-1-0-dmp", "r-1-0", "dmp", "dmp-main", DeliveryStatus::kPending, std::nullopt, {}});
  ASSERT_TRUE(store->commitSubmission(addition).isOk());

  auto record = store->getRecord("c-1", "r-1");
  ASSERT_TRUE(record.hasValue());
  auto documents = store->listDocuments("c-1", "r-1");
  ASSERT_TRUE(documents.hasValue());
  std::vector<std::string> ids;
  for (const Document& d : *documents) {
    ids.push_back(d.id);
    EXPECT_EQ(d.createdAt, record->createdAt);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"r-1-doc", "r-1-a", "r-1-0"}));
  auto deliveries = store->listDeliveries("c-1", "r-1");
  ASSERT_TRUE(deliveries.hasValue());
  ids.clear();
  for (const Delivery& d : *deliveries) {
    ids.push_back(d.id);
    EXPECT_EQ(d.createdAt, record->createdAt);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"r-1-dmp", "r-1-patient", "r-1-a-dmp", "r-1-0-enc",
                                           "r-1-0-dmp"}));
}

TEST_P(StoreSubmission, AnotherClientsRecordIsNotFound) {
  ASSERT_TRUE(store->commitSubmission(makeSubmission("c-1", "r-1", "ext-1")).isOk());
  EXPECT_EQ(store->getRecord("c-2", "r-1").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->findRecordByExternalId("c-2", "ext-1").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->listDocuments("c-2", "r-1").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->listDeliveries("c-2", "r-1").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->listFhirResources("c-2", "r-1").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->getRecord("c-1", "r-404").error().code(), StatusCode::kNotFound);
}

TEST_P(StoreSubmission, TheAdminReadsARecordByIdWhoeverItsClient) {
  const Submission sub = makeSubmission("c-2", "r-1", "ext-1");
  ASSERT_TRUE(store->commitSubmission(sub).isOk());
  auto record = store->getRecordOfAnyClient("r-1");
  ASSERT_TRUE(record.hasValue()) << record.error().toString();
  EXPECT_EQ(record->clientId, "c-2");
  EXPECT_EQ(record->externalId, "ext-1");
  EXPECT_EQ(record->outcome, sub.record->outcome);
  EXPECT_EQ(store->getRecordOfAnyClient("r-404").error().code(), StatusCode::kNotFound);
}

TEST_P(StoreSubmission, AnUnknownClientIsRefusedByTheForeignKey) {
  const common::Status status = store->commitSubmission(makeSubmission("c-404", "r-1"));
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.toString();
  EXPECT_EQ(countRows("records"), 0);
}

TEST_P(StoreSubmission, IllFormedSubmissionsAreInvalidArguments) {
  std::vector<Submission> bad;
  bad.push_back(makeSubmission("c-1", "r-1"));
  bad.back().deliveries[1].reason.reset();  // skipped without a reason
  bad.push_back(makeSubmission("c-1", "r-1"));
  bad.back().deliveries[0].status = DeliveryStatus::kInFlight;
  bad.push_back(makeSubmission("c-1", "r-1"));
  bad.back().documents.push_back(bad.back().documents[0]);
  bad.back().documents[0].externalId = bad.back().documents[1].externalId = "same";
  bad.push_back(makeSubmission("c-1", "r-1"));
  bad.back().record->body = std::string("{\"a\":\"\0\"}", 9);
  bad.push_back(makeSubmission("c-1", ""));
  Submission empty;
  empty.clientId = "c-1";
  empty.recordId = "r-1";
  bad.push_back(empty);
  for (const Submission& sub : bad) {
    EXPECT_EQ(store->commitSubmission(sub).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(countRows("records"), 0);
}

TEST_P(StoreSubmission, LargeBodiesAreStoredWhole) {
  Submission sub = makeSubmission("c-1", "r-1");
  sub.documents[0].body = "{\"data\":\"" + std::string(8 << 20, 'A') + "\"}";
  ASSERT_TRUE(store->commitSubmission(sub).isOk());
  EXPECT_EQ((*store->listDocuments("c-1", "r-1"))[0].body, sub.documents[0].body);
}

TEST_P(StoreSubmission, ConcurrentWritersAndReadersAllSucceed) {
  // Reopen with fewer connections than threads, so readers (and, on PostgreSQL, writers) also
  // wait for the pool.
  store.reset();
  StoreOptions options;
  options.readConnections = 2;
  options.connections = 3;
  store = openAnother(options);
  ASSERT_NE(store, nullptr);

  constexpr int kWriters = 4;
  constexpr int kPerWriter = 20;
  constexpr int kReaders = 3;
  constexpr std::int64_t kTotal = std::int64_t{kWriters} * kPerWriter;
  std::atomic<int> failures{0};
  std::atomic<int> writersDone{0};
  std::vector<std::thread> threads;
  threads.reserve(kWriters + kReaders);
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kPerWriter; ++i) {
        const std::string id = "r-" + std::to_string(w) + "-" + std::to_string(i);
        if (!store->commitSubmission(makeSubmission("c-1", id, "ext-" + id)).isOk()) ++failures;
      }
      ++writersDone;
    });
  }
  for (int r = 0; r < kReaders; ++r) {
    threads.emplace_back([&] {
      // Read until every writer is done, then once more.
      bool last = false;
      while (!last) {
        last = writersDone.load() == kWriters;
        auto count = store->countTeleconsultations("10000000001", 2026);
        if (!count.hasValue() || *count > kTotal) ++failures;
        // A visible record always comes with all its deliveries: commits are atomic to readers.
        if (store->getRecord("c-1", "r-0-0").hasValue() &&
            store->listDeliveries("c-1", "r-0-0")->size() != 2) {
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(*store->countTeleconsultations("10000000001", 2026), kTotal);
}

// Encryption at rest (docs/storage.md): each sealed column holds the value packed, then sealed
// under the active key, and reads back as written; the same Sealer on both engines.
TEST_P(StoreSubmission, WithEncryptionOnEverySealedColumnIsSealedAndReadsBack) {
  StoreOptions options;
  options.keyRing = std::make_shared<const common::KeyRing>(
      common::KeyRing::make(
          common::SecretBox::fromKeyText(common::hexEncode(std::string(32, 'k'))).value(), {})
          .value());
  std::unique_ptr<Store> sealing = openAnother(options);
  ASSERT_NE(sealing, nullptr);
  Submission sub = makeSubmission("c-1", "r-1", "ext-1");
  sub.record->body = R"({"patient":{"family":"DURAND"}})" + std::string(200, ' ');
  sub.deliveries[0].target = "anne.leroy@medecin.mssante.fr";
  sub.idempotency = {idempotency("key-1")};
  ASSERT_TRUE(sealing->commitSubmission(sub).isOk());

  for (const auto& [table, column] :
       std::vector<std::pair<std::string, std::string>>{{"records", "body"},
                                                        {"records", "outcome"},
                                                        {"documents", "body"},
                                                        {"fhir_resources", "json"},
                                                        {"idempotency_keys", "response_body"},
                                                        {"deliveries", "target"}}) {
    // PostgreSQL's packed columns are bytea (escape: its bytes as text).
    const bool bytea = GetParam() == Engine::kPostgresql && column != "target";
    auto prefixes = db->column("SELECT " +
                               (bytea ? "encode(substr(" + column + ", 1, 5), 'escape')"
                                      : "substr(" + column + ", 1, 5)") +
                               " FROM " + table + " WHERE " + column + " IS NOT NULL");
    ASSERT_TRUE(prefixes.hasValue()) << prefixes.status().toString();
    ASSERT_FALSE(prefixes->empty()) << table;
    for (const std::string& prefix : *prefixes)
      EXPECT_EQ(prefix, "gcm1:") << table << "." << column;
  }
  EXPECT_EQ(sealing->getRecord("c-1", "r-1")->body, sub.record->body);
  EXPECT_EQ(sealing->listDocuments("c-1", "r-1")->at(0).body, sub.documents[0].body);
  EXPECT_EQ(sealing->listFhirResources("c-1", "r-1")->at(1).json, sub.resources[1].json);
  EXPECT_EQ(sealing->listDeliveries("c-1", "r-1")->at(0).target, sub.deliveries[0].target);
  EXPECT_EQ(sealing->findIdempotencyEntry("c-1", "key-1")->responseBody,
            sub.idempotency[0].responseBody);
  // Without the key the sealed values do not open.
  EXPECT_EQ(store->getRecord("c-1", "r-1").error().code(), StatusCode::kFailedPrecondition);
}

namespace {

// What two racing submissions share.
enum class Shared { kRecordExternalId, kDocumentExternalId, kIdempotencyKey };

// Submission `side` (0 or 1) of a race: its own record, with its own idempotency key, audit
// entry and external ids except the one `shared` names.
Submission racer(Shared shared, int round, int side) {
  const std::string tag = std::to_string(static_cast<int>(shared)) + "-" + std::to_string(round);
  const std::string own = tag + "-" + std::to_string(side);
  Submission sub =
      makeSubmission("c-1", "r-" + own, "ext-" + (shared == Shared::kRecordExternalId ? tag : own));
  sub.documents[0].externalId = "doc-" + (shared == Shared::kDocumentExternalId ? tag : own);
  NewIdempotencyEntry entry = idempotency("key-" + (shared == Shared::kIdempotencyKey ? tag : own));
  entry.requestHash = sub.recordId;  // which side's answer was kept
  sub.idempotency = {entry};
  sub.audit = NewAuditEntry{"c-1", "POST /api/v1/teleconsultations", sub.recordId, "201", own, ""};
  return sub;
}

}  // namespace

// Two gateway instances (two stores on one database) commit submissions sharing an external id
// or an idempotency key at the same moment: the unique keys decide, whatever the interleaving.
TEST_P(StoreSubmission, TwoInstancesRacingForTheSameKeyStoreOneAndTellTheOtherItIsTaken) {
  std::unique_ptr<Store> other = openAnother();
  ASSERT_NE(other, nullptr);
  Store* const instances[2] = {store.get(), other.get()};
  constexpr int kRounds = 8;
  int stored = 0;
  for (const Shared shared :
       {Shared::kRecordExternalId, Shared::kDocumentExternalId, Shared::kIdempotencyKey}) {
    for (int round = 0; round < kRounds; ++round) {
      const Submission subs[2] = {racer(shared, round, 0), racer(shared, round, 1)};
      common::Status results[2];
      std::atomic<int> ready{0};
      std::vector<std::thread> threads;
      for (int side = 0; side < 2; ++side) {
        threads.emplace_back([&, side] {
          // Both start together, so the two transactions overlap as often as the machine allows.
          ++ready;
          while (ready.load() < 2) std::this_thread::yield();
          results[side] = instances[side]->commitSubmission(subs[side]);
        });
      }
      for (auto& t : threads) t.join();

      const int winner = results[0].isOk() ? 0 : 1;
      const int loser = 1 - winner;
      ASSERT_TRUE(results[winner].isOk()) << results[winner].toString();
      ASSERT_EQ(results[loser].code(), StatusCode::kAlreadyExists) << results[loser].toString();
      EXPECT_NE(results[loser].message().find(shared == Shared::kIdempotencyKey ? "idempotency"
                                                                                : "externalId"),
                std::string::npos)
          << results[loser].message();
      ++stored;

      // The winner's rows are all there and its answer is the one replayed; none of the
      // loser's rows is, on either instance.
      const std::string& won = subs[winner].recordId;
      const std::string& lost = subs[loser].recordId;
      for (Store* instance : instances) {
        EXPECT_EQ(instance->listDeliveries("c-1", won)->size(), 2u);
        EXPECT_EQ(instance->getRecord("c-1", lost).error().code(), StatusCode::kNotFound);
        auto entry = instance->findIdempotencyEntry("c-1", subs[winner].idempotency[0].key);
        ASSERT_TRUE(entry.hasValue()) << entry.status().toString();
        EXPECT_EQ(entry->requestHash, won);
        EXPECT_EQ(instance->findIdempotencyEntry("c-1", subs[loser].idempotency[0].key).hasValue(),
                  shared == Shared::kIdempotencyKey);
      }
      EXPECT_EQ(countRows("documents", "record_id = '" + lost + "'"), 0);
      EXPECT_EQ(countRows("fhir_resources", "record_id = '" + lost + "'"), 0);
      EXPECT_EQ(countRows("deliveries", "record_id = '" + lost + "'"), 0);
      EXPECT_EQ(countRows("audit_entries", "target = '" + lost + "'"), 0);
    }
  }
  EXPECT_EQ(countRows("records"), stored);
  EXPECT_EQ(countRows("documents"), stored);
  EXPECT_EQ(countRows("fhir_resources"), 2 * stored);
  EXPECT_EQ(countRows("deliveries"), 2 * stored);
  EXPECT_EQ(countRows("idempotency_keys"), stored);
  EXPECT_EQ(countRows("audit_entries"), stored);
}
