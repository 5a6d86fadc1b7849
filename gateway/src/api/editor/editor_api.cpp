#include "fhirgw/gateway/api/editor_api.hpp"

#include "fhirgw/gateway/http_status.hpp"
#include "fhirgw/gateway/json_io.hpp"
#include "fhirgw/gateway/request_audit.hpp"

namespace fhirgw::gateway {
namespace {

constexpr std::string_view kTeleconsultationsPath = "/api/v1/teleconsultations";

SubmissionService::Deps serviceDeps(const EditorApi::Deps& d) {
  return SubmissionService::Deps{
      d.records, d.rules,
      d.mapper,  SubmissionLimits{d.limits.maxDocumentsPerRequest, d.limits.maxDocumentsPerRecord},
      d.routes,  d.deliveriesQueued};
}

}  // namespace

EditorApi::EditorApi(Deps deps) : d_(std::move(deps)), service_(serviceDeps(d_)) {}

void EditorApi::registerRoutes(Router& router) {
  constexpr RoutePolicy kEditor = RoutePolicy::editor();
  router.add("POST", "/api/v1/teleconsultations", kEditor,
             [this](Exchange& ex) { createTeleconsultation(ex); });
  router.add("GET", "/api/v1/teleconsultations/{id}", kEditor,
             [this](Exchange& ex) { getTeleconsultation(ex); });
  router.add("POST", "/api/v1/teleconsultations/{id}/documents", kEditor,
             [this](Exchange& ex) { addDocument(ex); });
  router.add("GET", "/api/v1/teleconsultations/{id}/fhir", kEditor,
             [this](Exchange& ex) { getFhirBundle(ex); });
  router.add("POST", "/api/v1/$validate", kEditor, [this](Exchange& ex) { validate(ex); });
  router.add("GET", "/api/v1/rules", kEditor, [this](Exchange& ex) { ruleCatalogue(ex); });
  router.add("GET", "/fhir/metadata", RoutePolicy::open(),
             [this](Exchange& ex) { fhirMetadata(ex); });
  router.add("POST", "/fhir/$validate", kEditor, [this](Exchange& ex) { fhirValidate(ex); });
}

std::optional<common::JsonDocument> EditorApi::readJsonObject(Exchange& ex, bool acceptFhirJson) {
  common::JsonLimits limits;
  limits.maxDepth = d_.limits.maxJsonDepth;
  limits.maxStringBytes = d_.limits.maxStringBytes;
  limits.maxArrayLength = d_.limits.maxArrayLength;
  // FHIR resources posted to /fhir/$validate: duplicate properties are reported by the validator
  // at their FHIR path (200 with the issue) rather than refused by the reader.
  limits.allowDuplicateNames = acceptFhirJson;
  return readJsonObjectBody(ex, d_.limits.maxBodyBytes, limits, acceptFhirJson);
}

std::optional<store::Record> EditorApi::resolveRecord(Exchange& ex) {
  auto record = service_.findRecord(ex.clientId(), ex.param("id"));
  if (!record) {
    ex.sendStatus(record.error());
    return std::nullopt;
  }
  ex.setTarget(record->id);
  return std::move(record).value();
}

SubmissionRequest EditorApi::submissionRequest(Exchange& ex) const {
  // The request's audit entry goes into the submission's transaction when it is accepted (the
  // service sets its target and outcome); otherwise the audit hook writes it after the answer.
  return SubmissionRequest{ex.clientId(), ex.requestId(), ex.header("Idempotency-Key"),
                           d_.clock.now(), requestAuditEntry(ex)};
}

void EditorApi::answer(Exchange& ex, const SubmissionResult& result) {
  switch (result.status) {
    case SubmissionStatus::kAccepted:
      ex.setTarget(result.recordId);
      if (result.audited) ex.setAudited();
      ex.setHeader("Location", std::string(kTeleconsultationsPath) + "/" + result.recordId);
      ex.send(result.answerStatus, kJson, result.answer);
      return;
    case SubmissionStatus::kReplayed:
      ex.setHeader("Idempotent-Replayed", "true");
      ex.send(result.answerStatus, kJson, result.answer);
      return;
    case SubmissionStatus::kMalformed:
      ex.sendOutcome(400, result.issues);
      return;
    case SubmissionStatus::kRefused:
      ex.sendOutcome(422, result.issues);
      return;
    case SubmissionStatus::kConflict:
      ex.sendOutcome(409, result.issues);
      return;
    case SubmissionStatus::kFailed:
      if (result.issues.empty()) {
        ex.sendStatus(result.error);
      } else {
        ex.sendOutcome(httpStatusFor(result.error.code()), result.issues);
      }
      return;
  }
}

}  // namespace fhirgw::gateway
