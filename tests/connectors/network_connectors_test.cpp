// The fhir-rest and mhd connectors end to end against a local HTTPS peer requiring a client
// certificate, driven by the delivery engine with a real store and a ManualClock.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "connectors_test_support.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/connectors/engine/delivery_engine.hpp"
#include "fhirgw/connectors/engine/payload_builder.hpp"
#include "fhirgw/connectors/http_client.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/fhir/validator.hpp"
#include "fhirgw/testsupport/test_store.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace fhirgw::connectors::testsupport;
using namespace std::chrono_literals;
using store::DeliveryStatus;
using ::testing::HasSubstr;
using Response = Poco::Net::HTTPServerResponse;

namespace {

constexpr const char* kTransactionResponse =
    R"({"resourceType":"Bundle","type":"transaction-response","entry":[]})";

class NetworkConnectors : public ::testing::Test {
 protected:
  void SetUp() override {
    registerAll(registry);
    db = fhirgw::testsupport::openTestStore(dir.path() / "data", clock);
    ASSERT_NE(db, nullptr);
  }

  /// The TLS options of an instance talking to the test peer.
  static std::string tls(const std::string& clientCert = "client", int timeoutMs = 5000) {
    const auto pki = testPkiDir();
    return R"("caFile":")" + (pki / "ca.pem").string() + R"(","clientCertificateFile":")" +
           (pki / (clientCert + ".pem")).string() + R"(","clientKeyFile":")" +
           (pki / (clientCert + ".key")).string() +
           R"(","allowedPrivateNetworks":["127.0.0.0/8"],"connectTimeoutMs":)" +
           std::to_string(timeoutMs) + R"(,"timeoutMs":)" + std::to_string(timeoutMs);
  }

  std::shared_ptr<Connector> make(const std::string& instanceJson) {
    auto configs = parseConnectorInstances("[" + instanceJson + "]");
    EXPECT_TRUE(configs.hasValue()) << configs.error().message();
    if (!configs) return nullptr;
    config = configs->front();
    auto created = createConnectors(registry, *configs, {&clock, &validator});
    EXPECT_TRUE(created.hasValue()) << created.error().message();
    return created ? created->front().connector : nullptr;
  }

  void commit(const std::string& connectorId, std::optional<std::string> target = std::nullopt) {
    const SampleIds ids;
    store::Submission sub = sampleSubmission(ids, "h");
    sub.deliveries.push_back({"d-1", ids.documentId, "dmp", connectorId, DeliveryStatus::kPending,
                              std::nullopt, std::move(target)});
    ASSERT_TRUE(db->commitSubmission(sub).isOk());
  }

  EngineOptions engineOptions() {
    EngineOptions o;
    o.instanceId = "gw-net";
    o.random = [] { return 0.5; };
    return o;
  }

  TempDir dir;
  common::ManualClock clock{testStart()};
  std::unique_ptr<store::Store> db;
  ConnectorRegistry registry;
  fhir::Validator validator;
  ConnectorInstanceConfig config;
};

}  // namespace

TEST_F(NetworkConnectors, FhirRestPeerAnswering503ThenRecoversGetsTheSameBundleTwice) {
  TestHttpsServer peer([](const ReceivedRequest&, Response& r, int index) {
    if (index == 0) {
      r.set("Retry-After", "30");
      answer(r, 503, R"({"resourceType":"OperationOutcome"})");
    } else {
      answer(r, 200, kTransactionResponse);
    }
  });
  auto connector = make(R"({"id":"hospital","type":"fhir-rest","routes":["dmp"],
      "options":{"baseUrl":")" +
                        peer.url("/fhir/r4") + R"(",)" + tls() + "}}");
  ASSERT_NE(connector, nullptr);
  commit("hospital");
  DeliveryEngine engine(*db, clock, engineOptions());
  ASSERT_TRUE(engine.add(config, connector).isOk());

  ASSERT_EQ(*engine.runDue("hospital"), 1u);
  auto d = *db->getDelivery("d-1");
  EXPECT_EQ(d.status, DeliveryStatus::kFailed);
  EXPECT_EQ(d.nextAttemptAt, testStart() + 30s) << "Retry-After beats the 2.5 s jitter";
  clock.advance(30s);
  ASSERT_EQ(*engine.runDue("hospital"), 1u);
  d = *db->getDelivery("d-1");
  EXPECT_EQ(d.status, DeliveryStatus::kDelivered);

  const auto attempts = *db->listDeliveryAttempts("d-1");
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0].httpStatus, 503);
  EXPECT_EQ(attempts[0].errorClass, store::ErrorClass::kTransient);
  EXPECT_EQ(attempts[1].httpStatus, 200);

  const auto requests = peer.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].uri, "/fhir/r4");
  EXPECT_EQ(requests[0].contentType, "application/fhir+json");
  EXPECT_EQ(requests[0].requestId, "d-1");
  EXPECT_EQ(requests[0].body, requests[1].body) << "a retry resends the same conditional creates";
  auto bundle = common::parseJson(requests[0].body);
  ASSERT_TRUE(bundle.hasValue());
  EXPECT_EQ(std::string(bundle->root()["type"].GetString()), "transaction");
}

