// The editor's use cases without HTTP: SubmissionService over a real SQLite store in a temporary
// folder, the real rules and mapper, and one connector route.
#include "fhirgw/gateway/service/submission_service.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/common/key_ring.hpp"
#include "fhirgw/common/secret_box.hpp"
#include "fhirgw/gateway/service/idempotency.hpp"
#include "fhirgw/gateway/store_activity_history.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"
#include "fhirgw/testsupport/test_clock.hpp"
#include "fhirgw/testsupport/validator.hpp"

namespace fhirgw::gateway {
namespace {

constexpr const char* kClient = "11111111-1111-4111-8111-111111111111";

using testsupport::readExample;

common::JsonDocument parse(const std::string& text) {
  auto doc = common::parseJson(text);
  EXPECT_TRUE(doc.hasValue()) << doc.error().toString();
  return std::move(doc).value();
}

/// The record role of a real store, except that commits fail as a busy store's do.
class BusyCommits final : public store::RecordStore {
 public:
  explicit BusyCommits(store::RecordStore& real) : real_(real) {}
  common::Status commitSubmission(const store::Submission&) override {
    return common::unavailable("store busy (write queue)");
  }
  common::Result<store::Record> getRecord(std::string_view c, std::string_view r) const override {
    return real_.getRecord(c, r);
  }
  common::Result<store::Record> getRecordOfAnyClient(std::string_view r) const override {
    return real_.getRecordOfAnyClient(r);
  }
  common::Result<store::Record> findRecordByExternalId(std::string_view c,
                                                       std::string_view e) const override {
    return real_.findRecordByExternalId(c, e);
  }
  common::Result<std::vector<store::Document>> listDocuments(std::string_view c,
                                                             std::string_view r) const override {
    return real_.listDocuments(c, r);
  }
  common::Result<store::Document> findDocumentByExternalId(std::string_view c,
                                                           std::string_view e) const override {
    return real_.findDocumentByExternalId(c, e);
  }
  common::Result<std::vector<store::FhirResource>> listFhirResources(
      std::string_view c, std::string_view r) const override {
    return real_.listFhirResources(c, r);
  }
  common::Result<std::vector<store::Delivery>> listDeliveries(std::string_view c,
                                                              std::string_view r) const override {
    return real_.listDeliveries(c, r);
  }
  common::Result<store::IdempotencyEntry> findIdempotencyEntry(std::string_view c,
                                                               std::string_view k) const override {
    return real_.findIdempotencyEntry(c, k);
  }

 private:
  store::RecordStore& real_;
};

class SubmissionServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.dataDir = (dir_.path() / "data").string();
    auto opened = store::openStore(options, clock_);
    ASSERT_TRUE(opened.hasValue()) << opened.error().toString();
    store_ = std::move(opened).value();
    store::NewClient client;
    client.id = kClient;
    client.name = "editor";
    ASSERT_TRUE(store_->createClient(client, testsupport::newStoredKey()).isOk());
    history_ = std::make_unique<StoreActivityHistory>(*store_);
    rules_ = std::make_unique<rules::RuleEngine>(rules::RuleConfig{}, clock_, history_.get());
  }

  SubmissionService service(store::RecordStore& records) {
    connectors::ConnectorRoute route;
    route.connectorId = "outbox";
    route.destinations = {connectors::Destination::kDmp, connectors::Destination::kEncounter};
    return SubmissionService(SubmissionService::Deps{records, *rules_, mapper_, SubmissionLimits{},
                                                     fixedRoutes({route}), [this] { ++wakes_; }});
  }
  SubmissionService service() { return service(*store_); }

  SubmissionRequest request(std::string idempotencyKey = {}) const {
    return SubmissionRequest{kClient, "request-1", std::move(idempotencyKey), clock_.now(),
                             std::nullopt};
  }

  testsupport::TempDir dir_;
  common::ManualClock clock_{testsupport::gatewayTestNow()};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<StoreActivityHistory> history_;
  std::unique_ptr<rules::RuleEngine> rules_;
  mapping::FhirMapper mapper_{testsupport::gatewayValidator()};
  int wakes_ = 0;
};

