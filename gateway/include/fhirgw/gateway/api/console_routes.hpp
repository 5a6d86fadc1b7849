#pragma once

#include "fhirgw/gateway/router.hpp"

namespace fhirgw::gateway {

/// Serves the admin console's static files at /console/ (and /console, redirected there), without
/// a credential: they hold no data. Every figure the console shows comes from the documented
/// admin API, called by the browser with the administrator's token as a header. Each file answers
/// with a strict Content-Security-Policy (this origin's script, style and fetches only, Trusted
/// Types required), `Cache-Control: no-cache` and a strong ETag (304 when it matches).
void registerConsoleRoutes(Router& router);

}  // namespace fhirgw::gateway