TEST_F(NetworkConnectors, FhirRestBadRequestIsDeadAtOnce) {
  TestHttpsServer peer([](const ReceivedRequest&, Response& r, int) {
    answer(r, 400, R"({"resourceType":"OperationOutcome"})");
  });
  auto connector = make(R"({"id":"hospital","type":"fhir-rest","routes":["dmp"],
      "options":{"baseUrl":")" +
                        peer.url() + R"(",)" + tls() + "}}");
  commit("hospital");
  DeliveryEngine engine(*db, clock, engineOptions());
  ASSERT_TRUE(engine.add(config, connector).isOk());
  ASSERT_EQ(*engine.runDue("hospital"), 1u);
  const auto d = *db->getDelivery("d-1");
  EXPECT_EQ(d.status, DeliveryStatus::kDead);
  EXPECT_EQ(d.lastError, "HTTP 400");
  EXPECT_EQ(peer.requestCount(), 1u);
}

TEST_F(NetworkConnectors, FhirRestSendsTheBearerTokenAndReachesOnlyAllowedRecipientEndpoints) {
  TestHttpsServer peer(
      [](const ReceivedRequest&, Response& r, int) { answer(r, 200, kTransactionResponse); });
  const auto token = dir.path() / "token";
  { std::ofstream(token) << "tok-123\n"; }
  auto connector = make(R"({"id":"tp","type":"fhir-rest","routes":["treating-physician"],
      "options":{"allowedEndpoints":[")" +
                        peer.url("/fhir") + R"("],"bearerTokenFile":")" + token.string() + R"(",)" +
                        tls() + "}}");
  ASSERT_NE(connector, nullptr);
  EXPECT_EQ(connector->addressing(), Addressing::kFhirEndpoint);

  store::Delivery d;
  d.id = "d-x";
  d.recordId = SampleIds{}.recordId;
  d.documentId = SampleIds{}.documentId;
  auto payload = makeDeliveryPayload(d, sampleResources());
  payload->target = peer.url("/fhir/practice-1");
  const DeliveryResult ok = connector->deliver(*payload, {});
  EXPECT_TRUE(ok.delivered()) << ok.message;
  ASSERT_EQ(peer.requestCount(), 1u);
  EXPECT_EQ(peer.requests()[0].authorization, "Bearer tok-123");
  EXPECT_EQ(peer.requests()[0].uri, "/fhir/practice-1");

  payload->target = peer.url("/fhirevil");
  EXPECT_EQ(connector->deliver(*payload, {}).errorClass, ErrorClass::kPermanent);
  payload->target.reset();
  EXPECT_EQ(connector->deliver(*payload, {}).errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(peer.requestCount(), 1u);
}

TEST_F(NetworkConnectors, FhirRestNeverSendsARecipientEndpointThatEscapesItsAllowedPrefix) {
  TestHttpsServer peer(
      [](const ReceivedRequest&, Response& r, int) { answer(r, 200, kTransactionResponse); });
  auto connector = make(R"({"id":"tp","type":"fhir-rest","routes":["treating-physician"],
      "options":{"allowedEndpoints":[")" +
                        peer.url("/fhir/r4") + R"("],)" + tls() + "}}");
  ASSERT_NE(connector, nullptr);
  const std::string authority = peer.url("");  // https://localhost:<port>
  const std::vector<std::string> escapes = {
      peer.url("/fhir/r4/../../evil"),  // issue 8: libcurl sent POST /evil
      peer.url("/fhir/r4/%2e%2e/%2E%2E/evil"),
      peer.url("/fhir/r4/.%2e/evil"),
      peer.url("/fhir/r4/..;/evil"),
      peer.url("/fhir/r4%2F..%2F..%2Fevil"),
      peer.url("/fhir/r4%5c..%5cevil"),
      peer.url("/fhir/r4\\..\\evil"),
      peer.url("/fhir/r4x"),
      peer.url("/fhir/r4/x#frag"),
      "https://user:pw@" + authority.substr(8) + "/fhir/r4/x",
      "http://" + authority.substr(8) + "/fhir/r4/x",
  };
  store::Delivery d;
  d.id = "d-x";
  d.recordId = SampleIds{}.recordId;
  d.documentId = SampleIds{}.documentId;
  auto payload = makeDeliveryPayload(d, sampleResources());
  for (const std::string& target : escapes) {
    EXPECT_FALSE(connector->acceptsTarget(target)) << target;
    payload->target = target;
    const DeliveryResult result = connector->deliver(*payload, {});
    EXPECT_EQ(result.errorClass, ErrorClass::kPermanent) << target;
    EXPECT_EQ(result.message.find("evil"), std::string::npos) << "no URL in the reason";
  }
  EXPECT_EQ(peer.requestCount(), 0u) << "nothing reached the allowed host";

  // A clean endpoint under the prefix, spelled with an upper-case host and the explicit port,
  // is sent to the normalised URL.
  const std::string clean = "https://LOCALHOST" + authority.substr(17) + "/fhir/r4/practice-1";
  EXPECT_TRUE(connector->acceptsTarget(clean)) << clean;
  payload->target = clean;
  const DeliveryResult ok = connector->deliver(*payload, {});
  EXPECT_TRUE(ok.delivered()) << ok.message;
  ASSERT_EQ(peer.requestCount(), 1u);
  EXPECT_EQ(peer.requests()[0].uri, "/fhir/r4/practice-1");
}

