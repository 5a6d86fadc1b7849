#include "fhirgw/domain/decimal.hpp"

#include <gtest/gtest.h>

namespace fhirgw::domain {
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

TEST(Decimal, AcceptsAtMostEighteenDigitsIntegerAndFractionTogether) {
  EXPECT_TRUE(Decimal::parse("123456789012345678"));
  EXPECT_TRUE(Decimal::parse("-12345678.9012345678"));
  EXPECT_TRUE(Decimal::parse("0.00000000000000001"));  // 1 + 17 digits
  EXPECT_FALSE(Decimal::parse("1234567890123456789"));
  EXPECT_FALSE(Decimal::parse("0.000000000000000001"));   // 1 + 18 digits
  EXPECT_FALSE(Decimal::parse("25.000000000000000000"));  // trailing zeros count as written
  EXPECT_FALSE(Decimal::parse("0." + std::string(400, '0') + "1"));
}

}  // namespace
}  // namespace fhirgw::domain
