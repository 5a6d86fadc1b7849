// Deliveries through the whole gateway: an accepted record is routed to the configured file
// connector, pushed by the delivery engine, visible in the status endpoint, and a dead delivery
// is replayed through the admin API once its cause is fixed.

#include <Poco/Net/HTTPClientSession.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <thread>
#include <vector>

#include "fhirgw/common/json.hpp"
#include "fhirgw/connectors/engine/delivery_engine.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/gateway/gateway_server.hpp"
#include "fhirgw/gateway/store_activity_history.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/http_client.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/validator.hpp"

namespace fhirgw::gateway {
namespace {

using testsupport::httpRequest;
using testsupport::HttpResponse;
namespace fs = std::filesystem;

constexpr const char* kDeliveryAdminToken = "delivery-test-admin-token-0123456789";

using testsupport::readExample;

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    outbox_ = dir_.path() / "outbox";
    store::StoreOptions options;
    options.dataDir = (dir_.path() / "data").string();
    auto opened = store::openStore(options);
    ASSERT_TRUE(opened.hasValue()) << opened.error().toString();
    store_ = std::move(opened).value();
    history_ = std::make_unique<StoreActivityHistory>(*store_);
    rules_ = std::make_unique<rules::RuleEngine>(rules::RuleConfig{},
                                                 common::SystemClock::instance(), history_.get());
    // One attempt only, so that a failure is dead at once and the admin retry is what delivers.
    const std::string config = R"([{"id": "outbox", "type": "file",
        "routes": ["dmp", "treating-physician", "patient", "encounter"],
        "retry": {"maxAttempts": 1},
        "options": {"directory": ")" +
                               outbox_.string() + R"("}}])";
    auto parsed = connectors::parseConnectorInstances(config);
    ASSERT_TRUE(parsed.hasValue()) << parsed.error().toString();
    connectors::ConnectorRegistry registry;
    connectors::registerAll(registry);
    connectors::ConnectorContext context;
    context.validator = &mapper_.validator();
    auto instances = connectors::createConnectors(registry, *parsed, context);
    ASSERT_TRUE(instances.hasValue()) << instances.error().toString();
    connectors::EngineOptions engineOptions;
    engineOptions.idlePoll = std::chrono::milliseconds(50);
    engine_ = std::make_unique<connectors::DeliveryEngine>(*store_, common::SystemClock::instance(),
                                                           engineOptions);
    for (const auto& i : *instances) ASSERT_TRUE(engine_->add(i.config, i.connector).isOk());
    ASSERT_TRUE(engine_->start().isOk());

    GatewayConfig c;
    c.server.host = "127.0.0.1";
    c.server.port = 0;
    c.admin.listener.host = "127.0.0.1";
    c.admin.listener.port = 0;
    c.admin.token = kDeliveryAdminToken;
    GatewayServer::Dependencies deps;
    deps.store = store_.get();
    deps.rules = rules_.get();
    deps.mapper = &mapper_;
    deps.routes = fixedRoutes(connectors::routesOf(*instances));
    deps.deliveriesQueued = [this] { engine_->wake(); };
    deps.connectorRunning = [this](std::string_view id) {
      const std::vector<std::string> ids = engine_->connectorIds();
      return std::binary_search(ids.begin(), ids.end(), id);
    };
    server_ = std::make_unique<GatewayServer>(c, std::move(deps));
    ASSERT_TRUE(server_->start().isOk());
    auto created = admin("POST", "/admin/v1/clients", R"({"name":"editor","role":"editor"})");
    ASSERT_EQ(created.status, 201);
    key_ = (*common::parseJson(created.body))["key"].GetString();
  }

  void TearDown() override {
    if (server_) server_->stop();
    if (engine_) engine_->stop(std::chrono::seconds(5));
  }

  HttpResponse admin(const std::string& method, const std::string& path) {
    return admin(method, path, "");
  }
  HttpResponse admin(const std::string& method, const std::string& path, const std::string& body) {
    Poco::Net::HTTPClientSession s("127.0.0.1", server_->adminPort());
    return httpRequest(s, method, path, body,
                       {{"Authorization", std::string("Bearer ") + kDeliveryAdminToken}});
  }
  HttpResponse api(const std::string& method, const std::string& path,
                   const std::string& body = {}) {
    Poco::Net::HTTPClientSession s("127.0.0.1", server_->apiPort());
    return httpRequest(s, method, path, body, {{"Authorization", "Bearer " + key_}});
  }

  /// Polls the record's status until no delivery is pending, failed or in flight (bounded).
  common::JsonDocument awaitSettled(const std::string& recordPath) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    for (;;) {
      auto doc = common::parseJson(api("GET", recordPath).body);
      EXPECT_TRUE(doc.hasValue());
      bool settled = true;
      for (const auto& d : (*doc)["deliveries"].GetArray()) {
        const std::string status = d["status"].GetString();
        settled = settled && (status == "delivered" || status == "dead" || status == "skipped");
      }
      if (settled || std::chrono::steady_clock::now() > deadline) return std::move(doc).value();
      engine_->wake();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  testsupport::TempDir dir_;
  fs::path outbox_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<StoreActivityHistory> history_;
  std::unique_ptr<rules::RuleEngine> rules_;
  mapping::FhirMapper mapper_{testsupport::gatewayValidator()};
  std::unique_ptr<connectors::DeliveryEngine> engine_;
  std::unique_ptr<GatewayServer> server_;
  std::string key_;
};

