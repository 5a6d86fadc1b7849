#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string_view>

#include "fhirgw/common/json.hpp"
#include "fhirgw/gateway/exchange.hpp"
#include "fhirgw/store/delivery.hpp"

namespace fhirgw::gateway {

/// A JSON string value copied into the allocator.
rapidjson::Value jsonString(std::string_view s, rapidjson::Document::AllocatorType& a);

/// Reads a request body that must be a JSON object: 415 when the content type is not
/// application/json (or application/fhir+json when acceptFhirJson), 413 over maxBodyBytes, 400
/// when it is not JSON within the limits or not an object. Answers itself and returns nullopt
/// on any of those.
std::optional<common::JsonDocument> readJsonObjectBody(Exchange& ex, std::size_t maxBodyBytes,
                                                       const common::JsonLimits& limits,
                                                       bool acceptFhirJson = false);

/// A stored delivery as the status and admin endpoints show it (no health data in it).
rapidjson::Value deliveryJson(const store::Delivery& d, rapidjson::Document::AllocatorType& a);

}  // namespace fhirgw::gateway
