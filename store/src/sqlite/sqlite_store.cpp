// SqliteStore: opening the database, the connections' settings, the schema migrations and health
// checks.

#include "fhirgw/store/sqlite_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "connection.hpp"
#include "fhirgw/common/log.hpp"
#include "schema.hpp"  // the shared migration list

namespace fhirgw::store {

using namespace detail;  // NOLINT(google-build-using-namespace): the private row helpers

namespace {

// ---- connections ---------------------------------------------------------------------------

void registerConnectorOnce() {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Data::SQLite::Connector::registerConnector(); });
}

}  // namespace

std::unique_ptr<Session> detail::connect(const std::string& path,
                                         std::chrono::milliseconds busyTimeout, Role role) {
  auto session = std::make_unique<Session>(Poco::Data::SQLite::Connector::KEY, path);
  Session& s = *session;
  // Wait for a lock held by another connection or process instead of failing at once.
  s << "PRAGMA busy_timeout = " + std::to_string(busyTimeout.count()), kw::now;
  s << "PRAGMA foreign_keys = ON", kw::now;
  // FULL: a WAL commit is fsynced before COMMIT returns, so an answered 201 survives power loss.
  s << "PRAGMA synchronous = FULL", kw::now;
  if (role == Role::kWriter) {
    // What a write replaces or deletes (retention purges, key rotation) is overwritten with
    // zeros rather than left in free pages, so no deleted health data or plain text lingers in
    // the file. Per connection; only the writer deletes.
    s << "PRAGMA secure_delete = ON", kw::now;
    // The statement journal of each group-commit member's SAVEPOINT (the original of every page
    // it changes, kept for ROLLBACK TO) and the writer's temporary tables (the retention batch)
    // stay in memory. By default SQLite spills a statement journal past 64 KiB into a file
    // under /var/tmp: page copies of records outside the data folder, and two write calls and
    // a file-system block per page for every accepted record (docs/performance.md, "Why 64
    // connections did less than 16"). Crash recovery never reads them (the WAL does), and a
    // savepoint's journal is emptied when it is released, so memory holds about one member's.
    s << "PRAGMA temp_store = MEMORY", kw::now;
    std::string mode;
    s << "PRAGMA journal_mode = WAL", kw::into(mode), kw::now;
    if (mode != "wal") {
      throw Poco::Data::ConnectionFailedException("SQLite refused WAL journal mode (got " + mode +
                                                  "); is the data folder on a local disk?");
    }
  } else {
    // Readers never write: a bug that tries to gets an error, not a lock fight with the writer.
    s << "PRAGMA query_only = ON", kw::now;
  }
  return session;
}

int latestSqliteSchemaVersion() { return detail::migrations().back().version; }

Status SqliteStore::Impl::migrate() {
  const auto& migrations = detail::migrations();
  const int latest = migrations.back().version;
  Poco::Int64 current = 0;
  Status status = write("create schema_migrations", [&](Session& s) {
    s << std::string(detail::kCreateSchemaMigrations), kw::now;
    s << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", kw::into(current), kw::now;
    return Status::ok();
  });
  if (!status.isOk()) return status;
  if (current > latest) {
    return common::failedPrecondition("store: database schema version " + std::to_string(current) +
                                      " is newer than this gateway knows (" +
                                      std::to_string(latest) +
                                      "); run a newer gateway or restore a matching backup");
  }
  for (const detail::Migration& migration : migrations) {
    if (migration.version <= current) continue;
    bool applied = false;
    status = write("migration " + std::to_string(migration.version), [&](Session& s) {
      // Checked again under the write lock: another process may have just applied it.
      Poco::Int64 done = 0;
      s << "SELECT COUNT(*) FROM schema_migrations WHERE version = ?",
          kw::bind(Poco::Int64{migration.version}), kw::into(done), kw::now;
      if (done != 0) return Status::ok();
      for (const detail::MigrationStatement& statement : migration.statements) {
        const std::string_view sql = statement.text(detail::Engine::kSqlite);
        if (!sql.empty()) s << std::string(sql), kw::now;
      }
      s << "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
          kw::bind(Poco::Int64{migration.version}), kw::bind(std::string(migration.name)),
          kw::bind(Poco::Int64{nowMs()}), kw::now;
      applied = true;
      return Status::ok();
    });
    if (!status.isOk()) return status;
    if (applied) {
      common::Log::info("store.migration-applied",
                        {{"version", migration.version}, {"name", migration.name}});
    }
  }
  return Status::ok();
}

// ---- group commit --------------------------------------------------------------------------

