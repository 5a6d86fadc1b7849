#include "fhirgw/connectors/delivery_payload.hpp"

#include <memory>
#include <optional>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/fhir/reference.hpp"
#include "formats/fhir_references.hpp"

namespace fhirgw::connectors {

const PayloadResource* DeliveryPayload::find(std::string_view resourceType) const {
  for (const PayloadResource& r : resources) {
    if (r.resourceType == resourceType) return &r;
  }
  return nullptr;
}

std::shared_ptr<const common::Json> ParsedResourceCache::find(
    std::string_view recordId, const PayloadResource& resource) const {
  const auto record = trees_.find(recordId);
  if (record == trees_.end()) return nullptr;
  const auto it = record->second.find(resource.resourceType + "/" + resource.resourceId);
  if (it == record->second.end() || it->second.json != resource.json) return nullptr;
  return it->second.tree;
}

void ParsedResourceCache::add(std::string_view recordId, const PayloadResource& resource,
                              std::shared_ptr<const common::Json> tree) {
  auto record = trees_.find(recordId);
  if (record == trees_.end()) record = trees_.emplace(std::string(recordId), Trees()).first;
  record->second.insert_or_assign(resource.resourceType + "/" + resource.resourceId,
                                  Parsed{resource.json, std::move(tree)});
}

void ParsedResourceCache::forget(std::string_view recordId) {
  if (const auto record = trees_.find(recordId); record != trees_.end()) trees_.erase(record);
}

common::Status addPayloadResources(DeliveryPayload& payload,
                                   const std::vector<PayloadResource>& recordResources,
                                   ParsedResourceCache* cache) {
  // Candidates: this delivery's document resources and the record-level ones.
  std::vector<const PayloadResource*> candidates;
  for (const PayloadResource& r : recordResources) {
    if (r.resourceType == "AuditEvent") continue;
    if (r.documentId && r.documentId != payload.documentId) continue;
    candidates.push_back(&r);
  }
  // Parsed when first needed (followed for references, or carried), once; the builders read
  // these trees. A record-level resource a document delivery neither reaches nor carries (its
  // Provenance, Consent, ChargeItem...) is never parsed.
  std::vector<std::shared_ptr<const common::Json>> parsed(candidates.size());
  const auto parse = [&](std::size_t i) -> common::Status {
    if (parsed[i]) return common::Status::ok();
    const PayloadResource& r = *candidates[i];
    std::shared_ptr<const common::Json> tree =
        cache != nullptr ? cache->find(payload.recordId, r) : nullptr;
    if (!tree) {
      auto json = common::Json::parse(r.json);
      if (!json) {
        return common::invalidArgument("stored " + r.resourceType + "/" + r.resourceId +
                                       " is not valid JSON");
      }
      tree = std::make_shared<const common::Json>(std::move(*json));
      if (cache != nullptr) cache->add(payload.recordId, r, tree);
    }
    parsed[i] = std::move(tree);
    return common::Status::ok();
  };

  std::vector<bool> included(candidates.size(), false);
  if (!payload.documentId) {
    // The encounter itself: everything at record level.
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      FHIRGW_RETURN_IF_ERROR(parse(i));
      included[i] = true;
    }
  } else {
    fhir::ReferenceIndex index;
    for (const PayloadResource* r : candidates) {
      index.add(r->resourceType, r->resourceId, detail::fullUrlFor(r->resourceType, r->resourceId));
    }
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i]->documentId) {
        FHIRGW_RETURN_IF_ERROR(parse(i));
        included[i] = true;
        pending.push_back(i);
      }
    }
    // Follow references to record-level resources (patient, practitioners, encounter, ...),
    // then add the PractitionerRole of each carried Practitioner: nothing references a role,
    // yet it holds the author's specialty and structure, which a CDA header needs.
    while (!pending.empty()) {
      while (!pending.empty()) {
        const std::size_t i = pending.back();
        pending.pop_back();
        for (const std::string& ref : detail::collectReferences(*parsed[i])) {
          const std::optional<std::size_t> target = index.find(ref);
          if (target && !included[*target]) {
            FHIRGW_RETURN_IF_ERROR(parse(*target));
            included[*target] = true;
            pending.push_back(*target);
          }
        }
      }
      for (std::size_t i = 0; i < candidates.size(); ++i) {
        if (included[i] || candidates[i]->resourceType != "PractitionerRole") continue;
        FHIRGW_RETURN_IF_ERROR(parse(i));
        const common::Json* practitioner = parsed[i]->find("practitioner");
        if (practitioner == nullptr) continue;
        const std::optional<std::size_t> target = index.find(practitioner->stringAt("reference"));
        if (target && included[*target] && candidates[*target]->resourceType == "Practitioner") {
          included[i] = true;
          pending.push_back(i);
        }
      }
    }
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (!included[i]) continue;
    PayloadResource& carried = payload.resources.emplace_back(*candidates[i]);
    carried.tree = std::move(parsed[i]);
  }
  return common::Status::ok();
}

}  // namespace fhirgw::connectors
