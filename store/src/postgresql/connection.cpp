#include "postgresql/connection.hpp"

#include <libpq-fe.h>

#include <charconv>
#include <string>

namespace fhirgw::store::detail::pg {
namespace {

std::string field(const PGresult* result, int code) {
  const char* value = PQresultErrorField(result, code);
  return value != nullptr ? std::string(value) : std::string();
}

// libpq's messages end with a newline; logs want one line.
std::string oneLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return text;
}

// What an operator reads. Never the DETAIL line (it repeats the row's values, which may be
// health data) nor, for data and constraint errors (classes 22 and 23), the primary message
// (it may quote a value too): there the constraint, table and column names say enough.
std::string describe(std::string_view operation, const PGresult* result,
                     const std::string& sqlState) {
  std::string text(operation);
  text.append(": ");
  if (sqlState.starts_with("22") || sqlState.starts_with("23")) {
    text.append("SQLSTATE ").append(sqlState);
    for (const auto& [label, code] :
         {std::pair{" constraint ", PG_DIAG_CONSTRAINT_NAME},
          std::pair{" table ", PG_DIAG_TABLE_NAME}, std::pair{" column ", PG_DIAG_COLUMN_NAME}}) {
      const std::string name = field(result, code);
      if (!name.empty()) text.append(label).append(name);
    }
    return text;
  }
  text.append(oneLine(field(result, PG_DIAG_MESSAGE_PRIMARY)));
  if (!sqlState.empty()) text.append(" (SQLSTATE ").append(sqlState).append(")");
  return text;
}

}  // namespace

// ---- Params ------------------------------------------------------------------------------

Params& Params::text(std::string_view value) {
  values_.emplace_back(std::string(value));
  formats_.push_back(0);
  return *this;
}

Params& Params::bytes(std::string_view value) {
  values_.emplace_back(std::string(value));
  formats_.push_back(1);
  binary_ = true;
  return *this;
}

Params& Params::optionalText(const std::optional<std::string>& value) {
  values_.push_back(value);
  formats_.push_back(0);
  return *this;
}

Params& Params::integer(std::int64_t value) {
  values_.emplace_back(std::to_string(value));
  formats_.push_back(0);
  return *this;
}

Params& Params::optionalInteger(const std::optional<std::int64_t>& value) {
  if (value) return integer(*value);
  values_.emplace_back(std::nullopt);
  formats_.push_back(0);
  return *this;
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& value : values_) out.push_back(value ? value->c_str() : nullptr);
  return out;
}

std::vector<int> Params::lengths() const {
  std::vector<int> out;
  out.reserve(values_.size());
  for (const auto& value : values_) out.push_back(value ? static_cast<int>(value->size()) : 0);
  return out;
}

// ---- Rows --------------------------------------------------------------------------------

Rows::Rows(pg_result* result) : result_(result) {}

Rows::~Rows() {
  if (result_ != nullptr) PQclear(result_);
}

Rows::Rows(Rows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int Rows::count() const { return result_ != nullptr ? PQntuples(result_) : 0; }

std::int64_t Rows::affected() const {
  if (result_ == nullptr) return 0;
  const char* text = PQcmdTuples(result_);
  std::int64_t value = 0;
  std::from_chars(text, text + std::char_traits<char>::length(text), value);
  return value;
}

bool Rows::isNull(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }

std::string Rows::text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<std::size_t>(PQgetlength(result_, row, column)));
}

std::optional<std::string> Rows::optionalText(int row, int column) const {
  if (isNull(row, column)) return std::nullopt;
  return text(row, column);
}

std::string Rows::bytes(int row, int column) const {
  // "\x" then two hex digits per byte.
  const char* text = PQgetvalue(result_, row, column);
  const auto length = static_cast<std::size_t>(PQgetlength(result_, row, column));
  if (length < 2 || text[0] != '\\' || text[1] != 'x') return std::string();
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return c - 'A' + 10;
  };
  std::string out;
  out.resize((length - 2) / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<char>((nibble(text[2 + 2 * i]) << 4) | nibble(text[3 + 2 * i]));
  }
  return out;
}

std::int64_t Rows::integer(int row, int column) const {
  const char* text = PQgetvalue(result_, row, column);
  std::int64_t value = 0;
  std::from_chars(text, text + PQgetlength(result_, row, column), value);
  return value;
}

