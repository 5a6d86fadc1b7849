#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhirgw/mappings/rules.hpp"
#include "test_support.hpp"

namespace fhirgw::mappings {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::paths;
using testing::run;
using testing::validTeleconsultation;

Teleconsultation billed(std::string act, std::string amount,
                        std::vector<std::string> majorations = {}) {
  Teleconsultation t = validTeleconsultation();
  t.billing->act = std::move(act);
  t.billing->amount = {amount, Decimal::parse(amount)};
  t.billing->majorations = std::move(majorations);
  return t;
}

TEST(MajorationRule, NoMajorationPasses) {
  EXPECT_THAT(run(MajorationRule{}, validTeleconsultation()), IsEmpty());
}

TEST(MajorationRule, EachOfFMnAndMmIsRejectedAtItsPosition) {
  const auto f = run(MajorationRule{}, billed("TCG", "25.00", {"F", "MN", "MM"}));
  EXPECT_THAT(paths(f), ElementsAre("billing.majorations[0]", "billing.majorations[1]",
                                    "billing.majorations[2]"));
}

TEST(MajorationRule, LowerCaseMajorationsDoNotSlipThrough) {
  EXPECT_EQ(run(MajorationRule{}, billed("TCG", "25.00", {"mn"})).size(), 1u);
}

TEST(MajorationRule, OtherMajorationsAreNotThisRulesConcern) {
  EXPECT_THAT(run(MajorationRule{}, billed("TCG", "25.00", {"MPA"})), IsEmpty());
}

TEST(MajorationRule, NoBillingNoFinding) {
  Teleconsultation t = validTeleconsultation();
  t.billing.reset();
  EXPECT_THAT(run(MajorationRule{}, t), IsEmpty());
}

TEST(BillingActRule, TcgIsInTheDefaultTariffTable) {
  EXPECT_THAT(run(BillingActRule{}, validTeleconsultation()), IsEmpty());
}

TEST(BillingActRule, UnknownActIsRejected) {
  const auto f = run(BillingActRule{}, billed("TC", "25.00"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expression, "billing.act");
  EXPECT_EQ(f[0].code, "value");
}

TEST(BillingActRule, ActsAddedByConfigurationAreAccepted) {
  RuleConfig config;
  config.tariffs["TCP"] = "30.00";
  EXPECT_THAT(run(BillingActRule{}, billed("TCP", "30.00"), config), IsEmpty());
}

TEST(BillingActRule, MissingActIsReportedUnderTheRule) {
  Teleconsultation t = validTeleconsultation();
  t.billing->act.reset();
  EXPECT_EQ(run(BillingActRule{}, t).at(0).code, "required");
}

TEST(BillingAmountRule, TariffAmountPasses) {
  EXPECT_THAT(run(BillingAmountRule{}, validTeleconsultation()), IsEmpty());
}

TEST(BillingAmountRule, AmountsAreComparedAsDecimals) {
  for (const char* amount : {"25", "25.0", "25.00", "25.000"}) {
    EXPECT_THAT(run(BillingAmountRule{}, billed("TCG", amount)), IsEmpty()) << amount;
  }
}

TEST(BillingAmountRule, TariffMismatchIsAWarningFinding) {
  for (const char* amount : {"30.00", "25.01", "24.99", "2.50", "250"}) {
    const auto f = run(BillingAmountRule{}, billed("TCG", amount));
    ASSERT_EQ(f.size(), 1u) << amount;
    EXPECT_EQ(f[0].expression, "billing.amount");
    EXPECT_EQ(f[0].code, "business-rule");
  }
}

TEST(BillingAmountRule, ConfiguredTariffIsUsed) {
  RuleConfig config;
  config.tariffs["TCG"] = "26.50";
  EXPECT_THAT(run(BillingAmountRule{}, billed("TCG", "26.5"), config), IsEmpty());
  EXPECT_EQ(run(BillingAmountRule{}, billed("TCG", "25.00"), config).size(), 1u);
}

TEST(BillingAmountRule, MissingAmountIsReportedUnderTheRuleAndMalformedOnesByTheParser) {
  // The body parser refuses "25,00" or "2.5e1" as input errors (BodyParser tests): the rule has
  // nothing to compare and adds nothing.
  EXPECT_THAT(run(BillingAmountRule{}, billed("TCG", "25,00")), IsEmpty());
  EXPECT_THAT(run(BillingAmountRule{}, billed("TCG", "2.5e1")), IsEmpty());
  Teleconsultation t = validTeleconsultation();
  t.billing->amount = {};
  EXPECT_EQ(run(BillingAmountRule{}, t).at(0).code, "required");
}

TEST(BillingAmountRule, UnknownActIsLeftToBillAct) {
  EXPECT_THAT(run(BillingAmountRule{}, billed("XYZ", "12.00")), IsEmpty());
}

}  // namespace
}  // namespace fhirgw::mappings
