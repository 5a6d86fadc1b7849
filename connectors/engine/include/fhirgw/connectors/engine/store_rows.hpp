#pragma once

// The connectors' types and the store's rows, converted in one place: connectors, routing and
// payloads know nothing of the store; the engine (and the gateway committing a submission) goes
// through these.

#include <vector>

#include "fhirgw/connectors/connector.hpp"
#include "fhirgw/connectors/routing.hpp"
#include "fhirgw/store/delivery.hpp"
#include "fhirgw/store/submission.hpp"

namespace fhirgw::connectors {

/// The queue row of a routed delivery (pending or skipped), for Submission::deliveries.
store::NewDelivery toNewDelivery(const RoutedDelivery& routed);
/// toNewDelivery() of each, in order.
std::vector<store::NewDelivery> toNewDeliveries(const std::vector<RoutedDelivery>& routed);

/// The store's error class of a connector's.
store::ErrorClass toStoreErrorClass(ErrorClass errorClass);

}  // namespace fhirgw::connectors
