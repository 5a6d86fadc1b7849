// Encryption at rest in the SQLite store: the columns that can hold health data are sealed under
// the key ring's active key, bound to their row, and read back as written.

#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/key_ring.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"
#include "store_test_support.hpp"

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;
using namespace std::chrono_literals;
namespace kw = Poco::Data::Keywords;
namespace fs = std::filesystem;
using common::KeyRing;
using common::SecretBox;
using common::StatusCode;

namespace {

constexpr std::string_view kName = "DURAND";
constexpr std::string_view kIns = "279035121518989";
constexpr std::string_view kMailbox = "anne.leroy@medecin.mssante.fr";

SecretBox key(char fill) {
  return SecretBox::fromKeyText(common::hexEncode(std::string(32, fill))).value();
}

std::shared_ptr<const KeyRing> ring(char active, std::vector<char> previous = {}) {
  std::vector<SecretBox> boxes;
  for (char p : previous) boxes.push_back(key(p));
  return std::make_shared<const KeyRing>(KeyRing::make(key(active), std::move(boxes)).value());
}

/// A submission whose every sealed column holds the patient's name, INS or a mailbox.
Submission healthSubmission(const std::string& recordId) {
  Submission sub = makeSubmission("c-1", recordId, "ext-" + recordId);
  sub.record->body = R"({"patient":{"family":"DURAND","ins":"279035121518989"}})";
  sub.record->outcome = R"({"issue":[{"diagnostics":"DURAND"}]})";
  sub.documents[0].body = R"({"kind":"report","text":"DURAND syndrome grippal"})";
  sub.documents[0].outcome = R"({"issue":[{"diagnostics":"279035121518989"}]})";
  sub.resources[0].json = R"({"resourceType":"Encounter","subject":"DURAND"})";
  sub.resources[1].json = R"({"resourceType":"DocumentReference","ins":"279035121518989"})";
  sub.deliveries[0].target = std::string(kMailbox);
  sub.idempotency = {{"key-" + recordId, "hash", 201, R"({"id":"x","patient":"DURAND"})", 24h}};
  return sub;
}

class SqliteStoreEncryption : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open(std::shared_ptr<const KeyRing> keys) {
    StoreOptions options;
    options.dataDir = dir.path().string();
    options.keyRing = std::move(keys);
    auto opened = openStore(options, clock);
    EXPECT_TRUE(opened.hasValue()) << opened.status().toString();
    if (!opened.hasValue()) return nullptr;
    if (!clientMade) {
      EXPECT_TRUE((*opened)
                      ->createClient({"c-1", "c-1", ClientRole::kEditor, {}},
                                     fhirgw::testsupport::newStoredKey())
                      .isOk());
      clientMade = true;
    }
    return std::move(*opened);
  }

  std::vector<std::string> column(const std::string& sql) {
    auto raw = rawSession(dir.path() / "gateway.db");
    std::vector<std::string> values;
    raw << sql, kw::into(values), kw::now;
    return values;
  }

  TempDir dir;
  common::ManualClock clock{testStart()};
  bool clientMade = false;
};

// Every sealed column, as "SELECT column FROM table WHERE column IS NOT NULL".
const std::vector<std::string> kSealedColumns = {
    "SELECT body FROM records",
    "SELECT outcome FROM records",
    "SELECT body FROM documents",
    "SELECT outcome FROM documents",
    "SELECT json FROM fhir_resources",
    "SELECT target FROM deliveries WHERE target IS NOT NULL",
    "SELECT last_error FROM deliveries WHERE last_error IS NOT NULL",
    "SELECT message FROM delivery_attempts WHERE message IS NOT NULL",
    "SELECT response_body FROM idempotency_keys",
};

}  // namespace

