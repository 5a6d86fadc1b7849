#include "fhirgw/rules/rule_engine.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "fhirgw/domain/body_parser.hpp"
#include "fhirgw/rules/rules.hpp"
#include "rule_test_support.hpp"

namespace fhirgw::rules {
namespace {

using ::testing::ElementsAre;
using testing::FakeHistory;
using ::testing::IsEmpty;
using testing::summary;
using testsupport::dateField;
using testsupport::json;
using testsupport::known;
using testsupport::readSourceFile;
using testsupport::validTeleconsultation;

class RuleEngineTest : public ::testing::Test {
 protected:
  RuleOutcome evaluate(const domain::Teleconsultation& t, const RuleConfig& config = {}) {
    const RuleEngine engine(config, clock_, &history_);
    common::Result<RuleOutcome> out = engine.evaluate(t);
    EXPECT_TRUE(out.hasValue()) << out.status().toString();
    return out.hasValue() ? std::move(out).value() : RuleOutcome{};
  }
  domain::Teleconsultation parseExample(std::string_view file) {
    const auto doc = json(readSourceFile(file));
    domain::TeleconsultationParse p = domain::parseTeleconsultation(doc);
    EXPECT_FALSE(p.malformed());
    EXPECT_THAT(summary(p.issues), IsEmpty());
    return std::move(p.record);
  }

