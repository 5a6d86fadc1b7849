#include "test_database.hpp"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>
#include <Poco/Exception.h>
#include <libpq-fe.h>
#include <stdlib.h>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/store/postgres_store.hpp"
#include "fhirgw/testsupport/test_clock.hpp"

namespace fhirgw::store::testing {
namespace {

namespace kw = Poco::Data::Keywords;

// A short-lived libpq connection to the test server (not the store's code, on purpose).
class Raw {
 public:
  explicit Raw(const std::string& url) { conn_ = PQconnectdb(url.c_str()); }
  ~Raw() { PQfinish(conn_); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  common::Status status() const {
    if (PQstatus(conn_) == CONNECTION_OK) return common::Status::ok();
    return common::unavailable(std::string("test server: ") + PQerrorMessage(conn_));
  }

  common::Result<std::vector<std::string>> query(std::string_view sql) {
    FHIRGW_RETURN_IF_ERROR(status());
    PGresult* result = PQexec(conn_, std::string(sql).c_str());
    const ExecStatusType st = PQresultStatus(result);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string message = PQresultErrorMessage(result);
      PQclear(result);
      return common::internal(message);
    }
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(result); ++i) {
      out.emplace_back(PQgetisnull(result, i, 0) != 0 ? "<null>" : PQgetvalue(result, i, 0));
    }
    PQclear(result);
    return out;
  }

 private:
  PGconn* conn_;
};

std::string sqlitePath(const std::string& url) { return url.substr(std::string("sqlite:").size()); }

}  // namespace

std::string engineName(const ::testing::TestParamInfo<Engine>& info) {
  return info.param == Engine::kSqlite ? "Sqlite" : "Postgresql";
}

void PrintTo(Engine engine, std::ostream* out) {
  *out << (engine == Engine::kSqlite ? "Sqlite" : "Postgresql");
}

common::Result<std::unique_ptr<TestDatabase>> TestDatabase::create(Engine engine) {
  std::unique_ptr<TestDatabase> db(new TestDatabase(engine));
  if (engine == Engine::kSqlite) {
    db->dir_ = std::make_unique<testsupport::TempDir>("fhirgw-store");
    db->url_ = "sqlite:" + (db->dir_->path() / "data" / "gateway.db").string();
    return db;
  }
  const char* url = ::getenv(kUrlVariable);
  if (url == nullptr || *url == '\0') {
    return common::failedPrecondition(
        std::string(kUrlVariable) +
        " is not set: the PostgreSQL store tests need the test server; run them through ctest "
        "(fixture `postgresql`), or start tests/tools/pg-cluster.sh and export the url of "
        "tests/CMakeLists.txt");
  }
  db->serverUrl_ = url;
  db->schema_ = "t_" + common::hexEncode(common::randomBytes(6));
  Raw raw(db->serverUrl_);
  FHIRGW_RETURN_IF_ERROR(raw.query("CREATE SCHEMA " + db->schema_));
  db->url_ = db->serverUrl_ + (db->serverUrl_.find('?') == std::string::npos ? "?" : "&") +
             "options=-c%20search_path%3D" + db->schema_;
  return db;
}

TestDatabase::~TestDatabase() {
  if (engine_ == Engine::kPostgresql && !schema_.empty()) {
    Raw raw(serverUrl_);
    (void)raw.query("DROP SCHEMA " + schema_ + " CASCADE");
  }
}

common::Result<std::unique_ptr<Store>> TestDatabase::open(StoreOptions options,
                                                          const common::Clock& clock) const {
  options.url = url_;
  if (engine_ == Engine::kSqlite) return openStore(options, clock);
  FHIRGW_ASSIGN_OR_RETURN(auto store, PostgresStore::open(url_, options, clock));
  return std::unique_ptr<Store>(std::move(store));
}

common::Status TestDatabase::execute(std::string_view sql) const { return column(sql).status(); }

common::Result<std::vector<std::string>> TestDatabase::column(std::string_view sql) const {
  if (engine_ == Engine::kPostgresql) {
    Raw raw(url_);
    return raw.query(sql);
  }
  try {
    Poco::Data::SQLite::Connector::registerConnector();
    Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, sqlitePath(url_));
    Poco::Data::Statement statement(session);
    statement << std::string(sql);
    statement.execute();
    std::vector<std::string> out;
    if (statement.columnsExtracted() == 0) return out;
    Poco::Data::RecordSet rows(statement);
    for (std::size_t i = 0; i < rows.rowCount(); ++i) {
      const Poco::Dynamic::Var value = rows.value(0, i);
      out.push_back(value.isEmpty() ? "<null>" : value.convert<std::string>());
    }
    return out;
  } catch (const Poco::Exception& e) {
    return common::internal(e.displayText());
  }
}

TestDatabase::Connection::~Connection() {
  if (pg_ != nullptr) PQfinish(pg_);
}

common::Status TestDatabase::Connection::execute(std::string_view sql) {
  if (pg_ != nullptr) {
    PGresult* result = PQexec(pg_, std::string(sql).c_str());
    const ExecStatusType st = PQresultStatus(result);
    common::Status status = common::Status::ok();
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      status = common::internal(PQresultErrorMessage(result));
    }
    PQclear(result);
    return status;
  }
  try {
    Poco::Data::Statement statement(*sqlite_);
    statement << std::string(sql);
    statement.execute();
    return common::Status::ok();
  } catch (const Poco::Exception& e) {
    return common::internal(e.displayText());
  }
}

common::Result<std::unique_ptr<TestDatabase::Connection>> TestDatabase::connect() const {
  std::unique_ptr<Connection> connection(new Connection());
  if (engine_ == Engine::kPostgresql) {
    connection->pg_ = PQconnectdb(url_.c_str());
    if (PQstatus(connection->pg_) != CONNECTION_OK) {
      return common::unavailable(std::string("test server: ") + PQerrorMessage(connection->pg_));
    }
    return connection;
  }
  try {
    Poco::Data::SQLite::Connector::registerConnector();
    connection->sqlite_ =
        std::make_unique<Poco::Data::Session>(Poco::Data::SQLite::Connector::KEY, sqlitePath(url_));
    return connection;
  } catch (const Poco::Exception& e) {
    return common::internal(e.displayText());
  }
}

EngineTest::EngineTest() : clock(testsupport::testStart()) {}

void EngineTest::SetUp() {
  auto created = TestDatabase::create(GetParam());
  ASSERT_TRUE(created.hasValue()) << created.status().toString();
  db = std::move(*created);
  store = openAnother();
  ASSERT_NE(store, nullptr);
}

std::unique_ptr<Store> EngineTest::openAnother(StoreOptions options) {
  auto opened = db->open(std::move(options), clock);
  EXPECT_TRUE(opened.hasValue()) << opened.status().toString();
  return opened.hasValue() ? std::move(*opened) : nullptr;
}

}  // namespace fhirgw::store::testing
