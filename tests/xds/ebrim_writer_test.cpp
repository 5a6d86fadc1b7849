#include "fhirgw/xds/ebrim_writer.hpp"

#include <gtest/gtest.h>

#include "sample_metadata.hpp"
#include "schema_check.hpp"

namespace fhirgw::xds {
namespace {

using testing::sampleMetadata;
using testing::schemaErrors;
using testing::xpath;
using testing::xpathOne;

std::string write(const Metadata& m, Flavor flavor) {
  auto xml = writeSubmitObjectsRequest(m, flavor);
  EXPECT_TRUE(xml.hasValue()) << xml.status().toString();
  return xml.hasValue() ? *xml : std::string();
}

constexpr std::string_view kDocPath = "//rim:ExtrinsicObject";
const std::string& doc() {
  static const std::string path(kDocPath);
  return path;
}

std::string classification(const std::string& scheme) {
  return doc() + "/rim:Classification[@classificationScheme='" + scheme + "']";
}

TEST(EbRimWriter, Iti41MetadataIsValidAgainstTheEbRsSchema) {
  const std::string xml = write(sampleMetadata(), Flavor::kIti41);
  EXPECT_EQ(schemaErrors(xml), "");
}

TEST(EbRimWriter, XdmMetadataIsValidAgainstTheEbRsSchema) {
  const std::string xml = write(sampleMetadata(), Flavor::kXdm);
  EXPECT_EQ(schemaErrors(xml), "");
}

// The check itself: a RegistryObject's children out of the ebRIM order are refused.
TEST(EbRimWriter, SchemaCheckRefusesChildrenOutOfOrder) {
  std::string xml = write(sampleMetadata(), Flavor::kIti41);
  const std::size_t afterName = xml.find("</rim:Name>") + 11;
  xml.insert(afterName, "<rim:Slot name=\"late\"><rim:ValueList/></rim:Slot>");
  EXPECT_NE(schemaErrors(xml), "");
}

TEST(EbRimWriter, Iti41UsesSymbolicIdsAndNoUriSlot) {
  const std::string xml = write(sampleMetadata(), Flavor::kIti41);
  EXPECT_EQ(xpathOne(xml, "//rim:RegistryPackage/@id"), "SubmissionSet01");
  EXPECT_EQ(xpathOne(xml, doc() + "/@id"), "Document01");
  EXPECT_EQ(xpathOne(xml, "//rim:Association/@sourceObject"), "SubmissionSet01");
  EXPECT_EQ(xpathOne(xml, "//rim:Association/@targetObject"), "Document01");
  EXPECT_TRUE(xpath(xml, doc() + "/rim:Slot[@name='URI']").empty());
  EXPECT_TRUE(xpath(xml, "//rim:Slot[@name='intendedRecipient']").empty());
}

TEST(EbRimWriter, XdmUsesTheEntryUuidsAndCarriesUriAndRecipient) {
  const Metadata m = sampleMetadata();
  const std::string xml = write(m, Flavor::kXdm);
  EXPECT_EQ(xpathOne(xml, "//rim:RegistryPackage/@id"), m.submissionSet.entryUuid);
  EXPECT_EQ(xpathOne(xml, doc() + "/@id"), m.documents[0].entryUuid);
  EXPECT_EQ(xpathOne(xml, "//rim:Association/@targetObject"), m.documents[0].entryUuid);
  EXPECT_EQ(xpathOne(xml, doc() + "/rim:Slot[@name='URI']/rim:ValueList/rim:Value"), "DOC0001.PDF");
  EXPECT_EQ(xpathOne(xml, "//rim:Slot[@name='intendedRecipient']/rim:ValueList/rim:Value"),
            "||^^Internet^paul.martin@medecin.mssante.fr");
  for (const std::string& id :
       xpath(xml, "//rim:Classification/@id | //rim:ExternalIdentifier/@id")) {
    EXPECT_TRUE(id.starts_with("urn:uuid:")) << id;
  }
}

TEST(EbRimWriter, SubmissionSetCarriesItsIdentifiersAndClassifications) {
  const Metadata m = sampleMetadata();
  const std::string xml = write(m, Flavor::kXdm);
  const std::string ei = "//rim:RegistryPackage/rim:ExternalIdentifier[@identificationScheme='";
  EXPECT_EQ(xpathOne(xml, ei + "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8']/@value"),
            m.submissionSet.uniqueId);
  EXPECT_EQ(xpathOne(xml, ei + "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832']/@value"),
            "1.2.250.1.999.1");
  EXPECT_EQ(xpathOne(xml, ei + "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446']/@value"),
            "279035121518989^^^&1.2.250.1.213.1.4.8&ISO^NH");
  EXPECT_EQ(xpathOne(xml,
                     "//rim:RegistryObjectList/rim:Classification[@classificationNode="
                     "'urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd']/@classifiedObject"),
            m.submissionSet.entryUuid);
  EXPECT_EQ(xpathOne(xml,
                     "//rim:RegistryPackage/rim:Classification[@classificationScheme="
                     "'urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d']/rim:Slot[@name="
                     "'authorPerson']/rim:ValueList/rim:Value"),
            "810003456786^MARTIN^Paul^^^^^^&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS");
  EXPECT_EQ(xpathOne(xml,
                     "//rim:RegistryPackage/rim:Classification[@classificationScheme="
                     "'urn:uuid:aa543740-bdda-424e-8c96-df4873be8500']/@nodeRepresentation"),
            "07");
  EXPECT_EQ(xpathOne(xml, "//rim:Slot[@name='submissionTime']/rim:ValueList/rim:Value"),
            "20261120085000");
}

TEST(EbRimWriter, DocumentEntryCarriesEachCodeUnderItsScheme) {
  const std::string xml = write(sampleMetadata(), Flavor::kIti41);
  struct Expected {
    const char* scheme;
    const char* code;
    const char* codingScheme;
  };
  for (const Expected& e : {
           Expected{"urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a", "42", "1.2.250.1.213.1.1.4.1"},
           Expected{"urn:uuid:f0306f51-975f-434e-a61c-c59651d33983", "57833-6",
                    "2.16.840.1.113883.6.1"},
           Expected{"urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f", "N", "2.16.840.1.113883.5.25"},
           Expected{"urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
                    "urn:ihe:iti:xds:2017:mimeTypeSufficient", "1.3.6.1.4.1.19376.1.2.3"},
           Expected{"urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1", "SA07", "1.2.250.1.71.4.2.4"},
           Expected{"urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead", "AMBULATOIRE",
                    "1.2.250.1.213.1.1.4.9"},
       }) {
    EXPECT_EQ(xpathOne(xml, classification(e.scheme) + "/@nodeRepresentation"), e.code);
    EXPECT_EQ(xpathOne(xml, classification(e.scheme) +
                                "/rim:Slot[@name='codingScheme']/rim:ValueList/rim:Value"),
              e.codingScheme);
    EXPECT_EQ(xpathOne(xml, classification(e.scheme) + "/@classifiedObject"), "Document01");
  }
  const std::string ei = doc() + "/rim:ExternalIdentifier[@identificationScheme='";
  EXPECT_EQ(xpathOne(xml, ei + "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']/@value"),
            "2.25.987654321098765432109876543210");
  EXPECT_EQ(xpathOne(xml, ei + "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427']/@value"),
            "279035121518989^^^&1.2.250.1.213.1.4.8&ISO^NH");
  EXPECT_EQ(xpathOne(xml, doc() + "/@objectType"), "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1");
  EXPECT_EQ(xpathOne(xml, doc() + "/rim:Slot[@name='hash']/rim:ValueList/rim:Value"),
            "ac531304f3a066b25dce0b22c79f5eeb45727bd6");
  EXPECT_EQ(xpathOne(xml, doc() + "/rim:Slot[@name='size']/rim:ValueList/rim:Value"), "193");
  EXPECT_EQ(
      xpath(xml, doc() + "/rim:Slot[@name='sourcePatientInfo']/rim:ValueList/rim:Value").size(),
      4u);
  EXPECT_EQ(xpathOne(xml, "//rim:Association/rim:Slot[@name='SubmissionSetStatus']//rim:Value"),
            "Original");
  EXPECT_EQ(xpathOne(xml, "//rim:Association/@associationType"),
            "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember");
}

TEST(EbRimWriter, MarkupInATextIsEscapedAndReadsBackUnchanged) {
  const std::string xml = write(sampleMetadata(), Flavor::kXdm);
  EXPECT_EQ(xpathOne(xml, doc() + "/rim:Name/rim:LocalizedString/@value"),
            "Ordonnance <copie> & \"double\"");
  EXPECT_EQ(xml.find("<copie>"), std::string::npos);
}

TEST(EbRimWriter, SameMetadataGivesTheSameBytes) {
  EXPECT_EQ(write(sampleMetadata(), Flavor::kXdm), write(sampleMetadata(), Flavor::kXdm));
  EXPECT_EQ(write(sampleMetadata(), Flavor::kIti41), write(sampleMetadata(), Flavor::kIti41));
}

TEST(EbRimWriter, MissingRequiredValueIsRefusedByName) {
  Metadata m = sampleMetadata();
  m.documents[0].typeCode.code.clear();
  auto xml = writeSubmitObjectsRequest(m, Flavor::kIti41);
  ASSERT_FALSE(xml.hasValue());
  EXPECT_EQ(xml.error().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(xml.error().message(), "xds: documents[0].typeCode.code is missing");
}

TEST(EbRimWriter, XdmNeedsUriAndHashButIti41DoesNot) {
  Metadata m = sampleMetadata();
  m.documents[0].uri.clear();
  m.documents[0].hash.clear();
  EXPECT_TRUE(writeSubmitObjectsRequest(m, Flavor::kIti41).hasValue());
  auto xdm = writeSubmitObjectsRequest(m, Flavor::kXdm);
  ASSERT_FALSE(xdm.hasValue());
  EXPECT_EQ(xdm.error().message(), "xds: documents[0].uri is missing");
}

TEST(EbRimWriter, ControlCharacterOrBadUtf8IsRefused) {
  Metadata m = sampleMetadata();
  m.documents[0].title = "bad\x01title";
  auto control = writeSubmitObjectsRequest(m, Flavor::kXdm);
  ASSERT_FALSE(control.hasValue());
  EXPECT_EQ(control.error().message(), "xds: documents[0].title contains a control character");
  m.documents[0].title = "bad\xff";
  auto utf8 = writeSubmitObjectsRequest(m, Flavor::kXdm);
  ASSERT_FALSE(utf8.hasValue());
  EXPECT_EQ(utf8.error().message(), "xds: documents[0].title is not valid UTF-8");
}

TEST(EbRimWriter, SlotValueLongerThanTheSchemaAllowsIsRefused) {
  Metadata m = sampleMetadata();
  m.documents[0].sourcePatientInfo.push_back("PID-5|" + std::string(300, 'A'));
  auto xml = writeSubmitObjectsRequest(m, Flavor::kXdm);
  ASSERT_FALSE(xml.hasValue());
  EXPECT_EQ(xml.error().message(),
            "xds: documents[0].sourcePatientInfo is longer than 256 characters");
}

TEST(EbRimWriter, AssociationToAnUnknownObjectIsRefused) {
  Metadata m = sampleMetadata();
  m.associations[0].targetObject = "urn:uuid:00000000-0000-0000-0000-000000000000";
  auto xml = writeSubmitObjectsRequest(m, Flavor::kIti41);
  ASSERT_FALSE(xml.hasValue());
  EXPECT_EQ(xml.error().message(),
            "xds: associations[0] links an object that is not in the submission");
}

}  // namespace
}  // namespace fhirgw::xds
