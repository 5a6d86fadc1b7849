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
using testsupport::dateField;
using testsupport::known;
using testsupport::unknownText;
using testsupport::validTeleconsultation;

domain::Teleconsultation withIns(std::optional<std::string> value, std::optional<std::string> oid) {
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.ins->value = std::move(value);
  t.patient.ins->oid = std::move(oid);
  return t;
}

// ---- ID-INS ----------------------------------------------------------------------------------

TEST(InsRule, ValidInsNirPasses) {
  EXPECT_THAT(run(InsRule{}, validTeleconsultation()), IsEmpty());
}

TEST(InsRule, InsNiaOidIsAccepted) {
  EXPECT_THAT(run(InsRule{}, withIns("279035121518989", "1.2.250.1.213.1.4.9")), IsEmpty());
}

TEST(InsRule, WrongKeyIsRejected) {
  const auto f = run(InsRule{}, withIns("279035121518988", "1.2.250.1.213.1.4.8"));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expression, "patient.ins.value");
  EXPECT_EQ(f[0].code, "value");
}

TEST(InsRule, CorsicanNirsAreChecked) {
  EXPECT_THAT(run(InsRule{}, withIns("185052A00412356", "1.2.250.1.213.1.4.8")), IsEmpty());
  EXPECT_THAT(run(InsRule{}, withIns("185052B00412383", "1.2.250.1.213.1.4.8")), IsEmpty());
  EXPECT_EQ(run(InsRule{}, withIns("185052A00412383", "1.2.250.1.213.1.4.8")).size(), 1u);
}

TEST(InsRule, WrongLengthIsRejected) {
  EXPECT_EQ(run(InsRule{}, withIns("2790351215189", "1.2.250.1.213.1.4.8")).size(), 1u);
}

TEST(InsRule, UnknownOidIsReportedUnderTheRule) {
  const auto f = run(InsRule{}, withIns("279035121518989", "1.2.250.1.213.1.4.99"));
  EXPECT_THAT(paths(f), ElementsAre("patient.ins.oid"));
}

TEST(InsRule, TestOidsNeedConfiguration) {
  for (const char* oid : {"1.2.250.1.213.1.4.10", "1.2.250.1.213.1.4.11"}) {
    EXPECT_EQ(run(InsRule{}, withIns("279035121518989", oid)).size(), 1u) << oid;
    RuleConfig config;
    config.acceptTestInsOids = true;
    EXPECT_THAT(run(InsRule{}, withIns("279035121518989", oid), config), IsEmpty()) << oid;
  }
}

TEST(InsRule, MissingValueAndOidAreReportedUnderTheRule) {
  const auto f = run(InsRule{}, withIns(std::nullopt, std::nullopt));
  EXPECT_THAT(paths(f), ElementsAre("patient.ins.value", "patient.ins.oid"));
  EXPECT_EQ(f[0].code, "required");
}

TEST(InsRule, NoInsIsNotThisRulesConcern) {
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.ins.reset();
  EXPECT_THAT(run(InsRule{}, t), IsEmpty());
}

// ---- ID-INS-QUALIFIED ------------------------------------------------------------------------

TEST(InsQualifiedRule, QualifiedInsPasses) {
  EXPECT_THAT(run(InsQualifiedRule{}, validTeleconsultation()), IsEmpty());
  EXPECT_TRUE(isInsQualified(validTeleconsultation().patient, {}));
}

TEST(InsQualifiedRule, NoInsIsAFinding) {
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.ins.reset();
  EXPECT_THAT(paths(run(InsQualifiedRule{}, t)), ElementsAre("patient.ins"));
  EXPECT_FALSE(isInsQualified(t.patient, {}));
}

TEST(InsQualifiedRule, EveryOtherStatusIsAFinding) {
  for (domain::InsStatus s : {domain::InsStatus::kProvisional, domain::InsStatus::kRetrieved,
                              domain::InsStatus::kValidated}) {
    domain::Teleconsultation t = validTeleconsultation();
    t.patient.ins->status = known(s);
    EXPECT_THAT(paths(run(InsQualifiedRule{}, t)), ElementsAre("patient.ins.status")) << code(s);
    EXPECT_FALSE(isInsQualified(t.patient, {}));
  }
}

