#pragma once

// The store tests run against both engines: a test fixture takes an Engine parameter and opens
// its store in a TestDatabase, a fresh SQLite file or a fresh schema of the test PostgreSQL
// server (started by the ctest fixture `postgresql`, tests/tools/pg-cluster.sh).

#include <Poco/Data/Session.h>
#include <gtest/gtest.h>

#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/files.hpp"

struct pg_conn;

namespace fhirgw::store::testing {

enum class Engine { kSqlite, kPostgresql };

/// "Sqlite" | "Postgresql": the last part of a parametrised test's name (ctest runs the
/// PostgreSQL ones with the server fixture: `*/Postgresql`).
std::string engineName(const ::testing::TestParamInfo<Engine>& info);
/// The same name for gtest's printing of the parameter (ctest's test names show it).
void PrintTo(Engine engine, std::ostream* out);

/// The environment variable the ctest fixture sets: the test server's url, whose password libpq
/// reads from the passfile the url names.
inline constexpr const char* kUrlVariable = "FHIRGW_TEST_POSTGRESQL_URL";

/// Where one test's store lives, removed at the end of the test: a temporary folder (SQLite), or
/// a schema of its own in the test server's database (PostgreSQL: the store's connections get it
/// as their search_path, so tests running at once never see each other's tables).
class TestDatabase {
 public:
  /// A connection of its own to the database, outside the store, kept open so that a test can
  /// hold a transaction (and its locks) while the store works beside it.
  class Connection {
   public:
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    /// Runs one statement (BEGIN, COMMIT and the like included).
    common::Status execute(std::string_view sql);

   private:
    friend class TestDatabase;
    Connection() = default;
    pg_conn* pg_ = nullptr;
    std::unique_ptr<Poco::Data::Session> sqlite_;
  };

  /// kFailedPrecondition naming FHIRGW_TEST_POSTGRESQL_URL when the PostgreSQL server is not
  /// there: a test that needs it fails, it is never skipped.
  static common::Result<std::unique_ptr<TestDatabase>> create(Engine engine);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  Engine engine() const { return engine_; }
  /// storage.url of this database (SQLite: sqlite:PATH; PostgreSQL: the server's url with the
  /// schema as search_path).
  const std::string& url() const { return url_; }
  /// The test server's url, without the schema (PostgreSQL).
  const std::string& serverUrl() const { return serverUrl_; }

  /// Opens the store of this database through openStore (SQLite) or PostgresStore::open,
  /// with `options`' other settings.
  common::Result<std::unique_ptr<Store>> open(StoreOptions options,
                                              const common::Clock& clock) const;
  /// Runs SQL outside the store (what the Store interface does not offer), in this database.
  common::Status execute(std::string_view sql) const;
  /// The first column of every row a query returns, as text (NULL as "<null>").
  common::Result<std::vector<std::string>> column(std::string_view sql) const;
  /// Opens a Connection to this database.
  common::Result<std::unique_ptr<Connection>> connect() const;

 private:
  explicit TestDatabase(Engine engine) : engine_(engine) {}

  Engine engine_;
  std::unique_ptr<testsupport::TempDir> dir_;
  std::string url_;
  std::string serverUrl_;  // PostgreSQL: the server's url, without the schema
  std::string schema_;
};

/// Instantiates a TEST_P suite for both engines: Suite.Test/Sqlite and Suite.Test/Postgresql.
#define FHIRGW_STORE_TEST_BOTH_ENGINES(suite)                                                \
  INSTANTIATE_TEST_SUITE_P(, suite,                                                          \
                           ::testing::Values(::fhirgw::store::testing::Engine::kSqlite,      \
                                             ::fhirgw::store::testing::Engine::kPostgresql), \
                           ::fhirgw::store::testing::engineName)

/// A fixture whose store is opened on its engine's TestDatabase at SetUp (with a ManualClock
/// at testStart()).
class EngineTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override;
  /// Opens another store on the same database (a second instance, or a reopening).
  std::unique_ptr<Store> openAnother(StoreOptions options = {});

  std::unique_ptr<TestDatabase> db;
  common::ManualClock clock;
  std::unique_ptr<Store> store;

 public:
  EngineTest();
};

}  // namespace fhirgw::store::testing
