#include "fhirgw/fhir/validator.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fhirgw/common/json.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/testsupport/source_tree.hpp"

namespace fhirgw::fhir {

// Readable gmock output for issues.
void PrintTo(const Issue& i, std::ostream* os) {
  *os << "{" << severityCode(i.severity) << ", " << i.code << ", '" << i.expression << "', "
      << i.diagnostics << "}";
}

namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

std::string readData(const std::string& name) {
  return testsupport::readSourceFile("tests/fhir/data/" + name);
}

const Validator& validator() {
  static const Validator v = [] {
    Validator out;
    registerFrCoreProfiles(out);
    return out;
  }();
  return v;
}

std::vector<Issue> validate(std::string_view json) {
  auto issues = validator().validateText(json);
  EXPECT_TRUE(issues.hasValue()) << issues.status().toString();
  return issues.hasValue() ? *issues : std::vector<Issue>{};
}

// Replaces the first occurrence of `from` in text (the fixture must contain it).
std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const std::size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

auto issue(IssueSeverity severity, std::string_view code, std::string_view expression) {
  return AllOf(Field(&Issue::severity, severity), Field(&Issue::code, std::string(code)),
               Field(&Issue::expression, std::string(expression)));
}
auto error(std::string_view code, std::string_view expression) {
  return issue(IssueSeverity::kError, code, expression);
}

// ---- valid resources ----

TEST(Validator, FrCorePatientWithQualifiedInsIsValid) {
  EXPECT_THAT(validate(readData("patient-fr-core-ins.json")), IsEmpty());
}

TEST(Validator, FrCoreTeleconsultationEncounterIsValid) {
  EXPECT_THAT(validate(readData("encounter-fr-core.json")), IsEmpty());
}

TEST(Validator, FullTeleconsultationBundleIsValid) {
  EXPECT_THAT(validate(readData("bundle-teleconsultation.json")), IsEmpty());
}

TEST(Validator, DocumentBuiltInCodeWithNativeNumbersIsValid) {
  rapidjson::Document d;
  auto& a = d.GetAllocator();
  d.SetObject();
  d.AddMember("resourceType", "ChargeItem", a);
  d.AddMember("status", "billable", a);
  rapidjson::Value coding(rapidjson::kObjectType);
  coding.AddMember("system", "https://fhir-gateway.fr/fhir/CodeSystem/ngap", a);
  coding.AddMember("code", "TCG", a);
  rapidjson::Value codings(rapidjson::kArrayType);
  codings.PushBack(coding, a);
  rapidjson::Value code(rapidjson::kObjectType);
  code.AddMember("coding", codings, a);
  d.AddMember("code", code, a);
  rapidjson::Value subject(rapidjson::kObjectType);
  subject.AddMember("reference", "Patient/p1", a);
  d.AddMember("subject", subject, a);
  rapidjson::Value price(rapidjson::kObjectType);
  price.AddMember("value", 25.0, a);
  price.AddMember("currency", "EUR", a);
  d.AddMember("priceOverride", price, a);
  rapidjson::Value qty(rapidjson::kObjectType);
  qty.AddMember("value", 1, a);
  d.AddMember("quantity", qty, a);

  EXPECT_THAT(validator().validate(d), IsEmpty());
  d["quantity"]["value"].SetString("1");  // a string where a number belongs
  EXPECT_THAT(validator().validate(d),
              ElementsAre(error("structure", "ChargeItem.quantity.value")));
}

// ---- required, unknown, choice types ----

TEST(Validator, MissingRequiredElementIsReportedAtItsLocation) {
  const std::string json =
      replaced(readData("encounter-fr-core.json"), "\"status\": \"finished\",", "");
  EXPECT_THAT(validate(json), ElementsAre(error("required", "Encounter.status")));
}

TEST(Validator, MissingRequiredChoiceElementIsNamedWithItsSuffixPattern) {
  const auto issues = validate(R"({"resourceType":"MedicationRequest","status":"active",
      "intent":"order","subject":{"reference":"Patient/p1"}})");
  EXPECT_THAT(issues, ElementsAre(error("required", "MedicationRequest.medication[x]")));
}

