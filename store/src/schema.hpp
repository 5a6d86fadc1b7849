#pragma once

// Private to the store: the schema migrations, one list for both engines.

#include <string_view>
#include <vector>

namespace fhirgw::store::detail {

/// The SQL engines the store runs on.
enum class Engine { kSqlite, kPostgresql };

/// One statement of a migration. Most are spelled the same for both engines (the implicit
/// constructor); where the dialects differ, `spelled(sqlite, postgresql)` gives each its text,
/// and an empty text means nothing to run on that engine.
struct MigrationStatement {
  // NOLINTNEXTLINE(google-explicit-constructor): a plain string is the portable case
  constexpr MigrationStatement(std::string_view both) : sqlite(both), postgresql(both) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  constexpr MigrationStatement(const char* both) : MigrationStatement(std::string_view(both)) {}
  constexpr MigrationStatement(std::string_view sqliteText, std::string_view postgresqlText)
      : sqlite(sqliteText), postgresql(postgresqlText) {}

  std::string_view text(Engine engine) const {
    return engine == Engine::kSqlite ? sqlite : postgresql;
  }

  std::string_view sqlite;
  std::string_view postgresql;
};

/// A statement whose SQLite and PostgreSQL spellings differ.
constexpr MigrationStatement spelled(std::string_view sqlite, std::string_view postgresql) {
  return {sqlite, postgresql};
}

/// One schema step: applied once, in its own transaction, recorded in schema_migrations.
struct Migration {
  int version;
  std::string_view name;
  std::vector<MigrationStatement> statements;  ///< run in order, one statement each
};

/// The migrations of both engines, by increasing version without gaps: the same tables, columns
/// and indexes on each (tests/store/schema_test.cpp compares them). Never edit a released one:
/// add a new version instead (see docs/storage.md).
const std::vector<Migration>& migrations();

/// Creates the bookkeeping table; safe to run on every open (both engines).
inline constexpr std::string_view kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

}  // namespace fhirgw::store::detail
