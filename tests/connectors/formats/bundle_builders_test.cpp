#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <set>

#include "connector_support.hpp"
#include "connectors_test_support.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/connectors/engine/payload_builder.hpp"
#include "fhirgw/connectors/formats/provide_bundle.hpp"
#include "fhirgw/connectors/formats/transaction_bundle.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/fhir/validator.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace fhirgw::connectors::testsupport;
using ::testing::HasSubstr;

namespace {

store::Delivery documentDelivery(const SampleIds& ids = {}) {
  store::Delivery d;
  d.id = "3d1c5e0a-0000-4000-8000-000000000001";
  d.recordId = ids.recordId;
  d.documentId = ids.documentId;
  d.destination = "dmp";
  d.connectorId = "dmp-mhd";
  d.attempts = 2;
  d.createdAt = testStart();
  return d;
}

std::set<std::string> typeSet(const DeliveryPayload& p) {
  std::set<std::string> out;
  for (const auto& r : p.resources) out.insert(r.resourceType + "/" + r.resourceId);
  return out;
}

common::JsonDocument parse(const std::string& text) {
  auto doc = common::parseJson(text);
  EXPECT_TRUE(doc.hasValue()) << doc.error().message();
  return std::move(doc).value();
}

std::string str(const rapidjson::Value& v) {
  return std::string(v.GetString(), v.GetStringLength());
}

const rapidjson::Value* entryOf(const rapidjson::Value& bundle, const std::string& type) {
  for (const auto& e : bundle["entry"].GetArray()) {
    if (str(e["resource"]["resourceType"]) == type) return &e;
  }
  return nullptr;
}

std::vector<fhir::Issue> errorsOf(const std::string& bundle) {
  static const fhir::Validator validator;
  auto issues = validator.validateText(bundle);
  EXPECT_TRUE(issues.hasValue());
  std::vector<fhir::Issue> errors;
  for (const auto& i : *issues) {
    if (i.severity == fhir::IssueSeverity::kError || i.severity == fhir::IssueSeverity::kFatal) {
      errors.push_back(i);
    }
  }
  return errors;
}

std::string describe(const std::vector<fhir::Issue>& issues) {
  std::string out;
  for (const auto& i : issues) out += i.expression + ": " + i.diagnostics + "\n";
  return out;
}

}  // namespace

// ---- payload selection ---------------------------------------------------------------------

TEST(DeliveryPayload, ADocumentCarriesItsResourcesAndWhatTheyReference) {
  const SampleIds ids;
  auto payload = makeDeliveryPayload(documentDelivery(), sampleResources());
  ASSERT_TRUE(payload.hasValue()) << payload.error().message();
  EXPECT_EQ(
      typeSet(*payload),
      (std::set<std::string>{"DocumentReference/" + ids.documentReference, "Binary/" + ids.binary,
                             "Patient/" + ids.patient, "Practitioner/" + ids.practitioner,
                             "Organization/" + ids.organization, "Encounter/" + ids.encounter}))
      << "not the other document, the charge item, the provenance nor the audit event";
  EXPECT_EQ(payload->attempt, 3);
  EXPECT_EQ(payload->createdAt, testStart());
  EXPECT_EQ(payload->documentId, ids.documentId);
}

TEST(DeliveryPayload, TheEncounterCarriesTheRecordLevelResourcesButNeverTheAuditEvent) {
  store::Delivery d = documentDelivery();
  d.documentId.reset();
  d.destination = "encounter";
  auto payload = makeDeliveryPayload(d, sampleResources());
  ASSERT_TRUE(payload.hasValue());
  std::set<std::string> types;
  for (const auto& r : payload->resources) types.insert(r.resourceType);
  EXPECT_EQ(types, (std::set<std::string>{"Patient", "Practitioner", "Organization", "Encounter",
                                          "ChargeItem", "Provenance"}));
}

TEST(DeliveryPayload, AStoredResourceThatIsNotJsonIsAnInvalidArgument) {
  auto resources = sampleResources();
  resources[0].json = "{not json";
  auto payload = makeDeliveryPayload(documentDelivery(), resources);
  ASSERT_FALSE(payload.hasValue());
  EXPECT_EQ(payload.error().code(), common::StatusCode::kInvalidArgument);
  EXPECT_THAT(payload.error().message(), HasSubstr("Patient/"));
}

