// AAT-DURATION-CAP (LFSS 2026 art. 81) and AAT-ABROAD (LFSS 2025 art. 54).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/rules/rules.hpp"
#include "rule_test_support.hpp"

namespace fhirgw::rules {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::paths;
using testing::runDocument;
using testing::summary;
using testsupport::dateField;
using testsupport::known;
using testsupport::validTeleconsultation;

domain::SickLeave capLeave(domain::SickLeaveType type, std::string_view start,
                           std::string_view end) {
  domain::SickLeave l;
  l.type = known(type);
  l.start = dateField(start);
  l.end = dateField(end);
  if (type == domain::SickLeaveType::kProlongation) l.ongoingLeaveStart = dateField(start);
  return l;
}

domain::SickLeave initial(std::string_view start, std::string_view end) {
  return capLeave(domain::SickLeaveType::kInitial, start, end);
}

std::vector<Finding> cap(const domain::SickLeave& l, const RuleConfig& config = {}) {
  return runDocument(SickLeaveDurationCapRule{}, l, validTeleconsultation(), config);
}

// ---- calendar months -------------------------------------------------------------------------

TEST(CalendarMonths, SameDayOneMonthLater) {
  EXPECT_EQ(fhir::Date::parse("2026-09-10")->plusMonthsRollingOver(1),
            fhir::Date::parse("2026-10-10"));
  EXPECT_EQ(fhir::Date::parse("2026-12-15")->plusMonthsRollingOver(1),
            fhir::Date::parse("2027-01-15"));
  EXPECT_EQ(fhir::Date::parse("2026-11-30")->plusMonthsRollingOver(2),
            fhir::Date::parse("2027-01-30"));
}

TEST(CalendarMonths, AMissingDayRollsOverToTheFirstOfTheNextMonth) {
  EXPECT_EQ(fhir::Date::parse("2027-01-31")->plusMonthsRollingOver(1),
            fhir::Date::parse("2027-03-01"));
  EXPECT_EQ(fhir::Date::parse("2027-01-29")->plusMonthsRollingOver(1),
            fhir::Date::parse("2027-03-01"));
  EXPECT_EQ(fhir::Date::parse("2028-01-29")->plusMonthsRollingOver(1),
            fhir::Date::parse("2028-02-29"));
  EXPECT_EQ(fhir::Date::parse("2028-01-31")->plusMonthsRollingOver(1),
            fhir::Date::parse("2028-03-01"));
  EXPECT_EQ(fhir::Date::parse("2026-03-31")->plusMonthsRollingOver(1),
            fhir::Date::parse("2026-05-01"));
  EXPECT_EQ(fhir::Date::parse("2026-12-31")->plusMonthsRollingOver(2),
            fhir::Date::parse("2027-03-01"));
  EXPECT_EQ(fhir::Date::parse("2026-10-31")->plusMonthsRollingOver(1),
            fhir::Date::parse("2026-12-01"));
  EXPECT_EQ(fhir::Date::parse("2026-10-31")->plusMonthsRollingOver(2),
            fhir::Date::parse("2026-12-31"));
}

// ---- AAT-DURATION-CAP ------------------------------------------------------------------------

TEST(DurationCapRule, InitialLeaveOfExactlyOneCalendarMonthPasses) {
  EXPECT_THAT(cap(initial("2026-09-10", "2026-10-09")), IsEmpty());
}

TEST(DurationCapRule, InitialLeaveOneDayOverTheMonthFiresAtItsEnd) {
  const std::vector<Finding> f = cap(initial("2026-09-10", "2026-10-10"));
  EXPECT_THAT(paths(f), ElementsAre("end"));
  EXPECT_EQ(f[0].code, "business-rule");
  EXPECT_FALSE(f[0].informationOnly);
  EXPECT_NE(f[0].detailsText.find("2026-10-09"), std::string::npos);
}

TEST(DurationCapRule, MonthEndsLetTheLeaveRunToTheEndOfTheShorterMonth) {
  EXPECT_THAT(cap(initial("2027-01-31", "2027-02-28")), IsEmpty());
  EXPECT_THAT(paths(cap(initial("2027-01-31", "2027-03-01"))), ElementsAre("end"));
  EXPECT_THAT(cap(initial("2026-12-31", "2027-01-30")), IsEmpty());
  EXPECT_THAT(paths(cap(initial("2026-12-31", "2027-01-31"))), ElementsAre("end"));
}

TEST(DurationCapRule, LeapYearsCountTheTwentyNinthOfFebruary) {
  EXPECT_THAT(cap(initial("2028-01-31", "2028-02-29")), IsEmpty());
  EXPECT_THAT(paths(cap(initial("2028-01-31", "2028-03-01"))), ElementsAre("end"));
  EXPECT_THAT(cap(initial("2028-01-29", "2028-02-28")), IsEmpty());
  EXPECT_THAT(paths(cap(initial("2028-01-29", "2028-02-29"))), ElementsAre("end"));
  EXPECT_THAT(cap(initial("2027-01-29", "2027-02-28")), IsEmpty());
}

TEST(DurationCapRule, ProlongationMayLastTwoCalendarMonths) {
  const domain::SickLeave ok =
      capLeave(domain::SickLeaveType::kProlongation, "2026-10-15", "2026-12-14");
  EXPECT_THAT(cap(ok), IsEmpty());
  const domain::SickLeave over =
      capLeave(domain::SickLeaveType::kProlongation, "2026-10-15", "2026-12-15");
  EXPECT_THAT(paths(cap(over)), ElementsAre("end"));
}

TEST(DurationCapRule, CapsAreConfigurationInMonths) {
  RuleConfig c;
  c.sickLeaveCapMonthsInitial = 2;
  c.sickLeaveCapMonthsProlongation = 3;
  EXPECT_THAT(cap(initial("2026-09-10", "2026-11-09"), c), IsEmpty());
  EXPECT_THAT(paths(cap(initial("2026-09-10", "2026-11-10"), c)), ElementsAre("end"));
  EXPECT_THAT(cap(capLeave(domain::SickLeaveType::kProlongation, "2026-10-15", "2027-01-14"), c),
              IsEmpty());
}

TEST(DurationCapRule, AJustificationTurnsTheExceedanceIntoInformation) {
  domain::SickLeave l = initial("2026-09-10", "2026-12-31");
  l.durationJustification = "Chirurgie programmée, reprise impossible avant janvier.";
  const std::vector<Finding> f = cap(l);
  EXPECT_THAT(paths(f), ElementsAre("durationJustification"));
  EXPECT_TRUE(f[0].informationOnly);
}

TEST(DurationCapRule, ABlankJustificationIsNoJustification) {
  for (const char* blank : {"", "   ", "\t \n"}) {
    domain::SickLeave l = initial("2026-09-10", "2026-12-31");
    l.durationJustification = blank;
    const std::vector<Finding> f = cap(l);
    EXPECT_THAT(paths(f), ElementsAre("end")) << '"' << blank << '"';
  }
}

TEST(DurationCapRule, UnusableDatesAreLeftToThePeriodRule) {
  domain::SickLeave l = initial("2026-09-10", "2026-12-31");
  l.type = {};
  EXPECT_THAT(cap(l), IsEmpty());
  l = initial("2026-12-31", "2026-09-10");
  EXPECT_THAT(cap(l), IsEmpty());
}

class SickLeaveLawsEngineTest : public ::testing::Test {
 protected:
  RuleOutcome evaluate(const domain::Teleconsultation& context, const domain::SickLeave& l,
                       const RuleConfig& config = {}) {
    const RuleEngine engine(config, clock_, nullptr);
    return engine.evaluateDocument(context, l, "documents[0]");
  }
  static domain::Teleconsultation treatingPhysician() {
    domain::Teleconsultation t = validTeleconsultation();
    t.practitioner.relationToPatient =
        domain::Relation::kTreatingPhysician;  // exempt from AAT-3-DAYS
    return t;
  }
  common::ManualClock clock_{testsupport::gatewayTestNow()};
};

TEST_F(SickLeaveLawsEngineTest, DurationCapIsNotInForceTheDayBeforeTheFirstOfSeptember2026) {
  EXPECT_THAT(summary(evaluate(treatingPhysician(), initial("2026-08-31", "2026-11-30")).issues),
              IsEmpty());
}

TEST_F(SickLeaveLawsEngineTest, DurationCapIsAWarningFromTheFirstOfSeptember2026) {
  const RuleOutcome out = evaluate(treatingPhysician(), initial("2026-09-01", "2026-10-01"));
  EXPECT_THAT(summary(out.issues), ElementsAre("warning AAT-DURATION-CAP documents[0].end"));
  EXPECT_FALSE(out.hasErrors());
}

TEST_F(SickLeaveLawsEngineTest, AJustifiedExceedanceIsInformationWhateverTheSeverity) {
  domain::SickLeave l = initial("2026-09-01", "2026-12-01");
  l.durationJustification = "Suites opératoires.";
  RuleConfig c;
  c.severities["AAT-DURATION-CAP"] = RuleSeverity::kError;
  const RuleOutcome out = evaluate(treatingPhysician(), l, c);
  EXPECT_THAT(summary(out.issues),
              ElementsAre("information AAT-DURATION-CAP documents[0].durationJustification"));
  EXPECT_FALSE(out.hasErrors());
}

TEST_F(SickLeaveLawsEngineTest, APractitionerAbroadMayNotPrescribeASickLeave) {
  domain::Teleconsultation t = treatingPhysician();
  t.practitioner.practisesMainlyAbroad = true;
  const RuleOutcome out = evaluate(t, initial("2026-11-20", "2026-11-21"));
  EXPECT_THAT(summary(out.issues), ElementsAre("error AAT-ABROAD documents[0].kind"));
  EXPECT_TRUE(out.hasErrors());
}

TEST_F(SickLeaveLawsEngineTest, AbroadRuleIsInForceFromTheFirstOfMarch2025) {
  domain::Teleconsultation t = treatingPhysician();
  t.practitioner.practisesMainlyAbroad = true;
  EXPECT_THAT(summary(evaluate(t, initial("2025-02-28", "2025-03-01")).issues), IsEmpty());
  EXPECT_THAT(summary(evaluate(t, initial("2025-03-01", "2025-03-02")).issues),
              ElementsAre("error AAT-ABROAD documents[0].kind"));
}

TEST_F(SickLeaveLawsEngineTest, AbroadRuleIgnoresOtherDocumentsAndOtherPractitioners) {
  EXPECT_THAT(summary(evaluate(treatingPhysician(), initial("2026-11-20", "2026-11-21")).issues),
              IsEmpty());
  domain::Teleconsultation t = treatingPhysician();
  t.practitioner.practisesMainlyAbroad = true;
  const RuleEngine engine({}, clock_, nullptr);
  domain::Report r;
  r.title = "CR";
  r.content = domain::Content{known(domain::ContentType::kTextPlain), "b2s=", "ok"};
  EXPECT_THAT(summary(engine.evaluateDocument(t, r).issues), IsEmpty());
}

}  // namespace
}  // namespace fhirgw::rules