TEST(Validator, UnknownElementIsAStructureError) {
  const auto issues = validate(R"({"resourceType":"Patient","nickname":"Mimi"})");
  ASSERT_THAT(issues, ElementsAre(error("structure", "Patient.nickname")));
  EXPECT_THAT(issues[0].diagnostics, HasSubstr("unknown element"));
}

TEST(Validator, WrongChoiceTypeSuffixIsAnUnknownElement) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","deceasedString":"yes"})"),
              ElementsAre(error("structure", "Patient.deceasedString")));
  EXPECT_THAT(validate(R"({"resourceType":"Patient","deceasedBoolean":false})"), IsEmpty());
}

TEST(Validator, TwoTypesOfOneChoiceElementAreRejected) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","deceasedBoolean":true,
                           "deceasedDateTime":"2020-01-01"})"),
              ElementsAre(error("structure", "Patient.deceasedDateTime")));
}

TEST(Validator, ResourceTypeMustBeAConcreteR4Type) {
  EXPECT_THAT(validate(R"({"resourceType":"Patientt"})"),
              ElementsAre(error("invalid", "resourceType")));
  EXPECT_THAT(validate(R"({"resourceType":"DomainResource"})"),
              ElementsAre(error("invalid", "resourceType")));
  EXPECT_THAT(validate(R"({"id":"x"})"), ElementsAre(error("required", "resourceType")));
  EXPECT_THAT(validate(R"([])"), ElementsAre(error("structure", "")));
}

TEST(Validator, ResourceTypeInsideAnElementIsUnknown) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","name":[{"resourceType":"X","text":"a"}]})"),
              ElementsAre(error("structure", "Patient.name[0].resourceType")));
}

// ---- primitive formats ----

TEST(Validator, BadDateIsAValueError) {
  const std::string json =
      replaced(readData("patient-fr-core-ins.json"), "\"1979-03-12\"", "\"12/03/1979\"");
  const auto issues = validate(json);
  ASSERT_THAT(issues, ElementsAre(error("value", "Patient.birthDate")));
  EXPECT_THAT(issues[0].diagnostics, HasSubstr("YYYY-MM-DD"));
}

TEST(Validator, DateThatDoesNotExistIsAValueError) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","birthDate":"1979-02-29"})"),
              ElementsAre(error("value", "Patient.birthDate")));
  EXPECT_THAT(validate(R"({"resourceType":"Patient","birthDate":"1980-02-29"})"), IsEmpty());
}

TEST(Validator, BadIdIsAValueError) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","id":"pat_1"})"),
              ElementsAre(error("value", "Patient.id")));
  EXPECT_THAT(validate(R"({"resourceType":"Patient","id":")" + std::string(65, 'a') + "\"}"),
              ElementsAre(error("value", "Patient.id")));
}

TEST(Validator, InstantNeedsSecondsAndATimeZone) {
  EXPECT_THAT(validate(R"({"resourceType":"Provenance","target":[{"reference":"Patient/p"}],
      "recorded":"2026-11-20T08:52:00","agent":[{"who":{"display":"x"}}]})"),
              ElementsAre(error("value", "Provenance.recorded")));
}

TEST(Validator, DateTimeWithTimeNeedsATimeZone) {
  EXPECT_THAT(validate(R"({"resourceType":"Encounter","status":"finished",
      "class":{"code":"VR"},"period":{"start":"2026-11-20T09:30:00"}})"),
              ElementsAre(error("value", "Encounter.period.start")));
}

TEST(Validator, EmptyStringIsRejected) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","name":[{"family":""}]})"),
              ElementsAre(error("value", "Patient.name[0].family")));
}

