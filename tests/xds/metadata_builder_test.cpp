#include "fhirgw/xds/metadata_builder.hpp"

#include <gtest/gtest.h>

#include "delivery_fixture.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/xds/ebrim_writer.hpp"
#include "schema_check.hpp"

namespace fhirgw::xds {
namespace {

using testing::DeliveryFixture;
using testing::kPrescriptionPdf;
using testing::kReportText;

Submission expectBuilt(const SubmissionInput& input) {
  auto built = buildSubmission(input);
  EXPECT_TRUE(built.hasValue()) << built.status().toString();
  return built.hasValue() ? *built : Submission{};
}

std::string expectRefused(const SubmissionInput& input) {
  auto built = buildSubmission(input);
  EXPECT_FALSE(built.hasValue());
  if (built.hasValue()) return "";
  EXPECT_EQ(built.error().code(), common::StatusCode::kInvalidArgument);
  return built.error().message();
}

TEST(MetadataBuilder, PrescriptionPdfOfTheFullExampleGivesTheCiSisMetadata) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  const Submission s = expectBuilt(fixture.input());
  ASSERT_EQ(s.metadata.documents.size(), 1u);
  const DocumentEntry& d = s.metadata.documents[0];
  const std::string ins = "279035121518989^^^&1.2.250.1.213.1.4.8&ISO^NH";
  const std::string martin = "810003456786^MARTIN^Paul^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS";
  EXPECT_EQ(d.patientId, ins);
  EXPECT_EQ(d.sourcePatientId, ins);
  EXPECT_EQ(d.sourcePatientInfo,
            (std::vector<std::string>{"PID-3|" + ins, "PID-5|DURAND^Marie^^^^^L", "PID-7|19790312",
                                      "PID-8|F"}));
  EXPECT_EQ(d.author.person, martin);
  EXPECT_EQ(d.author.institution,
            "Cabinet du Dr Martin^^^^^&1.2.250.1.71.4.2.2&ISO^IDNST^^^373282932000017");
  EXPECT_EQ(d.author.specialty,
            "G15_10/SM54^Médecin - Médecine générale (SM)^1.2.250.1.213.1.1.4.5");
  EXPECT_EQ(d.legalAuthenticator, martin);
  EXPECT_EQ(d.mimeType, "application/pdf");
  EXPECT_EQ(d.hash, common::hexEncode(*common::base64Decode("rFMTBPOgZrJdzgsix59e60Vye9Y=")));
  EXPECT_EQ(d.size, 193u);
  EXPECT_EQ(s.documents[0].size(), 193u);
  EXPECT_TRUE(s.documents[0].starts_with("%PDF-"));
  EXPECT_EQ(d.creationTime, "20261120084800");  // 09:48+01:00
  EXPECT_EQ(d.serviceStartTime, "20261120083000");
  EXPECT_EQ(d.serviceStopTime, "20261120084500");
  EXPECT_EQ(d.languageCode, "fr-FR");
  EXPECT_EQ(d.title, "Ordonnance");
  EXPECT_EQ(d.typeCode, (Code{"57833-6", "2.16.840.1.113883.6.1", "Prescription for medication"}));
  EXPECT_EQ(d.classCode, (Code{"42", "1.2.250.1.213.1.1.4.1", "Prescription"}));
  EXPECT_EQ(d.confidentialityCodes, (std::vector<Code>{{"N", "2.16.840.1.113883.5.25", "Normal"}}));
  EXPECT_EQ(d.formatCode, (Code{"urn:ihe:iti:xds:2017:mimeTypeSufficient",
                                "1.3.6.1.4.1.19376.1.2.3", "mimeType Sufficient"}));
  EXPECT_EQ(d.healthcareFacilityTypeCode,
            (Code{"SA07", "1.2.250.1.71.4.2.4", "Cabinet individuel"}));
  EXPECT_EQ(d.practiceSettingCode, (Code{"AMBULATOIRE", "1.2.250.1.213.1.1.4.9", "Ambulatoire"}));
  // The masterIdentifier urn:uuid as its 2.25 OID: the mhd connector sends the same uniqueId.
  EXPECT_EQ(d.uniqueId, "2.25." + uuidToDecimal(kPrescriptionPdf));

