#pragma once

// libxml2 plumbing shared by the xds writers and parsers.

#include <libxml/tree.h>

#include <memory>
#include <string_view>

namespace fhirgw::xds::detail {

/// libxml2's parser initialised once per process, before threads use it.
void initLibxml();

/// A C string as libxml2's character type.
inline const xmlChar* xmlText(const char* text) { return reinterpret_cast<const xmlChar*>(text); }

/// The text of a libxml2 string (empty for nullptr).
inline std::string_view textOf(const xmlChar* text) {
  return text == nullptr ? std::string_view()
                         : std::string_view(reinterpret_cast<const char*>(text));
}

struct ParsedXmlDeleter {
  void operator()(xmlDocPtr doc) const { xmlFreeDoc(doc); }
};
using ParsedXml = std::unique_ptr<xmlDoc, ParsedXmlDeleter>;

/// Parses bytes from outside: no network, no entity substitution, no DTD (a document that
/// contains `<!DOCTYPE` is refused before parsing), no messages on stderr, libxml2's default
/// depth and size limits. nullptr when not well-formed, refused, or larger than `maxBytes`.
ParsedXml parseUntrusted(std::string_view bytes, std::size_t maxBytes);

/// True when the node is an element named `local` in namespace `ns`.
bool isElement(const xmlNode* node, std::string_view ns, std::string_view local);

/// The first child element of `parent` named `local` in `ns`, or nullptr.
xmlNodePtr childElement(const xmlNode* parent, std::string_view ns, std::string_view local);

/// The first child element of `parent`, whatever its name, or nullptr.
xmlNodePtr firstChildElement(const xmlNode* parent);

}  // namespace fhirgw::xds::detail
