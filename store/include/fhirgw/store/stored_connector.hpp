#pragma once

#include <string>

#include "fhirgw/common/clock.hpp"

namespace fhirgw::store {

/// A connector instance defined through the admin API, as stored. The store keeps `config` as
/// opaque JSON: the connectors module parses and checks it (and the admin API hides secrets).
struct StoredConnector {
  std::string id;
  std::string type;    ///< "file", "fhir-rest", "mhd", ...
  std::string config;  ///< JSON object: routes, retry policy, type options
  bool enabled = true;
  common::TimePoint createdAt;
  common::TimePoint updatedAt;
};

/// A connector instance to create or replace; the times come from the store's clock.
struct NewStoredConnector {
  std::string id;
  std::string type;
  std::string config;
  bool enabled = true;
};

}  // namespace fhirgw::store
