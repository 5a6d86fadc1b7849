#include "fhirgw/common/log.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <iostream>
#include <mutex>

#include "fhirgw/common/clock.hpp"

namespace fhirgw::common {
namespace {

std::atomic<LogLevel> gLevel{LogLevel::kInfo};
std::mutex gMutex;
std::ostream* gSink = &std::clog;

std::string_view levelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

bool parseLogLevel(std::string_view text, LogLevel& out) {
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning, LogLevel::kError}) {
    if (text == levelName(l)) {
      out = l;
      return true;
    }
  }
  return false;
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
  str(levelName(level));
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
