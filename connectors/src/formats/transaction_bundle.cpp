#include "fhirgw/connectors/formats/transaction_bundle.hpp"

#include <optional>
#include <string_view>

#include "fhir_references.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/fhir/bundle.hpp"
#include "fhirgw/fhir/r4_elements.hpp"

namespace fhirgw::connectors {
namespace {

using common::Json;
using detail::ParsedResource;

// The first identifier with both a system and a value, as "system|value" search text.
std::optional<std::string> identifierQuery(const Json& resource) {
  const auto usable = [](const Json& id) -> std::optional<std::string> {
    const std::string system = id.stringAt("system");
    const std::string value = id.stringAt("value");
    if (system.empty() || value.empty()) return std::nullopt;
    return "identifier=" + detail::encodeSearchValue(system) + "|" +
           detail::encodeSearchValue(value);
  };
  if (const Json* ids = resource.find("identifier")) {
    if (ids->isObject()) return usable(*ids);
    for (const Json& id : ids->items()) {
      if (auto q = usable(id)) return q;
    }
  }
  // DocumentReference: the identifier search parameter covers masterIdentifier as well.
  if (const Json* master = resource.find("masterIdentifier")) return usable(*master);
  return std::nullopt;
}

Json gatewayIdentifier(const ParsedResource& r) {
  Json id = Json::object();
  id.set("system", Json::string("urn:ietf:rfc:3986"));
  id.set("value", Json::string(detail::identityUri(r.source->resourceType, r.source->resourceId)));
  return id;
}

// Replaces a DocumentReference's attachment URLs that point at payload Binaries by the data.
void inlineBinaries(Json& documentReference, const detail::ResourceIndex& index,
                    std::vector<bool>& inlined, const std::vector<ParsedResource>& all) {
  Json* content = documentReference.find("content");
  if (content == nullptr) return;
  for (Json& c : content->items()) {
    Json* attachment = c.find("attachment");
    if (attachment == nullptr) continue;
    const std::string url = attachment->stringAt("url");
    const int i = url.empty() ? -1 : index.indexOf(url);
    if (i < 0 || all[static_cast<std::size_t>(i)].source->resourceType != "Binary") continue;
    const Json& binary = all[static_cast<std::size_t>(i)].json();
    attachment->erase("url");
    if (attachment->stringAt("contentType").empty() && !binary.stringAt("contentType").empty()) {
      attachment->set("contentType", Json::string(binary.stringAt("contentType")));
    }
    attachment->set("data", Json::string(binary.stringAt("data")));
    inlined[static_cast<std::size_t>(i)] = true;
  }
}

}  // namespace

common::Result<common::Json> buildTransactionBundleTree(const DeliveryPayload& payload,
                                                        const TransactionBundleOptions& options) {
  auto parsed = detail::parsePayload(payload);
  if (!parsed) return parsed.error();
  const std::vector<ParsedResource>& resources = *parsed;
  const detail::ResourceIndex index(resources);

  // The payload's trees are shared and stay as they are: each resource sent is edited as a copy.
  std::vector<std::optional<Json>> edited(resources.size());
  std::vector<bool> inlined(resources.size(), false);
  if (!options.clientAssignedIds) {
    for (std::size_t i = 0; i < resources.size(); ++i) {
      if (resources[i].source->resourceType == "DocumentReference") {
        edited[i] = resources[i].json();
        inlineBinaries(*edited[i], index, inlined, resources);
      }
    }
  }

  fhir::BundleWriter bundle("transaction");
  for (std::size_t i = 0; i < resources.size(); ++i) {
    const ParsedResource& r = resources[i];
    const std::string& type = r.source->resourceType;
    if (inlined[i] || type == "AuditEvent") continue;
    // Without an `identifier` element (Provenance, AuditEvent, Binary, ...) no conditional
    // create is possible: such a resource is not sent in this mode.
    const fhir::ElementCardinality identifier = fhir::elementCardinality(type, "identifier");
    if (!options.clientAssignedIds && identifier == fhir::ElementCardinality::kAbsent) continue;
    Json json = edited[i] ? std::move(*edited[i]) : Json(r.json());

    // Point references at the entries' fullUrls so the server links them within the bundle.
    common::forEachObject(json, [&](Json& object) {
      Json* ref = object.find("reference");
      if (ref == nullptr || !ref->isString()) return;
      if (const ParsedResource* target = index.resolve(ref->text())) {
        *ref = Json::string(target->fullUrl);
      }
    });

    fhir::BundleRequest request;
    if (options.clientAssignedIds) {
      json.set("id", Json::string(r.source->resourceId));
      request = {.method = "PUT", .url = type + "/" + r.source->resourceId};
    } else {
      auto query = identifierQuery(json);
      if (!query) {
        if (identifier == fhir::ElementCardinality::kSingle) {
          json.set("identifier", gatewayIdentifier(r));
        } else {
          json.set("identifier", Json::array().push(gatewayIdentifier(r)));
        }
        query = identifierQuery(json);
      }
      // The server assigns ids on create; ours live on in the identifiers.
      json.erase("id");
      request = {.method = "POST", .url = type, .ifNoneExist = *query};
    }
    bundle.add(r.fullUrl, std::move(json), request);
  }
  if (bundle.size() == 0) {
    return common::invalidArgument("the delivery has no resource to send");
  }
  return bundle.take();
}

common::Result<std::string> buildTransactionBundle(const DeliveryPayload& payload,
                                                   const TransactionBundleOptions& options) {
  FHIRGW_ASSIGN_OR_RETURN(const Json bundle, buildTransactionBundleTree(payload, options));
  return bundle.serialize();
}

}  // namespace fhirgw::connectors
