// PostgresStore: the retention purges (the RetentionStore role), each one short transaction over
// a bounded batch. Several instances may purge at once: a batch skips the rows another one holds
// (FOR UPDATE SKIP LOCKED) instead of waiting for them.

#include <string>
#include <string_view>
#include <vector>

#include "postgresql/store_impl.hpp"

namespace fhirgw::store {

using common::Result;
using common::Status;
using detail::pg::Connection;
using detail::pg::Params;
using detail::pg::Rows;

namespace {

Status checkLimit(std::size_t limit) {
  if (limit == 0) return common::invalidArgument("retention: the batch limit is zero");
  return Status::ok();
}

}  // namespace

namespace {

// A record is left alone while one of its deliveries may still need its payload (pending, in
// flight, or failed and waiting for its next attempt).
constexpr std::string_view kDeliveriesFinished =
    " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.record_id = r.id"
    " AND d.status NOT IN ('delivered', 'dead', 'skipped'))";

// A text[] literal of ids ({"a","b"}), for `= ANY($n::text[])`.
std::string textArray(const std::vector<std::string>& values) {
  std::string out = "{";
  for (const std::string& value : values) {
    if (out.size() > 1) out.push_back(',');
    out.push_back('"');
    for (const char c : value) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

// The ids of the batch: the oldest records matching `condition`, created before cutoff, with
// every delivery finished, locked until the transaction ends (FOR UPDATE: another instance's
// batch skips them, and a document added to one, which reads its record FOR SHARE, waits).
Status selectRecordBatch(Connection& c, std::string_view operation, std::string_view condition,
                         common::TimePoint cutoff, std::size_t limit,
                         std::vector<std::string>& ids) {
  std::string sql = "SELECT r.id FROM records r WHERE ";
  sql.append(condition)
      .append(" AND r.created_at < $1")
      .append(kDeliveriesFinished)
      .append(" ORDER BY r.created_at LIMIT $2 FOR UPDATE OF r SKIP LOCKED");
  FHIRGW_ASSIGN_OR_RETURN(Rows rows, c.exec(operation, sql,
                                            Params()
                                                .integer(detail::pg::toMillis(cutoff))
                                                .integer(static_cast<std::int64_t>(limit))));
  ids.clear();
  if (rows.count() == 0) return Status::ok();
  std::vector<std::string> locked;
  locked.reserve(static_cast<std::size_t>(rows.count()));
  for (int i = 0; i < rows.count(); ++i) locked.push_back(rows.text(i, 0));
  // Read the locked records' deliveries again in a new statement (a newer snapshot): an admin
  // retry or re-route that committed after the select's snapshot but before its lock queued one
  // of them again (it read the record FOR SHARE; deliveries.cpp), and that record stays.
  FHIRGW_ASSIGN_OR_RETURN(
      Rows still, c.exec(operation,
                         std::string("SELECT r.id FROM records r WHERE r.id = ANY($1::text[])")
                             .append(kDeliveriesFinished)
                             .append(" ORDER BY r.created_at"),
                         Params().text(textArray(locked))));
  ids.reserve(static_cast<std::size_t>(still.count()));
  for (int i = 0; i < still.count(); ++i) ids.push_back(still.text(i, 0));
  return Status::ok();
}

}  // namespace

Result<std::int64_t> PostgresStore::purgeRecordContent(common::TimePoint cutoff,
                                                       std::size_t limit) {
  FHIRGW_RETURN_IF_ERROR(checkLimit(limit));
  std::int64_t purged = 0;
  const Status written = impl_->write("purge record content", [&](Connection& c) {
    constexpr std::string_view kOp = "purge record content";
    std::vector<std::string> ids;
    // `purged_at IS NULL` spelled as in the partial index records_unpurged, so it is used.
    FHIRGW_RETURN_IF_ERROR(selectRecordBatch(c, kOp, "r.purged_at IS NULL", cutoff, limit, ids));
    purged = static_cast<std::int64_t>(ids.size());
    if (ids.empty()) return Status::ok();
    const std::string batch = textArray(ids);
    // Empty rather than NULL: the columns are NOT NULL, and an empty value is what the key
    // rotation and the readers already take as "nothing held".
    FHIRGW_RETURN_IF_ERROR(c.exec(kOp,
                                  "UPDATE records SET body = '', outcome = '', purged_at = $1"
                                  " WHERE id = ANY($2::text[])",
                                  Params().integer(impl_->nowMs()).text(batch))
                               .status());
    for (const std::string_view sql :
         {"UPDATE documents SET body = '', outcome = '' WHERE record_id = ANY($1::text[])",
          "DELETE FROM fhir_resources WHERE record_id = ANY($1::text[])",
          // The recipient's address and the peers' messages can name the patient; statuses,
          // counts, error classes and HTTP statuses stay until the record itself is deleted.
          "UPDATE deliveries SET target = NULL, last_error = NULL"
          " WHERE record_id = ANY($1::text[])",
          "UPDATE delivery_attempts SET message = NULL WHERE message IS NOT NULL AND"
          " delivery_id IN (SELECT d.id FROM deliveries d WHERE d.record_id = ANY($1::text[]))"}) {
      FHIRGW_RETURN_IF_ERROR(c.exec(kOp, sql, Params().text(batch)).status());
    }
    return Status::ok();
  });
  if (!written.isOk()) return written;
  return purged;
}

Result<std::int64_t> PostgresStore::deleteRecords(common::TimePoint cutoff, std::size_t limit) {
  FHIRGW_RETURN_IF_ERROR(checkLimit(limit));
  std::int64_t deleted = 0;
  const Status written = impl_->write("delete records", [&](Connection& c) {
    constexpr std::string_view kOp = "delete records";
    std::vector<std::string> ids;
    FHIRGW_RETURN_IF_ERROR(
        selectRecordBatch(c, kOp, "r.created_at IS NOT NULL", cutoff, limit, ids));
    deleted = static_cast<std::int64_t>(ids.size());
    if (ids.empty()) return Status::ok();
    const std::string batch = textArray(ids);
    for (const std::string_view sql : {
             // The yearly activity cap counts a practitioner's teleconsultations of the year:
             // keep the count of those deleted (countTeleconsultations adds it).
             "INSERT INTO deleted_teleconsultations (rpps, year, count)"
             " SELECT practitioner_rpps, encounter_year, COUNT(*) FROM records"
             " WHERE practitioner_is_treating = 0 AND id = ANY($1::text[])"
             " GROUP BY practitioner_rpps, encounter_year ON CONFLICT (rpps, year)"
             " DO UPDATE SET count = deleted_teleconsultations.count + excluded.count",
             // The answers remembered for the record's and its documents' external ids live as
             // long as the record (the submission service keys them "tc-ext:<id>" and
             // "doc-ext:<id>").
             "DELETE FROM idempotency_keys WHERE (client_id, idempotency_key) IN"
             " (SELECT client_id, 'tc-ext:' || external_id FROM records"
             " WHERE external_id IS NOT NULL AND id = ANY($1::text[])"
             " UNION ALL SELECT client_id, 'doc-ext:' || external_id FROM documents"
             " WHERE external_id IS NOT NULL AND record_id = ANY($1::text[]))",
             // Documents, resources, deliveries and attempts go with their record (ON DELETE
             // CASCADE).
             "DELETE FROM records WHERE id = ANY($1::text[])",
             // Their entries in the connectors' lines (nothing left to deliver).
             "DELETE FROM delivery_lines WHERE record_id = ANY($1::text[])",
         }) {
      FHIRGW_RETURN_IF_ERROR(c.exec(kOp, sql, Params().text(batch)).status());
    }
    return Status::ok();
  });
  if (!written.isOk()) return written;
  return deleted;
}

Result<std::int64_t> PostgresStore::deleteAuditEntries(common::TimePoint cutoff,
                                                       std::size_t limit) {
  FHIRGW_RETURN_IF_ERROR(checkLimit(limit));
  std::int64_t deleted = 0;
  const Status written = impl_->write("delete audit entries", [&](Connection& c) {
    // The append-only trigger fires on UPDATE only.
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows, c.exec("delete audit entries",
                          "DELETE FROM audit_entries WHERE id IN (SELECT id FROM audit_entries"
                          " WHERE at < $1 ORDER BY at LIMIT $2 FOR UPDATE SKIP LOCKED)",
                          Params()
                              .integer(detail::pg::toMillis(cutoff))
                              .integer(static_cast<std::int64_t>(limit))));
    deleted = rows.affected();
    return Status::ok();
  });
  if (!written.isOk()) return written;
  return deleted;
}

Result<std::int64_t> PostgresStore::purgeExpiredIdempotencyEntries(std::size_t limit) {
  FHIRGW_RETURN_IF_ERROR(checkLimit(limit));
  std::int64_t purged = 0;
  const Status written = impl_->write("purge idempotency entries", [&](Connection& c) {
    // A submission reusing an expired key at the same moment replaces the row in place or,
    // once this delete commits, inserts it anew (its ON CONFLICT waits for the row).
    FHIRGW_ASSIGN_OR_RETURN(
        Rows rows,
        c.exec("purge idempotency entries",
               "DELETE FROM idempotency_keys WHERE (client_id, idempotency_key) IN"
               " (SELECT client_id, idempotency_key FROM idempotency_keys"
               " WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)",
               Params().integer(impl_->nowMs()).integer(static_cast<std::int64_t>(limit))));
    purged = rows.affected();
    return Status::ok();
  });
  if (!written.isOk()) return written;
  return purged;
}

}  // namespace fhirgw::store