TEST(DeliveryPayload, ADocumentDeliveryParsesOnlyWhatItCarriesOrFollows) {
  // The charge item and the provenance are neither carried by the document's delivery nor
  // reached from its resources: it does not parse them, so their texts do not matter to it.
  const std::vector<store::FhirResource> intact = sampleResources();
  auto resources = intact;
  for (store::FhirResource& r : resources) {
    if (r.resourceType == "ChargeItem" || r.resourceType == "Provenance") r.json = "{not json";
  }
  auto payload = makeDeliveryPayload(documentDelivery(), resources);
  ASSERT_TRUE(payload.hasValue()) << payload.error().message();
  const DeliveryPayload expected = *makeDeliveryPayload(documentDelivery(), intact);
  EXPECT_EQ(typeSet(*payload), typeSet(expected));
  EXPECT_EQ(*buildTransactionBundle(*payload), *buildTransactionBundle(expected));
  // The encounter's delivery carries them: refused, as before.
  store::Delivery encounter = documentDelivery();
  encounter.documentId.reset();
  auto refused = makeDeliveryPayload(encounter, resources);
  ASSERT_FALSE(refused.hasValue());
  EXPECT_EQ(refused.error().code(), common::StatusCode::kInvalidArgument);
  // A record-level resource the document reaches only through another one (the organization,
  // from the encounter too) is parsed when followed: refused when it is not JSON.
  resources = intact;
  for (store::FhirResource& r : resources) {
    if (r.resourceType == "Organization") r.json = "{not json";
  }
  refused = makeDeliveryPayload(documentDelivery(), resources);
  ASSERT_FALSE(refused.hasValue());
  EXPECT_THAT(refused.error().message(), HasSubstr("Organization/"));
}

// ---- FHIR REST transaction -----------------------------------------------------------------

TEST(TransactionBundle, ConditionalCreatesOnIdentifiersWithReferencesToFullUrls) {
  const SampleIds ids;
  auto payload = makeDeliveryPayload(documentDelivery(), sampleResources());
  auto bundle = buildTransactionBundle(*payload);
  ASSERT_TRUE(bundle.hasValue()) << bundle.error().message();
  const auto doc = parse(*bundle);
  const auto& b = doc.root();
  EXPECT_EQ(str(b["resourceType"]), "Bundle");
  EXPECT_EQ(str(b["type"]), "transaction");

  const auto* patient = entryOf(b, "Patient");
  ASSERT_NE(patient, nullptr);
  const std::string patientUrl = str((*patient)["fullUrl"]);
  EXPECT_THAT(patientUrl, ::testing::StartsWith("urn:uuid:"));
  EXPECT_NE(patientUrl, "urn:uuid:" + ids.patient)
      << "a fullUrl never equals an identifier value: servers rewrite fullUrl strings";
  EXPECT_EQ(str((*patient)["request"]["method"]), "POST");
  EXPECT_EQ(str((*patient)["request"]["url"]), "Patient");
  EXPECT_EQ(str((*patient)["request"]["ifNoneExist"]),
            std::string("identifier=urn%3Aoid%3A1.2.250.1.213.1.4.8|") + kSampleIns);
  EXPECT_FALSE((*patient)["resource"].HasMember("id")) << "the server assigns ids on create";

  const auto* encounter = entryOf(b, "Encounter");
  ASSERT_NE(encounter, nullptr);
  EXPECT_EQ(str((*encounter)["resource"]["subject"]["reference"]), patientUrl);
  EXPECT_EQ(str((*encounter)["resource"]["participant"][0]["individual"]["reference"]),
            str((*entryOf(b, "Practitioner"))["fullUrl"]));

  // The Binary has no identifier: its data travels inside the DocumentReference.
  EXPECT_EQ(entryOf(b, "Binary"), nullptr);
  const auto* dr = entryOf(b, "DocumentReference");
  ASSERT_NE(dr, nullptr);
  const auto& attachment = (*dr)["resource"]["content"][0]["attachment"];
  EXPECT_FALSE(attachment.HasMember("url"));
  EXPECT_EQ(str(attachment["data"]), "JVBERi0xLjQK");
  EXPECT_TRUE(doc.isNumber(attachment["size"])) << "numbers stay numbers";
  // No identifier in the stored DocumentReference: the gateway's own one makes it conditional.
  EXPECT_EQ(str((*dr)["resource"]["identifier"][0]["value"]), "urn:uuid:" + ids.documentReference);
  EXPECT_EQ(str((*dr)["request"]["ifNoneExist"]),
            "identifier=urn%3Aietf%3Arfc%3A3986|urn%3Auuid%3A" + ids.documentReference);
  EXPECT_TRUE(errorsOf(*bundle).empty()) << describe(errorsOf(*bundle));
}

