#include "fhirgw/connectors/engine/payload_builder.hpp"

#include "fhirgw/common/status.hpp"

namespace fhirgw::connectors {

common::Result<DeliveryPayload> makeDeliveryPayload(const store::Delivery& delivery,
                                                    const std::vector<store::FhirResource>& stored,
                                                    ParsedResourceCache* cache) {
  DeliveryPayload payload;
  payload.deliveryId = delivery.id;
  payload.recordId = delivery.recordId;
  payload.documentId = delivery.documentId;
  payload.destination = delivery.destination;
  payload.target = delivery.target;
  payload.attempt = delivery.attempts + 1;
  payload.createdAt = delivery.createdAt;
  std::vector<PayloadResource> resources;
  resources.reserve(stored.size());
  for (const store::FhirResource& r : stored) {
    if (r.recordId != delivery.recordId) continue;
    resources.push_back({r.resourceType, r.resourceId, r.documentId, r.json});
  }
  FHIRGW_RETURN_IF_ERROR(addPayloadResources(payload, resources, cache));
  return payload;
}

}  // namespace fhirgw::connectors
