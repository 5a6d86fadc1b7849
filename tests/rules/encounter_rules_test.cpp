#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhirgw/rules/rules.hpp"
#include "rule_test_support.hpp"

namespace fhirgw::rules {
namespace {

using ::testing::ElementsAre;
using testing::FakeHistory;
using ::testing::IsEmpty;
using testing::paths;
using testing::run;
using testsupport::date;
using testsupport::dateField;
using testsupport::dateTimeField;
using testsupport::known;
using testsupport::unknownText;
using testsupport::validTeleconsultation;

// ---- TLC-CONSENT -----------------------------------------------------------------------------

TEST(ConsentRule, ConsentObtainedAtTheStartPasses) {
  EXPECT_THAT(run(ConsentRule{}, validTeleconsultation()), IsEmpty());
}

TEST(ConsentRule, MissingConsentIsReportedUnderTheRule) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.consent.reset();
  const auto f = run(ConsentRule{}, t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].code, "required");
  EXPECT_EQ(f[0].expression, "encounter.consent");
}

TEST(ConsentRule, ConsentNotObtainedIsRejected) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.consent->obtained = false;
  const auto f = run(ConsentRule{}, t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].code, "business-rule");
  EXPECT_EQ(f[0].expression, "encounter.consent.obtained");
}

TEST(ConsentRule, MissingObtainedFlagAndMissingTimeAreBothReported) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.consent = domain::Consent{};
  EXPECT_THAT(paths(run(ConsentRule{}, t)),
              ElementsAre("encounter.consent.obtained", "encounter.consent.at"));
}

TEST(ConsentRule, MalformedConsentTimeIsAValueFinding) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.consent->at = dateTimeField("2026-11-20T09:30:00");  // no offset
  const auto f = run(ConsentRule{}, t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].code, "value");
}

TEST(ConsentRule, ConsentAtTheExactEndStillCounts) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.consent->at = dateTimeField("2026-11-20T09:45:00+01:00");
  EXPECT_THAT(run(ConsentRule{}, t), IsEmpty());
}

TEST(ConsentRule, ConsentAfterTheEndIsRejected) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.consent->at = dateTimeField("2026-11-20T09:45:01+01:00");
  const auto f = run(ConsentRule{}, t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expression, "encounter.consent.at");
  EXPECT_EQ(f[0].code, "business-rule");
}

TEST(ConsentRule, InstantsAreComparedAcrossOffsets) {
  domain::Teleconsultation t = validTeleconsultation();
  // 08:45Z is the end (09:45+01:00); one second later is after it.
  t.encounter.consent->at = dateTimeField("2026-11-20T08:45:00Z");
  EXPECT_THAT(run(ConsentRule{}, t), IsEmpty());
  t.encounter.consent->at = dateTimeField("2026-11-20T08:45:01Z");
  EXPECT_EQ(run(ConsentRule{}, t).size(), 1u);
}

// ---- TLC-VIDEO -------------------------------------------------------------------------------

TEST(VideoRule, VideoPasses) { EXPECT_THAT(run(VideoRule{}, validTeleconsultation()), IsEmpty()); }

TEST(VideoRule, PhoneChannelIsRejected) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.channel = known(domain::Channel::kPhone);
  const auto f = run(VideoRule{}, t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].code, "business-rule");
  EXPECT_EQ(f[0].expression, "encounter.channel");
}

TEST(VideoRule, MissingOrUnknownChannelIsReportedUnderTheRule) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.channel = {};
  EXPECT_EQ(run(VideoRule{}, t).at(0).code, "required");
  t.encounter.channel = unknownText<domain::Channel>("sms");
  EXPECT_EQ(run(VideoRule{}, t).at(0).code, "value");
}

// ---- TLC-PERIOD ------------------------------------------------------------------------------

TEST(PeriodRule, EndAfterStartInThePastPasses) {
  EXPECT_THAT(run(PeriodRule{}, validTeleconsultation()), IsEmpty());
}

