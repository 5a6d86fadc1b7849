#include "fhirgw/xds/cda_builder.hpp"

#include <gtest/gtest.h>

#include "delivery_fixture.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/xds/ebrim_writer.hpp"
#include "fhirgw/xds/xdm_package.hpp"
#include "schema_check.hpp"

namespace fhirgw::xds {
namespace {

using testing::cdaSchemaErrors;
using testing::DeliveryFixture;
using testing::kPrescriptionPdf;
using testing::kReportText;
using testing::xpath;
using testing::xpathOne;

/// The sick-leave notice of the full example.
constexpr std::string_view kSickLeaveText = "1b78336d-49e5-5048-bd4c-0205fefeb449";

ClinicalDocument build(const SubmissionInput& input) {
  auto built = buildClinicalDocuments(input);
  EXPECT_TRUE(built.hasValue()) << built.status().toString();
  if (!built.hasValue() || built->size() != 1) return {};
  return built->front();
}

std::string error(const SubmissionInput& input) {
  auto built = buildClinicalDocuments(input);
  EXPECT_FALSE(built.hasValue());
  if (built.hasValue()) return "";
  EXPECT_EQ(built.error().code(), common::StatusCode::kInvalidArgument);
  return built.error().message();
}

TEST(CdaBuilder, TeleconsultationReportIsATlmCrValidAgainstTheAnsSchema) {
  DeliveryFixture fixture("full-example", kReportText);
  const ClinicalDocument cda = build(fixture.input());
  EXPECT_EQ(cdaSchemaErrors(cda.bytes), "");
  EXPECT_EQ(cda.kind, CdaKind::kTeleconsultationReport);
  const std::string& x = cda.bytes;
  EXPECT_EQ(xpathOne(x, "/cda:ClinicalDocument/cda:realmCode/@code"), "FR");
  EXPECT_EQ(xpath(x, "/cda:ClinicalDocument/cda:templateId/@root"),
            (std::vector<std::string>{"2.16.840.1.113883.2.8.2.1", "1.2.250.1.213.1.1.1.1",
                                      "1.3.6.1.4.1.19376.1.2.20"}));
  // The masterIdentifier's UUID under 2.25: the XDS uniqueId of the same document.
  EXPECT_EQ(xpathOne(x, "/cda:ClinicalDocument/cda:id/@root"), cda.uniqueId);
  EXPECT_TRUE(cda.uniqueId.starts_with("2.25."));
  EXPECT_EQ(xpathOne(x, "/cda:ClinicalDocument/cda:setId/@root"), cda.setId);
  EXPECT_NE(cda.setId, cda.uniqueId);
  EXPECT_EQ(xpathOne(x, "/cda:ClinicalDocument/cda:versionNumber/@value"), "1");
  EXPECT_EQ(xpathOne(x, "/cda:ClinicalDocument/cda:code/@code"), "85208-7");
  EXPECT_EQ(xpathOne(x, "/cda:ClinicalDocument/cda:effectiveTime/@value"), "20261120085000+0000");
  EXPECT_EQ(xpathOne(x, "/cda:ClinicalDocument/cda:confidentialityCode/@code"), "N");
  EXPECT_EQ(xpathOne(x, "/cda:ClinicalDocument/cda:languageCode/@code"), "fr-FR");
  const std::string patient = "/cda:ClinicalDocument/cda:recordTarget/cda:patientRole";
  EXPECT_EQ(xpathOne(x, patient + "/cda:id/@root"), "1.2.250.1.213.1.4.8");
  EXPECT_EQ(xpathOne(x, patient + "/cda:id/@extension"), "279035121518989");
  EXPECT_EQ(xpathOne(x, patient + "/cda:patient/cda:name/cda:family[@qualifier='BR']"), "DURAND");
  EXPECT_EQ(xpathOne(x, patient + "/cda:patient/cda:name/cda:given[@qualifier='BR']"), "Marie");
  EXPECT_EQ(xpathOne(x, patient + "/cda:patient/cda:name/cda:given[not(@qualifier)]"),
            "Marie Claire");
  EXPECT_EQ(xpathOne(x, patient + "/cda:patient/cda:administrativeGenderCode/@code"), "F");
  EXPECT_EQ(xpathOne(x, patient + "/cda:patient/cda:birthTime/@value"), "19790312");
  EXPECT_EQ(xpathOne(x, patient + "/cda:patient/cda:birthplace/cda:place/cda:addr/cda:county"),
            "51215");
  const std::string author = "/cda:ClinicalDocument/cda:author/cda:assignedAuthor";
  EXPECT_EQ(xpathOne(x, author + "/cda:id/@extension"), "810003456786");
  EXPECT_EQ(xpathOne(x, author + "/cda:code/@code"), "G15_10/SM54");
  EXPECT_EQ(xpathOne(x, author + "/cda:representedOrganization/cda:id/@extension"),
            "373282932000017");
  EXPECT_EQ(xpathOne(x, "//cda:representedCustodianOrganization/cda:name"), "Cabinet du Dr Martin");
  EXPECT_EQ(xpathOne(x, "//cda:legalAuthenticator/cda:assignedEntity/cda:id/@extension"),
            "810003456786");
  EXPECT_EQ(xpathOne(x, "//cda:serviceEvent/cda:code/@code"), "TCG");
  EXPECT_EQ(xpathOne(x, "//cda:serviceEvent/cda:effectiveTime/cda:low/@value"),
            "20261120083000+0000");
  EXPECT_EQ(xpathOne(x, "//cda:serviceEvent//cda:standardIndustryClassCode/@code"), "AMBULATOIRE");
  EXPECT_EQ(xpathOne(x, "//cda:encompassingEncounter/cda:code/@code"), "VR");
  EXPECT_EQ(xpathOne(x, "//cda:healthCareFacility/cda:code/@code"), "SA07");
  EXPECT_EQ(xpathOne(x, "//cda:nonXMLBody/cda:text/@mediaType"), "text/plain");
  EXPECT_EQ(xpathOne(x, "//cda:nonXMLBody/cda:text/@representation"), "B64");
  auto body = common::base64Decode(xpathOne(x, "//cda:nonXMLBody/cda:text"));
  ASSERT_TRUE(body.has_value());
  EXPECT_TRUE(body->starts_with("Compte rendu"));
  EXPECT_EQ(cda.code,
            (Code{"85208-7", "2.16.840.1.113883.6.1", "Compte-rendu d'acte de télémédecine"}));
  EXPECT_EQ(cda.classCode.code, "10");
  EXPECT_EQ(cda.formatCode.code, "urn:ihe:iti:xds-sd:text:2008");
  ASSERT_EQ(cda.eventCodes.size(), 1u);
  EXPECT_EQ(cda.eventCodes[0].code, "TCG");
}

TEST(CdaBuilder, PrescriptionCopyWrapsThePdf) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  const ClinicalDocument cda = build(fixture.input());
  EXPECT_EQ(cdaSchemaErrors(cda.bytes), "");
  EXPECT_EQ(cda.kind, CdaKind::kPrescription);
  EXPECT_EQ(xpathOne(cda.bytes, "/cda:ClinicalDocument/cda:code/@code"), "57833-6");
  EXPECT_EQ(xpathOne(cda.bytes, "//cda:nonXMLBody/cda:text/@mediaType"), "application/pdf");
  auto body = common::base64Decode(xpathOne(cda.bytes, "//cda:nonXMLBody/cda:text"));
  ASSERT_TRUE(body.has_value());
  EXPECT_TRUE(body->starts_with("%PDF-"));
  EXPECT_EQ(cda.classCode.code, "42");
  EXPECT_EQ(cda.formatCode.code, "urn:ihe:iti:xds-sd:pdf:2008");
}

TEST(CdaBuilder, SickLeaveCopyIsPrescAat) {
  DeliveryFixture fixture("full-example", kSickLeaveText);
  const ClinicalDocument cda = build(fixture.input());
  EXPECT_EQ(cdaSchemaErrors(cda.bytes), "");
  EXPECT_EQ(cda.kind, CdaKind::kSickLeave);
  EXPECT_EQ(xpathOne(cda.bytes, "/cda:ClinicalDocument/cda:code/@codeSystem"),
            "1.2.250.1.213.1.1.4.12");
  EXPECT_EQ(cda.code.code, "PRESC-AAT");
}

TEST(CdaBuilder, ARetryGivesTheSameBytes) {
  DeliveryFixture fixture("full-example", kReportText);
  const ClinicalDocument a = build(fixture.input("delivery-1"));
  const ClinicalDocument b = build(fixture.input("delivery-2"));
  EXPECT_FALSE(a.bytes.empty());
  EXPECT_EQ(a.bytes, b.bytes);  // the document's ids, not the delivery's
  EXPECT_TRUE(a.bytes.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ClinicalDocument"));
}

TEST(CdaBuilder, ValuesAreEscapedByTheXmlWriter) {
  DeliveryFixture fixture("full-example", kReportText);
  common::Json& name = fixture.resource("Organization");
  name.set("name", common::Json::string("Cabinet <A&B> \"Martin\""));
  const ClinicalDocument cda = build(fixture.input());
  EXPECT_EQ(cdaSchemaErrors(cda.bytes), "");
  EXPECT_EQ(xpathOne(cda.bytes, "//cda:representedCustodianOrganization/cda:name"),
            "Cabinet <A&B> \"Martin\"");
}

TEST(CdaBuilder, RefusesAPatientWithoutItsBirthTraits) {
  DeliveryFixture fixture("full-example", kReportText);
  fixture.resource("Patient").set("extension", common::Json::array());
  EXPECT_NE(error(fixture.input()).find("birthplace"), std::string::npos);
}

TEST(CdaBuilder, RefusesAReportWithoutItsNgapAct) {
  DeliveryFixture fixture("full-example", kReportText);
  // Neither the DocumentReference's context.event (where the mapper writes it) nor a ChargeItem.
  ASSERT_TRUE(fixture.resource("DocumentReference").find("context")->erase("event"));
  fixture.remove("ChargeItem");
  EXPECT_NE(error(fixture.input()).find("NGAP act"), std::string::npos);
}

// Without ChargeItem nor PractitionerRole the act still comes from context.event (which the
// mapper writes); the author then has no specialty code.
TEST(CdaBuilder, TheActComesFromTheDocumentContextWithoutChargeItem) {
  DeliveryFixture fixture("full-example", kReportText);
  fixture.remove("ChargeItem");
  fixture.remove("PractitionerRole");
  auto event = common::Json::parse(
      R"([{"coding":[{"system":"https://fhir-gateway.fr/fhir/CodeSystem/ngap","code":"TC"}]}])");
  ASSERT_TRUE(event.hasValue());
  fixture.resource("DocumentReference").find("context")->set("event", std::move(*event));
  const ClinicalDocument cda = build(fixture.input());
  EXPECT_EQ(cdaSchemaErrors(cda.bytes), "");
  EXPECT_EQ(xpathOne(cda.bytes, "//cda:serviceEvent/cda:code/@code"), "TC");
  EXPECT_EQ(xpath(cda.bytes, "//cda:assignedAuthor/cda:code").size(), 0u);
}

TEST(CdaBuilder, RefusesAPatientWithoutIns) {
  DeliveryFixture fixture("full-example", kReportText);
  fixture.resource("Patient").set("identifier", common::Json::array());
  SubmissionInput input = fixture.input();
  input.requireIns = false;
  EXPECT_NE(error(input).find("INS"), std::string::npos);
}

TEST(CdaBuilder, WithTheCdaFlagTheSubmissionCarriesTheCdaAndMetadataFromItsHeader) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  SubmissionInput input = fixture.input();
  input.cda = true;
  auto built = buildSubmission(input);
  ASSERT_TRUE(built.hasValue()) << built.status().toString();
  const ClinicalDocument cda = build(input);
  ASSERT_EQ(built->documents.size(), 1u);
  EXPECT_EQ(built->documents[0], cda.bytes);
  const DocumentEntry& d = built->metadata.documents[0];
  EXPECT_EQ(d.mimeType, "text/xml");
  EXPECT_EQ(d.hash, common::hexEncode(common::sha1(cda.bytes)));
  EXPECT_EQ(d.size, cda.bytes.size());
  EXPECT_EQ(d.uniqueId, cda.uniqueId);
  EXPECT_EQ(d.typeCode, cda.code);
  EXPECT_EQ(d.classCode, cda.classCode);
  EXPECT_EQ(d.formatCode, (Code{"urn:ihe:iti:xds-sd:pdf:2008", "1.3.6.1.4.1.19376.1.2.3",
                                "Document à corps non structuré en Pdf/A-1"}));
  EXPECT_EQ(d.eventCodes, cda.eventCodes);
  EXPECT_EQ(d.title, "Prescription de produits de santé");
  // The header and the metadata agree where §2.4 maps one to the other.
  EXPECT_EQ(xpathOne(cda.bytes, "/cda:ClinicalDocument/cda:effectiveTime/@value"),
            d.creationTime + "+0000");
  EXPECT_EQ(xpathOne(cda.bytes, "//cda:healthCareFacility/cda:code/@code"),
            d.healthcareFacilityTypeCode.code);
  EXPECT_EQ(xpathOne(cda.bytes, "//cda:standardIndustryClassCode/@code"),
            d.practiceSettingCode.code);
  // Both wire forms still write it, and the XDM package names the document DOC0001.XML.
  auto iti41 = writeSubmitObjectsRequest(built->metadata, Flavor::kIti41);
  ASSERT_TRUE(iti41.hasValue()) << iti41.status().toString();
  EXPECT_EQ(testing::schemaErrors(*iti41), "");
  auto zip = writeXdmZip(built->metadata, built->documents);
  ASSERT_TRUE(zip.hasValue()) << zip.status().toString();
  EXPECT_NE(zip->find("IHE_XDM/SUBSET01/DOC0001.XML"), std::string::npos);
}

TEST(CdaBuilder, TheReportsMetadataIsTheTlmCrs) {
  DeliveryFixture fixture("full-example", kReportText);
  SubmissionInput input = fixture.input();
  input.cda = true;
  auto built = buildSubmission(input);
  ASSERT_TRUE(built.hasValue()) << built.status().toString();
  const DocumentEntry& d = built->metadata.documents[0];
  EXPECT_EQ(d.typeCode.code, "85208-7");
  EXPECT_EQ(d.classCode.code, "10");
  EXPECT_EQ(d.formatCode.code, "urn:ihe:iti:xds-sd:text:2008");
  ASSERT_EQ(d.eventCodes.size(), 1u);
  EXPECT_EQ(d.eventCodes[0],
            (Code{"TCG", "1.2.250.1.215.200.3.3", "Téléconsultation du médecin généraliste"}));
}

}  // namespace
}  // namespace fhirgw::xds
