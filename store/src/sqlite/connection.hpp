#pragma once

// Private to the SQLite store: SqliteStore::Impl, the writer connection, the pool of read
// connections and the transaction helpers every aggregate's source file uses.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "group_commit.hpp"
#include "prepared.hpp"
#include "rows.hpp"
#include "sealer.hpp"

namespace fhirgw::store::detail {

// ---- connections ---------------------------------------------------------------------------

enum class Role { kWriter, kReader };

/// Opens and configures one connection; throws Poco exceptions (callers convert them).
std::unique_ptr<Session> connect(const std::string& path, std::chrono::milliseconds busyTimeout,
                                 Role role);

}  // namespace fhirgw::store::detail

namespace fhirgw::store {

// ---- Impl: connections, transactions -------------------------------------------------------

class SqliteStore::Impl {
 public:
  Impl(std::string path, const StoreOptions& options, const common::Clock& clock)
      : path_(std::move(path)), options_(options), clock_(clock), sealer_(options.keyRing) {}

  std::int64_t nowMs() const { return detail::toMillis(clock_.now()); }
  const std::string& path() const { return path_; }

  /// Seals and opens the columns that can hold health data (../sealer.cpp).
  const detail::Sealer& sealer() const { return sealer_; }
  const common::KeyRing* keyRing() const { return sealer_.keyRing(); }

  /// Runs fn(Session&) -> Status inside BEGIN IMMEDIATE ... COMMIT on the writer connection,
  /// one writer at a time; rolls back when fn fails or throws.
  template <typename Fn>
  common::Status write(std::string_view operation, Fn&& fn) {
    // SQLite has one writer; queueing here rather than in SQLite keeps the wait bounded and fair.
    std::unique_lock lock(writeMutex_, std::defer_lock);
    if (!lock.try_lock_for(options_.busyTimeout)) {
      return common::unavailable(std::string(operation) + ": store busy (write queue)");
    }
    FHIRGW_RETURN_IF_ERROR(ensureWriter());
    try {
      // IMMEDIATE takes the write lock now: no deadlock when a read turns into a write.
      *writer_ << "BEGIN IMMEDIATE", detail::kw::now;
    } catch (...) {
      return detail::statusFromCurrentException(operation);
    }
    common::Status status;
    try {
      status = fn(*writer_);
    } catch (...) {
      status = detail::statusFromCurrentException(operation);
    }
    if (status.isOk()) {
      try {
        *writer_ << "COMMIT", detail::kw::now;
        return status;
      } catch (...) {
        status = detail::statusFromCurrentException(operation);
      }
    }
    try {
      *writer_ << "ROLLBACK", detail::kw::now;
    } catch (...) {
      // SQLite may already have rolled back (e.g. disk full); start afresh on the next write.
      closeWriter();
    }
    return status;
  }

  /// Runs fn(Session&) -> Status like write(), but grouped with the concurrent callers of
  /// writeGrouped into one transaction (group commit): each in its own savepoint, so a failing
  /// one is rolled back alone and gets its own status, and every caller is answered only after
  /// the COMMIT of its batch (synchronous=FULL: one fsync for the batch) or its failure. `bytes`
  /// weighs the write for the batch's byte bound. Serialises with write() on writeMutex_.
  template <typename Fn>
  common::Status writeGrouped(std::string_view operation, std::size_t bytes, Fn&& fn) {
    detail::GroupMember member;
    member.operation = operation;
    member.bytes = bytes;
    member.work = [&fn, this] { return fn(*writer_); };
    return group_.submit(member, options_.busyTimeout,
                         [this](std::span<detail::GroupMember* const> batch) { runBatch(batch); });
  }

  /// Test hooks of the group commit (tests/store): the queue, and a call in the leader just
  /// before COMMIT with the writer connection and the batch's size.
  detail::GroupCommitQueue& groupForTest() { return group_; }
  void setBeforeCommitForTest(std::function<void(detail::Session&, std::size_t)> hook) {
    beforeCommit_ = std::move(hook);
  }

  /// Runs fn(Session&) -> Status on the writer connection outside any transaction (statements
  /// that cannot run inside one, such as a WAL checkpoint), one writer at a time.
  template <typename Fn>
  common::Status withWriter(std::string_view operation, Fn&& fn) {
    std::unique_lock lock(writeMutex_, std::defer_lock);
    if (!lock.try_lock_for(options_.busyTimeout)) {
      return common::unavailable(std::string(operation) + ": store busy (write queue)");
    }
    FHIRGW_RETURN_IF_ERROR(ensureWriter());
    try {
      return fn(*writer_);
    } catch (...) {
      return detail::statusFromCurrentException(operation);
    }
  }

  /// Runs fn(Session&) -> Status on a pooled read-only connection; with snapshot, inside one
  /// read transaction so several SELECTs see the same committed state.
  template <typename Fn>
  common::Status read(std::string_view operation, Fn&& fn, bool snapshot = false) const {
    return readPrepared(
        operation, [&](detail::Session& session, detail::StatementCache&) { return fn(session); },
        snapshot);
  }

