#include "memory_type/memory_connector.hpp"

namespace fhirgw::connectors::testsupport {

DeliveryResult MemoryConnector::deliver(const DeliveryPayload& payload, std::stop_token) {
  std::lock_guard lock(mutex_);
  if (attempts_++ < options_.failFirst) return DeliveryResult::transient("memory: told to fail");
  MemoryDelivery d{options_.label, payload.deliveryId, {}};
  for (const PayloadResource& r : payload.resources) d.resourceTypes.push_back(r.resourceType);
  delivered_.push_back(std::move(d));
  return DeliveryResult::success();
}

std::vector<MemoryDelivery> MemoryConnector::delivered() const {
  std::lock_guard lock(mutex_);
  return delivered_;
}

void MemoryConnectorFactory::readOptions(OptionsReader& r, MemoryConnectorOptions& out) const {
  if (auto label = r.string("label", /*required=*/true)) {
    if (label->empty()) r.error("label", "must not be empty");
    out.label = *label;
  }
  if (auto n = r.integer("failFirst", 0, 10)) out.failFirst = static_cast<int>(*n);
}

common::Result<std::unique_ptr<MemoryConnector>> MemoryConnectorFactory::createTyped(
    MemoryConnectorOptions options, const ConnectorContext&) const {
  return std::make_unique<MemoryConnector>(std::move(options));
}

}  // namespace fhirgw::connectors::testsupport