TEST_F(SubmissionServiceTest, AcceptedTeleconsultationIsStoredOnceAndWakesTheEngine) {
  const auto body = parse(readExample("teleconsultation-full.json"));
  const SubmissionResult result = service().acceptTeleconsultation(request(), body);
  ASSERT_EQ(result.status, SubmissionStatus::kAccepted) << result.error.toString();
  EXPECT_EQ(result.answerStatus, 201);
  EXPECT_EQ(result.documentIds.size(), 3u);
  EXPECT_EQ(wakes_, 1);

  auto stored = store_->findRecordByExternalId(kClient, "LGC-2026-000123");
  ASSERT_TRUE(stored.hasValue()) << stored.error().toString();
  EXPECT_EQ(stored->id, result.recordId);
  auto documents = store_->listDocuments(kClient, result.recordId);
  ASSERT_TRUE(documents.hasValue());
  ASSERT_EQ(documents->size(), 3u);
  EXPECT_EQ((*documents)[0].id, result.documentIds[0]);
  auto deliveries = store_->listDeliveries(kClient, result.recordId);
  ASSERT_TRUE(deliveries.hasValue());
  EXPECT_FALSE(deliveries->empty());
  // The answer names the record and what it queued.
  const auto answer = parse(result.answer);
  EXPECT_EQ(std::string(answer["id"].GetString()), result.recordId);
  EXPECT_EQ(answer["deliveries"].Size(), deliveries->size());
}

TEST_F(SubmissionServiceTest, RuleErrorIsRefusedAndNothingIsStored) {
  std::string text = readExample("teleconsultation-full.json");
  text.replace(text.find("\"video\""), 7, "\"phone\"");
  const SubmissionResult result = service().acceptTeleconsultation(request(), parse(text));
  ASSERT_EQ(result.status, SubmissionStatus::kRefused);
  bool video = false;
  for (const auto& issue : result.issues) video = video || issue.ruleId == "TLC-VIDEO";
  EXPECT_TRUE(video);
  EXPECT_EQ(store_->findRecordByExternalId(kClient, "LGC-2026-000123").error().code(),
            common::StatusCode::kNotFound);
  EXPECT_EQ(wakes_, 0);
}

TEST_F(SubmissionServiceTest, WrongJsonTypeIsMalformed) {
  const SubmissionResult result =
      service().acceptTeleconsultation(request(), parse(R"({"externalId": 12})"));
  EXPECT_EQ(result.status, SubmissionStatus::kMalformed);
  EXPECT_FALSE(result.issues.empty());
}

TEST_F(SubmissionServiceTest, SameBodyIsReplayedWithTheFirstAnswer) {
  const auto body = parse(readExample("teleconsultation-full.json"));
  const SubmissionService s = service();
  const SubmissionResult first = s.acceptTeleconsultation(request(), body);
  ASSERT_EQ(first.status, SubmissionStatus::kAccepted);
  const SubmissionResult again = s.acceptTeleconsultation(request(), body);
  ASSERT_EQ(again.status, SubmissionStatus::kReplayed) << again.error.toString();
  EXPECT_EQ(again.answerStatus, 201);
  EXPECT_EQ(again.answer, first.answer);
  EXPECT_EQ(wakes_, 1);
}

TEST_F(SubmissionServiceTest, SameExternalIdWithAnotherBodyIsAConflict) {
  const SubmissionService s = service();
  std::string text = readExample("teleconsultation-full.json");
  ASSERT_EQ(s.acceptTeleconsultation(request(), parse(text)).status, SubmissionStatus::kAccepted);
  text.replace(text.find("09:45:00"), 8, "09:46:00");
  const SubmissionResult result = s.acceptTeleconsultation(request(), parse(text));
  ASSERT_EQ(result.status, SubmissionStatus::kConflict);
  ASSERT_EQ(result.issues.size(), 1u);
  EXPECT_EQ(result.issues[0].code, "conflict");
  EXPECT_EQ(result.issues[0].expression, "externalId");
}

