// SqliteStore: one submission committed atomically, and the records, documents, FHIR resources
// and deliveries read back by their client (the RecordStore role).

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "connection.hpp"

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

namespace {

// ---- submission checks ---------------------------------------------------------------------

Status validate(const Submission& sub) {
  const auto bad = [](std::string_view what) {
    return common::invalidArgument("submission: " + std::string(what));
  };
  if (sub.clientId.empty()) return bad("clientId is empty");
  if (sub.recordId.empty()) return bad("recordId is empty");
  if (!sub.record && sub.documents.empty()) return bad("neither a record nor a document");
  if (sub.record) {
    const NewRecord& r = *sub.record;
    if (r.status.empty() || r.requestHash.empty()) return bad("record status or hash is empty");
    if (r.externalId && r.externalId->empty()) return bad("record externalId is empty");
    if (hasNul(r.body) || hasNul(r.outcome)) return bad("record text contains a NUL byte");
  }
  std::set<std::string_view> documentExternalIds;
  for (const NewDocument& d : sub.documents) {
    if (d.id.empty() || d.kind.empty() || d.requestHash.empty()) {
      return bad("document id, kind or hash is empty");
    }
    if (d.externalId) {
      if (d.externalId->empty()) return bad("document externalId is empty");
      if (!documentExternalIds.insert(*d.externalId).second) {
        return bad("two documents share an externalId");
      }
    }
    if (hasNul(d.body) || hasNul(d.outcome)) return bad("document text contains a NUL byte");
  }
  for (const NewFhirResource& r : sub.resources) {
    if (r.resourceType.empty() || r.resourceId.empty() || r.version < 1) {
      return bad("resource type, id or version is invalid");
    }
    if (hasNul(r.json)) return bad("resource JSON contains a NUL byte");
  }
  for (const NewDelivery& d : sub.deliveries) {
    if (d.id.empty() || d.destination.empty()) return bad("delivery id or destination is empty");
    if (d.status != DeliveryStatus::kPending && d.status != DeliveryStatus::kSkipped) {
      return bad("a new delivery is pending or skipped");
    }
    if (d.status == DeliveryStatus::kSkipped && (!d.reason || d.reason->empty())) {
      return bad("a skipped delivery needs a reason");
    }
  }
  for (const NewIdempotencyEntry& e : sub.idempotency) {
    if (e.key.empty() || e.requestHash.empty()) return bad("idempotency key or hash is empty");
    if (e.ttl.count() <= 0) return bad("idempotency ttl is not positive");
    if (e.responseStatus < 100 || e.responseStatus > 599) return bad("idempotency status");
    if (hasNul(e.responseBody)) return bad("idempotency body contains a NUL byte");
  }
  if (sub.audit) {
    if (sub.audit->actor.empty() || sub.audit->action.empty()) {
      return bad("audit actor or action is empty");
    }
    if (hasNul(sub.audit->detail)) return bad("audit detail contains a NUL byte");
  }
  return Status::ok();
}

}  // namespace

// ---- submissions ---------------------------------------------------------------------------

