#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/connectors/routing.hpp"
#include "fhirgw/fhir/operation_outcome.hpp"
#include "fhirgw/gateway/service/route_snapshot.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/store/audit_entry.hpp"
#include "fhirgw/store/record.hpp"
#include "fhirgw/store/record_store.hpp"

namespace fhirgw::gateway {

/// How many documents a submission may carry (docs/operations.md, Limits).
struct SubmissionLimits {
  std::size_t maxDocumentsPerRequest = 20;  ///< in one teleconsultation body
  std::size_t maxDocumentsPerRecord = 100;  ///< a record's own plus those added later
};

/// One posted body and who posted it, as values.
struct SubmissionRequest {
  std::string clientId;
  std::string requestId;       ///< for the logs and the message of a mapping failure
  std::string idempotencyKey;  ///< the Idempotency-Key header; "" when absent
  common::TimePoint now;       ///< when the gateway received the body
  /// The request's audit entry, stored in the submission's own transaction when it is accepted
  /// (its target and outcome set then); absent: the caller audits the request itself.
  std::optional<store::NewAuditEntry> audit;
};

/// What a use case decided. Each value has one answer: the HTTP layer only translates.
enum class SubmissionStatus {
  kAccepted,   ///< stored (and the engine woken); `answer` is the first answer (201)
  kReplayed,   ///< answered before with the same body: `answer` / `answerStatus` again
  kMalformed,  ///< JSON types or an oversized Idempotency-Key: `issues` (400)
  kRefused,    ///< refused by a rule or a limit, nothing stored: `issues` (422)
  kConflict,   ///< an external id or key already used with another body: `issues` (409)
  kFailed,     ///< not done, nothing stored: `error` through the status table; `issues`, when
               ///< not empty, detail it (a mapping failure lists the validator's errors)
};

/// The result of accepting a teleconsultation or adding a document.
struct SubmissionResult {
  SubmissionStatus status = SubmissionStatus::kFailed;
  std::string recordId;                  ///< kAccepted, kReplayed of a document: the record
  std::vector<std::string> documentIds;  ///< kAccepted: the stored documents, in body order
  std::vector<fhir::Issue> issues;
  int answerStatus = 0;  ///< kAccepted: 201; kReplayed: the status first answered
  std::string answer;    ///< kAccepted, kReplayed: the JSON answer, also remembered for replays
  common::Status error;  ///< kFailed
  bool audited = false;  ///< kAccepted: the request's audit entry was stored with it
};

/// The result of a dry run ($validate): the issues, and the would-be bundle when valid.
struct ValidationResult {
  SubmissionStatus status = SubmissionStatus::kFailed;  ///< kAccepted when checked at all
  std::vector<fhir::Issue> issues;                      ///< parse then rule issues
  bool valid = false;                                   ///< no error among `issues`
  std::optional<common::Json> bundle;                   ///< valid: the would-be bundle
  common::Status error;                                 ///< kFailed
};

/// The editor's use cases (editor-api.md): accept a teleconsultation, add a document to one,
/// validate without storing. Each one parses, runs the rules, maps to FHIR, routes the
/// deliveries, builds the one store submission, commits it and wakes the delivery engine, and
/// returns a value. Idempotent by externalId or Idempotency-Key. Safe to share between threads.
class SubmissionService {
 public:
  /// What the service uses; everything must outlive it.
  struct Deps {
    store::RecordStore& records;
    const rules::RuleEngine& rules;
    const mapping::FhirMapper& mapper;
    SubmissionLimits limits;
    /// The connector instances now, for routing deliveries (empty: every destination is
    /// skipped); read once per submission.
    RouteProvider routes;
    /// Called after a commit that queued deliveries (wakes the delivery engine); may be empty.
    std::function<void()> deliveriesQueued;
  };

  explicit SubmissionService(Deps deps) : d_(std::move(deps)) {}

  /// POST /api/v1/teleconsultations: a teleconsultation body (a JSON object) with its documents.
  SubmissionResult acceptTeleconsultation(const SubmissionRequest& request,
                                          const common::JsonDocument& body) const;
  /// POST /api/v1/teleconsultations/{id}/documents: a document body added to a stored record of
  /// the same client (found by findRecord).
  SubmissionResult addDocument(const SubmissionRequest& request, const store::Record& record,
                               const common::JsonDocument& body) const;
  /// POST /api/v1/$validate: the checks and the would-be bundle, with nothing stored.
  ValidationResult validate(const SubmissionRequest& request,
                            const common::JsonDocument& body) const;

  /// A record of this client by "{id}" or "ext:<externalId>"; store errors through
  /// storeFailure (kNotFound: "no such teleconsultation").
  common::Result<store::Record> findRecord(const std::string& clientId,
                                           const std::string& reference) const;

 private:
  Deps d_;
};

}  // namespace fhirgw::gateway
