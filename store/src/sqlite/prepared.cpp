#include "prepared.hpp"

#include <Poco/Data/SQLite/Utility.h>

namespace fhirgw::store::detail {

namespace {

[[noreturn]] void throwFor(sqlite3* db, int rc) {
  Poco::Data::SQLite::Utility::throwException(db, rc);
  // throwException throws for every error code it is given.
  throw Poco::Data::DataException("SQLite error " + std::to_string(rc));
}

}  // namespace

StatementCache::StatementCache(Session& session)
    : db_(Poco::Data::SQLite::Utility::dbHandle(session)) {}

StatementCache::~StatementCache() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
}

sqlite3_stmt* StatementCache::get(std::string_view sql) {
  if (auto found = statements_.find(sql); found != statements_.end()) return found->second;
  sqlite3_stmt* statement = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (rc != SQLITE_OK) throwFor(db_, rc);
  statements_.emplace(sql, statement);
  return statement;
}

StatementRun::StatementRun(StatementCache& cache, std::string_view sql)
    : db_(cache.db()), statement_(cache.get(sql)) {}

StatementRun::~StatementRun() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

StatementRun& StatementRun::text(std::string_view value) {
  check(sqlite3_bind_text64(statement_, next_++, value.data(), value.size(), SQLITE_STATIC,
                            SQLITE_UTF8));
  return *this;
}

StatementRun& StatementRun::text(const std::optional<std::string>& value) {
  if (!value) {
    check(sqlite3_bind_null(statement_, next_++));
    return *this;
  }
  return text(std::string_view(*value));
}

StatementRun& StatementRun::text(const NullableText& value) {
  if (value.isNull()) {
    check(sqlite3_bind_null(statement_, next_++));
    return *this;
  }
  return text(std::string_view(value.value()));
}

StatementRun& StatementRun::stored(const StoredValue& value) {
  if (!value.blob) return text(std::string_view(value.bytes));
  check(sqlite3_bind_blob64(statement_, next_++, value.bytes.data(), value.bytes.size(),
                            SQLITE_STATIC));
  return *this;
}

StatementRun& StatementRun::integer(std::int64_t value) {
  check(sqlite3_bind_int64(statement_, next_++, value));
  return *this;
}

StatementRun& StatementRun::integer(const NullableInt& value) {
  if (value.isNull()) {
    check(sqlite3_bind_null(statement_, next_++));
    return *this;
  }
  return integer(std::int64_t{value.value()});
}

void StatementRun::execute() {
  const int rc = sqlite3_step(statement_);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) check(rc);
}

std::int64_t StatementRun::single() {
  const int rc = sqlite3_step(statement_);
  if (rc != SQLITE_ROW) check(rc == SQLITE_DONE ? SQLITE_MISMATCH : rc);
  return sqlite3_column_int64(statement_, 0);
}

bool StatementRun::next() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) check(rc);
  return false;
}

std::string_view StatementRun::columnBytes(int column) const {
  // The pointer first, then the size (SQLite's advice: the size may change with the conversion).
  const void* data = sqlite3_column_blob(statement_, column);
  const int size = sqlite3_column_bytes(statement_, column);
  if (data == nullptr) return {};
  return {static_cast<const char*>(data), static_cast<std::size_t>(size)};
}

std::optional<std::string> StatementRun::columnText(int column) const {
  if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::nullopt;
  return std::string(columnBytes(column));
}

std::int64_t StatementRun::columnInteger(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::optional<std::int64_t> StatementRun::columnOptionalInteger(int column) const {
  if (sqlite3_column_type(statement_, column) == SQLITE_NULL) return std::nullopt;
  return columnInteger(column);
}

void StatementRun::check(int rc) const {
  if (rc != SQLITE_OK) throwFor(db_, rc);
}

}  // namespace fhirgw::store::detail
