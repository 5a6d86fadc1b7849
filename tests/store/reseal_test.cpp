// The key rotation of encryption at rest (the StorageEncryption role) on both engines: values
// counted by key, sealed again under the active key in batches while records are written, read
// back as written with the new key alone; a value no key opens left as it is. The SQLite file's
// own checks (nothing in clear in the file, the WAL truncated) are in encryption_test.cpp.

#include <gtest/gtest.h>

#include <memory>
#include <string>
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
using common::KeyRing;
using common::SecretBox;

namespace {

SecretBox resealKey(char fill) {
  return SecretBox::fromKeyText(common::hexEncode(std::string(32, fill))).value();
}

std::shared_ptr<const KeyRing> resealRing(char active, std::vector<char> previous = {}) {
  std::vector<SecretBox> boxes;
  for (char p : previous) boxes.push_back(resealKey(p));
  return std::make_shared<const KeyRing>(
      KeyRing::make(resealKey(active), std::move(boxes)).value());
}

/// A submission whose every sealed column holds health data; `large` makes its large values long
/// enough to be packed (compressed) before they are sealed.
Submission resealSubmission(const std::string& recordId, bool large) {
  Submission sub = makeSubmission("c-1", recordId, "ext-" + recordId);
  sub.record->body = R"({"patient":{"family":"DURAND","ins":"279035121518989"}})";
  sub.record->outcome = R"({"issue":[{"diagnostics":"DURAND"}]})";
  sub.documents[0].body = R"({"kind":"report","text":"DURAND syndrome grippal"})";
  sub.documents[0].outcome = R"({"issue":[{"diagnostics":"279035121518989"}]})";
  sub.resources[0].json = R"({"resourceType":"Encounter","subject":"DURAND"})";
  sub.resources[1].json = R"({"resourceType":"DocumentReference","ins":"279035121518989"})";
  sub.deliveries[0].target = "anne.leroy@medecin.mssante.fr";
  sub.idempotency = {{"key-" + recordId, "hash", 201, R"({"id":"x","patient":"DURAND"})", 24h}};
  if (large) {
    std::string padding = R"(,"component":[)";
    for (int i = 0; i < 20; ++i) {
      padding += std::string(i > 0 ? "," : "") + R"({"code":{"coding":[{"code":"8)" +
                 std::to_string(i) + R"("}]},"valueString":"DURAND"})";
    }
    padding += "]";
    for (std::string* value : {&sub.record->body, &sub.documents[0].body, &sub.resources[0].json,
                               &sub.resources[1].json, &sub.idempotency[0].responseBody}) {
      value->insert(value->size() - 1, padding);
    }
  }
  return sub;
}

class StoreReseal : public EngineTest {
 protected:
  void SetUp() override {
    EngineTest::SetUp();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(
        store->createClient({"c-1", "c-1", ClientRole::kEditor, {}}, testsupport::newStoredKey())
            .isOk());
  }

  std::unique_ptr<Store> reopen(std::shared_ptr<const KeyRing> keys) {
    store.reset();
    StoreOptions options;
    options.keyRing = std::move(keys);
    return openAnother(options);
  }

  /// Runs a whole pass in batches of `limit`; the values resealed, or -1 on a failure.
  std::int64_t pass(Store& s, std::size_t limit, std::int64_t* unopened = nullptr,
                    std::string* problem = nullptr) {
    ResealCursor cursor;
    std::int64_t resealed = 0;
    for (int batches = 0; batches < 1000; ++batches) {
      auto batch = s.resealBatch(cursor, limit);
      EXPECT_TRUE(batch.hasValue()) << batch.status().toString();
      if (!batch.hasValue()) return -1;
      EXPECT_LE(batch->resealed, static_cast<std::int64_t>(limit));
      resealed += batch->resealed;
      if (unopened != nullptr) *unopened += batch->unopened;
      if (problem != nullptr && problem->empty()) *problem = batch->firstProblem;
      if (batch->done) return resealed;
      cursor = batch->next;
    }
    ADD_FAILURE() << "the pass does not end";
    return -1;
  }
};
FHIRGW_STORE_TEST_BOTH_ENGINES(StoreReseal);

}  // namespace

