#include "fhirgw/testsupport/in_process_gateway.hpp"

#include <Poco/Net/HTTPClientSession.h>

#include <algorithm>

#include "fhirgw/gateway/readiness.hpp"
#include "fhirgw/testsupport/json_text.hpp"

namespace fhirgw::testsupport {

InProcessGateway::InProcessGateway(InProcessGatewayOptions options)
    : options_(std::move(options)) {}

InProcessGateway::~InProcessGateway() { stop(); }

common::Status InProcessGateway::start() {
  store::StoreOptions storeOptions;
  storeOptions.dataDir = (dir_.path() / "data").string();
  if (options_.busyTimeout) storeOptions.busyTimeout = *options_.busyTimeout;
  auto opened = store::openStore(storeOptions, clock_);
  if (!opened) return opened.error();
  store_ = std::move(opened).value();
  history_ = std::make_unique<gateway::StoreActivityHistory>(*store_);
  rules_ = std::make_unique<rules::RuleEngine>(options_.rules, clock_, history_.get());
  gateway::GatewayConfig c;
  c.server.host = "127.0.0.1";
  c.server.port = 0;
  c.admin.listener.host = "127.0.0.1";
  c.admin.listener.port = 0;
  c.admin.token = options_.adminToken;
  c.limits = options_.limits;
  gateway::GatewayServer::Dependencies deps;
  deps.store = store_.get();
  deps.rules = rules_.get();
  deps.mapper = &mapper_;
  deps.clock = &clock_;
  deps.routes = gateway::fixedRoutes(options_.routes);
  deps.connectorRunning = [this](std::string_view id) {
    return std::any_of(options_.routes.begin(), options_.routes.end(),
                       [id](const connectors::ConnectorRoute& r) { return r.connectorId == id; });
  };
  if (options_.liveConnectors) FHIRGW_RETURN_IF_ERROR(startConnectors(deps));
  if (options_.storeReadiness) {
    // As the product: the store, and the delivery engine when one runs.
    deps.readiness = [this] {
      return engine_ ? gateway::gatewayReadiness(*store_, *engine_) : store_->ping();
    };
  }

  server_ = std::make_unique<gateway::GatewayServer>(c, std::move(deps));
  return server_->start();
}

common::Status InProcessGateway::startConnectors(gateway::GatewayServer::Dependencies& deps) {
  registry_ = std::make_unique<connectors::ConnectorRegistry>();
  connectors::registerAll(*registry_);
  secretBox_.reset();
  if (!options_.secretKey.empty()) {
    FHIRGW_ASSIGN_OR_RETURN(auto box, common::SecretBox::fromKeyText(options_.secretKey));
    secretBox_.emplace(std::move(box));
  }
  FHIRGW_ASSIGN_OR_RETURN(auto configs,
                          connectors::parseConnectorInstances(*options_.liveConnectors));
  connectors::ConnectorContext context;
  context.clock = &clock_;
  context.validator = &validator_;
  FHIRGW_ASSIGN_OR_RETURN(auto instances,
                          connectors::createConnectors(*registry_, configs, context));
  connectors::EngineOptions engineOptions;
  engineOptions.instanceId = "in-process";
  engineOptions.idlePoll = std::chrono::milliseconds(50);
  engine_ = std::make_unique<connectors::DeliveryEngine>(*store_, clock_, engineOptions);
  connectors_ = std::make_unique<gateway::ConnectorService>(gateway::ConnectorService::Deps{
      *store_, *store_, *registry_, context, *engine_, secretBox_ ? &*secretBox_ : nullptr,
      std::chrono::seconds(5)});
  FHIRGW_RETURN_IF_ERROR(connectors_->load(std::move(instances)));
  // As the product: the engine reports its attempts to the metrics /metrics reads.
  metrics_ = std::make_unique<gateway::GatewayMetrics>(store_.get(), engine_.get(), clock_);
  engine_->setObserver(
      [this](const connectors::AttemptReport& r) { metrics_->attemptFinished(r); });
  deps.metrics = metrics_.get();
  FHIRGW_RETURN_IF_ERROR(engine_->start());
  deps.routes = connectors_->routeProvider();
  deps.connectors = connectors_.get();
  deps.connectorRunning = [this](std::string_view id) {
    const std::vector<std::string> ids = engine_->connectorIds();
    return std::binary_search(ids.begin(), ids.end(), id);
  };
  deps.deliveriesQueued = [this] { engine_->wake(); };
  return common::Status::ok();
}

bool InProcessGateway::stop() {
  if (!server_) return true;
  const bool drained = server_->stop();
  server_.reset();
  if (engine_) engine_->stop(std::chrono::seconds(5));
  connectors_.reset();
  engine_.reset();
  return drained;
}

HttpResponse InProcessGateway::api(const std::string& method, const std::string& path,
                                   const std::string& body, const std::string& key,
                                   std::map<std::string, std::string> headers,
                                   const std::string& contentType) {
  Poco::Net::HTTPClientSession session("127.0.0.1", server_->apiPort());
  if (!key.empty()) headers["Authorization"] = "Bearer " + key;
  return httpRequest(session, method, path, body, headers, contentType);
}

HttpResponse InProcessGateway::admin(const std::string& method, const std::string& path,
                                     const std::string& body,
                                     const std::optional<std::string>& token) {
  Poco::Net::HTTPClientSession session("127.0.0.1", server_->adminPort());
  return httpRequest(session, method, path, body,
                     {{"Authorization", "Bearer " + token.value_or(options_.adminToken)}});
}

InProcessGateway::Client InProcessGateway::createClient(const std::string& name,
                                                        const std::string& role,
                                                        const std::string& extraMembers) {
  const HttpResponse r =
      admin("POST", "/admin/v1/clients",
            R"({"name":")" + name + R"(","role":")" + role + "\"" + extraMembers + "}");
  const auto doc = parseJsonText(r.body);
  if (r.status != 201 || !doc) return {};
  const JsonValue* id = doc->find("id");
  const JsonValue* key = doc->find("key");
  return {id ? id->text : std::string(), key ? key->text : std::string()};
}

}  // namespace fhirgw::testsupport
