#pragma once

#include "fhirgw/common/status.hpp"
#include "fhirgw/connectors/engine/delivery_engine.hpp"
#include "fhirgw/store/store.hpp"

namespace fhirgw::gateway {

/// What GET /health/ready answers: ok when the delivery engine runs and the store answers and
/// takes writes; otherwise kUnavailable (503) saying which is not working.
common::Status gatewayReadiness(const store::Store& store,
                                const connectors::DeliveryEngine& engine);

}  // namespace fhirgw::gateway