TEST_F(SqliteStoreEncryption, EverythingReadsBackAsWrittenAndNothingIsPlainInTheFile) {
  const auto keys = ring('\x01');
  auto store = open(keys);
  ASSERT_NE(store, nullptr);
  const Submission sub = healthSubmission("r-1");
  ASSERT_TRUE(store->commitSubmission(sub).isOk());
  failDmpDelivery(*store, clock);

  EXPECT_EQ(store->getRecord("c-1", "r-1")->body, sub.record->body);
  EXPECT_EQ(store->getRecord("c-1", "r-1")->outcome, sub.record->outcome);
  EXPECT_EQ(store->findRecordByExternalId("c-1", "ext-r-1")->body, sub.record->body);
  EXPECT_EQ(store->listDocuments("c-1", "r-1")->at(0).body, sub.documents[0].body);
  EXPECT_EQ(store->listDocuments("c-1", "r-1")->at(0).outcome, sub.documents[0].outcome);
  EXPECT_EQ(store->listFhirResources("c-1", "r-1")->at(1).json, sub.resources[1].json);
  EXPECT_EQ(store->listRecordFhirResources("r-1")->at(0).json, sub.resources[0].json);
  EXPECT_EQ(store->listPayloadFhirResources("r-1", std::string("r-1-doc"))->at(1).json,
            sub.resources[1].json);
  EXPECT_EQ(store->findIdempotencyEntry("c-1", "key-r-1")->responseBody,
            sub.idempotency[0].responseBody);
  auto delivery = store->getDelivery("r-1-dmp");
  ASSERT_TRUE(delivery.hasValue()) << delivery.status().toString();
  EXPECT_EQ(delivery->target, std::string(kMailbox));
  EXPECT_EQ(delivery->lastError, "550 <279035121518989@patient.mssante.fr> unknown");
  EXPECT_EQ(store->listDeliveries("c-1", "r-1")->at(0).target, std::string(kMailbox));
  auto attempts = store->listDeliveryAttempts("r-1-dmp");
  ASSERT_TRUE(attempts.hasValue()) << attempts.status().toString();
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ(attempts->at(0).message, "550 <279035121518989@patient.mssante.fr> unknown");

  const std::string prefix = "gcm1:" + std::string(keys->activeKeyId()) + ":";
  for (const std::string& sql : kSealedColumns) {
    const auto values = column(sql);
    EXPECT_FALSE(values.empty()) << sql;
    for (const std::string& v : values) EXPECT_EQ(v.rfind(prefix, 0), 0u) << sql << ": " << v;
  }
  store.reset();  // checkpoints the WAL into the file
  const std::string bytes = fhirgw::testsupport::readFile(dir.path() / "gateway.db");
  EXPECT_EQ(bytes.find(kName), std::string::npos);
  EXPECT_EQ(bytes.find(kIns), std::string::npos);
  EXPECT_EQ(bytes.find(kMailbox), std::string::npos);
}

TEST_F(SqliteStoreEncryption, WithoutAKeyTheSameValuesArePlainInTheFile) {
  auto store = open(nullptr);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->commitSubmission(healthSubmission("r-1")).isOk());
  store.reset();
  const std::string bytes = fhirgw::testsupport::readFile(dir.path() / "gateway.db");
  EXPECT_NE(bytes.find(kName), std::string::npos);
  EXPECT_NE(bytes.find(kIns), std::string::npos);
  EXPECT_NE(bytes.find(kMailbox), std::string::npos);
}

TEST_F(SqliteStoreEncryption, AValueCopiedToAnotherRowDoesNotOpen) {
  auto store = open(ring('\x01'));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->commitSubmission(healthSubmission("r-1")).isOk());
  Submission other = healthSubmission("r-2");
  other.record->body = R"({"patient":"someone else"})";
  ASSERT_TRUE(store->commitSubmission(other).isOk());
  {
    auto raw = rawSession(dir.path() / "gateway.db");
    raw << "UPDATE records SET body = (SELECT body FROM records WHERE id = 'r-1')"
           " WHERE id = 'r-2'",
        kw::now;
    raw << "UPDATE records SET outcome = (SELECT body FROM records WHERE id = 'r-1')"
           " WHERE id = 'r-1'",
        kw::now;
  }
  auto moved = store->getRecord("c-1", "r-2");
  ASSERT_FALSE(moved.hasValue());
  EXPECT_EQ(moved.error().code(), StatusCode::kDataLoss);
  EXPECT_EQ(moved.error().message().find("DURAND"), std::string::npos);
  auto otherColumn = store->getRecord("c-1", "r-1");
  ASSERT_FALSE(otherColumn.hasValue());
  EXPECT_EQ(otherColumn.error().code(), StatusCode::kDataLoss);
}

