// PostgresStore: the retention purges (the RetentionStore role), each one short transaction over
// a bounded batch. Several instances may purge at once: a batch skips the rows another one holds
// (FOR UPDATE SKIP LOCKED) instead of waiting for them.

#include <string>

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