TEST(PeriodRule, EndEqualToStartIsRejected) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.end = t.encounter.start;
  EXPECT_THAT(paths(run(PeriodRule{}, t)), ElementsAre("encounter.end"));
}

TEST(PeriodRule, EndBeforeStartIsRejected) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.end = dateTimeField("2026-11-20T09:29:59+01:00");
  EXPECT_THAT(paths(run(PeriodRule{}, t)), ElementsAre("encounter.end"));
}

TEST(PeriodRule, StartFiveMinutesAheadIsTolerated) {
  domain::Teleconsultation t = validTeleconsultation();
  // gatewayTestNow() is 2026-11-22T12:00:00Z.
  t.encounter.start = dateTimeField("2026-11-22T12:05:00Z");
  t.encounter.end = dateTimeField("2026-11-22T12:20:00Z");
  EXPECT_THAT(run(PeriodRule{}, t), IsEmpty());
}

TEST(PeriodRule, StartMoreThanFiveMinutesAheadIsRejected) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.start = dateTimeField("2026-11-22T13:05:01+01:00");
  t.encounter.end = dateTimeField("2026-11-22T13:20:00+01:00");
  EXPECT_THAT(paths(run(PeriodRule{}, t)), ElementsAre("encounter.start"));
}

TEST(PeriodRule, TheToleranceIsConfigurable) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.start = dateTimeField("2026-11-22T12:05:00Z");
  t.encounter.end = dateTimeField("2026-11-22T12:20:00Z");
  RuleConfig config;
  config.maxStartAhead = std::chrono::seconds{60};
  EXPECT_THAT(paths(run(PeriodRule{}, t, config)), ElementsAre("encounter.start"));
}

TEST(PeriodRule, MissingAndMalformedDatesAreReportedUnderTheRule) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.start = {};
  t.encounter.end = dateTimeField("tomorrow");
  const auto f = run(PeriodRule{}, t);
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0].expression, "encounter.start");
  EXPECT_EQ(f[0].code, "required");
  EXPECT_EQ(f[1].expression, "encounter.end");
  EXPECT_EQ(f[1].code, "value");
}

// ---- pathway exceptions ----------------------------------------------------------------------

/// A teleconsultation outside the pathway: oriented nowhere, by a practitioner who is not the
/// treating physician, for an adult at home who has a declared treating physician.
domain::Teleconsultation outsidePathway() {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.orientation = known(domain::Orientation::kDirectAccess);
  return t;
}

TEST(PathwayRule, OrientationByTheTreatingPhysicianPasses) {
  EXPECT_THAT(run(PathwayRule{}, validTeleconsultation()), IsEmpty());
}

TEST(PathwayRule, DirectAccessWithoutExceptionIsAWarningFinding) {
  const auto f = run(PathwayRule{}, outsidePathway());
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expression, "encounter.orientation");
  EXPECT_EQ(f[0].code, "business-rule");
  EXPECT_TRUE(f[0].affectsReimbursement);
  EXPECT_FALSE(pathwayException(outsidePathway()));
}

TEST(PathwayRule, OrientationNoneWithoutExceptionIsAFinding) {
  domain::Teleconsultation t = outsidePathway();
  t.encounter.orientation = known(domain::Orientation::kNone);
  EXPECT_EQ(run(PathwayRule{}, t).size(), 1u);
}

TEST(PathwayRule, TreatingPhysicianIsAnException) {
  domain::Teleconsultation t = outsidePathway();
  t.practitioner.relationToPatient = domain::Relation::kTreatingPhysician;
  EXPECT_EQ(pathwayException(t), PathwayException::kTreatingPhysicianOrReplacement);
  EXPECT_THAT(run(PathwayRule{}, t), IsEmpty());
}

TEST(PathwayRule, TreatingPhysicianReplacementIsAnException) {
  domain::Teleconsultation t = outsidePathway();
  t.practitioner.relationToPatient = domain::Relation::kTreatingPhysicianReplacement;
  EXPECT_THAT(run(PathwayRule{}, t), IsEmpty());
}