TEST_F(DeliveryTest, AcceptedRecordIsDeliveredToTheOutboxAndStatusShowsIt) {
  auto created =
      api("POST", "/api/v1/teleconsultations", readExample("teleconsultation-full.json"));
  ASSERT_EQ(created.status, 201) << created.body;
  auto answer = common::parseJson(created.body);
  // Encounter, report to DMP and treating physician, prescription and sick leave to DMP and
  // patient (editor-api.md defaults and the report's recipients).
  ASSERT_EQ((*answer)["deliveries"].Size(), 7u) << created.body;
  for (const auto& d : (*answer)["deliveries"].GetArray()) {
    EXPECT_STREQ(d["status"].GetString(), "pending");
  }

  auto status = awaitSettled("/api/v1/teleconsultations/ext:LGC-2026-000123");
  std::size_t delivered = 0;
  for (const auto& d : status["deliveries"].GetArray()) {
    EXPECT_STREQ(d["status"].GetString(), "delivered") << d["id"].GetString();
    EXPECT_EQ(std::string(d["attempts"].GetString()), "1");
    const fs::path file = outbox_ / (std::string(d["id"].GetString()) + ".json");
    ASSERT_TRUE(fs::exists(file)) << file;
    auto bundle = common::parseJson(testsupport::readFile(file));
    ASSERT_TRUE(bundle.hasValue()) << file;
    EXPECT_STREQ((*bundle)["resourceType"].GetString(), "Bundle");
    EXPECT_FALSE(fhir::hasErrors(mapper_.validator().validate(*bundle))) << file;
    ++delivered;
  }
  EXPECT_EQ(delivered, 7u);
}

TEST_F(DeliveryTest, DocumentsOfAPatientWithoutQualifiedInsSkipTheDmpAndThePatient) {
  auto created =
      api("POST", "/api/v1/teleconsultations", readExample("teleconsultation-minimal.json"));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = (*common::parseJson(created.body))["id"].GetString();
  auto added = api("POST", "/api/v1/teleconsultations/" + id + "/documents",
                   readExample("document-sick-leave-prolongation.json"));
  ASSERT_EQ(added.status, 201) << added.body;
  auto doc = common::parseJson(added.body);
  ASSERT_EQ((*doc)["deliveries"].Size(), 2u) << added.body;
  for (const auto& d : (*doc)["deliveries"].GetArray()) {
    EXPECT_STREQ(d["status"].GetString(), "skipped");
    EXPECT_STREQ(d["reason"].GetString(), "ID-INS-QUALIFIED");
  }
}

