// What only the PostgreSQL store does: its url, password and TLS options, the pool, migrations
// under an advisory lock by instances starting together, and writes seen across instances.
#include "fhirgw/store/postgres_store.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/testsupport/stored_keys.hpp"
#include "fhirgw/testsupport/test_clock.hpp"
#include "postgresql/url.hpp"
#include "test_database.hpp"

using namespace fhirgw;
using namespace fhirgw::store;
using namespace fhirgw::store::testing;
using namespace std::chrono_literals;
using fhirgw::testsupport::testStart;

namespace {

// The value libpq got for a keyword, or "<unset>".
std::string param(const detail::pg::ConnectParams& params, std::string_view keyword) {
  for (const auto& [key, value] : params.values) {
    if (key == keyword) return value;
  }
  return "<unset>";
}

// Only the PostgreSQL engine: TEST_P suites instantiated for it alone (named */Postgresql, so
// ctest gives them the server).
class PostgresStoreTest : public EngineTest {};
INSTANTIATE_TEST_SUITE_P(, PostgresStoreTest, ::testing::Values(Engine::kPostgresql), engineName);

}  // namespace

// ---- url ---------------------------------------------------------------------------------

TEST(PostgresUrl, LibpqParametersPassThroughWithTheGatewaysDefaults) {
  StoreOptions options;
  options.busyTimeout = 7s;
  auto params = detail::pg::connectParams(
      "postgresql://gw@db.example:6432/gateway?sslmode=verify-full&sslrootcert=/etc/gw/ca.pem"
      "&sslcert=/etc/gw/client.pem&sslkey=/etc/gw/client.key",
      options);
  ASSERT_TRUE(params.hasValue()) << params.status().toString();
  EXPECT_EQ(param(*params, "host"), "db.example");
  EXPECT_EQ(param(*params, "port"), "6432");
  EXPECT_EQ(param(*params, "dbname"), "gateway");
  EXPECT_EQ(param(*params, "user"), "gw");
  EXPECT_EQ(param(*params, "sslmode"), "verify-full");
  EXPECT_EQ(param(*params, "sslrootcert"), "/etc/gw/ca.pem");
  EXPECT_EQ(param(*params, "sslcert"), "/etc/gw/client.pem");
  EXPECT_EQ(param(*params, "sslkey"), "/etc/gw/client.key");
  EXPECT_EQ(param(*params, "application_name"), "fhir-gateway");
  EXPECT_EQ(param(*params, "connect_timeout"), "7");
  EXPECT_EQ(param(*params, "password"), "<unset>");

  options.password = "from-the-file";
  params = detail::pg::connectParams(
      "postgres://gw@db.example/gateway?application_name=gw-2&connect_timeout=3", options);
  ASSERT_TRUE(params.hasValue()) << params.status().toString();
  EXPECT_EQ(param(*params, "password"), "from-the-file");
  EXPECT_EQ(param(*params, "application_name"), "gw-2");
  EXPECT_EQ(param(*params, "connect_timeout"), "3");
}

TEST(PostgresUrl, MalformedUrlsAndPasswordsAreInvalidArgumentsNamingTheKeyNotTheValue) {
  for (const char* url :
       {"postgresql://gw@db.example/gateway?sslmod=require",
        "postgresql://gw@db.example/gateway?sslmode", "postgresql://gw@db.example:port/gateway",
        "postgresql://gw@db.example:70000/gateway", "mysql://gw@db/gateway",
        "postgresql://gw:hunter2@db.example/gateway",
        "postgresql://gw@db.example/gateway?password=hunter2"}) {
    auto params = detail::pg::connectParams(url, StoreOptions{});
    ASSERT_FALSE(params.hasValue()) << url;
    EXPECT_EQ(params.error().code(), common::StatusCode::kInvalidArgument) << url;
    EXPECT_TRUE(params.error().message().starts_with("storage.url: ")) << params.error().message();
    EXPECT_EQ(params.error().message().find("hunter2"), std::string::npos)
        << params.error().message();
  }
}

// ---- connecting --------------------------------------------------------------------------

