// PostgresStore: the rotation of encryption at rest (counts of sealed values by key, sealing again
// under the active key in short batches, and a VACUUM of the tables it rewrote; the
// StorageEncryption role), as the SQLite store does it (store/src/sqlite/reseal.cpp). A pass
// walks each column in the order of a growing identity column (`seq`, or the attempts' `id`),
// where SQLite walks its rowid.

#include <array>
#include <initializer_list>
#include <string>
#include <vector>

#include "fhirgw/common/key_ring.hpp"
#include "postgresql/store_impl.hpp"
#include "reseal_support.hpp"
#include "sealer.hpp"

namespace fhirgw::store {

using common::Result;
using common::Status;
using detail::pg::Connection;
using detail::pg::Params;
using detail::pg::Rows;

namespace {

/// A column sealed at rest: the SQL spelling its values' row id (the text sealContext gets on
/// write), the growing row number a pass walks, and whether the column is bytea (the packed
/// values, migration 8) or text.
struct SealedColumn {
  std::string_view table;
  std::string_view column;
  std::string_view rowIdSql;
  std::string_view rowNumber;
  bool bytea;
};

// The same columns, in the same order, as SQLite's list: a cursor means the same column in both.
constexpr std::array<SealedColumn, 9> kSealedColumns = {{
    {"records", "body", "id", "seq", true},
    {"records", "outcome", "id", "seq", true},
    {"documents", "body", "id", "seq", true},
    {"documents", "outcome", "id", "seq", true},
    {"fhir_resources", "json", "resource_type || '/' || resource_id || '/' || version", "seq",
     true},
    {"deliveries", "target", "id", "seq", false},
    {"deliveries", "last_error", "id", "seq", false},
    {"delivery_attempts", "message", "CAST(id AS TEXT)", "id", false},
    {"idempotency_keys", "response_body", "client_id || '/' || idempotency_key", "seq", true},
}};

// The tables a pass rewrites: vacuumed at its end, so that the old values' row versions go.
constexpr std::string_view kSealedTables =
    "records, documents, fhir_resources, deliveries, delivery_attempts, idempotency_keys";

// "gcm1:" + 16 hex digits + ":".
constexpr int kSealedPrefixLength = 22;

// SQL text from pieces (table and column names come from kSealedColumns, never from input).
std::string sql(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

// The first n bytes of the column as text: a bytea head through encode(..., 'escape'), which
// leaves printable ASCII (every byte of a sealed prefix) as it is.
std::string head(const SealedColumn& c, int n) {
  const std::string count = std::to_string(n);
  if (c.bytea) {
    return sql({"encode(substring(", c.column, " from 1 for ", count, "), 'escape')"});
  }
  return sql({"substr(", c.column, ", 1, ", count, ")"});
}

// The column holds a value: not NULL and not empty (a purged content is empty).
std::string present(const SealedColumn& c) {
  return sql({c.column, " IS NOT NULL AND length(", c.column, ") > 0"});
}

}  // namespace

Result<std::vector<SealedColumnCount>> PostgresStore::countSealedValues() const {
  const common::KeyRing* ring = impl_->sealer().keyRing();
  return impl_->readValue<std::vector<SealedColumnCount>>(
      "count sealed values",
      [&](Connection& c, std::vector<SealedColumnCount>& out) {
        for (const SealedColumn& column : kSealedColumns) {
          const std::string prefix = head(column, 5);
          const std::string separator =
              column.bytea ? sql({"encode(substring(", column.column, " from 22 for 1), 'escape')"})
                           : sql({"substr(", column.column, ", 22, 1)"});
          const std::string keyId =
              column.bytea ? sql({"encode(substring(", column.column, " from 6 for 16), 'escape')"})
                           : sql({"substr(", column.column, ", 6, 16)"});
          FHIRGW_ASSIGN_OR_RETURN(
              Rows rows, c.exec("count sealed values",
                                sql({"SELECT CASE WHEN ", prefix, " = 'gcm1:' AND ", separator,
                                     " = ':' THEN ", keyId, " ELSE '' END, COUNT(*) FROM ",
                                     column.table, " WHERE ", present(column), " GROUP BY 1"})));
          SealedColumnCount count;
          count.table = column.table;
          count.column = column.column;
          for (int i = 0; i < rows.count(); ++i) {
            detail::addSealedValues(count, rows.text(i, 0), rows.integer(i, 1), ring);
          }
          out.push_back(std::move(count));
        }
        return Status::ok();
      },
      /*snapshot=*/true);
}

Result<ResealBatch> PostgresStore::resealBatch(const ResealCursor& cursor, std::size_t limit) {
  const common::KeyRing* ring = impl_->sealer().keyRing();
  FHIRGW_ASSIGN_OR_RETURN(const std::string prefix, detail::resealPrefix(ring, limit));
  ResealBatch batch;
  ResealCursor at = cursor;
  std::vector<std::int64_t> rows;
  // The candidates are found outside the write transaction: the scan may pass many values
  // already under the active key.
  while (at.column < kSealedColumns.size()) {
    const SealedColumn& c = kSealedColumns[at.column];
    FHIRGW_RETURN_IF_ERROR(impl_->read("find values to reseal", [&](Connection& conn) {
      rows.clear();
      FHIRGW_ASSIGN_OR_RETURN(
          Rows found,
          conn.exec("find values to reseal",
                    sql({"SELECT ", c.rowNumber, " FROM ", c.table, " WHERE ", c.rowNumber,
                         " > $1 AND ", present(c), " AND ", head(c, kSealedPrefixLength),
                         " <> $2 ORDER BY ", c.rowNumber, " LIMIT ", std::to_string(limit)}),
                    Params().integer(at.afterRow).text(prefix)));
      for (int i = 0; i < found.count(); ++i) rows.push_back(found.integer(i, 0));
      return Status::ok();
    }));
    if (!rows.empty()) break;
    ++at.column;
    at.afterRow = 0;
  }
  if (at.column >= kSealedColumns.size()) {
    batch.next = at;
    batch.done = true;
    return batch;
  }
  const SealedColumn& c = kSealedColumns[at.column];
  // FOR UPDATE: a submission's or a delivery's own write of the same row waits for this one
  // (or this one for it), so a value written meanwhile is never replaced by an older one.
  const std::string select = sql({"SELECT ", c.rowIdSql, ", ", c.column, " FROM ", c.table,
                                  " WHERE ", c.rowNumber, " = $1 FOR UPDATE"});
  const std::string update = sql({"UPDATE ", c.table, " SET ", c.column, " = $1 WHERE ",
                                  c.rowNumber, " = $2 AND ", c.column, " = $3"});
  FHIRGW_RETURN_IF_ERROR(impl_->write("reseal values", [&](Connection& conn) {
    batch.resealed = 0;
    batch.unopened = 0;
    batch.firstProblem.clear();
    for (const std::int64_t row : rows) {
      FHIRGW_ASSIGN_OR_RETURN(Rows current,
                              conn.exec("reseal values", select, Params().integer(row)));
      // Gone since the scan, or its content purged: nothing to protect.
      if (current.count() == 0 || current.isNull(0, 1)) continue;
      const std::string stored = c.bytea ? current.bytes(0, 1) : current.text(0, 1);
      if (stored.empty() || stored.starts_with(prefix)) continue;
      const std::string context = detail::sealContext(c.table, c.column, current.text(0, 0));
      // Unsealed only: a packed value is sealed again as it is, still packed.
      std::string plain = stored;
      if (Status opened = impl_->sealer().unseal(plain, context); !opened.isOk()) {
        if (batch.unopened++ == 0) batch.firstProblem = opened.message();
        continue;
      }
      const std::string sealed = ring->seal(plain, context);
      Params params;
      if (c.bytea) {
        params.bytes(sealed).integer(row).bytes(stored);
      } else {
        params.text(sealed).integer(row).text(stored);
      }
      FHIRGW_ASSIGN_OR_RETURN(Rows written, conn.exec("reseal values", update, params));
      batch.resealed += written.affected();
    }
    return Status::ok();
  }));
  at.afterRow = rows.back();
  batch.next = at;
  return batch;
}

Result<bool> PostgresStore::checkpointWal() {
  // PostgreSQL writes its WAL into the tables by its own checkpoints and recycles the segments;
  // what is left of the old values are the rows' dead versions, which VACUUM removes (outside
  // a transaction; the table owner may run it).
  FHIRGW_RETURN_IF_ERROR(impl_->read("vacuum sealed tables", [&](Connection& conn) {
    return conn.run("vacuum sealed tables", sql({"VACUUM ", kSealedTables}));
  }));
  return true;
}

}  // namespace fhirgw::store