TEST_F(SubmissionServiceTest, IdempotencyKeyReusedForAnotherBodyIsAConflict) {
  const SubmissionService s = service();
  ASSERT_EQ(
      s.acceptTeleconsultation(request("k-1"), parse(readExample("teleconsultation-minimal.json")))
          .status,
      SubmissionStatus::kAccepted);
  const SubmissionResult result =
      s.acceptTeleconsultation(request("k-1"), parse(readExample("teleconsultation-full.json")));
  ASSERT_EQ(result.status, SubmissionStatus::kConflict);
  EXPECT_EQ(result.issues[0].code, "conflict");
}

TEST_F(SubmissionServiceTest, OversizedIdempotencyKeyIsMalformedAtTheHeader) {
  const SubmissionResult result =
      service().acceptTeleconsultation(request(std::string(kMaxIdempotencyKeyBytes + 1, 'k')),
                                       parse(readExample("teleconsultation-minimal.json")));
  ASSERT_EQ(result.status, SubmissionStatus::kMalformed);
  EXPECT_EQ(result.issues[0].expression, "Idempotency-Key");
}

TEST_F(SubmissionServiceTest, StoreThatCannotTakeTheWriteIsARetryableFailureAndStoresNothing) {
  BusyCommits busy(*store_);
  const SubmissionResult result = service(busy).acceptTeleconsultation(
      request(), parse(readExample("teleconsultation-full.json")));
  ASSERT_EQ(result.status, SubmissionStatus::kFailed);
  EXPECT_EQ(result.error.code(), common::StatusCode::kUnavailable);
  EXPECT_TRUE(common::isRetryable(result.error.code()));
  // The store's own words stay in the store: the answer says what the client can do.
  EXPECT_EQ(result.error.message(),
            "the store cannot take the write now; nothing was stored; retry");
  EXPECT_EQ(store_->findRecordByExternalId(kClient, "LGC-2026-000123").error().code(),
            common::StatusCode::kNotFound);
  EXPECT_EQ(wakes_, 0);
}

TEST_F(SubmissionServiceTest, DocumentIsAddedToAStoredRecordAndReplayed) {
  const SubmissionService s = service();
  ASSERT_EQ(
      s.acceptTeleconsultation(request(), parse(readExample("teleconsultation-full.json"))).status,
      SubmissionStatus::kAccepted);
  auto record = s.findRecord(kClient, "ext:LGC-2026-000123");
  ASSERT_TRUE(record.hasValue()) << record.error().toString();
  const auto document = parse(readExample("document-sick-leave-prolongation.json"));
  const SubmissionResult added = s.addDocument(request(), *record, document);
  ASSERT_EQ(added.status, SubmissionStatus::kAccepted) << added.error.toString();
  EXPECT_EQ(added.recordId, record->id);
  ASSERT_EQ(added.documentIds.size(), 1u);
  auto documents = store_->listDocuments(kClient, record->id);
  ASSERT_TRUE(documents.hasValue());
  ASSERT_EQ(documents->size(), 4u);
  EXPECT_EQ(documents->back().id, added.documentIds[0]);
  EXPECT_EQ(std::string(parse(added.answer)["kind"].GetString()), "sick-leave");

  const SubmissionResult again = s.addDocument(request(), *record, document);
  EXPECT_EQ(again.status, SubmissionStatus::kReplayed);
  EXPECT_EQ(again.answer, added.answer);
}

