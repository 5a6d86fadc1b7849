#include "xml_support.hpp"

#include <libxml/parser.h>

#include <climits>
#include <mutex>

namespace fhirgw::xds::detail {

void initLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

ParsedXml parseUntrusted(std::string_view bytes, std::size_t maxBytes) {
  if (bytes.empty() || bytes.size() > maxBytes || bytes.size() > INT_MAX) return nullptr;
  // No DTD at all: nothing legitimate here needs one, and it closes entity expansion.
  if (bytes.find("<!DOCTYPE") != std::string_view::npos) return nullptr;
  initLibxml();
  ParsedXml doc(xmlReadMemory(bytes.data(), static_cast<int>(bytes.size()), nullptr, nullptr,
                              XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (doc != nullptr && (doc->intSubset != nullptr || doc->extSubset != nullptr)) return nullptr;
  return doc;
}

bool isElement(const xmlNode* node, std::string_view ns, std::string_view local) {
  return node != nullptr && node->type == XML_ELEMENT_NODE && node->ns != nullptr &&
         textOf(node->ns->href) == ns && textOf(node->name) == local;
}

xmlNodePtr childElement(const xmlNode* parent, std::string_view ns, std::string_view local) {
  if (parent == nullptr) return nullptr;
  for (xmlNodePtr child = parent->children; child != nullptr; child = child->next) {
    if (isElement(child, ns, local)) return child;
  }
  return nullptr;
}

xmlNodePtr firstChildElement(const xmlNode* parent) {
  if (parent == nullptr) return nullptr;
  for (xmlNodePtr child = parent->children; child != nullptr; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) return child;
  }
  return nullptr;
}

}  // namespace fhirgw::xds::detail
