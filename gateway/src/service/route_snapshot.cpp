#include "fhirgw/gateway/service/route_snapshot.hpp"

#include <utility>

namespace fhirgw::gateway {

RouteProvider fixedRoutes(std::vector<connectors::ConnectorRoute> routes) {
  RouteSnapshot snapshot =
      std::make_shared<const std::vector<connectors::ConnectorRoute>>(std::move(routes));
  return [snapshot] { return snapshot; };
}

}  // namespace fhirgw::gateway