TEST(TransactionBundle, TheSameDeliveryBuildsTheSameBundleOnRetry) {
  auto payload = makeDeliveryPayload(documentDelivery(), sampleResources());
  EXPECT_EQ(*buildTransactionBundle(*payload), *buildTransactionBundle(*payload));
}

TEST(TransactionBundle, DecimalsKeepTheirDigitsAndProvenanceNeedsClientIds) {
  store::Delivery d = documentDelivery();
  d.documentId.reset();
  auto payload = makeDeliveryPayload(d, sampleResources());
  auto bundle = buildTransactionBundle(*payload);
  ASSERT_TRUE(bundle.hasValue());
  EXPECT_THAT(*bundle, HasSubstr(R"("priceOverride":{"value":25.00,"currency":"EUR"})"));
  EXPECT_EQ(entryOf(parse(*bundle).root(), "Provenance"), nullptr);
  EXPECT_TRUE(errorsOf(*bundle).empty()) << describe(errorsOf(*bundle));

  auto withIds = buildTransactionBundle(*payload, {/*clientAssignedIds=*/true});
  ASSERT_TRUE(withIds.hasValue());
  const auto doc = parse(*withIds);
  const auto* provenance = entryOf(doc.root(), "Provenance");
  ASSERT_NE(provenance, nullptr);
  EXPECT_EQ(str((*provenance)["request"]["method"]), "PUT");
  EXPECT_EQ(str((*provenance)["request"]["url"]), "Provenance/" + SampleIds{}.provenance);
  EXPECT_TRUE(errorsOf(*withIds).empty()) << describe(errorsOf(*withIds));
}

TEST(TransactionBundle, SearchValuesAreEscaped) {
  DeliveryPayload p;
  p.deliveryId = "d";
  p.resources.push_back(
      {"Practitioner", "p-1", std::nullopt,
       R"({"resourceType":"Practitioner","identifier":[{"system":"urn:x","value":"a|b,c$d\\e f"}]})"});
  auto bundle = buildTransactionBundle(p);
  ASSERT_TRUE(bundle.hasValue()) << bundle.error().message();
  const auto doc = parse(*bundle);
  EXPECT_EQ(str(doc.root()["entry"][0]["request"]["ifNoneExist"]),
            "identifier=urn%3Ax|a%5C%7Cb%5C%2Cc%5C%24d%5C%5Ce%20f");
}

TEST(TransactionBundle, TheGatewayIdentifierTakesTheShapeOfTheTypesIdentifierElement) {
  DeliveryPayload p;
  p.deliveryId = "d";
  // Composition.identifier is a single Identifier in R4, Encounter.identifier a list;
  // MessageHeader has none, so it cannot be created conditionally and is not sent.
  p.resources.push_back(
      {"Composition", "c-1", std::nullopt, R"({"resourceType":"Composition","status":"final"})"});
  p.resources.push_back(
      {"Encounter", "e-1", std::nullopt, R"({"resourceType":"Encounter","status":"finished"})"});
  p.resources.push_back(
      {"MessageHeader", "m-1", std::nullopt, R"({"resourceType":"MessageHeader"})"});
  auto bundle = buildTransactionBundle(p);
  ASSERT_TRUE(bundle.hasValue()) << bundle.error().message();
  const auto doc = parse(*bundle);
  const auto* composition = entryOf(doc.root(), "Composition");
  ASSERT_NE(composition, nullptr);
  EXPECT_TRUE((*composition)["resource"]["identifier"].IsObject());
  EXPECT_EQ(str((*composition)["resource"]["identifier"]["system"]), "urn:ietf:rfc:3986");
  const auto* encounter = entryOf(doc.root(), "Encounter");
  ASSERT_NE(encounter, nullptr);
  ASSERT_TRUE((*encounter)["resource"]["identifier"].IsArray());
  EXPECT_EQ(str((*encounter)["resource"]["identifier"][0]["system"]), "urn:ietf:rfc:3986");
  EXPECT_EQ(entryOf(doc.root(), "MessageHeader"), nullptr);
}

