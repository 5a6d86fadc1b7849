#include "fhirgw/domain/body_parser.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhirgw/testsupport/domain_fixtures.hpp"

namespace fhirgw::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testsupport::json;
using testsupport::readSourceFile;

std::vector<std::string> expressions(const std::vector<fhir::Issue>& issues) {
  std::vector<std::string> out;
  for (const fhir::Issue& i : issues) out.push_back(i.expression);
  return out;
}

/// The minimal example with one member replaced (or added) by raw JSON text; objects on the
/// way are created. The value is spliced in as text so that its numbers stay JSON numbers.
TeleconsultationParse parseWith(std::string_view dottedPath, std::string_view valueJson) {
  common::JsonDocument doc = json(readSourceFile("examples/teleconsultation-minimal.json"));
  rapidjson::Document& d = doc.document();
  auto& alloc = d.GetAllocator();
  rapidjson::Value* node = &d;
  std::string_view rest = dottedPath;
  while (true) {
    const auto dot = rest.find('.');
    const std::string key(rest.substr(0, dot));
    if (dot == std::string_view::npos) {
      node->RemoveMember(key.c_str());
      node->AddMember(rapidjson::Value(key.c_str(), alloc), rapidjson::Value("@@VALUE@@"), alloc);
      break;
    }
    if (!node->HasMember(key.c_str())) {
      node->AddMember(rapidjson::Value(key.c_str(), alloc),
                      rapidjson::Value(rapidjson::kObjectType), alloc);
    }
    node = &(*node)[key.c_str()];
    rest = rest.substr(dot + 1);
  }
  std::string text = common::toJsonString(d);  // the minimal example has no numbers
  text.replace(text.find("\"@@VALUE@@\""), 11, valueJson);
  return parseTeleconsultation(json(text));
}

// ---- the examples ----------------------------------------------------------------------------

TEST(BodyParser, FullExampleParsesWithoutAnyIssue) {
  const auto doc = json(readSourceFile("examples/teleconsultation-full.json"));
  const TeleconsultationParse p = parseTeleconsultation(doc);
  EXPECT_THAT(p.typeErrors, IsEmpty());
  EXPECT_THAT(expressions(p.issues), IsEmpty());

  const Teleconsultation& t = p.record;
  EXPECT_EQ(t.externalId, "LGC-2026-000123");
  ASSERT_TRUE(t.patient.ins);
  EXPECT_EQ(t.patient.ins->value, "279035121518989");
  EXPECT_EQ(t.patient.ins->status.value, InsStatus::kQualified);
  EXPECT_THAT(t.patient.given, ElementsAre("Marie", "Claire"));
  EXPECT_EQ(t.patient.birthDate.value, fhir::Date::parse("1979-03-12"));
  EXPECT_EQ(t.patient.gender.value, Gender::kFemale);
  EXPECT_EQ(t.patient.address->postalCode, "51100");
  EXPECT_TRUE(t.patient.dmpConsent);
  EXPECT_EQ(t.practitioner.relationToPatient, Relation::kOther);
  EXPECT_EQ(t.practitioner.organization->facilityType, "SA07");
  EXPECT_EQ(t.practitioner.organization->siret, "73282932000017");
  ASSERT_TRUE(t.treatingPhysician);
  EXPECT_EQ(t.treatingPhysician->rpps, "10101234564");
  EXPECT_EQ(t.encounter.start.text, "2026-11-20T09:30:00+01:00");
  EXPECT_EQ(t.encounter.start.value->offsetMinutes, 60);
  EXPECT_EQ(t.encounterDate(), fhir::Date::parse("2026-11-20"));
  EXPECT_EQ(t.encounter.orientation.value, Orientation::kTreatingPhysician);
  EXPECT_TRUE(t.encounter.territorialOrganisation);
  EXPECT_EQ(t.encounter.patientLocation->kind, PatientLocationKind::kHome);
  ASSERT_TRUE(t.billing);
  EXPECT_EQ(t.billing->amount.text, "25.00");
  EXPECT_EQ(t.billing->thirdPartyPayment, ThirdPartyPayment::kAmo);

  ASSERT_EQ(t.documents.size(), 3u);
  const auto& report = std::get<Report>(t.documents[0]);
  EXPECT_EQ(report.content->contentType.value, ContentType::kTextPlain);
  ASSERT_TRUE(report.content->bytes);
  EXPECT_EQ(report.content->bytes->rfind("Compte rendu", 0), 0u);
  EXPECT_EQ(report.recipients.patient, false);
  const auto& presc = std::get<Prescription>(t.documents[1]);
  ASSERT_EQ(presc.items.size(), 1u);
  EXPECT_EQ(presc.items[0].durationDays, 5);
  EXPECT_EQ(presc.items[0].quantity->text(), "1");
  EXPECT_EQ(presc.items[0].medication->system.value, MedicationSystem::kCip13);
  EXPECT_EQ(presc.content->bytes->rfind("%PDF-", 0), 0u);
  const auto& leave = std::get<SickLeave>(t.documents[2]);
  EXPECT_EQ(leave.type.value, SickLeaveType::kInitial);
  EXPECT_EQ(leave.end.value, fhir::Date::parse("2026-11-22"));
  EXPECT_EQ(documentKind(t.documents[2]), "sick-leave");
}

