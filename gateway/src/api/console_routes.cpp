// GET /console/ and its files on the admin listener (issue 17).
#include "fhirgw/gateway/api/console_routes.hpp"

#include <string>
#include <string_view>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/gateway/api/console_assets.hpp"

namespace fhirgw::gateway {
namespace {

// This origin's script, style, images and fetches only; no inline script or style, no plugin, no
// framing, no form posts, no <base>. Trusted Types with no policy at all: any assignment of a
// string to innerHTML (or another HTML sink) throws, so data can only ever become text.
constexpr std::string_view kConsolePolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; "
    "require-trusted-types-for 'script'; trusted-types 'none'";

/// One file of the console with its validator, computed once from the embedded bytes.
struct Asset {
  std::string_view contentType;
  std::string_view body;
  std::string etag;
};

Asset asset(std::string_view contentType, std::string_view body) {
  return {contentType, body, "\"" + common::sha256Hex(body).substr(0, 32) + "\""};
}

// If-None-Match lists entity tags (or "*"); the comparison is weak (a W/ prefix is ignored).
bool matches(const std::string& ifNoneMatch, const std::string& etag) {
  std::string_view rest = ifNoneMatch;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    std::string_view tag = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
  }
  return false;
}

void serve(Exchange& ex, const Asset& file) {
  ex.setHeader("Content-Security-Policy", std::string(kConsolePolicy));
  ex.setHeader("X-Content-Type-Options", "nosniff");
  ex.setHeader("Referrer-Policy", "no-referrer");
  ex.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  ex.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  // Kept by the browser but checked on every use: a new gateway version is never hidden behind
  // a stale script, and an unchanged file costs a 304 without a body.
  ex.setHeader("Cache-Control", "no-cache");
  ex.setHeader("ETag", file.etag);
  if (matches(ex.header("If-None-Match"), file.etag)) {
    ex.send(304, file.contentType, {});
    return;
  }
  ex.send(200, file.contentType, file.body);
}

}  // namespace

void registerConsoleRoutes(Router& router) {
  // The console lives under /console/ so that its relative URLs (console.js, ...) resolve there.
  router.add("GET", "/console", RoutePolicy::open(), [](Exchange& ex) {
    ex.setHeader("Location", "/console/");
    ex.send(308, "text/plain; charset=utf-8", "/console/\n");
  });
  struct Route {
    std::string_view path;
    Asset file;
  };
  const Route routes[] = {
      {"/console/", asset("text/html; charset=utf-8", console::page())},
      {"/console/console.js", asset("text/javascript; charset=utf-8", console::script())},
      {"/console/console.css", asset("text/css; charset=utf-8", console::style())},
      {"/console/favicon.svg", asset("image/svg+xml", console::icon())},
  };
  for (const Route& route : routes) {
    router.add("GET", std::string(route.path), RoutePolicy::open(),
               [file = route.file](Exchange& ex) { serve(ex, file); });
  }
}

}  // namespace fhirgw::gateway
