// per-1 on Period: start is not after end, compared on the precision both share.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "fhirgw/fhir/date.hpp"
#include "primitive_check.hpp"
#include "validation/json_access.hpp"
#include "validation/type_checks.hpp"
#include "validation/walker.hpp"

namespace fhirgw::fhir::validation {
namespace {

// Seconds since 1970 (UTC) of a full dateTime "YYYY-MM-DDThh:mm:ss[.f](Z|+hh:mm)".
std::int64_t epochSeconds(std::string_view s) {
  auto num = [&](std::size_t pos, std::size_t len) {
    std::int64_t n = 0;
    for (std::size_t i = pos; i < pos + len; ++i) n = n * 10 + (s[i] - '0');
    return n;
  };
  // Counted from the first of the month, so a day the month lacks (reported on its own as a
  // primitive problem) rolls over; the regex guarantees year 0001-9999 and month 01-12. Not
  // DateTime::parse: R4 allows a leap second (":60"), which that stricter form refuses.
  const std::optional<Date> firstOfMonth =
      Date::fromYmd(static_cast<int>(num(0, 4)), static_cast<unsigned>(num(5, 2)), 1);
  if (!firstOfMonth) return 0;
  const std::int64_t days = firstOfMonth->daysSinceEpoch() + num(8, 2) - 1;
  std::int64_t secs = days * 86400 + num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2);
  const std::size_t tz = s.find_first_of("Z+-", 19);
  if (tz != std::string_view::npos && s[tz] != 'Z') {
    const std::int64_t offset = num(tz + 1, 2) * 3600 + num(tz + 4, 2) * 60;
    secs -= s[tz] == '+' ? offset : -offset;
  }
  return secs;
}

std::string_view fraction(std::string_view s) {
  if (s.size() <= 19 || s[19] != '.') return "";
  const std::size_t end = s.find_first_of("Z+-", 20);
  return s.substr(20, end - 20);
}

// per-1 for two valid dateTimes of any precision: compared on the precision they share.
bool isAfter(std::string_view a, std::string_view b) {
  const bool ta = a.size() > 10;
  const bool tb = b.size() > 10;
  if (ta && tb) {
    const std::int64_t sa = epochSeconds(a);
    const std::int64_t sb = epochSeconds(b);
    if (sa != sb) return sa > sb;
    std::string fa(fraction(a));
    std::string fb(fraction(b));
    const std::size_t n = std::max(fa.size(), fb.size());
    fa.resize(n, '0');
    fb.resize(n, '0');
    return fa > fb;
  }
  // Local dates, or a date against the date part of a dateTime: the shared prefix decides.
  const std::size_t n = std::min({a.size(), b.size(), std::size_t{10}});
  return a.substr(0, n) > b.substr(0, n);
}

}  // namespace

void checkPeriod(const rapidjson::Value& period, Walker& walker) {
  const rapidjson::Value* start = stringMember(period, "start");
  const rapidjson::Value* end = stringMember(period, "end");
  if (start == nullptr || end == nullptr) return;
  const std::string_view a = str(*start);
  const std::string_view b = str(*end);
  if (!detail::matchesRegex(r4::Primitive::kDateTime, a) ||
      !detail::matchesRegex(r4::Primitive::kDateTime, b)) {
    return;
  }
  if (isAfter(a, b)) {
    walker.invariant("per-1", walker.where(),
                     "If present, start SHALL have a lower value than end");
  }
}

}  // namespace fhirgw::fhir::validation