TEST_F(NetworkConnectors, AnEscapingRecipientEndpointQueuedBeforeTheFixIsDeadWithoutARequest) {
  TestHttpsServer peer(
      [](const ReceivedRequest&, Response& r, int) { answer(r, 200, kTransactionResponse); });
  auto connector = make(R"({"id":"tp","type":"fhir-rest","routes":["treating-physician"],
      "options":{"allowedEndpoints":[")" +
                        peer.url("/fhir/r4") + R"("],)" + tls() + "}}");
  ASSERT_NE(connector, nullptr);
  commit("tp", peer.url("/fhir/r4/../../evil"));
  DeliveryEngine engine(*db, clock, engineOptions());
  ASSERT_TRUE(engine.add(config, connector).isOk());
  ASSERT_EQ(*engine.runDue("tp"), 1u);
  const auto d = *db->getDelivery("d-1");
  EXPECT_EQ(d.status, DeliveryStatus::kDead);
  EXPECT_THAT(d.lastError.value_or(""), HasSubstr("dot segment"));
  EXPECT_EQ(peer.requestCount(), 0u);
}

TEST_F(NetworkConnectors, TheHttpClientItselfRefusesAnEscapingUrl) {
  TestHttpsServer peer([](const ReceivedRequest&, Response& r, int) { answer(r, 200); });
  HttpClientOptions options;
  options.caFile = (testPkiDir() / "ca.pem").string();
  options.clientCertificateFile = (testPkiDir() / "client.pem").string();
  options.clientKeyFile = (testPkiDir() / "client.key").string();
  options.addressPolicy.allow(*common::parseIpNetwork("127.0.0.0/8"));
  auto client = HttpClient::create(options);
  ASSERT_TRUE(client.hasValue()) << client.error().message();
  HttpRequest request;
  request.url = peer.url("/fhir/r4/../../evil");
  request.body = "{}";
  auto refused = (*client)->send(request);
  ASSERT_FALSE(refused.hasValue());
  EXPECT_EQ(refused.error().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(peer.requestCount(), 0u);
  request.url = peer.url("/fhir/r4/ok");
  auto sent = (*client)->send(request);
  ASSERT_TRUE(sent.hasValue()) << sent.error().message();
  EXPECT_EQ(sent->status, 200);
  ASSERT_EQ(peer.requestCount(), 1u);
  EXPECT_EQ(peer.requests()[0].uri, "/fhir/r4/ok");
}

TEST_F(NetworkConnectors, MhdPostsTheProvideBundleOverMutualTls) {
  TestHttpsServer peer(
      [](const ReceivedRequest&, Response& r, int) { answer(r, 200, kTransactionResponse); });
  auto connector = make(R"({"id":"dmp","type":"mhd","routes":["dmp"],
      "options":{"baseUrl":")" +
                        peer.url("/mhd") + R"(","sourceId":"1.2.250.1.999.1",)" + tls() + "}}");
  ASSERT_NE(connector, nullptr);
  commit("dmp");
  DeliveryEngine engine(*db, clock, engineOptions());
  ASSERT_TRUE(engine.add(config, connector).isOk());
  ASSERT_EQ(*engine.runDue("dmp"), 1u);
  EXPECT_EQ(db->getDelivery("d-1")->status, DeliveryStatus::kDelivered);
  ASSERT_EQ(peer.requestCount(), 1u);
  auto bundle = common::parseJson(peer.requests()[0].body);
  ASSERT_TRUE(bundle.hasValue());
  const auto& entry = bundle->root()["entry"];
  ASSERT_EQ(entry.Size(), 3u);
  EXPECT_EQ(std::string(entry[0]["resource"]["resourceType"].GetString()), "List");
  EXPECT_EQ(std::string(entry[1]["resource"]["resourceType"].GetString()), "DocumentReference");
  EXPECT_EQ(std::string(entry[2]["resource"]["resourceType"].GetString()), "Binary");
}

