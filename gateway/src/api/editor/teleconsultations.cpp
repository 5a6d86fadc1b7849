// POST /api/v1/teleconsultations, GET /api/v1/teleconsultations/{id} and .../fhir.
#include "fhirgw/gateway/api/editor_api.hpp"
#include "fhirgw/gateway/api/views.hpp"
#include "fhirgw/gateway/service/store_failure.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"

namespace fhirgw::gateway {

void EditorApi::createTeleconsultation(Exchange& ex) {
  auto doc = readJsonObject(ex);
  if (!doc) return;
  const SubmissionResult result = service_.acceptTeleconsultation(submissionRequest(ex), *doc);
  if (d_.submitted) d_.submitted("teleconsultation", result);
  answer(ex, result);
}

void EditorApi::getTeleconsultation(Exchange& ex) {
  auto record = resolveRecord(ex);
  if (!record) return;
  auto documents = d_.records.listDocuments(ex.clientId(), record->id);
  if (!documents) {
    ex.sendStatus(storeFailure(documents.error(), "teleconsultation"));
    return;
  }
  auto deliveries = d_.records.listDeliveries(ex.clientId(), record->id);
  if (!deliveries) {
    ex.sendStatus(storeFailure(deliveries.error(), "teleconsultation"));
    return;
  }
  ex.sendJson(200, recordStatusView(*record, *documents, *deliveries));
}

void EditorApi::getFhirBundle(Exchange& ex) {
  auto record = resolveRecord(ex);
  if (!record) return;
  if (record->contentPurgedAt) {
    ex.sendError(410, "deleted",
                 "the teleconsultation's content, FHIR resources included, was purged by "
                 "retention");
    return;
  }
  auto stored = d_.records.listFhirResources(ex.clientId(), record->id);
  if (!stored) {
    ex.sendStatus(storeFailure(stored.error(), "teleconsultation"));
    return;
  }
  std::vector<mapping::MappedResource> resources;
  resources.reserve(stored->size());
  for (auto& r : *stored) {
    mapping::MappedResource m;
    m.resourceType = std::move(r.resourceType);
    m.id = std::move(r.resourceId);
    m.documentId = std::move(r.documentId);
    m.json = std::move(r.json);
    resources.push_back(std::move(m));
  }
  mapping::BundleOptions options;
  options.id = mapping::fhirBundleId(ex.clientId(), record->id);
  options.timestamp = d_.clock.now();
  auto bundle = mapping::makeBundle(resources, options);
  if (!bundle) {
    ex.sendStatus(common::internal("the stored resources cannot be bundled"));
    return;
  }
  ex.send(200, kFhirJson, *bundle);
}

}  // namespace fhirgw::gateway
