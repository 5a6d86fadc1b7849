// PostgresStore: one submission committed atomically, and the records, documents, FHIR resources,
// deliveries and idempotency answers read back (the RecordStore role), with the payload reads of
// the delivery engine.
//
// Several instances commit at once under READ COMMITTED, so "is this external id or key already
// used?" cannot be a SELECT before the INSERT (both could see nothing): each INSERT names the
// unique key it must not clash on (ON CONFLICT ... DO NOTHING, or DO UPDATE of an expired
// idempotency entry). A clash with a row another transaction is still writing waits for it; if
// that one commits, nothing is inserted here and the submission answers kAlreadyExists, as on
// SQLite, and the caller replays the winner's answer.

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "postgresql/delivery_rows.hpp"
#include "postgresql/rows.hpp"
#include "postgresql/store_impl.hpp"
#include "row_checks.hpp"
#include "sealer.hpp"

namespace fhirgw::store {

using common::Result;
using common::Status;
using detail::pg::Connection;
using detail::pg::Params;
using detail::pg::Rows;

namespace {

// Rows per INSERT statement: one statement (one round trip) for the resources or deliveries of
// a usual submission, well under PostgreSQL's 65,535 parameters for the larger ones.
constexpr std::size_t kRowsPerInsert = 500;

// Inserts `count` rows of `columns` parameters each: `head` VALUES ($1, ...), (...) `tail`, at
// most kRowsPerInsert rows per statement; fill(i, params) adds row i's values in column order.
// Returns how many rows were inserted (fewer than count when `tail` skips conflicts).
template <typename Fill>
Result<std::int64_t> insertRows(Connection& c, std::string_view operation, std::string_view head,
                                std::size_t columns, std::size_t count, std::string_view tail,
                                Fill&& fill) {
  std::int64_t inserted = 0;
  for (std::size_t start = 0; start < count; start += kRowsPerInsert) {
    const std::size_t end = std::min(count, start + kRowsPerInsert);
    std::string sql(head);
    sql.append(" VALUES ");
    Params params;
    std::size_t n = 0;
    for (std::size_t i = start; i < end; ++i) {
      sql.append(i == start ? "(" : ", (");
      for (std::size_t k = 0; k < columns; ++k) {
        if (k != 0) sql.append(", ");
        sql.append("$").append(std::to_string(++n));
      }
      sql.append(")");
      fill(i, params);
    }
    if (params.size() != n) return common::internal(std::string(operation) + ": parameter count");
    sql.append(tail);
    FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec(operation, sql, params));
    inserted += rows.affected();
  }
  return inserted;
}

constexpr std::string_view kInsertRecord =
    "INSERT INTO records (id, client_id, external_id, created_at, status, request_hash, body,"
    " outcome, practitioner_rpps, encounter_year, practitioner_is_treating)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    " ON CONFLICT (client_id, external_id) DO NOTHING";
constexpr std::string_view kInsertDocuments =
    "INSERT INTO documents (id, record_id, client_id, external_id, kind, created_at,"
    " request_hash, body, outcome)";
// An entry whose time is up no longer counts: the new answer replaces it in place.
constexpr std::string_view kInsertIdempotency =
    "INSERT INTO idempotency_keys (client_id, idempotency_key, request_hash, response_status,"
    " response_body, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (client_id, idempotency_key) DO UPDATE SET request_hash = excluded.request_hash,"
    " response_status = excluded.response_status, response_body = excluded.response_body,"
    " created_at = excluded.created_at, expires_at = excluded.expires_at"
    " WHERE idempotency_keys.expires_at <= excluded.created_at";
constexpr std::string_view kInsertFhirResources =
    "INSERT INTO fhir_resources (record_id, document_id, resource_type, resource_id, version,"
    " json, created_at)";
constexpr std::string_view kInsertDeliveries =
    "INSERT INTO deliveries (id, record_id, document_id, destination, connector_id, status,"
    " reason, next_attempt_at, created_at, updated_at, target)";
constexpr std::string_view kInsertAudit =
    "INSERT INTO audit_entries (at, actor, action, target, outcome, request_id, detail)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7)";

// One submission's rows, inside the caller's transaction. In SQLite's order: the record's
// external id decides before a document's, and both before the idempotency key
// (editor-api.md).
Status writeSubmission(Connection& c, const Submission& sub, const detail::SealedSubmission& sealed,
                       std::int64_t now) {
  constexpr std::string_view kOp = "commit submission";
  if (sub.record) {
    const NewRecord& r = *sub.record;
    FHIRGW_ASSIGN_OR_RETURN(Rows inserted, c.exec(kOp, kInsertRecord,
                                                  Params()
                                                      .text(sub.recordId)
                                                      .text(sub.clientId)
                                                      .optionalText(r.externalId)
                                                      .integer(now)
                                                      .text(r.status)
                                                      .text(r.requestHash)
                                                      .bytes(sealed.recordBody.bytes)
                                                      .bytes(sealed.recordOutcome.bytes)
                                                      .text(r.practitionerRpps)
                                                      .integer(r.encounterYear)
                                                      .flag(r.practitionerIsTreating)));
    if (inserted.affected() == 0) return common::alreadyExists("record externalId already used");
  } else {
    // FOR SHARE: a retention purge or deletion of this record on another instance waits for
    // this transaction, so the check stays true until the documents are in.
    FHIRGW_ASSIGN_OR_RETURN(Rows rows,
                            c.exec(kOp,
                                   "SELECT purged_at FROM records WHERE id = $1 AND client_id = $2"
                                   " FOR SHARE",
                                   Params().text(sub.recordId).text(sub.clientId)));
    if (rows.count() == 0) return common::notFound("record not found");
    if (!rows.isNull(0, 0)) return common::aborted("record content purged by retention");
  }
  if (!sub.documents.empty()) {
    FHIRGW_ASSIGN_OR_RETURN(const std::int64_t inserted,
                            insertRows(c, kOp, kInsertDocuments, 9, sub.documents.size(),
                                       " ON CONFLICT (client_id, external_id) DO NOTHING",
                                       [&](std::size_t i, Params& p) {
                                         const NewDocument& d = sub.documents[i];
                                         p.text(d.id)
                                             .text(sub.recordId)
                                             .text(sub.clientId)
                                             .optionalText(d.externalId)
                                             .text(d.kind)
                                             .integer(now)
                                             .text(d.requestHash)
                                             .bytes(sealed.documentBodies[i].bytes)
                                             .bytes(sealed.documentOutcomes[i].bytes);
                                       }));
    if (inserted != static_cast<std::int64_t>(sub.documents.size())) {
      return common::alreadyExists("document externalId already used");
    }
  }
  for (std::size_t i = 0; i < sub.idempotency.size(); ++i) {
    const NewIdempotencyEntry& e = sub.idempotency[i];
    const std::int64_t expires =
        now + std::chrono::duration_cast<std::chrono::milliseconds>(e.ttl).count();
    FHIRGW_ASSIGN_OR_RETURN(Rows inserted, c.exec(kOp, kInsertIdempotency,
                                                  Params()
                                                      .text(sub.clientId)
                                                      .text(e.key)
                                                      .text(e.requestHash)
                                                      .integer(e.responseStatus)
                                                      .bytes(sealed.idempotencyBodies[i].bytes)
                                                      .integer(now)
                                                      .integer(expires)));
    if (inserted.affected() == 0) return common::alreadyExists("idempotency key already used");
  }
  if (!sub.resources.empty()) {
    FHIRGW_RETURN_IF_ERROR(insertRows(c, kOp, kInsertFhirResources, 7, sub.resources.size(), "",
                                      [&](std::size_t i, Params& p) {
                                        const NewFhirResource& r = sub.resources[i];
                                        p.text(sub.recordId)
                                            .optionalText(r.documentId)
                                            .text(r.resourceType)
                                            .text(r.resourceId)
                                            .integer(r.version)
                                            .bytes(sealed.resourceJson[i].bytes)
                                            .integer(now);
                                      })
                               .status());
  }
  if (!sub.deliveries.empty()) {
    FHIRGW_RETURN_IF_ERROR(insertRows(c, kOp, kInsertDeliveries, 11, sub.deliveries.size(), "",
                                      [&](std::size_t i, Params& p) {
                                        const NewDelivery& d = sub.deliveries[i];
                                        // A pending delivery is due at once; a skipped one is never
                                        // due.
                                        const std::optional<std::int64_t> due =
                                            d.status == DeliveryStatus::kPending
                                                ? std::optional(now)
                                                : std::nullopt;
                                        p.text(d.id)
                                            .text(sub.recordId)
                                            .optionalText(d.documentId)
                                            .text(d.destination)
                                            .optionalText(d.connectorId)
                                            .text(deliveryStatusName(d.status))
                                            .optionalText(d.reason)
                                            .optionalInteger(due)
                                            .integer(now)
                                            .integer(now)
                                            .optionalText(sealed.deliveryTargets[i]);
                                      })
                               .status());
  }
  if (sub.audit) {
    const NewAuditEntry& a = *sub.audit;
    FHIRGW_RETURN_IF_ERROR(
        c.exec(kOp, kInsertAudit,
               Params()
                   .integer(now)
                   .text(a.actor)
                   .text(a.action)
                   .text(a.target)
                   .text(a.outcome)
                   .text(a.requestId)
                   .optionalText(a.detail.empty() ? std::nullopt : std::optional(a.detail)))
            .status());
  }
  return Status::ok();
}

}  // namespace

