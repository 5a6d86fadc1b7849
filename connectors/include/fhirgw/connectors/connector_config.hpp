#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/delivery_policy.hpp"
#include "fhirgw/connectors/destination.hpp"

namespace fhirgw::connectors {

/// One configured connector instance, checked and immutable (docs/connectors.md). The options of
/// its type stay JSON text here: the type's factory parses and checks them once, at creation.
struct ConnectorInstanceConfig {
  std::string id;    ///< [a-z0-9_-]{1,64}: it names the instance's queue and appears in logs
  std::string type;  ///< "file", "fhir-rest", "mhd"
  bool enabled = true;
  std::vector<Destination> routes;  ///< destinations this instance receives
  RetryPolicy retry;
  CircuitBreakerOptions circuitBreaker;
  int workers = 1;                 ///< concurrent attempts of this instance
  std::string optionsJson = "{}";  ///< the `options` object, as JSON text
  std::string path;                ///< key path for messages ("connectors[0]")
};

/// Parses one instance object at `path` ("connectors[0]"): id, type, enabled, routes, workers,
/// retry, circuitBreaker, options. Unknown keys and wrong types are errors naming the full key
/// path (kInvalidArgument listing every problem).
common::Result<ConnectorInstanceConfig> parseConnectorInstance(const common::Json& value,
                                                               std::string path);
/// Parses an array of instances (the `connectors` configuration key, handed over as the
/// configuration's own tree); ids must be unique. (Not an overload of the text version: a string
/// converts to a Json string.)
common::Result<std::vector<ConnectorInstanceConfig>> parseConnectorInstanceList(
    const common::Json& array, const std::string& path = "connectors");
/// parseConnectorInstanceList() of JSON text.
common::Result<std::vector<ConnectorInstanceConfig>> parseConnectorInstances(
    std::string_view jsonText, const std::string& path = "connectors");

}  // namespace fhirgw::connectors
