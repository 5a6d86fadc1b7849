#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/mapping/fhir_mapper.hpp"
#include "support.hpp"

namespace fhirgw::mapping {
namespace {

using testing::findResource;
using testing::parsed;
using testsupport::json;
using testsupport::validTeleconsultation;

MappingContext context(std::size_t documents = 0) {
  MappingContext c{"editor-1", "rec-1", testsupport::gatewayTestNow(), {}};
  for (std::size_t i = 0; i < documents; ++i) c.documentIds.push_back("doc-" + std::to_string(i));
  return c;
}

MappingFlags accepted(bool insQualified = true) {
  MappingFlags f;
  f.insQualified = insQualified;
  return f;
}

domain::Content content(domain::ContentType type, std::string bytes) {
  domain::Content c;
  c.contentType = {std::string(code(type)), type};
  c.data = common::base64Encode(bytes);
  c.bytes = std::move(bytes);
  return c;
}

domain::Report report() {
  domain::Report r;
  r.externalId = "CR-1";
  r.title = "Compte rendu";
  r.authoredAt = fhir::DateTime::parse("2026-11-20T09:50:00+01:00");
  r.content = content(domain::ContentType::kTextPlain, "Compte rendu de test.\n");
  return r;
}

domain::Prescription prescription() {
  domain::Prescription p;
  p.externalId = "ORD-1";
  p.authoredAt = fhir::DateTime::parse("2026-11-20T09:48:00+01:00");
  p.itemsPresent = true;
  domain::PrescriptionItem item;
  item.medication = domain::Medication{testsupport::known(domain::MedicationSystem::kCip13),
                                       "3400935955838", "PARACETAMOL 1 g comprime"};
  item.dosage = "1 comprime si fievre";
  item.quantity = domain::Decimal::parse("2.0");
  p.items.push_back(item);
  return p;
}

domain::SickLeave sickLeave(domain::SickLeaveType type) {
  domain::SickLeave l;
  l.type = testsupport::known(type);
  l.start = testsupport::dateField("2026-11-20");
  l.end = testsupport::dateField("2026-11-22");
  if (type == domain::SickLeaveType::kProlongation)
    l.ongoingLeaveStart = testsupport::dateField("2026-11-18");
  return l;
}

std::string stringAt(const rapidjson::Value& v, const char* key) {
  return v.HasMember(key) ? std::string(v[key].GetString()) : std::string();
}

TEST(FhirMapper, MapsTheValidTeleconsultationWithoutValidationIssues) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  const auto r = mapper.mapTeleconsultation(validTeleconsultation(), accepted(), context());
  ASSERT_TRUE(r.hasValue()) << r.error().toString();
  EXPECT_TRUE(r->validationIssues.empty());
  std::vector<std::string> types;
  for (const MappedResource& m : r->resources) types.push_back(m.resourceType);
  EXPECT_EQ(types, (std::vector<std::string>{"Patient", "Practitioner", "Practitioner",
                                             "PractitionerRole", "Encounter", "Consent",
                                             "ChargeItem", "Provenance", "AuditEvent"}));
}

TEST(FhirMapper, AReplayProducesTheSameIdsAndJson) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  domain::Teleconsultation t = validTeleconsultation();
  t.documents = {report(), prescription(), sickLeave(domain::SickLeaveType::kInitial)};
  const auto a = mapper.mapTeleconsultation(t, accepted(), context(3));
  const auto b = mapper.mapTeleconsultation(t, accepted(), context(3));
  ASSERT_TRUE(a.hasValue() && b.hasValue());
  ASSERT_EQ(a->resources.size(), b->resources.size());
  for (std::size_t i = 0; i < a->resources.size(); ++i) {
    EXPECT_EQ(a->resources[i].json, b->resources[i].json);
  }
  MappingContext other = context(3);
  other.recordId = "rec-2";
  const auto c = mapper.mapTeleconsultation(t, accepted(), other);
  ASSERT_TRUE(c.hasValue());
  EXPECT_NE(a->resources[0].id, c->resources[0].id);
  std::set<std::string> ids;
  for (const MappedResource& m : a->resources) ids.insert(m.id);
  EXPECT_EQ(ids.size(), a->resources.size()) << "ids are unique within a record";
}