TEST(Validator, CodeWithSurroundingWhitespaceIsRejected) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","language":" fr"})"),
              ElementsAre(error("value", "Patient.language")));
}

TEST(Validator, InvalidBase64IsRejected) {
  EXPECT_THAT(validate(R"({"resourceType":"Binary","contentType":"text/plain","data":"abc"})"),
              ElementsAre(error("value", "Binary.data")));
  EXPECT_THAT(validate(R"({"resourceType":"Binary","contentType":"text/plain","data":"ab/+"})"),
              IsEmpty());
}

TEST(Validator, IntegerOutOfRangeIsRejected) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","multipleBirthInteger":2147483648})"),
              ElementsAre(error("value", "Patient.multipleBirthInteger")));
  EXPECT_THAT(validate(R"({"resourceType":"Patient","multipleBirthInteger":2147483647})"),
              IsEmpty());
  EXPECT_THAT(validate(R"({"resourceType":"Patient","multipleBirthInteger":2.0})"),
              ElementsAre(error("value", "Patient.multipleBirthInteger")));
}

TEST(Validator, NarrativeMustBeAnXhtmlDiv) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","text":{"status":"generated",
      "div":"<p>hello</p>"}})"),
              ElementsAre(error("value", "Patient.text.div")));
}

// ---- JSON numbers versus strings ----

TEST(Validator, NumberWhereAStringBelongsIsRejected) {
  const std::string json =
      replaced(readData("patient-fr-core-ins.json"), "\"1979-03-12\"", "19790312");
  const auto issues = validate(json);
  ASSERT_THAT(issues, ElementsAre(error("structure", "Patient.birthDate")));
  EXPECT_THAT(issues[0].diagnostics, HasSubstr("not a number"));
}

TEST(Validator, StringWhereANumberBelongsIsRejected) {
  const auto issues = validate(R"({"resourceType":"Patient","extension":[
      {"url":"http://example.org/n","valueInteger":"5"}]})");
  ASSERT_THAT(issues, ElementsAre(error("structure", "Patient.extension[0].valueInteger")));
  EXPECT_THAT(issues[0].diagnostics, HasSubstr("not a string"));
}

TEST(Validator, BooleanAsStringIsRejected) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","active":"true"})"),
              ElementsAre(error("structure", "Patient.active")));
}

TEST(Validator, DecimalWrittenAsANumberKeepsItsDigits) {
  const std::string json = R"({"resourceType":"ChargeItem","status":"billable",
      "code":{"text":"TCG"},"subject":{"reference":"Patient/p"},
      "priceOverride":{"value":25.00,"currency":"EUR"}})";
  EXPECT_THAT(validate(json), IsEmpty());
  EXPECT_THAT(validate(replaced(json, "25.00", "\"25.00\"")),
              ElementsAre(error("structure", "ChargeItem.priceOverride.value")));
}

TEST(Validator, DigitsAsStringsModeChecksOnlyTheLexicalForm) {
  // A document's root() alone cannot tell 5 from "5": only the lexical form is checked.
  auto doc = common::parseJson(R"({"resourceType":"Patient","extension":[
      {"url":"http://example.org/n","valueInteger":"5"},
      {"url":"http://example.org/m","valueInteger":"5.5"}]})");
  ASSERT_TRUE(doc.hasValue());
  EXPECT_THAT(validator().validate(doc->root(), NumberEncoding::kDigitsAsStrings),
              ElementsAre(error("value", "Patient.extension[1].valueInteger")));
}

TEST(Validator, TextThatIsNotJsonIsAStatusNotAnIssue) {
  auto result = validator().validateText("{\"resourceType\":");
  ASSERT_FALSE(result.hasValue());
  EXPECT_EQ(result.error().code(), common::StatusCode::kInvalidArgument);
}

// ---- cardinality and JSON shape ----