TEST(PostgresStoreOpen, AServerThatIsNotThereIsUnavailable) {
  StoreOptions options;
  options.busyTimeout = 2s;
  common::ManualClock clock{testStart()};
  // Port 1 on loopback: nothing listens there.
  auto store = PostgresStore::open("postgresql://gw@127.0.0.1:1/gateway", options, clock);
  ASSERT_FALSE(store.hasValue());
  EXPECT_EQ(store.error().code(), common::StatusCode::kUnavailable) << store.error().message();
}

// The test server takes TLS with a certificate of its own throw-away CA (tests/tools/pg-cluster.sh
// writes that CA's certificate as ca.pem next to the passfile the url names): with
// sslmode=verify-full the store connects over TLS after checking the chain and the host, and
// refuses a server whose certificate the given CAs do not vouch for.
TEST_P(PostgresStoreTest, TheStoreConnectsOverVerifiedTlsAndRefusesAServerItCannotVerify) {
  const std::string& url = db->url();
  const std::size_t passfile = url.find("passfile=");
  ASSERT_NE(passfile, std::string::npos) << "the fixture's url names its passfile";
  std::string ca = url.substr(passfile + std::string("passfile=").size());
  ca = ca.substr(0, ca.find('&'));
  ca.replace(ca.rfind("pgpass"), std::string("pgpass").size(), "ca.pem");
  StoreOptions options;
  auto verified =
      PostgresStore::open(url + "&sslmode=verify-full&sslrootcert=" + ca, options, clock);
  ASSERT_TRUE(verified.hasValue()) << verified.error().toString();
  EXPECT_TRUE((*verified)->ping().isOk());

  // The system's public CAs never signed the test server's certificate.
  auto unverified = PostgresStore::open(
      url + "&sslmode=verify-full&sslrootcert=/etc/ssl/certs/ca-certificates.crt", options, clock);
  ASSERT_FALSE(unverified.hasValue());
  EXPECT_EQ(unverified.error().code(), common::StatusCode::kUnavailable);
  EXPECT_NE(unverified.error().message().find("certificate verify failed"), std::string::npos)
      << unverified.error().message();
}

