#pragma once

// Private to the store: the checks of a role's arguments that do not depend on the engine, for
// the SQLite and PostgreSQL implementations alike (each adds its own, such as NUL characters).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fhirgw/common/status.hpp"
#include "fhirgw/store/connector_store.hpp"

namespace fhirgw::store::detail {

/// A practitioner's activity declaration: an rpps, a total that is not negative, a cap in 0-100.
inline common::Status checkActivityDeclaration(std::string_view rpps, std::int64_t totalActs,
                                               std::optional<int> capPercent) {
  if (rpps.empty() || totalActs < 0) {
    return common::invalidArgument("activity: empty rpps or negative total");
  }
  if (capPercent && (*capPercent < 0 || *capPercent > 100)) {
    return common::invalidArgument("activity: cap percent outside 0-100");
  }
  return common::Status::ok();
}

/// A connector row to write: id, type and instance all given.
inline common::Status checkConnectorRowFilled(const ConnectorRow& row) {
  if (row.id.empty() || row.type.empty() || row.instanceJson.empty()) {
    return common::invalidArgument("connector: id, type or instance is empty");
  }
  return common::Status::ok();
}

/// The refusal of a change made against another version than the stored one.
inline common::Status staleConnectorVersion(const StoredConnector& stored,
                                            std::int64_t expectedVersion) {
  return common::aborted("connector " + stored.id + " is at version " +
                         std::to_string(stored.version) + ", not " +
                         std::to_string(expectedVersion));
}

}  // namespace fhirgw::store::detail
