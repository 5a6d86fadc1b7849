#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/connectors/routing.hpp"
#include "fhirgw/gateway/config.hpp"
#include "fhirgw/gateway/router.hpp"
#include "fhirgw/gateway/service/route_snapshot.hpp"
#include "fhirgw/gateway/service/submission_service.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/store/record_store.hpp"

namespace fhirgw::gateway {

/// The editor-facing API of editor-api.md: create teleconsultations (with documents), add
/// documents, read status and the FHIR bundle, dry-run validation, the rules in force; also the
/// FHIR endpoints /fhir/metadata and /fhir/$validate. The handlers only translate HTTP to the
/// SubmissionService and back (src/api/editor/, one file per resource). Who may call each route
/// (an editor key within its rate limit, or anyone) is declared in registerRoutes and checked by
/// the router's gate before a handler runs.
class EditorApi {
 public:
  /// What the handlers use; everything must outlive the API. Of the store, only its records role.
  struct Deps {
    store::RecordStore& records;
    const rules::RuleEngine& rules;
    const mapping::FhirMapper& mapper;
    const common::Clock& clock;
    LimitsConfig limits;
    /// The connector instances now, for routing deliveries (empty: none).
    RouteProvider routes;
    /// Called after a commit that queued deliveries (wakes the delivery engine); may be empty.
    std::function<void()> deliveriesQueued;
    /// Told every decided submission (kind "teleconsultation" or "document"), for metrics; may
    /// be empty.
    std::function<void(std::string_view kind, const SubmissionResult&)> submitted;
  };

  explicit EditorApi(Deps deps);
  /// Adds the /api/v1 and /fhir routes.
  void registerRoutes(Router& router);

 private:
  // api/editor/teleconsultations.cpp
  void createTeleconsultation(Exchange& ex);
  void getTeleconsultation(Exchange& ex);
  void getFhirBundle(Exchange& ex);
  // api/editor/documents.cpp
  void addDocument(Exchange& ex);
  // api/editor/validation.cpp
  void validate(Exchange& ex);
  void fhirValidate(Exchange& ex);
  // api/editor/rules.cpp
  void ruleCatalogue(Exchange& ex);
  // api/editor/capability.cpp
  void fhirMetadata(Exchange& ex);

  /// Content type, size and JSON checks (415, 413, 400); nullopt when already answered.
  /// acceptFhirJson also admits application/fhir+json (the /fhir endpoints).
  std::optional<common::JsonDocument> readJsonObject(Exchange& ex, bool acceptFhirJson = false);
  /// Resolves "{id}" or "ext:<externalId>" to a record of this client (and makes it the audit
  /// target); answers the store's failure itself (404, 503) and returns nullopt.
  std::optional<store::Record> resolveRecord(Exchange& ex);
  /// The service request of this exchange: its client, request id, Idempotency-Key and now.
  SubmissionRequest submissionRequest(Exchange& ex) const;
  /// Sends a use case's result (201 with Location, a replay, or its refusal or failure).
  void answer(Exchange& ex, const SubmissionResult& result);

  Deps d_;
  SubmissionService service_;
};

}  // namespace fhirgw::gateway
