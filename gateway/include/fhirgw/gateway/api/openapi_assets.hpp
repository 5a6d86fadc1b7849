#pragma once

#include <string_view>

/// The OpenAPI documents of gateway/openapi/ and their reference page, built into the binary by
/// cmake/EmbedText.cmake (no file is read at run time).
namespace fhirgw::gateway::openapi {

/// gateway/openapi/editor.json: the OpenAPI 3.1 document of the API listener.
std::string_view editorDocument();
/// gateway/openapi/admin.json: the OpenAPI 3.1 document of the admin listener.
std::string_view adminDocument();
/// gateway/openapi/reference.html: the reference page (no inline script).
std::string_view referencePage();
/// gateway/openapi/reference.js: renders the document next to the page into it.
std::string_view referenceScript();

}  // namespace fhirgw::gateway::openapi
