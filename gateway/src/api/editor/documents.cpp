// POST /api/v1/teleconsultations/{id}/documents.
#include "fhirgw/gateway/api/editor_api.hpp"

namespace fhirgw::gateway {

void EditorApi::addDocument(Exchange& ex) {
  // The record first: an unknown record is 404 whatever the body.
  auto record = resolveRecord(ex);
  if (!record) return;
  auto doc = readJsonObject(ex);
  if (!doc) return;
  const SubmissionResult result = service_.addDocument(submissionRequest(ex), *record, *doc);
  if (d_.submitted) d_.submitted("document", result);
  answer(ex, result);
}

}  // namespace fhirgw::gateway