namespace {

// The sealed columns of a submission, packed (compressed) and sealed by the caller's thread
// before it queues, so that both run in parallel and not in the writer's critical section.
struct SealedSubmission {
  StoredValue recordBody;
  StoredValue recordOutcome;
  std::vector<StoredValue> documentBodies;
  std::vector<StoredValue> documentOutcomes;
  std::vector<StoredValue> idempotencyBodies;
  std::vector<StoredValue> resourceJson;
  std::vector<NullableText> deliveryTargets;
  std::size_t bytes = 0;
};

// The submission's statements, prepared once on the writer (prepared.hpp).
constexpr std::string_view kRecordExternalIdTaken =
    "SELECT COUNT(*) FROM records WHERE client_id = ? AND external_id = ?";
constexpr std::string_view kInsertRecord =
    "INSERT INTO records (id, client_id, external_id, created_at, status, request_hash, body,"
    " outcome, practitioner_rpps, encounter_year, practitioner_is_treating)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kDocumentExternalIdTaken =
    "SELECT COUNT(*) FROM documents WHERE client_id = ? AND external_id = ?";
constexpr std::string_view kInsertDocument =
    "INSERT INTO documents (id, record_id, client_id, external_id, kind, created_at,"
    " request_hash, body, outcome) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kDeleteExpiredIdempotency =
    "DELETE FROM idempotency_keys WHERE client_id = ? AND idempotency_key = ?"
    " AND expires_at <= ?";
constexpr std::string_view kIdempotencyKeyTaken =
    "SELECT COUNT(*) FROM idempotency_keys WHERE client_id = ? AND idempotency_key = ?";
constexpr std::string_view kInsertIdempotency =
    "INSERT INTO idempotency_keys (client_id, idempotency_key, request_hash, response_status,"
    " response_body, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kInsertFhirResource =
    "INSERT INTO fhir_resources (record_id, document_id, resource_type, resource_id, version,"
    " json, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
constexpr std::string_view kInsertDelivery =
    "INSERT INTO deliveries (id, record_id, document_id, destination, connector_id, status,"
    " reason, attempts, next_attempt_at, created_at, updated_at, target)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)";
constexpr std::string_view kInsertAudit =
    "INSERT INTO audit_entries (at, actor, action, target, outcome, request_id, detail)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)";

SealedSubmission seal(const Sealer& sealer, const Submission& sub) {
  SealedSubmission out;
  const auto add = [&out](StoredValue value) -> StoredValue {
    out.bytes += value.bytes.size();
    return value;
  };
  if (sub.record) {
    out.recordBody =
        add(sealer.pack(sub.record->body, sealContext("records", "body", sub.recordId)));
    out.recordOutcome =
        add(sealer.pack(sub.record->outcome, sealContext("records", "outcome", sub.recordId)));
  }
  for (const NewDocument& d : sub.documents) {
    out.documentBodies.push_back(add(sealer.pack(d.body, sealContext("documents", "body", d.id))));
    out.documentOutcomes.push_back(
        add(sealer.pack(d.outcome, sealContext("documents", "outcome", d.id))));
  }
  for (const NewIdempotencyEntry& e : sub.idempotency) {
    out.idempotencyBodies.push_back(
        add(sealer.pack(e.responseBody, sealContext("idempotency_keys", "response_body",
                                                    idempotencyRowId(sub.clientId, e.key)))));
  }
  for (const NewFhirResource& r : sub.resources) {
    out.resourceJson.push_back(add(
        sealer.pack(r.json, sealContext("fhir_resources", "json",
                                        resourceRowId(r.resourceType, r.resourceId, r.version)))));
  }
  for (const NewDelivery& d : sub.deliveries) {
    out.deliveryTargets.push_back(
        toNullable(sealer.sealOptional(d.target, sealContext("deliveries", "target", d.id))));
  }
  return out;
}

}  // namespace

