#include "fhirgw/connectors/engine/store_rows.hpp"

#include <string>

namespace fhirgw::connectors {

store::NewDelivery toNewDelivery(const RoutedDelivery& routed) {
  store::NewDelivery d;
  d.id = routed.id;
  d.documentId = routed.documentId;
  d.destination = std::string(destinationName(routed.destination));
  d.connectorId = routed.connectorId;
  d.status = routed.status == RoutedStatus::kSkipped ? store::DeliveryStatus::kSkipped
                                                     : store::DeliveryStatus::kPending;
  d.reason = routed.reason;
  d.target = routed.target;
  return d;
}

std::vector<store::NewDelivery> toNewDeliveries(const std::vector<RoutedDelivery>& routed) {
  std::vector<store::NewDelivery> out;
  out.reserve(routed.size());
  for (const RoutedDelivery& r : routed) out.push_back(toNewDelivery(r));
  return out;
}

store::ErrorClass toStoreErrorClass(ErrorClass errorClass) {
  return errorClass == ErrorClass::kPermanent ? store::ErrorClass::kPermanent
                                              : store::ErrorClass::kTransient;
}

}  // namespace fhirgw::connectors
