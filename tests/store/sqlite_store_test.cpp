#include "fhirgw/store/sqlite_store.hpp"

#include <Poco/Data/Statement.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "fhirgw/store/store.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"
#include "store_test_support.hpp"

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;
using namespace std::chrono_literals;
namespace kw = Poco::Data::Keywords;
namespace fs = std::filesystem;

namespace {

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> open() {
    StoreOptions options;
    options.dataDir = (dir.path() / "data").string();
    auto store = openStore(options, clock);
    EXPECT_TRUE(store.hasValue()) << store.status().toString();
    return store.hasValue() ? std::move(*store) : nullptr;
  }
  fs::path dbPath() const { return dir.path() / "data" / "gateway.db"; }

  TempDir dir;
  common::ManualClock clock{testStart()};
};

}  // namespace

// ---- opening and migrations ------------------------------------------------------------------

TEST_F(SqliteStoreTest, OpeningCreatesPrivateDataDirAndDatabaseAtTheLatestVersion) {
  StoreOptions options;
  options.dataDir = (dir.path() / "nested" / "data").string();
  auto store = openStore(options, clock);
  ASSERT_TRUE(store.hasValue()) << store.status().toString();
  const fs::path db = dir.path() / "nested" / "data" / "gateway.db";
  ASSERT_TRUE(fs::exists(db));
  EXPECT_EQ(fs::status(db).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(db.parent_path()).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_TRUE((*store)->ping().isOk());
  auto version = (*store)->schemaVersion();
  ASSERT_TRUE(version.hasValue());
  EXPECT_EQ(*version, latestSqliteSchemaVersion());
}

TEST_F(SqliteStoreTest, DatabaseUsesWalJournalAndRecordsEachMigration) {
  ASSERT_NE(open(), nullptr);
  auto raw = rawSession(dbPath());
  std::string mode;
  raw << "PRAGMA journal_mode", kw::into(mode), kw::now;
  EXPECT_EQ(mode, "wal");
  Poco::Int64 rows = 0;
  Poco::Int64 appliedAt = 0;
  raw << "SELECT COUNT(*), MIN(applied_at) FROM schema_migrations", kw::into(rows),
      kw::into(appliedAt), kw::now;
  EXPECT_EQ(rows, latestSqliteSchemaVersion());
  EXPECT_EQ(appliedAt, 1'772'442'000'000);
}

TEST_F(SqliteStoreTest, ReopeningAppliesNoMigrationTwice) {
  ASSERT_NE(open(), nullptr);  // closed again at the end of the statement
  clock.advance(1h);
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(*store->schemaVersion(), latestSqliteSchemaVersion());
  auto raw = rawSession(dbPath());
  Poco::Int64 rows = 0;
  Poco::Int64 latestApplied = 0;
  raw << "SELECT COUNT(*), MAX(applied_at) FROM schema_migrations", kw::into(rows),
      kw::into(latestApplied), kw::now;
  EXPECT_EQ(rows, latestSqliteSchemaVersion());
  EXPECT_EQ(latestApplied, 1'772'442'000'000) << "a migration ran again on reopen";
}

TEST_F(SqliteStoreTest, RefusesADatabaseWhoseSchemaIsNewerThanTheCode) {
  ASSERT_NE(open(), nullptr);
  {
    auto raw = rawSession(dbPath());
    raw << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)",
        kw::bind(Poco::Int64{latestSqliteSchemaVersion() + 1}), kw::now;
  }
  StoreOptions options;
  options.dataDir = (dir.path() / "data").string();
  auto store = openStore(options, clock);
  ASSERT_FALSE(store.hasValue());
  EXPECT_EQ(store.error().code(), common::StatusCode::kFailedPrecondition);
  EXPECT_NE(store.error().message().find("newer"), std::string::npos) << store.error().message();
}

