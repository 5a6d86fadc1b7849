// SqliteStore: the rotation of encryption at rest (counts of sealed values by key, sealing again
// under the active key in short batches, WAL checkpoint; the StorageEncryption role).

#include <array>
#include <initializer_list>
#include <string>
#include <vector>

#include "connection.hpp"
#include "fhirgw/common/key_ring.hpp"
#include "reseal_support.hpp"

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

namespace {

/// A column sealed at rest, with the SQL that spells the row id of its values' context (the
/// same text sealContext gets on write).
struct SealedColumn {
  std::string_view table;
  std::string_view column;
  std::string_view rowIdSql;
};

constexpr std::array<SealedColumn, 9> kSealedColumns = {{
    {"records", "body", "id"},
    {"records", "outcome", "id"},
    {"documents", "body", "id"},
    {"documents", "outcome", "id"},
    {"fhir_resources", "json", "resource_type || '/' || resource_id || '/' || version"},
    {"deliveries", "target", "id"},
    {"deliveries", "last_error", "id"},
    {"delivery_attempts", "message", "CAST(id AS TEXT)"},
    {"idempotency_keys", "response_body", "client_id || '/' || idempotency_key"},
}};

// "gcm1:" + 16 hex digits + ":".
constexpr std::string_view kSealedPrefixLength = "22";

// SQL text from pieces (table and column names come from kSealedColumns, never from input).
std::string sql(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) out.append(p);
  return out;
}

}  // namespace

Result<std::vector<SealedColumnCount>> SqliteStore::countSealedValues() const {
  return impl_->readValue<std::vector<SealedColumnCount>>(
      "count sealed values",
      [&](Session& s, std::vector<SealedColumnCount>& out) {
        for (const SealedColumn& c : kSealedColumns) {
          const std::string_view col = c.column;
          using Row = Poco::Tuple<std::string, Poco::Int64>;
          std::vector<Row> rows;
          s << sql({"SELECT CASE WHEN substr(", col, ", 1, 5) = 'gcm1:' AND substr(", col,
                    ", 22, 1) = ':' THEN substr(", col, ", 6, 16) ELSE '' END, COUNT(*) FROM ",
                    c.table, " WHERE ", col, " IS NOT NULL AND ", col, " <> '' GROUP BY 1"}),
              kw::into(rows), kw::now;
          SealedColumnCount count;
          count.table = c.table;
          count.column = c.column;
          const common::KeyRing* ring = impl_->keyRing();
          for (const Row& row : rows) {
            addSealedValues(count, row.get<0>(), row.get<1>(), ring);
          }
          out.push_back(std::move(count));
        }
        return Status::ok();
      },
      /*snapshot=*/true);
}

Result<ResealBatch> SqliteStore::resealBatch(const ResealCursor& cursor, std::size_t limit) {
  const common::KeyRing* ring = impl_->keyRing();
  FHIRGW_ASSIGN_OR_RETURN(const std::string prefix, resealPrefix(ring, limit));
  ResealBatch batch;
  ResealCursor at = cursor;
  std::vector<Poco::Int64> rows;
  // The candidates are found on a read connection, off the write lock: the scan may pass many
  // values already under the active key.
  while (at.column < kSealedColumns.size()) {
    const SealedColumn& c = kSealedColumns[at.column];
    const std::string limitText = std::to_string(limit);
    FHIRGW_RETURN_IF_ERROR(impl_->read("find values to reseal", [&](Session& s) {
      rows.clear();
      s << sql({"SELECT rowid FROM ", c.table, " WHERE rowid > ? AND ", c.column,
                " IS NOT NULL AND ", c.column, " <> '' AND substr(", c.column, ", 1, ",
                kSealedPrefixLength, ") <> ? ORDER BY rowid LIMIT ", limitText}),
          kw::bind(Poco::Int64{at.afterRow}), kw::bind(prefix), kw::into(rows), kw::now;
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
  const std::string select =
      sql({"SELECT ", c.rowIdSql, ", ", c.column, " FROM ", c.table, " WHERE rowid = ?"});
  // Compared as bytes: a packed value stored without encryption is a BLOB, which never equals
  // the text it is bound as.
  const std::string update =
      sql({"UPDATE ", c.table, " SET ", c.column, " = ? WHERE rowid = ? AND CAST(", c.column,
           " AS BLOB) = CAST(? AS BLOB)"});
  FHIRGW_RETURN_IF_ERROR(impl_->write("reseal values", [&](Session& s) {
    batch.resealed = 0;
    batch.unopened = 0;
    batch.firstProblem.clear();
    for (const Poco::Int64 row : rows) {
      // Read again under the write lock: what the scan saw may have changed or gone since.
      using Row = Poco::Tuple<std::string, NullableText>;
      std::vector<Row> current;
      s << select, kw::bind(row), kw::into(current), kw::now;
      // An empty value (content purged by retention) holds nothing to protect.
      if (current.empty() || current[0].get<1>().isNull() || current[0].get<1>().value().empty()) {
        continue;
      }
      const std::string& stored = current[0].get<1>().value();
      if (stored.starts_with(prefix)) continue;
      const std::string context = sealContext(c.table, c.column, current[0].get<0>());
      // Unsealed only: a packed value is sealed again as it is, still packed.
      std::string plain = stored;
      if (Status opened = impl_->sealer().unseal(plain, context); !opened.isOk()) {
        if (batch.unopened++ == 0) batch.firstProblem = opened.message();
        continue;
      }
      Statement write(s);
      write << update, kw::bind(ring->seal(plain, context)), kw::bind(row), kw::bind(stored);
      batch.resealed += static_cast<std::int64_t>(write.execute());
    }
    return Status::ok();
  }));
  at.afterRow = rows.back();
  batch.next = at;
  return batch;
}

Result<bool> SqliteStore::checkpointWal() {
  bool complete = false;
  FHIRGW_RETURN_IF_ERROR(impl_->withWriter("checkpoint", [&](Session& s) {
    Poco::Int64 busy = 0;
    Poco::Int64 logFrames = 0;
    Poco::Int64 checkpointed = 0;
    s << "PRAGMA wal_checkpoint(TRUNCATE)", kw::into(busy), kw::into(logFrames),
        kw::into(checkpointed), kw::now;
    complete = busy == 0;
    return Status::ok();
  }));
  return complete;
}

}  // namespace fhirgw::store
