#include "fhirgw/fhir/fr/identifiers.hpp"

#include <gtest/gtest.h>

namespace fhirgw::fhir::fr {
namespace {

TEST(InsValue, ExampleNirWithItsKeyIsValid) {
  EXPECT_EQ(checkInsValue("279035121518989"), InsValueProblem::kNone);
}

TEST(InsValue, WrongKeyIsRejected) {
  EXPECT_EQ(checkInsValue("279035121518988"), InsValueProblem::kKey);
  EXPECT_EQ(checkInsValue("279035121518990"), InsValueProblem::kKey);
}

TEST(InsValue, CorsicanDepartementsCount2AAs19And2BAs18) {
  EXPECT_EQ(checkInsValue("185052A00412356"), InsValueProblem::kNone);
  EXPECT_EQ(checkInsValue("185052B00412383"), InsValueProblem::kNone);
  // The keys are not interchangeable: 2A and 2B give different keys.
  EXPECT_EQ(checkInsValue("185052A00412383"), InsValueProblem::kKey);
  EXPECT_EQ(checkInsValue("185052B00412356"), InsValueProblem::kKey);
}

TEST(InsValue, LettersOutsidePositionsSixAndSevenAreRejected) {
  EXPECT_EQ(checkInsValue("1850A2A00412356"), InsValueProblem::kCharacters);
  EXPECT_EQ(checkInsValue("185052C00412356"), InsValueProblem::kCharacters);
  EXPECT_EQ(checkInsValue("18505A200412356"), InsValueProblem::kCharacters);
  EXPECT_EQ(checkInsValue("2790351215189AB"), InsValueProblem::kCharacters);
}

TEST(InsValue, OtherLengthsAreRejected) {
  EXPECT_EQ(checkInsValue("27903512151898"), InsValueProblem::kLength);
  EXPECT_EQ(checkInsValue("2790351215189890"), InsValueProblem::kLength);
  EXPECT_EQ(checkInsValue(""), InsValueProblem::kLength);
}

TEST(Rpps, LuhnCheckDigitIsVerified) {
  EXPECT_TRUE(isValidRpps("10003456786"));
  EXPECT_TRUE(isValidRpps("10101234564"));
  EXPECT_TRUE(isValidRpps("10000012343"));
  EXPECT_FALSE(isValidRpps("10003456787"));
  EXPECT_FALSE(isValidRpps("10003456785"));
  // Swapping two adjacent digits is caught by Luhn.
  EXPECT_FALSE(isValidRpps("01003456786"));
}

TEST(Rpps, OnlyElevenDigitsAreAccepted) {
  EXPECT_FALSE(isValidRpps("1000345678"));
  EXPECT_FALSE(isValidRpps("810003456786"));
  EXPECT_FALSE(isValidRpps("1000345678A"));
  EXPECT_FALSE(isValidRpps(""));
}

TEST(InseeCode, AcceptsDigitsAndCorsicanCodes) {
  EXPECT_TRUE(isInseeCommuneCode("51215"));
  EXPECT_TRUE(isInseeCommuneCode("2A004"));
  EXPECT_TRUE(isInseeCommuneCode("2B033"));
  EXPECT_TRUE(isInseeCommuneCode("99134"));
  EXPECT_FALSE(isInseeCommuneCode("5121"));
  EXPECT_FALSE(isInseeCommuneCode("2C004"));
  EXPECT_FALSE(isInseeCommuneCode("A1215"));
}

TEST(Departement, MetropolitanCodesUseTheFirstTwoDigits) {
  EXPECT_EQ(departementFromPostalCode("51100"), "51");
  EXPECT_EQ(departementFromPostalCode("01000"), "01");
  EXPECT_EQ(departementFromPostalCode("75015"), "75");
  EXPECT_EQ(departementFromPostalCode("95000"), "95");
}

TEST(Departement, CorsicaSplitsIntoCorseDuSudAndHauteCorse) {
  EXPECT_EQ(departementFromPostalCode("20000"), "2A");  // Ajaccio
  EXPECT_EQ(departementFromPostalCode("20190"), "2A");
  EXPECT_EQ(departementFromPostalCode("20200"), "2B");  // Bastia
  EXPECT_EQ(departementFromPostalCode("20600"), "2B");
  EXPECT_EQ(departementFromPostalCode("20700"), std::nullopt);
}

TEST(Departement, OverseasDepartementsUseThreeDigits) {
  EXPECT_EQ(departementFromPostalCode("97100"), "971");  // Guadeloupe
  EXPECT_EQ(departementFromPostalCode("97200"), "972");  // Martinique
  EXPECT_EQ(departementFromPostalCode("97300"), "973");
  EXPECT_EQ(departementFromPostalCode("97400"), "974");
  EXPECT_EQ(departementFromPostalCode("97600"), "976");  // Mayotte
  EXPECT_NE(departementFromPostalCode("97100"), departementFromPostalCode("97200"));
}

TEST(Departement, MalformedPostalCodesHaveNoDepartement) {
  EXPECT_EQ(departementFromPostalCode("5110"), std::nullopt);
  EXPECT_EQ(departementFromPostalCode("511000"), std::nullopt);
  EXPECT_EQ(departementFromPostalCode("51 00"), std::nullopt);
  EXPECT_EQ(departementFromPostalCode("00100"), std::nullopt);
  EXPECT_EQ(departementFromPostalCode("2A000"), std::nullopt);
}

TEST(FrenchIdentifiers, FinessAndSiretNumbersHaveTheirShape) {
  EXPECT_TRUE(isFinessNumber("750000001"));
  EXPECT_TRUE(isFinessNumber("2A0000001"));
  EXPECT_TRUE(isFinessNumber("2B0000001"));
  EXPECT_FALSE(isFinessNumber("75000000"));
  EXPECT_FALSE(isFinessNumber("2C0000001"));
  EXPECT_FALSE(isFinessNumber("2A000000X"));
  EXPECT_FALSE(isFinessNumber(""));
  EXPECT_TRUE(isSiretNumber("12345678901234"));
  EXPECT_FALSE(isSiretNumber("1234567890123"));
  EXPECT_FALSE(isSiretNumber("1234567890123?"));
  // INSEE commune codes keep their own length with the same Corsican spelling.
  EXPECT_TRUE(isInseeCommuneCode("2A004"));
  EXPECT_FALSE(isInseeCommuneCode("2A0041"));
}

TEST(InsSystems, EachOidHasOneSystemAndItsFrCoreType) {
  EXPECT_EQ(insSystemOf("1.2.250.1.213.1.4.8"), InsSystem::kNir);
  EXPECT_EQ(insSystemOf("1.2.250.1.213.1.4.9"), InsSystem::kNia);
  EXPECT_EQ(insSystemOf("1.2.250.1.213.1.4.10"), InsSystem::kNirTest);
  EXPECT_EQ(insSystemOf("1.2.250.1.213.1.4.11"), InsSystem::kNirDemo);
  EXPECT_EQ(insSystemOf("1.2.250.1.213.1.4.99"), std::nullopt);
  EXPECT_EQ(insSystemOf("urn:oid:1.2.250.1.213.1.4.8"), std::nullopt);
  EXPECT_EQ(insSystemOfUri("urn:oid:1.2.250.1.213.1.4.11"), InsSystem::kNirDemo);
  EXPECT_EQ(insSystemOfUri("1.2.250.1.213.1.4.8"), std::nullopt);
  EXPECT_EQ(insSystemUri(InsSystem::kNia), "urn:oid:1.2.250.1.213.1.4.9");
  EXPECT_EQ(insTypeCode(InsSystem::kNir), "INS-NIR");
  EXPECT_EQ(insTypeCode(InsSystem::kNia), "INS-NIA");
  EXPECT_EQ(insTypeCode(InsSystem::kNirTest), "INS-NIR-TEST");
  EXPECT_EQ(insTypeCode(InsSystem::kNirDemo), "INS-NIR-DEMO");
}

TEST(InsSystems, TestAndDemonstrationOidsAreAcceptedOnlyWhenConfigured) {
  const InsPolicy production{};
  const InsPolicy withTests{true};
  for (const std::string_view oid : {kInsNirOid, kInsNiaOid}) {
    EXPECT_TRUE(isInsOidAccepted(oid, production)) << oid;
    EXPECT_TRUE(isInsOidAccepted(oid, withTests)) << oid;
  }
  for (const std::string_view oid : {kInsNirTestOid, kInsNirDemoOid}) {
    EXPECT_FALSE(isInsOidAccepted(oid, production)) << oid;
    EXPECT_TRUE(isInsOidAccepted(oid, withTests)) << oid;
  }
  EXPECT_FALSE(isInsOidAccepted("1.2.250.1.213.1.4.99", withTests));
}

TEST(InsSystems, AnInsIsUsableWithAValidKeyUnderAnAcceptedOid) {
  EXPECT_TRUE(isInsUsable("279035121518989", kInsNirOid, {}));
  EXPECT_TRUE(isInsUsable("279035121518989", kInsNiaOid, {}));
  EXPECT_FALSE(isInsUsable("279035121518988", kInsNirOid, {}));
  EXPECT_FALSE(isInsUsable("279035121518989", kInsNirTestOid, {}));
  EXPECT_TRUE(isInsUsable("279035121518989", kInsNirTestOid, InsPolicy{true}));
  EXPECT_FALSE(isInsUsable("279035121518989", "1.2.250.1.213.1.4.99", InsPolicy{true}));
}

TEST(Luhn, AnyLengthOfDigitsIsChecked) {
  EXPECT_TRUE(isLuhnValid("79927398713"));
  EXPECT_TRUE(isLuhnValid("0"));
  EXPECT_FALSE(isLuhnValid("79927398710"));
  EXPECT_FALSE(isLuhnValid(""));
  EXPECT_FALSE(isLuhnValid("7992739871A"));
}

}  // namespace
}  // namespace fhirgw::fhir::fr
