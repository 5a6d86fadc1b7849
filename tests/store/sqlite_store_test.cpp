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

TEST(OpenStore, PostgresqlUrlIsNotImplementedYetAndNeverEchoesTheUrl) {
  StoreOptions options;
  options.url = "postgresql://gw:s3cret@db.example/gateway";
  auto store = openStore(options);
  ASSERT_FALSE(store.hasValue());
  EXPECT_EQ(store.error().code(), common::StatusCode::kUnimplemented);
  EXPECT_EQ(store.error().message().find("s3cret"), std::string::npos);
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

// ---- clients and keys ------------------------------------------------------------------------

TEST_F(SqliteStoreTest, ClientAndKeyRoundTrip) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  const NewApiKey key = fhirgw::testsupport::newStoredKey();
  ASSERT_TRUE(
      store->createClient({"c-1", "Téléconsult SAS", ClientRole::kEditor, 120}, key).isOk());

  auto client = store->getClient("c-1");
  ASSERT_TRUE(client.hasValue()) << client.status().toString();
  EXPECT_EQ(client->name, "Téléconsult SAS");
  EXPECT_EQ(client->role, ClientRole::kEditor);
  EXPECT_EQ(client->rateLimit, 120);
  EXPECT_EQ(client->createdAt, testStart());
  EXPECT_FALSE(client->disabled);

  auto active = store->findActiveApiKey(key.keyId);
  ASSERT_TRUE(active.hasValue());
  EXPECT_EQ(active->client.id, "c-1");
  EXPECT_EQ(active->secretHash, key.secretHash);
}

TEST_F(SqliteStoreTest, ClientIdsAndKeyIdsAreUnique) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  const NewApiKey key = fhirgw::testsupport::newStoredKey();
  ASSERT_TRUE(store->createClient({"c-1", "Editor", ClientRole::kEditor, {}}, key).isOk());
  EXPECT_EQ(store
                ->createClient({"c-1", "Again", ClientRole::kAdmin, {}},
                               fhirgw::testsupport::newStoredKey())
                .code(),
            common::StatusCode::kAlreadyExists);
  // The key clash rolls back the new client as well.
  EXPECT_EQ(store->createClient({"c-2", "Other", ClientRole::kEditor, {}}, key).code(),
            common::StatusCode::kAlreadyExists);
  EXPECT_EQ(store->getClient("c-2").error().code(), common::StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, ClientsAreListedOldestFirst) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->createClient({"z", "First", ClientRole::kAdmin, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  clock.advance(1s);
  ASSERT_TRUE(store
                  ->createClient({"a", "Second", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  auto clients = store->listClients();
  ASSERT_TRUE(clients.hasValue());
  ASSERT_EQ(clients->size(), 2u);
  EXPECT_EQ((*clients)[0].id, "z");
  EXPECT_EQ((*clients)[0].role, ClientRole::kAdmin);
  EXPECT_EQ((*clients)[1].id, "a");
}

TEST_F(SqliteStoreTest, UnknownClientsAndKeysAreNotFound) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->getClient("nobody").error().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store->disableClient("nobody").code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store->revokeApiKey("nobody", "knothing").code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store->listApiKeys("nobody").error().code(), common::StatusCode::kNotFound);
  EXPECT_EQ(store->addApiKey("nobody", fhirgw::testsupport::newStoredKey()).code(),
            common::StatusCode::kNotFound);
  EXPECT_EQ(store->findActiveApiKey("knothing").error().code(), common::StatusCode::kNotFound);
}

TEST_F(SqliteStoreTest, KeysAreListedWithoutSecretsAndRevokedOnlyThroughTheirOwnClient) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  const store::NewApiKey first = fhirgw::testsupport::newStoredKey();
  const store::NewApiKey second = fhirgw::testsupport::newStoredKey();
  ASSERT_TRUE(store->createClient({"c-1", "One", ClientRole::kEditor, {}}, first).isOk());
  ASSERT_TRUE(store
                  ->createClient({"c-2", "Two", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  clock.advance(1s);
  ASSERT_TRUE(store->addApiKey("c-1", second).isOk());

  // Another client's key is not found, and stays active.
  EXPECT_EQ(store->revokeApiKey("c-2", first.keyId).code(), common::StatusCode::kNotFound);
  EXPECT_TRUE(store->findActiveApiKey(first.keyId).hasValue());
  ASSERT_TRUE(store->revokeApiKey("c-1", first.keyId).isOk());
  EXPECT_TRUE(store->revokeApiKey("c-1", first.keyId).isOk());  // again: no change
  EXPECT_EQ(store->findActiveApiKey(first.keyId).error().code(), common::StatusCode::kNotFound);

  auto keys = store->listApiKeys("c-1");
  ASSERT_TRUE(keys.hasValue()) << keys.status().toString();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].keyId, first.keyId);
  EXPECT_TRUE((*keys)[0].revoked);
  EXPECT_EQ((*keys)[1].keyId, second.keyId);
  EXPECT_FALSE((*keys)[1].revoked);
  EXPECT_EQ((*keys)[1].createdAt - (*keys)[0].createdAt, std::chrono::seconds(1));
}

TEST_F(SqliteStoreTest, ADisabledClientGetsNoNewKey) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store
                  ->createClient({"c-1", "One", ClientRole::kEditor, {}},
                                 fhirgw::testsupport::newStoredKey())
                  .isOk());
  ASSERT_TRUE(store->disableClient("c-1").isOk());
  EXPECT_EQ(store->addApiKey("c-1", fhirgw::testsupport::newStoredKey()).code(),
            common::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store->listApiKeys("c-1")->size(), 1u);
}