TEST(Validator, ArrayWhereMaxIsOneIsRejected) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","gender":["female"]})"),
              ElementsAre(error("structure", "Patient.gender")));
  EXPECT_THAT(validate(R"({"resourceType":"Patient","maritalStatus":[{"text":"x"}]})"),
              ElementsAre(error("structure", "Patient.maritalStatus")));
}

TEST(Validator, ObjectWhereAnArrayBelongsIsRejected) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","name":{"family":"DURAND"}})"),
              ElementsAre(error("structure", "Patient.name")));
}

TEST(Validator, ElementWithMaxZeroInAProfiledTypeIsRejected) {
  // Dosage.doseAndRate.doseQuantity is a SimpleQuantity, whose comparator has max 0.
  EXPECT_THAT(validate(R"({"resourceType":"MedicationRequest","status":"active","intent":"order",
      "medicationCodeableConcept":{"text":"x"},"subject":{"reference":"Patient/p"},
      "dosageInstruction":[{"doseAndRate":[{"doseQuantity":{"value":1,"comparator":"<"}}]}]})"),
              ElementsAre(error("structure",
                                "MedicationRequest.dosageInstruction[0].doseAndRate[0]."
                                "doseQuantity.comparator")));
}

TEST(Validator, EmptyArraysObjectsAndNullsAreRejected) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","name":[]})"),
              ElementsAre(error("structure", "Patient.name")));
  EXPECT_THAT(validate(R"({"resourceType":"Patient","maritalStatus":{}})"),
              ElementsAre(error("invariant", "Patient.maritalStatus")));
  EXPECT_THAT(validate(R"({"resourceType":"Patient","gender":null})"),
              ElementsAre(error("structure", "Patient.gender")));
}

TEST(Validator, DuplicatePropertyIsRejected) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","gender":"male","gender":"female"})"),
              ElementsAre(error("structure", "Patient.gender")));
}

// ---- primitive extensions ----

TEST(Validator, PrimitiveExtensionIsValidatedAsAnElement) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","birthDate":"1979-03-12",
      "_birthDate":{"extension":[{"url":"http://example.org/x","valueFoo":"1"}]}})"),
              ElementsAre(error("structure", "Patient.birthDate.extension[0].valueFoo")));
}

TEST(Validator, ExtensionAloneSatisfiesARequiredPrimitive) {
  EXPECT_THAT(validate(R"({"resourceType":"Encounter","_status":{"extension":[
      {"url":"http://hl7.org/fhir/StructureDefinition/data-absent-reason","valueCode":"unknown"}]},
      "class":{"code":"VR"}})"),
              IsEmpty());
}

TEST(Validator, NullInAPrimitiveArrayNeedsAnExtension) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","name":[{"given":[null,"Claire"]}]})"),
              ElementsAre(error("structure", "Patient.name[0].given[0]")));
  EXPECT_THAT(validate(R"({"resourceType":"Patient","name":[{"given":["Marie","Claire"],
      "_given":[null]}]})"),
              ElementsAre(error("structure", "Patient.name[0].given")));
}

TEST(Validator, UnderscoreOnAComplexElementIsUnknown) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","_name":{"id":"x"}})"),
              ElementsAre(error("structure", "Patient._name")));
}

// ---- bindings ----

TEST(Validator, CodeOutsideARequiredBindingIsCodeInvalid) {
  const std::string json =
      replaced(readData("patient-fr-core-ins.json"), "\"female\"", "\"femme\"");
  const auto issues = validate(json);
  ASSERT_THAT(issues, ElementsAre(error("code-invalid", "Patient.gender")));
  EXPECT_THAT(issues[0].diagnostics, HasSubstr("administrative-gender"));
}

