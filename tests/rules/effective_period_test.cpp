// Rules in force by date (rules.md): effective periods, their defaults and their configuration.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/rules/rules.hpp"
#include "rule_test_support.hpp"

namespace fhirgw::rules {
namespace {

using ::testing::Contains;
using ::testing::Not;
using testsupport::dateField;
using testsupport::dateTimeField;
using testsupport::known;
using testsupport::validTeleconsultation;

std::vector<std::string> ruleIds(const std::vector<fhir::Issue>& issues) {
  std::vector<std::string> out;
  for (const fhir::Issue& i : issues) out.push_back(i.ruleId);
  return out;
}

domain::SickLeave leave(std::string_view start, std::string_view end) {
  domain::SickLeave l;
  l.type = known(domain::SickLeaveType::kInitial);
  l.start = dateField(start);
  l.end = dateField(end);
  return l;
}

class EffectivePeriodTest : public ::testing::Test {
 protected:
  RuleOutcome document(const domain::Document& d, const RuleConfig& config = {}) {
    const RuleEngine engine(config, clock_, nullptr);
    return engine.evaluateDocument(validTeleconsultation(), d);
  }
  RuleOutcome record(const domain::Teleconsultation& t, const RuleConfig& config = {}) {
    const RuleEngine engine(config, clock_, nullptr);
    common::Result<RuleOutcome> out = engine.evaluate(t);
    EXPECT_TRUE(out.hasValue());
    return out.hasValue() ? std::move(out).value() : RuleOutcome{};
  }
  common::ManualClock clock_{testsupport::gatewayTestNow()};
};

TEST_F(EffectivePeriodTest, ThreeDayLimitIsNotInForceTheDayBeforeLfss2024) {
  EXPECT_THAT(ruleIds(document(leave("2023-12-31", "2024-01-03")).issues),
              Not(Contains("AAT-3-DAYS")));
}

TEST_F(EffectivePeriodTest, ThreeDayLimitIsInForceFromTheFirstOfJanuary2024) {
  EXPECT_THAT(ruleIds(document(leave("2024-01-01", "2024-01-04")).issues), Contains("AAT-3-DAYS"));
}

TEST_F(EffectivePeriodTest, ASickLeaveRuleIsJudgedByTheLeaveStartNotTheEncounterDate) {
  // The encounter is in 2026; the leave started in 2023 is judged by its own start.
  EXPECT_THAT(ruleIds(document(leave("2023-12-30", "2024-01-05")).issues),
              Not(Contains("AAT-3-DAYS")));
}

TEST_F(EffectivePeriodTest, ADatedRuleDoesNotRunWithoutAUsableDate) {
  domain::SickLeave l = leave("2026-11-20", "2026-11-30");
  l.start = {"20/11/2026", std::nullopt};
  const RuleOutcome out = document(l);
  EXPECT_THAT(ruleIds(out.issues), Not(Contains("AAT-3-DAYS")));
  EXPECT_THAT(ruleIds(out.issues), Contains("AAT-PERIOD"));
}

TEST_F(EffectivePeriodTest, ConfiguredStartReplacesTheDefaultAndNoneMeansAlways) {
  RuleConfig c;
  c.effectiveFrom["AAT-3-DAYS"] = std::nullopt;
  EXPECT_THAT(ruleIds(document(leave("2020-03-01", "2020-03-10"), c).issues),
              Contains("AAT-3-DAYS"));
  c.effectiveFrom["AAT-3-DAYS"] = fhir::Date::parse("2026-11-21");
  EXPECT_THAT(ruleIds(document(leave("2026-11-20", "2026-11-30"), c).issues),
              Not(Contains("AAT-3-DAYS")));
  EXPECT_THAT(ruleIds(document(leave("2026-11-21", "2026-11-30"), c).issues),
              Contains("AAT-3-DAYS"));
}

TEST_F(EffectivePeriodTest, ConfiguredEndIsTheLastDayInForce) {
  domain::Teleconsultation t = validTeleconsultation();  // encounter on 2026-11-20
  t.encounter.channel = known(domain::Channel::kPhone);
  RuleConfig c;
  c.effectiveUntil["TLC-VIDEO"] = fhir::Date::parse("2026-11-20");
  EXPECT_THAT(ruleIds(record(t, c).issues), Contains("TLC-VIDEO"));
  c.effectiveUntil["TLC-VIDEO"] = fhir::Date::parse("2026-11-19");
  EXPECT_THAT(ruleIds(record(t, c).issues), Not(Contains("TLC-VIDEO")));
}

TEST_F(EffectivePeriodTest, TheEncounterDateIsTakenInItsOwnOffset) {
  // 2026-11-21T00:30+01:00 is the 20th in UTC but the 21st for the rules.
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.start = dateTimeField("2026-11-21T00:30:00+01:00");
  t.encounter.end = dateTimeField("2026-11-21T00:45:00+01:00");
  t.encounter.consent = domain::Consent{true, dateTimeField("2026-11-21T00:30:00+01:00")};
  t.encounter.channel = known(domain::Channel::kPhone);
  RuleConfig c;
  c.effectiveFrom["TLC-VIDEO"] = fhir::Date::parse("2026-11-21");
  EXPECT_THAT(ruleIds(record(t, c).issues), Contains("TLC-VIDEO"));
  c.effectiveFrom["TLC-VIDEO"] = fhir::Date::parse("2026-11-22");
  EXPECT_THAT(ruleIds(record(t, c).issues), Not(Contains("TLC-VIDEO")));
}

TEST_F(EffectivePeriodTest, UndatedRulesRunEvenWithoutAnEncounterDate) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.start = {};
  t.encounter.channel = known(domain::Channel::kPhone);
  EXPECT_THAT(ruleIds(record(t).issues), Contains("TLC-VIDEO"));
}

TEST(EffectivePeriodConfig, DefaultsFollowRulesMd) {
  const RuleConfig c;
  EXPECT_EQ(c.effectivePeriod("AAT-3-DAYS").from, fhir::Date::parse("2024-01-01"));
  EXPECT_EQ(c.effectivePeriod("AAT-3-DAYS").until, std::nullopt);
  EXPECT_TRUE(c.effectivePeriod("TLC-CONSENT").unbounded());
  EXPECT_TRUE(c.effectivePeriod("DOC-CONTENT").unbounded());
}

TEST(EffectivePeriodConfig, UnknownRulesAndEndsBeforeStartsAreConfigurationErrors) {
  RuleConfig c;
  c.effectiveFrom["AAT-4-DAYS"] = fhir::Date::parse("2024-01-01");
  EXPECT_EQ(validateRuleConfig(c).message(), "rules.effectiveFrom.AAT-4-DAYS: unknown rule ID");
  c = {};
  c.effectiveUntil["AAT-3-DAYS"] = fhir::Date::parse("2023-12-31");
  EXPECT_THAT(validateRuleConfig(c).message(),
              ::testing::HasSubstr("rules.effectiveUntil.AAT-3-DAYS: the rule would end"));
  c.effectiveUntil["AAT-3-DAYS"] = fhir::Date::parse("2024-01-01");
  EXPECT_TRUE(validateRuleConfig(c).isOk());
}

}  // namespace
}  // namespace fhirgw::rules
