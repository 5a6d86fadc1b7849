#include "fhirgw/common/code_table.hpp"

#include <gtest/gtest.h>

using fhirgw::common::CodeTable;

namespace {

enum class Colour { kRed, kGreen, kBlue, kUnlisted };

constexpr CodeTable<Colour, 3> kColours{{{
    {Colour::kRed, "red"},
    {Colour::kGreen, "green"},
    {Colour::kBlue, "blue"},
}}};

}  // namespace

TEST(CodeTable, GivesBothDirectionsFromOneList) {
  EXPECT_EQ(kColours.code(Colour::kGreen), "green");
  EXPECT_EQ(kColours.parse("blue"), Colour::kBlue);
  EXPECT_EQ(kColours.parse("Blue"), std::nullopt) << "codes are case-sensitive";
  EXPECT_EQ(kColours.parse(""), std::nullopt);
}

TEST(CodeTable, AnUnlistedValueHasAnEmptyCode) { EXPECT_EQ(kColours.code(Colour::kUnlisted), ""); }

TEST(CodeTable, WorksAtCompileTime) {
  static_assert(kColours.code(Colour::kRed) == "red");
  static_assert(kColours.parse("green") == Colour::kGreen);
}

TEST(CodeTable, JoinsItsCodesInTableOrderForMessages) {
  EXPECT_EQ(kColours.join(", "), "red, green, blue");
  EXPECT_EQ(kColours.join(", ", " ou "), "red, green ou blue");
  constexpr CodeTable<Colour, 1> kOne{{{{Colour::kRed, "red"}}}};
  EXPECT_EQ(kOne.join(", ", " or "), "red");
}
