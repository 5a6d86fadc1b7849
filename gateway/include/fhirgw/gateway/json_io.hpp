#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <string_view>

#include "fhirgw/common/json.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/gateway/api/views.hpp"
#include "fhirgw/gateway/exchange.hpp"

namespace fhirgw::gateway {

/// Reads a request body that must be a JSON object: 415 when the content type is not
/// application/json (or application/fhir+json when acceptFhirJson), 413 over maxBodyBytes, 400
/// when it is not JSON within the limits or not an object. Answers itself and returns nullopt
/// on any of those.
std::optional<common::JsonDocument> readJsonObjectBody(Exchange& ex, std::size_t maxBodyBytes,
                                                       const common::JsonLimits& limits,
                                                       bool acceptFhirJson = false);

/// The same reading and answers, into the ordered tree (for a body read by common::FieldReader).
std::optional<common::Json> readJsonObjectTree(Exchange& ex, std::size_t maxBodyBytes,
                                               const common::JsonLimits& limits,
                                               bool acceptFhirJson = false);

}  // namespace fhirgw::gateway
