// Bundle (type collection) of mapped resources, for GET .../fhir and $validate dry runs.
#include <unordered_map>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/mappings/fhir_mapper.hpp"

namespace fhirgw::mappings {
namespace {

using common::Json;
using Rewrites = std::unordered_map<std::string, std::string>;

// Replaces reference strings ("reference" and Attachment "url" values) that name an entry of the
// bundle by that entry's fullUrl.
void rewriteReferences(Json& resource, const Rewrites& rewrites) {
  common::forEachObject(resource, [&rewrites](Json& object) {
    for (common::JsonMember& m : object.members()) {
      if ((m.key != "reference" && m.key != "url") || !m.value.isString()) continue;
      if (const auto it = rewrites.find(m.value.text()); it != rewrites.end()) {
        m.value = Json::string(it->second);
      }
    }
  });
}

bool looksLikeObject(std::string_view json) {
  const auto first = json.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && json[first] == '{';
}

}  // namespace

common::Result<Json> makeBundleJson(std::span<const MappedResource> resources,
                                    const BundleOptions& options) {
  const bool urnMode = options.fullUrlBase.empty();
  std::string base = options.fullUrlBase;
  while (!base.empty() && base.back() == '/') base.pop_back();
  Rewrites rewrites;
  if (urnMode) {
    for (const MappedResource& r : resources) rewrites[r.reference()] = "urn:uuid:" + r.id;
  }

  Json bundle = Json::object().set("resourceType", "Bundle");
  if (!options.id.empty()) bundle.set("id", options.id);
  bundle.set("type", "collection");
  if (options.timestamp) bundle.set("timestamp", common::formatInstantUtc(*options.timestamp));
  if (resources.empty()) return bundle;
  Json entries = Json::array();
  entries.items().reserve(resources.size());
  for (const MappedResource& r : resources) {
    if (!looksLikeObject(r.json)) {
      return common::invalidArgument(r.reference() + " is not a JSON object");
    }
    Json resource;
    if (urnMode) {
      auto parsed = Json::parse(r.json);
      if (!parsed) return common::invalidArgument(r.reference() + " is not valid JSON");
      resource = std::move(parsed).value();
      rewriteReferences(resource, rewrites);
    } else {
      // Relative references resolve against the fullUrl base: the stored JSON goes in as is,
      // unread.
      resource = Json::raw(r.json);
    }
    entries.push(Json::object()
                     .set("fullUrl", urnMode ? "urn:uuid:" + r.id : base + "/" + r.reference())
                     .set("resource", std::move(resource)));
  }
  bundle.set("entry", std::move(entries));
  return bundle;
}

common::Result<std::string> makeBundle(std::span<const MappedResource> resources,
                                       const BundleOptions& options) {
  auto bundle = makeBundleJson(resources, options);
  if (!bundle) return bundle.error();
  return bundle->serialize();
}

}  // namespace fhirgw::mappings