TEST_F(SubmissionServiceTest, ExternalIdReplaysAreRebuiltAsFirstAnsweredWhateverChangedSince) {
  const SubmissionService s = service();
  const auto body = parse(readExample("teleconsultation-full.json"));
  const SubmissionResult first = s.acceptTeleconsultation(request(), body);
  ASSERT_EQ(first.status, SubmissionStatus::kAccepted) << first.error.toString();
  // The entry keeps what the record cannot give back, not the answer (which names the record).
  auto entry = store_->findIdempotencyEntry(kClient, "tc-ext:LGC-2026-000123");
  ASSERT_TRUE(entry.hasValue()) << entry.error().toString();
  EXPECT_EQ(entry->responseBody.find(first.recordId), std::string::npos) << entry->responseBody;
  EXPECT_LT(entry->responseBody.size(), first.answer.size() / 2);

  // Since: a document added (more documents and deliveries on the record), every queued delivery
  // re-routed to another instance, and one of them delivered.
  auto record = s.findRecord(kClient, "ext:LGC-2026-000123");
  ASSERT_TRUE(record.hasValue());
  const auto document = parse(readExample("document-sick-leave-prolongation.json"));
  const SubmissionResult added = s.addDocument(request(), *record, document);
  ASSERT_EQ(added.status, SubmissionStatus::kAccepted) << added.error.toString();
  auto moved = store_->rerouteDeliveries({"outbox", "outbox-2", {}, std::nullopt, std::nullopt});
  ASSERT_TRUE(moved.hasValue()) << moved.error().toString();
  ASSERT_GT(*moved, 0);
  auto claimed = store_->claimDeliveries({"outbox-2", "test", std::chrono::minutes(5), 1});
  ASSERT_TRUE(claimed.hasValue() && claimed->size() == 1u);
  store::FinishedAttempt done;
  done.deliveryId = claimed->front().id;
  done.leaseId = claimed->front().leaseId.value_or("");
  done.startedAt = clock_.now();
  done.httpStatus = 201;
  ASSERT_TRUE(store_->finishAttempt(done).isOk());
  auto deliveries = store_->listDeliveries(kClient, record->id);
  ASSERT_TRUE(deliveries.hasValue());
  ASSERT_GT(deliveries->size(), parse(first.answer)["deliveries"].Size());
  EXPECT_EQ(std::count_if(deliveries->begin(), deliveries->end(),
                          [](const store::Delivery& d) { return d.connectorId == "outbox"; }),
            0);

  const SubmissionResult again = s.acceptTeleconsultation(request(), body);
  ASSERT_EQ(again.status, SubmissionStatus::kReplayed) << again.error.toString();
  EXPECT_EQ(again.answer, first.answer);
  const SubmissionResult documentAgain = s.addDocument(request(), *record, document);
  ASSERT_EQ(documentAgain.status, SubmissionStatus::kReplayed) << documentAgain.error.toString();
  EXPECT_EQ(documentAgain.answer, added.answer);
}

TEST_F(SubmissionServiceTest, AnIdempotencyKeyBesideAnExternalIdKeepsNoSecondAnswer) {
  const SubmissionService s = service();
  const auto body = parse(readExample("teleconsultation-full.json"));
  const SubmissionResult first = s.acceptTeleconsultation(request("k-both"), body);
  ASSERT_EQ(first.status, SubmissionStatus::kAccepted) << first.error.toString();
  auto entry = store_->findIdempotencyEntry(kClient, "hdr:k-both");
  ASSERT_TRUE(entry.hasValue()) << entry.error().toString();
  EXPECT_EQ(entry->responseBody, "");
  const SubmissionResult again = s.acceptTeleconsultation(request("k-both"), body);
  ASSERT_EQ(again.status, SubmissionStatus::kReplayed) << again.error.toString();
  EXPECT_EQ(again.answer, first.answer);
  // Without an externalId the key's entry is the only one: it keeps the whole answer.
  const auto minimal = parse(readExample("teleconsultation-minimal.json"));
  const SubmissionResult keyed = s.acceptTeleconsultation(request("k-only"), minimal);
  ASSERT_EQ(keyed.status, SubmissionStatus::kAccepted) << keyed.error.toString();
  auto keyEntry = store_->findIdempotencyEntry(kClient, "hdr:k-only");
  ASSERT_TRUE(keyEntry.hasValue());
  EXPECT_EQ(keyEntry->responseBody, keyed.answer);
}

