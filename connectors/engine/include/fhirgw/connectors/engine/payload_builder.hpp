#pragma once

#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/connectors/delivery_payload.hpp"
#include "fhirgw/store/delivery.hpp"
#include "fhirgw/store/record.hpp"

namespace fhirgw::connectors {

/// Builds the payload of a claimed delivery from its record's stored resources (latest
/// versions): the delivery's identity, and what addPayloadResources() selects among the rows of
/// its record (rows of another record are ignored). kInvalidArgument when a selected resource is
/// not valid JSON (a permanent failure). With a cache (one per claim), the resources parsed for
/// an earlier delivery of the same record are not parsed again (addPayloadResources).
common::Result<DeliveryPayload> makeDeliveryPayload(const store::Delivery& delivery,
                                                    const std::vector<store::FhirResource>& stored,
                                                    ParsedResourceCache* cache = nullptr);

}  // namespace fhirgw::connectors