  const SubmissionSet& ss = s.metadata.submissionSet;
  EXPECT_EQ(ss.patientId, ins);
  EXPECT_EQ(ss.author.person, martin);
  EXPECT_EQ(ss.sourceId, "1.2.250.1.999.1");
  EXPECT_EQ(ss.submissionTime, "20261120085000");
  EXPECT_EQ(ss.contentTypeCode, (Code{"07", "1.2.250.1.213.2.2", "Consultation Soins Externes"}));
  EXPECT_EQ(ss.intendedRecipients,
            (std::vector<std::string>{"||^^Internet^paul.martin@medecin.mssante.fr"}));
  EXPECT_TRUE(ss.uniqueId.starts_with("2.25."));
  ASSERT_EQ(s.metadata.associations.size(), 1u);
  EXPECT_EQ(s.metadata.associations[0].sourceObject, ss.entryUuid);
  EXPECT_EQ(s.metadata.associations[0].targetObject, d.entryUuid);
}

TEST(MetadataBuilder, BuiltMetadataIsValidInBothFlavors) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  Submission s = expectBuilt(fixture.input());
  auto iti41 = writeSubmitObjectsRequest(s.metadata, Flavor::kIti41);
  ASSERT_TRUE(iti41.hasValue()) << iti41.status().toString();
  EXPECT_EQ(testing::schemaErrors(*iti41), "");
  s.metadata.documents[0].uri = "DOC0001.PDF";
  auto xdm = writeSubmitObjectsRequest(s.metadata, Flavor::kXdm);
  ASSERT_TRUE(xdm.hasValue()) << xdm.status().toString();
  EXPECT_EQ(testing::schemaErrors(*xdm), "");
}

TEST(MetadataBuilder, TextReportIsReadFromItsBinary) {
  DeliveryFixture fixture("full-example", kReportText);
  const Submission s = expectBuilt(fixture.input());
  const DocumentEntry& d = s.metadata.documents[0];
  EXPECT_EQ(d.mimeType, "text/plain");
  EXPECT_EQ(d.size, 205u);
  EXPECT_EQ(d.typeCode.code, "11488-4");
  EXPECT_EQ(d.classCode.code, "10");
  EXPECT_EQ(d.title, "Compte rendu de teleconsultation");
  EXPECT_EQ(d.creationTime, "20261120085000");
  EXPECT_TRUE(s.documents[0].starts_with("Compte rendu"));
}

TEST(MetadataBuilder, InlineAttachmentDataIsUsedWithoutABinary) {
  DeliveryFixture fixture("full-example", kReportText);
  common::Json& attachment =
      *fixture.resource("DocumentReference").find("content")->items()[0].find("attachment");
  attachment.erase("url");
  attachment.set("data", common::Json::string(fixture.resource("Binary").stringAt("data")));
  fixture.remove("Binary");
  EXPECT_EQ(expectBuilt(fixture.input()).metadata.documents[0].size, 205u);
}

TEST(MetadataBuilder, SameDeliveryGivesTheSameIdsAndAnotherDeliveryAnotherSubmissionSet) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  const Submission a = expectBuilt(fixture.input("delivery-1"));
  const Submission again = expectBuilt(fixture.input("delivery-1"));
  const Submission other = expectBuilt(fixture.input("delivery-2"));
  EXPECT_EQ(a.metadata.submissionSet.uniqueId, again.metadata.submissionSet.uniqueId);
  EXPECT_EQ(a.metadata.submissionSet.entryUuid, again.metadata.submissionSet.entryUuid);
  EXPECT_EQ(a.metadata.documents[0].entryUuid, again.metadata.documents[0].entryUuid);
  EXPECT_EQ(a.metadata.associations[0].entryUuid, again.metadata.associations[0].entryUuid);
  EXPECT_NE(a.metadata.submissionSet.uniqueId, other.metadata.submissionSet.uniqueId);
  // The document is the same document whichever delivery carries it.
  EXPECT_EQ(a.metadata.documents[0].uniqueId, other.metadata.documents[0].uniqueId);
}

TEST(MetadataBuilder, ConfiguredRootPrefixesTheUniqueIdsWithinSixtyFourCharacters) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  SubmissionInput in = fixture.input();
  in.uniqueIdRoot = "1.2.250.1.999.1.42.7";
  const Submission s = expectBuilt(in);
  for (const std::string& id :
       {s.metadata.submissionSet.uniqueId, s.metadata.documents[0].uniqueId}) {
    EXPECT_TRUE(id.starts_with("1.2.250.1.999.1.42.7.")) << id;
    EXPECT_LE(id.size(), 64u);
    EXPECT_TRUE(isOid(id)) << id;
  }
  in.uniqueIdRoot = "1.2.250.01";
  EXPECT_EQ(expectRefused(in), "xds: the uniqueId root '1.2.250.01' is not an OID");
}

TEST(MetadataBuilder, PatientWithoutInsIsRefused) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  fixture.resource("Patient").erase("identifier");
  EXPECT_EQ(expectRefused(fixture.input()),
            "xds: the Patient has no INS identifier (DocumentReference/" +
                std::string(kPrescriptionPdf) + ")");
}

TEST(MetadataBuilder, WithoutInsForAProfessionalThePatientIsItsLocalId) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  fixture.resource("Patient").erase("identifier");
  SubmissionInput in = fixture.input();
  in.requireIns = false;
  const Submission s = expectBuilt(in);
  EXPECT_FALSE(s.patientIdIsIns);
  const std::string local =
      fixture.resource("Patient").stringAt("id") + "^^^&" + in.sourceId + "&ISO^PI";
  EXPECT_EQ(s.metadata.submissionSet.patientId, local);
  EXPECT_EQ(s.metadata.documents[0].patientId, local);
  EXPECT_EQ(s.metadata.documents[0].sourcePatientId, local);
  // With the INS, the same input says so.
  DeliveryFixture withIns("full-example", kPrescriptionPdf);
  SubmissionInput inIns = withIns.input();
  inIns.requireIns = false;
  EXPECT_TRUE(expectBuilt(inIns).patientIdIsIns);
}