TEST_F(SubmissionServiceTest, WithEncryptionAtRestTheRebuiltReplaysAreTheFirstAnswers) {
  store::StoreOptions options;
  options.dataDir = (dir_.path() / "sealed").string();
  options.keyRing = std::make_shared<const common::KeyRing>(
      common::KeyRing::make(
          common::SecretBox::fromKeyText(common::hexEncode(std::string(32, '\x07'))).value())
          .value());
  auto opened = store::openStore(options, clock_);
  ASSERT_TRUE(opened.hasValue()) << opened.error().toString();
  store::Store& sealed = **opened;
  store::NewClient client;
  client.id = kClient;
  client.name = "editor";
  ASSERT_TRUE(sealed.createClient(client, testsupport::newStoredKey()).isOk());
  const SubmissionService s = service(sealed);
  const auto body = parse(readExample("teleconsultation-full.json"));
  const SubmissionResult first = s.acceptTeleconsultation(request("k-sealed"), body);
  ASSERT_EQ(first.status, SubmissionStatus::kAccepted) << first.error.toString();
  auto record = s.findRecord(kClient, "ext:LGC-2026-000123");
  ASSERT_TRUE(record.hasValue());
  const auto document = parse(readExample("document-sick-leave-prolongation.json"));
  const SubmissionResult added = s.addDocument(request(), *record, document);
  ASSERT_EQ(added.status, SubmissionStatus::kAccepted) << added.error.toString();

  const SubmissionResult again = s.acceptTeleconsultation(request("k-sealed"), body);
  ASSERT_EQ(again.status, SubmissionStatus::kReplayed) << again.error.toString();
  EXPECT_EQ(again.answer, first.answer);
  const SubmissionResult documentAgain = s.addDocument(request(), *record, document);
  ASSERT_EQ(documentAgain.status, SubmissionStatus::kReplayed) << documentAgain.error.toString();
  EXPECT_EQ(documentAgain.answer, added.answer);
}

TEST_F(SubmissionServiceTest, AWholeAnswerRememberedBeforeResiduesIsReplayedAsItIs) {
  // An entry written by an earlier version: the whole first answer under the externalId.
  const auto body = parse(readExample("teleconsultation-full.json"));
  auto plan = planIdempotency(body, "POST /api/v1/teleconsultations", "tc-ext:", "");
  ASSERT_TRUE(plan.hasValue());
  store::Submission earlier;
  earlier.clientId = kClient;
  earlier.recordId = "22222222-2222-4222-8222-222222222222";
  store::NewRecord record;
  record.externalId = "LGC-2026-000123";
  record.requestHash = plan->requestHash;
  record.body = "{}";
  record.outcome = "{}";
  earlier.record = record;
  const std::string answer = R"({"id":"22222222-2222-4222-8222-222222222222","status":"accepted"})";
  earlier.idempotency = {{"tc-ext:LGC-2026-000123", plan->requestHash, 201, answer}};
  ASSERT_TRUE(store_->commitSubmission(earlier).isOk());
  const SubmissionResult again = service().acceptTeleconsultation(request(), body);
  ASSERT_EQ(again.status, SubmissionStatus::kReplayed) << again.error.toString();
  EXPECT_EQ(again.answer, answer);
}

TEST_F(SubmissionServiceTest, UnknownRecordIsNotFound) {
  auto record = service().findRecord(kClient, "ext:nothing-like-it");
  ASSERT_FALSE(record.hasValue());
  EXPECT_EQ(record.error(), common::notFound("no such teleconsultation"));
}

TEST_F(SubmissionServiceTest, ValidationStoresNothingAndGivesTheWouldBeBundle) {
  const ValidationResult result =
      service().validate(request(), parse(readExample("teleconsultation-full.json")));
  ASSERT_EQ(result.status, SubmissionStatus::kAccepted);
  EXPECT_TRUE(result.valid);
  ASSERT_TRUE(result.bundle.has_value());
  EXPECT_EQ(store_->findRecordByExternalId(kClient, "LGC-2026-000123").error().code(),
            common::StatusCode::kNotFound);
}

}  // namespace
}  // namespace fhirgw::gateway