Status PostgresStore::commitSubmission(const Submission& sub) {
  FHIRGW_RETURN_IF_ERROR(detail::checkSubmission(sub));
  // Sealed before the transaction: no lock is held while the values are packed and encrypted.
  const detail::SealedSubmission sealed = detail::sealSubmission(impl_->sealer(), sub);
  return impl_->write("commit submission", [&](Connection& c) {
    return writeSubmission(c, sub, sealed, impl_->nowMs());
  });
}

// ---- reads ---------------------------------------------------------------------------------

namespace {

// One statement reads a record's rows and says whether the client owns the record: no row
// means no such record for this client, one row of NULLs a record without any.
std::string ownedRows(std::string_view columns, std::string_view table, std::string_view alias) {
  std::string sql = "SELECT ";
  sql.append(columns)
      .append(" FROM records r LEFT JOIN ")
      .append(table)
      .append(" ")
      .append(alias)
      .append(" ON ")
      .append(alias)
      .append(".record_id = r.id WHERE r.id = $1 AND r.client_id = $2 ORDER BY ")
      .append(alias)
      .append(".created_at, ")
      .append(alias)
      .append(".seq");
  return sql;
}

}  // namespace

Result<Record> PostgresStore::getRecord(std::string_view clientId,
                                        std::string_view recordId) const {
  return impl_->readValue<Record>("get record", [&](Connection& c, Record& out) {
    FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("get record",
                                              "SELECT " + detail::pg::recordColumns() +
                                                  " FROM records WHERE client_id = $1 AND id = $2",
                                              Params().text(clientId).text(recordId)));
    if (rows.count() == 0) return common::notFound("record not found");
    out = detail::pg::toRecord(rows, 0);
    return impl_->sealer().openRecord(out);
  });
}