Status SqliteStore::commitSubmission(const Submission& sub) {
  FHIRGW_RETURN_IF_ERROR(validate(sub));
  const SealedSubmission sealed = seal(impl_->sealer(), sub);
  // Grouped with the concurrent submissions into one durable transaction, in a savepoint of its
  // own: the checks and unique constraints below fail this submission alone.
  return impl_->writeGrouped("commit submission", sealed.bytes, [&](Session& s) {
    StatementCache& cache = impl_->writerStatements();
    const Poco::Int64 now = impl_->nowMs();
    // The external id decides before the idempotency key (editor-api.md), hence this order.
    // The unique constraints catch the same clashes when two instances race (PostgreSQL).
    if (sub.record) {
      const NewRecord& r = *sub.record;
      if (r.externalId) {
        const std::int64_t taken = StatementRun(cache, kRecordExternalIdTaken)
                                       .text(sub.clientId)
                                       .text(*r.externalId)
                                       .single();
        if (taken != 0) return common::alreadyExists("record externalId already used");
      }
      StatementRun(cache, kInsertRecord)
          .text(sub.recordId)
          .text(sub.clientId)
          .text(r.externalId)
          .integer(now)
          .text(r.status)
          .text(r.requestHash)
          .stored(sealed.recordBody)
          .stored(sealed.recordOutcome)
          .text(r.practitionerRpps)
          .integer(r.encounterYear)
          .integer(r.practitionerIsTreating ? 1 : 0)
          .execute();
    } else {
      Poco::Int64 found = 0;
      Poco::Int64 purged = 0;
      s << "SELECT COUNT(*), COUNT(purged_at) FROM records WHERE id = ? AND client_id = ?",
          kw::bind(sub.recordId), kw::bind(sub.clientId), kw::into(found), kw::into(purged),
          kw::now;
      if (found == 0) return common::notFound("record not found");
      if (purged != 0) return common::aborted("record content purged by retention");
    }
    for (std::size_t i = 0; i < sub.documents.size(); ++i) {
      const NewDocument& d = sub.documents[i];
      if (d.externalId) {
        const std::int64_t taken = StatementRun(cache, kDocumentExternalIdTaken)
                                       .text(sub.clientId)
                                       .text(*d.externalId)
                                       .single();
        if (taken != 0) return common::alreadyExists("document externalId already used");
      }
      StatementRun(cache, kInsertDocument)
          .text(d.id)
          .text(sub.recordId)
          .text(sub.clientId)
          .text(d.externalId)
          .text(d.kind)
          .integer(now)
          .text(d.requestHash)
          .stored(sealed.documentBodies[i])
          .stored(sealed.documentOutcomes[i])
          .execute();
    }
    for (std::size_t i = 0; i < sub.idempotency.size(); ++i) {
      const NewIdempotencyEntry& e = sub.idempotency[i];
      // An expired entry no longer counts: make room for the new one.
      StatementRun(cache, kDeleteExpiredIdempotency)
          .text(sub.clientId)
          .text(e.key)
          .integer(now)
          .execute();
      const std::int64_t taken =
          StatementRun(cache, kIdempotencyKeyTaken).text(sub.clientId).text(e.key).single();
      if (taken != 0) return common::alreadyExists("idempotency key already used");
      const std::int64_t expires =
          now + std::chrono::duration_cast<std::chrono::milliseconds>(e.ttl).count();
      StatementRun(cache, kInsertIdempotency)
          .text(sub.clientId)
          .text(e.key)
          .text(e.requestHash)
          .integer(e.responseStatus)
          .stored(sealed.idempotencyBodies[i])
          .integer(now)
          .integer(expires)
          .execute();
    }
    for (std::size_t i = 0; i < sub.resources.size(); ++i) {
      const NewFhirResource& r = sub.resources[i];
      StatementRun(cache, kInsertFhirResource)
          .text(sub.recordId)
          .text(r.documentId)
          .text(r.resourceType)
          .text(r.resourceId)
          .integer(r.version)
          .stored(sealed.resourceJson[i])
          .integer(now)
          .execute();
    }
    for (std::size_t i = 0; i < sub.deliveries.size(); ++i) {
      const NewDelivery& d = sub.deliveries[i];
      // A pending delivery is due at once; a skipped one is never due.
      const NullableInt due =
          d.status == DeliveryStatus::kPending ? NullableInt(now) : NullableInt();
      StatementRun(cache, kInsertDelivery)
          .text(d.id)
          .text(sub.recordId)
          .text(d.documentId)
          .text(d.destination)
          .text(d.connectorId)
          .text(deliveryStatusName(d.status))
          .text(d.reason)
          .integer(due)
          .integer(now)
          .integer(now)
          .text(sealed.deliveryTargets[i])
          .execute();
    }
    if (sub.audit) {
      const NewAuditEntry& a = *sub.audit;
      StatementRun(cache, kInsertAudit)
          .integer(now)
          .text(a.actor)
          .text(a.action)
          .text(a.target)
          .text(a.outcome)
          .text(a.requestId)
          .text(a.detail.empty() ? std::optional<std::string>() : std::optional(a.detail))
          .execute();
    }
    return Status::ok();
  });
}

namespace {

// Inside a snapshot read: does this client own this record?
bool ownsRecord(Session& s, std::string_view clientId, std::string_view recordId) {
  Poco::Int64 found = 0;
  s << "SELECT COUNT(*) FROM records WHERE id = ? AND client_id = ?",
      kw::bind(std::string(recordId)), kw::bind(std::string(clientId)), kw::into(found), kw::now;
  return found != 0;
}

}  // namespace

Result<Record> SqliteStore::getRecord(std::string_view clientId, std::string_view recordId) const {
  return impl_->readValue<Record>("get record", [&](Session& s, Record& out) {
    RecordRow row;
    Statement query(s);
    query << selectFrom(kRecordColumns, "FROM records WHERE client_id = ? AND id = ?"),
        kw::bind(std::string(clientId)), kw::bind(std::string(recordId)), kw::into(row);
    if (query.execute() == 0) return common::notFound("record not found");
    out = toRecord(row);
    return impl_->sealer().openRecord(out);
  });
}