TEST(InsQualifiedRule, MissingOrUnknownStatusIsReportedUnderTheRule) {
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.ins->status = {};
  EXPECT_EQ(run(InsQualifiedRule{}, t).at(0).code, "required");
  t.patient.ins->status = unknownText<domain::InsStatus>("qualifiee");
  EXPECT_EQ(run(InsQualifiedRule{}, t).at(0).code, "value");
}

TEST(InsQualifiedRule, AnInvalidQualifiedInsIsNotUsable) {
  EXPECT_FALSE(isInsQualified(withIns("279035121518988", "1.2.250.1.213.1.4.8").patient, {}));
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.birthPlaceInsee.reset();
  EXPECT_FALSE(isInsQualified(t.patient, {}));
}

// ---- ID-INS-TRAITS ---------------------------------------------------------------------------

TEST(InsTraitsRule, CompleteTraitsPass) {
  EXPECT_THAT(run(InsTraitsRule{}, validTeleconsultation()), IsEmpty());
}

TEST(InsTraitsRule, EachMissingTraitIsReported) {
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.family.reset();
  t.patient.given.clear();
  t.patient.birthDate = {};
  t.patient.gender = {};
  t.patient.birthPlaceInsee.reset();
  EXPECT_THAT(paths(run(InsTraitsRule{}, t)),
              ElementsAre("patient.family", "patient.given", "patient.birthDate", "patient.gender",
                          "patient.birthPlaceInsee"));
}

TEST(InsTraitsRule, GenderMustBeFemaleOrMale) {
  for (domain::Gender g : {domain::Gender::kOther, domain::Gender::kUnknown}) {
    domain::Teleconsultation t = validTeleconsultation();
    t.patient.gender = known(g);
    EXPECT_THAT(paths(run(InsTraitsRule{}, t)), ElementsAre("patient.gender")) << code(g);
  }
}

TEST(InsTraitsRule, BirthplaceMustBeFiveCharacters) {
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.birthPlaceInsee = "5121";
  EXPECT_THAT(paths(run(InsTraitsRule{}, t)), ElementsAre("patient.birthPlaceInsee"));
  t.patient.birthPlaceInsee = "2A004";
  EXPECT_THAT(run(InsTraitsRule{}, t), IsEmpty());
}

TEST(InsTraitsRule, MalformedBirthDateIsReported) {
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.birthDate = dateField("12/03/1979");
  EXPECT_EQ(run(InsTraitsRule{}, t).at(0).code, "value");
}

TEST(InsTraitsRule, OnlyQualifiedIdentitiesNeedTheTraits) {
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.ins->status = known(domain::InsStatus::kValidated);
  t.patient.birthPlaceInsee.reset();
  EXPECT_THAT(run(InsTraitsRule{}, t), IsEmpty());
}

// ---- ID-RPPS ---------------------------------------------------------------------------------

TEST(RppsRule, ValidRppsNumbersPass) {
  EXPECT_THAT(run(RppsRule{}, validTeleconsultation()), IsEmpty());
}

TEST(RppsRule, BadLuhnDigitIsRejectedForEachProfessional) {
  domain::Teleconsultation t = validTeleconsultation();
  t.practitioner.rpps = "10003456787";
  t.treatingPhysician->rpps = "10101234565";
  t.encounter.assistedBy = domain::AssistedBy{domain::AssistantProfession::kNurse, "10000000001"};
  EXPECT_THAT(paths(run(RppsRule{}, t)), ElementsAre("practitioner.rpps", "treatingPhysician.rpps",
                                                     "encounter.assistedBy.rpps"));
}

TEST(RppsRule, TwelveDigitsOrLettersAreRejected) {
  domain::Teleconsultation t = validTeleconsultation();
  t.practitioner.rpps = "810003456786";
  EXPECT_EQ(run(RppsRule{}, t).size(), 1u);
  t.practitioner.rpps = "1000345678A";
  EXPECT_EQ(run(RppsRule{}, t).size(), 1u);
}

TEST(RppsRule, MissingPractitionerRppsIsRequiredButAssistantRppsIsOptional) {
  domain::Teleconsultation t = validTeleconsultation();
  t.practitioner.rpps.reset();
  t.encounter.assistedBy =
      domain::AssistedBy{domain::AssistantProfession::kPharmacist, std::nullopt};
  const auto f = run(RppsRule{}, t);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].expression, "practitioner.rpps");
  EXPECT_EQ(f[0].code, "required");
}

}  // namespace
}  // namespace fhirgw::rules