TEST(PathwayRule, SamePracticeSameSpecialtyIsNotAPathwayException) {
  domain::Teleconsultation t = outsidePathway();
  t.practitioner.relationToPatient = domain::Relation::kSamePracticeSameSpecialty;
  EXPECT_EQ(run(PathwayRule{}, t).size(), 1u);
  t.practitioner.relationToPatient = domain::Relation::kReferentMidwife;
  EXPECT_EQ(run(PathwayRule{}, t).size(), 1u);
}

TEST(PathwayRule, EveryDirectAccessSpecialtyIsAnException) {
  for (const char* specialty :
       {"gynecology", "ophthalmology", "stomatology", "oral-surgery", "maxillofacial-surgery",
        "psychiatry", "neuropsychiatry", "pediatrics"}) {
    domain::Teleconsultation t = outsidePathway();
    t.practitioner.specialty = specialty;
    EXPECT_EQ(pathwayException(t), PathwayException::kDirectAccessSpecialty) << specialty;
    EXPECT_THAT(run(PathwayRule{}, t), IsEmpty()) << specialty;
  }
}

TEST(PathwayRule, OtherSpecialtiesAreNotDirectAccess) {
  for (const char* specialty : {"general-practice", "cardiology", "dermatology", "midwife"}) {
    domain::Teleconsultation t = outsidePathway();
    t.practitioner.specialty = specialty;
    EXPECT_EQ(run(PathwayRule{}, t).size(), 1u) << specialty;
  }
}

TEST(PathwayRule, PatientAged15TheDayBefore16thBirthdayIsAnException) {
  domain::Teleconsultation t = outsidePathway();  // encounter date 2026-11-20
  t.patient.birthDate = dateField("2010-11-21");
  EXPECT_EQ(pathwayException(t), PathwayException::kUnder16);
  EXPECT_THAT(run(PathwayRule{}, t), IsEmpty());
}

TEST(PathwayRule, PatientTurning16OnTheEncounterDateIsNoLongerAnException) {
  domain::Teleconsultation t = outsidePathway();
  t.patient.birthDate = dateField("2010-11-20");
  EXPECT_FALSE(pathwayException(t));
  EXPECT_EQ(run(PathwayRule{}, t).size(), 1u);
}

TEST(PathwayRule, AgeUsesTheEncounterDateInItsOwnOffset) {
  domain::Teleconsultation t = outsidePathway();
  t.patient.birthDate = dateField("2010-11-21");
  // 2026-11-21 00:30 in Paris is 2026-11-20 in UTC: the patient is already 16 locally.
  t.encounter.start = dateTimeField("2026-11-21T00:30:00+01:00");
  t.encounter.end = dateTimeField("2026-11-21T00:45:00+01:00");
  EXPECT_EQ(run(PathwayRule{}, t).size(), 1u);
}

TEST(PathwayRule, EmergencySasAndTreatingPhysicianAbsenceOrientationsAreExceptions) {
  for (domain::Orientation o :
       {domain::Orientation::kEmergency, domain::Orientation::kNoTreatingPhysician,
        domain::Orientation::kTreatingPhysicianUnavailable, domain::Orientation::kSas}) {
    domain::Teleconsultation t = outsidePathway();
    t.encounter.orientation = known(o);
    EXPECT_EQ(pathwayException(t), PathwayException::kOrientation) << code(o);
    EXPECT_THAT(run(PathwayRule{}, t), IsEmpty()) << code(o);
  }
}

TEST(PathwayRule, NoTreatingPhysicianDeclaredIsAnExceptionWhateverTheOrientation) {
  domain::Teleconsultation t = outsidePathway();
  t.treatingPhysician.reset();
  EXPECT_EQ(pathwayException(t), PathwayException::kNoTreatingPhysicianDeclared);
  EXPECT_THAT(run(PathwayRule{}, t), IsEmpty());
}

