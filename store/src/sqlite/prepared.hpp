#pragma once

// Private to the SQLite store: statements prepared once per connection and reused. Parsing the
// submission's statements took about a third of the writer's CPU under load (issue 15 profile:
// sqlite3_prepare_v2 31 % of the samples with group commit), and the writer is where submissions
// queue; on the read connections, compiling the payload read again for every delivery was about
// a third of that read (issue 15, the drain's profile).

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "rows.hpp"

namespace fhirgw::store::detail {

/// One connection's prepared statements, keyed by their SQL text; finalised before the
/// connection closes (destroy it first).
class StatementCache {
 public:
  explicit StatementCache(Session& session);
  ~StatementCache();
  StatementCache(const StatementCache&) = delete;
  StatementCache& operator=(const StatementCache&) = delete;

  /// The statement for sql (a string with static storage), prepared on first use; throws the
  /// Poco SQLite exception of SQLite's error code.
  sqlite3_stmt* get(std::string_view sql);
  sqlite3* db() const { return db_; }

 private:
  sqlite3* db_;
  std::unordered_map<std::string_view, sqlite3_stmt*> statements_;
};

/// One execution of a cached statement: binds its parameters in order, runs, and leaves the
/// statement reset and unbound whatever happens. Errors throw the Poco SQLite exception of their
/// code, as a Poco statement does, so statusFromCurrentException maps them the same way. Bound
/// text is not copied: it must outlive the run.
class StatementRun {
 public:
  StatementRun(StatementCache& cache, std::string_view sql);
  ~StatementRun();
  StatementRun(const StatementRun&) = delete;
  StatementRun& operator=(const StatementRun&) = delete;

  StatementRun& text(std::string_view value);
  StatementRun& text(const std::string& value) { return text(std::string_view(value)); }
  StatementRun& text(const std::optional<std::string>& value);
  StatementRun& text(const NullableText& value);
  /// A sealed column's value: as a BLOB when it is one (StoredValue::blob), else as text.
  StatementRun& stored(const StoredValue& value);
  StatementRun& integer(std::int64_t value);
  StatementRun& integer(const NullableInt& value);

  /// Runs a statement that returns no row.
  void execute();
  /// Runs a statement that returns one row of one integer (SELECT COUNT(*)).
  std::int64_t single();

  /// Steps a SELECT to its next row: false once there is none.
  bool next();
  /// Columns of the current row (from 0). columnBytes: a TEXT or BLOB column's bytes, valid until
  /// the next step.
  std::string_view columnBytes(int column) const;
  std::optional<std::string> columnText(int column) const;
  std::int64_t columnInteger(int column) const;
  std::optional<std::int64_t> columnOptionalInteger(int column) const;

 private:
  void check(int rc) const;

  sqlite3* db_;
  sqlite3_stmt* statement_;
  int next_ = 1;
};

}  // namespace fhirgw::store::detail
