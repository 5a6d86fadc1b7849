#include "fhirgw/connectors/delivery_payload.hpp"

#include <map>
#include <set>

#include "fhirgw/common/json_tree.hpp"
#include "formats/fhir_references.hpp"

namespace fhirgw::connectors {

const PayloadResource* DeliveryPayload::find(std::string_view resourceType) const {
  for (const PayloadResource& r : resources) {
    if (r.resourceType == resourceType) return &r;
  }
  return nullptr;
}

common::Result<DeliveryPayload> makeDeliveryPayload(
    const store::Delivery& delivery, const std::vector<store::FhirResource>& stored) {
  DeliveryPayload payload;
  payload.deliveryId = delivery.id;
  payload.recordId = delivery.recordId;
  payload.documentId = delivery.documentId;
  payload.destination = delivery.destination;
  payload.target = delivery.target;
  payload.attempt = delivery.attempts + 1;
  payload.createdAt = delivery.createdAt;

  // Candidates: this delivery's document resources and the record-level ones.
  std::vector<const store::FhirResource*> candidates;
  std::vector<common::Json> parsed;
  for (const store::FhirResource& r : stored) {
    if (r.recordId != delivery.recordId || r.resourceType == "AuditEvent") continue;
    if (r.documentId && r.documentId != delivery.documentId) continue;
    auto json = common::Json::parse(r.json);
    if (!json) {
      return common::invalidArgument("stored " + r.resourceType + "/" + r.resourceId +
                                     " is not valid JSON");
    }
    candidates.push_back(&r);
    parsed.push_back(std::move(*json));
  }

  std::vector<bool> included(candidates.size(), false);
  if (!delivery.documentId) {
    // The encounter itself: everything at record level.
    for (std::size_t i = 0; i < candidates.size(); ++i) included[i] = true;
  } else {
    std::map<std::string, std::size_t> byKey;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const auto& r = *candidates[i];
      byKey[r.resourceType + "/" + r.resourceId] = i;
      byKey["urn:uuid:" + r.resourceId] = i;
      byKey[detail::fullUrlFor(r.resourceType, r.resourceId)] = i;
    }
    std::vector<std::size_t> pending;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (candidates[i]->documentId) {
        included[i] = true;
        pending.push_back(i);
      }
    }
    // Follow references to record-level resources (patient, practitioners, encounter, ...).
    while (!pending.empty()) {
      const std::size_t i = pending.back();
      pending.pop_back();
      for (const std::string& ref : detail::collectReferences(parsed[i])) {
        const auto key = detail::referenceKey(ref);
        if (!key) continue;
        const auto it = byKey.find(*key);
        if (it != byKey.end() && !included[it->second]) {
          included[it->second] = true;
          pending.push_back(it->second);
        }
      }
    }
  }
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    if (!included[i]) continue;
    const auto& r = *candidates[i];
    payload.resources.push_back({r.resourceType, r.resourceId, r.documentId, r.json});
  }
  return payload;
}

}  // namespace fhirgw::connectors
