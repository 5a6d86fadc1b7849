#pragma once

// Private to the PostgreSQL store: one libpq connection, its results and parameters, and the
// conversion of PostgreSQL errors (by SQLSTATE) into the store's Status vocabulary.
//
// libpq rather than Poco::Data::PostgreSQL: the SQLSTATE of an error decides its Status (Poco's
// exceptions carry only the text, whose DETAIL line repeats the row's values), parameters are
// sent apart from the SQL text, and LISTEN/NOTIFY is at hand.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"

struct pg_conn;
struct pg_result;

namespace fhirgw::store::detail::pg {

/// libpq connection keywords and values (PQconnectdbParams), password included when given.
struct ConnectParams {
  std::vector<std::pair<std::string, std::string>> values;
};

/// Parameters of a statement ($1, $2, ...), sent as text (bytes: binary); PostgreSQL infers
/// their types from where they stand in the statement.
class Params {
 public:
  Params& text(std::string_view value);
  /// A bytea value, sent in binary: any bytes, NUL included, no escaping.
  Params& bytes(std::string_view value);
  Params& optionalText(const std::optional<std::string>& value);
  Params& integer(std::int64_t value);
  Params& optionalInteger(const std::optional<std::int64_t>& value);
  /// 1 or 0: the schema's flags are INTEGER 0/1 in both engines.
  Params& flag(bool value) { return integer(value ? 1 : 0); }

  std::size_t size() const { return values_.size(); }
  /// The values libpq reads (null for SQL NULL); valid while this object is unchanged.
  std::vector<const char*> pointers() const;
  /// Each value's length (read for the binary ones only).
  std::vector<int> lengths() const;
  /// Each value's format: 0 text, 1 binary.
  const std::vector<int>& formats() const { return formats_; }
  bool hasBinary() const { return binary_; }

 private:
  std::vector<std::optional<std::string>> values_;
  std::vector<int> formats_;
  bool binary_ = false;
};

/// A statement's rows, read as text.
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* result);
  ~Rows();
  Rows(Rows&& other) noexcept;
  Rows& operator=(Rows&& other) noexcept;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;

  int count() const;
  /// Rows an INSERT, UPDATE or DELETE touched.
  std::int64_t affected() const;
  bool isNull(int row, int column) const;
  std::string text(int row, int column) const;
  std::optional<std::string> optionalText(int row, int column) const;
  /// A bytea column, decoded from PostgreSQL's hex output (the session sets bytea_output).
  std::string bytes(int row, int column) const;
  /// A column PostgreSQL printed as an integer (0 for NULL: use optionalInteger where it may be).
  std::int64_t integer(int row, int column) const;
  std::optional<std::int64_t> optionalInteger(int row, int column) const;

 private:
  pg_result* result_ = nullptr;
};

/// One open connection; not thread-safe (the pool hands it to one caller at a time). Every
/// failure is a Status; a connection-level failure marks it broken so the pool drops it.
class Connection {
 public:
  /// Connects and applies the session settings (lock timeout = busyTimeout, UTC).
  static common::Result<std::unique_ptr<Connection>> open(const ConnectParams& params,
                                                          std::chrono::milliseconds busyTimeout);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// Runs one statement with parameters. `operation` names it in error messages.
  common::Result<Rows> exec(std::string_view operation, std::string_view sql,
                            const Params& params = {});
  /// Runs SQL without parameters (may hold several statements: BEGIN, SET, DDL).
  common::Status run(std::string_view operation, std::string_view sql);

  /// False once the connection is lost; the pool then closes it rather than reuse it.
  bool healthy() const;
  /// The SQLSTATE of the last failed statement ("" after a success).
  const std::string& lastSqlState() const { return lastSqlState_; }

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  common::Result<Rows> finish(std::string_view operation, pg_result* result);

  pg_conn* conn_;
  std::string lastSqlState_;
};

/// The Status of a SQLSTATE (class 23 constraints, 40 serialization, 08 connection, ...).
common::StatusCode statusCodeOf(std::string_view sqlState);

/// True for the SQLSTATEs that mean "run the transaction again": serialization failure (40001)
/// and deadlock (40P01).
bool isRetryableTransaction(std::string_view sqlState);

}  // namespace fhirgw::store::detail::pg
