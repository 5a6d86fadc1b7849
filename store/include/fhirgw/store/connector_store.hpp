#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"

namespace fhirgw::store {

/// A connector instance administered through the admin API, as the caller gives it to be stored.
struct ConnectorRow {
  std::string id;
  std::string type;
  bool enabled = true;
  /// The instance object (one element of the configuration's `connectors` array) as JSON text,
  /// every secret option replaced by its sealed text: never a secret in clear.
  std::string instanceJson;
  std::string updatedBy;  ///< the administrator's client id ("admin:<id>")
};

/// A stored API-managed connector instance.
struct StoredConnector {
  std::string id;
  std::string type;
  bool enabled = true;
  std::string instanceJson;
  std::int64_t version = 1;  ///< 1 at creation, +1 per update (optimistic concurrency)
  common::TimePoint createdAt;
  common::TimePoint updatedAt;
  std::string updatedBy;
};

/// The connector instances created through the admin API (those of the configuration file are
/// not stored). Stale versions are kAborted, so the API answers 409.
class ConnectorStore {
 public:
  virtual ~ConnectorStore() = default;

  /// Every stored instance, by id.
  virtual common::Result<std::vector<StoredConnector>> listConnectors() const = 0;
  /// One instance; kNotFound if unknown.
  virtual common::Result<StoredConnector> getConnector(std::string_view id) const = 0;
  /// Stores a new instance at version 1; kAlreadyExists when the id is taken.
  virtual common::Result<StoredConnector> insertConnector(const ConnectorRow& row) = 0;
  /// Replaces an instance whose version is still `expectedVersion` and bumps its version;
  /// kNotFound if unknown, kAborted when the version moved on.
  virtual common::Result<StoredConnector> updateConnector(const ConnectorRow& row,
                                                          std::int64_t expectedVersion) = 0;
  /// Deletes an instance whose version is still `expectedVersion` (0: whatever its version);
  /// kNotFound if unknown, kAborted when the version moved on.
  virtual common::Status deleteConnector(std::string_view id, std::int64_t expectedVersion) = 0;
};

}  // namespace fhirgw::store