TEST_F(SqliteStoreEncryption, RowsWrittenBeforeEncryptionWasTurnedOnStillRead) {
  auto store = open(nullptr);
  ASSERT_NE(store, nullptr);
  const Submission legacy = healthSubmission("r-1");
  ASSERT_TRUE(store->commitSubmission(legacy).isOk());
  store.reset();

  const auto keys = ring('\x01');
  store = open(keys);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->getRecord("c-1", "r-1")->body, legacy.record->body);
  EXPECT_EQ(store->listFhirResources("c-1", "r-1")->at(1).json, legacy.resources[1].json);
  EXPECT_EQ(store->getDelivery("r-1-dmp")->target, std::string(kMailbox));
  const Submission fresh = healthSubmission("r-2");
  ASSERT_TRUE(store->commitSubmission(fresh).isOk());
  EXPECT_EQ(store->getRecord("c-1", "r-2")->body, fresh.record->body);
  const auto bodies = column("SELECT body FROM records ORDER BY id");
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0], legacy.record->body) << "a legacy row stays as it was until rotated";
  EXPECT_TRUE(keys->sealedUnderActiveKey(bodies[1]));
}

TEST_F(SqliteStoreEncryption, AValueSealedUnderAKeyNoLongerConfiguredIsAClearError) {
  const auto first = ring('\x01');
  auto store = open(first);
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->commitSubmission(healthSubmission("r-1")).isOk());
  store.reset();

  store = open(ring('\x02'));
  ASSERT_NE(store, nullptr);
  auto record = store->getRecord("c-1", "r-1");
  ASSERT_FALSE(record.hasValue());
  EXPECT_EQ(record.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(record.error().message().find(std::string(first->activeKeyId())), std::string::npos)
      << record.error().message();
  store.reset();

  store = open(nullptr);
  ASSERT_NE(store, nullptr);
  auto off = store->getDelivery("r-1-dmp");
  ASSERT_FALSE(off.hasValue());
  EXPECT_EQ(off.error().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(off.error().message().find("storage.encryption"), std::string::npos);
  store.reset();

  store = open(ring('\x02', {'\x01'}));
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->getRecord("c-1", "r-1").hasValue()) << "a previous key still opens it";
}

// ---- rotation ------------------------------------------------------------------------------

// The pass itself, its counts and what reads back are tested on both engines
// (tests/store/reseal_test.cpp); here what is SQLite's own: the old values leave the WAL.
TEST_F(SqliteStoreEncryption, ACheckpointAfterAPassLeavesNoOldValueInTheWal) {
  auto store = open(ring('\x01'));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->commitSubmission(healthSubmission("r-1")).isOk());
  store.reset();
  store = open(ring('\x02', {'\x01'}));
  ASSERT_NE(store, nullptr);
  ResealCursor cursor;
  std::int64_t resealed = 0;
  for (int batches = 0;; ++batches) {
    ASSERT_LT(batches, 1000) << "the pass does not end";
    auto batch = store->resealBatch(cursor, 4);
    ASSERT_TRUE(batch.hasValue()) << batch.status().toString();
    resealed += batch->resealed;
    if (batch->done) break;
    cursor = batch->next;
  }
  EXPECT_GT(resealed, 5);
  EXPECT_GT(fs::file_size(dir.path() / "gateway.db-wal"), 0u);
  auto checkpointed = store->checkpointWal();
  ASSERT_TRUE(checkpointed.hasValue()) << checkpointed.status().toString();
  EXPECT_TRUE(*checkpointed);
  EXPECT_EQ(fs::file_size(dir.path() / "gateway.db-wal"), 0u);
  for (const std::string& value : column("SELECT body FROM records")) {
    EXPECT_TRUE(ring('\x02')->sealedUnderActiveKey(value)) << value.substr(0, 30);
  }
}

namespace {

/// healthSubmission with its large values long enough to be packed before they are sealed.
Submission largeHealthSubmission(const std::string& recordId) {
  Submission sub = healthSubmission(recordId);
  std::string padding = R"(,"component":[)";
  for (int i = 0; i < 20; ++i) {
    padding += std::string(i > 0 ? "," : "") +
               R"({"code":{"coding":[{"system":"http://loinc.org","code":"8)" + std::to_string(i) +
               R"("}]},"valueString":"DURAND"})";
  }
  padding += "]";
  for (std::string* value : {&sub.record->body, &sub.documents[0].body, &sub.resources[0].json,
                             &sub.resources[1].json, &sub.idempotency[0].responseBody}) {
    value->insert(value->size() - 1, padding);
  }
  return sub;
}

}  // namespace

