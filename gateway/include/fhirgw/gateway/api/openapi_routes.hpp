#pragma once

#include <string>
#include <string_view>

#include "fhirgw/gateway/router.hpp"

namespace fhirgw::gateway {

/// Serves a listener's OpenAPI document at <prefix>/openapi.json and its reference page at
/// <prefix>/docs (with <prefix>/docs.js), all without a credential: they describe the interface,
/// never data. The page's Content-Security-Policy allows this origin's script and fetches only.
void registerOpenApiRoutes(Router& router, const std::string& prefix, std::string_view document);

}  // namespace fhirgw::gateway
