#include "fhirgw/fhir/date_time.hpp"

namespace fhirgw::fhir {
namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// Two ASCII digits at text[pos] as a number, -1 when not digits or out of the text.
int twoDigits(std::string_view text, std::size_t pos) {
  if (pos + 2 > text.size() || !isDigit(text[pos]) || !isDigit(text[pos + 1])) return -1;
  return (text[pos] - '0') * 10 + (text[pos + 1] - '0');
}

}  // namespace

std::optional<DateTime> DateTime::parse(std::string_view text) {
  // The shortest valid form is "YYYY-MM-DDThh:mm:ssZ" (20 characters).
  if (text.size() < 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const std::optional<Date> date = Date::parse(text.substr(0, 10));
  if (!date) return std::nullopt;
  const int hour = twoDigits(text, 11);
  const int minute = twoDigits(text, 14);
  const int second = twoDigits(text, 17);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) {
    return std::nullopt;
  }

  std::size_t pos = 19;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t fractionStart = pos;
    int scale = 100;
    while (pos < text.size() && isDigit(text[pos])) {
      millis += (text[pos] - '0') * scale;  // digits beyond the millisecond add 0
      scale /= 10;
      ++pos;
    }
    if (pos == fractionStart) return std::nullopt;
  }

  int offset = 0;
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    const int sign = text[pos] == '-' ? -1 : 1;
    const int oh = twoDigits(text, pos + 1);
    const int om = twoDigits(text, pos + 4);
    if (oh < 0 || oh > 23 || om < 0 || om > 59 || pos + 3 >= text.size() || text[pos + 3] != ':') {
      return std::nullopt;
    }
    offset = sign * (oh * 60 + om);
    pos += 6;
  } else {
    return std::nullopt;  // the offset is mandatory
  }
  if (pos != text.size()) return std::nullopt;

  DateTime out;
  out.text = std::string(text);
  out.offsetMinutes = offset;
  out.localDate = *date;
  const std::int64_t localMillis =
      date->daysSinceEpoch() * 86'400'000 + (hour * 3600 + minute * 60 + second) * 1000LL + millis;
  out.instant = Instant{std::chrono::milliseconds{localMillis - offset * 60'000LL}};
  return out;
}

Instant toInstant(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::milliseconds>(t);
}

Date utcDate(Instant instant) {
  return Date::fromDaysSinceEpoch(
      std::chrono::floor<std::chrono::days>(instant).time_since_epoch().count());
}

}  // namespace fhirgw::fhir
