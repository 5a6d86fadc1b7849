#pragma once

#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>
#include <string_view>
#include <variant>

#include "fhirgw/common/result.hpp"

namespace fhirgw::common {

/// Log severities, lowest first.
enum class LogLevel { kDebug, kInfo, kWarning, kError };

/// Parses "debug" | "info" | "warning" | "error"; kInvalidArgument for anything else.
Result<LogLevel> parseLogLevel(std::string_view text);

/// One field of a log line. Only identifiers, counts, routes and hashes go here: never a name,
/// an INS, an address or document content.
struct LogField {
  std::string_view key;
  std::variant<std::string_view, std::int64_t, bool> value;

  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  LogField(std::string_view k, std::int64_t v) : key(k), value(v) {}
  LogField(std::string_view k, int v) : key(k), value(std::int64_t{v}) {}
  LogField(std::string_view k, unsigned v) : key(k), value(std::int64_t{v}) {}
  LogField(std::string_view k, std::size_t v) : key(k), value(static_cast<std::int64_t>(v)) {}
  LogField(std::string_view k, bool v) : key(k), value(v) {}
};

/// Process-wide JSON-lines logger: {"ts":..., "level":..., "event":..., fields...}.
class Log {
 public:
  /// Minimum level written (default info).
  static void setLevel(LogLevel level);
  /// Where lines go (default std::clog); tests point it at a stringstream.
  static void setSink(std::ostream* sink);
  /// Writes one line if level is enabled.
  static void write(LogLevel level, std::string_view event, std::initializer_list<LogField> fields);

  static void debug(std::string_view e, std::initializer_list<LogField> f = {}) {
    write(LogLevel::kDebug, e, f);
  }
  static void info(std::string_view e, std::initializer_list<LogField> f = {}) {
    write(LogLevel::kInfo, e, f);
  }
  static void warning(std::string_view e, std::initializer_list<LogField> f = {}) {
    write(LogLevel::kWarning, e, f);
  }
  static void error(std::string_view e, std::initializer_list<LogField> f = {}) {
    write(LogLevel::kError, e, f);
  }
};

}  // namespace fhirgw::common