TEST(BodyParser, MinimalExampleParsesWithoutAnyIssue) {
  const auto doc = json(readSourceFile("examples/teleconsultation-minimal.json"));
  const TeleconsultationParse p = parseTeleconsultation(doc);
  EXPECT_THAT(p.typeErrors, IsEmpty());
  EXPECT_THAT(expressions(p.issues), IsEmpty());
  EXPECT_FALSE(p.record.patient.ins);
  EXPECT_FALSE(p.record.treatingPhysician);
  EXPECT_FALSE(p.record.billing);
  EXPECT_EQ(p.record.patient.residence, Residence::kHome);
  EXPECT_TRUE(p.record.practitionerIsTreatingPhysician());
  EXPECT_FALSE(p.record.noTreatingPhysicianDeclared());
}

TEST(BodyParser, SickLeaveProlongationExampleParsesAsADocument) {
  const auto doc = json(readSourceFile("examples/document-sick-leave-prolongation.json"));
  const DocumentParse p = parseDocument(doc);
  EXPECT_THAT(p.typeErrors, IsEmpty());
  EXPECT_THAT(expressions(p.issues), IsEmpty());
  const auto& leave = std::get<SickLeave>(p.record);
  EXPECT_EQ(leave.externalId, "LGC-2026-000200-AAT");
  EXPECT_EQ(leave.type.value, SickLeaveType::kProlongation);
  EXPECT_EQ(leave.ongoingLeaveStart.value, fhir::Date::parse("2026-11-20"));
  EXPECT_EQ(leave.inPersonImpossible->justified, true);
}

TEST(BodyParser, PractitionerSectorAndAbroadFlagAreRead) {
  TeleconsultationParse p = parseWith("practitioner.conventionSector", R"("2-optam")");
  EXPECT_THAT(expressions(p.issues), IsEmpty());
  EXPECT_EQ(p.record.practitioner.conventionSector, ConventionSector::kSector2Optam);
  EXPECT_FALSE(p.record.practitioner.practisesMainlyAbroad);
  p = parseWith("practitioner.practisesMainlyAbroad", "true");
  EXPECT_THAT(expressions(p.issues), IsEmpty());
  EXPECT_TRUE(p.record.practitioner.practisesMainlyAbroad);
  EXPECT_EQ(p.record.practitioner.conventionSector, std::nullopt);
  for (const char* sector : {"1", "2", "non-conventioned"}) {
    p = parseWith("practitioner.conventionSector", "\"" + std::string(sector) + "\"");
    EXPECT_THAT(expressions(p.issues), IsEmpty()) << sector;
    ASSERT_TRUE(p.record.practitioner.conventionSector) << sector;
    EXPECT_EQ(code(*p.record.practitioner.conventionSector), sector);
  }
}