TEST(TransactionBundle, NothingToSendIsAnError) {
  DeliveryPayload p;
  p.resources.push_back({"AuditEvent", "a", std::nullopt, R"({"resourceType":"AuditEvent"})"});
  EXPECT_EQ(buildTransactionBundle(p).error().code(), common::StatusCode::kInvalidArgument);
}

// ---- MHD ITI-65 ----------------------------------------------------------------------------

TEST(ProvideBundle, SubmissionSetDocumentReferenceAndBinaryWithThePatientByIns) {
  const SampleIds ids;
  auto payload = makeDeliveryPayload(documentDelivery(), sampleResources());
  auto bundle = buildProvideBundle(*payload, {"1.2.250.1.999.1"});
  ASSERT_TRUE(bundle.hasValue()) << bundle.error().message();
  const auto doc = parse(*bundle);
  const auto& b = doc.root();
  EXPECT_EQ(str(b["type"]), "transaction");
  EXPECT_EQ(str(b["meta"]["profile"][0]), kMhdMinimalProvideBundle);
  ASSERT_EQ(b["entry"].Size(), 3u) << "List, DocumentReference, Binary and no Patient";
  for (const auto& e : b["entry"].GetArray()) EXPECT_EQ(str(e["request"]["method"]), "POST");

  const auto& list = (*entryOf(b, "List"))["resource"];
  EXPECT_EQ(str(list["code"]["coding"][0]["code"]), "submissionset");
  EXPECT_EQ(str(list["mode"]), "working");
  EXPECT_EQ(str(list["extension"][0]["valueIdentifier"]["value"]), "urn:oid:1.2.250.1.999.1");
  EXPECT_EQ(str(list["identifier"][0]["use"]), "usual");
  EXPECT_THAT(str(list["identifier"][0]["value"]), ::testing::StartsWith("urn:oid:2.25."));
  EXPECT_THAT(str(list["identifier"][1]["value"]), ::testing::StartsWith("urn:uuid:"));
  EXPECT_EQ(str(list["subject"]["identifier"]["system"]), "urn:oid:1.2.250.1.213.1.4.8");
  EXPECT_EQ(str(list["subject"]["identifier"]["value"]), kSampleIns);
  EXPECT_EQ(str(list["date"]), "2026-03-02T09:00:00.000Z");
  EXPECT_EQ(str(list["source"]["reference"]), "#author");

  const auto& drEntry = *entryOf(b, "DocumentReference");
  const auto& dr = drEntry["resource"];
  EXPECT_EQ(str(list["entry"][0]["item"]["reference"]), str(drEntry["fullUrl"]));
  EXPECT_EQ(str(dr["subject"]["identifier"]["value"]), kSampleIns);
  EXPECT_FALSE(dr["subject"].HasMember("reference"));
  EXPECT_THAT(str(dr["masterIdentifier"]["value"]), ::testing::StartsWith("urn:oid:2.25."));
  EXPECT_EQ(str(dr["identifier"][0]["value"]), "urn:uuid:" + ids.documentReference)
      << "entryUUID: the document's own id";
  EXPECT_NE(str(dr["identifier"][0]["value"]), str(drEntry["fullUrl"]));
  EXPECT_EQ(str(dr["author"][0]["reference"]), "#c1");
  EXPECT_EQ(str(dr["custodian"]["reference"]), "#c2");
  EXPECT_EQ(str(dr["contained"][0]["resourceType"]), "Practitioner");
  EXPECT_EQ(str(dr["contained"][1]["resourceType"]), "Organization");
  EXPECT_FALSE(dr["context"].HasMember("encounter")) << "no Encounter travels with ITI-65";
  EXPECT_TRUE(dr["context"].HasMember("period"));
  const auto& binaryEntry = *entryOf(b, "Binary");
  EXPECT_EQ(str(dr["content"][0]["attachment"]["url"]), str(binaryEntry["fullUrl"]));
  EXPECT_THAT(str(binaryEntry["fullUrl"]), ::testing::StartsWith("urn:uuid:"));
  EXPECT_EQ(str(binaryEntry["resource"]["data"]), "JVBERi0xLjQK");
  EXPECT_THAT(*bundle, ::testing::Not(HasSubstr("DUPONT"))) << "no Patient resource is sent";
  EXPECT_TRUE(errorsOf(*bundle).empty()) << describe(errorsOf(*bundle));
}

