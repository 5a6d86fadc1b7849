// Integration tests of the fhir-rest and mhd connectors against a real FHIR server: Medplum's
// FHIR router (in-memory repository) behind a Node HTTPS server that requires a client
// certificate from the test CA and validates every resource it receives
// (tests/connectors/fhir-peer). Deliveries go through the real engine and SQLite store; the clock
// is a ManualClock, so retries are driven without waiting.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>

#include "connectors_test_support.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/connectors/engine/delivery_engine.hpp"
#include "fhirgw/connectors/http_client.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/fhir/validator.hpp"
#include "fhirgw/testsupport/peer_process.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/test_store.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace fhirgw::connectors::testsupport;
using namespace std::chrono_literals;
using store::DeliveryStatus;

namespace {

/// The Node FHIR peer as a child process; it exits when its stdin closes.
class FhirPeer {
 public:
  // npm ci may run on a fresh machine: allow it time.
  FhirPeer()
      : process_("/bin/bash",
                 {fhirgw::testsupport::sourcePath("tests/connectors/fhir-peer/run.sh").string(),
                  "--pki", testPkiDir().string()},
                 180s) {}

  int port() const { return process_.port(); }
  std::string url(const std::string& path = "/fhir") const {
    return "https://localhost:" + std::to_string(port()) + path;
  }

 private:
  fhirgw::testsupport::PeerProcess process_;
};

/// The peer is started once for the whole suite (Medplum loads its definitions in seconds).
FhirPeer& peer() {
  static FhirPeer instance;
  return instance;
}

std::string tlsOptions() {
  const auto pki = testPkiDir();
  return R"("caFile":")" + (pki / "ca.pem").string() + R"(","clientCertificateFile":")" +
         (pki / "client.pem").string() + R"(","clientKeyFile":")" + (pki / "client.key").string() +
         R"(","allowedPrivateNetworks":["127.0.0.0/8"])";
}

class FhirPeerTest : public ::testing::Test {
 protected:
  // No check in SetUpTestSuite: gtest reports the suite's tests as skipped when it fails there,
  // and ctest counts a skipped test as passing. A peer that did not start fails each test.
  void SetUp() override {
    ASSERT_NE(peer().port(), 0) << "the FHIR peer did not start";
    registerAll(registry);
    db = fhirgw::testsupport::openTestStore(dir.path(), clock);
    ASSERT_NE(db, nullptr);
    HttpClientOptions http;
    const auto pki = testPkiDir();
    http.caFile = (pki / "ca.pem").string();
    http.clientCertificateFile = (pki / "client.pem").string();
    http.clientKeyFile = (pki / "client.key").string();
    http.addressPolicy.allow(*common::parseIpNetwork("127.0.0.0/8"));
    client = HttpClient::create(http).value();
    setFailure(0, 0);
  }

  /// Adds an instance of `json` to a new engine.
  DeliveryEngine& engineWith(const std::string& json) {
    auto configs = parseConnectorInstances("[" + json + "]");
    EXPECT_TRUE(configs.hasValue()) << configs.error().message();
    auto created = createConnectors(registry, *configs, {&clock, &validator});
    EXPECT_TRUE(created.hasValue()) << created.error().message();
    EngineOptions o;
    o.instanceId = "gw-int";
    o.random = [] { return 1.0; };
    engine = std::make_unique<DeliveryEngine>(*db, clock, o);
    for (auto& i : *created) EXPECT_TRUE(engine->add(i.config, i.connector).isOk());
    return *engine;
  }

  /// Commits the sample record of `ids` with one pending report delivery per (id, connector).
  void commit(const SampleIds& ids,
              const std::vector<std::pair<std::string, std::string>>& deliveries,
              const std::function<void(store::NewFhirResource&)>& change = {}) {
    SampleIds recordIds = ids;
    recordIds.otherDocumentId = ids.recordId + "-doc-2";
    store::Submission sub = sampleSubmission(recordIds, "h-" + ids.recordId);
    if (change) {
      for (store::NewFhirResource& r : sub.resources) change(r);
    }
    for (const auto& [id, connector] : deliveries) {
      sub.deliveries.push_back({id, ids.documentId, "dmp", connector, DeliveryStatus::kPending,
                                std::nullopt, std::nullopt});
    }
    ASSERT_TRUE(db->commitSubmission(sub).isOk());
  }