TEST(MetadataBuilder, AuthorWithoutIdnpsIsRefused) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  for (common::Json& r : fixture.resources) {
    if (r.stringAt("resourceType") == "Practitioner") r.erase("identifier");
  }
  EXPECT_EQ(expectRefused(fixture.input()),
            "xds: the author Practitioner has no IDNPS identifier (DocumentReference/" +
                std::string(kPrescriptionPdf) + ")");
}

TEST(MetadataBuilder, MissingBinaryIsRefused) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  fixture.remove("Binary");
  EXPECT_EQ(expectRefused(fixture.input()),
            "xds: the attachment's Binary is not among the resources (DocumentReference/" +
                std::string(kPrescriptionPdf) + ")");
}

TEST(MetadataBuilder, DataThatDoesNotMatchTheAttachmentHashIsRefused) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  fixture.resource("Binary").set("data",
                                 common::Json::string(common::base64Encode(std::string(193, 'x'))));
  EXPECT_EQ(expectRefused(fixture.input()),
            "xds: the attachment's hash does not match its data (DocumentReference/" +
                std::string(kPrescriptionPdf) + ")");
}

TEST(MetadataBuilder, CdaWrapperFormatCodeIsNotUsedForABarePdf) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  common::Json& format =
      *fixture.resource("DocumentReference").find("content")->items()[0].find("format");
  format.set("code", common::Json::string("urn:ihe:iti:xds-sd:pdf:2008"));
  EXPECT_EQ(expectBuilt(fixture.input()).metadata.documents[0].formatCode.code,
            "urn:ihe:iti:xds:2017:mimeTypeSufficient");
}

TEST(MetadataBuilder, DeliveryWithoutDocumentIsRefused) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  fixture.remove("DocumentReference");
  EXPECT_EQ(expectRefused(fixture.input()), "xds: no DocumentReference among the resources");
}

TEST(MetadataBuilder, ResourceThatIsNotJsonIsRefused) {
  SubmissionInput in;
  in.deliveryId = "d";
  in.sourceId = "1.2.3";
  in.resourcesJson = {"{not json"};
  EXPECT_TRUE(expectRefused(in).starts_with("xds: resource 0 is not valid JSON"));
}

TEST(MetadataBuilder, SourceIdMustBeAnOid) {
  DeliveryFixture fixture("full-example", kPrescriptionPdf);
  SubmissionInput in = fixture.input();
  in.sourceId = "gateway";
  EXPECT_EQ(expectRefused(in), "xds: sourceId 'gateway' is not an OID");
}

TEST(UniqueIds, UuidIsWrittenAsItsDecimalInteger) {
  EXPECT_EQ(uuidToDecimal("00000000-0000-0000-0000-000000000001"), "1");
  EXPECT_EQ(uuidToDecimal("00000000-0000-0000-0000-000000000000"), "0");
  EXPECT_EQ(uuidToDecimal("ffffffff-ffff-ffff-ffff-ffffffffffff"),
            "340282366920938463463374607431768211455");
  EXPECT_EQ(uuidToDecimal("not-a-uuid"), "");
  EXPECT_EQ(*oidFromUuid("2.25", "00000000-0000-0000-0000-00000000000a"), "2.25.10");
}

TEST(UniqueIds, OidGrammar) {
  EXPECT_TRUE(isOid("2.25"));
  EXPECT_TRUE(isOid("1.2.250.1.213.1.4.8"));
  EXPECT_FALSE(isOid("2"));
  EXPECT_FALSE(isOid("3.1"));
  EXPECT_FALSE(isOid("1.02"));
  EXPECT_FALSE(isOid("1..2"));
  EXPECT_FALSE(isOid("1.2."));
  EXPECT_FALSE(isOid("1.2a"));
}

TEST(UniqueIds, LongRootKeepsTheLeadingDigitsAndRefusesWhenTooFewRemain) {
  const std::string root = "1.2.250.1.999.1.2.3.4.5.6.7.8.9.10.11.12.13";  // 43 characters
  auto id = oidFromUuid(root, "ffffffff-ffff-ffff-ffff-ffffffffffff");
  ASSERT_TRUE(id.hasValue());
  EXPECT_EQ(*id, root + ".34028236692093846346");  // the first 20 digits
  EXPECT_EQ(id->size(), 64u);
  EXPECT_FALSE(oidFromUuid(root + ".14.15.16", "ffffffff-ffff-ffff-ffff-ffffffffffff").hasValue());
}

}  // namespace
}  // namespace fhirgw::xds