TEST(PathwayRule, EveryCollectiveResidenceIsAnException) {
  for (domain::Residence r :
       {domain::Residence::kEhpad, domain::Residence::kEsms, domain::Residence::kDetention}) {
    domain::Teleconsultation t = outsidePathway();
    t.patient.residence = r;
    EXPECT_EQ(pathwayException(t), PathwayException::kResidence) << code(r);
    EXPECT_THAT(run(PathwayRule{}, t), IsEmpty()) << code(r);
  }
}

TEST(PathwayRule, MissingOrientationIsReportedButOnlyDoubtsReimbursementWithoutException) {
  domain::Teleconsultation t = outsidePathway();
  t.encounter.orientation = {};
  auto f = run(PathwayRule{}, t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].code, "required");
  EXPECT_TRUE(f[0].affectsReimbursement);

  t.practitioner.relationToPatient = domain::Relation::kTreatingPhysician;
  f = run(PathwayRule{}, t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_FALSE(f[0].affectsReimbursement);
}

TEST(PathwayRule, UnknownOrientationIsAValueFinding) {
  domain::Teleconsultation t = outsidePathway();
  t.encounter.orientation = unknownText<domain::Orientation>("urgent");
  const auto f = run(PathwayRule{}, t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].code, "value");
}

// ---- TLC-KNOWN-PATIENT -----------------------------------------------------------------------

TEST(KnownPatientRule, VisitSixMonthsBeforePasses) {
  EXPECT_THAT(run(KnownPatientRule{}, validTeleconsultation()), IsEmpty());
}

TEST(KnownPatientRule, SameCalendarDayOneYearEarlierStillCounts) {
  domain::Teleconsultation t = validTeleconsultation();  // encounter date 2026-11-20
  t.encounter.lastInPersonVisit = dateField("2025-11-20");
  EXPECT_THAT(run(KnownPatientRule{}, t), IsEmpty());
}

TEST(KnownPatientRule, TheDayBeforeTheWindowIsAReminderFinding) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.lastInPersonVisit = dateField("2025-11-19");
  EXPECT_THAT(paths(run(KnownPatientRule{}, t)), ElementsAre("encounter.lastInPersonVisit"));
}

TEST(KnownPatientRule, EncounterOn29FebruaryLooksBackTo28February) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.start = dateTimeField("2028-02-29T10:00:00+01:00");
  t.encounter.end = dateTimeField("2028-02-29T10:15:00+01:00");
  t.encounter.lastInPersonVisit = dateField("2027-02-28");
  EXPECT_THAT(run(KnownPatientRule{}, t), IsEmpty());
  t.encounter.lastInPersonVisit = dateField("2027-02-27");
  EXPECT_EQ(run(KnownPatientRule{}, t).size(), 1u);
}

TEST(KnownPatientRule, VisitOn29FebruaryIsOutsideTheWindowOfTheFollowing1March) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.start = dateTimeField("2025-03-01T10:00:00+01:00");
  t.encounter.end = dateTimeField("2025-03-01T10:15:00+01:00");
  t.encounter.lastInPersonVisit = dateField("2024-02-29");
  EXPECT_EQ(run(KnownPatientRule{}, t).size(), 1u);
  t.encounter.lastInPersonVisit = dateField("2024-03-01");
  EXPECT_THAT(run(KnownPatientRule{}, t), IsEmpty());
}

TEST(KnownPatientRule, TheWindowUsesTheLocalEncounterDate) {
  domain::Teleconsultation t = validTeleconsultation();
  // Local date 2026-11-21 (UTC 2026-11-20): the window starts on 2025-11-21.
  t.encounter.start = dateTimeField("2026-11-21T00:30:00+01:00");
  t.encounter.end = dateTimeField("2026-11-21T00:45:00+01:00");
  t.encounter.lastInPersonVisit = dateField("2025-11-20");
  EXPECT_EQ(run(KnownPatientRule{}, t).size(), 1u);
}

