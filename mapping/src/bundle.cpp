// Bundle (type collection) of mapped resources, for GET .../fhir and $validate dry runs.
#include "fhirgw/fhir/bundle.hpp"

#include <optional>

#include "fhirgw/common/json.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/fhir/reference.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"

namespace fhirgw::mapping {
namespace {

using common::Json;

// Rewrites reference strings ("reference" and Attachment "url" values) that name an entry of the
// bundle to that entry's fullUrl; the resource is passed through without building a tree.
common::Result<std::string> withEntryReferences(std::string_view json,
                                                const fhir::ReferenceIndex& entries) {
  return common::rewriteJsonStrings(json,
                                    [&entries](std::string_view member, std::string_view text) {
                                      std::optional<std::string> out;
                                      if (member != "reference" && member != "url") return out;
                                      if (const auto entry = entries.find(text))
                                        out = entries.fullUrl(*entry);
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
  fhir::ReferenceIndex entries;
  if (urnMode) {
    for (const MappedResource& r : resources) entries.add(r.resourceType, r.id, "urn:uuid:" + r.id);
  }

  fhir::BundleWriter bundle("collection");
  if (!options.id.empty()) bundle.id(options.id);
  if (options.timestamp) bundle.timestamp(common::formatInstantUtc(*options.timestamp));
  bundle.reserve(resources.size());
  for (const MappedResource& r : resources) {
    if (!looksLikeObject(r.json)) {
      return common::invalidArgument(r.reference() + " is not a JSON object");
    }
    // Serialised JSON, unread or rewritten: the resources go in as raw fragments.
    Json resource;
    if (urnMode) {
      auto rewritten = withEntryReferences(r.json, entries);
      if (!rewritten) return common::invalidArgument(r.reference() + " is not valid JSON");
      resource = Json::raw(std::move(rewritten).value());
    } else {
      // Relative references resolve against the fullUrl base: the stored JSON goes in as is.
      resource = Json::raw(r.json);
    }
    bundle.add(urnMode ? "urn:uuid:" + r.id : base + "/" + r.reference(), std::move(resource));
  }
  return bundle.take();
}

common::Result<std::string> makeBundle(std::span<const MappedResource> resources,
                                       const BundleOptions& options) {
  auto bundle = makeBundleJson(resources, options);
  if (!bundle) return bundle.error();
  return bundle->serialize();
}

}  // namespace fhirgw::mapping
