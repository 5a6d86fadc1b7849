#include "fhirgw/fhir/date.hpp"

#include <chrono>
#include <cstdio>

namespace fhirgw::fhir {
namespace {

// Reads exactly `width` ASCII digits at text[pos]; -1 when any is not a digit.
int readDigits(std::string_view text, std::size_t pos, std::size_t width) {
  int value = 0;
  for (std::size_t i = pos; i < pos + width; ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return -1;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

bool isLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

unsigned daysInMonth(int year, unsigned month) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12) return 0;
  if (month == 2 && isLeapYear(year)) return 29;
  return kDays[month - 1];
}

std::optional<Date> Date::fromYmd(int year, unsigned month, unsigned day) {
  if (year < 1 || year > 9999) return std::nullopt;
  if (month < 1 || month > 12) return std::nullopt;
  if (day < 1 || day > daysInMonth(year, month)) return std::nullopt;
  return Date(year, month, day);
}

std::optional<Date> Date::parse(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
  const int y = readDigits(text, 0, 4);
  const int m = readDigits(text, 5, 2);
  const int d = readDigits(text, 8, 2);
  if (y < 0 || m < 0 || d < 0) return std::nullopt;
  return fromYmd(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

Date Date::fromDaysSinceEpoch(std::int64_t days) {
  const std::chrono::sys_days sd{std::chrono::days{days}};
  const std::chrono::year_month_day ymd{sd};
  return Date(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
              static_cast<unsigned>(ymd.day()));
}

std::int64_t Date::daysSinceEpoch() const {
  const std::chrono::year_month_day ymd{std::chrono::year{year_}, std::chrono::month{month_},
                                        std::chrono::day{day_}};
  return std::chrono::sys_days{ymd}.time_since_epoch().count();
}

Date Date::plusDays(std::int64_t n) const { return fromDaysSinceEpoch(daysSinceEpoch() + n); }

Date Date::plusYearsClamped(int years) const {
  const int y = year_ + years;
  const unsigned last = daysInMonth(y, month_);
  return Date(y, month_, day_ > last ? last : day_);
}

Date Date::plusMonthsRollingOver(int months) const {
  const int index = year_ * 12 + static_cast<int>(month_) - 1 + months;  // months since year 0
  const int y = index / 12;
  const auto m = static_cast<unsigned>(index % 12 + 1);
  if (day_ <= daysInMonth(y, m)) return Date(y, m, day_);
  return m == 12 ? Date(y + 1, 1, 1) : Date(y, m + 1, 1);
}

std::string Date::toString() const {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", year_, month_, day_);
  return buf;
}

std::int64_t inclusiveDayCount(Date first, Date last) {
  return last.daysSinceEpoch() - first.daysSinceEpoch() + 1;
}

int ageInYears(Date birth, Date on) {
  int years = on.year() - birth.year();
  // The birthday of that year may not be reached yet.
  if (birth.plusYearsClamped(years) > on) --years;
  return years;
}

}  // namespace fhirgw::fhir