TEST(KnownPatientRule, NoVisitDeclaredWithoutExceptionIsAFinding) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.lastInPersonVisit = {};
  EXPECT_EQ(run(KnownPatientRule{}, t).size(), 1u);
}

TEST(KnownPatientRule, APathwayExceptionWaivesTheCondition) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.lastInPersonVisit = {};
  t.encounter.orientation = known(domain::Orientation::kEmergency);
  EXPECT_THAT(run(KnownPatientRule{}, t), IsEmpty());
  t.encounter.lastInPersonVisit = dateField("2020-01-01");
  EXPECT_THAT(run(KnownPatientRule{}, t), IsEmpty());
}

TEST(KnownPatientRule, VisitAfterTheEncounterOrMalformedIsAValueFinding) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.lastInPersonVisit = dateField("2026-11-21");
  EXPECT_EQ(run(KnownPatientRule{}, t).at(0).code, "value");
  t.encounter.lastInPersonVisit = dateField("10/05/2026");
  EXPECT_EQ(run(KnownPatientRule{}, t).at(0).code, "value");
}

// ---- TLC-TERRITORY ---------------------------------------------------------------------------

domain::Teleconsultation withPostalCodes(std::string patient, std::string practitioner) {
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.address->postalCode = std::move(patient);
  t.practitioner.postalCode = std::move(practitioner);
  return t;
}

TEST(TerritoryRule, SameDepartementPasses) {
  EXPECT_THAT(run(TerritoryRule{}, withPostalCodes("51100", "51500")), IsEmpty());
}