TEST(BodyParser, UnlistedSectorIsAValueErrorAndWrongTypesAreTypeErrors) {
  TeleconsultationParse p = parseWith("practitioner.conventionSector", R"("3")");
  EXPECT_THAT(expressions(p.issues), ElementsAre("practitioner.conventionSector"));
  EXPECT_EQ(p.issues[0].code, "value");
  p = parseWith("practitioner.conventionSector", "1");
  EXPECT_THAT(expressions(p.typeErrors), ElementsAre("practitioner.conventionSector"));
  p = parseWith("practitioner.practisesMainlyAbroad", R"("yes")");
  EXPECT_THAT(expressions(p.typeErrors), ElementsAre("practitioner.practisesMainlyAbroad"));
}

TEST(BodyParser, DurationJustificationIsFreeTextOfASickLeave) {
  const auto doc = json(R"({"kind": "sick-leave", "type": "initial", "start": "2026-11-21",
      "end": "2026-12-31", "durationJustification": "Suites opératoires.\nReprise en janvier."})");
  DocumentParse p = parseDocument(doc);
  EXPECT_THAT(expressions(p.issues), IsEmpty());
  EXPECT_EQ(std::get<SickLeave>(p.record).durationJustification,
            "Suites opératoires.\nReprise en janvier.");
  const auto blank = json(R"({"kind": "sick-leave", "type": "initial", "start": "2026-11-21",
      "end": "2026-12-31", "durationJustification": "  "})");
  p = parseDocument(blank);
  EXPECT_THAT(expressions(p.issues), IsEmpty());  // blank: AAT-DURATION-CAP decides
  const auto number = json(R"({"kind": "sick-leave", "type": "initial", "start": "2026-11-21",
      "end": "2026-12-31", "durationJustification": 3})");
  EXPECT_THAT(expressions(parseDocument(number).typeErrors), ElementsAre("durationJustification"));
  const auto tooLong = json(R"({"kind": "sick-leave", "type": "initial", "start": "2026-11-21",
      "end": "2026-12-31", "durationJustification": ")" +
                            std::string(kMaxFreeTextBytes + 1, 'j') + "\"}");
  p = parseDocument(tooLong);
  EXPECT_THAT(expressions(p.issues), ElementsAre("durationJustification"));
  EXPECT_EQ(p.issues[0].code, "too-long");
}

// ---- JSON type errors (400) ------------------------------------------------------------------

TEST(BodyParser, BodyThatIsNotAnObjectIsATypeError) {
  const TeleconsultationParse p = parseTeleconsultation(json("[1, 2]"));
  ASSERT_EQ(p.typeErrors.size(), 1u);
  EXPECT_TRUE(p.malformed());
  EXPECT_EQ(p.typeErrors[0].code, "structure");
}

TEST(BodyParser, StringWhereAnObjectIsExpectedIsATypeErrorWithItsPath) {
  const auto p = parseWith("patient", R"("BERNARD Luc")");
  EXPECT_THAT(expressions(p.typeErrors), ElementsAre("patient"));
  EXPECT_EQ(p.typeErrors[0].severity, fhir::IssueSeverity::kError);
  EXPECT_EQ(p.typeErrors[0].diagnostics, "expected an object, got a string");
}

TEST(BodyParser, NumberWhereAStringIsExpectedIsATypeError) {
  const auto p = parseWith("practitioner.rpps", "10000012343");
  EXPECT_THAT(expressions(p.typeErrors), ElementsAre("practitioner.rpps"));
  EXPECT_EQ(p.typeErrors[0].diagnostics, "expected a string, got a number");
  EXPECT_THAT(expressions(parseWith("patient.address.postalCode", "69003").typeErrors),
              ElementsAre("patient.address.postalCode"));
}

TEST(BodyParser, StringWhereABooleanIsExpectedIsATypeError) {
  EXPECT_THAT(expressions(parseWith("patient.dmpConsent", R"("false")").typeErrors),
              ElementsAre("patient.dmpConsent"));
  EXPECT_THAT(expressions(parseWith("encounter.consent.obtained", "1").typeErrors),
              ElementsAre("encounter.consent.obtained"));
}