TEST_P(StoreReseal, ABatchedPassMovesEveryValueUnderTheActiveKeyAndEverythingReadsBack) {
  store = reopen(nullptr);
  ASSERT_NE(store, nullptr);
  const Submission legacy = resealSubmission("r-0", false);
  ASSERT_TRUE(store->commitSubmission(legacy).isOk());
  const auto first = resealRing('\x01');
  store = reopen(first);
  ASSERT_NE(store, nullptr);
  std::vector<Submission> subs;
  for (int i = 1; i <= 3; ++i) {
    subs.push_back(resealSubmission("r-" + std::to_string(i), i == 2));
    ASSERT_TRUE(store->commitSubmission(subs.back()).isOk());
  }
  failDmpDelivery(*store, clock);

  const auto second = resealRing('\x02', {'\x01'});
  store = reopen(second);
  ASSERT_NE(store, nullptr);
  auto before = store->countSealedValues();
  ASSERT_TRUE(before.hasValue()) << before.status().toString();
  ASSERT_EQ(before->size(), 9u);
  EXPECT_EQ((*before)[0].table, "records");
  EXPECT_EQ((*before)[0].column, "body");
  EXPECT_EQ((*before)[0].values, 4);
  EXPECT_EQ((*before)[0].plain, 1);
  EXPECT_EQ((*before)[0].underOtherKeys.at(std::string(first->activeKeyId())), 3);
  EXPECT_EQ((*before)[0].underActiveKey, 0);
  EXPECT_EQ((*before)[7].table, "delivery_attempts");
  EXPECT_EQ((*before)[7].values, 1);
  const std::int64_t pending = notUnderActiveKey(*before);
  EXPECT_GT(pending, 20);

  // Written now, so sealed under the new key already: the pass leaves it alone.
  subs.push_back(resealSubmission("r-4", true));
  ASSERT_TRUE(store->commitSubmission(subs.back()).isOk());

  EXPECT_EQ(pass(*store, 2), pending);
  auto after = store->countSealedValues();
  ASSERT_TRUE(after.hasValue());
  EXPECT_EQ(notUnderActiveKey(*after), 0);
  EXPECT_EQ((*after)[0].underActiveKey, 5);
  auto cleaned = store->checkpointWal();
  ASSERT_TRUE(cleaned.hasValue()) << cleaned.status().toString();
  EXPECT_TRUE(*cleaned);
  EXPECT_EQ(pass(*store, 50), 0) << "a second pass finds nothing left";

  // The new key alone from now on: everything reads as written.
  store = reopen(resealRing('\x02'));
  ASSERT_NE(store, nullptr);
  subs.insert(subs.begin(), legacy);
  for (const Submission& sub : subs) {
    auto record = store->getRecord("c-1", sub.recordId);
    ASSERT_TRUE(record.hasValue()) << sub.recordId << ": " << record.status().toString();
    EXPECT_EQ(record->body, sub.record->body);
    EXPECT_EQ(record->outcome, sub.record->outcome);
    EXPECT_EQ(store->listDocuments("c-1", sub.recordId)->at(0).body, sub.documents[0].body);
    EXPECT_EQ(store->listFhirResources("c-1", sub.recordId)->at(1).json, sub.resources[1].json);
    EXPECT_EQ(store->findIdempotencyEntry("c-1", "key-" + sub.recordId)->responseBody,
              sub.idempotency[0].responseBody);
  }
  auto attempts = store->listDeliveryAttempts("r-0-dmp");
  ASSERT_TRUE(attempts.hasValue()) << attempts.status().toString();
  ASSERT_EQ(attempts->size(), 1u);
  EXPECT_EQ(attempts->at(0).message, "550 <279035121518989@patient.mssante.fr> unknown");
  EXPECT_EQ(store->getDelivery("r-0-dmp")->lastError,
            "550 <279035121518989@patient.mssante.fr> unknown");
}

TEST_P(StoreReseal, AValueNoKeyOpensIsCountedAndLeftAsItIs) {
  store = reopen(resealRing('\x03'));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->commitSubmission(resealSubmission("r-1", true)).isOk());
  store = reopen(resealRing('\x02', {'\x01'}));
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->commitSubmission(resealSubmission("r-2", false)).isOk());
  const auto stuck = db->column("SELECT body FROM records WHERE id = 'r-1'");
  ASSERT_TRUE(stuck.hasValue()) << stuck.status().toString();

  std::int64_t unopened = 0;
  std::string problem;
  EXPECT_EQ(pass(*store, 50, &unopened, &problem), 0);
  EXPECT_EQ(unopened, 8) << "every sealed value of r-1 but its delivery's error (none)";
  EXPECT_NE(problem.find("neither the active key"), std::string::npos) << problem;
  EXPECT_EQ(db->column("SELECT body FROM records WHERE id = 'r-1'").value(), *stuck);
  EXPECT_TRUE(store->getRecord("c-1", "r-2").hasValue());
  auto counts = store->countSealedValues();
  ASSERT_TRUE(counts.hasValue());
  EXPECT_EQ((*counts)[0].values, 2);
  EXPECT_EQ((*counts)[0].underActiveKey, 1);
  EXPECT_EQ((*counts)[0].underOtherKeys.size(), 1u);
}

TEST_P(StoreReseal, AnEmptyValueIsNeitherCountedNorResealedAndEncryptionOffRefusesAPass) {
  ASSERT_TRUE(store->resealBatch({}, 10).status().code() ==
              common::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store->commitSubmission(resealSubmission("r-1", false)).isOk());
  ASSERT_TRUE(store->commitSubmission(resealSubmission("r-2", true)).isOk());
  // Content emptied as a retention purge leaves it: nothing left to protect.
  const bool postgresql = GetParam() == Engine::kPostgresql;
  ASSERT_TRUE(db->execute(postgresql ? "UPDATE records SET body = ''::bytea WHERE id = 'r-1'"
                                     : "UPDATE records SET body = '' WHERE id = 'r-1'")
                  .isOk());
  store = reopen(resealRing('\x01'));
  ASSERT_NE(store, nullptr);
  auto before = store->countSealedValues();
  ASSERT_TRUE(before.hasValue()) << before.status().toString();
  EXPECT_EQ((*before)[0].values, 1);
  EXPECT_EQ((*before)[0].plain, 1);
  EXPECT_GT(pass(*store, 50), 0);
  auto after = store->countSealedValues();
  ASSERT_TRUE(after.hasValue());
  EXPECT_EQ((*after)[0].values, 1);
  EXPECT_EQ(notUnderActiveKey(*after), 0);
  EXPECT_EQ(store->getRecord("c-1", "r-1")->body, "");
  EXPECT_EQ(store->getRecord("c-1", "r-2")->body, resealSubmission("r-2", true).record->body);
}