  /// read() with the connection's reused prepared statements: fn(Session&, StatementCache&).
  template <typename Fn>
  common::Status readPrepared(std::string_view operation, Fn&& fn, bool snapshot = false) const {
    ReadConnection reader;
    FHIRGW_RETURN_IF_ERROR(acquireReader(reader));
    common::Status status;
    try {
      if (snapshot) *reader.session << "BEGIN", detail::kw::now;
      status = fn(*reader.session, *reader.statements);
      if (snapshot) *reader.session << "COMMIT", detail::kw::now;
    } catch (...) {
      status = detail::statusFromCurrentException(operation);
      // Its state is unknown (maybe mid-transaction): close it rather than reuse it.
      reader.close();
    }
    releaseReader(std::move(reader));
    return status;
  }

  /// readPrepared() for a value: fn(StatementCache&, T&) -> Status.
  template <typename T, typename Fn>
  common::Result<T> readPreparedValue(std::string_view operation, Fn&& fn) const {
    T value{};
    FHIRGW_RETURN_IF_ERROR(
        readPrepared(operation, [&](detail::Session&, detail::StatementCache& statements) {
          return fn(statements, value);
        }));
    return value;
  }

  /// read() for a value: fn(Session&, T&) -> Status.
  template <typename T, typename Fn>
  common::Result<T> readValue(std::string_view operation, Fn&& fn, bool snapshot = false) const {
    T value{};
    FHIRGW_RETURN_IF_ERROR(read(
        operation, [&](detail::Session& s) { return fn(s, value); }, snapshot));
    return value;
  }

  common::Status ensureWriter() {
    if (writer_) return common::Status::ok();
    try {
      writer_ = detail::connect(path_, options_.busyTimeout, detail::Role::kWriter);
      writerStatements_ = std::make_unique<detail::StatementCache>(*writer_);
      return common::Status::ok();
    } catch (...) {
      return detail::statusFromCurrentException("open " + path_);
    }
  }

  common::Status migrate();

  /// The writer's reused prepared statements; only inside write(), writeGrouped() or withWriter().
  detail::StatementCache& writerStatements() { return *writerStatements_; }

  /// Closes the writer connection (the next write opens a new one), its statements first.
  void closeWriter() {
    writerStatements_.reset();
    writer_.reset();
  }

 private:
  // A read-only connection and its prepared statements (declared after it: finalised first).
  struct ReadConnection {
    std::unique_ptr<detail::Session> session;
    std::unique_ptr<detail::StatementCache> statements;

    /// The statements finalised, then the connection closed (SQLite does not close a connection
    /// with statements left).
    void close() {
      statements.reset();
      session.reset();
    }
  };

  common::Status acquireReader(ReadConnection& out) const {
    std::unique_lock lock(poolMutex_);
    const bool available = poolCv_.wait_for(lock, options_.busyTimeout, [this] {
      return !idleReaders_.empty() || openReaders_ < options_.readConnections;
    });
    if (!available) return common::unavailable("store: all read connections are busy");
    if (!idleReaders_.empty()) {
      out = std::move(idleReaders_.back());
      idleReaders_.pop_back();
      return common::Status::ok();
    }
    ++openReaders_;
    lock.unlock();
    try {
      out.session = detail::connect(path_, options_.busyTimeout, detail::Role::kReader);
      out.statements = std::make_unique<detail::StatementCache>(*out.session);
      return common::Status::ok();
    } catch (...) {
      common::Status status = detail::statusFromCurrentException("open read connection");
      out.close();
      releaseReader({});
      return status;
    }
  }

  // Gives a connection back; an empty one means it was closed, which frees its slot.
  void releaseReader(ReadConnection reader) const {
    {
      std::lock_guard lock(poolMutex_);
      if (reader.session) {
        idleReaders_.push_back(std::move(reader));
      } else {
        --openReaders_;
      }
    }
    poolCv_.notify_one();
  }

  // One batch of writeGrouped: BEGIN IMMEDIATE, each member in a savepoint, COMMIT; sets every
  // member's status and never throws.
  void runBatch(std::span<detail::GroupMember* const> batch);

  const std::string path_;
  const StoreOptions options_;
  const common::Clock& clock_;
  const detail::Sealer sealer_;

  // Declared before the readers so that it is destroyed after them: the last connection to
  // close checkpoints the WAL into the database file.
  std::timed_mutex writeMutex_;
  std::unique_ptr<detail::Session> writer_;
  // Declared after writer_: finalised before the connection closes.
  std::unique_ptr<detail::StatementCache> writerStatements_;
  detail::GroupCommitQueue group_;
  std::function<void(detail::Session&, std::size_t)> beforeCommit_;

  mutable std::mutex poolMutex_;
  mutable std::condition_variable poolCv_;
  mutable std::vector<ReadConnection> idleReaders_;
  mutable std::size_t openReaders_ = 0;
};

}  // namespace fhirgw::store