TEST(BodyParser, ArrayElementsAreTypedOneByOne) {
  EXPECT_THAT(expressions(parseWith("patient.given", R"(["Luc", 2, null])").typeErrors),
              ElementsAre("patient.given[1]", "patient.given[2]"));
  EXPECT_THAT(expressions(parseWith("patient.given", R"("Luc")").typeErrors),
              ElementsAre("patient.given"));
}

TEST(BodyParser, StringWhereANumberIsExpectedIsATypeError) {
  const auto p = parseWith("documents",
                           R"([{"kind": "prescription", "authoredAt": "2026-11-21T18:10:00+01:00",
           "items": [{"medication": {"system": "text", "display": "X"}, "dosage": "1/j",
                      "durationDays": "5", "quantity": true}]}])");
  EXPECT_THAT(expressions(p.typeErrors),
              ElementsAre("documents[0].items[0].durationDays", "documents[0].items[0].quantity"));
}

TEST(BodyParser, DocumentKindMissingOrUnknownIsAShapeError) {
  auto p = parseWith("documents", R"([{"title": "CR"}, {"kind": "letter"}, "report"])");
  EXPECT_THAT(expressions(p.typeErrors),
              ElementsAre("documents[0].kind", "documents[1].kind", "documents[2]"));
  EXPECT_TRUE(p.record.documents.empty());
}

TEST(BodyParser, DocumentPostedAloneHasPathsFromItsRoot) {
  const DocumentParse p = parseDocument(json(R"({"kind": "sick-leave", "start": 20261120})"));
  EXPECT_THAT(expressions(p.typeErrors), ElementsAre("start"));
  const DocumentParse q = parseDocument(json(R"({"kind": "report", "title": 3})"), "documents[4]");
  EXPECT_THAT(expressions(q.typeErrors), ElementsAre("documents[4].title"));
}

// ---- amounts and numbers ---------------------------------------------------------------------

TEST(BodyParser, AmountAsAJsonNumberKeepsItsDigits) {
  const auto p = parseWith("billing", R"({"act": "TCG", "amount": 25.00})");
  EXPECT_THAT(p.typeErrors, IsEmpty());
  ASSERT_TRUE(p.record.billing);
  EXPECT_EQ(p.record.billing->amount.text, "25.00");
  EXPECT_EQ(p.record.billing->amount.value, Decimal::parse("25"));
}

TEST(BodyParser, AmountAsABooleanIsATypeError) {
  EXPECT_THAT(expressions(parseWith("billing", R"({"act": "TCG", "amount": true})").typeErrors),
              ElementsAre("billing.amount"));
}

TEST(BodyParser, NonPositiveOrFractionalDurationIsAValueError) {
  const auto p = parseWith("documents",
                           R"([{"kind": "prescription", "authoredAt": "2026-11-21T18:10:00+01:00",
           "items": [{"medication": {"system": "text", "display": "X"}, "dosage": "1/j",
                      "durationDays": 0},
                     {"medication": {"system": "text", "display": "X"}, "dosage": "1/j",
                      "durationDays": 1.5, "quantity": -1}]}])");
  EXPECT_THAT(p.typeErrors, IsEmpty());
  EXPECT_THAT(expressions(p.issues),
              ElementsAre("documents[0].items[0].durationDays",
                          "documents[0].items[1].durationDays", "documents[0].items[1].quantity"));
}

TEST(BodyParser, ValuesBuiltInCodeUseTheirRealJsonTypes) {
  rapidjson::Document d;
  d.Parse(R"({"kind": "sick-leave", "type": "initial", "start": "2026-11-20",
              "end": "2026-11-21", "partTime": false, "reason": 42})");
  const DocumentParse p = parseDocument(common::Json::fromValue(d));
  EXPECT_THAT(expressions(p.typeErrors), ElementsAre("reason"));
}

// ---- required and value issues (422) ---------------------------------------------------------

TEST(BodyParser, MissingPatientOrPractitionerIsRequired) {
  const auto p = parseTeleconsultation(json(R"({"encounter": {}})"));
  EXPECT_THAT(p.typeErrors, IsEmpty());
  EXPECT_THAT(expressions(p.issues), ElementsAre("patient", "practitioner"));
  EXPECT_EQ(p.issues[0].code, "required");
}