TEST(ProvideBundle, IdsAreReusedOnRetryAndDifferPerDelivery) {
  auto payload = makeDeliveryPayload(documentDelivery(), sampleResources());
  auto first = buildProvideBundle(*payload, {"1.2.3"});
  payload->attempt = 7;
  EXPECT_EQ(*first, *buildProvideBundle(*payload, {"1.2.3"}));
  store::Delivery other = documentDelivery();
  other.id = "3d1c5e0a-0000-4000-8000-000000000002";
  auto second = buildProvideBundle(*makeDeliveryPayload(other, sampleResources()), {"1.2.3"});
  const auto a = parse(*first);
  const auto b = parse(*second);
  const auto& setA = (*entryOf(a.root(), "List"))["resource"]["identifier"];
  const auto& setB = (*entryOf(b.root(), "List"))["resource"]["identifier"];
  EXPECT_NE(str(setA[0]["value"]), str(setB[0]["value"]));
  EXPECT_EQ(str((*entryOf(a.root(), "DocumentReference"))["resource"]["masterIdentifier"]["value"]),
            str((*entryOf(b.root(), "DocumentReference"))["resource"]["masterIdentifier"]["value"]))
      << "the document's uniqueId is the document's, whatever the delivery";
}

TEST(ProvideBundle, TheDocumentUniqueIdIsAlwaysAnOid) {
  auto resources = sampleResources();
  for (auto& r : resources) {
    if (r.resourceType != "DocumentReference" || r.documentId != "doc-1") continue;
    r.json.insert(r.json.size() - 1,
                  R"(,"masterIdentifier":{"system":"urn:ietf:rfc:3986","value":"urn:uuid:)"
                  R"(f81d4fae-7dec-11d0-a765-00a0c91e6bf6"})");
  }
  auto bundle = buildProvideBundle(*makeDeliveryPayload(documentDelivery(), resources), {"1.2.3"});
  ASSERT_TRUE(bundle.hasValue()) << bundle.error().message();
  const auto doc = parse(*bundle);
  const auto& master = (*entryOf(doc.root(), "DocumentReference"))["resource"]["masterIdentifier"];
  EXPECT_EQ(str(master["use"]), "usual");
  EXPECT_EQ(str(master["value"]), "urn:oid:2.25.329800735698586629295641978511506172918")
      << "the mapper's UUID, as its OID";
}

TEST(ProvideBundle, InlineDataBecomesABinaryEntry) {
  store::Delivery d = documentDelivery();
  d.documentId = "doc-2";
  auto bundle = buildProvideBundle(*makeDeliveryPayload(d, sampleResources()), {"1.2.3"});
  ASSERT_TRUE(bundle.hasValue()) << bundle.error().message();
  const auto doc = parse(*bundle);
  const auto* binary = entryOf(doc.root(), "Binary");
  ASSERT_NE(binary, nullptr);
  EXPECT_EQ(str((*binary)["resource"]["data"]), "b2s=");
  const auto& attachment =
      (*entryOf(doc.root(), "DocumentReference"))["resource"]["content"][0]["attachment"];
  EXPECT_FALSE(attachment.HasMember("data"));
  EXPECT_EQ(str(attachment["url"]), str((*binary)["fullUrl"]));
  EXPECT_TRUE(errorsOf(*bundle).empty()) << describe(errorsOf(*bundle));
}