TEST(TerritoryRule, DifferentDepartementsAreAWarningFinding) {
  const auto f = run(TerritoryRule{}, withPostalCodes("69003", "51100"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expression, "patient.address.postalCode");
  EXPECT_FALSE(f[0].notEvaluated);
}

TEST(TerritoryRule, CorseDuSudAndHauteCorseAreDifferentDepartements) {
  EXPECT_EQ(run(TerritoryRule{}, withPostalCodes("20000", "20200")).size(), 1u);
  EXPECT_THAT(run(TerritoryRule{}, withPostalCodes("20000", "20167")), IsEmpty());
  EXPECT_THAT(run(TerritoryRule{}, withPostalCodes("20600", "20220")), IsEmpty());
}

TEST(TerritoryRule, OverseasDepartementsAreDistinguishedByThreeDigits) {
  EXPECT_EQ(run(TerritoryRule{}, withPostalCodes("97100", "97200")).size(), 1u);
  EXPECT_EQ(run(TerritoryRule{}, withPostalCodes("97600", "97400")).size(), 1u);
  EXPECT_THAT(run(TerritoryRule{}, withPostalCodes("97400", "97410")), IsEmpty());
}

TEST(TerritoryRule, SaintBarthelemyAndSaintMartinAreNotGuadeloupe) {
  // 97133 and 97150 carry Guadeloupe's prefix 971 but are 977 and 978 (the table).
  const auto f = run(TerritoryRule{}, withPostalCodes("97133", "97100"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].detailsText.find("977"), std::string::npos);
  EXPECT_NE(f[0].detailsText.find("971"), std::string::npos);
  EXPECT_EQ(run(TerritoryRule{}, withPostalCodes("97150", "97100")).size(), 1u);
  EXPECT_EQ(run(TerritoryRule{}, withPostalCodes("97150", "97133")).size(), 1u);
  EXPECT_THAT(run(TerritoryRule{}, withPostalCodes("97133", "97133")), IsEmpty());
  EXPECT_THAT(run(TerritoryRule{}, withPostalCodes("97150", "97150")), IsEmpty());
  // Another Guadeloupe code still follows its prefix.
  EXPECT_THAT(run(TerritoryRule{}, withPostalCodes("97139", "97100")), IsEmpty());
}

TEST(TerritoryRule, TheTableIsExtendedByConfiguration) {
  RuleConfig c;
  c.postalCodeDepartements["01200"] = "74";  // a commune served from the neighbouring département
  EXPECT_THAT(run(TerritoryRule{}, withPostalCodes("01200", "74000"), c), IsEmpty());
  EXPECT_EQ(run(TerritoryRule{}, withPostalCodes("01200", "74000")).size(), 1u);
}

TEST(TerritoryRule, MonacoAndPacificCodesAreNotEvaluated) {
  for (const char* code : {"98000", "98714", "98800"}) {
    auto f = run(TerritoryRule{}, withPostalCodes(code, "51100"));
    ASSERT_EQ(f.size(), 1u) << code;
    EXPECT_TRUE(f[0].notEvaluated) << code;
    EXPECT_EQ(f[0].expression, "patient.address.postalCode") << code;
    f = run(TerritoryRule{}, withPostalCodes("51100", code));
    ASSERT_EQ(f.size(), 1u) << code;
    EXPECT_TRUE(f[0].notEvaluated) << code;
    EXPECT_EQ(f[0].expression, "practitioner.postalCode") << code;
  }
  RuleConfig c;
  c.postalCodeDepartements["98000"] = "06";  // a table entry wins over the 98 prefix
  EXPECT_THAT(run(TerritoryRule{}, withPostalCodes("98000", "06000"), c), IsEmpty());
}

TEST(TerritoryRule, UnplaceableCodesAreNotEvaluated) {
  for (const char* code : {"00100", "20900", "9713"}) {
    const auto f = run(TerritoryRule{}, withPostalCodes(code, "51100"));
    ASSERT_EQ(f.size(), 1u) << code;
    EXPECT_TRUE(f[0].notEvaluated) << code;
  }
}

TEST(TerritoryRule, TreatingPhysicianOrReplacementIsExempt) {
  domain::Teleconsultation t = withPostalCodes("69003", "51100");
  t.practitioner.relationToPatient = domain::Relation::kTreatingPhysician;
  EXPECT_THAT(run(TerritoryRule{}, t), IsEmpty());
  t.practitioner.relationToPatient = domain::Relation::kTreatingPhysicianReplacement;
  EXPECT_THAT(run(TerritoryRule{}, t), IsEmpty());
}

TEST(TerritoryRule, SasOrientationIsExempt) {
  domain::Teleconsultation t = withPostalCodes("69003", "51100");
  t.encounter.orientation = known(domain::Orientation::kSas);
  EXPECT_THAT(run(TerritoryRule{}, t), IsEmpty());
}

/// Every part of the ZIP exception holds: priority zone, no territorial organisation, a general
/// practitioner, no treating physician declared.
domain::Teleconsultation fullZipCondition() {
  domain::Teleconsultation t = withPostalCodes("69003", "51100");
  t.patient.priorityZone = true;
  t.encounter.territorialOrganisation = false;
  t.practitioner.specialty = "general-practice";
  t.treatingPhysician.reset();
  return t;
}

TEST(TerritoryRule, FullZipConditionIsExempt) {
  EXPECT_THAT(run(TerritoryRule{}, fullZipCondition()), IsEmpty());
}

TEST(TerritoryRule, ZipWithoutPriorityZoneIsNotExempt) {
  domain::Teleconsultation t = fullZipCondition();
  t.patient.priorityZone = false;
  EXPECT_EQ(run(TerritoryRule{}, t).size(), 1u);
}

TEST(TerritoryRule, ZipWithATerritorialOrganisationIsNotExempt) {
  domain::Teleconsultation t = fullZipCondition();
  t.encounter.territorialOrganisation = true;
  EXPECT_EQ(run(TerritoryRule{}, t).size(), 1u);
}

TEST(TerritoryRule, ZipWithASpecialistIsNotExempt) {
  domain::Teleconsultation t = fullZipCondition();
  t.practitioner.specialty = "cardiology";
  EXPECT_EQ(run(TerritoryRule{}, t).size(), 1u);
}

TEST(TerritoryRule, ZipWithADeclaredTreatingPhysicianIsNotExempt) {
  domain::Teleconsultation t = fullZipCondition();
  t.treatingPhysician = validTeleconsultation().treatingPhysician;
  EXPECT_EQ(run(TerritoryRule{}, t).size(), 1u);
}

TEST(TerritoryRule, ConfiguredNeighbouringDepartementsCountAsOneTerritoryBothWays) {
  RuleConfig config;
  config.neighbouringDepartements = {{"51", "02"}};
  EXPECT_THAT(run(TerritoryRule{}, withPostalCodes("02100", "51100"), config), IsEmpty());
  EXPECT_THAT(run(TerritoryRule{}, withPostalCodes("51100", "02100"), config), IsEmpty());
  EXPECT_EQ(run(TerritoryRule{}, withPostalCodes("08000", "51100"), config).size(), 1u);
}

TEST(TerritoryRule, MissingPostalCodeGivesANotEvaluatedInformation) {
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.address.reset();
  auto f = run(TerritoryRule{}, t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].notEvaluated);
  EXPECT_EQ(f[0].expression, "patient.address.postalCode");

  t = validTeleconsultation();
  t.practitioner.postalCode.reset();
  f = run(TerritoryRule{}, t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].notEvaluated);
  EXPECT_EQ(f[0].expression, "practitioner.postalCode");
}