TEST(FhirMapper, PriceKeepsTheDigitsAsWrittenInResourceAndBundle) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  domain::Teleconsultation t = validTeleconsultation();
  t.billing->amount = {"25.00", domain::Decimal::parse("25.00")};
  const auto r = mapper.mapTeleconsultation(t, accepted(), context());
  ASSERT_TRUE(r.hasValue());
  const MappedResource* charge = findResource(*r, "ChargeItem");
  ASSERT_NE(charge, nullptr);
  EXPECT_NE(charge->json.find(R"("priceOverride":{"value":25.00,"currency":"EUR"})"),
            std::string::npos)
      << charge->json;
  for (const std::string& base : {std::string(), std::string("https://gw.test/fhir")}) {
    const auto bundle = makeBundle(r->resources, {"b", base, std::nullopt});
    ASSERT_TRUE(bundle.hasValue());
    EXPECT_NE(bundle->find(R"("value":25.00,)"), std::string::npos);
  }
}

TEST(FhirMapper, QualifiedInsIsCarriedWithTheInsProfile) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  const auto r = mapper.mapTeleconsultation(validTeleconsultation(), accepted(), context());
  ASSERT_TRUE(r.hasValue());
  const auto p = parsed(*findResource(*r, "Patient"));
  EXPECT_STREQ(p.root()["meta"]["profile"][0].GetString(), fhir::kFrCorePatientIns.data());
  EXPECT_STREQ(p.root()["identifier"][0]["system"].GetString(), "urn:oid:1.2.250.1.213.1.4.8");
  EXPECT_STREQ(p.root()["identifier"][0]["value"].GetString(), "279035121518989");
  EXPECT_STREQ(p.root()["extension"][0]["extension"][0]["valueCoding"]["code"].GetString(), "VALI");
}

TEST(FhirMapper, EachInsSystemHasItsTypeAndOnlyANirGivesTheMessagingAddress) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  const struct {
    const char* oid;
    const char* type;
    bool mailbox;
  } kCases[] = {{"1.2.250.1.213.1.4.8", "INS-NIR", true},
                {"1.2.250.1.213.1.4.9", "INS-NIA", false},
                {"1.2.250.1.213.1.4.10", "INS-NIR-TEST", true},
                {"1.2.250.1.213.1.4.11", "INS-NIR-DEMO", true}};
  for (const auto& c : kCases) {
    domain::Teleconsultation t = validTeleconsultation();
    t.patient.ins->oid = c.oid;
    const auto r = mapper.mapTeleconsultation(t, accepted(), context());
    ASSERT_TRUE(r.hasValue()) << c.oid << ": " << r.error().toString();
    const auto p = parsed(*findResource(*r, "Patient"));
    EXPECT_EQ(stringAt(p.root()["identifier"][0], "system"), std::string("urn:oid:") + c.oid);
    EXPECT_EQ(stringAt(p.root()["identifier"][0]["type"]["coding"][0], "code"), c.type);
    EXPECT_EQ(r->resources[0].json.find("279035121518989@patient.mssante.fr") != std::string::npos,
              c.mailbox)
        << c.oid;
  }
}

TEST(FhirMapper, InsIsLeftOutWhenTheRulesDidNotQualifyIt) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  domain::Teleconsultation t = validTeleconsultation();
  for (domain::InsStatus status : {domain::InsStatus::kValidated, domain::InsStatus::kRetrieved,
                                   domain::InsStatus::kProvisional}) {
    t.patient.ins->status = testsupport::known(status);
    const auto r = mapper.mapTeleconsultation(t, accepted(false), context());
    ASSERT_TRUE(r.hasValue());
    const auto p = parsed(*findResource(*r, "Patient"));
    EXPECT_STREQ(p.root()["meta"]["profile"][0].GetString(), fhir::kFrCorePatient.data());
    EXPECT_FALSE(p.root().HasMember("identifier"));
    EXPECT_EQ(r->resources[0].json.find("279035121518989"), std::string::npos)
        << "no trace of the INS, not even the messaging address";
  }
  // Qualified by status but not accepted by the rules (insQualified false): still left out.
  t.patient.ins->status = testsupport::known(domain::InsStatus::kQualified);
  const auto r = mapper.mapTeleconsultation(t, accepted(false), context());
  ASSERT_TRUE(r.hasValue());
  EXPECT_EQ(r->resources[0].json.find("279035121518989"), std::string::npos);
}

