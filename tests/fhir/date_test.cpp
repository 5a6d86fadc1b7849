#include "fhirgw/fhir/date.hpp"

#include <gtest/gtest.h>

namespace fhirgw::fhir {
namespace {

Date d(std::string_view text) { return Date::parse(text).value(); }

TEST(Date, ParsesAnIsoCalendarDate) {
  const auto date = Date::parse("2026-11-20");
  ASSERT_TRUE(date);
  EXPECT_EQ(date->year(), 2026);
  EXPECT_EQ(date->month(), 11u);
  EXPECT_EQ(date->day(), 20u);
  EXPECT_EQ(date->toString(), "2026-11-20");
}

TEST(Date, RejectsMalformedOrImpossibleDays) {
  for (const char* bad : {"2026-11-2", "2026/11/20", "2026-13-01", "2026-00-10", "2026-04-31",
                          "2025-02-29", "1900-02-29", "20261120", "2026-11-20T00:00:00Z",
                          "+026-11-20", "2026-1a-20", "0000-01-01", ""}) {
    EXPECT_FALSE(Date::parse(bad)) << bad;
  }
}

TEST(Date, AcceptsLeapDaysOfLeapYears) {
  EXPECT_TRUE(Date::parse("2024-02-29"));
  EXPECT_TRUE(Date::parse("2000-02-29"));
  EXPECT_FALSE(isLeapYear(2100));
  EXPECT_TRUE(isLeapYear(2400));
}

TEST(Date, CountsDaysSinceTheEpochBothWays) {
  EXPECT_EQ(d("1970-01-01").daysSinceEpoch(), 0);
  EXPECT_EQ(d("1970-01-02").daysSinceEpoch(), 1);
  EXPECT_EQ(d("1969-12-31").daysSinceEpoch(), -1);
  EXPECT_EQ(d("2000-03-01").daysSinceEpoch(), 11017);
  EXPECT_EQ(Date::fromDaysSinceEpoch(11017), d("2000-03-01"));
  EXPECT_EQ(Date::fromDaysSinceEpoch(-1), d("1969-12-31"));
}

TEST(Date, AddsDaysAcrossMonthsYearsAndLeapDays) {
  EXPECT_EQ(d("2026-11-30").plusDays(1), d("2026-12-01"));
  EXPECT_EQ(d("2026-12-31").plusDays(1), d("2027-01-01"));
  EXPECT_EQ(d("2024-02-28").plusDays(1), d("2024-02-29"));
  EXPECT_EQ(d("2025-02-28").plusDays(1), d("2025-03-01"));
  EXPECT_EQ(d("2025-03-01").plusDays(-1), d("2025-02-28"));
}

TEST(Date, SameDayOneYearEarlierFallsOnThe28thOfFebruaryWhenAbsent) {
  EXPECT_EQ(d("2026-11-20").plusYearsClamped(-1), d("2025-11-20"));
  EXPECT_EQ(d("2024-02-29").plusYearsClamped(-1), d("2023-02-28"));
  EXPECT_EQ(d("2024-02-29").plusYearsClamped(-4), d("2020-02-29"));
  EXPECT_EQ(d("2025-03-01").plusYearsClamped(-1), d("2024-03-01"));
}

TEST(Date, InclusiveDayCountIncludesBothEnds) {
  EXPECT_EQ(inclusiveDayCount(d("2026-11-20"), d("2026-11-20")), 1);
  EXPECT_EQ(inclusiveDayCount(d("2026-11-20"), d("2026-11-22")), 3);
  EXPECT_EQ(inclusiveDayCount(d("2026-11-20"), d("2026-11-23")), 4);
  EXPECT_EQ(inclusiveDayCount(d("2024-02-28"), d("2024-03-01")), 3);
  EXPECT_EQ(inclusiveDayCount(d("2026-11-21"), d("2026-11-20")), 0);
}

TEST(Date, AgeChangesOnTheBirthday) {
  const Date birth = d("2010-11-20");
  EXPECT_EQ(ageInYears(birth, d("2026-11-19")), 15);
  EXPECT_EQ(ageInYears(birth, d("2026-11-20")), 16);
  EXPECT_EQ(ageInYears(birth, d("2010-11-20")), 0);
  EXPECT_EQ(ageInYears(birth, d("2010-11-19")), -1);
}

TEST(Date, LeapDayBirthdayFallsOnThe28thOfFebruaryInCommonYears) {
  const Date birth = d("2008-02-29");
  EXPECT_EQ(ageInYears(birth, d("2024-02-27")), 15);
  EXPECT_EQ(ageInYears(birth, d("2023-02-28")), 15);
  EXPECT_EQ(ageInYears(birth, d("2024-02-28")), 15);
  EXPECT_EQ(ageInYears(birth, d("2024-02-29")), 16);
  EXPECT_EQ(ageInYears(birth, d("2025-02-28")), 17);
}

TEST(Date, OrdersChronologically) {
  EXPECT_LT(d("2025-12-31"), d("2026-01-01"));
  EXPECT_LT(d("2026-01-31"), d("2026-02-01"));
  EXPECT_LT(d("2026-02-01"), d("2026-02-02"));
}

}  // namespace
}  // namespace fhirgw::fhir