TEST(TerritoryRule, MalformedPostalCodeGivesANotEvaluatedValueInformation) {
  const auto f = run(TerritoryRule{}, withPostalCodes("5110", "51100"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].notEvaluated);
  EXPECT_EQ(f[0].code, "value");
}

// ---- TLC-ACTIVITY-CAP ------------------------------------------------------------------------

constexpr const char* kRpps = "10003456786";

TEST(ActivityCapRule, WithoutDeclarationTheCapIsNotEvaluated) {
  FakeHistory history;
  const auto f = run(ActivityCapRule{}, validTeleconsultation(), {}, &history);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].notEvaluated);
  EXPECT_EQ(history.yearsAsked, std::vector<int>{2026});
}

TEST(ActivityCapRule, WithoutHistoryTheCapIsNotEvaluated) {
  const auto f = run(ActivityCapRule{}, validTeleconsultation());
  ASSERT_EQ(f.size(), 1u);
  EXPECT_TRUE(f[0].notEvaluated);
}

TEST(ActivityCapRule, ExactlyTwentyPercentWithThisOnePasses) {
  FakeHistory history;
  history.declare(kRpps, 2026, 100);
  history.setRecorded(kRpps, 2026, 19);
  EXPECT_THAT(run(ActivityCapRule{}, validTeleconsultation(), {}, &history), IsEmpty());
}

TEST(ActivityCapRule, APractitionersOwnThresholdReplacesTheConfiguredOne) {
  FakeHistory history;
  history.declare(kRpps, 2026, 100);
  history.setRecorded(kRpps, 2026, 29);
  EXPECT_EQ(run(ActivityCapRule{}, validTeleconsultation(), {}, &history).size(), 1u);
  history.setCap(kRpps, 2026, 30);  // derogation: 30 % with this one passes
  EXPECT_THAT(run(ActivityCapRule{}, validTeleconsultation(), {}, &history), IsEmpty());
  history.setRecorded(kRpps, 2026, 30);
  const auto f = run(ActivityCapRule{}, validTeleconsultation(), {}, &history);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_NE(f[0].detailsText.find("30 %"), std::string::npos);
  history.setCap(kRpps, 2025, 90);  // another year's threshold does not apply
  EXPECT_EQ(run(ActivityCapRule{}, validTeleconsultation(), {}, &history).size(), 1u);
}

