#include "fhirgw/common/log.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <iostream>
#include <mutex>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/code_table.hpp"

namespace fhirgw::common {
namespace {

std::atomic<LogLevel> gLevel{LogLevel::kInfo};
std::mutex gMutex;
std::ostream* gSink = &std::clog;

constexpr CodeTable<LogLevel, 4> kLevelNames{{{
    {LogLevel::kDebug, "debug"},
    {LogLevel::kInfo, "info"},
    {LogLevel::kWarning, "warning"},
    {LogLevel::kError, "error"},
}}};

}  // namespace

Result<LogLevel> parseLogLevel(std::string_view text) {
  if (const std::optional<LogLevel> level = kLevelNames.parse(text)) return *level;
  return invalidArgument("log level must be one of debug, info, warning, error");
}

void Log::setLevel(LogLevel level) { gLevel = level; }

void Log::setSink(std::ostream* sink) {
  std::lock_guard lock(gMutex);
  gSink = sink ? sink : &std::clog;
}

void Log::write(LogLevel level, std::string_view event, std::initializer_list<LogField> fields) {
  if (level < gLevel.load()) return;
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&w](std::string_view s) {
    w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  };
  w.StartObject();
  w.Key("ts");
  str(formatInstantUtc(SystemClock::instance().now()));
  w.Key("level");
  str(kLevelNames.code(level));
  w.Key("event");
  str(event);
  for (const LogField& f : fields) {
    w.Key(f.key.data(), static_cast<rapidjson::SizeType>(f.key.size()));
    if (const auto* s = std::get_if<std::string_view>(&f.value)) {
      str(*s);
    } else if (const auto* i = std::get_if<std::int64_t>(&f.value)) {
      w.Int64(*i);
    } else {
      w.Bool(std::get<bool>(f.value));
    }
  }
  w.EndObject();
  std::lock_guard lock(gMutex);
  (*gSink) << buf.GetString() << '\n' << std::flush;
}

}  // namespace fhirgw::common