void SqliteStore::Impl::runBatch(std::span<GroupMember* const> batch) {
  const auto answerAll = [&batch](const Status& status) {
    for (GroupMember* member : batch) member->status = status;
  };
  const std::string operation(batch.front()->operation);
  std::unique_lock lock(writeMutex_, std::defer_lock);
  if (!lock.try_lock_for(options_.busyTimeout)) {
    answerAll(common::unavailable(operation + ": store busy (write queue)"));
    return;
  }
  if (Status opened = ensureWriter(); !opened.isOk()) {
    answerAll(opened);
    return;
  }
  try {
    *writer_ << "BEGIN IMMEDIATE", kw::now;
  } catch (...) {
    answerAll(statusFromCurrentException(operation));
    return;
  }
  bool anyWritten = false;
  for (GroupMember* member : batch) {
    Status status;
    try {
      *writer_ << "SAVEPOINT member", kw::now;
      status = member->work();
    } catch (...) {
      status = statusFromCurrentException(member->operation);
    }
    try {
      if (status.isOk()) {
        *writer_ << "RELEASE member", kw::now;
        anyWritten = true;
      } else {
        // Undoes this member's rows only; the transaction and its batch-mates' rows stay.
        *writer_ << "ROLLBACK TO member", kw::now;
        *writer_ << "RELEASE member", kw::now;
      }
      member->status = std::move(status);
    } catch (...) {
      // SQLite rolled the whole transaction back (disk full, I/O error): nothing of the batch
      // is written, and every member says why.
      answerAll(status.isOk() ? statusFromCurrentException(member->operation) : status);
      try {
        *writer_ << "ROLLBACK", kw::now;
      } catch (...) {
        closeWriter();
      }
      return;
    }
  }
  if (anyWritten) {
    try {
      if (beforeCommit_) beforeCommit_(*writer_, batch.size());
      *writer_ << "COMMIT", kw::now;
      return;
    } catch (...) {
      // Not durable: every member that had succeeded gets the COMMIT's failure.
      const Status failed = statusFromCurrentException(operation);
      for (GroupMember* member : batch) {
        if (member->status.isOk()) member->status = failed;
      }
    }
  }
  try {
    *writer_ << "ROLLBACK", kw::now;
  } catch (...) {
    // SQLite may already have rolled back (e.g. disk full); start afresh on the next write.
    closeWriter();
  }
}

// ---- SqliteStore ---------------------------------------------------------------------------

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteStore::~SqliteStore() = default;

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                       const StoreOptions& options,
                                                       const common::Clock& clock) {
  if (path.empty()) return common::invalidArgument("store: empty database path");
  if (options.readConnections == 0) {
    return common::invalidArgument("store: readConnections must be at least 1");
  }
  if (options.busyTimeout.count() < 0) {
    return common::invalidArgument("store: busyTimeout must not be negative");
  }
  // Create the file ourselves so that it is private from the start (SQLite would use the umask;
  // its -wal and -shm files copy the database file's mode).
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return common::failedPrecondition("store: cannot create " + path + ": " + std::strerror(errno));
  }
  ::close(fd);
  registerConnectorOnce();
  auto impl = std::make_unique<Impl>(path, options, clock);
  FHIRGW_RETURN_IF_ERROR(impl->ensureWriter());
  FHIRGW_RETURN_IF_ERROR(impl->migrate());
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

Status SqliteStore::integrityCheck() const {
  return impl_->read("integrity check", [](Session& s) {
    std::vector<std::string> problems;
    s << "PRAGMA integrity_check", kw::into(problems), kw::now;
    if (problems.size() == 1 && problems.front() == "ok") return Status::ok();
    return Status(common::StatusCode::kDataLoss,
                  "store: integrity check failed: " +
                      (problems.empty() ? std::string("no answer") : problems.front()));
  });
}

Status SqliteStore::ping() const {
  FHIRGW_RETURN_IF_ERROR(impl_->read("ping", [](Session& s) {
    Poco::Int64 one = 0;
    s << "SELECT 1", kw::into(one), kw::now;
    return one == 1 ? Status::ok() : common::internal("ping: unexpected answer");
  }));
  // Reads go on while another process holds the database's write lock (WAL), but submissions
  // cannot be stored: an empty write transaction (nothing written, nothing synced) proves the
  // store takes writes within its busy timeout.
  return impl_->write("ping", [](Session&) { return Status::ok(); });
}

std::optional<std::string> SqliteStore::databaseFile() const { return impl_->path(); }

Result<int> SqliteStore::schemaVersion() const {
  return impl_->readValue<int>("schema version", [](Session& s, int& out) {
    Poco::Int64 version = 0;
    s << "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", kw::into(version), kw::now;
    out = static_cast<int>(version);
    return Status::ok();
  });
}

}  // namespace fhirgw::store