TEST(Validator, CodeableConceptOutsideARequiredBindingIsCodeInvalid) {
  const std::string base = R"({"resourceType":"Condition","subject":{"reference":"Patient/p"},
      "clinicalStatus":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/condition-clinical",
      "code":"CODE"}]}})";
  EXPECT_THAT(validate(replaced(base, "CODE", "active")), IsEmpty());
  EXPECT_THAT(validate(replaced(base, "CODE", "ongoing")),
              ElementsAre(error("code-invalid", "Condition.clinicalStatus")));
}

TEST(Validator, BundleTypeOutsideItsValueSetIsCodeInvalid) {
  EXPECT_THAT(validate(R"({"resourceType":"Bundle","type":"bag"})"),
              ElementsAre(error("code-invalid", "Bundle.type")));
}

// ---- references ----

TEST(Validator, ReferenceToATypeTheElementDoesNotAllowIsRejected) {
  const std::string json =
      replaced(readData("encounter-fr-core.json"), "\"Patient/5f0c6a3e", "\"Practitioner/5f0c6a3e");
  EXPECT_THAT(validate(json), ElementsAre(error("value", "Encounter.subject.reference")));
}

TEST(Validator, MalformedReferenceIsRejected) {
  EXPECT_THAT(validate(R"({"resourceType":"Encounter","status":"finished","class":{"code":"VR"},
      "subject":{"reference":"Patient 12"}})"),
              ElementsAre(error("value", "Encounter.subject.reference")));
  for (const char* ok :
       {"Patient/12", "Patient/12/_history/3", "urn:uuid:0b9d4a5e-6f1c-5d2a-8e3b-4c5d6e7f8a9b",
        "https://example.org/fhir/Patient/12", "Patient?identifier=urn:oid:1.2|123"}) {
    const std::string json =
        R"({"resourceType":"Encounter","status":"finished","class":{"code":"VR"},
        "subject":{"reference":")" +
        std::string(ok) + "\"}}";
    EXPECT_THAT(validate(json), IsEmpty()) << ok;
  }
}

// What the validator makes of each shape of literal reference (fhir::parseLiteralReference
// splits them; the bundle writers key the same texts by their own, looser rule).
TEST(Validator, ReferenceShapesRefusedAndLeftAlone) {
  const auto withSubject = [](std::string_view reference) {
    return R"({"resourceType":"Encounter","status":"finished","class":{"code":"VR"},
        "subject":{"reference":")" +
           std::string(reference) + "\"}}";
  };
  for (const char* bad :
       {"a/Patient/1", "/Patient/1", "Patient/1/_history/v!", "Patient/1/_history/",
        "https://h.example/fhir/Patient/1/_history/v!", "https://h.example/page/_history/v!",
        "Foo/1", "patient/1", "Patient/", "Patient/1?x", "?identifier=x", "Foo?identifier=x",
        "a/Patient?identifier=x", "nothing", "urn:uuid:abc", "urn:oid:1.2/Patient/1",
        "Patient/1/_history/2/_history/3"}) {
    EXPECT_THAT(validate(withSubject(bad)),
                ElementsAre(error("value", "Encounter.subject.reference")))
        << bad;
  }
  // Absolute URLs not shaped like a FHIR REST one are left alone, as are unknown types there.
  for (const char* ok :
       {"https://h.example/some/page", "https://h.example/fhir/Foo/1",
        "https://h.example/fhir/Patient?identifier=x", "https://h.example/fhir/Patient/1/",
        "urn:oid:1.2.250.1.71", "Patient?", "Patient?identifier=a/Practitioner/c", "#"}) {
    EXPECT_THAT(validate(withSubject(ok)), IsEmpty()) << ok;
  }
}

TEST(Validator, LocalReferenceNeedsAContainedResource) {
  const std::string base = R"({"resourceType":"Encounter","status":"finished","class":{"code":"VR"},
      "contained":[{"resourceType":"Patient","id":"p1"}],"subject":{"reference":"#REF"}})";
  EXPECT_THAT(validate(replaced(base, "REF", "p1")), IsEmpty());
  EXPECT_THAT(validate(replaced(base, "REF", "p2")),
              ElementsAre(error("invariant", "Encounter.subject.reference")));
}

