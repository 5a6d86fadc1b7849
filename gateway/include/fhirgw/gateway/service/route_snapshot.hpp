#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "fhirgw/connectors/routing.hpp"

namespace fhirgw::gateway {

/// The connector instances routing sees at one moment: immutable, replaced whole when an
/// administrator changes an instance, so a submission routes with one consistent set.
using RouteSnapshot = std::shared_ptr<const std::vector<connectors::ConnectorRoute>>;
/// Gives the current snapshot (read once per submission); never null.
using RouteProvider = std::function<RouteSnapshot()>;

/// A provider of a set that never changes (tests; the empty set when `routes` is empty).
RouteProvider fixedRoutes(std::vector<connectors::ConnectorRoute> routes);

}  // namespace fhirgw::gateway
