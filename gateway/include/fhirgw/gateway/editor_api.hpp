#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/connectors/routing.hpp"
#include "fhirgw/gateway/auth.hpp"
#include "fhirgw/gateway/config.hpp"
#include "fhirgw/gateway/router.hpp"
#include "fhirgw/mappings/fhir_mapper.hpp"
#include "fhirgw/mappings/rule_engine.hpp"
#include "fhirgw/store/store.hpp"

namespace fhirgw::gateway {

/// The editor-facing API of editor-api.md: create teleconsultations (with documents), add
/// documents, read status and the FHIR bundle, dry-run validation; idempotent by externalId or
/// Idempotency-Key. Also the FHIR endpoints /fhir/metadata and /fhir/$validate. Who may call
/// each route (an editor key within its rate limit, or anyone) is declared in registerRoutes and
/// checked by the router's gate before a handler runs.
class EditorApi {
 public:
  /// What the handlers use; everything must outlive the API.
  struct Deps {
    store::Store& store;
    const mappings::RuleEngine& rules;
    const mappings::FhirMapper& mapper;
    const common::Clock& clock;
    LimitsConfig limits;
    /// The configured connector instances, for routing deliveries (may be empty).
    std::vector<connectors::ConnectorRoute> routes;
    /// Called after a commit that queued deliveries (wakes the delivery engine); may be empty.
    std::function<void()> deliveriesQueued;
  };

  explicit EditorApi(Deps deps) : d_(std::move(deps)) {}
  /// Adds the /api/v1 routes.
  void registerRoutes(Router& router);

 private:
  void createTeleconsultation(Exchange& ex);
  void addDocument(Exchange& ex);
  void getTeleconsultation(Exchange& ex);
  void getFhirBundle(Exchange& ex);
  void validate(Exchange& ex);
  void fhirMetadata(Exchange& ex);
  void fhirValidate(Exchange& ex);

  /// Content type, size and JSON checks (415, 413, 400); nullopt when already answered.
  /// acceptFhirJson also admits application/fhir+json (the /fhir endpoints).
  std::optional<common::JsonDocument> readJsonObject(Exchange& ex, bool acceptFhirJson = false);
  /// Resolves "{id}" or "ext:<externalId>" to a record of this client; answers 404 / 503 itself.
  std::optional<store::Record> resolveRecord(Exchange& ex, const std::string& clientId);

  /// A teleconsultation body after parsing and the rules.
  struct Checked {
    mappings::Teleconsultation record;
    mappings::RuleOutcome rules;
    std::vector<fhir::Issue> issues;  ///< parse issues, then rule issues
  };
  /// Parses and checks a body; answers 400 (JSON type errors) or 503 (history unreadable)
  /// itself and returns nullopt.
  std::optional<Checked> check(Exchange& ex, const common::JsonDocument& body) const;
  /// Maps a checked teleconsultation with new document ids; answers 500 itself on a mapping
  /// bug and returns nullopt.
  std::optional<mappings::MappedRecord> mapRecord(Exchange& ex, const Checked& checked,
                                                  const std::string& clientId,
                                                  const std::string& recordId,
                                                  mappings::MappingContext& context) const;

  Deps d_;
};

}  // namespace fhirgw::gateway