TEST_F(NetworkConnectors, MhdWithAnUntrustedClientCertificateIsRetriedNotLost) {
  TestHttpsServer peer([](const ReceivedRequest&, Response& r, int) { answer(r, 200); });
  auto connector = make(R"({"id":"dmp","type":"mhd","routes":["dmp"],
      "options":{"baseUrl":")" +
                        peer.url("/mhd") + R"(","sourceId":"1.2.3",)" + tls("rogue-client") + "}}");
  ASSERT_NE(connector, nullptr);
  commit("dmp");
  DeliveryEngine engine(*db, clock, engineOptions());
  ASSERT_TRUE(engine.add(config, connector).isOk());
  ASSERT_EQ(*engine.runDue("dmp"), 1u);
  const auto d = *db->getDelivery("d-1");
  EXPECT_EQ(d.status, DeliveryStatus::kFailed);
  EXPECT_EQ(peer.requestCount(), 0u);
  EXPECT_EQ((*db->listDeliveryAttempts("d-1"))[0].errorClass, store::ErrorClass::kTransient);
}

TEST_F(NetworkConnectors, ASlowPeerTimesOutAndTheDeliveryIsRetried) {
  TestHttpsServer peer([&](const ReceivedRequest&, Response& r, int) {
    peer.holdUntilReleased();
    answer(r, 200);
  });
  auto connector = make(R"({"id":"slow","type":"fhir-rest","routes":["dmp"],
      "options":{"baseUrl":")" +
                        peer.url() + R"(",)" + tls("client", 300) + "}}");
  ASSERT_NE(connector, nullptr);
  commit("slow");
  DeliveryEngine engine(*db, clock, engineOptions());
  ASSERT_TRUE(engine.add(config, connector).isOk());
  ASSERT_EQ(*engine.runDue("slow"), 1u);
  peer.release();
  const auto d = *db->getDelivery("d-1");
  EXPECT_EQ(d.status, DeliveryStatus::kFailed);
  EXPECT_THAT(d.lastError.value_or(""), HasSubstr("timeout"));
}
