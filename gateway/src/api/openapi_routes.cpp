// GET <prefix>/openapi.json, <prefix>/docs and <prefix>/docs.js on each listener.
#include "fhirgw/gateway/api/openapi_routes.hpp"

#include "fhirgw/gateway/api/openapi_assets.hpp"

namespace fhirgw::gateway {
namespace {

// No inline script or style, nothing from another origin, no framing, no form posts.
constexpr std::string_view kPagePolicy =
    "default-src 'none'; script-src 'self'; connect-src 'self'; img-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

void sendStatic(Exchange& ex, std::string_view contentType, std::string_view body) {
  ex.setHeader("X-Content-Type-Options", "nosniff");
  ex.send(200, contentType, body);
}

}  // namespace

void registerOpenApiRoutes(Router& router, const std::string& prefix, std::string_view document) {
  router.add("GET", prefix + "/openapi.json", RoutePolicy::open(),
             [document](Exchange& ex) { sendStatic(ex, kJson, document); });
  router.add("GET", prefix + "/docs", RoutePolicy::open(), [](Exchange& ex) {
    ex.setHeader("Content-Security-Policy", std::string(kPagePolicy));
    ex.setHeader("Referrer-Policy", "no-referrer");
    sendStatic(ex, "text/html; charset=utf-8", openapi::referencePage());
  });
  router.add("GET", prefix + "/docs.js", RoutePolicy::open(), [](Exchange& ex) {
    sendStatic(ex, "text/javascript; charset=utf-8", openapi::referenceScript());
  });
}

}  // namespace fhirgw::gateway
