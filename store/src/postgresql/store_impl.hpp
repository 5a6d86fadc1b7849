#pragma once

// Private to the PostgreSQL store: PostgresStore::Impl, the connection pool and the transaction
// helpers every role's source file uses.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/store/postgres_store.hpp"
#include "postgresql/connection.hpp"
#include "sealer.hpp"

namespace fhirgw::store::detail::pg {

inline std::int64_t toMillis(common::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

inline common::TimePoint fromMillis(std::int64_t ms) {
  return common::TimePoint(std::chrono::milliseconds(ms));
}

inline std::optional<common::TimePoint> fromOptionalMillis(const std::optional<std::int64_t>& ms) {
  if (!ms) return std::nullopt;
  return fromMillis(*ms);
}

// libpq sends text as C strings: a NUL inside would cut the value (and PostgreSQL's text holds
// none). Valid JSON never has one, so refuse rather than store half a body.
inline bool hasNul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

}  // namespace fhirgw::store::detail::pg

namespace fhirgw::store {

class PostgresStore::Impl {
 public:
  Impl(detail::pg::ConnectParams params, const StoreOptions& options, const common::Clock& clock)
      : params_(std::move(params)), options_(options), clock_(clock), sealer_(options.keyRing) {}

  std::int64_t nowMs() const { return detail::pg::toMillis(clock_.now()); }

  /// Seals and opens the columns that can hold health data (../sealer.hpp), as SQLite does.
  const detail::Sealer& sealer() const { return sealer_; }

  /// Runs fn(Connection&) -> Status inside BEGIN ... COMMIT (READ COMMITTED) on a pooled
  /// connection; rolls back when fn fails. A serialization failure or deadlock runs the whole
  /// transaction again (fn must be safe to repeat), up to three times, then kUnavailable.
  template <typename Fn>
  common::Status write(std::string_view operation, Fn&& fn) {
    for (int attempt = 1;; ++attempt) {
      std::unique_ptr<detail::pg::Connection> conn;
      FHIRGW_RETURN_IF_ERROR(acquire(operation, conn));
      common::Status status = conn->run(operation, "BEGIN");
      if (status.isOk()) status = fn(*conn);
      if (status.isOk()) status = conn->run(operation, "COMMIT");
      const bool retry = detail::pg::isRetryableTransaction(conn->lastSqlState());
      // After a failed COMMIT the transaction is over already; ROLLBACK then only warns.
      if (!status.isOk() && conn->healthy()) {
        // The statement's failure is the answer; a failed ROLLBACK only drops the connection.
        if (!conn->run(operation, "ROLLBACK").isOk()) conn.reset();
      }
      release(std::move(conn));
      if (!retry || attempt == 3) return status;
    }
  }

  /// Runs fn(Connection&) -> Status on a pooled connection, each statement on its own (no
  /// transaction); with snapshot, inside one REPEATABLE READ READ ONLY transaction so several
  /// SELECTs see the same committed state.
  template <typename Fn>
  common::Status read(std::string_view operation, Fn&& fn, bool snapshot = false) const {
    std::unique_ptr<detail::pg::Connection> conn;
    FHIRGW_RETURN_IF_ERROR(acquire(operation, conn));
    common::Status status = common::Status::ok();
    if (snapshot) status = conn->run(operation, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (status.isOk()) status = fn(*conn);
    if (snapshot && conn->healthy()) {
      const common::Status ended = conn->run(operation, status.isOk() ? "COMMIT" : "ROLLBACK");
      if (!ended.isOk()) {
        conn.reset();
        if (status.isOk()) status = ended;
      }
    }
    release(std::move(conn));
    return status;
  }

  /// read() for a value: fn(Connection&, T&) -> Status.
  template <typename T, typename Fn>
  common::Result<T> readValue(std::string_view operation, Fn&& fn, bool snapshot = false) const {
    T value{};
    FHIRGW_RETURN_IF_ERROR(read(
        operation, [&](detail::pg::Connection& c) { return fn(c, value); }, snapshot));
    return value;
  }

  /// Applies the pending migrations under the schema's advisory lock; kFailedPrecondition when
  /// the database is newer than this code (schema.cpp).
  common::Status migrate();

  /// Takes a connection from the pool (opening one while fewer than options.connections are
  /// open), waiting up to busyTimeout for a free one; kUnavailable otherwise.
  common::Status acquire(std::string_view operation,
                         std::unique_ptr<detail::pg::Connection>& out) const;
  /// Gives a connection back; a null or broken one is closed, which frees its slot.
  void release(std::unique_ptr<detail::pg::Connection> conn) const;

 private:
  const detail::pg::ConnectParams params_;
  const StoreOptions options_;
  const common::Clock& clock_;
  const detail::Sealer sealer_;

  mutable std::mutex poolMutex_;
  mutable std::condition_variable poolCv_;
  mutable std::vector<std::unique_ptr<detail::pg::Connection>> idle_;
  mutable std::size_t open_ = 0;
};

}  // namespace fhirgw::store
