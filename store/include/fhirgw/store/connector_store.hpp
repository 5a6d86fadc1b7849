#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/store/stored_connector.hpp"

namespace fhirgw::store {

/// Connector instances kept in the store (for the live connector administration to come).
class ConnectorStore {
 public:
  virtual ~ConnectorStore() = default;

  /// Adds a connector; kAlreadyExists when the id is taken.
  virtual common::Status createConnector(const NewStoredConnector& connector) = 0;
  /// Replaces a connector's type, config and enabled flag; kNotFound when unknown.
  virtual common::Status updateConnector(const NewStoredConnector& connector) = 0;
  /// Deletes a connector (its deliveries stay); kNotFound when unknown.
  virtual common::Status deleteConnector(std::string_view connectorId) = 0;
  /// One connector.
  virtual common::Result<StoredConnector> getConnector(std::string_view connectorId) const = 0;
  /// All connectors, by id.
  virtual common::Result<std::vector<StoredConnector>> listConnectors() const = 0;
};

}  // namespace fhirgw::store
