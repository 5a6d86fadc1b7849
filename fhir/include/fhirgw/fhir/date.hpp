#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::fhir {

/// True for Gregorian leap years.
bool isLeapYear(int year);
/// Number of days of a month (1-12) in a year; 0 for a month outside 1-12.
unsigned daysInMonth(int year, unsigned month);

/// A civil calendar date (proleptic Gregorian, no time zone), as in FHIR `date` and the
/// editor's `YYYY-MM-DD` fields.
class Date {
 public:
  /// 1970-01-01.
  constexpr Date() = default;

  /// A valid date, or nullopt (month 1-12, day within the month, year 1-9999).
  static std::optional<Date> fromYmd(int year, unsigned month, unsigned day);
  /// Parses exactly "YYYY-MM-DD" (no time, no offset); nullopt when malformed or not a real day.
  static std::optional<Date> parse(std::string_view text);
  /// The date `days` days after 1970-01-01 (negative: before).
  static Date fromDaysSinceEpoch(std::int64_t days);

  int year() const { return year_; }
  unsigned month() const { return month_; }
  unsigned day() const { return day_; }

  /// Days since 1970-01-01 (negative before).
  std::int64_t daysSinceEpoch() const;
  /// The date n days later (n < 0: earlier).
  Date plusDays(std::int64_t n) const;
  /// The same calendar day `years` years later (negative: earlier); 28 February when that day
  /// does not exist (29 February in a common year), the convention of rules.md.
  Date plusYearsClamped(int years) const;
  /// The same calendar day `months` months later (negative: earlier); when that day does not
  /// exist (31 April, 29 February of a common year), the first day of the following month, so
  /// that "before the same day one month later" still ends with the shorter month.
  Date plusMonthsRollingOver(int months) const;
  /// "YYYY-MM-DD".
  std::string toString() const;

  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the defaulted comparison
  friend constexpr auto operator<=>(const Date&, const Date&) = default;
  friend constexpr bool operator==(const Date&, const Date&) = default;

 private:
  constexpr Date(int y, unsigned m, unsigned d) : year_(y), month_(m), day_(d) {}

  // Member order makes the defaulted comparison chronological.
  int year_ = 1970;
  unsigned month_ = 1;
  unsigned day_ = 1;
};

/// Calendar days from `first` to `last`, both included (`last - first + 1`; 1 for the same day,
/// 0 or less when last is before first).
std::int64_t inclusiveDayCount(Date first, Date last);

/// Age in whole years on `on` for someone born on `birth`: the number of birthdays reached, a
/// 29 February birthday falling on 28 February in common years (the rules' date convention).
/// Negative when `on` is before `birth`.
int ageInYears(Date birth, Date on);

}  // namespace fhirgw::fhir