  common::ManualClock clock_{testsupport::gatewayTestNow()};
  FakeHistory history_;
};

// ---- the spec's examples ---------------------------------------------------------------------

TEST_F(RuleEngineTest, FullExampleOnlySaysTheActivityCapWasNotEvaluated) {
  // No yearly activity is declared for Dr Martin: the cap cannot be evaluated (information).
  const RuleOutcome out = evaluate(parseExample("examples/teleconsultation-full.json"));
  EXPECT_THAT(summary(out.issues), ElementsAre("information TLC-ACTIVITY-CAP practitioner.rpps"));
  EXPECT_FALSE(out.hasErrors());
  EXPECT_FALSE(out.notReimbursable);
  EXPECT_TRUE(out.insQualified);
}

TEST_F(RuleEngineTest, FullExampleWithDeclaredActivityProducesNoIssue) {
  history_.declare("10003456786", 2026, 4200);
  history_.setRecorded("10003456786", 2026, 100);
  const RuleOutcome out = evaluate(parseExample("examples/teleconsultation-full.json"));
  EXPECT_THAT(summary(out.issues), IsEmpty());
  EXPECT_FALSE(out.notReimbursable);
}

TEST_F(RuleEngineTest, MinimalExampleOnlyWarnsThatThereIsNoQualifiedIns) {
  // The treating physician teleconsults: pathway, known-patient and territory are satisfied,
  // their teleconsultations are outside the activity cap, and no billing is posted.
  const RuleOutcome out = evaluate(parseExample("examples/teleconsultation-minimal.json"));
  EXPECT_THAT(summary(out.issues), ElementsAre("warning ID-INS-QUALIFIED patient.ins"));
  EXPECT_FALSE(out.hasErrors());
  EXPECT_FALSE(out.notReimbursable);
  EXPECT_FALSE(out.insQualified);
  EXPECT_TRUE(history_.yearsAsked.empty());
}

TEST_F(RuleEngineTest, SickLeaveProlongationExampleIsAcceptedAfterEitherTeleconsultation) {
  const auto doc = json(readSourceFile("examples/document-sick-leave-prolongation.json"));
  const domain::DocumentParse p = domain::parseDocument(doc);
  ASSERT_FALSE(p.malformed());
  const RuleEngine engine({}, clock_, &history_);
  for (const char* context :
       {"examples/teleconsultation-full.json", "examples/teleconsultation-minimal.json"}) {
    const RuleOutcome out = engine.evaluateDocument(parseExample(context), p.record);
    EXPECT_THAT(summary(out.issues), IsEmpty()) << context;
  }
}

TEST_F(RuleEngineTest, ProlongationExampleWithoutItsJustificationIsRejectedForAnotherDoctor) {
  auto doc = json(readSourceFile("examples/document-sick-leave-prolongation.json"));
  doc.document().RemoveMember("inPersonImpossible");
  const domain::DocumentParse p = domain::parseDocument(doc);
  const RuleEngine engine({}, clock_, &history_);
  // 20 to 24 November is 5 days for a leave prescribed by a doctor who is not the treating one.
  EXPECT_THAT(
      summary(engine.evaluateDocument(parseExample("examples/teleconsultation-full.json"), p.record)
                  .issues),
      ElementsAre("error AAT-3-DAYS end"));
  EXPECT_THAT(
      engine.evaluateDocument(parseExample("examples/teleconsultation-minimal.json"), p.record)
          .issues,
      IsEmpty());
}

// ---- severities and flags --------------------------------------------------------------------

domain::Teleconsultation engineOutsidePathway() {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.orientation = known(domain::Orientation::kDirectAccess);
  return t;
}

TEST_F(RuleEngineTest, IssuesCarryTheRuleIdTextsAndPath) {
  history_.declare("10003456786", 2026, 4200);
  const RuleOutcome out = evaluate(engineOutsidePathway());
  ASSERT_EQ(out.issues.size(), 1u);
  const fhir::Issue& i = out.issues[0];
  EXPECT_EQ(i.ruleId, "TLC-PATHWAY");
  EXPECT_EQ(i.severity, fhir::IssueSeverity::kWarning);
  EXPECT_EQ(i.code, "business-rule");
  EXPECT_EQ(i.expression, "encounter.orientation");
  EXPECT_FALSE(i.detailsText.empty());
  EXPECT_FALSE(i.diagnostics.empty());
  EXPECT_TRUE(out.notReimbursable);
}

TEST_F(RuleEngineTest, EveryReimbursementWarningMarksTheBillingItem) {
  history_.declare("10003456786", 2026, 10);
  history_.setRecorded("10003456786", 2026, 5);
  EXPECT_THAT(summary(evaluate(validTeleconsultation()).issues),
              ElementsAre("warning TLC-ACTIVITY-CAP practitioner.rpps"));
  EXPECT_TRUE(evaluate(validTeleconsultation()).notReimbursable);
  EXPECT_THAT(evaluate(validTeleconsultation()).notReimbursableReasons,
              ElementsAre("TLC-ACTIVITY-CAP"));

  history_.setRecorded("10003456786", 2026, 0);
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.address->postalCode = "69003";
  EXPECT_TRUE(evaluate(t).notReimbursable);
  EXPECT_THAT(evaluate(t).notReimbursableReasons, ElementsAre("TLC-TERRITORY"));
  t = validTeleconsultation();
  t.billing->amount = {"30.00", domain::Decimal::parse("30.00")};
  EXPECT_TRUE(evaluate(t).notReimbursable);
  EXPECT_THAT(evaluate(t).notReimbursableReasons, ElementsAre("BILL-AMOUNT"));
}

TEST_F(RuleEngineTest, OnlyReimbursementRulesAreReasonsOfTheBillingFlag) {
  // What the mapper names on the ChargeItem (RuleInfo::reimbursement, once each): a warning of
  // ID-INS-QUALIFIED next to one of TLC-TERRITORY is not a reason.
  history_.declare("10003456786", 2026, 4200);
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.address->postalCode = "69003";
  t.patient.ins->status = known(domain::InsStatus::kValidated);
  const RuleOutcome out = evaluate(t);
  EXPECT_THAT(summary(out.issues),
              ::testing::Contains("warning ID-INS-QUALIFIED patient.ins.status"));
  EXPECT_TRUE(out.notReimbursable);
  EXPECT_THAT(out.notReimbursableReasons, ElementsAre("TLC-TERRITORY"));
}

TEST_F(RuleEngineTest, OnlyTheKnownPatientReminderKeepsTheRecordReimbursable) {
  // Avenant 9 / Conseil d'État 2022: no longer a reimbursement condition (rules.md).
  history_.declare("10003456786", 2026, 4200);
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.lastInPersonVisit = dateField("2025-11-19");  // one day outside the 12 months
  RuleOutcome out = evaluate(t);
  EXPECT_THAT(summary(out.issues),
              ElementsAre("information TLC-KNOWN-PATIENT encounter.lastInPersonVisit"));
  EXPECT_FALSE(out.notReimbursable);
  t.encounter.lastInPersonVisit = {};
  out = evaluate(t);
  EXPECT_THAT(summary(out.issues),
              ElementsAre("information TLC-KNOWN-PATIENT encounter.lastInPersonVisit"));
  EXPECT_FALSE(out.notReimbursable);
  // Even raised to a warning by configuration, it is not a reimbursement rule.
  RuleConfig c;
  c.severities["TLC-KNOWN-PATIENT"] = RuleSeverity::kWarning;
  out = evaluate(t, c);
  EXPECT_THAT(summary(out.issues),
              ElementsAre("warning TLC-KNOWN-PATIENT encounter.lastInPersonVisit"));
  EXPECT_FALSE(out.notReimbursable);
  EXPECT_THAT(out.notReimbursableReasons, IsEmpty());
}

TEST_F(RuleEngineTest, OtherWarningsAndInformationDoNotTouchReimbursement) {
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.ins->status = known(domain::InsStatus::kValidated);
  t.practitioner.postalCode.reset();
  const RuleOutcome out = evaluate(t);
  EXPECT_THAT(summary(out.issues), ElementsAre("information TLC-TERRITORY practitioner.postalCode",
                                               "information TLC-ACTIVITY-CAP practitioner.rpps",
                                               "warning ID-INS-QUALIFIED patient.ins.status"));
  EXPECT_FALSE(out.notReimbursable);
  EXPECT_FALSE(out.insQualified);
}

TEST_F(RuleEngineTest, AMalformedOrientationUnderAnExceptionDoesNotTouchReimbursement) {
  history_.declare("10003456786", 2026, 4200);
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.orientation = testsupport::unknownText<domain::Orientation>("urgent");
  t.practitioner.specialty = "psychiatry";
  t.billing->act = "TC";  // a psychiatrist bills TC, which has no fixed tariff
  const RuleOutcome out = evaluate(t);
  EXPECT_THAT(summary(out.issues), ElementsAre("warning TLC-PATHWAY encounter.orientation",
                                               "information BILL-AMOUNT billing.amount"));
  EXPECT_FALSE(out.notReimbursable);
}

TEST_F(RuleEngineTest, ConfiguredSeverityReplacesTheDefault) {
  history_.declare("10003456786", 2026, 4200);
  RuleConfig config;
  config.severities["TLC-PATHWAY"] = RuleSeverity::kError;
  RuleOutcome out = evaluate(engineOutsidePathway(), config);
  EXPECT_THAT(summary(out.issues), ElementsAre("error TLC-PATHWAY encounter.orientation"));
  EXPECT_TRUE(out.hasErrors());

  config.severities["TLC-PATHWAY"] = RuleSeverity::kInformation;
  out = evaluate(engineOutsidePathway(), config);
  EXPECT_THAT(summary(out.issues), ElementsAre("information TLC-PATHWAY encounter.orientation"));
  EXPECT_FALSE(out.notReimbursable);
}

TEST_F(RuleEngineTest, RulesSetToOffAreSilentAndNotEvaluated) {
  RuleConfig config;
  config.severities["TLC-PATHWAY"] = RuleSeverity::kOff;
  config.severities["TLC-ACTIVITY-CAP"] = RuleSeverity::kOff;
  const RuleOutcome out = evaluate(engineOutsidePathway(), config);
  EXPECT_THAT(out.issues, IsEmpty());
  EXPECT_FALSE(out.notReimbursable);
  EXPECT_TRUE(history_.yearsAsked.empty());
}

TEST_F(RuleEngineTest, NotEvaluatedStaysInformationWhateverTheSeverity) {
  RuleConfig config;
  config.severities["TLC-ACTIVITY-CAP"] = RuleSeverity::kError;
  const RuleOutcome out = evaluate(validTeleconsultation(), config);
  EXPECT_THAT(summary(out.issues), ElementsAre("information TLC-ACTIVITY-CAP practitioner.rpps"));
  EXPECT_FALSE(out.hasErrors());
}

TEST_F(RuleEngineTest, ErrorsOfSeveralRulesAreAllReportedInRulesOrder) {
  history_.declare("10003456786", 2026, 4200);
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.channel = known(domain::Channel::kPhone);
  t.encounter.consent->at = testsupport::dateTimeField("2026-11-20T10:00:00+01:00");
  t.billing->majorations = {"MN"};
  t.practitioner.rpps = "10003456787";
  const RuleOutcome out = evaluate(t);
  // A bad RPPS also leaves the activity cap unevaluated (silently: ID-RPPS reports it).
  EXPECT_THAT(summary(out.issues), ElementsAre("error TLC-CONSENT encounter.consent.at",
                                               "error TLC-VIDEO encounter.channel",
                                               "error BILL-MAJORATION billing.majorations[0]",
                                               "error ID-RPPS practitioner.rpps"));
  EXPECT_TRUE(out.hasErrors());
}

TEST_F(RuleEngineTest, EmbeddedDocumentsAreCheckedWithTheirIndex) {
  history_.declare("10003456786", 2026, 4200);
  domain::Teleconsultation t = validTeleconsultation();
  domain::Report r;
  r.title = "CR";
  t.documents.push_back(r);
  domain::SickLeave s;
  s.type = known(domain::SickLeaveType::kInitial);
  s.start = testsupport::dateField("2026-11-20");
  s.end = testsupport::dateField("2026-11-23");
  t.documents.push_back(s);
  EXPECT_THAT(summary(evaluate(t).issues), ElementsAre("error DOC-CONTENT documents[0].content",
                                                       "error AAT-3-DAYS documents[1].end"));
}

TEST_F(RuleEngineTest, DocumentAddedLaterUsesTheStoredPractitionerRelation) {
  domain::SickLeave s;
  s.type = known(domain::SickLeaveType::kInitial);
  s.start = testsupport::dateField("2026-11-20");
  s.end = testsupport::dateField("2026-11-23");
  const RuleEngine engine({}, clock_, &history_);
  domain::Teleconsultation context = validTeleconsultation();
  EXPECT_THAT(summary(engine.evaluateDocument(context, s).issues),
              ElementsAre("error AAT-3-DAYS end"));
  context.practitioner.relationToPatient = domain::Relation::kTreatingPhysician;
  const RuleOutcome out = engine.evaluateDocument(context, s);
  EXPECT_THAT(out.issues, IsEmpty());
  EXPECT_TRUE(out.insQualified);
}

TEST_F(RuleEngineTest, HistoryFailureFailsTheEvaluation) {
  history_.failWith(common::unavailable("store down"));
  const RuleEngine engine({}, clock_, &history_);
  const common::Result<RuleOutcome> out = engine.evaluate(validTeleconsultation());
  ASSERT_FALSE(out.hasValue());
  EXPECT_EQ(out.error().code(), common::StatusCode::kUnavailable);
}

TEST_F(RuleEngineTest, TheClockDecidesWhatIsInTheFuture) {
  history_.declare("10003456786", 2026, 4200);
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.start = testsupport::dateTimeField("2026-11-22T13:10:00+01:00");
  t.encounter.end = testsupport::dateTimeField("2026-11-22T13:20:00+01:00");
  t.encounter.consent->at = t.encounter.start;
  EXPECT_THAT(summary(evaluate(t).issues), ElementsAre("error TLC-PERIOD encounter.start"));
  clock_.advance(std::chrono::minutes{5});
  EXPECT_THAT(evaluate(t).issues, IsEmpty());
}

// ---- catalogue and configuration -------------------------------------------------------------

TEST(RuleCatalogue, ListsTheTwentyRulesOfRulesMdWithTheirDefaultSeverities) {
  const std::vector<const RuleInfo*> rules = ruleCatalogue();
  ASSERT_EQ(rules.size(), 20u);
  std::set<std::string_view> ids;
  for (const RuleInfo* r : rules) {
    ASSERT_NE(r, nullptr);
    ids.insert(r->id);
    EXPECT_FALSE(r->source.empty()) << r->id;
    EXPECT_FALSE(r->summary.empty()) << r->id;
  }
  EXPECT_EQ(ids.size(), 20u);
  const std::set<std::string_view> warnings = {"TLC-PATHWAY",      "TLC-TERRITORY",
                                               "TLC-ACTIVITY-CAP", "BILL-AMOUNT",
                                               "ID-INS-QUALIFIED", "AAT-DURATION-CAP"};
  const std::set<std::string_view> information = {"TLC-KNOWN-PATIENT"};
  const std::set<std::string_view> reimbursement = {"TLC-PATHWAY", "TLC-TERRITORY",
                                                    "TLC-ACTIVITY-CAP", "BILL-AMOUNT"};
  for (const RuleInfo* r : rules) {
    EXPECT_EQ(r->defaultSeverity, warnings.count(r->id) != 0      ? RuleSeverity::kWarning
                                  : information.count(r->id) != 0 ? RuleSeverity::kInformation
                                                                  : RuleSeverity::kError)
        << r->id;
    EXPECT_EQ(r->reimbursement, reimbursement.count(r->id) != 0) << r->id;
  }
  EXPECT_EQ(rules.front()->id, "TLC-CONSENT");
  EXPECT_EQ(rules.back()->id, "DOC-CONTENT");
}

TEST(RuleConfigValidation, DefaultsAreValid) { EXPECT_TRUE(validateRuleConfig({}).isOk()); }

TEST(RuleConfigValidation, ErrorsNameTheConfigurationKey) {
  RuleConfig c;
  c.severities["TLC-UNKNOWN"] = RuleSeverity::kOff;
  EXPECT_EQ(validateRuleConfig(c).message(), "rules.severity.TLC-UNKNOWN: unknown rule ID");

  c = {};
  c.tariffs["TCG"] = "25,00";
  EXPECT_NE(validateRuleConfig(c).message().find("rules.tariffs.TCG"), std::string::npos);

  c = {};
  c.activityCapPercentBySpecialty["psychiatry"] = 140;
  EXPECT_NE(validateRuleConfig(c).message().find("rules.activityCap.psychiatry"),
            std::string::npos);

  c = {};
  c.neighbouringDepartements = {{"51", "02"}, {"20", "2B"}};
  EXPECT_NE(validateRuleConfig(c).message().find("rules.neighbouringDepartements[1]"),
            std::string::npos);

  c = {};
  c.maxDocumentBytes = 0;
  EXPECT_FALSE(validateRuleConfig(c).isOk());
}

TEST(RuleConfigValidation, SeveritiesParseFromTheirConfigurationCodes) {
  EXPECT_EQ(parseRuleSeverity("off"), RuleSeverity::kOff);
  EXPECT_EQ(parseRuleSeverity("information"), RuleSeverity::kInformation);
  EXPECT_EQ(parseRuleSeverity("fatal"), std::nullopt);
  EXPECT_EQ(code(RuleSeverity::kWarning), "warning");
}

}  // namespace
}  // namespace fhirgw::rules