TEST(Validator, ContainedResourceIsValidatedWithItsLocation) {
  EXPECT_THAT(validate(R"({"resourceType":"Encounter","status":"finished","class":{"code":"VR"},
      "contained":[{"resourceType":"Patient","id":"p1","birthDate":"1979-3-12"}],
      "subject":{"reference":"#p1"}})"),
              ElementsAre(error("value", "Encounter.contained[0].birthDate")));
}

TEST(Validator, ContainedResourceMustNotContainResources) {
  EXPECT_THAT(validate(R"({"resourceType":"Encounter","status":"finished","class":{"code":"VR"},
      "contained":[{"resourceType":"Patient","id":"p1",
        "contained":[{"resourceType":"Patient","id":"p2"}]}]})"),
              ElementsAre(error("invariant", "Encounter.contained[0]")));
}

// ---- Bundle ----

TEST(Validator, BundleEntryIssuesCarryTheFullLocation) {
  std::string json = readData("bundle-teleconsultation.json");
  json = replaced(json, "\"birthDate\": \"1979-03-12\"", "\"birthDate\": \"1979-03-32\"");
  json = replaced(json, "\"status\": \"billable\"", "\"status\": \"facture\"");
  EXPECT_THAT(validate(json),
              ElementsAre(error("value", "Bundle.entry[0].resource.birthDate"),
                          error("code-invalid", "Bundle.entry[6].resource.status")));
}

TEST(Validator, UnknownElementDeepInABundleHasItsPath) {
  std::string json = readData("bundle-teleconsultation.json");
  json = replaced(json, "\"family\": \"MARTIN\"", "\"family\": \"MARTIN\", \"surname\": \"X\"");
  EXPECT_THAT(validate(json),
              ElementsAre(error("structure", "Bundle.entry[1].resource.name[0].surname")));
}

TEST(Validator, TransactionEntriesNeedARequest) {
  EXPECT_THAT(validate(R"({"resourceType":"Bundle","type":"transaction","entry":[
      {"fullUrl":"urn:uuid:0b9d4a5e-6f1c-5d2a-8e3b-4c5d6e7f8a9b",
       "resource":{"resourceType":"Binary","contentType":"text/plain"}}]})"),
              ElementsAre(error("invariant", "Bundle.entry[0]")));
}

TEST(Validator, DuplicateFullUrlIsRejected) {
  EXPECT_THAT(validate(R"({"resourceType":"Bundle","type":"collection","entry":[
      {"fullUrl":"urn:uuid:0b9d4a5e-6f1c-5d2a-8e3b-4c5d6e7f8a9b","resource":{"resourceType":"Basic","code":{"text":"a"}}},
      {"fullUrl":"urn:uuid:0b9d4a5e-6f1c-5d2a-8e3b-4c5d6e7f8a9b","resource":{"resourceType":"Basic","code":{"text":"b"}}}]})"),
              ElementsAre(error("invariant", "Bundle.entry[1]")));
}

TEST(Validator, FullUrlMustEndWithTheResourceTypeAndId) {
  EXPECT_THAT(validate(R"({"resourceType":"Bundle","type":"collection","entry":[
      {"fullUrl":"https://example.org/fhir/Patient/a","resource":{"resourceType":"Patient","id":"b"}}]})"),
              ElementsAre(error("invalid", "Bundle.entry[0].fullUrl")));
}

TEST(Validator, DocumentBundleNeedsACompositionFirst) {
  EXPECT_THAT(validate(R"({"resourceType":"Bundle","type":"document",
      "identifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:0b9d4a5e-6f1c-5d2a-8e3b-4c5d6e7f8a9b"},
      "timestamp":"2026-11-20T08:52:00Z",
      "entry":[{"fullUrl":"urn:uuid:1b9d4a5e-6f1c-5d2a-8e3b-4c5d6e7f8a9b",
                "resource":{"resourceType":"Patient"}}]})"),
              ElementsAre(error("invariant", "Bundle.entry[0]")));
}

