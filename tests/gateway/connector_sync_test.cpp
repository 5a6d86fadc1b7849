// Two gateway instances sharing one store (as with PostgreSQL), each with its own connector
// service and delivery engine: a change made through one reaches the other by sync(), which
// adds, replaces and removes instances in its engine and routing, refuses (once, logged) what it
// cannot open, and changes nothing when nothing changed.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/log.hpp"
#include "fhirgw/common/secret_box.hpp"
#include "fhirgw/connectors/connector_config.hpp"
#include "fhirgw/connectors/engine/delivery_engine.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/gateway/service/connector_service.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"

namespace fhirgw::gateway {
namespace {

constexpr const char* kKeyA = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
constexpr const char* kKeyB = "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

// One gateway instance: its engine and connector service over the shared store.
struct Instance {
  Instance(store::Store& store, const connectors::ConnectorRegistry& registry,
           const std::string& name, const char* secretKey) {
    if (secretKey != nullptr) box.emplace(*common::SecretBox::fromKeyText(secretKey));
    connectors::EngineOptions options;
    options.instanceId = name;
    engine = std::make_unique<connectors::DeliveryEngine>(store, common::SystemClock::instance(),
                                                          options);
    service = std::make_unique<ConnectorService>(
        ConnectorService::Deps{store, store, registry, connectors::ConnectorContext{}, *engine,
                               box ? &*box : nullptr, std::chrono::seconds(2)});
  }
  ~Instance() {
    if (engine) engine->stop(std::chrono::seconds(2));
  }
  Instance(const Instance&) = delete;
  Instance& operator=(const Instance&) = delete;

  std::vector<std::string> routed() const {
    std::vector<std::string> ids;
    for (const auto& r : *service->routes()) ids.push_back(r.connectorId);
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    return ids;
  }

  std::optional<common::SecretBox> box;
  std::unique_ptr<connectors::DeliveryEngine> engine;
  std::unique_ptr<ConnectorService> service;
};

class ConnectorSyncTest : public ::testing::Test {
 protected:
  void SetUp() override {
    connectors::registerAll(registry_);
    store::StoreOptions options;
    options.dataDir = dir_.str();
    auto opened = store::openStore(options);
    ASSERT_TRUE(opened) << opened.error().toString();
    store_ = std::move(*opened);
    previousSink_ = &std::clog;
    common::Log::setSink(&log_);
  }
  void TearDown() override { common::Log::setSink(previousSink_); }

  std::unique_ptr<Instance> instance(const std::string& name, const char* key = kKeyA,
                                     std::vector<connectors::ConnectorInstance> file = {}) {
    auto i = std::make_unique<Instance>(*store_, registry_, name, key);
    const common::Status loaded = i->service->load(std::move(file));
    EXPECT_TRUE(loaded.isOk()) << loaded.toString();
    return i;
  }

  // A file-type instance body (a folder of its own), with extra members.
  std::string body(const std::string& id, const std::string& extra = "") {
    const auto folder = dir_.path() / ("out-" + id);
    return R"({"id":")" + id + R"(","type":"file","routes":["dmp"],)" + extra +
           R"("options":{"directory":")" + folder.string() + R"("}})";
  }

  static common::Json parsed(const std::string& text) { return *common::Json::parse(text); }

  testsupport::TempDir dir_{"fhirgw-connector-sync"};
  connectors::ConnectorRegistry registry_;
  std::unique_ptr<store::Store> store_;
  std::ostringstream log_;
  std::ostream* previousSink_ = nullptr;
  const AdminCaller caller_{"admin-client", "req-1"};
};

TEST_F(ConnectorSyncTest, ACreationUpdateAndDeletionOnOneInstanceReachTheOther) {
  auto a = instance("gateway-a");
  auto b = instance("gateway-b");

  ConnectorChange created = a->service->create(parsed(body("shared")), caller_);
  ASSERT_TRUE(created.status.isOk()) << created.status.toString();
  EXPECT_FALSE(b->service->get("shared"));
  EXPECT_TRUE(b->routed().empty());

  auto synced = b->service->sync();
  ASSERT_TRUE(synced) << synced.error().toString();
  EXPECT_EQ(synced->added, 1);
  EXPECT_EQ(synced->replaced + synced->removed + synced->refused, 0);
  auto seen = b->service->get("shared");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->version, 1);
  EXPECT_EQ(b->routed(), std::vector<std::string>{"shared"});
  EXPECT_EQ(b->engine->connectorIds(), std::vector<std::string>{"shared"});
  EXPECT_NE(log_.str().find("gateway.connectors-synced"), std::string::npos);

  // Nothing changed: nothing done.
  synced = b->service->sync();
  ASSERT_TRUE(synced);
  EXPECT_EQ(synced->added + synced->replaced + synced->removed + synced->refused, 0);

  // Disabled on A: B stops its lane but keeps the instance.
  ConnectorChange disabled = a->service->replace(
      "shared", parsed(body("shared", R"("enabled":false,"version":1,)")), std::nullopt, caller_);
  ASSERT_TRUE(disabled.status.isOk()) << disabled.status.toString();
  // B has not caught up yet: its stale version is refused by the store.
  ConnectorChange stale = b->service->replace(
      "shared", parsed(body("shared", R"("workers":2,"version":1,)")), std::nullopt, caller_);
  EXPECT_EQ(stale.status.code(), common::StatusCode::kAborted) << stale.status.toString();
  synced = b->service->sync();
  ASSERT_TRUE(synced);
  EXPECT_EQ(synced->replaced, 1);
  seen = b->service->get("shared");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->version, 2);
  EXPECT_FALSE(seen->running);
  EXPECT_TRUE(b->engine->connectorIds().empty());

