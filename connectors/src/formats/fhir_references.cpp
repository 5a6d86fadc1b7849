#include "fhir_references.hpp"

#include <cctype>
#include <memory>

#include "fhirgw/common/ids.hpp"
#include "fhirgw/xds/unique_ids.hpp"

namespace fhirgw::connectors::detail {

std::vector<std::string> collectReferences(const common::Json& resource) {
  std::vector<std::string> out;
  common::forEachObject(resource, [&](const common::Json& object) {
    const common::Json* ref = object.find("reference");
    if (ref != nullptr && ref->isString()) out.push_back(ref->text());
  });
  return out;
}

bool isUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : std::isxdigit(static_cast<unsigned char>(text[i])) == 0) {
      return false;
    }
  }
  return true;
}

std::string fullUrlFor(std::string_view resourceType, std::string_view resourceId) {
  return "urn:uuid:" + common::deterministicUuid({"fullUrl", resourceType, resourceId});
}

std::string identityUri(std::string_view resourceType, std::string_view resourceId) {
  if (isUuid(resourceId)) return "urn:uuid:" + std::string(resourceId);
  return "urn:uuid:" + common::deterministicUuid({"identity", resourceType, resourceId});
}

std::string uuidToOid(std::string_view uuid) {
  return std::string(xds::kDefaultUniqueIdRoot) + "." + xds::uuidToDecimal(uuid);
}

common::Result<std::vector<ParsedResource>> parsePayload(const DeliveryPayload& payload) {
  std::vector<ParsedResource> out;
  out.reserve(payload.resources.size());
  for (const PayloadResource& r : payload.resources) {
    std::shared_ptr<const common::Json> tree = r.tree;
    if (!tree) {
      auto json = common::Json::parse(r.json);
      if (json) tree = std::make_shared<const common::Json>(std::move(*json));
    }
    if (!tree || !tree->isObject()) {
      return common::invalidArgument("stored " + r.resourceType + "/" + r.resourceId +
                                     " is not a JSON object");
    }
    out.push_back({&r, std::move(tree), fullUrlFor(r.resourceType, r.resourceId)});
  }
  return out;
}

ResourceIndex::ResourceIndex(const std::vector<ParsedResource>& resources) : resources_(resources) {
  for (const ParsedResource& r : resources) {
    index_.add(r.source->resourceType, r.source->resourceId, r.fullUrl);
  }
}

int ResourceIndex::indexOf(std::string_view reference) const {
  const std::optional<std::size_t> i = index_.find(reference);
  return i ? static_cast<int>(*i) : -1;
}

const ParsedResource* ResourceIndex::resolve(std::string_view reference) const {
  const int i = indexOf(reference);
  return i < 0 ? nullptr : &resources_[static_cast<std::size_t>(i)];
}

std::string encodeSearchValue(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string escaped;
  for (char c : value) {
    // FHIR search escaping first (these characters separate values), then percent-encoding.
    if (c == '\\' || c == '|' || c == ',' || c == '$') escaped.push_back('\\');
    escaped.push_back(c);
  }
  std::string out;
  for (char c : escaped) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 15]);
    }
  }
  return out;
}

}  // namespace fhirgw::connectors::detail