TEST_P(PostgresStoreTest, ThePasswordOfTheOptionsLogsInAndAWrongOneIsUnavailableUnechoed) {
  const std::string role = "r_" + common::hexEncode(common::randomBytes(5));
  const std::string password = "pw-" + common::hexEncode(common::randomBytes(8));
  ASSERT_TRUE(db->execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'").isOk());
  const std::string schema = db->column("SELECT current_schema()")->at(0);
  ASSERT_TRUE(db->execute("GRANT ALL ON SCHEMA " + schema + " TO " + role).isOk());
  ASSERT_TRUE(db->execute("GRANT SELECT ON ALL TABLES IN SCHEMA " + schema + " TO " + role).isOk());
  // The server's url with this role's name instead of fhirgw, and no passfile.
  std::string url = db->url();
  url.replace(url.find("fhirgw@"), 6, role);
  url.erase(url.find("passfile="), url.find('&') - url.find("passfile=") + 1);

  StoreOptions options;
  options.password = "not-" + password;
  auto refused = PostgresStore::open(url, options, clock);
  ASSERT_FALSE(refused.hasValue());
  EXPECT_EQ(refused.error().code(), common::StatusCode::kUnavailable);
  EXPECT_EQ(refused.error().message().find(password), std::string::npos);

  options.password = password;
  auto admitted = PostgresStore::open(url, options, clock);
  ASSERT_TRUE(admitted.hasValue()) << admitted.status().toString();
  EXPECT_TRUE((*admitted)->ping().isOk());
  admitted->reset();
  EXPECT_TRUE(db->execute("DROP OWNED BY " + role + " CASCADE").isOk());
  EXPECT_TRUE(db->execute("DROP ROLE " + role).isOk());
}

// ---- migrations --------------------------------------------------------------------------

TEST_P(PostgresStoreTest, InstancesStartingTogetherApplyEachMigrationOnce) {
  // SetUp migrated the fixture's schema; these start on a fresh one of their own.
  auto fresh = TestDatabase::create(Engine::kPostgresql);
  ASSERT_TRUE(fresh.hasValue()) << fresh.status().toString();
  std::atomic<int> opened{0};
  std::vector<std::thread> instances;
  for (int i = 0; i < 4; ++i) {
    instances.emplace_back([&] {
      auto instance = (*fresh)->open(StoreOptions{}, clock);
      EXPECT_TRUE(instance.hasValue()) << instance.status().toString();
      if (instance.hasValue() && (*instance)->schemaVersion().hasValue()) ++opened;
    });
  }
  for (std::thread& t : instances) t.join();
  EXPECT_EQ(opened.load(), 4);
  auto versions = (*fresh)->column("SELECT version FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(versions.hasValue()) << versions.status().toString();
  ASSERT_EQ(versions->size(), static_cast<std::size_t>(latestPostgresSchemaVersion()));
  EXPECT_EQ(versions->front(), "1");
  EXPECT_EQ(versions->back(), std::to_string(latestPostgresSchemaVersion()));
  auto appliedAt = (*fresh)->column("SELECT DISTINCT applied_at FROM schema_migrations");
  EXPECT_EQ(*appliedAt, std::vector<std::string>{"1772442000000"});
}

TEST_P(PostgresStoreTest, OpenStoreSelectsPostgresqlForAPostgresqlUrl) {
  StoreOptions options;
  options.url = db->url();
  auto opened = openStore(options, clock);
  ASSERT_TRUE(opened.hasValue()) << opened.status().toString();
  EXPECT_NE(dynamic_cast<PostgresStore*>(opened->get()), nullptr);
  EXPECT_FALSE((*opened)->databaseFile().has_value());
  ASSERT_TRUE(
      (*opened)
          ->createClient({"c-open", "c-open", ClientRole::kEditor, {}}, testsupport::newStoredKey())
          .isOk());
  // The fixture's own store, on the same schema, sees what the other wrote.
  EXPECT_TRUE(store->getClient("c-open").hasValue());
}

TEST_P(PostgresStoreTest, ReopeningAppliesNoMigrationTwiceAndANewerSchemaIsRefused) {
  clock.advance(1h);
  ASSERT_NE(openAnother(), nullptr);
  EXPECT_EQ(*db->column("SELECT COUNT(*) FROM schema_migrations WHERE applied_at <> 1772442000000"),
            std::vector<std::string>{"0"});

  ASSERT_TRUE(db->execute("INSERT INTO schema_migrations (version, name, applied_at) VALUES (" +
                          std::to_string(latestPostgresSchemaVersion() + 1) + ", 'future', 0)")
                  .isOk());
  auto refused = db->open(StoreOptions{}, clock);
  ASSERT_FALSE(refused.hasValue());
  EXPECT_EQ(refused.error().code(), common::StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.error().message().find("newer"), std::string::npos);
}

// ---- several instances and the pool ------------------------------------------------------

TEST_P(PostgresStoreTest, AWriteOfOneInstanceIsReadByAnother) {
  auto other = openAnother();
  ASSERT_NE(other, nullptr);
  const NewApiKey key = fhirgw::testsupport::newStoredKey();
  ASSERT_TRUE(store->createClient({"c-1", "Editor", ClientRole::kEditor, 60}, key).isOk());
  auto found = other->findActiveApiKey(key.keyId);
  ASSERT_TRUE(found.hasValue()) << found.status().toString();
  EXPECT_EQ(found->client.id, "c-1");
  ASSERT_TRUE(other->disableClient("c-1").isOk());
  EXPECT_EQ(store->findActiveApiKey(key.keyId).error().code(), common::StatusCode::kNotFound);
}

TEST_P(PostgresStoreTest, ConcurrentUpdatesOfAConnectorFromTwoInstancesLetExactlyOneWin) {
  auto other = openAnother();
  ASSERT_NE(other, nullptr);
  ConnectorRow row{"outbox", "file", true, R"({"v":1})", "admin:a"};
  ASSERT_TRUE(store->insertConnector(row).hasValue());
  for (int round = 1; round <= 10; ++round) {
    std::atomic<int> won{0};
    std::atomic<int> lost{0};
    std::vector<std::thread> writers;
    for (Store* s : {store.get(), other.get(), store.get(), other.get()}) {
      writers.emplace_back([&, s] {
        ConnectorRow next = row;
        next.instanceJson = R"({"v":)" + std::to_string(round + 1) + "}";
        auto updated = s->updateConnector(next, round);
        if (updated.hasValue()) {
          ++won;
        } else {
          EXPECT_EQ(updated.error().code(), common::StatusCode::kAborted);
          ++lost;
        }
      });
    }
    for (std::thread& t : writers) t.join();
    EXPECT_EQ(won.load(), 1) << "round " << round;
    EXPECT_EQ(lost.load(), 3) << "round " << round;
    EXPECT_EQ(store->getConnector("outbox")->version, round + 1);
  }
}

TEST_P(PostgresStoreTest, APoolOfOneConnectionServesManyThreadsInTurn) {
  StoreOptions options;
  options.connections = 1;
  auto small = openAnother(options);
  ASSERT_NE(small, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        if (small->appendAudit({"c-" + std::to_string(t), "x", "y", "ok", "q", ""}).hasValue()) {
          ++ok;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80);
  AuditQuery all;
  all.limit = 1000;
  auto ids = small->queryAudit(all);
  ASSERT_TRUE(ids.hasValue());
  std::set<std::int64_t> distinct;
  for (const AuditEntry& e : *ids) distinct.insert(e.id);
  EXPECT_EQ(distinct.size(), 80u);
}

// ---- shared rate limits ------------------------------------------------------------------

// Two instances count one client's requests against one budget: 3 per minute is a bucket of three
// requests refilled one every 20 s, whichever instance takes them.
TEST_P(PostgresStoreTest, TwoInstancesCountAClientsRequestsAgainstOneBudget) {
  std::unique_ptr<Store> other = openAnother();
  ASSERT_NE(other, nullptr);
  SharedRateLimits* a = store->sharedRateLimits();
  SharedRateLimits* b = other->sharedRateLimits();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const auto take = [](SharedRateLimits* on, const std::string& client) {
    auto taken = on->takeRequest(client, 3);
    EXPECT_TRUE(taken.hasValue()) << taken.status().toString();
    return taken.hasValue() ? *taken : std::optional<std::chrono::milliseconds>(-1ms);
  };
  EXPECT_EQ(take(a, "c-1"), std::nullopt);
  EXPECT_EQ(take(b, "c-1"), std::nullopt);
  EXPECT_EQ(take(a, "c-1"), std::nullopt);
  // The fourth within the minute, on either instance: refused, the next one due in 20 s.
  EXPECT_EQ(take(b, "c-1"), std::optional<std::chrono::milliseconds>(20s));
  EXPECT_EQ(take(a, "c-1"), std::optional<std::chrono::milliseconds>(20s));
  // Another client has a budget of its own.
  EXPECT_EQ(take(b, "c-2"), std::nullopt);
  clock.advance(15s);
  EXPECT_EQ(take(b, "c-1"), std::optional<std::chrono::milliseconds>(5s));
  clock.advance(5s);
  EXPECT_EQ(take(b, "c-1"), std::nullopt);  // one refilled: one taken
  EXPECT_EQ(take(a, "c-1"), std::optional<std::chrono::milliseconds>(20s));
  // An idle minute refills the whole bucket, never more than it holds.
  clock.advance(10min);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(take(i % 2 == 0 ? a : b, "c-1"), std::nullopt) << i;
  EXPECT_NE(take(a, "c-1"), std::nullopt);

  EXPECT_EQ(a->takeRequest("c-1", 0).status().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(a->takeRequest("", 3).status().code(), common::StatusCode::kInvalidArgument);
}

TEST(SqliteStoreRateLimits, OneInstanceKeepsItsBudgetsInMemory) {
  auto db = TestDatabase::create(Engine::kSqlite);
  ASSERT_TRUE(db.hasValue());
  common::ManualClock clock(fhirgw::testsupport::testStart());
  auto store = (*db)->open({}, clock);
  ASSERT_TRUE(store.hasValue()) << store.status().toString();
  EXPECT_EQ((*store)->sharedRateLimits(), nullptr);
}