  /// A FHIR search on the peer: the number of matches.
  int count(const std::string& query) {
    HttpRequest r;
    r.method = "GET";
    r.url = peer().url("/fhir/" + query);
    auto answer = client->send(r);
    EXPECT_TRUE(answer.hasValue()) << answer.error().message();
    if (!answer || answer->status != 200) return -1;
    auto doc = common::parseJson(answer->body);
    if (!doc || !doc->root().HasMember("entry")) return 0;
    return static_cast<int>(doc->root()["entry"].Size());
  }

  /// Makes the peer answer the next `count` FHIR requests with `status` (an outage).
  void setFailure(int status, int failures) {
    HttpRequest r;
    r.url = peer().url("/_test/fail");
    r.body = R"({"status":)" + std::to_string(status) + R"(,"count":)" + std::to_string(failures) +
             R"(,"retryAfter":1})";
    auto answer = client->send(r);
    ASSERT_TRUE(answer.hasValue() && answer->status == 200);
  }

  std::vector<int> statusesOf(const std::string& deliveryId) {
    std::vector<int> out;
    const auto attempts = db->listDeliveryAttempts(deliveryId);  // kept: the loop reads into it
    if (!attempts) return out;
    for (const auto& a : *attempts) out.push_back(a.httpStatus.value_or(0));
    return out;
  }

  /// Record ids (and so resource ids and identifiers) unique per test: the peer lives on.
  static SampleIds uniqueIds(const std::string& tag) {
    SampleIds ids;
    ids.recordId = "rec-" + tag;
    ids.documentId = "doc-" + tag;
    for (std::string* id : {&ids.patient, &ids.practitioner, &ids.organization, &ids.encounter,
                            &ids.chargeItem, &ids.provenance, &ids.auditEvent,
                            &ids.documentReference, &ids.binary, &ids.otherDocumentReference}) {
      *id = common::deterministicUuid({tag, *id});
    }
    return ids;
  }

  TempDir dir;
  common::ManualClock clock{testStart()};
  std::unique_ptr<store::Store> db;
  ConnectorRegistry registry;
  fhir::Validator validator;
  std::unique_ptr<HttpClient> client;
  std::unique_ptr<DeliveryEngine> engine;
};

}  // namespace

TEST_F(FhirPeerTest, TheTransactionIsStoredAndAReplayDoesNotDuplicateIt) {
  const SampleIds ids = uniqueIds("replay");
  // Two deliveries of the same document to the same server: the second is a replay.
  commit(ids, {{"replay-1", "hospital"}, {"replay-2", "hospital-bis"}});
  auto& e = engineWith(R"({"id":"hospital","type":"fhir-rest","routes":["dmp"],"options":{
      "baseUrl":")" + peer().url() +
                       R"(",)" + tlsOptions() + R"(}},
      {"id":"hospital-bis","type":"fhir-rest","routes":["dmp"],"options":{
      "baseUrl":")" + peer().url() +
                       R"(",)" + tlsOptions() + "}}");
  ASSERT_EQ(*e.runDue("hospital"), 1u);
  ASSERT_EQ(*e.runDue("hospital-bis"), 1u);
  EXPECT_EQ(db->getDelivery("replay-1")->status, DeliveryStatus::kDelivered)
      << db->getDelivery("replay-1")->lastError.value_or("");
  EXPECT_EQ(db->getDelivery("replay-2")->status, DeliveryStatus::kDelivered);
  EXPECT_EQ(count("Encounter?identifier=" + ids.recordId), 1);
  EXPECT_EQ(count("DocumentReference?identifier=urn:uuid:" + ids.documentReference), 1);
  // The sample patient's INS is shared by every test: still one Patient on the server.
  EXPECT_EQ(count(std::string("Patient?identifier=urn:oid:1.2.250.1.213.1.4.8%7C") + kSampleIns),
            1);
}