TEST(FhirMapper, ALaterDocumentPointsAtTheRecordsResources) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  domain::Teleconsultation t = validTeleconsultation();
  const auto record = mapper.mapTeleconsultation(t, accepted(), context());
  ASSERT_TRUE(record.hasValue());
  const auto doc =
      mapper.mapDocument(t, sickLeave(domain::SickLeaveType::kProlongation), "doc-9", 0, context());
  ASSERT_TRUE(doc.hasValue()) << doc.error().toString();
  const std::string patient = findResource(*record, "Patient")->reference();
  const std::string encounter = findResource(*record, "Encounter")->reference();
  const std::string practitioner = findResource(*record, "Practitioner")->reference();
  const auto request = parsed(*findResource(*doc, "ServiceRequest"));
  EXPECT_EQ(stringAt(request.root()["subject"], "reference"), patient);
  EXPECT_EQ(stringAt(request.root()["encounter"], "reference"), encounter);
  EXPECT_EQ(stringAt(request.root()["requester"], "reference"), practitioner);
  const auto docRef = parsed(*findResource(*doc, "DocumentReference"));
  EXPECT_EQ(stringAt(docRef.root()["context"]["encounter"][0], "reference"), encounter);
  for (const MappedResource& m : doc->resources) {
    EXPECT_EQ(m.documentId, std::optional<std::string>("doc-9"));
    EXPECT_EQ(m.documentIndex, std::optional<std::size_t>(0));
  }
  // Every reference of the later document resolves within the record plus the document.
  std::set<std::string> known;
  for (const auto* set : {&record->resources, &doc->resources}) {
    for (const MappedResource& m : *set) known.insert(m.reference());
  }
  for (const MappedResource& m : doc->resources) {
    for (const std::string& r : testing::references(parsed(m).root())) {
      EXPECT_TRUE(known.count(r)) << m.reference() << " -> " << r;
    }
  }
}

TEST(FhirMapper, EveryReferenceResolvesWithinTheRecord) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  domain::Teleconsultation t = validTeleconsultation();
  t.practitioner.organization = domain::Organization{"690000880", std::nullopt, "Centre", "SA05"};
  t.documents = {report(), prescription(), sickLeave(domain::SickLeaveType::kInitial)};
  const auto r = mapper.mapTeleconsultation(t, accepted(), context(3));
  ASSERT_TRUE(r.hasValue());
  std::set<std::string> known;
  for (const MappedResource& m : r->resources) known.insert(m.reference());
  for (const MappedResource& m : r->resources) {
    for (const std::string& ref : testing::references(parsed(m).root())) {
      EXPECT_TRUE(known.count(ref)) << m.reference() << " -> " << ref;
    }
  }
}

TEST(FhirMapper, UrnBundleRewritesReferencesToTheFullUrls) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  domain::Teleconsultation t = validTeleconsultation();
  t.documents = {report()};
  const auto r = mapper.mapTeleconsultation(t, accepted(), context(1));
  ASSERT_TRUE(r.hasValue());
  const auto bundle = makeBundle(r->resources, {"bundle-1", "", testsupport::gatewayTestNow()});
  ASSERT_TRUE(bundle.hasValue());
  const auto doc = json(*bundle);
  std::set<std::string> fullUrls;
  for (const auto& e : doc.root()["entry"].GetArray()) fullUrls.insert(e["fullUrl"].GetString());
  const auto refs = testing::references(doc.root());
  ASSERT_FALSE(refs.empty());
  for (const std::string& ref : refs) EXPECT_TRUE(fullUrls.count(ref)) << ref;
  EXPECT_EQ(bundle->find("\"url\":\"Binary/"), std::string::npos) << "attachment url rewritten";
  EXPECT_TRUE(fhir::hasErrors(mapper.validator().validate(doc)) == false);
}