TEST(OpenStore, APostgresqlUrlSelectsPostgresqlAndAPasswordInItIsRefusedUnechoed) {
  StoreOptions options;
  // Nothing listens on port 1 of the loopback: the PostgreSQL store was tried, and says so.
  options.url = "postgresql://gw@127.0.0.1:1/gateway?connect_timeout=2";
  auto store = openStore(options);
  ASSERT_FALSE(store.hasValue());
  EXPECT_EQ(store.error().code(), common::StatusCode::kUnavailable) << store.error().toString();

  for (const char* url : {"postgresql://gw:s3cret@db.example/gateway",
                          "postgres://gw@db.example/gateway?password=s3cret",
                          "postgresql://gw@db.example/gateway?sslpassword=s3cret"}) {
    options.url = url;
    store = openStore(options);
    ASSERT_FALSE(store.hasValue()) << url;
    EXPECT_EQ(store.error().code(), common::StatusCode::kInvalidArgument) << url;
    EXPECT_EQ(store.error().message().find("s3cret"), std::string::npos) << store.error().message();
    EXPECT_NE(store.error().message().find("storage.passwordFile"), std::string::npos);
  }
}

TEST(OpenStore, SqliteUrlNamesTheDatabaseFile) {
  TempDir dir;
  StoreOptions options;
  options.url = "sqlite:" + (dir.path() / "elsewhere" / "gw.db").string();
  auto store = openStore(options);
  ASSERT_TRUE(store.hasValue()) << store.status().toString();
  EXPECT_TRUE(fs::exists(dir.path() / "elsewhere" / "gw.db"));
  options.url = "sqlite:";
  EXPECT_EQ(openStore(options).error().code(), common::StatusCode::kInvalidArgument);
}

TEST(OpenStore, UnknownUrlSchemeIsAnInvalidArgument) {
  StoreOptions options;
  options.url = "mysql://db/gateway";
  auto store = openStore(options);
  ASSERT_FALSE(store.hasValue());
  EXPECT_EQ(store.error().code(), common::StatusCode::kInvalidArgument);
}

TEST(OpenStore, EmptyDataDirIsAnInvalidArgument) {
  StoreOptions options;
  options.dataDir.clear();
  auto store = openStore(options);
  ASSERT_FALSE(store.hasValue());
  EXPECT_EQ(store.error().code(), common::StatusCode::kInvalidArgument);
}

TEST(OpenStore, DataDirThatIsAFileFailsWithAClearStatus) {
  TempDir dir;
  const fs::path file = dir.path() / "not-a-folder";
  std::ofstream(file) << "x";
  StoreOptions options;
  options.dataDir = file.string();
  auto store = openStore(options);
  ASSERT_FALSE(store.hasValue());
  EXPECT_EQ(store.error().code(), common::StatusCode::kFailedPrecondition);
}

TEST_F(SqliteStoreTest, TeleconsultationsAreCountedPerYearAcrossClientsWithoutTreatingPhysician) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->createClient({"c-1", "One", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  ASSERT_TRUE(store
                  ->createClient({"c-2", "Two", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  int n = 0;
  const auto commit = [&](const std::string& client, const std::string& rpps, int year,
                          bool treating) {
    Submission sub = makeSubmission(client, "r-" + std::to_string(++n));
    sub.record->practitionerRpps = rpps;
    sub.record->encounterYear = year;
    sub.record->practitionerIsTreating = treating;
    ASSERT_TRUE(store->commitSubmission(sub).isOk());
  };
  commit("c-1", "10000000001", 2026, false);
  commit("c-1", "10000000001", 2026, false);
  commit("c-2", "10000000001", 2026, false);
  commit("c-1", "10000000001", 2026, true);   // treating physician: not counted
  commit("c-1", "10000000001", 2025, false);  // another year
  commit("c-1", "10000000002", 2026, false);  // another practitioner
  EXPECT_EQ(*store->countTeleconsultations("10000000001", 2026), 3);
  EXPECT_EQ(*store->countTeleconsultations("10000000001", 2025), 1);
  EXPECT_EQ(*store->countTeleconsultations("10000000001", 2024), 0);
  EXPECT_EQ(*store->countTeleconsultations("10000000002", 2026), 1);
}