TEST_F(FhirPeerTest, TheMhdProvideBundleIsAcceptedAndStored) {
  const SampleIds ids = uniqueIds("mhd");
  commit(ids, {{"mhd-1", "dmp"}});
  auto& e = engineWith(R"({"id":"dmp","type":"mhd","routes":["dmp"],"options":{
      "baseUrl":")" + peer().url() +
                       R"(","sourceId":"1.2.250.1.999.1",)" + tlsOptions() + "}}");
  const int lists = count("List?code=submissionset");
  ASSERT_EQ(*e.runDue("dmp"), 1u);
  const auto d = *db->getDelivery("mhd-1");
  EXPECT_EQ(d.status, DeliveryStatus::kDelivered) << d.lastError.value_or("");
  EXPECT_EQ(count("List?code=submissionset"), lists + 1);
  // The entryUUID of the DocumentReference is its fullUrl.
  EXPECT_EQ(count("DocumentReference?identifier=urn:uuid:" + ids.documentReference), 1);
}

TEST_F(FhirPeerTest, AnOutageIsRidOutWithRetriesAndEveryAttemptIsRecorded) {
  const SampleIds ids = uniqueIds("outage");
  commit(ids, {{"outage-1", "hospital"}});
  auto& e = engineWith(R"({"id":"hospital","type":"fhir-rest","routes":["dmp"],"options":{
      "baseUrl":")" + peer().url() +
                       R"(",)" + tlsOptions() + "}}");
  setFailure(503, 2);
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(*e.runDue("hospital"), 1u) << "attempt " << i + 1;
    if (auto next = db->getDelivery("outage-1")->nextAttemptAt) clock.set(*next);
  }
  EXPECT_EQ(db->getDelivery("outage-1")->status, DeliveryStatus::kDelivered);
  EXPECT_EQ(statusesOf("outage-1"), (std::vector<int>{503, 503, 200}));
}

TEST_F(FhirPeerTest, APeerDownLongerThanTheMaximumEndsDeadThenAnAdminRetryDelivers) {
  const SampleIds ids = uniqueIds("down");
  commit(ids, {{"down-1", "hospital"}});
  // A high circuit threshold: this test is about the age limit, not the breaker.
  auto& e = engineWith(R"({"id":"hospital","type":"fhir-rest","routes":["dmp"],
      "retry":{"maxAgeMs":60000},"circuitBreaker":{"failureThreshold":1000},
      "options":{"baseUrl":")" +
                       peer().url() + R"(",)" + tlsOptions() + "}}");
  setFailure(503, 1000);
  for (int i = 0; i < 20 && db->getDelivery("down-1")->status != DeliveryStatus::kDead; ++i) {
    ASSERT_EQ(*e.runDue("hospital"), 1u);
    if (auto next = db->getDelivery("down-1")->nextAttemptAt) clock.set(*next);
  }
  auto d = *db->getDelivery("down-1");
  EXPECT_EQ(d.status, DeliveryStatus::kDead);
  EXPECT_EQ(d.reason, "max-age");
  setFailure(0, 0);
  ASSERT_TRUE(db->retryDeadDelivery("down-1").isOk());
  ASSERT_EQ(*e.runDue("hospital"), 1u);
  EXPECT_EQ(db->getDelivery("down-1")->status, DeliveryStatus::kDelivered);
}

TEST_F(FhirPeerTest, APayloadThePeerRefusesGoesStraightToDead) {
  const SampleIds ids = uniqueIds("refused");
  // An Encounter with an element R4 does not have: our own validation is off, the peer's
  // refuses it (400).
  commit(ids, {{"refused-1", "hospital"}}, [](store::NewFhirResource& r) {
    if (r.resourceType != "Encounter") return;
    const auto at = r.json.find(R"("status":"finished")");
    if (at != std::string::npos) r.json.insert(at, R"("colour":"blue",)");
  });
  auto& e = engineWith(R"({"id":"hospital","type":"fhir-rest","routes":["dmp"],"options":{
      "validate":false,"baseUrl":")" +
                       peer().url() + R"(",)" + tlsOptions() + "}}");
  ASSERT_EQ(*e.runDue("hospital"), 1u);
  const auto d = *db->getDelivery("refused-1");
  EXPECT_EQ(d.status, DeliveryStatus::kDead);
  EXPECT_EQ(d.reason, "permanent-error");
  EXPECT_EQ(statusesOf("refused-1"), (std::vector<int>{400}));
  EXPECT_EQ(count("Encounter?identifier=" + ids.recordId), 0) << "nothing half-stored";
}