std::optional<std::int64_t> Rows::optionalInteger(int row, int column) const {
  if (isNull(row, column)) return std::nullopt;
  return integer(row, column);
}

// ---- Connection --------------------------------------------------------------------------

common::Result<std::unique_ptr<Connection>> Connection::open(
    const ConnectParams& params, std::chrono::milliseconds busyTimeout) {
  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [key, value] : params.values) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 0);
  if (conn == nullptr) return common::resourceExhausted("postgresql: out of memory connecting");
  if (PQstatus(conn) != CONNECTION_OK) {
    // libpq's text names the host, port and user, never the password.
    std::string message = "postgresql: cannot connect: " + oneLine(PQerrorMessage(conn));
    PQfinish(conn);
    return common::unavailable(std::move(message));
  }
  std::unique_ptr<Connection> connection(new Connection(conn));
  // A write that waits for a row another instance holds gives up like SQLite's busy timeout
  // (kUnavailable, the caller answers 503) instead of queueing requests behind it.
  FHIRGW_RETURN_IF_ERROR(
      connection->run("postgresql: session settings",
                      "SET lock_timeout = " + std::to_string(busyTimeout.count()) +
                          "; SET idle_in_transaction_session_timeout = 60000; SET TIME ZONE 'UTC';"
                          " SET bytea_output = 'hex'"));
  return connection;
}

Connection::~Connection() { PQfinish(conn_); }

bool Connection::healthy() const { return PQstatus(conn_) == CONNECTION_OK; }

common::Result<Rows> Connection::exec(std::string_view operation, std::string_view sql,
                                      const Params& params) {
  const std::vector<const char*> values = params.pointers();
  const std::vector<int> lengths = params.hasBinary() ? params.lengths() : std::vector<int>();
  PGresult* result =
      PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(values.size()), nullptr,
                   values.data(), params.hasBinary() ? lengths.data() : nullptr,
                   params.hasBinary() ? params.formats().data() : nullptr, 0);
  return finish(operation, result);
}

common::Status Connection::run(std::string_view operation, std::string_view sql) {
  return finish(operation, PQexec(conn_, std::string(sql).c_str())).status();
}

common::Result<Rows> Connection::finish(std::string_view operation, pg_result* result) {
  Rows rows(result);
  const ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    lastSqlState_.clear();
    return rows;
  }
  lastSqlState_ = result != nullptr ? field(result, PG_DIAG_SQLSTATE) : std::string();
  if (lastSqlState_.empty() || !healthy()) {
    // No answer from the server: the connection is gone (or never answered).
    return common::unavailable(std::string(operation) +
                               ": postgresql connection lost: " + oneLine(PQerrorMessage(conn_)));
  }
  return common::Status(statusCodeOf(lastSqlState_), describe(operation, result, lastSqlState_));
}

// ---- SQLSTATE ----------------------------------------------------------------------------

common::StatusCode statusCodeOf(std::string_view sqlState) {
  using common::StatusCode;
  if (sqlState == "23505") return StatusCode::kAlreadyExists;           // unique_violation
  if (sqlState == "23503") return StatusCode::kFailedPrecondition;      // foreign_key_violation
  if (sqlState.starts_with("23")) return StatusCode::kInvalidArgument;  // check, not null
  if (sqlState.starts_with("22")) return StatusCode::kInvalidArgument;  // data exception
  // Serialization failure, deadlock (retried first by the store), lock not available (the lock
  // timeout), query canceled, connection failures, too many connections, shutting down.
  if (sqlState.starts_with("40") || sqlState == "55P03" || sqlState == "57014" ||
      sqlState.starts_with("08") || sqlState == "53300" || sqlState.starts_with("57P")) {
    return StatusCode::kUnavailable;
  }
  if (sqlState.starts_with("53")) return StatusCode::kResourceExhausted;  // disk full, memory
  if (sqlState == "XX001" || sqlState == "XX002") return StatusCode::kDataLoss;  // corruption
  if (sqlState.starts_with("42501")) return StatusCode::kFailedPrecondition;     // privilege
  // Syntax, undefined table or column, raised exceptions (the append-only trigger): a bug here
  // or a forbidden change.
  return StatusCode::kInternal;
}

bool isRetryableTransaction(std::string_view sqlState) {
  return sqlState == "40001" || sqlState == "40P01";
}

}  // namespace fhirgw::store::detail::pg