TEST(FhirMapper, RestfulBundleUsesTheBaseAndValidates) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  const auto r = mapper.mapTeleconsultation(validTeleconsultation(), accepted(), context());
  ASSERT_TRUE(r.hasValue());
  const auto bundle = makeBundle(
      r->resources, {"bundle-1", "https://gw.test/fhir/", testsupport::gatewayTestNow()});
  ASSERT_TRUE(bundle.hasValue());
  const auto doc = json(*bundle);
  EXPECT_EQ(std::string(doc.root()["entry"][0]["fullUrl"].GetString()),
            "https://gw.test/fhir/" + r->resources[0].reference());
  EXPECT_STREQ(doc.root()["type"].GetString(), "collection");
  EXPECT_TRUE(mapper.validator().validate(doc).empty());
}

TEST(FhirMapper, NotReimbursableFlagsTheChargeItemWithTheRulesThatFired) {
  // The reasons are the rules' (RuleOutcome::notReimbursableReasons, rule_engine_test): only
  // reimbursement rules, so a warning of ID-INS-QUALIFIED never reaches the mapper as one.
  const FhirMapper mapper(testsupport::gatewayValidator());
  MappingFlags o = accepted();
  o.notReimbursable = true;
  o.notReimbursableReasons = {"TLC-TERRITORY"};
  const auto r = mapper.mapTeleconsultation(validTeleconsultation(), o, context());
  ASSERT_TRUE(r.hasValue());
  const std::string& charge = findResource(*r, "ChargeItem")->json;
  EXPECT_NE(charge.find("StructureDefinition/not-reimbursable"), std::string::npos);
  EXPECT_NE(charge.find("\"code\":\"TLC-TERRITORY\""), std::string::npos);
  EXPECT_EQ(charge.find("ID-INS-QUALIFIED"), std::string::npos);
  const auto plain = mapper.mapTeleconsultation(validTeleconsultation(), accepted(), context());
  EXPECT_EQ(findResource(*plain, "ChargeItem")->json.find("not-reimbursable"), std::string::npos);
}

TEST(FhirMapper, AKnownPatientReminderNeverNamesAReimbursementReason) {
  // TLC-KNOWN-PATIENT is no longer a reimbursement rule (avenant 9): even a warning of it (a
  // configured severity) is not a reason (rule_engine_test), so a record tripping only it comes
  // with no flag and stays reimbursable.
  const FhirMapper mapper(testsupport::gatewayValidator());
  MappingFlags o = accepted();
  const auto r = mapper.mapTeleconsultation(validTeleconsultation(), o, context());
  ASSERT_TRUE(r.hasValue());
  EXPECT_EQ(findResource(*r, "ChargeItem")->json.find("not-reimbursable"), std::string::npos);
  o.notReimbursable = true;  // with another reason, only that one is listed
  o.notReimbursableReasons = {"BILL-AMOUNT"};
  const auto flagged = mapper.mapTeleconsultation(validTeleconsultation(), o, context());
  ASSERT_TRUE(flagged.hasValue());
  const std::string& charge = findResource(*flagged, "ChargeItem")->json;
  EXPECT_NE(charge.find("\"code\":\"BILL-AMOUNT\""), std::string::npos);
  EXPECT_EQ(charge.find("TLC-KNOWN-PATIENT"), std::string::npos);
}

TEST(FhirMapper, AttachmentCarriesSizeAndSha1OfTheBytes) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  domain::Teleconsultation t = validTeleconsultation();
  t.documents = {report()};
  const auto r = mapper.mapTeleconsultation(t, accepted(), context(1));
  ASSERT_TRUE(r.hasValue());
  const auto doc = parsed(*findResource(*r, "DocumentReference"));
  const auto& att = doc.root()["content"][0]["attachment"];
  const std::string bytes = "Compte rendu de test.\n";
  EXPECT_EQ(std::string(att["size"].GetString()), std::to_string(bytes.size()));
  EXPECT_TRUE(doc.isNumber(att["size"]));
  EXPECT_EQ(std::string(att["hash"].GetString()), common::base64Encode(common::sha1(bytes)));
  const MappedResource* binary = findResource(*r, "Binary");
  EXPECT_EQ(std::string(att["url"].GetString()), binary->reference());
  EXPECT_EQ(binary->documentIndex, std::optional<std::size_t>(0));
}

