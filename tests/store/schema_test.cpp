// One migration list for both engines: after migrating, SQLite and PostgreSQL hold the same
// tables, columns (type family and nullability), indexes and triggers.
#include "schema.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fhirgw/testsupport/test_clock.hpp"
#include "test_database.hpp"

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;

namespace {

// Columns as "table.column type[ NOT NULL]", the type reduced to its family (SQLite's INTEGER is
// 64 bits, PostgreSQL's identity columns BIGINT); a primary-key column counts as NOT NULL (SQLite
// does not say so for TEXT keys, PostgreSQL does).
constexpr std::string_view kSqliteColumns = R"sql(
SELECT m.name || '.' || p.name || ' ' ||
       CASE WHEN upper(p.type) IN ('INTEGER', 'BIGINT') THEN 'integer' ELSE lower(p.type) END ||
       CASE WHEN p."notnull" = 1 OR p.pk > 0 THEN ' NOT NULL' ELSE '' END
FROM sqlite_master m JOIN pragma_table_info(m.name) p
WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' ORDER BY 1)sql";

constexpr std::string_view kPostgresqlColumns = R"sql(
SELECT c.table_name || '.' || c.column_name || ' ' ||
       CASE WHEN c.data_type IN ('integer', 'bigint') THEN 'integer' ELSE c.data_type END ||
       CASE WHEN c.is_nullable = 'NO' THEN ' NOT NULL' ELSE '' END
FROM information_schema.columns c WHERE c.table_schema = current_schema() ORDER BY 1)sql";

// Named indexes (not those the engines make for keys and UNIQUE constraints) and triggers.
constexpr std::string_view kSqliteIndexes =
    "SELECT type || ' ' || name FROM sqlite_master WHERE type IN ('index', 'trigger')"
    " AND name NOT LIKE 'sqlite_autoindex_%' ORDER BY 1";

constexpr std::string_view kPostgresqlIndexes = R"sql(
SELECT 'index ' || indexname FROM pg_indexes WHERE schemaname = current_schema()
  AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))
UNION SELECT DISTINCT 'trigger ' || trigger_name FROM information_schema.triggers
  WHERE trigger_schema = current_schema() ORDER BY 1)sql";

std::vector<std::string> rows(Engine engine, std::string_view sqlite, std::string_view postgresql) {
  auto db = TestDatabase::create(engine);
  EXPECT_TRUE(db.hasValue()) << db.status().toString();
  if (!db.hasValue()) return {};
  common::ManualClock clock{testsupport::testStart()};
  auto store = (*db)->open(StoreOptions{}, clock);
  EXPECT_TRUE(store.hasValue()) << store.status().toString();
  auto out = (*db)->column(engine == Engine::kSqlite ? sqlite : postgresql);
  EXPECT_TRUE(out.hasValue()) << out.status().toString();
  if (!out.hasValue()) return {};
  // Sorted here: the engines' collations need not agree.
  std::sort(out->begin(), out->end());
  return *out;
}

// Runs on the PostgreSQL side of the split (it needs the server) and opens SQLite itself.
class SchemaOfBothEngines : public ::testing::TestWithParam<Engine> {};
INSTANTIATE_TEST_SUITE_P(, SchemaOfBothEngines, ::testing::Values(Engine::kPostgresql), engineName);

}  // namespace

TEST_P(SchemaOfBothEngines, HasTheSameTablesAndColumnsButTheDifferencesByDesign) {
  const auto sqlite = rows(Engine::kSqlite, kSqliteColumns, kPostgresqlColumns);
  auto postgresql = rows(Engine::kPostgresql, kSqliteColumns, kPostgresqlColumns);
  ASSERT_GT(sqlite.size(), 60u);
  // Migrations 8 and 9: PostgreSQL orders insertions (and a key rotation's walk) by an identity
  // column where SQLite has its rowid, and keeps the packed values in bytea where SQLite's TEXT
  // takes a BLOB.
  for (const std::string_view only :
       {"deliveries.seq integer NOT NULL", "documents.seq integer NOT NULL",
        "fhir_resources.seq integer NOT NULL", "idempotency_keys.seq integer NOT NULL",
        "records.seq integer NOT NULL"}) {
    const auto found = std::find(postgresql.begin(), postgresql.end(), only);
    ASSERT_NE(found, postgresql.end()) << only;
    postgresql.erase(found);
  }
  for (const std::string_view packed :
       {"documents.body", "documents.outcome", "fhir_resources.json",
        "idempotency_keys.response_body", "records.body", "records.outcome"}) {
    const auto found =
        std::find(postgresql.begin(), postgresql.end(), std::string(packed) + " bytea NOT NULL");
    ASSERT_NE(found, postgresql.end()) << packed;
    *found = std::string(packed) + " text NOT NULL";
  }
  std::sort(postgresql.begin(), postgresql.end());
  EXPECT_EQ(sqlite, postgresql);
}

TEST_P(SchemaOfBothEngines, HasTheSameIndexesAndTriggers) {
  const auto sqlite = rows(Engine::kSqlite, kSqliteIndexes, kPostgresqlIndexes);
  const auto postgresql = rows(Engine::kPostgresql, kSqliteIndexes, kPostgresqlIndexes);
  ASSERT_GT(sqlite.size(), 15u);
  EXPECT_EQ(sqlite, postgresql);
}

TEST(MigrationList, VersionsGrowByOneFromOneAndEveryStatementHasATextForSomeEngine) {
  int expected = 1;
  for (const detail::Migration& migration : detail::migrations()) {
    EXPECT_EQ(migration.version, expected++);
    EXPECT_FALSE(migration.name.empty());
    for (const detail::MigrationStatement& statement : migration.statements) {
      EXPECT_FALSE(statement.sqlite.empty() && statement.postgresql.empty()) << migration.name;
    }
  }
}
