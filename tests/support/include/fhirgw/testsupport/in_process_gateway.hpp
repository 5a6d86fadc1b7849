#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/secret_box.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/connectors/engine/delivery_engine.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/connectors/routing.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/gateway/config.hpp"
#include "fhirgw/gateway/gateway_server.hpp"
#include "fhirgw/gateway/service/connector_service.hpp"
#include "fhirgw/gateway/store_activity_history.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/http_client.hpp"
#include "fhirgw/testsupport/test_clock.hpp"

namespace fhirgw::testsupport {

/// How the in-process gateway is set up; the defaults are the product's.
struct InProcessGatewayOptions {
  gateway::LimitsConfig limits;
  /// The rule engine's settings (rules.* of the configuration).
  rules::RuleConfig rules;
  /// Connector routes deliveries are queued for (no engine runs: they stay pending). Their
  /// instances are the ones the admin API sees running (a re-route's possible targets).
  std::vector<connectors::ConnectorRoute> routes;
  /// When set, the delivery engine runs (on the test clock) and connectors are administered live
  /// through /admin/v1/connectors: these are the configuration file's instances (the JSON text
  /// of a `connectors` array, "[]" for none), the store's are loaded after them, and `routes` is
  /// not used.
  std::optional<std::string> liveConnectors;
  /// The key sealing connector secrets (what secrets.keyFile holds); empty: none configured.
  std::string secretKey;
  std::string adminToken = "in-process-admin-token-0123456789";
  /// The store's wait on a locked database (the product's default when unset).
  std::optional<std::chrono::milliseconds> busyTimeout;
  /// Whether /health/ready asks the store (otherwise the server's own default).
  bool storeReadiness = false;
};

/// The real gateway server in this process: a SQLite store in a temporary folder, the rule
/// engine and mapper with their defaults, a ManualClock at gatewayTestNow(), and both listeners
/// on 127.0.0.1 port 0. No outside peer, so tests using it are unit tests.
class InProcessGateway {
 public:
  explicit InProcessGateway(InProcessGatewayOptions options = {});
  ~InProcessGateway();
  InProcessGateway(const InProcessGateway&) = delete;
  InProcessGateway& operator=(const InProcessGateway&) = delete;

  /// Opens the store and starts the listeners (and, with liveConnectors, the delivery engine).
  /// After stop(), starts again on the same store.
  common::Status start();
  /// Stops the listeners, then the delivery engine (also done at destruction); true when
  /// in-flight requests finished.
  bool stop();

  /// A request to the editor API listener; key (if any) is sent as a bearer token.
  HttpResponse api(const std::string& method, const std::string& path, const std::string& body = {},
                   const std::string& key = {}, std::map<std::string, std::string> headers = {},
                   const std::string& contentType = "application/json");
  /// A request to the admin listener with the admin token (or another bearer token).
  HttpResponse admin(const std::string& method, const std::string& path,
                     const std::string& body = {}, const std::optional<std::string>& token = {});

  /// A new API client made through the admin API: its id and key ("" when refused).
  struct Client {
    std::string id;
    std::string key;
  };
  Client createClient(const std::string& name, const std::string& role,
                      const std::string& extraMembers = "");

  const std::filesystem::path& dir() const { return dir_.path(); }
  common::ManualClock& clock() { return clock_; }
  store::Store& store() { return *store_; }
  const mapping::FhirMapper& mapper() const { return mapper_; }
  gateway::GatewayServer& server() { return *server_; }
  /// The delivery engine (with liveConnectors; null otherwise).
  connectors::DeliveryEngine* engine() { return engine_.get(); }
  const std::string& adminToken() const { return options_.adminToken; }

 private:
  /// The registry, engine and connector service of liveConnectors, wired into deps.
  common::Status startConnectors(gateway::GatewayServer::Dependencies& deps);

  InProcessGatewayOptions options_;
  TempDir dir_;
  common::ManualClock clock_{gatewayTestNow()};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<gateway::StoreActivityHistory> history_;
  std::unique_ptr<rules::RuleEngine> rules_;
  /// As the product's wiring: one validator, injected into the mapper.
  fhir::Validator validator_ = fhir::makeFrCoreValidator();
  mapping::FhirMapper mapper_{validator_};
  // With liveConnectors: declared before the server, which uses them, so they outlive it.
  std::unique_ptr<connectors::ConnectorRegistry> registry_;
  std::optional<common::SecretBox> secretBox_;
  std::unique_ptr<gateway::GatewayMetrics> metrics_;  // the engine reports to it: outlives it
  std::unique_ptr<connectors::DeliveryEngine> engine_;
  std::unique_ptr<gateway::ConnectorService> connectors_;
  std::unique_ptr<gateway::GatewayServer> server_;
};

}  // namespace fhirgw::testsupport