// ---- invariants ----

TEST(Validator, ExtensionWithBothValueAndExtensionsViolatesExt1) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","extension":[{"url":"http://example.org/x",
      "valueString":"a","extension":[{"url":"y","valueString":"b"}]}]})"),
              ElementsAre(error("invariant", "Patient.extension[0]")));
}

TEST(Validator, PeriodEndingBeforeItStartsViolatesPer1) {
  const std::string json =
      replaced(readData("encounter-fr-core.json"), "\"end\": \"2026-11-20T09:45:00+01:00\"",
               "\"end\": \"2026-11-20T08:15:00Z\"");
  EXPECT_THAT(validate(json), ElementsAre(error("invariant", "Encounter.period")));
  // Same instant written in two time zones: not before.
  EXPECT_THAT(validate(replaced(readData("encounter-fr-core.json"),
                                "\"end\": \"2026-11-20T09:45:00+01:00\"",
                                "\"end\": \"2026-11-20T08:30:00Z\"")),
              IsEmpty());
}

TEST(Validator, ConsentWithoutPolicyViolatesPpc1) {
  const std::string base = R"({"resourceType":"Consent","status":"active",
      "scope":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/consentscope","code":"treatment"}]},
      "category":[{"coding":[{"system":"http://loinc.org","code":"59284-0"}]}],
      "patient":{"reference":"Patient/p"},
      "policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]}})";
  EXPECT_THAT(validate(base), IsEmpty());
  const std::string noPolicy = replaced(base, R"(,
      "policyRule":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/v3-ActCode","code":"OPTIN"}]})",
                                        "");
  const auto issues = validate(noPolicy);
  ASSERT_THAT(issues, ElementsAre(error("invariant", "Consent")));
  EXPECT_THAT(issues[0].diagnostics, StartsWith("ppc-1"));
  const auto noPatient = validate(replaced(base, R"("patient":{"reference":"Patient/p"},)", ""));
  ASSERT_THAT(noPatient, ElementsAre(error("invariant", "Consent")));
  EXPECT_THAT(noPatient[0].diagnostics, StartsWith("ppc-5"));
}

TEST(Validator, UnitCodeWithoutSystemViolatesQty3) {
  EXPECT_THAT(validate(R"({"resourceType":"Patient","extension":[{"url":"http://example.org/age",
      "valueAge":{"value":3,"code":"a"}}]})"),
              ElementsAre(error("invariant", "Patient.extension[0].valueAge")));
}

// ---- profiles ----

TEST(Validator, FrCoreEncounterRequiresAnIdentifier) {
  const std::string json = replaced(readData("encounter-fr-core.json"),
                                    R"("identifier": [
    {
      "system": "https://fhir-gateway.fr/fhir/sid/teleconsultation",
      "value": "LGC-2026-000123"
    }
  ],)",
                                    "");
  const auto issues = validate(json);
  ASSERT_THAT(issues, ElementsAre(error("required", "Encounter.identifier")));
  EXPECT_THAT(issues[0].diagnostics, StartsWith("fr-core-encounter"));
}

TEST(Validator, FrCorePatientInsRequiresAnInsIdentifier) {
  const std::string json = replaced(readData("patient-fr-core-ins.json"),
                                    "urn:oid:1.2.250.1.213.1.4.8", "urn:oid:1.2.250.1.213.1.4.99");
  const auto issues = validate(json);
  ASSERT_THAT(issues, ElementsAre(error("required", "Patient.identifier")));
  EXPECT_THAT(issues[0].diagnostics, StartsWith("fr-core-patient-ins"));
}

