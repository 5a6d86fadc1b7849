#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/connector_config.hpp"
#include "fhirgw/connectors/routing.hpp"

namespace fhirgw::fhir {
class Validator;
}

namespace fhirgw::connectors {

/// What connectors may use besides their options. Everything must outlive the connectors.
struct ConnectorContext {
  const common::Clock* clock = &common::SystemClock::instance();
  /// When set, FHIR bundles are validated before they are sent; a bundle that fails is a
  /// permanent error (the gateway must not emit invalid FHIR).
  const fhir::Validator* validator = nullptr;
};

/// Builds connectors of one type: parses and checks the type's options once.
class ConnectorFactory {
 public:
  virtual ~ConnectorFactory() = default;
  /// The type name this factory builds.
  virtual std::string_view type() const = 0;
  /// A connector for the instance; kInvalidArgument naming every bad option by its full path
  /// (instance.path + ".options.<key>").
  virtual common::Result<std::unique_ptr<Connector>> create(
      const ConnectorInstanceConfig& instance, const ConnectorContext& context) const = 0;
  /// Option keys (paths under `options`, e.g. "bearerToken", "oauth2.clientSecret") whose
  /// values are secrets: never returned by the admin API, never logged, sealed at rest
  /// (secret_options.hpp).
  virtual std::vector<std::string> secretOptionKeys() const { return {}; }
};

/// The connector types known to the gateway, by name.
class ConnectorRegistry {
 public:
  /// Adds a factory; a second one for the same type replaces the first.
  void add(std::unique_ptr<ConnectorFactory> factory);
  /// Adds a default-constructed factory of type F: one line per connector type.
  template <class F>
  void add() {
    add(std::make_unique<F>());
  }
  /// The factory of a type, or nullptr.
  const ConnectorFactory* find(std::string_view type) const;
  /// The registered type names, sorted.
  std::vector<std::string> types() const;
  /// Creates the instance's connector; kInvalidArgument for an unknown type or bad options.
  common::Result<std::unique_ptr<Connector>> create(const ConnectorInstanceConfig& instance,
                                                    const ConnectorContext& context) const;

 private:
  std::map<std::string, std::unique_ptr<ConnectorFactory>, std::less<>> factories_;
};

/// Registers every built-in connector type, one line each: file, fhir-rest, mhd. Called once at
/// start-up.
void registerAll(ConnectorRegistry& registry);

/// A configured instance with its connector, ready for the engine and routing.
struct ConnectorInstance {
  ConnectorInstanceConfig config;
  std::shared_ptr<Connector> connector;
};

/// Creates every instance, disabled ones included (their options are checked too). All problems
/// are reported together (kInvalidArgument naming each key path: exit 78 at start-up).
common::Result<std::vector<ConnectorInstance>> createConnectors(
    const ConnectorRegistry& registry, const std::vector<ConnectorInstanceConfig>& configs,
    const ConnectorContext& context);

/// What routing needs to know about the instances (disabled ones included, marked so).
std::vector<ConnectorRoute> routesOf(const std::vector<ConnectorInstance>& instances);

}  // namespace fhirgw::connectors
