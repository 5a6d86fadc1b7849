#pragma once

#include <string_view>

/// The admin console's static files, bundled by gateway/console/build.mjs (esbuild, the npm
/// packages pinned in gateway/console/package-lock.json) and built into the binary by
/// cmake/EmbedText.cmake (no file is read at run time).
namespace fhirgw::gateway::console {

/// gateway/console/index.html: the console's one page (no inline script or style).
std::string_view page();
/// console.js: the bundled script (our src/ with Preact, htm and uPlot).
std::string_view script();
/// console.css: the bundled style sheet (our src/console.css with uPlot's).
std::string_view style();
/// gateway/console/favicon.svg.
std::string_view icon();

}  // namespace fhirgw::gateway::console