// ---- audit -----------------------------------------------------------------------------------

TEST_F(SqliteStoreTest, AuditQueriesFilterBySinceActorAndActionInAppendOrder) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(
      store->appendAudit({"c-1", "teleconsultation.create", "r-1", "201", "q-1", ""}).hasValue());
  clock.advance(1min);
  const common::TimePoint later = clock.now();
  ASSERT_TRUE(store
                  ->appendAudit({"admin", "connector.update", "c-2", "ok", "q-2",
                                 R"({"changed":["enabled","options.bearerToken"]})"})
                  .hasValue());
  ASSERT_TRUE(
      store->appendAudit({"c-1", "teleconsultation.read", "r-1", "200", "q-3", ""}).hasValue());
  auto last = store->appendAudit({"c-1", "teleconsultation.create", "r-2", "422", "q-4", ""});
  ASSERT_TRUE(last.hasValue());

  auto all = store->queryAudit({});
  ASSERT_TRUE(all.hasValue());
  ASSERT_EQ(all->size(), 4u);
  EXPECT_EQ((*all)[0].requestId, "q-1");
  EXPECT_EQ((*all)[0].at, testStart());
  EXPECT_EQ((*all)[0].detail, "");
  // The detail comes back as written (the key paths a change touched).
  EXPECT_EQ((*all)[1].detail, R"({"changed":["enabled","options.bearerToken"]})");
  EXPECT_EQ((*all)[3].id, *last);
  EXPECT_LT((*all)[0].id, (*all)[1].id);

  AuditQuery sinceLater;
  sinceLater.since = later;
  EXPECT_EQ(store->queryAudit(sinceLater)->size(), 3u);

  AuditQuery byActor;
  byActor.actor = "c-1";
  EXPECT_EQ(store->queryAudit(byActor)->size(), 3u);

  AuditQuery combined;
  combined.since = later;
  combined.actor = "c-1";
  combined.action = "teleconsultation.create";
  auto one = store->queryAudit(combined);
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].target, "r-2");
  EXPECT_EQ((*one)[0].outcome, "422");

  AuditQuery page;
  page.limit = 2;
  auto first = store->queryAudit(page);
  ASSERT_EQ(first->size(), 2u);
  page.afterId = first->back().id;
  auto second = store->queryAudit(page);
  ASSERT_EQ(second->size(), 2u);
  EXPECT_EQ((*second)[0].requestId, "q-3");
}

TEST_F(SqliteStoreTest, AuditEntriesCannotBeRewritten) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->appendAudit({"c-1", "client.create", "c-1", "ok", "q-1", ""}).hasValue());
  auto raw = rawSession(dbPath());
  EXPECT_THROW((raw << "UPDATE audit_entries SET outcome = 'forged'", kw::now), Poco::Exception);
  EXPECT_EQ((*store->queryAudit({}))[0].outcome, "ok");
}

// ---- practitioner activity -------------------------------------------------------------------

TEST_F(SqliteStoreTest, DeclaredActivityIsReplacedByANewDeclaration) {
  auto store = open();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->getPractitionerActivity("10000000001", 2026).error().code(),
            common::StatusCode::kNotFound);
  ASSERT_TRUE(store->upsertPractitionerActivity("10000000001", 2026, 4200, 30).isOk());
  ASSERT_TRUE(store->upsertPractitionerActivity("10000000001", 2026, 4300, std::nullopt).isOk());
  ASSERT_TRUE(store->upsertPractitionerActivity("10000000001", 2025, 3900, 35).isOk());
  EXPECT_EQ(*store->getPractitionerActivity("10000000001", 2026), 4300);
  EXPECT_EQ(*store->getPractitionerActivity("10000000001", 2025), 3900);
  // The threshold is written with its declaration: the new 2026 one cleared it.
  EXPECT_EQ(*store->getPractitionerCapPercent("10000000001", 2026), std::nullopt);
  EXPECT_EQ(*store->getPractitionerCapPercent("10000000001", 2025), std::optional<int>(35));
  EXPECT_EQ(store->upsertPractitionerActivity("10000000001", 2026, 10, 101).code(),
            common::StatusCode::kInvalidArgument);
  EXPECT_EQ(*store->getPractitionerActivity("10000000001", 2026), 4300);
  EXPECT_EQ(store->upsertPractitionerActivity("10000000001", 2026, -1, std::nullopt).code(),
            common::StatusCode::kInvalidArgument);
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
