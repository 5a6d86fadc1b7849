#include "fhirgw/common/clock.hpp"

#include <gtest/gtest.h>

using namespace fhirgw::common;
using namespace std::chrono;

TEST(ManualClock, MovesOnlyWhenTold) {
  ManualClock clock(TimePoint{seconds{1'700'000'000}});
  const auto t0 = clock.now();
  EXPECT_EQ(clock.now(), t0);
  clock.advance(milliseconds{1500});
  EXPECT_EQ(clock.now() - t0, milliseconds{1500});
}

TEST(InstantFormatting, IsUtcWithMilliseconds) {
  const TimePoint t{milliseconds{1'795'680'000'123}};
  EXPECT_EQ(formatInstantUtc(t), "2026-11-26T08:00:00.123Z");
  EXPECT_EQ(formatInstantUtc(TimePoint{}), "1970-01-01T00:00:00.000Z");
}