Result<Record> PostgresStore::getRecordOfAnyClient(std::string_view recordId) const {
  return impl_->readValue<Record>("get record of any client", [&](Connection& c, Record& out) {
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows, c.exec("get record of any client",
                          "SELECT " + detail::pg::recordColumns() + " FROM records WHERE id = $1",
                          Params().text(recordId)));
    if (rows.count() == 0) return common::notFound("record not found");
    out = detail::pg::toRecord(rows, 0);
    return impl_->sealer().openRecord(out);
  });
}

Result<Record> PostgresStore::findRecordByExternalId(std::string_view clientId,
                                                     std::string_view externalId) const {
  return impl_->readValue<Record>("find record", [&](Connection& c, Record& out) {
    FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("find record",
                                              "SELECT " + detail::pg::recordColumns() +
                                                  " FROM records WHERE client_id = $1"
                                                  " AND external_id = $2",
                                              Params().text(clientId).text(externalId)));
    if (rows.count() == 0) return common::notFound("record not found");
    out = detail::pg::toRecord(rows, 0);
    return impl_->sealer().openRecord(out);
  });
}

Result<std::vector<Document>> PostgresStore::listDocuments(std::string_view clientId,
                                                           std::string_view recordId) const {
  return impl_->readValue<std::vector<Document>>(
      "list documents", [&](Connection& c, std::vector<Document>& out) {
        FHIRGW_ASSIGN_OR_RETURN(
            Rows rows,
            c.exec("list documents", ownedRows(detail::pg::documentColumns("d."), "documents", "d"),
                   Params().text(recordId).text(clientId)));
        if (rows.count() == 0) return common::notFound("record not found");
        for (int i = 0; i < rows.count(); ++i) {
          if (rows.isNull(i, 0)) continue;  // the record has none
          out.push_back(detail::pg::toDocument(rows, i));
          FHIRGW_RETURN_IF_ERROR(impl_->sealer().openDocument(out.back()));
        }
        return Status::ok();
      });
}