TEST(ProvideBundle, APatientWithoutInsOrADeliveryWithoutDocumentIsRefused) {
  auto noIns = buildProvideBundle(
      *makeDeliveryPayload(documentDelivery(), sampleResources({}, /*withIns=*/false)), {"1.2.3"});
  ASSERT_FALSE(noIns.hasValue());
  EXPECT_EQ(noIns.error().code(), common::StatusCode::kFailedPrecondition);
  EXPECT_THAT(noIns.error().message(), HasSubstr("INS"));
  store::Delivery encounter = documentDelivery();
  encounter.documentId.reset();
  auto none = buildProvideBundle(*makeDeliveryPayload(encounter, sampleResources()), {"1.2.3"});
  ASSERT_FALSE(none.hasValue());
  EXPECT_THAT(none.error().message(), HasSubstr("no DocumentReference"));
}

// ---- the payload's parsed trees --------------------------------------------------------------

TEST(BundleBuilders, ThePayloadsTreesGiveTheBundlesItsTextsGiveAndStayAsTheyWere) {
  for (const char* documentId : {"doc-cr", "doc-ord", "doc-aat"}) {
    SCOPED_TRACE(documentId);
    const DeliveryPayload withTrees =
        fullExamplePayload("dmp", std::nullopt, /*withIns=*/true, documentId);
    DeliveryPayload textsOnly = withTrees;
    for (PayloadResource& r : textsOnly.resources) {
      ASSERT_NE(r.tree, nullptr) << r.resourceType << ": the selection parsed it";
      r.tree.reset();
    }
    EXPECT_EQ(*buildTransactionBundle(withTrees), *buildTransactionBundle(textsOnly));
    EXPECT_EQ(*buildTransactionBundle(withTrees, {.clientAssignedIds = true}),
              *buildTransactionBundle(textsOnly, {.clientAssignedIds = true}));
    EXPECT_EQ(*buildProvideBundle(withTrees, {"1.2.3"}), *buildProvideBundle(textsOnly, {"1.2.3"}));
    // The builders edit copies: the trees (shared by the deliveries of a record) are unchanged.
    for (const PayloadResource& r : withTrees.resources) {
      EXPECT_EQ(r.tree->serialize(), common::Json::parse(r.json)->serialize()) << r.resourceType;
    }
  }
}

TEST(BundleBuilders, AResourceThatIsJsonButNotAnObjectIsRefusedFromItsTreeAsFromItsText) {
  DeliveryPayload payload = *makeDeliveryPayload(documentDelivery(), sampleResources());
  payload.resources.front().json = "[]";
  payload.resources.front().tree = std::make_shared<const common::Json>(common::Json::array());
  DeliveryPayload textOnly = payload;
  textOnly.resources.front().tree.reset();
  for (const DeliveryPayload* p : {&payload, &textOnly}) {
    auto bundle = buildTransactionBundle(*p);
    ASSERT_FALSE(bundle.hasValue());
    EXPECT_EQ(bundle.error().code(), common::StatusCode::kInvalidArgument);
    EXPECT_THAT(bundle.error().message(), HasSubstr("is not a JSON object"));
  }
}

// ---- validation of the bundle as a tree ------------------------------------------------------

namespace {

std::string issuesText(const std::vector<fhir::Issue>& issues) {
  std::string out;
  for (const fhir::Issue& i : issues) {
    out += std::to_string(static_cast<int>(i.severity)) + " " + i.code + " " + i.expression + ": " +
           i.diagnostics + "\n";
  }
  return out;
}

}  // namespace

TEST(BundleValidation, ATreeGetsTheIssuesItsTextWouldGet) {
  const fhir::Validator validator = fhir::makeFrCoreValidator();
  for (const char* documentId : {"doc-cr", "doc-ord", "doc-aat"}) {
    SCOPED_TRACE(documentId);
    const DeliveryPayload payload =
        fullExamplePayload("dmp", std::nullopt, /*withIns=*/true, documentId);
    for (const common::Json& bundle :
         {*buildTransactionBundleTree(payload), *buildProvideBundleTree(payload, {"1.2.3"})}) {
      auto document = bundle.toDocument();
      ASSERT_TRUE(document.hasValue());
      EXPECT_EQ(issuesText(validator.validate(*document)),
                issuesText(*validator.validateText(bundle.serialize())));
      EXPECT_FALSE(detail::validateBundle(&validator, bundle).has_value());
    }
  }
}