  // Deleted on A: gone from B's list, engine and routes.
  ASSERT_TRUE(a->service->remove("shared", 2, caller_).isOk());
  synced = b->service->sync();
  ASSERT_TRUE(synced);
  EXPECT_EQ(synced->removed, 1);
  EXPECT_FALSE(b->service->get("shared"));
  EXPECT_TRUE(b->routed().empty());
  EXPECT_TRUE(b->service->list().empty());
}

TEST_F(ConnectorSyncTest, AnInstanceCreatedAfterStartRunsOnTheOtherWithItsSecret) {
  auto a = instance("gateway-a");
  auto b = instance("gateway-b");
  const std::string fhir =
      R"({"id":"peer","type":"fhir-rest","routes":["treating-physician"],)"
      R"("options":{"baseUrl":"https://fhir.example.org/r4","bearerToken":"tok-9Qx-secret"}})";
  ConnectorChange created = a->service->create(parsed(fhir), caller_);
  ASSERT_TRUE(created.status.isOk()) << created.status.toString();
  auto synced = b->service->sync();
  ASSERT_TRUE(synced) << synced.error().toString();
  EXPECT_EQ(synced->added, 1);
  auto seen = b->service->get("peer");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->secrets, std::vector<std::string>{"bearerToken"});
  EXPECT_EQ(log_.str().find("tok-9Qx-secret"), std::string::npos);
}

TEST_F(ConnectorSyncTest, WhatAnInstanceCannotOpenIsRefusedOnceAndTheOldVersionKeepsRunning) {
  auto a = instance("gateway-a", kKeyA);
  auto b = instance("gateway-b", kKeyB);  // misconfigured: another secrets key
  const std::string peer = R"({"id":"peer","type":"fhir-rest","routes":["treating-physician"],%s)"
                           R"("options":{"baseUrl":"https://fhir.example.org/r4"%s}})";
  const auto peerBody = [&peer](const std::string& extra, const std::string& options) {
    std::string out = peer;
    out.replace(out.find("%s"), 2, extra);
    out.replace(out.find("%s"), 2, options);
    return out;
  };
  ASSERT_TRUE(a->service->create(parsed(peerBody("", "")), caller_).status.isOk());
  ASSERT_EQ(b->service->sync()->added, 1);  // no secret yet: B opens version 1

  // Version 2 carries a secret sealed with A's key, which B cannot open.
  const ConnectorChange v2 = a->service->replace(
      "peer", parsed(peerBody(R"("version":1,)", R"(,"bearerToken":"tok-1Zq-secret")")),
      std::nullopt, caller_);
  ASSERT_TRUE(v2.status.isOk()) << v2.status.toString();
  auto synced = b->service->sync();
  ASSERT_TRUE(synced);
  EXPECT_EQ(synced->refused, 1);
  EXPECT_EQ(synced->replaced, 0);
  auto seen = b->service->get("peer");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->version, 1);
  EXPECT_TRUE(seen->running);
  EXPECT_EQ(b->engine->connectorIds(), std::vector<std::string>{"peer"});
  const auto refusals = [this] {
    const std::string text = log_.str();
    std::size_t n = 0;
    for (auto at = text.find("gateway.connector-sync-refused"); at != std::string::npos;
         at = text.find("gateway.connector-sync-refused", at + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(refusals(), 1U);
  synced = b->service->sync();
  ASSERT_TRUE(synced);
  EXPECT_EQ(synced->refused, 1);
  EXPECT_EQ(refusals(), 1U) << "logged once per version";
  EXPECT_EQ(log_.str().find("tok-1Zq-secret"), std::string::npos);
}

TEST_F(ConnectorSyncTest, AStoredIdThatTheConfigurationFileUsesIsRefusedThere) {
  auto a = instance("gateway-a");
  ASSERT_TRUE(a->service->create(parsed(body("taken")), caller_).status.isOk());
  // B's configuration file has an instance "taken" of its own (it started before A's creation).
  auto config = connectors::parseConnectorInstance(parsed(body("taken")), "connectors[0]");
  ASSERT_TRUE(config) << config.error().toString();
  auto connector = registry_.create(*config, connectors::ConnectorContext{});
  ASSERT_TRUE(connector) << connector.error().toString();
  auto b = std::make_unique<Instance>(*store_, registry_, "gateway-b", kKeyA);
  // Loading would refuse the clash at start (exit 78); here it appears after B started.
  std::vector<connectors::ConnectorInstance> file;
  file.push_back({*config, std::shared_ptr<connectors::Connector>(std::move(*connector))});
  ASSERT_TRUE(a->service->remove("taken", std::nullopt, caller_).isOk());
  ASSERT_TRUE(b->service->load(std::move(file)).isOk());
  ASSERT_TRUE(a->service->create(parsed(body("taken")), caller_).status.isOk());
  auto synced = b->service->sync();
  ASSERT_TRUE(synced);
  EXPECT_EQ(synced->refused, 1);
  auto seen = b->service->get("taken");
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->source, ConnectorSource::kFile);
}

}  // namespace
}  // namespace fhirgw::gateway
