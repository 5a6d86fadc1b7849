#include "fhirgw/gateway/readiness.hpp"

namespace fhirgw::gateway {

common::Status gatewayReadiness(const store::Store& store,
                                const connectors::DeliveryEngine& engine) {
  if (!engine.running()) return common::unavailable("the delivery engine is not running");
  if (common::Status s = store.ping(); !s.isOk()) {
    return common::unavailable("the store is not working: " + s.message());
  }
  return common::Status::ok();
}

}  // namespace fhirgw::gateway