TEST(BodyParser, MissingPractitionerFieldsAreRequired) {
  auto p = parseWith("practitioner",
                     R"({"rpps": "10000012343", "given": ["Linh"], "postalCode": "69007"})");
  EXPECT_THAT(expressions(p.issues), ElementsAre("practitioner.family", "practitioner.specialty",
                                                 "practitioner.relationToPatient"));
  for (const auto& i : p.issues) EXPECT_EQ(i.code, "required");
}

TEST(BodyParser, UnlistedValuesOfParserOwnedFieldsAreValueErrors) {
  auto p = parseWith("practitioner.relationToPatient", R"("colleague")");
  EXPECT_THAT(expressions(p.issues), ElementsAre("practitioner.relationToPatient"));
  EXPECT_EQ(p.issues[0].code, "value");
  p = parseWith("patient.residence", R"("hospital")");
  EXPECT_THAT(expressions(p.issues), ElementsAre("patient.residence"));
}

TEST(BodyParser, IdentityTraitsWithoutQualifiedInsAreRequiredByTheParser) {
  auto p = parseWith("patient", R"({"given": ["Luc"], "gender": "man", "birthDate": "1990-7-1"})");
  EXPECT_THAT(expressions(p.issues),
              ElementsAre("patient.family", "patient.birthDate", "patient.gender"));
}

TEST(BodyParser, IdentityTraitsWithQualifiedInsAreLeftToTheTraitsRule) {
  const auto p = parseWith("patient",
                           R"({"ins": {"value": "279035121518989", "oid": "1.2.250.1.213.1.4.8",
                  "status": "qualified"}, "gender": "other"})");
  EXPECT_THAT(expressions(p.issues), IsEmpty());
}

TEST(BodyParser, FieldsThatRulesCheckAreNotReportedByTheParser) {
  // Missing consent, unknown channel and orientation, a phone call, unknown INS OID, missing
  // dosage, bad base64: all belong to rules (TLC-*, ID-INS, PRESC-ITEMS, DOC-CONTENT).
  const auto p = parseTeleconsultation(json(R"({
    "patient": {"ins": {"value": "1", "oid": "9.9"}, "family": "B", "given": ["L"],
                "birthDate": "1990-07-01", "gender": "male"},
    "practitioner": {"family": "N", "given": ["L"], "specialty": "general-practice",
                     "relationToPatient": "other"},
    "encounter": {"start": "yesterday", "channel": "pigeon", "orientation": "friend"},
    "billing": {"act": "XYZ", "amount": "31.50", "majorations": ["MN"]},
    "documents": [
      {"kind": "prescription", "authoredAt": "2026-11-21T18:10:00+01:00",
       "items": [{"medication": {"system": "ATC"}}]},
      {"kind": "report", "title": "CR", "authoredAt": "2026-11-21T18:10:00+01:00",
       "content": {"contentType": "image/png", "data": "%%%"}},
      {"kind": "sick-leave", "type": "renewal"}
    ]})"));
  EXPECT_THAT(p.typeErrors, IsEmpty());
  EXPECT_THAT(expressions(p.issues), IsEmpty());
  const auto& report = std::get<Report>(p.record.documents[1]);
  EXPECT_FALSE(report.content->bytes);
  EXPECT_EQ(report.content->contentType.text, "image/png");
}

TEST(BodyParser, DocumentRequiredFieldsAreReportedWithTheirIndex) {
  const auto p = parseWith("documents", R"([{"kind": "sick-leave", "type": "initial",
      "start": "2026-11-21", "end": "2026-11-21"}, {"kind": "report"}])");
  EXPECT_THAT(expressions(p.issues), ElementsAre("documents[1].title", "documents[1].authoredAt"));
}

