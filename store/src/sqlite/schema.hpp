#pragma once

#include <string_view>
#include <vector>

namespace fhirgw::store::detail {

/// One schema step: applied once, in its own transaction, recorded in schema_migrations.
struct Migration {
  int version;
  std::string_view name;
  std::vector<std::string_view> statements;  ///< run in order, one statement each
};

/// The SQLite migrations, by increasing version without gaps. Never edit a released one: add a
/// new version instead (see docs/storage.md).
const std::vector<Migration>& sqliteMigrations();

/// Creates the bookkeeping table; safe to run on every open.
inline constexpr std::string_view kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL,"
    " applied_at BIGINT NOT NULL)";

}  // namespace fhirgw::store::detail
