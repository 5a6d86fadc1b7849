#include "fhirgw/gateway/server_app.hpp"

#include <Poco/Environment.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>

#include <algorithm>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <iostream>
#include <mutex>
#include <sstream>
#include <stop_token>
#include <thread>
#include <typeinfo>

#include "fhirgw/common/log.hpp"
#include "fhirgw/common/outage_log.hpp"
#include "fhirgw/connectors/engine/delivery_engine.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/fhir/validator.hpp"
#include "fhirgw/gateway/auth.hpp"
#include "fhirgw/gateway/config.hpp"
#include "fhirgw/gateway/gateway_metrics.hpp"
#include "fhirgw/gateway/gateway_server.hpp"
#include "fhirgw/gateway/housekeeper.hpp"
#include "fhirgw/gateway/readiness.hpp"
#include "fhirgw/gateway/service/connector_service.hpp"
#include "fhirgw/gateway/service/encryption_rotation.hpp"
#include "fhirgw/gateway/store_activity_history.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/store/store.hpp"

namespace fhirgw::gateway {

using common::Log;

namespace {

/// Poco's OpenSSL initialisation, held for as long as connectors and listeners live.
class SslLibrary {
 public:
  SslLibrary() { Poco::Net::initializeSSL(); }
  ~SslLibrary() { Poco::Net::uninitializeSSL(); }
  SslLibrary(const SslLibrary&) = delete;
  SslLibrary& operator=(const SslLibrary&) = delete;
};

}  // namespace

GatewayApp::GatewayApp() {
  // Options are handled here, not by Poco's configuration layer: the gateway has its own typed
  // configuration (loadConfig) and reads no Poco property files.
  setUnixOptions(true);
}

void GatewayApp::defineOptions(Poco::Util::OptionSet& options) {
  ServerApplication::defineOptions(options);
  options.addOption(Poco::Util::Option("config", "c", "configuration file (JSON)")
                        .required(false)
                        .repeatable(false)
                        .argument("FILE"));
  options.addOption(Poco::Util::Option("set", "s", "override one key: --set server.port=9090")
                        .required(false)
                        .repeatable(true)
                        .argument("PATH=VALUE"));
  options.addOption(Poco::Util::Option("help", "h", "show this help").required(false));
  options.addOption(Poco::Util::Option("version", "v", "print the version").required(false));
}

void GatewayApp::handleOption(const std::string& name, const std::string& value) {
  ServerApplication::handleOption(name, value);
  if (name == "config") {
    configFile_ = value;
  } else if (name == "set") {
    const auto eq = value.find('=');
    if (eq == std::string::npos || eq == 0) {
      optionErrors_.push_back("--set " + value + ": expected PATH=VALUE");
    } else {
      sets_.emplace_back(value.substr(0, eq), value.substr(eq + 1));
    }
  } else if (name == "help") {
    helpRequested_ = true;
    stopOptionsProcessing();
  } else if (name == "version") {
    versionRequested_ = true;
  }
}

void GatewayApp::printHelp() {
  Poco::Util::HelpFormatter help(options());
  help.setCommand(commandName());
  help.setUsage("[--config FILE] [--set path=value ...]");
  help.setHeader(
      "Teleconsultation FHIR gateway. Every configuration key can also be set with an "
      "environment variable FHIRGW_<PATH> (server.port -> FHIRGW_SERVER_PORT).");
  help.format(std::cout);
}

int GatewayApp::main(const std::vector<std::string>& args) {
  // Poco's Application::run catches only Poco::Exception: anything else would end in
  // std::terminate without a word.
  try {
    return runGateway(args);
  } catch (const std::exception& e) {
    // The type only: an exception's text may quote request content.
    Log::error("gateway.fatal-exception", {{"exception", typeid(e).name()}});
  } catch (...) {
    Log::error("gateway.fatal-exception", {{"exception", "unknown"}});
  }
  return EXIT_SOFTWARE;
}

int GatewayApp::runGateway(const std::vector<std::string>& args) {
  if (helpRequested_) {
    printHelp();
    return EXIT_OK;
  }
  if (versionRequested_) {
    std::cout << "fhir-gateway " << FHIRGW_VERSION << "\n";
    return EXIT_OK;
  }
  if (!args.empty()) optionErrors_.push_back("unexpected argument: " + args.front());
  if (!optionErrors_.empty()) {
    for (const auto& e : optionErrors_) std::cerr << "fhir-gateway: " << e << "\n";
    return EXIT_USAGE;
  }

  ConfigSources sources;
  sources.environment = gatewayEnvironment();
  sources.sets = sets_;
  if (configFile_) {
    std::ifstream in(*configFile_, std::ios::binary);
    if (!in) {
      std::cerr << "fhir-gateway: configuration error: cannot read " << *configFile_ << "\n";
      return EXIT_CONFIG;
    }
    std::ostringstream text;
    text << in.rdbuf();
    sources.fileText = text.str();
    sources.fileName = *configFile_;
  }
  common::Result<GatewayConfig> config = loadConfig(sources);
  if (!config) {
    std::cerr << "fhir-gateway: configuration error: " << config.error().message() << "\n";
    return EXIT_CONFIG;
  }
  Log::setLevel(config->logLevel);

  store::StoreOptions storeOptions;
  storeOptions.dataDir = config->storage.dataDir;
  storeOptions.url = config->storage.url;
  storeOptions.password = config->storagePassword;
  storeOptions.connections = config->storage.connections;
  storeOptions.keyRing = config->storageKeys;
  auto store = store::openStore(storeOptions);
  if (!store) {
    std::cerr << "fhir-gateway: cannot open the store: " << store.error().message() << "\n";
    return store.error().code() == common::StatusCode::kInvalidArgument ? EXIT_CONFIG
                                                                        : EXIT_UNAVAILABLE;
  }
  auto generated = bootstrapAdmin(**store, config->admin.token);
  if (!generated) {
    std::cerr << "fhir-gateway: cannot prepare the admin account: " << generated.error().message()
              << "\n";
    return EXIT_UNAVAILABLE;
  }
  if (*generated) {
    // Shown this once, on purpose outside the JSON log: it is a secret, not an event.
    std::cerr << "fhir-gateway: generated administrator token (shown once, stored hashed):\n  "
              << **generated << "\n";
  }
  Log::info("gateway.admin-token", {{"source", !config->admin.token.empty() ? "configuration"
                                               : *generated                 ? "generated-now"
                                                                            : "stored"}});

  StoreActivityHistory history(**store);
  rules::RuleEngine rules(config->rules, common::SystemClock::instance(), &history);

  // The one validator of the process (base R4 + FR Core), injected into the mapper and the
  // connectors; declared first so it outlives both.
  const fhir::Validator validator = fhir::makeFrCoreValidator();
  const mapping::FhirMapper mapper(validator);

  // Declared before everything that may use TLS, so it is torn down after all of them on every
  // return path.
  const SslLibrary ssl;
  // Connectors: options checked once (a bad one is a configuration error naming its key path),
  // then one queue per instance in the delivery engine.
  connectors::ConnectorRegistry registry;
  connectors::registerAll(registry);
  connectors::ConnectorContext connectorContext;
  connectorContext.validator = &validator;
  auto instances = connectors::createConnectors(registry, config->connectors, connectorContext);
  if (!instances) {
    std::cerr << "fhir-gateway: configuration error: " << instances.error().message() << "\n";
    return EXIT_CONFIG;
  }
  connectors::EngineOptions engineOptions;
  engineOptions.instanceId = config->storage.instanceId.empty()
                                 ? "gateway-" + Poco::Environment::nodeName()
                                 : config->storage.instanceId;
  engineOptions.lease = config->storage.deliveryLease;
  connectors::DeliveryEngine engine(**store, common::SystemClock::instance(), engineOptions);
  // The file's instances, then those administered through the API (kept in the store, their
  // secrets sealed): one that cannot be opened or no longer checks out is a configuration error
  // naming its id (exit 78; docs/connectors.md, Connector administration).
  ConnectorService connectorService(ConnectorService::Deps{
      **store, **store, registry, connectorContext, engine,
      config->secretBox ? &*config->secretBox : nullptr, config->shutdownGrace});
  if (common::Status s = connectorService.load(std::move(*instances)); !s.isOk()) {
    std::cerr << "fhir-gateway: configuration error: " << s.message() << "\n";
    return s.code() == common::StatusCode::kInvalidArgument ? EXIT_CONFIG : EXIT_UNAVAILABLE;
  }
  // Changes another instance sharing the store made to the API's connectors reach this one
  // within the interval (docs/connectors.md, "Several instances").
  std::jthread connectorSync([&connectorService, interval = config->storage.connectorSyncInterval](
                                 const std::stop_token& stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    // A store down for long: logged when it starts, every few minutes, and when it ends.
    common::OutageLog failures(common::SystemClock::instance());
    while (!wake.wait_for(lock, stop, interval, [&stop] { return stop.stop_requested(); })) {
      auto synced = connectorService.sync();
      if (!synced) {
        if (const std::int64_t count = failures.failed(); count > 0) {
          Log::warning("gateway.connector-sync-failed",
                       {{"code", common::statusCodeName(synced.error().code())},
                        {"reason", synced.error().message()},
                        {"failures", count}});
        }
      } else if (const std::int64_t count = failures.succeeded(); count > 0) {
        Log::info("gateway.connector-sync-recovered", {{"failures", count}});
      }
    }
  });
  GatewayMetrics metrics(store->get(), &engine);
  engine.setObserver(
      [&metrics](const connectors::AttemptReport& r) { metrics.attemptFinished(r); });
  if (common::Status s = engine.start(); !s.isOk()) {
    std::cerr << "fhir-gateway: cannot start the delivery engine: " << s.message() << "\n";
    return EXIT_UNAVAILABLE;
  }

  // Encryption at rest: the rotation runs only when an administrator asks for it.
  EncryptionRotation rotation(
      **store, config->storageKeys.get(),
      {config->storage.encryption.rotationBatchSize, config->storage.encryption.rotationPause});
  GatewayServer::Dependencies deps;
  deps.store = store->get();
  deps.rules = &rules;
  deps.mapper = &mapper;
  deps.routes = connectorService.routeProvider();
  deps.connectors = &connectorService;
  deps.metrics = &metrics;
  deps.rotation = &rotation;
  deps.deliveriesQueued = [&engine] { engine.wake(); };
  deps.connectorRunning = [&engine](std::string_view id) {
    const std::vector<std::string> ids = engine.connectorIds();
    return std::binary_search(ids.begin(), ids.end(), id);
  };
  deps.readiness = [&store, &engine] { return gatewayReadiness(**store, engine); };
  GatewayServer server(*config, std::move(deps));
  if (common::Status s = server.start(); !s.isOk()) {
    Log::error("gateway.start-failed", {{"reason", s.toString()}});
    std::cerr << "fhir-gateway: cannot start: " << s.message() << "\n";
    engine.stop(std::chrono::milliseconds(0));
    return s.code() == common::StatusCode::kInvalidArgument ? EXIT_CONFIG : EXIT_UNAVAILABLE;
  }
  // Store maintenance (retention) starts once requests can create idempotency entries.
  Housekeeper housekeeper(
      retentionTasks(**store, config->retention, config->storage.idempotencyPurgeInterval),
      {config->retention.batchSize, config->retention.batchPause},
      [&metrics](std::string_view task, std::int64_t count) {
        metrics.retentionPurged(task, count);
      });
  housekeeper.start();
  Log::info("gateway.started", {{"apiPort", static_cast<int>(server.apiPort())},
                                {"adminPort", static_cast<int>(server.adminPort())},
                                {"version", FHIRGW_VERSION}});

  waitForTerminationRequest();
  Log::info("gateway.stopping",
            {{"graceMs", static_cast<std::int64_t>(config->shutdownGrace.count())}});
  const bool drained = server.stop();
  housekeeper.stop();
  rotation.stop();  // between two batches: a rotation asked for again later resumes the work
  connectorSync.request_stop();
  connectorSync.join();  // a sync in progress ends before the engine stops
  // Listeners first (no new deliveries), then the engine finishes its attempts in progress.
  engine.stop(config->shutdownGrace);  // logs delivery.engine_stopped
  Log::info("gateway.shutdown-complete", {{"drained", drained}});
  return EXIT_OK;
}

}  // namespace fhirgw::gateway