TEST_F(DeliveryTest, DeadDeliveryIsDeliveredByAnAdminRetryOnceTheCauseIsFixed) {
  // The outbox path is taken by a file: every write fails, and one attempt makes it dead.
  fs::remove_all(outbox_);
  std::ofstream(outbox_) << "not a folder";
  auto created =
      api("POST", "/api/v1/teleconsultations", readExample("teleconsultation-minimal.json"));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = (*common::parseJson(created.body))["id"].GetString();
  auto status = awaitSettled("/api/v1/teleconsultations/" + id);
  ASSERT_EQ(status["deliveries"].Size(), 1u);
  const std::string deliveryId = status["deliveries"][0]["id"].GetString();
  ASSERT_STREQ(status["deliveries"][0]["status"].GetString(), "dead");

  auto dead = admin("GET", "/admin/v1/deliveries?status=dead");
  ASSERT_EQ(dead.status, 200) << dead.body;
  EXPECT_NE(dead.body.find(deliveryId), std::string::npos);
  auto one = common::parseJson(admin("GET", "/admin/v1/deliveries/" + deliveryId).body);
  ASSERT_TRUE(one.hasValue());
  EXPECT_EQ((*one)["attemptLog"].Size(), 1u);

  fs::remove(outbox_);
  fs::create_directories(outbox_);
  auto retried = admin("POST", "/admin/v1/deliveries/" + deliveryId + "/retry");
  ASSERT_EQ(retried.status, 200) << retried.body;
  status = awaitSettled("/api/v1/teleconsultations/" + id);
  EXPECT_STREQ(status["deliveries"][0]["status"].GetString(), "delivered");
  EXPECT_TRUE(fs::exists(outbox_ / (deliveryId + ".json")));
  // A delivered one cannot be retried.
  EXPECT_EQ(admin("POST", "/admin/v1/deliveries/" + deliveryId + "/retry").status, 409);
  EXPECT_EQ(admin("POST", "/admin/v1/deliveries/nope/retry").status, 404);
}