TEST(BodyParser, MalformedAuthoredAtIsAValueError) {
  const auto p = parseWith("documents", R"([{"kind": "report", "title": "CR",
      "authoredAt": "2026-11-21", "content": {"contentType": "text/plain", "data": "QQ=="}}])");
  EXPECT_THAT(expressions(p.issues), ElementsAre("documents[0].authoredAt"));
  EXPECT_EQ(p.issues[0].code, "value");
}

TEST(BodyParser, DuplicateDocumentExternalIdsAreValueErrors) {
  const auto p = parseWith("documents", R"([
      {"kind": "sick-leave", "externalId": "A", "type": "initial", "start": "2026-11-21",
       "end": "2026-11-21"},
      {"kind": "sick-leave", "externalId": "A", "type": "initial", "start": "2026-11-22",
       "end": "2026-11-22"}])");
  EXPECT_THAT(expressions(p.issues), ElementsAre("documents[1].externalId"));
}

TEST(BodyParser, BlankExternalIdAndBadMailboxAreValueErrors) {
  EXPECT_THAT(expressions(parseWith("externalId", R"("  ")").issues), ElementsAre("externalId"));
  EXPECT_THAT(expressions(parseWith("practitioner.mssanteAddress", R"("nobody")").issues),
              ElementsAre("practitioner.mssanteAddress"));
}

// ---- null, defaults and unknown fields -------------------------------------------------------

TEST(BodyParser, NullMeansAbsent) {
  const auto p = parseWith("treatingPhysician", "null");
  EXPECT_THAT(p.typeErrors, IsEmpty());
  EXPECT_FALSE(p.record.treatingPhysician);
  EXPECT_THAT(expressions(parseWith("patient.family", "null").issues),
              ElementsAre("patient.family"));
}

TEST(BodyParser, DefaultsApplyWhenOptionalFieldsAreAbsent) {
  const auto p = parseWith("practitioner.organization", R"({"name": "Cabinet"})");
  EXPECT_EQ(p.record.practitioner.organization->facilityType, "SA07");
  EXPECT_TRUE(p.record.patient.dmpConsent);
  EXPECT_FALSE(p.record.patient.priorityZone);
  EXPECT_FALSE(p.record.encounter.territorialOrganisation);
}

TEST(BodyParser, UnknownFieldsAreIgnoredWithAStructureWarning) {
  auto p = parseWith("patient.nickname", R"("Lulu")");
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].severity, fhir::IssueSeverity::kWarning);
  EXPECT_EQ(p.issues[0].code, "structure");
  EXPECT_EQ(p.issues[0].expression, "patient.nickname");
  EXPECT_FALSE(p.malformed());
  EXPECT_FALSE(fhir::hasErrors(p.issues));

  p = parseWith("documents", R"([{"kind": "sick-leave", "type": "initial", "start": "2026-11-21",
      "end": "2026-11-21", "teleconsultation": true}])");
  EXPECT_THAT(expressions(p.issues), ElementsAre("documents[0].teleconsultation"));
}

TEST(BodyParser, UnknownFieldsAreWarnedInDocumentOrderBeforeTheValuesAreRead) {
  const auto p =
      parseWith("practitioner", R"({"zeta": 1, "family": "", "given": ["Linh"], "alpha": 2,
      "specialty": "SM54", "relationToPatient": "other"})");
  EXPECT_THAT(expressions(p.issues),
              ElementsAre("practitioner.zeta", "practitioner.alpha", "practitioner.family"));
}

TEST(BodyParser, AStoredBodyWithANameGivenTwiceIsReadWithTheFirst) {
  // Bodies stored before duplicate names were refused are read again as context of a document.
  std::string text = readSourceFile("examples/teleconsultation-minimal.json");
  text.insert(1, R"("externalId": "FIRST", "externalId": "SECOND", "x": 1, "x": 2, )");
  common::JsonLimits limits;
  limits.allowDuplicateNames = true;
  auto doc = common::parseJson(text, limits);
  ASSERT_TRUE(doc);
  const TeleconsultationParse p = parseTeleconsultation(*doc);
  EXPECT_EQ(p.record.externalId, "FIRST");
  EXPECT_THAT(p.typeErrors, IsEmpty());
  EXPECT_THAT(expressions(p.issues), ElementsAre("x", "x"))
      << "an unknown name twice, warned twice";
}

