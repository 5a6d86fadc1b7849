// A new connector type is one folder plus one registry line: the test-only `memory` type is
// configured like the built-in ones, routed to, and delivered through the real engine and store.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors_test_support.hpp"
#include "fhirgw/connectors/connector_config.hpp"
#include "fhirgw/connectors/engine/delivery_engine.hpp"
#include "fhirgw/connectors/engine/store_rows.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/connectors/routing.hpp"
#include "fhirgw/testsupport/test_store.hpp"
#include "memory_type/memory_connector.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace fhirgw::connectors::testsupport;
using ::testing::HasSubstr;

namespace {

ConnectorRegistry registryWithMemory() {
  ConnectorRegistry registry;
  registerAll(registry);
  registry.add<MemoryConnectorFactory>();  // the one line a new type needs
  return registry;
}

}  // namespace

TEST(TestOnlyConnectorType, IsRegisteredByOneLineAndItsOptionsAreCheckedOnce) {
  const ConnectorRegistry registry = registryWithMemory();
  EXPECT_EQ(registry.types(),
            (std::vector<std::string>{"dmp-xds", "fhir-rest", "file", "memory", "mhd", "mssante"}));
  auto configs = parseConnectorInstances(R"([
    {"id":"m1","type":"memory","routes":["dmp"],"options":{"failFirst":11,"colour":"red"}}])");
  ASSERT_TRUE(configs.hasValue()) << configs.error().message();
  auto created = createConnectors(registry, *configs, {});
  ASSERT_FALSE(created.hasValue());
  const std::string message = created.error().message();
  EXPECT_THAT(message, HasSubstr("connectors[0].options.label: is required"));
  EXPECT_THAT(message, HasSubstr("connectors[0].options.failFirst:"));
  EXPECT_THAT(message, HasSubstr("connectors[0].options.colour: unknown key"));
}

TEST(TestOnlyConnectorType, IsRoutedToAndDeliveredThroughTheEngine) {
  TempDir dir;
  common::ManualClock clock{testStart()};
  std::unique_ptr<store::Store> db = fhirgw::testsupport::openTestStore(dir.path(), clock);
  ASSERT_NE(db, nullptr);

  const ConnectorRegistry registry = registryWithMemory();
  auto configs = parseConnectorInstances(R"([
    {"id":"mem","type":"memory","routes":["dmp"],"options":{"label":"archive","failFirst":1}}])");
  ASSERT_TRUE(configs.hasValue()) << configs.error().message();
  auto instances = createConnectors(registry, *configs, {});
  ASSERT_TRUE(instances.hasValue()) << instances.error().message();
  auto memory = std::dynamic_pointer_cast<MemoryConnector>(instances->front().connector);
  ASSERT_NE(memory, nullptr);

  // The submission's deliveries come from routing, as the gateway commits them.
  const SampleIds ids;
  RoutingRequest request;
  request.recordId = ids.recordId;
  request.insQualified = true;
  request.documents.push_back({ids.documentId, /*dmp=*/true, false, false, "report"});
  const std::vector<RoutedDelivery> routed = routeDeliveries(request, routesOf(*instances));
  ASSERT_EQ(routed.size(), 1u);
  EXPECT_EQ(routed[0].connectorId, "mem");
  store::Submission sub = sampleSubmission(ids, "h");
  sub.deliveries = toNewDeliveries(routed);
  ASSERT_TRUE(db->commitSubmission(sub).isOk());

  EngineOptions engineOptions;
  engineOptions.instanceId = "gw-test";
  engineOptions.random = [] { return 0.0; };  // the retry is due at once
  DeliveryEngine engine(*db, clock, engineOptions);
  for (const ConnectorInstance& i : *instances)
    ASSERT_TRUE(engine.add(i.config, i.connector).isOk());
  ASSERT_EQ(*engine.runDue("mem"), 2u) << "a transient failure, then the retry";

  auto delivery = db->getDelivery(routed[0].id);
  ASSERT_TRUE(delivery.hasValue());
  EXPECT_EQ(delivery->status, store::DeliveryStatus::kDelivered);
  EXPECT_EQ(delivery->attempts, 2);
  const auto delivered = memory->delivered();
  ASSERT_EQ(delivered.size(), 1u);
  EXPECT_EQ(delivered[0].label, "archive");
  EXPECT_EQ(delivered[0].deliveryId, routed[0].id);
  EXPECT_THAT(delivered[0].resourceTypes,
              ::testing::IsSupersetOf({"DocumentReference", "Binary", "Patient"}));
}