TEST_F(SqliteStoreEncryption, PackedValuesAreSealedResealedAndReadAsWritten) {
  // Encryption off: the packed values are BLOBs, counted as plain and sealed by the pass.
  auto store = open(nullptr);
  ASSERT_NE(store, nullptr);
  const Submission unsealed = largeHealthSubmission("r-0");
  ASSERT_TRUE(store->commitSubmission(unsealed).isOk());
  EXPECT_EQ(column("SELECT typeof(json) FROM fhir_resources"),
            (std::vector<std::string>{"blob", "blob"}));
  store.reset();

  // Encryption on: packed, then sealed (text).
  const auto first = ring('\x01');
  store = open(first);
  ASSERT_NE(store, nullptr);
  const Submission sealed = largeHealthSubmission("r-1");
  ASSERT_TRUE(store->commitSubmission(sealed).isOk());
  // And one value as the code before packing sealed it: the JSON itself, sealed.
  {
    auto raw = rawSession(dir.path() / "gateway.db");
    raw << "UPDATE fhir_resources SET json = ? WHERE resource_id = 'r-1-docref'",
        kw::bind(first->seal(sealed.resources[1].json,
                             "fhir_resources.json:DocumentReference/r-1-docref/1")),
        kw::now;
  }
  EXPECT_EQ(store->listFhirResources("c-1", "r-1")->at(1).json, sealed.resources[1].json);
  store.reset();

  const auto second = ring('\x02', {'\x01'});
  store = open(second);
  ASSERT_NE(store, nullptr);
  auto before = store->countSealedValues();
  ASSERT_TRUE(before.hasValue()) << before.status().toString();
  ASSERT_EQ((*before)[4].table, "fhir_resources");
  EXPECT_EQ((*before)[4].values, 4);
  EXPECT_EQ((*before)[4].plain, 2);
  EXPECT_EQ((*before)[4].underOtherKeys.at(std::string(first->activeKeyId())), 2);
  const std::int64_t pending = notUnderActiveKey(*before);
  ResealCursor cursor;
  std::int64_t resealed = 0;
  for (int batches = 0;; ++batches) {
    ASSERT_LT(batches, 1000) << "the pass does not end";
    auto batch = store->resealBatch(cursor, 3);
    ASSERT_TRUE(batch.hasValue()) << batch.status().toString();
    EXPECT_EQ(batch->unopened, 0) << batch->firstProblem;
    resealed += batch->resealed;
    if (batch->done) break;
    cursor = batch->next;
  }
  EXPECT_EQ(resealed, pending);
  EXPECT_EQ(notUnderActiveKey(*store->countSealedValues()), 0);
  for (const std::string& value : column("SELECT json FROM fhir_resources")) {
    EXPECT_TRUE(second->sealedUnderActiveKey(value)) << value.substr(0, 30);
  }
  store.reset();

  store = open(ring('\x02'));
  ASSERT_NE(store, nullptr);
  for (const Submission* sub : {&unsealed, &sealed}) {
    const std::string& id = sub->recordId;
    EXPECT_EQ(store->getRecord("c-1", id)->body, sub->record->body) << id;
    EXPECT_EQ(store->listDocuments("c-1", id)->at(0).body, sub->documents[0].body) << id;
    EXPECT_EQ(store->listFhirResources("c-1", id)->at(0).json, sub->resources[0].json) << id;
    EXPECT_EQ(store->listPayloadFhirResources(id, id + "-doc")->at(1).json, sub->resources[1].json)
        << id;
    EXPECT_EQ(store->findIdempotencyEntry("c-1", "key-" + id)->responseBody,
              sub->idempotency[0].responseBody)
        << id;
  }
  store.reset();
  EXPECT_EQ(fhirgw::testsupport::readFile(dir.path() / "gateway.db").find(kName),
            std::string::npos);
}
