#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhirgw/rules/rules.hpp"
#include "rule_test_support.hpp"

namespace fhirgw::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::paths;
using testing::run;
using testsupport::validTeleconsultation;

domain::Teleconsultation billed(std::string act, std::string amount,
                                std::vector<std::string> majorations = {}) {
  domain::Teleconsultation t = validTeleconsultation();
  t.billing->act = std::move(act);
  t.billing->amount = {amount, domain::Decimal::parse(amount)};
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
  domain::Teleconsultation t = validTeleconsultation();
  t.billing.reset();
  EXPECT_THAT(run(MajorationRule{}, t), IsEmpty());
}

TEST(BillingActRule, TcgIsInTheDefaultTariffTable) {
  EXPECT_THAT(run(BillingActRule{}, validTeleconsultation()), IsEmpty());
}

TEST(BillingActRule, UnknownActIsRejected) {
  const auto f = run(BillingActRule{}, billed("TCX", "25.00"));
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
  domain::Teleconsultation t = validTeleconsultation();
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
  domain::Teleconsultation t = validTeleconsultation();
  t.billing->amount = {};
  EXPECT_EQ(run(BillingAmountRule{}, t).at(0).code, "required");
}

TEST(BillingAmountRule, UnknownActIsLeftToBillAct) {
  EXPECT_THAT(run(BillingAmountRule{}, billed("XYZ", "12.00")), IsEmpty());
}

// ---- BILL-ACT eligibility (convention 2024, NGAP 14.9.5) --------------------------------------

domain::Teleconsultation billedBy(std::string act, std::string specialty,
                                  std::optional<domain::ConventionSector> sector) {
  domain::Teleconsultation t = billed(std::move(act), "25.00");
  t.practitioner.specialty = std::move(specialty);
  t.practitioner.conventionSector = sector;
  return t;
}

TEST(BillingActEligibility, EachSectorAndSpecialtyAgainstTcgAndTc) {
  using S = domain::ConventionSector;
  struct Case {
    const char* specialty;
    std::optional<S> sector;
    bool tcg;  // may bill TCG (then not TC)
  };
  const Case cases[] = {
      {"general-practice", std::nullopt, true},
      {"general-practice", S::kSector1, true},
      {"general-practice", S::kSector2Optam, true},
      {"general-practice", S::kSector2, false},
      {"general-practice", S::kNonConventioned, false},
      {"psychiatry", std::nullopt, false},
      {"psychiatry", S::kSector1, false},
      {"pediatrics", S::kSector2Optam, false},
      {"gynecology", S::kSector2, false},
      {"dentist", std::nullopt, false},
      {"dentist", S::kSector1, false},
      {"midwife", S::kSector1, false},
  };
  for (const Case& c : cases) {
    const std::string label =
        std::string(c.specialty) + " sector " + (c.sector ? std::string(code(*c.sector)) : "none");
    const auto tcg = run(BillingActRule{}, billedBy("TCG", c.specialty, c.sector));
    const auto tc = run(BillingActRule{}, billedBy("TC", c.specialty, c.sector));
    if (c.tcg) {
      EXPECT_THAT(tcg, IsEmpty()) << label;
      ASSERT_EQ(tc.size(), 1u) << label;
      EXPECT_EQ(tc[0].code, "business-rule") << label;
      EXPECT_NE(tc[0].detailsText.find("TCG"), std::string::npos) << label;
    } else {
      EXPECT_THAT(tc, IsEmpty()) << label;
      ASSERT_EQ(tcg.size(), 1u) << label;
      EXPECT_EQ(tcg[0].code, "business-rule") << label;
      EXPECT_EQ(tcg[0].expression, "billing.act") << label;
      EXPECT_NE(tcg[0].detailsText.find("TC"), std::string::npos) << label;
    }
  }
}

TEST(BillingActEligibility, ActsOfOtherProfessionalsAndTeleExpertiseHaveTheirOwnMessage) {
  for (const char* act : {"TLS", "TLD", "TLL"}) {
    const auto f = run(BillingActRule{}, billed(act, "25.00"));
    ASSERT_EQ(f.size(), 1u) << act;
    EXPECT_EQ(f[0].code, "business-rule") << act;
    EXPECT_NE(f[0].detailsText.find("infirmier"), std::string::npos) << act;
  }
  const auto tlm = run(BillingActRule{}, billed("TLM", "25.00"));
  ASSERT_EQ(tlm.size(), 1u);
  EXPECT_NE(tlm[0].detailsText.find("pharmacien"), std::string::npos);
  for (const char* act : {"TE1", "TE2", "RQD"}) {
    const auto f = run(BillingActRule{}, billed(act, "25.00"));
    ASSERT_EQ(f.size(), 1u) << act;
    EXPECT_NE(f[0].detailsText.find("téléexpertise"), std::string::npos) << act;
  }
}

TEST(BillingActEligibility, EligibilityIsConfiguration) {
  RuleConfig c;
  c.actSectors["TCG"] = {"1", "2", "2-optam", "none"};  // sector 2 allowed too
  EXPECT_THAT(run(BillingActRule{},
                  billedBy("TCG", "general-practice", domain::ConventionSector::kSector2), c),
              IsEmpty());
  c.actSpecialties["TCG"] = {};  // every specialty
  EXPECT_THAT(run(BillingActRule{}, billedBy("TCG", "dentist", std::nullopt), c), IsEmpty());
  EXPECT_EQ(run(BillingActRule{}, billedBy("TC", "dentist", std::nullopt), c).size(), 1u);
  c = {};
  c.fallbackActs.clear();  // TC no longer known
  const auto f = run(BillingActRule{}, billedBy("TC", "psychiatry", std::nullopt), c);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].code, "value");
}

TEST(BillingAmountRule, AnActWithoutAFixedTariffIsNotEvaluated) {
  const auto f = run(BillingAmountRule{}, billedBy("TC", "psychiatry", std::nullopt));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expression, "billing.amount");
  EXPECT_EQ(f[0].code, "informational");
  EXPECT_TRUE(f[0].notEvaluated);
}

TEST(BillingAmountRule, RefusedActsAreLeftToBillAct) {
  EXPECT_THAT(run(BillingAmountRule{}, billed("TLS", "12.00")), IsEmpty());
}

}  // namespace
}  // namespace fhirgw::rules
