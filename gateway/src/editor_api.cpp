#include "fhirgw/gateway/editor_api.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <iterator>
#include <vector>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/log.hpp"
#include "fhirgw/connectors/routing.hpp"
#include "fhirgw/fhir/date_time.hpp"
#include "fhirgw/fhir/fr/identifiers.hpp"
#include "fhirgw/fhir/operation_outcome.hpp"
#include "fhirgw/gateway/json_io.hpp"
#include "fhirgw/mappings/body_parser.hpp"
#include "fhirgw/mappings/fhir_mapper.hpp"
#include "fhirgw/mappings/rules.hpp"

#ifndef FHIRGW_VERSION
#define FHIRGW_VERSION "dev"
#endif

namespace fhirgw::gateway {
namespace {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

constexpr std::string_view kTeleconsultationsPath = "/api/v1/teleconsultations";
// External ids are kept for the record's whole lifetime; header keys at least 7 days.
constexpr auto kExternalIdTtl = std::chrono::hours(24 * 365 * 100);
constexpr auto kHeaderKeyTtl = std::chrono::hours(24 * 7);
constexpr std::size_t kMaxIdempotencyKeyBytes = 200;

/// Answers a mapping failure: a produced resource failed validation (a mapping bug), or the
/// mapper refused the record. Both are the gateway's fault: 500, nothing stored.
void answerMappingFailure(Exchange& ex, const common::Status& status,
                          std::vector<fhir::Issue> validationErrors) {
  common::Log::error("gateway.mapping-failed", {{"requestId", ex.requestId()},
                                                {"code", common::statusCodeName(status.code())},
                                                {"issues", validationErrors.size()}});
  fhir::Issue summary;
  summary.severity = fhir::IssueSeverity::kFatal;
  summary.code = "exception";
  summary.diagnostics =
      "the gateway could not produce valid FHIR resources for this record; nothing was stored "
      "(request id " +
      ex.requestId() + ")";
  validationErrors.insert(validationErrors.begin(), summary);
  ex.sendOutcome(500, validationErrors);
}

/// The routing request of a record (or of documents added to it): which destinations each
/// document asked for (editor-api.md defaults applied), and what decides whether they apply.
connectors::RoutingRequest routingRequest(const mappings::Teleconsultation& tc, bool insQualified,
                                          const std::string& recordId, bool includeEncounter,
                                          const std::vector<const mappings::Document*>& documents,
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
    const mappings::ResolvedRecipients to =
        mappings::resolveRecipients(*documents[i], tc.practitionerIsTreatingPhysician());
    request.documents.push_back({documentIds[i], to.dmp, to.treatingPhysician, to.patient});
  }
  return request;
}

void addResources(store::Submission& sub, const mappings::MappedRecord& mapped) {
  for (const auto& r : mapped.resources) {
    store::NewFhirResource resource;
    resource.documentId = r.documentId;
    resource.resourceType = r.resourceType;
    resource.resourceId = r.id;
    resource.json = r.json;
    sub.resources.push_back(std::move(resource));
  }
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

/// Where an idempotent request is remembered, and how it is compared.
struct IdempotencyPlan {
  std::optional<std::string> externalKey;  ///< "tc-ext:..." or "doc-ext:..." from the body
  std::optional<std::string> headerKey;    ///< "hdr:..." from Idempotency-Key
  std::string requestHash;
  /// The entries stored with the submission: one per key, so that a later request reusing
  /// either key with another body is a conflict.
  std::vector<store::NewIdempotencyEntry> entriesFor(int status, const std::string& body) const {
    std::vector<store::NewIdempotencyEntry> entries;
    for (const auto* key : {&externalKey, &headerKey}) {
      if (!*key) continue;
      store::NewIdempotencyEntry e;
      e.key = **key;
      e.requestHash = requestHash;
      e.responseStatus = status;
      e.responseBody = body;
      e.ttl = key == &externalKey
                  ? std::chrono::duration_cast<std::chrono::milliseconds>(kExternalIdTtl)
                  : std::chrono::duration_cast<std::chrono::milliseconds>(kHeaderKeyTtl);
      entries.push_back(std::move(e));
    }
    return entries;
  }
};

enum class Replay { kProceed, kAnswered };

/// Answers a replay (same body: the first answer) or a conflict (409); kProceed when the keys are
/// new. Store failures answer 503.
Replay answerIdempotent(Exchange& ex, const store::Store& store, const std::string& clientId,
                        const IdempotencyPlan& plan) {
  for (const auto* key : {&plan.externalKey, &plan.headerKey}) {
    if (!*key) continue;
    auto entry = store.findIdempotencyEntry(clientId, **key);
    if (!entry) {
      if (entry.error().code() == common::StatusCode::kNotFound) continue;
      ex.sendStatus(common::unavailable("the store cannot answer now; retry"));
      return Replay::kAnswered;
    }
    if (entry->requestHash != plan.requestHash) {
      const bool byExternalId = key == &plan.externalKey;
      fhir::Issue issue;
      issue.severity = fhir::IssueSeverity::kError;
      issue.code = "conflict";
      issue.expression = byExternalId ? "externalId" : "";
      issue.detailsText =
          byExternalId ? "Cet externalId a déjà été utilisé avec un autre contenu."
                       : "Cette clé d'idempotence a déjà été utilisée avec un autre contenu.";
      issue.diagnostics = byExternalId
                              ? "externalId already used by this client with a different body"
                              : "Idempotency-Key already used by this client with a different body";
      ex.sendOutcome(409, {issue});
      return Replay::kAnswered;
    }
    if (key == &plan.headerKey && plan.externalKey) continue;  // the external id decides
    ex.setHeader("Idempotent-Replayed", "true");
    ex.send(entry->responseStatus, kJson, entry->responseBody);
    return Replay::kAnswered;
  }
  return Replay::kProceed;
}

std::string requestHash(std::string_view target, const common::JsonDocument& body) {
  std::string material(target);
  material += '\n';
  material += common::canonicalJson(body);
  return common::sha256Hex(material);
}

std::optional<std::string> optionalString(const Value& object, const char* key,
                                          const common::JsonDocument& doc) {
  if (!object.IsObject()) return std::nullopt;
  auto it = object.FindMember(key);
  if (it == object.MemberEnd() || !doc.isString(it->value)) return std::nullopt;
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

/// The idempotency keys of a request: the body's externalId (under keyPrefix) and the
/// Idempotency-Key header. Answers 400 itself for an oversized header and returns nullopt.
std::optional<IdempotencyPlan> planIdempotency(Exchange& ex, const common::JsonDocument& doc,
                                               std::string_view target,
                                               std::string_view keyPrefix) {
  IdempotencyPlan plan;
  plan.requestHash = requestHash(target, doc);
  if (auto ext = optionalString(doc.root(), "externalId", doc)) {
    plan.externalKey = std::string(keyPrefix) + *ext;
  }
  if (const std::string key = ex.header("Idempotency-Key"); !key.empty()) {
    if (key.size() > kMaxIdempotencyKeyBytes) {
      ex.sendError(400, "value", "Idempotency-Key longer than 200 bytes", "Idempotency-Key");
      return std::nullopt;
    }
    plan.headerKey = "hdr:" + key;
  }
  return plan;
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

Value deliveriesJson(const std::vector<store::NewDelivery>& deliveries, Alloc& a) {
  Value list(rapidjson::kArrayType);
  for (const auto& d : deliveries) {
    Value v(rapidjson::kObjectType);
    v.AddMember("id", jsonString(d.id, a), a);
    v.AddMember("destination", jsonString(d.destination, a), a);
    if (d.connectorId) v.AddMember("connector", jsonString(*d.connectorId, a), a);
    if (d.documentId) v.AddMember("document", jsonString(*d.documentId, a), a);
    v.AddMember("status", jsonString(store::deliveryStatusName(d.status), a), a);
    if (d.reason) v.AddMember("reason", jsonString(*d.reason, a), a);
    list.PushBack(v, a);
  }
  return list;
}

/// Answers a commit failure: a unique clash means a concurrent twin got there first, so the
/// request is answered from its idempotency entry; anything else is 503 (nothing was written).
void answerCommitFailure(Exchange& ex, const store::Store& store, const std::string& clientId,
                         const IdempotencyPlan& plan, const common::Status& status) {
  if (status.code() == common::StatusCode::kAlreadyExists &&
      answerIdempotent(ex, store, clientId, plan) == Replay::kAnswered) {
    return;
  }
  if (status.code() == common::StatusCode::kAlreadyExists) {
    fhir::Issue issue;
    issue.severity = fhir::IssueSeverity::kError;
    issue.code = "duplicate";
    issue.diagnostics = "a record or document with this externalId already exists";
    ex.sendOutcome(409, {issue});
    return;
  }
  common::Log::warning("gateway.commit-failed", {{"requestId", ex.requestId()},
                                                 {"clientId", clientId},
                                                 {"code", common::statusCodeName(status.code())}});
  if (status.code() == common::StatusCode::kNotFound) {
    ex.sendError(404, "not-found", "no such teleconsultation");
    return;
  }
  ex.sendStatus(
      common::unavailable("the store cannot take the write now; nothing was stored; "
                          "retry"));
}

/// GET /api/v1/rules[?date=YYYY-MM-DD]: the rules in force that day (today, UTC, without a
/// date), built from the engine's own catalogue and configuration so that it cannot drift from
/// what the engine runs. Rules set to `off` are left out: they are not checked.
void answerRuleCatalogue(Exchange& ex, const mappings::RuleEngine& engine,
                         const common::Clock& clock) {
  std::optional<mappings::Date> day;
  if (const auto it = ex.query().find("date"); it != ex.query().end()) {
    day = mappings::Date::parse(it->second);
    if (!day) {
      ex.sendError(400, "invalid", "date must be a calendar date YYYY-MM-DD");
      return;
    }
  } else {
    day = fhir::utcDate(fhir::toInstant(clock.now()));
  }
  rapidjson::Document doc(rapidjson::kObjectType);
  Alloc& a = doc.GetAllocator();
  doc.AddMember("date", jsonString(day->toString(), a), a);
  Value rules(rapidjson::kArrayType);
  for (const mappings::RuleInfo* info : mappings::ruleCatalogue()) {
    const mappings::RuleSeverity severity = engine.severityOf(info->id);
    if (severity == mappings::RuleSeverity::kOff || !engine.inForce(info->id, day)) continue;
    const mappings::EffectivePeriod period = engine.config().effectivePeriod(info->id);
    auto optionalDate = [&a](const std::optional<mappings::Date>& d) {
      return d ? jsonString(d->toString(), a) : Value(rapidjson::kNullType);
    };
    Value rule(rapidjson::kObjectType);
    rule.AddMember("id", jsonString(info->id, a), a);
    rule.AddMember("severity", jsonString(mappings::code(severity), a), a);
    rule.AddMember("reimbursement", info->reimbursement, a);
    Value effective(rapidjson::kObjectType);
    effective.AddMember("from", optionalDate(period.from), a);
    effective.AddMember("until", optionalDate(period.until), a);
    rule.AddMember("effectivePeriod", effective, a);
    Value description(rapidjson::kObjectType);
    description.AddMember("fr", jsonString(info->descriptionFr, a), a);
    description.AddMember("en", jsonString(info->summary, a), a);
    rule.AddMember("description", description, a);
    Value source(rapidjson::kObjectType);
    source.AddMember("text", jsonString(info->source, a), a);
    source.AddMember("date", optionalDate(mappings::Date::parse(info->sourceDate)), a);
    rule.AddMember("source", source, a);
    rules.PushBack(rule, a);
  }
  doc.AddMember("rules", rules, a);
  ex.sendJson(200, doc);
}

}  // namespace

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
  router.add("GET", "/api/v1/rules", kEditor,
             [this](Exchange& ex) { answerRuleCatalogue(ex, d_.rules, d_.clock); });
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

std::optional<store::Record> EditorApi::resolveRecord(Exchange& ex, const std::string& clientId) {
  const std::string id = ex.param("id");
  constexpr std::string_view kExt = "ext:";
  auto record = id.rfind(kExt, 0) == 0
                    ? d_.store.findRecordByExternalId(clientId, id.substr(kExt.size()))
                    : d_.store.getRecord(clientId, id);
  if (record) {
    ex.setTarget(record->id);
    return std::move(record).value();
  }
  if (record.error().code() == common::StatusCode::kNotFound) {
    ex.sendError(404, "not-found", "no such teleconsultation");
  } else {
    ex.sendStatus(common::unavailable("the store cannot answer now; retry"));
  }
  return std::nullopt;
}

std::optional<EditorApi::Checked> EditorApi::check(Exchange& ex,
                                                   const common::JsonDocument& body) const {
  // Counted before parsing: each document fans out to several deliveries, so one request must not
  // be able to queue thousands of them (docs/operations.md, Limits).
  const std::size_t maxDocuments =
      std::min(d_.limits.maxDocumentsPerRequest, d_.limits.maxDocumentsPerRecord);
  if (const auto docs = body.root().FindMember("documents"); docs != body.root().MemberEnd() &&
                                                             docs->value.IsArray() &&
                                                             docs->value.Size() > maxDocuments) {
    ex.sendOutcome(422, {tooManyDocuments("documents", docs->value.Size(), maxDocuments,
                                          "a teleconsultation body")});
    return std::nullopt;
  }
  mappings::TeleconsultationParse parsed = mappings::parseTeleconsultation(body);
  if (parsed.malformed()) {
    ex.sendOutcome(400, parsed.typeErrors);
    return std::nullopt;
  }
  auto rules = d_.rules.evaluate(parsed.record);
  if (!rules) {
    ex.sendStatus(common::unavailable("the activity history cannot be read now; retry"));
    return std::nullopt;
  }
  Checked checked{std::move(parsed.record), std::move(rules).value(), std::move(parsed.issues)};
  append(checked.issues, checked.rules.issues);
  return checked;
}

std::optional<mappings::MappedRecord> EditorApi::mapRecord(
    Exchange& ex, const Checked& checked, const std::string& clientId, const std::string& recordId,
    mappings::MappingContext& context) const {
  context = mappings::MappingContext{clientId, recordId, d_.clock.now(), {}};
  for (std::size_t i = 0; i < checked.record.documents.size(); ++i) {
    context.documentIds.push_back(common::newUuid());
  }
  std::vector<fhir::Issue> validationErrors;
  auto mapped =
      d_.mapper.mapTeleconsultation(checked.record, checked.rules, context, &validationErrors);
  if (!mapped) {
    answerMappingFailure(ex, mapped.error(), std::move(validationErrors));
    return std::nullopt;
  }
  return std::move(mapped).value();
}

void EditorApi::createTeleconsultation(Exchange& ex) {
  const std::string& clientId = ex.clientId();
  auto doc = readJsonObject(ex);
  if (!doc) return;

  const auto plan = planIdempotency(ex, *doc, "POST /api/v1/teleconsultations", "tc-ext:");
  if (!plan || answerIdempotent(ex, d_.store, clientId, *plan) == Replay::kAnswered) {
    return;
  }

  auto checked = check(ex, *doc);
  if (!checked) return;
  const std::vector<fhir::Issue>& issues = checked->issues;
  if (fhir::hasErrors(issues)) {
    ex.sendOutcome(422, issues);
    return;
  }

  const mappings::Teleconsultation& tc = checked->record;
  store::Submission sub;
  sub.clientId = clientId;
  sub.recordId = common::newUuid();
  mappings::MappingContext mapping;
  auto mapped = mapRecord(ex, *checked, sub.clientId, sub.recordId, mapping);
  if (!mapped) return;
  addResources(sub, *mapped);
  std::vector<const mappings::Document*> routed;
  for (const auto& document : tc.documents) routed.push_back(&document);
  sub.deliveries = connectors::routeDeliveries(
      routingRequest(tc, checked->rules.insQualified, sub.recordId, /*includeEncounter=*/true,
                     routed, mapping.documentIds),
      d_.routes);
  const std::vector<fhir::Issue> kept = nonBlocking(issues);
  store::NewRecord record;
  record.externalId = tc.externalId;
  record.requestHash = plan->requestHash;
  record.body = common::canonicalJson(*doc);
  record.outcome = outcomeJson(kept);
  record.practitionerRpps = tc.practitioner.rpps.value_or("");
  record.encounterYear = tc.encounterDate() ? tc.encounterDate()->year() : 0;
  record.practitionerIsTreating = tc.practitionerIsTreatingPhysician();
  sub.record = std::move(record);

  const Value& root = doc->root();
  const Value* documents = root.HasMember("documents") ? &root["documents"] : nullptr;
  for (std::size_t i = 0; i < tc.documents.size(); ++i) {
    store::NewDocument d;
    d.id = mapping.documentIds[i];
    d.externalId = mappings::documentExternalId(tc.documents[i]);
    d.kind = std::string(mappings::documentKind(tc.documents[i]));
    d.body = documents != nullptr && documents->IsArray() && i < documents->Size()
                 ? common::canonicalJson(*doc, (*documents)[static_cast<rapidjson::SizeType>(i)])
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

  rapidjson::Document answer(rapidjson::kObjectType);
  Alloc& a = answer.GetAllocator();
  answer.AddMember("id", jsonString(sub.recordId, a), a);
  if (tc.externalId) answer.AddMember("externalId", jsonString(*tc.externalId, a), a);
  answer.AddMember("status", "accepted", a);
  answer.AddMember("outcome", fhir::operationOutcomeValue(kept, a, /*allowEmpty=*/true), a);
  Value docs(rapidjson::kArrayType);
  for (const auto& d : sub.documents) {
    Value v(rapidjson::kObjectType);
    v.AddMember("id", jsonString(d.id, a), a);
    if (d.externalId) v.AddMember("externalId", jsonString(*d.externalId, a), a);
    v.AddMember("kind", jsonString(d.kind, a), a);
    docs.PushBack(v, a);
  }
  answer.AddMember("documents", docs, a);
  answer.AddMember("deliveries", deliveriesJson(sub.deliveries, a), a);
  const std::string answerBody = common::toJsonString(answer);
  sub.idempotency = plan->entriesFor(201, answerBody);

  if (common::Status s = d_.store.commitSubmission(sub); !s.isOk()) {
    answerCommitFailure(ex, d_.store, clientId, *plan, s);
    return;
  }
  if (!sub.deliveries.empty() && d_.deliveriesQueued) d_.deliveriesQueued();
  ex.setTarget(sub.recordId);
  ex.setHeader("Location", std::string(kTeleconsultationsPath) + "/" + sub.recordId);
  ex.send(201, kJson, answerBody);
}

void EditorApi::addDocument(Exchange& ex) {
  const std::string& clientId = ex.clientId();
  auto record = resolveRecord(ex, clientId);
  if (!record) return;
  auto doc = readJsonObject(ex);
  if (!doc) return;

  const auto plan = planIdempotency(
      ex, *doc, "POST /api/v1/teleconsultations/" + record->id + "/documents", "doc-ext:");
  if (!plan || answerIdempotent(ex, d_.store, clientId, *plan) == Replay::kAnswered) {
    return;
  }

  mappings::DocumentParse parsed = mappings::parseDocument(*doc);
  if (parsed.malformed()) {
    ex.sendOutcome(400, parsed.typeErrors);
    return;
  }
  // The stored teleconsultation is the context of the document rules (who prescribes, INS).
  // Read as it was accepted: a body stored before duplicate names were refused keeps the first
  // of them, as the rules read it then.
  common::JsonLimits storedLimits;
  storedLimits.allowDuplicateNames = true;
  auto storedBody = common::parseJson(record->body, storedLimits);
  if (!storedBody) {
    ex.sendStatus(common::internal("the stored teleconsultation cannot be read"));
    return;
  }
  const mappings::TeleconsultationParse context = mappings::parseTeleconsultation(*storedBody);
  mappings::RuleOutcome rules = d_.rules.evaluateDocument(context.record, parsed.record);
  std::vector<fhir::Issue> issues = parsed.issues;
  append(issues, rules.issues);
  if (fhir::hasErrors(issues)) {
    ex.sendOutcome(422, issues);
    return;
  }

  auto existing = d_.store.listDocuments(clientId, record->id);
  if (!existing) {
    ex.sendStatus(common::unavailable("the store cannot answer now; retry"));
    return;
  }
  if (existing->size() >= d_.limits.maxDocumentsPerRecord) {
    ex.sendOutcome(422, {tooManyDocuments("", existing->size() + 1, d_.limits.maxDocumentsPerRecord,
                                          "a record")});
    return;
  }
  const std::vector<fhir::Issue> kept = nonBlocking(issues);
  store::Submission sub;
  sub.clientId = clientId;
  sub.recordId = record->id;
  store::NewDocument d;
  d.id = common::newUuid();
  const mappings::MappingContext mapping{sub.clientId, sub.recordId, d_.clock.now(), {}};
  std::vector<fhir::Issue> validationErrors;
  auto mapped = d_.mapper.mapDocument(context.record, parsed.record, d.id, existing->size(),
                                      mapping, &validationErrors);
  if (!mapped) {
    answerMappingFailure(ex, mapped.error(), std::move(validationErrors));
    return;
  }
  addResources(sub, *mapped);
  sub.deliveries = connectors::routeDeliveries(
      routingRequest(context.record,
                     mappings::isInsQualified(context.record.patient, d_.rules.config()),
                     record->id, /*includeEncounter=*/false, {&parsed.record}, {d.id}),
      d_.routes);
  d.externalId = mappings::documentExternalId(parsed.record);
  d.kind = std::string(mappings::documentKind(parsed.record));
  d.body = common::canonicalJson(*doc);
  d.requestHash = plan->requestHash;
  d.outcome = outcomeJson(kept);
  sub.documents.push_back(d);

  rapidjson::Document answer(rapidjson::kObjectType);
  Alloc& a = answer.GetAllocator();
  answer.AddMember("id", jsonString(d.id, a), a);
  if (d.externalId) answer.AddMember("externalId", jsonString(*d.externalId, a), a);
  answer.AddMember("teleconsultation", jsonString(record->id, a), a);
  answer.AddMember("kind", jsonString(d.kind, a), a);
  answer.AddMember("status", "accepted", a);
  answer.AddMember("outcome", fhir::operationOutcomeValue(kept, a, /*allowEmpty=*/true), a);
  answer.AddMember("deliveries", deliveriesJson(sub.deliveries, a), a);
  const std::string answerBody = common::toJsonString(answer);
  sub.idempotency = plan->entriesFor(201, answerBody);

  if (common::Status s = d_.store.commitSubmission(sub); !s.isOk()) {
    answerCommitFailure(ex, d_.store, clientId, *plan, s);
    return;
  }
  if (!sub.deliveries.empty() && d_.deliveriesQueued) d_.deliveriesQueued();
  ex.setTarget(record->id);
  ex.setHeader("Location", std::string(kTeleconsultationsPath) + "/" + record->id);
  ex.send(201, kJson, answerBody);
}

void EditorApi::getTeleconsultation(Exchange& ex) {
  const std::string& clientId = ex.clientId();
  auto record = resolveRecord(ex, clientId);
  if (!record) return;
  auto documents = d_.store.listDocuments(clientId, record->id);
  auto deliveries = d_.store.listDeliveries(clientId, record->id);
  if (!documents || !deliveries) {
    ex.sendStatus(common::unavailable("the store cannot answer now; retry"));
    return;
  }
  rapidjson::Document answer(rapidjson::kObjectType);
  Alloc& a = answer.GetAllocator();
  answer.AddMember("id", jsonString(record->id, a), a);
  if (record->externalId) answer.AddMember("externalId", jsonString(*record->externalId, a), a);
  answer.AddMember("status", jsonString(record->status, a), a);
  answer.AddMember("createdAt", jsonString(common::formatInstantUtc(record->createdAt), a), a);
  if (auto outcome = common::parseJson(record->outcome)) {
    answer.AddMember("outcome", Value(outcome->root(), a), a);
  }
  Value docs(rapidjson::kArrayType);
  for (const auto& d : *documents) {
    Value v(rapidjson::kObjectType);
    v.AddMember("id", jsonString(d.id, a), a);
    if (d.externalId) v.AddMember("externalId", jsonString(*d.externalId, a), a);
    v.AddMember("kind", jsonString(d.kind, a), a);
    v.AddMember("createdAt", jsonString(common::formatInstantUtc(d.createdAt), a), a);
    if (auto docOutcome = common::parseJson(d.outcome)) {
      v.AddMember("outcome", Value(docOutcome->root(), a), a);
    }
    docs.PushBack(v, a);
  }
  answer.AddMember("documents", docs, a);
  Value list(rapidjson::kArrayType);
  for (const auto& d : *deliveries) list.PushBack(deliveryJson(d, a), a);
  answer.AddMember("deliveries", list, a);
  ex.sendJson(200, answer);
}

void EditorApi::getFhirBundle(Exchange& ex) {
  const std::string& clientId = ex.clientId();
  auto record = resolveRecord(ex, clientId);
  if (!record) return;
  auto stored = d_.store.listFhirResources(clientId, record->id);
  if (!stored) {
    ex.sendStatus(common::unavailable("the store cannot answer now; retry"));
    return;
  }
  std::vector<mappings::MappedResource> resources;
  resources.reserve(stored->size());
  for (auto& r : *stored) {
    mappings::MappedResource m;
    m.resourceType = std::move(r.resourceType);
    m.id = std::move(r.resourceId);
    m.documentId = std::move(r.documentId);
    m.json = std::move(r.json);
    resources.push_back(std::move(m));
  }
  mappings::BundleOptions options;
  options.id = mappings::fhirBundleId(clientId, record->id);
  options.timestamp = d_.clock.now();
  auto bundle = mappings::makeBundle(resources, options);
  if (!bundle) {
    ex.sendStatus(common::internal("the stored resources cannot be bundled"));
    return;
  }
  ex.send(200, kFhirJson, *bundle);
}

void EditorApi::validate(Exchange& ex) {
  const std::string& clientId = ex.clientId();
  auto doc = readJsonObject(ex);
  if (!doc) return;
  auto checked = check(ex, *doc);
  if (!checked) return;
  const bool valid = !fhir::hasErrors(checked->issues);

  rapidjson::Document answer(rapidjson::kObjectType);
  Alloc& a = answer.GetAllocator();
  answer.AddMember("valid", valid, a);
  answer.AddMember("outcome", fhir::operationOutcomeValue(checked->issues, a), a);
  if (!valid) {
    ex.sendJson(200, answer);
    return;
  }
  // The would-be bundle, with throw-away ids: nothing is stored, so nothing can refer to it.
  mappings::MappingContext mapping;
  auto mapped = mapRecord(ex, *checked, clientId, common::newUuid(), mapping);
  if (!mapped) return;
  mappings::BundleOptions options;
  options.timestamp = d_.clock.now();
  auto bundle = mappings::makeBundleJson(mapped->resources, options);
  if (!bundle) {
    ex.sendStatus(common::internal("the would-be bundle cannot be built"));
    return;
  }
  // The ordered tree keeps the bundle's numbers as their text: decimals keep their digits, and
  // no request-derived number ever reaches RapidJSON's number-to-double conversion.
  common::Json body = common::Json::fromValue(answer);
  body.set("bundle", std::move(bundle).value());
  ex.send(200, kJson, body.serialize());
}

void EditorApi::fhirMetadata(Exchange& ex) {
  rapidjson::Document cs(rapidjson::kObjectType);
  Alloc& a = cs.GetAllocator();
  cs.AddMember("resourceType", "CapabilityStatement", a);
  cs.AddMember("status", "active", a);
  cs.AddMember("date", jsonString(common::formatInstantUtc(d_.clock.now()).substr(0, 10), a), a);
  cs.AddMember("publisher", "fhir-gateway", a);
  cs.AddMember("kind", "instance", a);
  Value software(rapidjson::kObjectType);
  software.AddMember("name", "fhir-gateway", a);
  software.AddMember("version", FHIRGW_VERSION, a);
  cs.AddMember("software", software, a);
  Value implementation(rapidjson::kObjectType);
  implementation.AddMember(
      "description",
      "Teleconsultation FHIR gateway: records posted through the editor API are served as "
      "collection Bundles at /api/v1/teleconsultations/{id}/fhir",
      a);
  cs.AddMember("implementation", implementation, a);
  cs.AddMember("fhirVersion", "4.0.1", a);
  Value formats(rapidjson::kArrayType);
  formats.PushBack("json", a);
  cs.AddMember("format", formats, a);
  Value rest(rapidjson::kObjectType);
  rest.AddMember("mode", "server", a);
  rest.AddMember("documentation",
                 "Resources are produced from editor records and validated against base R4 and "
                 "the FR Core profiles they claim; they are not individually readable.",
                 a);
  Value resources(rapidjson::kArrayType);
  for (const auto& type : mappings::producedTypes()) {
    // One entry per type; a type produced under several profiles lists them as supported.
    Value* entry = nullptr;
    for (auto& existing : resources.GetArray()) {
      if (std::string_view(existing["type"].GetString()) == type.resourceType) entry = &existing;
    }
    if (entry == nullptr) {
      Value v(rapidjson::kObjectType);
      v.AddMember("type", jsonString(type.resourceType, a), a);
      resources.PushBack(v, a);
      entry = &resources[resources.Size() - 1];
    }
    if (!type.profile.empty()) {
      if (!entry->HasMember("supportedProfile")) {
        entry->AddMember("supportedProfile", Value(rapidjson::kArrayType), a);
      }
      (*entry)["supportedProfile"].PushBack(jsonString(type.profile, a), a);
    }
  }
  rest.AddMember("resource", resources, a);
  Value operations(rapidjson::kArrayType);
  Value validateOp(rapidjson::kObjectType);
  validateOp.AddMember("name", "validate", a);
  validateOp.AddMember("definition", "http://hl7.org/fhir/OperationDefinition/Resource-validate",
                       a);
  operations.PushBack(validateOp, a);
  rest.AddMember("operation", operations, a);
  Value rests(rapidjson::kArrayType);
  rests.PushBack(rest, a);
  cs.AddMember("rest", rests, a);
  ex.sendJson(200, cs, kFhirJson);
}

void EditorApi::fhirValidate(Exchange& ex) {
  auto doc = readJsonObject(ex, /*acceptFhirJson=*/true);
  if (!doc) return;
  ex.sendOutcome(200, d_.mapper.validator().validate(*doc));
}

}  // namespace fhirgw::gateway
