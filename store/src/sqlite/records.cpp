// SqliteStore: one submission committed atomically, and the records, documents, FHIR resources
// and deliveries read back by their client (the RecordStore role).

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "connection.hpp"
#include "row_checks.hpp"

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

// ---- submissions ---------------------------------------------------------------------------

namespace {

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

}  // namespace

Status SqliteStore::commitSubmission(const Submission& sub) {
  FHIRGW_RETURN_IF_ERROR(checkSubmission(sub));
  const SealedSubmission sealed = sealSubmission(impl_->sealer(), sub);
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
