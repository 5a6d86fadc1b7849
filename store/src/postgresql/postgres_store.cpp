// PostgresStore: opening, the connection pool, the schema migrations and health checks.

#include "fhirgw/store/postgres_store.hpp"

#include <string>

#include "fhirgw/common/log.hpp"
#include "postgresql/store_impl.hpp"
#include "postgresql/url.hpp"
#include "schema.hpp"

namespace fhirgw::store {

using common::Result;
using common::Status;
using detail::pg::Connection;
using detail::pg::Params;

namespace {

// The advisory lock that serialises migrations: a fixed class ("fhgw") and the schema's name,
// so that stores in different schemas of one database migrate independently.
constexpr std::string_view kLockKey = "1718118263, hashtext(COALESCE(current_schema(), ''))";

}  // namespace

// ---- pool --------------------------------------------------------------------------------

Status PostgresStore::Impl::acquire(std::string_view operation,
                                    std::unique_ptr<Connection>& out) const {
  std::unique_lock lock(poolMutex_);
  const bool available = poolCv_.wait_for(lock, options_.busyTimeout, [this] {
    return !idle_.empty() || open_ < options_.connections;
  });
  if (!available) {
    return common::unavailable(std::string(operation) +
                               ": store busy (every PostgreSQL connection is in use)");
  }
  if (!idle_.empty()) {
    out = std::move(idle_.back());
    idle_.pop_back();
    return Status::ok();
  }
  ++open_;
  lock.unlock();
  auto opened = Connection::open(params_, options_.busyTimeout);
  if (!opened) {
    release(nullptr);
    return Status(opened.error().code(), std::string(operation) + ": " + opened.error().message());
  }
  out = std::move(*opened);
  return Status::ok();
}

void PostgresStore::Impl::release(std::unique_ptr<Connection> conn) const {
  {
    std::lock_guard lock(poolMutex_);
    if (conn && conn->healthy()) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
  }
  poolCv_.notify_one();
}

// ---- migrations --------------------------------------------------------------------------

int latestPostgresSchemaVersion() { return detail::migrations().back().version; }

Status PostgresStore::Impl::migrate() {
  const auto& migrations = detail::migrations();
  const int latest = migrations.back().version;
  std::unique_ptr<Connection> conn;
  FHIRGW_RETURN_IF_ERROR(acquire("migrate", conn));
  // A session lock, held across the migrations' own transactions: an instance that starts while
  // another migrates waits here (up to two minutes, however long a big ALTER takes elsewhere),
  // then finds the work done.
  Status status = conn->run(
      "migrate: wait for the schema lock",
      "SET lock_timeout = 120000; SELECT pg_advisory_lock(" + std::string(kLockKey) + ")");
  const auto body = [&]() -> Status {
    FHIRGW_RETURN_IF_ERROR(conn->run("create schema_migrations", detail::kCreateSchemaMigrations));
    FHIRGW_ASSIGN_OR_RETURN(
        detail::pg::Rows rows,
        conn->exec("schema version", "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    const std::int64_t current = rows.integer(0, 0);
    if (current > latest) {
      return common::failedPrecondition(
          "store: database schema version " + std::to_string(current) +
          " is newer than this gateway knows (" + std::to_string(latest) +
          "); run a newer gateway or restore a matching backup");
    }
    for (const detail::Migration& migration : migrations) {
      if (migration.version <= current) continue;
      const std::string operation = "migration " + std::to_string(migration.version);
      FHIRGW_RETURN_IF_ERROR(conn->run(operation, "BEGIN"));
      Status applied = Status::ok();
      for (const detail::MigrationStatement& statement : migration.statements) {
        const std::string_view sql = statement.text(detail::Engine::kPostgresql);
        if (sql.empty()) continue;
        applied = conn->run(operation, sql);
        if (!applied.isOk()) break;
      }
      if (applied.isOk()) {
        applied =
            conn->exec(operation,
                       "INSERT INTO schema_migrations (version, name, applied_at)"
                       " VALUES ($1, $2, $3)",
                       Params().integer(migration.version).text(migration.name).integer(nowMs()))
                .status();
      }
      if (applied.isOk()) applied = conn->run(operation, "COMMIT");
      if (!applied.isOk()) {
        (void)conn->run(operation, "ROLLBACK");
        return applied;
      }
      common::Log::info(
          "store.migration-applied",
          {{"version", migration.version}, {"name", migration.name}, {"engine", "postgresql"}});
    }
    return Status::ok();
  };
  if (status.isOk()) status = body();
  if (conn->healthy()) {
    // Closing the connection would free the lock too; unlocking keeps it for the pool.
    const Status unlocked =
        conn->run("migrate: release the schema lock",
                  "SELECT pg_advisory_unlock(" + std::string(kLockKey) +
                      "); SET lock_timeout = " + std::to_string(options_.busyTimeout.count()));
    if (!unlocked.isOk()) conn.reset();
  }
  release(std::move(conn));
  return status;
}

// ---- PostgresStore -----------------------------------------------------------------------

PostgresStore::PostgresStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PostgresStore::~PostgresStore() = default;

Result<std::unique_ptr<PostgresStore>> PostgresStore::open(std::string_view url,
                                                           const StoreOptions& options,
                                                           const common::Clock& clock) {
  if (options.connections == 0) {
    return common::invalidArgument("store: connections must be at least 1");
  }
  if (options.busyTimeout.count() < 0) {
    return common::invalidArgument("store: busyTimeout must not be negative");
  }
  FHIRGW_ASSIGN_OR_RETURN(detail::pg::ConnectParams params,
                          detail::pg::connectParams(url, options));
  auto impl = std::make_unique<Impl>(std::move(params), options, clock);
  FHIRGW_RETURN_IF_ERROR(impl->migrate());
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(impl)));
}

Status PostgresStore::ping() const {
  return impl_->read("ping", [](Connection& c) {
    FHIRGW_ASSIGN_OR_RETURN(detail::pg::Rows rows, c.exec("ping", "SELECT 1"));
    return rows.count() == 1 && rows.integer(0, 0) == 1
               ? Status::ok()
               : common::internal("ping: unexpected answer");
  });
}

Result<int> PostgresStore::schemaVersion() const {
  return impl_->readValue<int>("schema version", [](Connection& c, int& out) {
    FHIRGW_ASSIGN_OR_RETURN(
        detail::pg::Rows rows,
        c.exec("schema version", "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"));
    out = static_cast<int>(rows.integer(0, 0));
    return Status::ok();
  });
}

}  // namespace fhirgw::store