TEST_F(DeliveryTest, BulkRetryTakesEveryDeadDeliveryOfAConnector) {
  fs::remove_all(outbox_);
  std::ofstream(outbox_) << "not a folder";
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(api("POST", "/api/v1/teleconsultations", readExample("teleconsultation-minimal.json"))
                  .status,
              201);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::size_t dead = 0;
  while (dead < 3 && std::chrono::steady_clock::now() < deadline) {
    engine_->wake();
    auto list = common::parseJson(admin("GET", "/admin/v1/deliveries?status=dead").body);
    dead = list ? list->root().Size() : 0;
    if (dead < 3) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(dead, 3u);
  fs::remove(outbox_);
  fs::create_directories(outbox_);
  // The dry run says how many, changes nothing, and is audited as one.
  auto dryRun = admin("POST", "/admin/v1/deliveries/retry?connector=outbox&dryRun=true");
  ASSERT_EQ(dryRun.status, 200) << dryRun.body;
  EXPECT_EQ(dryRun.body, R"({"wouldRetry":3})");
  EXPECT_EQ(admin("POST", "/admin/v1/deliveries/retry?connector=other&dryRun=true").body,
            R"({"wouldRetry":0})");
  EXPECT_EQ(admin("POST", "/admin/v1/deliveries/retry?dryRun=yes").status, 400);
  auto stillDead = common::parseJson(admin("GET", "/admin/v1/deliveries?status=dead").body);
  ASSERT_TRUE(stillDead.hasValue());
  EXPECT_EQ(stillDead->root().Size(), 3u);
  auto audit = common::parseJson(
      admin("GET", "/admin/v1/audit?action=POST%20/admin/v1/deliveries/retry&limit=1").body);
  ASSERT_TRUE(audit.hasValue());
  ASSERT_EQ(audit->root().Size(), 1u);
  EXPECT_STREQ(audit->root()[0]["outcome"].GetString(), "400");

  auto bulk = admin("POST", "/admin/v1/deliveries/retry?connector=outbox&dryRun=false");
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  EXPECT_EQ(bulk.body, R"({"retried":3})");
  EXPECT_EQ(admin("POST", "/admin/v1/deliveries/retry?connector=outbox&dryRun=true").body,
            R"({"wouldRetry":0})");
  audit = common::parseJson(
      admin("GET", "/admin/v1/audit?action=POST%20/admin/v1/deliveries/retry").body);
  ASSERT_TRUE(audit.hasValue());
  std::vector<std::string> targets;
  for (const auto& e : audit->root().GetArray()) targets.emplace_back(e["target"].GetString());
  // Newest first: the last dry run, the retry, the refused one, the two first dry runs.
  EXPECT_EQ(targets, (std::vector<std::string>{"dry-run", "", "", "dry-run", "dry-run"}));
}

TEST_F(DeliveryTest, QueuedDeliveriesOfARemovedInstanceAreReroutedByTheAdminAndDelivered) {
  // The outbox instance goes away while its deliveries are queued.
  ASSERT_TRUE(engine_->remove("outbox", std::chrono::seconds(5)).isOk());
  auto created =
      api("POST", "/api/v1/teleconsultations", readExample("teleconsultation-minimal.json"));
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = (*common::parseJson(created.body))["id"].GetString();
  const std::string deliveryId =
      (*common::parseJson(created.body))["deliveries"][0]["id"].GetString();
  engine_->wake();
  EXPECT_EQ(store_->getDelivery(deliveryId)->status, store::DeliveryStatus::kPending);

  // A new instance, added while the engine runs.
  const fs::path archive = dir_.path() / "archive";
  const std::string config = R"([{"id": "archive", "type": "file", "routes": ["dmp"],
      "options": {"directory": ")" +
                             archive.string() + R"("}}])";
  auto parsed = connectors::parseConnectorInstances(config);
  ASSERT_TRUE(parsed.hasValue()) << parsed.error().toString();
  connectors::ConnectorRegistry registry;
  connectors::registerAll(registry);
  connectors::ConnectorContext context;
  context.validator = &mapper_.validator();
  auto instances = connectors::createConnectors(registry, *parsed, context);
  ASSERT_TRUE(instances.hasValue()) << instances.error().toString();
  ASSERT_TRUE(engine_->add(instances->at(0).config, instances->at(0).connector).isOk());

  auto refused =
      admin("POST", "/admin/v1/deliveries/reroute", R"({"from": "outbox", "to": "outbox"})");
  EXPECT_EQ(refused.status, 422) << refused.body;
  refused = admin("POST", "/admin/v1/deliveries/reroute", R"({"from": "outbox", "to": "gone"})");
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("to must be a running connector instance"), std::string::npos)
      << refused.body;

  auto rerouted = admin("POST", "/admin/v1/deliveries/reroute",
                        R"({"from": "outbox", "to": "archive", "status": ["pending"]})");
  ASSERT_EQ(rerouted.status, 200) << rerouted.body;
  EXPECT_EQ(rerouted.body, R"({"rerouted":1})");
  auto status = awaitSettled("/api/v1/teleconsultations/" + id);
  EXPECT_STREQ(status["deliveries"][0]["status"].GetString(), "delivered");
  EXPECT_TRUE(fs::exists(archive / (deliveryId + ".json")));
  EXPECT_FALSE(fs::exists(outbox_ / (deliveryId + ".json")));
  EXPECT_EQ(store_->getDelivery(deliveryId)->connectorId, "archive");

  auto audit = common::parseJson(
      admin("GET", "/admin/v1/audit?action=POST%20/admin/v1/deliveries/reroute").body);
  ASSERT_TRUE(audit.hasValue());
  ASSERT_EQ(audit->root().Size(), 3u);
  // Newest first.
  EXPECT_STREQ(audit->root()[2]["target"].GetString(), "outbox->outbox");
  EXPECT_STREQ(audit->root()[2]["outcome"].GetString(), "422");
  EXPECT_STREQ(audit->root()[0]["target"].GetString(), "outbox->archive");
  EXPECT_STREQ(audit->root()[0]["outcome"].GetString(), "200");
}

}  // namespace
}  // namespace fhirgw::gateway
