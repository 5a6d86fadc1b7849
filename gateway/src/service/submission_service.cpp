#include "fhirgw/gateway/service/submission_service.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <iterator>
#include <utility>
#include <variant>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/log.hpp"
#include "fhirgw/connectors/engine/store_rows.hpp"
#include "fhirgw/domain/body_parser.hpp"
#include "fhirgw/domain/document.hpp"
#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/gateway/api/views.hpp"
#include "fhirgw/gateway/service/idempotency.hpp"
#include "fhirgw/gateway/service/store_failure.hpp"
#include "fhirgw/rules/rules.hpp"

namespace fhirgw::gateway {
namespace {

using rapidjson::Value;

// The instances to route one submission to: one snapshot, whatever changes meanwhile.
RouteSnapshot currentRoutes(const SubmissionService::Deps& d) {
  static const RouteSnapshot kNone =
      std::make_shared<const std::vector<connectors::ConnectorRoute>>();
  if (!d.routes) return kNone;
  RouteSnapshot routes = d.routes();
  return routes ? routes : kNone;
}

constexpr std::string_view kTeleconsultationsTarget = "POST /api/v1/teleconsultations";

SubmissionResult withIssues(SubmissionStatus status, std::vector<fhir::Issue> issues) {
  SubmissionResult result;
  result.status = status;
  result.issues = std::move(issues);
  return result;
}

SubmissionResult failed(common::Status error) {
  SubmissionResult result;
  result.status = SubmissionStatus::kFailed;
  result.error = std::move(error);
  return result;
}

/// A mapping failure: a produced resource failed validation (a mapping bug), or the mapper
/// refused the record. Both are the gateway's fault (kInternal: 500), and nothing is stored.
SubmissionResult mappingFailure(const SubmissionRequest& request, const common::Status& status,
                                std::vector<fhir::Issue> validationErrors) {
  common::Log::error("gateway.mapping-failed", {{"requestId", request.requestId},
                                                {"code", common::statusCodeName(status.code())},
                                                {"issues", validationErrors.size()}});
  fhir::Issue summary;
  summary.severity = fhir::IssueSeverity::kFatal;
  summary.code = "exception";
  summary.diagnostics =
      "the gateway could not produce valid FHIR resources for this record; nothing was stored "
      "(request id " +
      request.requestId + ")";
  validationErrors.insert(validationErrors.begin(), summary);
  SubmissionResult result = failed(common::internal("mapping failed"));
  result.issues = std::move(validationErrors);
  return result;
}

/// The issue of a request that carries more documents than a limit allows.
fhir::Issue tooManyDocuments(std::string expression, std::size_t count, std::size_t limit,
                             std::string_view what) {
  fhir::Issue issue;
  issue.severity = fhir::IssueSeverity::kError;
  issue.code = "too-costly";
  issue.expression = std::move(expression);
  issue.detailsText = "Trop de documents : au plus " + std::to_string(limit) + " sont acceptés.";
  issue.diagnostics = std::to_string(count) + " documents; " + std::string(what) +
                      " takes at most " + std::to_string(limit);
  return issue;
}

/// The routing request of a record (or of documents added to it): which destinations each
/// document asked for (editor-api.md defaults applied), and what decides whether they apply.
connectors::RoutingRequest routingRequest(const domain::Teleconsultation& tc, bool insQualified,
                                          const std::string& recordId, bool includeEncounter,
                                          const std::vector<const domain::Document*>& documents,
                                          const std::vector<std::string>& documentIds) {
  connectors::RoutingRequest request;
  request.recordId = recordId;
  request.includeEncounter = includeEncounter;
  // Whether the INS may be used is the rules' decision (insQualified, under the configured INS
  // policy); patient messaging also needs a NIR, as the Patient's mailbox address does.
  request.insQualified = insQualified;
  const auto& oid = tc.patient.ins ? tc.patient.ins->oid : std::nullopt;
  const auto system = oid ? fhir::fr::insSystemOf(*oid) : std::nullopt;
  request.insIsNir = system && fhir::fr::isNir(*system);
  request.dmpConsent = tc.patient.dmpConsent;
  if (tc.treatingPhysician) {
    request.treatingPhysician = connectors::TreatingPhysicianAddresses{
        tc.treatingPhysician->mssanteAddress, tc.treatingPhysician->fhirEndpoint};
  }
  for (std::size_t i = 0; i < documents.size(); ++i) {
    const domain::ResolvedRecipients to =
        domain::resolveRecipients(*documents[i], tc.practitionerIsTreatingPhysician());
    request.documents.push_back({documentIds[i], to.dmp, to.treatingPhysician, to.patient,
                                 std::string(domain::documentKind(*documents[i]))});
  }
  return request;
}

void addResources(store::Submission& sub, const mapping::MappedRecord& mapped) {
  for (const auto& r : mapped.resources) {
    store::NewFhirResource resource;
    resource.documentId = r.documentId;
    resource.resourceType = r.resourceType;
    resource.resourceId = r.id;
    resource.json = r.json;
    sub.resources.push_back(std::move(resource));
  }
}

std::string outcomeJson(const std::vector<fhir::Issue>& issues) {
  return common::toJsonString(fhir::operationOutcome(issues, /*allowEmpty=*/true));
}

/// Issues that did not block: warnings and information.
std::vector<fhir::Issue> nonBlocking(std::vector<fhir::Issue> issues) {
  std::erase_if(issues, [](const fhir::Issue& i) {
    return i.severity == fhir::IssueSeverity::kError || i.severity == fhir::IssueSeverity::kFatal;
  });
  return issues;
}

void append(std::vector<fhir::Issue>& to, const std::vector<fhir::Issue>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

/// The plan of a request; an oversized Idempotency-Key makes it a malformed request.
std::variant<IdempotencyPlan, SubmissionResult> planRequest(const SubmissionRequest& request,
                                                            const common::JsonDocument& body,
                                                            std::string_view target,
                                                            std::string_view keyPrefix) {
  auto planned = planIdempotency(body, target, keyPrefix, request.idempotencyKey);
  if (planned) return std::move(planned).value();
  fhir::Issue issue;
  issue.severity = fhir::IssueSeverity::kError;
  issue.code = "value";
  issue.diagnostics = planned.error().message();
  issue.expression = "Idempotency-Key";
  return withIssues(SubmissionStatus::kMalformed, {std::move(issue)});
}

/// What the remembered answers say, as a result; nullopt when the request is new.
std::optional<SubmissionResult> remembered(const store::RecordStore& records,
                                           const std::string& clientId,
                                           const IdempotencyPlan& plan) {
  auto check = checkIdempotency(records, clientId, plan);
  if (!check) return failed(storeFailure(check.error(), "idempotency entry"));
  switch (check->kind) {
    case IdempotencyCheck::Kind::kNew:
      return std::nullopt;
    case IdempotencyCheck::Kind::kConflict:
      return withIssues(SubmissionStatus::kConflict, {std::move(check->issue)});
    case IdempotencyCheck::Kind::kReplay: {
      SubmissionResult result;
      result.status = SubmissionStatus::kReplayed;
      result.answerStatus = check->entry.responseStatus;
      result.answer = std::move(check->entry.responseBody);
      return result;
    }
  }
  return std::nullopt;
}

/// A failed commit: a unique clash means a concurrent twin got there first, so the request is
/// answered from its idempotency entry; anything else is the store's failure (nothing written).
SubmissionResult commitFailure(const store::RecordStore& records, const SubmissionRequest& request,
                               const IdempotencyPlan& plan, const common::Status& status) {
  if (status.code() == common::StatusCode::kAlreadyExists) {
    if (auto answered = remembered(records, request.clientId, plan)) return *std::move(answered);
    fhir::Issue issue;
    issue.severity = fhir::IssueSeverity::kError;
    issue.code = "duplicate";
    issue.diagnostics = "a record or document with this externalId already exists";
    return withIssues(SubmissionStatus::kConflict, {std::move(issue)});
  }
  common::Log::warning("gateway.commit-failed", {{"requestId", request.requestId},
                                                 {"clientId", request.clientId},
                                                 {"code", common::statusCodeName(status.code())}});
  return failed(storeFailure(status, "teleconsultation", StoreAccess::kWrite));
}

/// The request's audit entry, if the caller gave one, for the submission of record recordId
/// answered with status: stored in the same transaction.
std::optional<store::NewAuditEntry> auditEntry(const SubmissionRequest& request,
                                               const std::string& recordId, int status) {
  if (!request.audit) return std::nullopt;
  store::NewAuditEntry entry = *request.audit;
  entry.target = recordId;
  entry.outcome = std::to_string(status);
  return entry;
}

/// A teleconsultation body after counting, parsing and the rules.
struct Checked {
  domain::Teleconsultation record;
  rules::RuleOutcome rules;
  std::vector<fhir::Issue> issues;  ///< parse issues, then rule issues
};

/// Counts the documents, parses and runs the rules; a result when the body cannot go further.
std::variant<Checked, SubmissionResult> check(const SubmissionService::Deps& d,
                                              const common::JsonDocument& body) {
  // Counted before parsing: each document fans out to several deliveries, so one request must not
  // be able to queue thousands of them (docs/operations.md, Limits).
  const std::size_t maxDocuments =
      std::min(d.limits.maxDocumentsPerRequest, d.limits.maxDocumentsPerRecord);
  if (const auto docs = body.root().FindMember("documents"); docs != body.root().MemberEnd() &&
                                                             docs->value.IsArray() &&
                                                             docs->value.Size() > maxDocuments) {
    return withIssues(SubmissionStatus::kRefused,
                      {tooManyDocuments("documents", docs->value.Size(), maxDocuments,
                                        "a teleconsultation body")});
  }
  domain::TeleconsultationParse parsed = domain::parseTeleconsultation(body);
  if (parsed.malformed()) {
    return withIssues(SubmissionStatus::kMalformed, std::move(parsed.typeErrors));
  }
  auto rules = d.rules.evaluate(parsed.record);
  if (!rules) return failed(common::unavailable("the activity history cannot be read now; retry"));
  Checked checked{std::move(parsed.record), std::move(rules).value(), std::move(parsed.issues)};
  append(checked.issues, checked.rules.issues);
  return checked;
}

/// What the mapper needs from the rules' outcome: rules and mapping do not know each other, so
/// the service hands the conclusions over as a value.
mapping::MappingFlags mappingFlags(const rules::RuleOutcome& outcome) {
  return mapping::MappingFlags{outcome.hasErrors(), outcome.insQualified, outcome.notReimbursable,
                               outcome.notReimbursableReasons};
}

/// Maps a checked teleconsultation with new document ids (written into context).
common::Result<mapping::MappedRecord> mapRecord(const SubmissionService::Deps& d,
                                                const Checked& checked,
                                                mapping::MappingContext& context,
                                                fhir::IssueSink& validationErrors) {
  for (std::size_t i = 0; i < checked.record.documents.size(); ++i) {
    context.documentIds.push_back(common::newTimeOrderedUuid());
  }
  return d.mapper.mapTeleconsultation(checked.record, mappingFlags(checked.rules), context,
                                      validationErrors);
}

}  // namespace

common::Result<store::Record> SubmissionService::findRecord(const std::string& clientId,
                                                            const std::string& reference) const {
  constexpr std::string_view kExt = "ext:";
  auto record = reference.rfind(kExt, 0) == 0
                    ? d_.records.findRecordByExternalId(clientId, reference.substr(kExt.size()))
                    : d_.records.getRecord(clientId, reference);
  if (!record) return storeFailure(record.error(), "teleconsultation");
  return record;
}

SubmissionResult SubmissionService::acceptTeleconsultation(const SubmissionRequest& request,
                                                           const common::JsonDocument& body) const {
  auto planned = planRequest(request, body, kTeleconsultationsTarget, "tc-ext:");
  if (auto* refused = std::get_if<SubmissionResult>(&planned)) return std::move(*refused);
  const auto* plan = &std::get<IdempotencyPlan>(planned);
  if (auto answered = remembered(d_.records, request.clientId, *plan)) return *std::move(answered);

  auto checkedOrResult = check(d_, body);
  if (auto* result = std::get_if<SubmissionResult>(&checkedOrResult)) return std::move(*result);
  const Checked& checked = std::get<Checked>(checkedOrResult);
  const std::vector<fhir::Issue>& issues = checked.issues;
  if (fhir::hasErrors(issues)) return withIssues(SubmissionStatus::kRefused, issues);

  const domain::Teleconsultation& tc = checked.record;
  store::Submission sub;
  sub.clientId = request.clientId;
  sub.recordId = common::newTimeOrderedUuid();
  mapping::MappingContext mapping{sub.clientId, sub.recordId, request.now, {}};
  fhir::IssueSink validationErrors;
  auto mapped = mapRecord(d_, checked, mapping, validationErrors);
  if (!mapped) return mappingFailure(request, mapped.error(), validationErrors.take());
  addResources(sub, *mapped);
  std::vector<const domain::Document*> routed;
  for (const auto& document : tc.documents) routed.push_back(&document);
  sub.deliveries = connectors::toNewDeliveries(connectors::routeDeliveries(
      routingRequest(tc, checked.rules.insQualified, sub.recordId, /*includeEncounter=*/true,
                     routed, mapping.documentIds),
      *currentRoutes(d_)));
  const std::vector<fhir::Issue> kept = nonBlocking(issues);
  store::NewRecord record;
  record.externalId = tc.externalId;
  record.requestHash = plan->requestHash;
  record.body = common::canonicalJson(body);
  record.outcome = outcomeJson(kept);
  record.practitionerRpps = tc.practitioner.rpps.value_or("");
  record.encounterYear = tc.encounterDate() ? tc.encounterDate()->year() : 0;
  record.practitionerIsTreating = tc.practitionerIsTreatingPhysician();
  sub.record = std::move(record);

  const Value& root = body.root();
  const Value* documents = root.HasMember("documents") ? &root["documents"] : nullptr;
  for (std::size_t i = 0; i < tc.documents.size(); ++i) {
    store::NewDocument d;
    d.id = mapping.documentIds[i];
    d.externalId = domain::documentExternalId(tc.documents[i]);
    d.kind = std::string(domain::documentKind(tc.documents[i]));
    d.body = documents != nullptr && documents->IsArray() && i < documents->Size()
                 ? common::canonicalJson(body, (*documents)[static_cast<rapidjson::SizeType>(i)])
                 : std::string("{}");
    d.requestHash = common::sha256Hex(d.body);
    // A document's own outcome: the kept issues located under documents[i].
    const std::string prefix = "documents[" + std::to_string(i) + "]";
    std::vector<fhir::Issue> own;
    std::copy_if(kept.begin(), kept.end(), std::back_inserter(own),
                 [&prefix](const auto& issue) { return issue.expression.rfind(prefix, 0) == 0; });
    d.outcome = outcomeJson(own);
    sub.documents.push_back(std::move(d));
  }

  SubmissionResult result;
  result.status = SubmissionStatus::kAccepted;
  result.answerStatus = 201;
  result.answer = acceptedRecordView(sub, tc.externalId, kept);
  sub.idempotency = plan->entriesFor(
      result.answerStatus, result.answer,
      plan->externalKey ? recordReplayResidue(kept, sub.documents.size(), sub.deliveries) : "");
  sub.audit = auditEntry(request, sub.recordId, result.answerStatus);

  if (common::Status s = d_.records.commitSubmission(sub); !s.isOk()) {
    return commitFailure(d_.records, request, *plan, s);
  }
  if (!sub.deliveries.empty() && d_.deliveriesQueued) d_.deliveriesQueued();
  result.audited = sub.audit.has_value();
  result.recordId = sub.recordId;
  result.documentIds = std::move(mapping.documentIds);
  return result;
}

SubmissionResult SubmissionService::addDocument(const SubmissionRequest& request,
                                                const store::Record& stored,
                                                const common::JsonDocument& body) const {
  auto planned = planRequest(request, body,
                             std::string(kTeleconsultationsTarget) + "/" + stored.id + "/documents",
                             "doc-ext:");
  if (auto* refused = std::get_if<SubmissionResult>(&planned)) return std::move(*refused);
  const auto* plan = &std::get<IdempotencyPlan>(planned);
  if (auto answered = remembered(d_.records, request.clientId, *plan)) {
    answered->recordId = stored.id;
    return *std::move(answered);
  }
  if (stored.contentPurgedAt) {
    // Nothing left to check a document against, nor to deliver it with.
    fhir::Issue issue;
    issue.severity = fhir::IssueSeverity::kError;
    issue.code = "conflict";
    issue.diagnostics =
        "the teleconsultation's content was purged by retention: no document can be added";
    SubmissionResult refused = withIssues(SubmissionStatus::kConflict, {std::move(issue)});
    refused.recordId = stored.id;
    return refused;
  }

  domain::DocumentParse parsed = domain::parseDocument(body);
  if (parsed.malformed()) {
    return withIssues(SubmissionStatus::kMalformed, std::move(parsed.typeErrors));
  }
  // The stored teleconsultation is the context of the document rules (who prescribes, INS).
  // Read as it was accepted: a body stored before duplicate names were refused keeps the first
  // of them, as the rules read it then.
  common::JsonLimits storedLimits;
  storedLimits.allowDuplicateNames = true;
  auto storedBody = common::Json::parse(stored.body, storedLimits);
  if (!storedBody) return failed(common::internal("the stored teleconsultation cannot be read"));
  const domain::TeleconsultationParse context = domain::parseTeleconsultation(*storedBody);
  rules::RuleOutcome rules = d_.rules.evaluateDocument(context.record, parsed.record);
  std::vector<fhir::Issue> issues = parsed.issues;
  append(issues, rules.issues);
  if (fhir::hasErrors(issues)) return withIssues(SubmissionStatus::kRefused, std::move(issues));

  auto existing = d_.records.listDocuments(request.clientId, stored.id);
  if (!existing) return failed(storeFailure(existing.error(), "teleconsultation"));
  if (existing->size() >= d_.limits.maxDocumentsPerRecord) {
    return withIssues(
        SubmissionStatus::kRefused,
        {tooManyDocuments("", existing->size() + 1, d_.limits.maxDocumentsPerRecord, "a record")});
  }
  const std::vector<fhir::Issue> kept = nonBlocking(issues);
  store::Submission sub;
  sub.clientId = request.clientId;
  sub.recordId = stored.id;
  store::NewDocument d;
  d.id = common::newTimeOrderedUuid();
  const mapping::MappingContext mapping{sub.clientId, sub.recordId, request.now, {}};
  fhir::IssueSink validationErrors;
  auto mapped = d_.mapper.mapDocument(context.record, parsed.record, d.id, existing->size(),
                                      mapping, validationErrors);
  if (!mapped) return mappingFailure(request, mapped.error(), validationErrors.take());
  addResources(sub, *mapped);
  sub.deliveries = connectors::toNewDeliveries(connectors::routeDeliveries(
      routingRequest(context.record, rules.insQualified, stored.id,
                     /*includeEncounter=*/false, {&parsed.record}, {d.id}),
      *currentRoutes(d_)));
  d.externalId = domain::documentExternalId(parsed.record);
  d.kind = std::string(domain::documentKind(parsed.record));
  d.body = common::canonicalJson(body);
  d.requestHash = plan->requestHash;
  d.outcome = outcomeJson(kept);
  sub.documents.push_back(d);

  SubmissionResult result;
  result.status = SubmissionStatus::kAccepted;
  result.answerStatus = 201;
  result.answer = acceptedDocumentView(sub, d, kept);
  sub.idempotency =
      plan->entriesFor(result.answerStatus, result.answer,
                       plan->externalKey ? documentReplayResidue(kept, sub.deliveries) : "");
  sub.audit = auditEntry(request, stored.id, result.answerStatus);

  if (common::Status s = d_.records.commitSubmission(sub); !s.isOk()) {
    SubmissionResult failure = commitFailure(d_.records, request, *plan, s);
    failure.recordId = stored.id;
    return failure;
  }
  if (!sub.deliveries.empty() && d_.deliveriesQueued) d_.deliveriesQueued();
  result.audited = sub.audit.has_value();
  result.recordId = stored.id;
  result.documentIds = {d.id};
  return result;
}

ValidationResult SubmissionService::validate(const SubmissionRequest& request,
                                             const common::JsonDocument& body) const {
  ValidationResult result;
  auto checkedOrResult = check(d_, body);
  if (auto* refused = std::get_if<SubmissionResult>(&checkedOrResult)) {
    result.status = refused->status;
    result.issues = std::move(refused->issues);
    result.error = std::move(refused->error);
    return result;
  }
  const Checked& checked = std::get<Checked>(checkedOrResult);
  result.status = SubmissionStatus::kAccepted;
  result.issues = checked.issues;
  result.valid = !fhir::hasErrors(checked.issues);
  if (!result.valid) return result;

  // The would-be bundle, with throw-away ids: nothing is stored, so nothing can refer to it.
  mapping::MappingContext mapping{request.clientId, common::newUuid(), request.now, {}};
  fhir::IssueSink validationErrors;
  auto mapped = mapRecord(d_, checked, mapping, validationErrors);
  if (!mapped) {
    SubmissionResult failure = mappingFailure(request, mapped.error(), validationErrors.take());
    result.status = SubmissionStatus::kFailed;
    result.issues = std::move(failure.issues);
    result.error = std::move(failure.error);
    return result;
  }
  mapping::BundleOptions options;
  options.timestamp = request.now;
  auto bundle = mapping::makeBundleJson(mapped->resources, options);
  if (!bundle) {
    result.status = SubmissionStatus::kFailed;
    result.error = common::internal("the would-be bundle cannot be built");
    return result;
  }
  result.bundle = std::move(bundle).value();
  return result;
}

}  // namespace fhirgw::gateway