Result<Document> PostgresStore::findDocumentByExternalId(std::string_view clientId,
                                                         std::string_view externalId) const {
  return impl_->readValue<Document>("find document", [&](Connection& c, Document& out) {
    FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("find document",
                                              "SELECT " + detail::pg::documentColumns() +
                                                  " FROM documents WHERE client_id = $1"
                                                  " AND external_id = $2",
                                              Params().text(clientId).text(externalId)));
    if (rows.count() == 0) return common::notFound("document not found");
    out = detail::pg::toDocument(rows, 0);
    return impl_->sealer().openDocument(out);
  });
}

Result<std::vector<FhirResource>> PostgresStore::listFhirResources(
    std::string_view clientId, std::string_view recordId) const {
  return impl_->readValue<std::vector<FhirResource>>(
      "list fhir resources", [&](Connection& c, std::vector<FhirResource>& out) {
        // The LEFT JOIN's NULL row has no resource_type (a real row always has one).
        FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("list fhir resources",
                                                  ownedRows(detail::pg::fhirResourceColumns("f."),
                                                            "fhir_resources", "f"),
                                                  Params().text(recordId).text(clientId)));
        if (rows.count() == 0) return common::notFound("record not found");
        for (int i = 0; i < rows.count(); ++i) {
          if (rows.isNull(i, 2)) continue;
          out.push_back(detail::pg::toFhirResource(rows, i));
          FHIRGW_RETURN_IF_ERROR(impl_->sealer().openFhirResource(out.back()));
        }
        return Status::ok();
      });
}

Result<std::vector<Delivery>> PostgresStore::listDeliveries(std::string_view clientId,
                                                            std::string_view recordId) const {
  return impl_->readValue<std::vector<Delivery>>(
      "list deliveries", [&](Connection& c, std::vector<Delivery>& out) {
        FHIRGW_ASSIGN_OR_RETURN(
            Rows rows, c.exec("list deliveries",
                              ownedRows(detail::pg::prefixed(detail::pg::kDeliveryColumns, "d."),
                                        "deliveries", "d"),
                              Params().text(recordId).text(clientId)));
        if (rows.count() == 0) return common::notFound("record not found");
        for (int i = 0; i < rows.count(); ++i) {
          if (rows.isNull(i, 0)) continue;
          Delivery& d = out.emplace_back();
          FHIRGW_RETURN_IF_ERROR(detail::pg::toDelivery(rows, i, d));
          FHIRGW_RETURN_IF_ERROR(impl_->sealer().openDelivery(d));
        }
        return Status::ok();
      });
}

