#include "fhirgw/mappings/decimal.hpp"

#include <gtest/gtest.h>

namespace fhirgw::mappings {
namespace {

Decimal dec(std::string_view text) { return Decimal::parse(text).value(); }

TEST(Decimal, EqualValuesWithDifferentScalesAreEqual) {
  EXPECT_EQ(dec("25.0"), dec("25.00"));
  EXPECT_EQ(dec("25"), dec("25.000"));
  EXPECT_EQ(dec("0"), dec("-0.00"));
  EXPECT_NE(dec("25.01"), dec("25.00"));
  EXPECT_NE(dec("250"), dec("25.0"));
}

TEST(Decimal, KeepsTheTextAsReceived) { EXPECT_EQ(dec("25.00").text(), "25.00"); }

TEST(Decimal, OrdersByValue) {
  EXPECT_LT(dec("9.99"), dec("25"));
  EXPECT_LT(dec("25"), dec("25.001"));
  EXPECT_LT(dec("-3"), dec("-2.5"));
  EXPECT_LT(dec("-0.1"), dec("0"));
  EXPECT_GT(dec("100"), dec("99.999"));
  EXPECT_TRUE(dec("-1").isNegative());
  EXPECT_FALSE(dec("-0").isNegative());
  EXPECT_TRUE(dec("0.000").isZero());
}

TEST(Decimal, RejectsTextOutsideTheFhirDecimalForm) {
  for (const char* bad : {"", "-", "+25", "025", "25.", ".5", "2.5e1", "25,00", "25 ", " 25", "abc",
                          "1-2", "--1", "0x10"}) {
    EXPECT_FALSE(Decimal::parse(bad)) << bad;
  }
}

}  // namespace
}  // namespace fhirgw::mappings
