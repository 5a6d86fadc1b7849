// Bundle (type collection) of mapped resources, for GET .../fhir and $validate dry runs.
#include <optional>
#include <unordered_map>

#include "fhirgw/common/json.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"

namespace fhirgw::mapping {
namespace {

using common::Json;
using Rewrites = std::unordered_map<std::string, std::string>;

// Rewrites reference strings ("reference" and Attachment "url" values) that name an entry of the
// bundle to that entry's fullUrl; the resource is passed through without building a tree.
common::Result<std::string> withEntryReferences(std::string_view json, const Rewrites& rewrites) {
  return common::rewriteJsonStrings(
      json, [&rewrites](std::string_view member, std::string_view text) {
        std::optional<std::string> out;
        if (member != "reference" && member != "url") return out;
        if (const auto it = rewrites.find(std::string(text)); it != rewrites.end()) {
          out = it->second;
        }
        return out;
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
    // Serialised JSON, unread or rewritten: the resources go in as raw fragments.
    Json resource;
    if (urnMode) {
      auto rewritten = withEntryReferences(r.json, rewrites);
      if (!rewritten) return common::invalidArgument(r.reference() + " is not valid JSON");
      resource = Json::raw(std::move(rewritten).value());
    } else {
      // Relative references resolve against the fullUrl base: the stored JSON goes in as is.
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

}  // namespace fhirgw::mapping