TEST(BodyParser, RecipientsDefaultByDocumentKind) {
  const auto doc = json(readSourceFile("examples/teleconsultation-full.json"));
  const TeleconsultationParse p = parseTeleconsultation(doc);
  const Teleconsultation& t = p.record;
  // The report's recipients are explicit; the prescription and sick leave take the defaults.
  EXPECT_EQ(resolveRecipients(t.documents[0], false), (ResolvedRecipients{true, true, false}));
  EXPECT_EQ(resolveRecipients(t.documents[1], false), (ResolvedRecipients{true, false, true}));
  EXPECT_EQ(resolveRecipients(t.documents[2], false), (ResolvedRecipients{true, false, true}));
  Report bare;
  EXPECT_EQ(resolveRecipients(bare, false), (ResolvedRecipients{true, true, false}));
  EXPECT_EQ(resolveRecipients(bare, true), (ResolvedRecipients{true, false, false}));
}

TEST(BodyParser, TextLongerThanItsFieldLimitIsATooLongErrorAtTheBodyPath) {
  const std::string atLimit(kMaxNameBytes, 'A');
  EXPECT_THAT(expressions(parseWith("patient.family", "\"" + atLimit + "\"").issues), IsEmpty());
  const auto p = parseWith("patient.family", "\"" + atLimit + "A\"");
  ASSERT_EQ(p.issues.size(), 1u);
  EXPECT_EQ(p.issues[0].code, "too-long");
  EXPECT_EQ(p.issues[0].severity, fhir::IssueSeverity::kError);
  EXPECT_EQ(p.issues[0].expression, "patient.family");
  EXPECT_FALSE(p.malformed());  // 422, not 400: the JSON shape is right
}

TEST(BodyParser, EveryKindOfTextFieldHasALimit) {
  const std::string mib(1 << 20, 'x');
  // Names in lists, codes, identifiers, mailboxes, free text and document fields.
  EXPECT_THAT(expressions(parseWith("patient.given", R"(["Luc", ")" + mib + "\"]").issues),
              ElementsAre("patient.given[1]"));
  EXPECT_THAT(expressions(parseWith("practitioner.rpps", "\"" + mib + "\"").issues),
              ElementsAre("practitioner.rpps"));
  EXPECT_THAT(expressions(parseWith("externalId", "\"" + std::string(201, 'e') + "\"").issues),
              ElementsAre("externalId"));
  EXPECT_THAT(expressions(parseWith("documents", R"([{"kind": "sick-leave", "type": "initial",
      "start": "2026-11-21", "end": "2026-11-21", "reason": ")" +
                                                     mib + "\"}]")
                              .issues),
              ElementsAre("documents[0].reason"));
  // Free text has room for a long dosage.
  EXPECT_THAT(expressions(parseWith("documents", R"([{"kind": "sick-leave", "type": "initial",
      "start": "2026-11-21", "end": "2026-11-21", "reason": ")" +
                                                     std::string(kMaxFreeTextBytes, 'r') + "\"}]")
                              .issues),
              IsEmpty());
}

TEST(BodyParser, ControlCharactersAreRefusedExceptLineBreaksInFreeText) {
  const auto nul = parseWith("patient.family", R"("BER\u0000NARD")");
  ASSERT_EQ(nul.issues.size(), 1u);
  EXPECT_EQ(nul.issues[0].code, "value");
  EXPECT_EQ(nul.issues[0].expression, "patient.family");
  EXPECT_THAT(expressions(parseWith("patient.family", R"("BERNARD\n")").issues),
              ElementsAre("patient.family"));
  EXPECT_THAT(expressions(parseWith("practitioner.specialty", R"("general\u007fpractice")").issues),
              ElementsAre("practitioner.specialty"));
  EXPECT_THAT(expressions(parseWith("documents", R"([{"kind": "sick-leave", "type": "initial",
      "start": "2026-11-21", "end": "2026-11-21", "reason": "line one\r\n\tline two"}])")
                              .issues),
              IsEmpty());
  EXPECT_THAT(expressions(parseWith("documents", R"([{"kind": "sick-leave", "type": "initial",
      "start": "2026-11-21", "end": "2026-11-21", "reason": "bell \u0007"}])")
                              .issues),
              ElementsAre("documents[0].reason"));
}

