#include "fhirgw/fhir/date_time.hpp"

#include <gtest/gtest.h>

namespace fhirgw::fhir {
namespace {

using std::chrono::milliseconds;

Instant utc(std::string_view date, int h, int m, int s, int ms = 0) {
  const auto days = Date::parse(date).value().daysSinceEpoch();
  return Instant{milliseconds{days * 86'400'000LL + ((h * 60 + m) * 60 + s) * 1000LL + ms}};
}

TEST(DateTime, ParsesAnOffsetAndKeepsTheText) {
  const auto dt = DateTime::parse("2026-11-20T09:30:00+01:00");
  ASSERT_TRUE(dt);
  EXPECT_EQ(dt->text, "2026-11-20T09:30:00+01:00");
  EXPECT_EQ(dt->offsetMinutes, 60);
  EXPECT_EQ(dt->instant, utc("2026-11-20", 8, 30, 0));
  EXPECT_EQ(dt->localDate, Date::parse("2026-11-20").value());
}

TEST(DateTime, LocalDateIsTheDateInItsOwnOffsetNotInUtc) {
  // 00:30 in Paris is still the previous day in UTC; 23:30 in Martinique is the next day in UTC.
  const auto paris = DateTime::parse("2026-11-21T00:30:00+01:00").value();
  EXPECT_EQ(paris.localDate, Date::parse("2026-11-21").value());
  EXPECT_EQ(paris.instant, utc("2026-11-20", 23, 30, 0));
  const auto martinique = DateTime::parse("2026-11-20T23:30:00-04:00").value();
  EXPECT_EQ(martinique.localDate, Date::parse("2026-11-20").value());
  EXPECT_EQ(martinique.instant, utc("2026-11-21", 3, 30, 0));
}

TEST(DateTime, AcceptsZuluAndFractions) {
  EXPECT_EQ(DateTime::parse("2026-11-20T08:30:00Z")->instant, utc("2026-11-20", 8, 30, 0));
  EXPECT_EQ(DateTime::parse("2026-11-20T08:30:00.5Z")->instant, utc("2026-11-20", 8, 30, 0, 500));
  EXPECT_EQ(DateTime::parse("2026-11-20T08:30:00.123456+00:00")->instant,
            utc("2026-11-20", 8, 30, 0, 123));
  EXPECT_EQ(DateTime::parse("2026-11-20T05:00:00+05:30")->instant, utc("2026-11-19", 23, 30, 0));
}

TEST(DateTime, RejectsMissingOffsetAndMalformedText) {
  for (const char* bad :
       {"2026-11-20T09:30:00", "2026-11-20", "2026-11-20 09:30:00+01:00", "2026-11-20t09:30:00Z",
        "2026-11-20T09:30:00z", "2026-11-20T09:30+01:00", "2026-11-20T24:00:00Z",
        "2026-11-20T09:60:00Z", "2026-11-20T09:30:60Z", "2026-11-20T09:30:00.Z",
        "2026-11-20T09:30:00+0100", "2026-11-20T09:30:00+01", "2026-11-20T09:30:00+24:00",
        "2026-11-20T09:30:00+01:60", "2026-02-30T09:30:00Z", "2026-11-20T09:30:00Z ",
        "2026-11-20T09:30:00+01:00x", ""}) {
    EXPECT_FALSE(DateTime::parse(bad)) << bad;
  }
}

TEST(DateTime, ConvertsClockTimeToMilliseconds) {
  const auto t = std::chrono::system_clock::time_point{std::chrono::seconds{1'795'000'000}} +
                 std::chrono::microseconds{1500};
  EXPECT_EQ(toInstant(t).time_since_epoch(), milliseconds{1'795'000'000'001LL});
}

TEST(DateTime, TheUtcDateOfAnInstantIsItsCalendarDayInUtc) {
  EXPECT_EQ(utcDate(utc("2026-11-20", 0, 0, 0)), Date::parse("2026-11-20"));
  EXPECT_EQ(utcDate(utc("2026-11-20", 23, 59, 59, 999)), Date::parse("2026-11-20"));
  EXPECT_EQ(utcDate(DateTime::parse("2026-11-20T00:30:00+01:00")->instant),
            Date::parse("2026-11-19"));
  EXPECT_EQ(utcDate(utc("1969-12-31", 12, 0, 0)), Date::parse("1969-12-31"));
}

}  // namespace
}  // namespace fhirgw::fhir