TEST(BundleValidation, ATreeWithANumberWhereFhirWantsAStringIsRefusedAsItsTextWouldBe) {
  const fhir::Validator validator = fhir::makeFrCoreValidator();
  common::Json bundle =
      *buildTransactionBundleTree(fullExamplePayload("dmp", std::nullopt, /*withIns=*/true));
  common::Json& patient = *bundle.find("entry")->items().front().find("resource");
  ASSERT_EQ(patient.stringAt("resourceType"), "Patient");
  patient.set("birthDate", common::Json::number("19790312"));
  const std::vector<fhir::Issue> fromText = errorsOf(bundle.serialize());
  ASSERT_FALSE(fromText.empty());
  const auto refused = detail::validateBundle(&validator, bundle);
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(refused->reason, "invalid-bundle");
  EXPECT_THAT(refused->message, HasSubstr("first at " + fromText.front().expression));
  EXPECT_THAT(refused->message, HasSubstr("birthDate"));
}

// ---- a record's parsed resources shared within one claim -------------------------------------

TEST(ParsedResourceCache, ARecordsDeliveriesShareItsParsedResourcesAndBuildTheSameBundles) {
  const SampleIds ids;
  const auto rows = sampleResources(ids);
  store::Delivery document = documentDelivery(ids);
  store::Delivery encounter = documentDelivery(ids);
  encounter.id = "3d1c5e0a-0000-4000-8000-000000000002";
  encounter.documentId.reset();
  ParsedResourceCache cache;
  const DeliveryPayload first = *makeDeliveryPayload(document, rows, &cache);
  const DeliveryPayload second = *makeDeliveryPayload(encounter, rows, &cache);
  // The Patient was parsed for the first delivery and is the same tree in the second.
  EXPECT_EQ(first.find("Patient")->tree, second.find("Patient")->tree);
  for (const store::Delivery* d : {&document, &encounter}) {
    const DeliveryPayload alone = *makeDeliveryPayload(*d, rows);
    const DeliveryPayload& shared = d == &document ? first : second;
    ASSERT_EQ(typeSet(shared), typeSet(alone));
    EXPECT_EQ(*buildTransactionBundle(shared), *buildTransactionBundle(alone));
    for (const PayloadResource& r : shared.resources) {
      EXPECT_EQ(r.tree->serialize(), common::Json::parse(r.json)->serialize()) << r.resourceType;
    }
  }
}

TEST(ParsedResourceCache, ATreeIsTakenOnlyForTheSameRecordAndTheSameText) {
  const SampleIds ids;
  auto rows = sampleResources(ids);
  ParsedResourceCache cache;
  const DeliveryPayload first = *makeDeliveryPayload(documentDelivery(ids), rows, &cache);
  // The same resource id with another text: parsed again, never the tree of the earlier text.
  for (store::FhirResource& r : rows) {
    if (r.resourceType == "Patient") r.json.insert(r.json.size() - 1, R"(,"active":true)");
  }
  const DeliveryPayload changed = *makeDeliveryPayload(documentDelivery(ids), rows, &cache);
  EXPECT_NE(changed.find("Patient")->tree, first.find("Patient")->tree);
  EXPECT_EQ(changed.find("Patient")->tree->find("active")->boolValue(), true);
  EXPECT_EQ(changed.find("Organization")->tree, first.find("Organization")->tree);
  // A record forgotten (its last delivery in the claim built): parsed again.
  cache.forget(ids.recordId);
  const DeliveryPayload again = *makeDeliveryPayload(documentDelivery(ids), rows, &cache);
  EXPECT_NE(again.find("Organization")->tree, first.find("Organization")->tree);
  // Another record with the same resource ids and texts: its own trees.
  SampleIds other = ids;
  other.recordId = "rec-other";
  auto otherRows = rows;
  for (store::FhirResource& r : otherRows) r.recordId = other.recordId;
  store::Delivery otherDelivery = documentDelivery(other);
  const DeliveryPayload third = *makeDeliveryPayload(otherDelivery, otherRows, &cache);
  EXPECT_NE(third.find("Organization")->tree, first.find("Organization")->tree);
  // And a text that is not JSON is refused with a cache as without one.
  otherRows.front().json = "{not json";
  auto refused = makeDeliveryPayload(otherDelivery, otherRows, &cache);
  ASSERT_FALSE(refused.hasValue());
  EXPECT_EQ(refused.error().code(), common::StatusCode::kInvalidArgument);
}