TEST(BodyParser, MalformedOrNegativeAmountsAreValueErrors) {
  for (const char* amount :
       {R"("abc")", R"("-25.00")", "-25", "1e3", R"("25,00")", R"("0.0000000000000000001")"}) {
    const auto p = parseWith("billing", std::string(R"({"act": "TCG", "amount": )") + amount + "}");
    ASSERT_EQ(p.issues.size(), 1u) << amount;
    EXPECT_EQ(p.issues[0].code, "value") << amount;
    EXPECT_EQ(p.issues[0].expression, "billing.amount") << amount;
    EXPECT_FALSE(p.record.billing->amount.value) << amount;
  }
  EXPECT_THAT(expressions(parseWith("billing", R"({"act": "TCG", "amount": "0"})").issues),
              IsEmpty());
}

TEST(BodyParser, QuantitiesWithTooManyDigitsAreValueErrors) {
  const std::string tiny = "0." + std::string(400, '0') + "1";
  const auto p = parseWith("documents", R"([{"kind": "prescription",
      "authoredAt": "2026-11-21T18:10:00+01:00", "items": [{"medication": {"system": "text",
      "display": "X"}, "dosage": "1/j", "quantity": )" +
                                            tiny + "}]}]");
  EXPECT_THAT(expressions(p.issues), ElementsAre("documents[0].items[0].quantity"));
}

TEST(BodyParser, TreatingPhysicianEndpointsThatCouldEscapeAnAllowListAreValueErrors) {
  for (const char* url :
       {"https://fhir.cabinet-martin.fr/r4/../../evil",
        "https://fhir.cabinet-martin.fr/r4/%2e%2e/x", "https://fhir.cabinet-martin.fr/r4%2fevil",
        "https://user:pw@fhir.cabinet-martin.fr/r4", "https://fhir.cabinet-martin.fr/r4#frag",
        "ftp://fhir.cabinet-martin.fr/r4", "r4/relative"}) {
    const auto p = parseWith(
        "treatingPhysician",
        std::string(R"({"family": "M", "given": ["A"], "fhirEndpoint": ")") + url + "\"}");
    EXPECT_THAT(expressions(p.issues), ElementsAre("treatingPhysician.fhirEndpoint")) << url;
  }
  const auto ok = parseWith(
      "treatingPhysician",
      R"({"family": "M", "given": ["A"], "fhirEndpoint": "https://fhir.cabinet-martin.fr/r4"})");
  EXPECT_THAT(expressions(ok.issues), IsEmpty());
}

TEST(BodyParser, OrganizationIdentifiersAndCodesHaveTheShapeFrCoreNeeds) {
  auto org = [](const std::string& members) {
    return expressions(
        parseWith("practitioner.organization", R"({"name": "Cabinet", )" + members + "}").issues);
  };
  EXPECT_THAT(org(R"("siret": "12345678901234", "finess": "750000001")"), IsEmpty());
  EXPECT_THAT(org(R"("finess": "2A0000001")"), IsEmpty());
  EXPECT_THAT(org(R"("siret": "1234567890123?")"), ElementsAre("practitioner.organization.siret"));
  EXPECT_THAT(org(R"("siret": "123456789012345")"), ElementsAre("practitioner.organization.siret"));
  EXPECT_THAT(org(R"("finess": "75000000")"), ElementsAre("practitioner.organization.finess"));
  EXPECT_THAT(org(R"("finess": "2C0000001")"), ElementsAre("practitioner.organization.finess"));
  EXPECT_THAT(org(R"("facilityType": "SA 07 ")"),
              ElementsAre("practitioner.organization.facilityType"));
  EXPECT_THAT(expressions(parseWith("practitioner.specialty", R"("general  practice")").issues),
              ElementsAre("practitioner.specialty"));
}

}  // namespace
}  // namespace fhirgw::domain