TEST(Validator, FrCorePatientInsRejectsAWrongNirKey) {
  const std::string json =
      replaced(readData("patient-fr-core-ins.json"), "\"279035121518989\"", "\"279035121518988\"");
  EXPECT_THAT(validate(json), ElementsAre(error("value", "Patient.identifier[0].value")));
}

TEST(Validator, FrCorePatientInsChecksTheKeyOfTestAndDemonstrationNirs) {
  const std::string valid = readData("patient-fr-core-ins.json");
  const std::string wrongKey = replaced(valid, "\"279035121518989\"", "\"279035121518988\"");
  for (const char* system : {"urn:oid:1.2.250.1.213.1.4.10", "urn:oid:1.2.250.1.213.1.4.11"}) {
    EXPECT_THAT(validate(replaced(valid, "urn:oid:1.2.250.1.213.1.4.8", system)), IsEmpty())
        << system;
    EXPECT_THAT(validate(replaced(wrongKey, "urn:oid:1.2.250.1.213.1.4.8", system)),
                ElementsAre(error("value", "Patient.identifier[0].value")))
        << system;
  }
  // A NIA has no key to check.
  EXPECT_THAT(
      validate(replaced(wrongKey, "urn:oid:1.2.250.1.213.1.4.8", "urn:oid:1.2.250.1.213.1.4.9")),
      IsEmpty());
}

TEST(Validator, FrCorePractitionerRejectsAWrongRppsKey) {
  std::string json = readData("bundle-teleconsultation.json");
  json = replaced(json, "\"810003456786\"", "\"810003456787\"");
  EXPECT_THAT(validate(json),
              ElementsAre(error("value", "Bundle.entry[1].resource.identifier[0].value")));
}

TEST(Validator, UncheckedProfileIsReportedAsInformation) {
  EXPECT_THAT(
      validate(R"({"resourceType":"Patient","meta":{"profile":[
      "http://example.org/StructureDefinition/other"]}})"),
      ElementsAre(issue(IssueSeverity::kInformation, "informational", "Patient.meta.profile[0]")));
  Validator quiet(ValidatorOptions{.reportUncheckedProfiles = false});
  auto doc =
      common::parseJson(R"({"resourceType":"Patient","meta":{"profile":["http://x.org/p"]}})");
  ASSERT_TRUE(doc.hasValue());
  EXPECT_THAT(quiet.validate(*doc), IsEmpty());
}

/// A project profile: every Organization needs a name.
class NamedOrganization final : public ProfileCheck {
 public:
  std::string_view name() const override { return "named-organization"; }
  void check(const rapidjson::Value& r, ProfileIssues& issues) const override {
    if (!r.HasMember("name")) issues.error("required", "name", "a name is required", "Nom absent.");
  }
};

TEST(Validator, RegisteredProfileCheckRunsOnResourcesThatClaimIt) {
  Validator v;
  v.registerProfile("http://example.org/named-organization", std::make_unique<NamedOrganization>());
  auto text = R"({"resourceType":"Bundle","type":"collection","entry":[
      {"resource":{"resourceType":"Organization",
        "meta":{"profile":["http://example.org/named-organization|1.0"]}}}]})";
  auto issues = v.validateText(text);
  ASSERT_TRUE(issues.hasValue());
  ASSERT_THAT(*issues, ElementsAre(error("required", "Bundle.entry[0].resource.name")));
  EXPECT_EQ((*issues)[0].diagnostics, "named-organization: a name is required");
}

TEST(Validator, KnowsTheR4ResourceTypes) {
  EXPECT_TRUE(Validator::isResourceType("Patient"));
  EXPECT_TRUE(Validator::isResourceType("ChargeItem"));
  EXPECT_FALSE(Validator::isResourceType("Resource"));
  EXPECT_FALSE(Validator::isResourceType("SubscriptionStatus"));  // R4B, not R4
  EXPECT_FALSE(Validator::isResourceType("patient"));
}

}  // namespace
}  // namespace fhirgw::fhir
