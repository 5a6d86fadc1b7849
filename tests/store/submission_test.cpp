#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <thread>
#include <vector>

#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/test_store.hpp"
#include "store_test_support.hpp"

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;
using namespace std::chrono_literals;
namespace kw = Poco::Data::Keywords;
using common::StatusCode;

namespace {

class SqliteStoreSubmission : public ::testing::Test {
 protected:
  void SetUp() override {
    store = fhirgw::testsupport::openTestStore(dir.path(), clock, {"c-1", "c-2"});
    ASSERT_NE(store, nullptr);
  }

  Poco::Int64 countRows(const std::string& table) {
    auto raw = rawSession(dir.path() / "gateway.db");
    Poco::Int64 n = 0;
    raw << "SELECT COUNT(*) FROM " + table, kw::into(n), kw::now;
    return n;
  }

  TempDir dir;
  common::ManualClock clock{testStart()};
  std::unique_ptr<Store> store;
};

NewIdempotencyEntry idempotency(const std::string& key) {
  return {key, "hash-" + key, 201, R"({"id":"r-1","status":"accepted"})", 24h};
}

}  // namespace

TEST_F(SqliteStoreSubmission, EverythingWrittenReadsBack) {
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

TEST_F(SqliteStoreSubmission, AFailureHalfwayLeavesNothingBehind) {
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

TEST_F(SqliteStoreSubmission, ExternalIdIsUniquePerClientButNotAcrossClients) {
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

TEST_F(SqliteStoreSubmission, DocumentExternalIdIsUniquePerClient) {
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

TEST_F(SqliteStoreSubmission, ExternalIdDecidesBeforeTheIdempotencyKey) {
  Submission first = makeSubmission("c-1", "r-1", "ext-1");
  first.idempotency = {idempotency("key-1")};
  ASSERT_TRUE(store->commitSubmission(first).isOk());
  Submission replay = makeSubmission("c-1", "r-2", "ext-1");
  replay.idempotency = {idempotency("key-1")};
  const common::Status status = store->commitSubmission(replay);
  EXPECT_EQ(status.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(status.message().find("externalId"), std::string::npos) << status.message();
}

TEST_F(SqliteStoreSubmission, IdempotencyEntryRoundTripsAndClashesOnlyForTheSameClient) {
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

TEST_F(SqliteStoreSubmission, AnExpiredIdempotencyKeyIsForgottenAndCanBeReused) {
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

TEST_F(SqliteStoreSubmission, DocumentsAreAddedOnlyToTheClientsOwnRecord) {
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

TEST_F(SqliteStoreSubmission, AnotherClientsRecordIsNotFound) {
  ASSERT_TRUE(store->commitSubmission(makeSubmission("c-1", "r-1", "ext-1")).isOk());
  EXPECT_EQ(store->getRecord("c-2", "r-1").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->findRecordByExternalId("c-2", "ext-1").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->listDocuments("c-2", "r-1").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->listDeliveries("c-2", "r-1").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->listFhirResources("c-2", "r-1").error().code(), StatusCode::kNotFound);
  EXPECT_EQ(store->getRecord("c-1", "r-404").error().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStoreSubmission, TheAdminReadsARecordByIdWhoeverItsClient) {
  const Submission sub = makeSubmission("c-2", "r-1", "ext-1");
  ASSERT_TRUE(store->commitSubmission(sub).isOk());
  auto record = store->getRecordOfAnyClient("r-1");
  ASSERT_TRUE(record.hasValue()) << record.error().toString();
  EXPECT_EQ(record->clientId, "c-2");
  EXPECT_EQ(record->externalId, "ext-1");
  EXPECT_EQ(record->outcome, sub.record->outcome);
  EXPECT_EQ(store->getRecordOfAnyClient("r-404").error().code(), StatusCode::kNotFound);
}

TEST_F(SqliteStoreSubmission, AnUnknownClientIsRefusedByTheForeignKey) {
  const common::Status status = store->commitSubmission(makeSubmission("c-404", "r-1"));
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition) << status.toString();
  EXPECT_EQ(countRows("records"), 0);
}

TEST_F(SqliteStoreSubmission, IllFormedSubmissionsAreInvalidArguments) {
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

TEST_F(SqliteStoreSubmission, LargeBodiesAreStoredWhole) {
  Submission sub = makeSubmission("c-1", "r-1");
  sub.documents[0].body = "{\"data\":\"" + std::string(8 << 20, 'A') + "\"}";
  ASSERT_TRUE(store->commitSubmission(sub).isOk());
  EXPECT_EQ((*store->listDocuments("c-1", "r-1"))[0].body, sub.documents[0].body);
}

TEST_F(SqliteStoreSubmission, ConcurrentWritersAndReadersAllSucceed) {
  // Reopen with fewer read connections than reader threads, so readers also wait for the pool.
  store.reset();
  StoreOptions options;
  options.dataDir = dir.str();
  options.readConnections = 2;
  auto opened = openStore(options, clock);
  ASSERT_TRUE(opened.hasValue());
  store = std::move(*opened);

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