TEST(ActivityCapRule, PsychiatryAloneHasFortyPercentByDefault) {
  FakeHistory history;
  history.declare(kRpps, 2026, 100);
  history.setRecorded(kRpps, 2026, 39);
  for (const char* specialty : {"neuropsychiatry", "pediatrics", "general-practice"}) {
    domain::Teleconsultation t = validTeleconsultation();
    t.practitioner.specialty = specialty;
    EXPECT_EQ(run(ActivityCapRule{}, t, {}, &history).size(), 1u) << specialty;
  }
  domain::Teleconsultation t = validTeleconsultation();
  t.practitioner.specialty = "psychiatry";
  EXPECT_THAT(run(ActivityCapRule{}, t, {}, &history), IsEmpty());
}

TEST(ActivityCapRule, OneMoreThanTwentyPercentIsAWarningFinding) {
  FakeHistory history;
  history.declare(kRpps, 2026, 100);
  history.setRecorded(kRpps, 2026, 20);
  const auto f = run(ActivityCapRule{}, validTeleconsultation(), {}, &history);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_FALSE(f[0].notEvaluated);
  EXPECT_EQ(f[0].expression, "practitioner.rpps");
}

TEST(ActivityCapRule, PsychiatryHasAFortyPercentCap) {
  domain::Teleconsultation t = validTeleconsultation();
  t.practitioner.specialty = "psychiatry";
  FakeHistory history;
  history.declare(kRpps, 2026, 100);
  history.setRecorded(kRpps, 2026, 39);
  EXPECT_THAT(run(ActivityCapRule{}, t, {}, &history), IsEmpty());
  history.setRecorded(kRpps, 2026, 40);
  EXPECT_EQ(run(ActivityCapRule{}, t, {}, &history).size(), 1u);
}

TEST(ActivityCapRule, ThresholdsAreConfigurablePerSpecialty) {
  RuleConfig config;
  config.activityCapDefaultPercent = 10;
  config.activityCapPercentBySpecialty["general-practice"] = 30;
  FakeHistory history;
  history.declare(kRpps, 2026, 100);
  history.setRecorded(kRpps, 2026, 29);
  EXPECT_THAT(run(ActivityCapRule{}, validTeleconsultation(), config, &history), IsEmpty());
  domain::Teleconsultation t = validTeleconsultation();
  t.practitioner.specialty = "cardiology";
  EXPECT_EQ(run(ActivityCapRule{}, t, config, &history).size(), 1u);
}

TEST(ActivityCapRule, TreatingPhysiciansOwnPatientsAreNotCounted) {
  domain::Teleconsultation t = validTeleconsultation();
  t.practitioner.relationToPatient = domain::Relation::kTreatingPhysician;
  FakeHistory history;
  history.declare(kRpps, 2026, 10);
  history.setRecorded(kRpps, 2026, 50);
  EXPECT_THAT(run(ActivityCapRule{}, t, {}, &history), IsEmpty());
  EXPECT_TRUE(history.yearsAsked.empty());
}

TEST(ActivityCapRule, TheYearIsTheLocalEncounterYear) {
  domain::Teleconsultation t = validTeleconsultation();
  t.encounter.start = dateTimeField("2027-01-01T00:30:00+01:00");  // 2026 in UTC
  t.encounter.end = dateTimeField("2027-01-01T00:45:00+01:00");
  FakeHistory history;
  run(ActivityCapRule{}, t, {}, &history);
  EXPECT_EQ(history.yearsAsked, std::vector<int>{2027});
}

TEST(ActivityCapRule, HistoryFailureIsAnErrorNotAFinding) {
  FakeHistory history;
  history.failWith(common::unavailable("store busy"));
  std::vector<Finding> out;
  const domain::Teleconsultation t = validTeleconsultation();
  const RuleConfig config;
  const common::Status s = ActivityCapRule{}.check(
      RuleContext{t, config, fhir::toInstant(testsupport::gatewayTestNow()), &history}, out);
  EXPECT_EQ(s.code(), common::StatusCode::kUnavailable);
  EXPECT_THAT(out, IsEmpty());
}

}  // namespace
}  // namespace fhirgw::rules