TEST(FhirMapper, PrescriptionItemsShareTheGroupIdentifier) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  domain::Teleconsultation t = validTeleconsultation();
  domain::Prescription p = prescription();
  domain::PrescriptionItem text;
  text.medication = domain::Medication{testsupport::known(domain::MedicationSystem::kText),
                                       std::nullopt, "Serum"};
  text.dosage = "matin et soir";
  text.durationDays = 7;
  p.items.push_back(text);
  t.documents = {p};
  const auto r = mapper.mapTeleconsultation(t, accepted(), context(1));
  ASSERT_TRUE(r.hasValue());
  const auto a = parsed(*findResource(*r, "MedicationRequest", 0));
  const auto b = parsed(*findResource(*r, "MedicationRequest", 1));
  EXPECT_EQ(common::canonicalJson(a, a.root()["groupIdentifier"]),
            common::canonicalJson(b, b.root()["groupIdentifier"]));
  EXPECT_FALSE(b.root()["medicationCodeableConcept"].HasMember("coding"));
  EXPECT_EQ(findResource(*r, "DocumentReference"), nullptr) << "no PDF, no DocumentReference";
  p.prescriptionNumber = "2026112000123456";
  t.documents = {p};
  const auto numbered = mapper.mapTeleconsultation(t, accepted(), context(1));
  ASSERT_TRUE(numbered.hasValue());
  EXPECT_NE(findResource(*numbered, "MedicationRequest")->json.find("2026112000123456"),
            std::string::npos);
}

TEST(FhirMapper, ProducedTypesListEveryTypeAndProfileAMappingEmits) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  domain::Teleconsultation t = validTeleconsultation();
  t.practitioner.organization = domain::Organization{"690000880", std::nullopt, "Centre", "SA05"};
  t.documents = {report(), prescription(), sickLeave(domain::SickLeaveType::kInitial)};
  const auto r = mapper.mapTeleconsultation(t, accepted(), context(3));
  ASSERT_TRUE(r.hasValue());
  const auto listed = producedTypes();
  for (const MappedResource& m : r->resources) {
    const auto doc = parsed(m);
    const std::string profile =
        doc.root().HasMember("meta") ? doc.root()["meta"]["profile"][0].GetString() : "";
    EXPECT_TRUE(std::any_of(listed.begin(), listed.end(),
                            [&](const ProducedType& p) {
                              return p.resourceType == m.resourceType && p.profile == profile;
                            }))
        << m.resourceType << " " << profile;
  }
}

TEST(FhirMapper, RecordWithRuleErrorsIsNotMapped) {
  MappingFlags o = accepted();
  o.rulesFailed = true;  // e.g. a TLC-VIDEO error
  const auto r = FhirMapper(testsupport::gatewayValidator())
                     .mapTeleconsultation(validTeleconsultation(), o, context());
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.error().code(), common::StatusCode::kFailedPrecondition);
}

TEST(FhirMapper, DocumentIdsMustMatchTheDocuments) {
  domain::Teleconsultation t = validTeleconsultation();
  t.documents = {report()};
  const auto r =
      FhirMapper(testsupport::gatewayValidator()).mapTeleconsultation(t, accepted(), context(0));
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.error().code(), common::StatusCode::kInvalidArgument);
}

TEST(FhirMapper, AResourceFailingValidationIsAnInternalErrorWithItsIssues) {
  // An INS the rules did not check (the outcome claims it qualified): the INS profile check fails.
  domain::Teleconsultation t = validTeleconsultation();
  t.patient.ins->value = "279035121518988";  // wrong key
  fhir::IssueSink sink;
  const auto r = FhirMapper(testsupport::gatewayValidator())
                     .mapTeleconsultation(t, accepted(), context(), sink);
  const std::vector<fhir::Issue>& errors = sink.issues();
  ASSERT_FALSE(r.hasValue());
  EXPECT_EQ(r.error().code(), common::StatusCode::kInternal);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.front().expression, "Patient.identifier[0].value");
  EXPECT_EQ(r.error().message().find("279035121518988"), std::string::npos) << "no INS in logs";
}

