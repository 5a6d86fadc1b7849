// SqliteStore: the retention purges (the RetentionStore role), each one short write transaction
// over a bounded batch, so submissions are stored between two batches.

#include <string>
#include <string_view>

#include "connection.hpp"

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

namespace {

// A record is left alone while one of its deliveries may still need its payload (pending, in
// flight, or failed and waiting for its next attempt).
constexpr std::string_view kDeliveriesFinished =
    " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.record_id = r.id"
    " AND d.status NOT IN ('delivered', 'dead', 'skipped'))";

constexpr std::string_view kInBatch = " IN (SELECT id FROM temp.retention_batch)";

std::string sql(std::string_view head, std::string_view tail = {}) {
  std::string out(head);
  out.append(tail);
  return out;
}

Status checkLimit(std::size_t limit) {
  if (limit == 0) return common::invalidArgument("retention: the batch limit is zero");
  return Status::ok();
}

// Puts the ids of the batch (the oldest records matching `condition`, created before cutoff,
// with every delivery finished) into a temporary table of the writer connection, which the
// statements of the batch then name; returns how many.
std::int64_t selectRecordBatch(Session& s, std::string_view condition, Poco::Int64 cutoff,
                               std::size_t limit) {
  s << "CREATE TEMP TABLE IF NOT EXISTS retention_batch (id TEXT PRIMARY KEY)", kw::now;
  s << "DELETE FROM temp.retention_batch", kw::now;
  std::string select = "INSERT INTO temp.retention_batch SELECT r.id FROM records r WHERE ";
  select.append(condition)
      .append(" AND r.created_at < ?")
      .append(kDeliveriesFinished)
      .append(" ORDER BY r.created_at LIMIT ?");
  s << select, kw::bind(cutoff), kw::bind(Poco::Int64(static_cast<Poco::Int64>(limit))), kw::now;
  Poco::Int64 count = 0;
  s << "SELECT COUNT(*) FROM temp.retention_batch", kw::into(count), kw::now;
  return count;
}

}  // namespace

Result<std::int64_t> SqliteStore::purgeRecordContent(common::TimePoint cutoff, std::size_t limit) {
  FHIRGW_RETURN_IF_ERROR(checkLimit(limit));
  std::int64_t purged = 0;
  Status status = impl_->write("purge record content", [&](Session& s) {
    // `purged_at IS NULL` spelled as in the partial index records_unpurged, so it is used.
    purged = selectRecordBatch(s, "r.purged_at IS NULL", toMillis(cutoff), limit);
    if (purged == 0) return Status::ok();
    // Empty rather than NULL: the columns are NOT NULL, and an empty value is what the key
    // rotation and the readers already take as "nothing held".
    s << sql("UPDATE records SET body = '', outcome = '', purged_at = ? WHERE id", kInBatch),
        kw::bind(Poco::Int64{impl_->nowMs()}), kw::now;
    s << sql("UPDATE documents SET body = '', outcome = '' WHERE record_id", kInBatch), kw::now;
    s << sql("DELETE FROM fhir_resources WHERE record_id", kInBatch), kw::now;
    // The recipient's address and the peers' messages can name the patient; statuses, counts,
    // error classes and HTTP statuses stay until the record itself is deleted.
    s << sql("UPDATE deliveries SET target = NULL, last_error = NULL WHERE record_id", kInBatch),
        kw::now;
    s << sql(
        "UPDATE delivery_attempts SET message = NULL WHERE message IS NOT NULL AND"
        " delivery_id IN (SELECT d.id FROM deliveries d WHERE d.record_id",
        sql(kInBatch, ")")),
        kw::now;
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return purged;
}

Result<std::int64_t> SqliteStore::deleteRecords(common::TimePoint cutoff, std::size_t limit) {
  FHIRGW_RETURN_IF_ERROR(checkLimit(limit));
  std::int64_t deleted = 0;
  Status status = impl_->write("delete records", [&](Session& s) {
    deleted = selectRecordBatch(s, "r.created_at IS NOT NULL", toMillis(cutoff), limit);
    if (deleted == 0) return Status::ok();
    // The yearly activity cap counts a practitioner's teleconsultations of the year: keep the
    // count of those deleted (countTeleconsultations adds it).
    s << sql(
        "INSERT INTO deleted_teleconsultations (rpps, year, count)"
        " SELECT practitioner_rpps, encounter_year, COUNT(*) FROM records"
        " WHERE practitioner_is_treating = 0 AND id",
        sql(kInBatch,
            " GROUP BY practitioner_rpps, encounter_year"
            " ON CONFLICT (rpps, year) DO UPDATE SET count = count + excluded.count")),
        kw::now;
    // The answers remembered for the record's and its documents' external ids live as long as
    // the record (the submission service keys them "tc-ext:<id>" and "doc-ext:<id>").
    s << sql(
        "DELETE FROM idempotency_keys WHERE (client_id, idempotency_key) IN"
        " (SELECT client_id, 'tc-ext:' || external_id FROM records"
        " WHERE external_id IS NOT NULL AND id",
        sql(kInBatch,
            " UNION ALL SELECT client_id, 'doc-ext:' || external_id FROM documents"
            " WHERE external_id IS NOT NULL AND record_id" +
                std::string(kInBatch) + ")")),
        kw::now;
    // Documents, resources, deliveries and attempts go with their record (ON DELETE CASCADE).
    s << sql("DELETE FROM records WHERE id", kInBatch), kw::now;
    // Their entries in the connectors' lines (a record purged has nothing left to deliver; the
    // claims would take them out, this saves them the walk).
    s << sql("DELETE FROM delivery_lines WHERE record_id", kInBatch), kw::now;
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return deleted;
}

Result<std::int64_t> SqliteStore::deleteAuditEntries(common::TimePoint cutoff, std::size_t limit) {
  FHIRGW_RETURN_IF_ERROR(checkLimit(limit));
  std::int64_t deleted = 0;
  Status status = impl_->write("delete audit entries", [&](Session& s) {
    Statement remove(s);
    remove << "DELETE FROM audit_entries WHERE id IN"
              " (SELECT id FROM audit_entries WHERE at < ? ORDER BY at LIMIT ?)",
        kw::bind(Poco::Int64{toMillis(cutoff)}),
        kw::bind(Poco::Int64(static_cast<Poco::Int64>(limit)));
    deleted = static_cast<std::int64_t>(remove.execute());
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return deleted;
}

Result<std::int64_t> SqliteStore::purgeExpiredIdempotencyEntries(std::size_t limit) {
  FHIRGW_RETURN_IF_ERROR(checkLimit(limit));
  std::int64_t purged = 0;
  Status status = impl_->write("purge idempotency entries", [&](Session& s) {
    Statement remove(s);
    remove << "DELETE FROM idempotency_keys WHERE (client_id, idempotency_key) IN"
              " (SELECT client_id, idempotency_key FROM idempotency_keys WHERE expires_at <= ?"
              " ORDER BY expires_at LIMIT ?)",
        kw::bind(Poco::Int64{impl_->nowMs()}),
        kw::bind(Poco::Int64(static_cast<Poco::Int64>(limit)));
    purged = static_cast<std::int64_t>(remove.execute());
    return Status::ok();
  });
  if (!status.isOk()) return status;
  return purged;
}

}  // namespace fhirgw::store
