// POST /api/v1/$validate (a dry run of a teleconsultation) and POST /fhir/$validate.
#include <rapidjson/document.h>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/gateway/api/editor_api.hpp"
#include "fhirgw/gateway/api/views.hpp"

namespace fhirgw::gateway {

void EditorApi::validate(Exchange& ex) {
  auto doc = readJsonObject(ex);
  if (!doc) return;
  ValidationResult checked = service_.validate(submissionRequest(ex), *doc);
  if (checked.status != SubmissionStatus::kAccepted) {
    SubmissionResult refusal;
    refusal.status = checked.status;
    refusal.issues = std::move(checked.issues);
    refusal.error = std::move(checked.error);
    answer(ex, refusal);
    return;
  }
  rapidjson::Document view(rapidjson::kObjectType);
  JsonAllocator& a = view.GetAllocator();
  view.AddMember("valid", checked.valid, a);
  view.AddMember("outcome", fhir::operationOutcomeValue(checked.issues, a), a);
  if (!checked.bundle) {
    ex.sendJson(200, view);
    return;
  }
  // The ordered tree keeps the bundle's numbers as their text: decimals keep their digits, and
  // no request-derived number ever reaches RapidJSON's number-to-double conversion.
  common::Json body = common::Json::fromValue(view);
  body.set("bundle", std::move(*checked.bundle));
  ex.send(200, kJson, body.serialize());
}

void EditorApi::fhirValidate(Exchange& ex) {
  auto doc = readJsonObject(ex, /*acceptFhirJson=*/true);
  if (!doc) return;
  ex.sendOutcome(200, d_.mapper.validator().validate(*doc));
}

}  // namespace fhirgw::gateway