Result<IdempotencyEntry> PostgresStore::findIdempotencyEntry(std::string_view clientId,
                                                             std::string_view key) const {
  return impl_->readValue<IdempotencyEntry>(
      "find idempotency entry", [&](Connection& c, IdempotencyEntry& out) {
        FHIRGW_ASSIGN_OR_RETURN(
            Rows rows, c.exec("find idempotency entry",
                              "SELECT client_id, idempotency_key, request_hash, response_status,"
                              " response_body, created_at, expires_at FROM idempotency_keys"
                              " WHERE client_id = $1 AND idempotency_key = $2 AND expires_at > $3",
                              Params().text(clientId).text(key).integer(impl_->nowMs())));
        if (rows.count() == 0) return common::notFound("idempotency key not found");
        out = {rows.text(0, 0),
               rows.text(0, 1),
               rows.text(0, 2),
               static_cast<int>(rows.integer(0, 3)),
               rows.bytes(0, 4),
               detail::pg::fromMillis(rows.integer(0, 5)),
               detail::pg::fromMillis(rows.integer(0, 6))};
        return impl_->sealer().open(
            out.responseBody, detail::sealContext("idempotency_keys", "response_body",
                                                  detail::idempotencyRowId(out.clientId, out.key)));
      });
}

// ---- payload reads (the delivery engine's, any client) -------------------------------------

namespace {

// The latest version of each resource, as SQLite reads it.
constexpr std::string_view kLatestVersion =
    " AND f.version = (SELECT MAX(g.version) FROM fhir_resources g"
    "  WHERE g.resource_type = f.resource_type AND g.resource_id = f.resource_id)";

Status openResources(const detail::Sealer& sealer, const Rows& rows,
                     std::vector<FhirResource>& out) {
  out.reserve(static_cast<std::size_t>(rows.count()));
  for (int i = 0; i < rows.count(); ++i) {
    out.push_back(detail::pg::toFhirResource(rows, i));
    FHIRGW_RETURN_IF_ERROR(sealer.openFhirResource(out.back()));
  }
  return Status::ok();
}

}  // namespace

Result<std::vector<FhirResource>> PostgresStore::listRecordFhirResources(
    std::string_view recordId) const {
  return impl_->readValue<std::vector<FhirResource>>(
      "list record resources", [&](Connection& c, std::vector<FhirResource>& out) {
        FHIRGW_ASSIGN_OR_RETURN(
            Rows rows, c.exec("list record resources",
                              "SELECT " + detail::pg::fhirResourceColumns("f.") +
                                  " FROM fhir_resources f WHERE f.record_id = $1" +
                                  std::string(kLatestVersion) + " ORDER BY f.created_at, f.seq",
                              Params().text(recordId)));
        return openResources(impl_->sealer(), rows, out);
      });
}

Result<std::vector<FhirResource>> PostgresStore::listPayloadFhirResources(
    std::string_view recordId, const std::optional<std::string>& documentId) const {
  return impl_->readValue<std::vector<FhirResource>>(
      "list payload resources", [&](Connection& c, std::vector<FhirResource>& out) {
        // Two index range scans on (record_id, document_id): the record-level rows, then the
        // document's; never the other documents' rows.
        const std::string columns = "SELECT " + detail::pg::fhirResourceColumns("f.") +
                                    ", f.created_at, f.seq FROM fhir_resources f"
                                    " WHERE f.record_id = $1";
        std::string sql = columns + " AND f.document_id IS NULL" + std::string(kLatestVersion);
        Params params;
        params.text(recordId);
        if (documentId) {
          sql += " UNION ALL " + columns + " AND f.document_id = $2" + std::string(kLatestVersion);
          params.text(*documentId);
        }
        sql += " ORDER BY 7, 8";
        FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec("list payload resources", sql, params));
        return openResources(impl_->sealer(), rows, out);
      });
}

}  // namespace fhirgw::store