Result<Record> SqliteStore::getRecordOfAnyClient(std::string_view recordId) const {
  return impl_->readValue<Record>("get record of any client", [&](Session& s, Record& out) {
    RecordRow row;
    Statement query(s);
    query << selectFrom(kRecordColumns, "FROM records WHERE id = ?"),
        kw::bind(std::string(recordId)), kw::into(row);
    if (query.execute() == 0) return common::notFound("record not found");
    out = toRecord(row);
    return impl_->sealer().openRecord(out);
  });
}

Result<Record> SqliteStore::findRecordByExternalId(std::string_view clientId,
                                                   std::string_view externalId) const {
  return impl_->readValue<Record>("find record", [&](Session& s, Record& out) {
    RecordRow row;
    Statement query(s);
    query << selectFrom(kRecordColumns, "FROM records WHERE client_id = ? AND external_id = ?"),
        kw::bind(std::string(clientId)), kw::bind(std::string(externalId)), kw::into(row);
    if (query.execute() == 0) return common::notFound("record not found");
    out = toRecord(row);
    return impl_->sealer().openRecord(out);
  });
}

Result<std::vector<Document>> SqliteStore::listDocuments(std::string_view clientId,
                                                         std::string_view recordId) const {
  return impl_->readValue<std::vector<Document>>(
      "list documents",
      [&](Session& s, std::vector<Document>& out) {
        if (!ownsRecord(s, clientId, recordId)) return common::notFound("record not found");
        std::vector<DocumentRow> rows;
        s << selectFrom(kDocumentColumns,
                        "FROM documents WHERE record_id = ? ORDER BY created_at, rowid"),
            kw::bind(std::string(recordId)), kw::into(rows), kw::now;
        out.reserve(rows.size());
        for (const DocumentRow& row : rows) {
          out.push_back(toDocument(row));
          FHIRGW_RETURN_IF_ERROR(impl_->sealer().openDocument(out.back()));
        }
        return Status::ok();
      },
      /*snapshot=*/true);
}

Result<Document> SqliteStore::findDocumentByExternalId(std::string_view clientId,
                                                       std::string_view externalId) const {
  return impl_->readValue<Document>("find document", [&](Session& s, Document& out) {
    DocumentRow row;
    Statement query(s);
    query << selectFrom(kDocumentColumns, "FROM documents WHERE client_id = ? AND external_id = ?"),
        kw::bind(std::string(clientId)), kw::bind(std::string(externalId)), kw::into(row);
    if (query.execute() == 0) return common::notFound("document not found");
    out = toDocument(row);
    return impl_->sealer().openDocument(out);
  });
}

Result<std::vector<FhirResource>> SqliteStore::listFhirResources(std::string_view clientId,
                                                                 std::string_view recordId) const {
  return impl_->readValue<std::vector<FhirResource>>(
      "list fhir resources",
      [&](Session& s, std::vector<FhirResource>& out) {
        if (!ownsRecord(s, clientId, recordId)) return common::notFound("record not found");
        std::vector<FhirResourceRow> rows;
        s << "SELECT record_id, document_id, resource_type, resource_id, version, json"
             " FROM fhir_resources WHERE record_id = ? ORDER BY created_at, rowid",
            kw::bind(std::string(recordId)), kw::into(rows), kw::now;
        out.reserve(rows.size());
        for (const FhirResourceRow& row : rows) {
          out.push_back(toFhirResource(row));
          FHIRGW_RETURN_IF_ERROR(impl_->sealer().openFhirResource(out.back()));
        }
        return Status::ok();
      },
      /*snapshot=*/true);
}

Result<std::vector<Delivery>> SqliteStore::listDeliveries(std::string_view clientId,
                                                          std::string_view recordId) const {
  return impl_->readValue<std::vector<Delivery>>(
      "list deliveries",
      [&](Session& s, std::vector<Delivery>& out) {
        if (!ownsRecord(s, clientId, recordId)) return common::notFound("record not found");
        std::vector<DeliveryRow> rows;
        s << selectFrom(kDeliveryColumns,
                        "FROM deliveries WHERE record_id = ? ORDER BY created_at, rowid"),
            kw::bind(std::string(recordId)), kw::into(rows), kw::now;
        out.resize(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) {
          FHIRGW_RETURN_IF_ERROR(toDelivery(rows[i], out[i]));
          FHIRGW_RETURN_IF_ERROR(impl_->sealer().openDelivery(out[i]));
        }
        return Status::ok();
      },
      /*snapshot=*/true);
}

}  // namespace fhirgw::store