TEST(FhirMapper, EditorCodesThatAreNotFhirCodesDoNotBreakTheResources) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  domain::Teleconsultation t = validTeleconsultation();
  t.practitioner.specialty = " médecine  générale ";
  t.billing->majorations = {"MCX", " bad "};
  t.patient.birthPlaceInsee = "51 215 ";
  t.patient.ins->status = testsupport::known(domain::InsStatus::kValidated);
  const auto r = mapper.mapTeleconsultation(t, accepted(false), context());
  ASSERT_TRUE(r.hasValue()) << r.error().toString();
  int charges = 0;
  for (const MappedResource& m : r->resources) charges += m.resourceType == "ChargeItem";
  EXPECT_EQ(charges, 2) << "the act and the valid majoration";
}

// Every value of every enumeration the editor API allows maps to valid resources: the property
// the goldens check on a few records, over the whole input space of the enums.
TEST(FhirMapper, EveryEnumerationValueMapsToValidResources) {
  const FhirMapper mapper(testsupport::gatewayValidator());
  const std::vector<std::string> specialties{
      "general-practice", "pediatrics",  "gynecology",   "ophthalmology",         "psychiatry",
      "neuropsychiatry",  "stomatology", "oral-surgery", "maxillofacial-surgery", "midwife",
      "cardiology"};
  std::size_t n = 0;
  for (std::size_t i = 0; i < 24; ++i) {
    domain::Teleconsultation t = validTeleconsultation();
    t.practitioner.specialty = specialties[i % specialties.size()];
    t.practitioner.relationToPatient = static_cast<domain::Relation>(i % 5);
    if (i % 3 == 0) t.treatingPhysician.reset();
    if (i % 2 == 0) {
      t.practitioner.organization = domain::Organization{
          i % 4 == 0 ? std::optional<std::string>("690000880") : std::nullopt,
          i % 4 == 0 ? std::nullopt : std::optional<std::string>("73282932000017"), "Cabinet",
          i % 4 == 0 ? "SA05" : "SA08"};
    }
    t.patient.gender = testsupport::known(static_cast<domain::Gender>(i % 4));
    t.patient.ins->status = testsupport::known(static_cast<domain::InsStatus>(i % 4));
    t.patient.residence = static_cast<domain::Residence>(i % 4);
    t.encounter.orientation = testsupport::known(static_cast<domain::Orientation>(i % 7));
    t.encounter.patientLocation =
        domain::PatientLocation{static_cast<domain::PatientLocationKind>(i % 5),
                                i % 2 ? std::optional<std::string>("51100") : std::nullopt};
    t.encounter.assistedBy =
        domain::AssistedBy{static_cast<domain::AssistantProfession>(i % 3),
                           i % 2 ? std::optional<std::string>("10000012343") : std::nullopt};
    t.billing->thirdPartyPayment = static_cast<domain::ThirdPartyPayment>(i % 3);
    t.billing->ald = i % 2 == 1;
    domain::Report rep = report();
    rep.confidentiality = static_cast<domain::Confidentiality>(i % 3);
    if (i % 2) rep.content = content(domain::ContentType::kPdf, "%PDF-1.4\n%%EOF\n");
    domain::Prescription pre = prescription();
    pre.items[0].medication->system =
        testsupport::known(static_cast<domain::MedicationSystem>(i % 4));
    pre.items[0].substitutable = i % 2 == 0;
    if (i % 2) pre.content = content(domain::ContentType::kPdf, "%PDF-1.4\n%%EOF\n");
    domain::SickLeave leave = sickLeave(static_cast<domain::SickLeaveType>(i % 2));
    leave.partTime = i % 3 == 0;
    leave.reason = "motif";
    if (i % 2) leave.inPersonImpossible = domain::InPersonImpossible{true, "alitee"};
    t.documents = {rep, pre, leave};
    const bool qualified = t.patient.ins->status.value == domain::InsStatus::kQualified;
    fhir::IssueSink errors;
    const auto r = mapper.mapTeleconsultation(t, accepted(qualified), context(3), errors);
    for (const fhir::Issue& e : errors.issues())
      ADD_FAILURE() << i << ": " << e.expression << " " << e.diagnostics;
    ASSERT_TRUE(r.hasValue()) << i << ": " << r.error().toString();
    EXPECT_TRUE(r->validationIssues.empty()) << i;
    n += r->resources.size();
  }
  EXPECT_GT(n, 24U * 12U);
}

}  // namespace
}  // namespace fhirgw::mapping
