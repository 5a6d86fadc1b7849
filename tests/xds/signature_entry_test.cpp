#include "fhirgw/xds/signature_entry.hpp"

#include <gtest/gtest.h>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/xds/ebrim_writer.hpp"
#include "sample_submission.hpp"
#include "schema_check.hpp"

namespace fhirgw::xds {
namespace {

using testing::sampleSignatureBytes;
using testing::sampleSignedSubmission;
using testing::sampleSigningTime;
using testing::sampleSubmission;
using testing::schemaErrors;
using testing::xpath;
using testing::xpathOne;

std::string iti41(const Metadata& m) {
  auto xml = writeSubmitObjectsRequest(m, Flavor::kIti41);
  EXPECT_TRUE(xml.hasValue()) << xml.status().toString();
  return xml.hasValue() ? *xml : std::string();
}

/// The signature's ExtrinsicObject (the second document in ITI-41 ids).
std::string signature() { return "//rim:ExtrinsicObject[@id='Document02']"; }

std::string code(const std::string& scheme, const std::string& what) {
  return signature() + "/rim:Classification[@classificationScheme='" + scheme + "']" + what;
}

std::string slot(const std::string& name) {
  return signature() + "/rim:Slot[@name='" + name + "']/rim:ValueList/rim:Value";
}

TEST(SignatureEntry, SignedSubmissionIsValidAgainstTheEbRsSchemaInBothFlavors) {
  const Submission s = sampleSignedSubmission();
  ASSERT_EQ(s.documents.size(), 2u);
  EXPECT_EQ(schemaErrors(iti41(s.metadata)), "");
  Metadata xdm = s.metadata;
  xdm.documents[1].uri = "DOC0002.XML";
  auto xml = writeSubmitObjectsRequest(xdm, Flavor::kXdm);
  ASSERT_TRUE(xml.hasValue()) << xml.status().toString();
  EXPECT_EQ(schemaErrors(*xml), "");
  EXPECT_EQ(xpathOne(*xml,
                     "//rim:Association[@associationType='urn:ihe:iti:2007:AssociationType:signs']"
                     "/@sourceObject"),
            xdm.documents[1].entryUuid);
}

TEST(SignatureEntry, SignatureEntryCarriesTheDrimboxValues) {
  const Submission s = sampleSignedSubmission();
  const std::string xml = iti41(s.metadata);
  struct Expected {
    const char* scheme;
    const char* code;
    const char* codingScheme;
    const char* display;
  };
  for (const Expected& e : {
           Expected{"urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a",
                    "urn:oid:1.3.6.1.4.1.19376.1.2.1.1.1", "URN", "Digital Signature"},
           Expected{"urn:uuid:f0306f51-975f-434e-a61c-c59651d33983", "E1762", "ASTM",
                    "Full Document"},
           Expected{"urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d",
                    "http://www.w3.org/2000/09/xmldsig#", "URN", "Default Signature Style"},
           Expected{"urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4", "1.2.840.10065.1.12.1.14",
                    "1.2.840.10065.1.12", "Source"},
           Expected{"urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1", "SA07", "1.2.250.1.71.4.2.4",
                    "Cabinet individuel"},
           Expected{"urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead", "AMBULATOIRE",
                    "1.2.250.1.213.1.1.4.9", "Ambulatoire"},
       }) {
    EXPECT_EQ(xpathOne(xml, code(e.scheme, "/@nodeRepresentation")), e.code);
    EXPECT_EQ(xpathOne(xml, code(e.scheme, "/rim:Slot[@name='codingScheme']//rim:Value")),
              e.codingScheme);
    EXPECT_EQ(xpathOne(xml, code(e.scheme, "/rim:Name/rim:LocalizedString/@value")), e.display);
  }
  const std::vector<std::string> confidentiality =
      xpath(xml, code("urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f", "/@nodeRepresentation"));
  EXPECT_EQ(confidentiality, (std::vector<std::string>{"N", "MASQUE_PS", "INVISIBLE_PATIENT"}));
  EXPECT_EQ(xpath(xml, code("urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f",
                            "/rim:Slot[@name='codingScheme']//rim:Value")),
            (std::vector<std::string>{"2.16.840.1.113883.5.25", "1.2.250.1.213.1.1.4.13",
                                      "1.2.250.1.213.1.1.4.13"}));

  EXPECT_EQ(xpathOne(xml, signature() + "/@mimeType"), "text/xml");
  EXPECT_EQ(xpathOne(xml, signature() + "/@objectType"),
            "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1");
  EXPECT_EQ(xpathOne(xml, signature() + "/rim:Name/rim:LocalizedString/@value"), "Source");
  EXPECT_EQ(xpathOne(xml, slot("languageCode")), "art");
  EXPECT_EQ(xpathOne(xml, slot("creationTime")), "20261120090000");
  EXPECT_EQ(xpathOne(xml, slot("serviceStartTime")), "20261120090000");
  EXPECT_EQ(xpathOne(xml, slot("serviceStopTime")), "20261120090000");
  EXPECT_EQ(xpathOne(xml, slot("legalAuthenticator")), s.metadata.submissionSet.author.person);
  EXPECT_EQ(xpathOne(xml, slot("sourcePatientId")), s.metadata.documents[0].sourcePatientId);
  EXPECT_EQ(xpathOne(xml, slot("hash")), common::hexEncode(common::sha1(sampleSignatureBytes())));
  EXPECT_EQ(xpathOne(xml, slot("size")), std::to_string(sampleSignatureBytes().size()));
  EXPECT_EQ(xpathOne(xml, signature() +
                              "/rim:Classification[@classificationScheme='urn:uuid:93606bcf-9494-"
                              "43ec-9b4e-a7748d1a838d']/rim:Slot[@name='authorPerson']//rim:Value"),
            s.metadata.submissionSet.author.person);
  const std::string ei = signature() + "/rim:ExternalIdentifier[@identificationScheme='";
  EXPECT_EQ(xpathOne(xml, ei + "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']/@value"),
            "2.25.111122223333444455556666777788889999");
  EXPECT_EQ(xpathOne(xml, ei + "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427']/@value"),
            s.metadata.documents[0].patientId);
  EXPECT_EQ(s.documents[1], sampleSignatureBytes());
  EXPECT_EQ(s.documents[0], sampleSubmission().documents[0]);
}

TEST(SignatureEntry, HasMemberAndSignsAssociationsLinkTheSignatureAndTheSubmissionSet) {
  const std::string xml = iti41(sampleSignedSubmission().metadata);
  const std::string hasMember =
      "//rim:Association[@associationType="
      "'urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember']";
  EXPECT_EQ(xpath(xml, hasMember + "/@targetObject"),
            (std::vector<std::string>{"Document01", "Document02"}));
  EXPECT_EQ(xpath(xml, hasMember + "/@sourceObject"),
            (std::vector<std::string>{"SubmissionSet01", "SubmissionSet01"}));
  EXPECT_EQ(xpath(xml, hasMember + "/rim:Slot[@name='SubmissionSetStatus']//rim:Value"),
            (std::vector<std::string>{"Original", "Original"}));
  const std::string signs =
      "//rim:Association[@associationType='urn:ihe:iti:2007:AssociationType:signs']";
  EXPECT_EQ(xpathOne(xml, signs + "/@sourceObject"), "Document02");
  EXPECT_EQ(xpathOne(xml, signs + "/@targetObject"), "SubmissionSet01");
  EXPECT_TRUE(xpath(xml, signs + "/rim:Slot").empty());
}

TEST(SignatureEntry, SameInputGivesTheSameMetadata) {
  EXPECT_EQ(iti41(sampleSignedSubmission().metadata), iti41(sampleSignedSubmission().metadata));
  const Submission s = sampleSignedSubmission();
  EXPECT_EQ(s.metadata.documents[1].entryUuid,
            sampleSignedSubmission().metadata.documents[1].entryUuid);
  EXPECT_NE(s.metadata.associations[1].entryUuid, s.metadata.associations[2].entryUuid);
}

TEST(SignatureEntry, SecondSignatureOrEmptyValuesAreRefused) {
  Submission s = sampleSignedSubmission();
  const common::Status again =
      addSignatureDocument(s, "<x/>", "2.25.1234567890123456789012", sampleSigningTime());
  EXPECT_EQ(again.code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.documents.size(), 2u);

  Submission unsigned1 = sampleSubmission();
  EXPECT_EQ(addSignatureDocument(unsigned1, "", "2.25.1", sampleSigningTime()).code(),
            common::StatusCode::kInvalidArgument);
  EXPECT_EQ(addSignatureDocument(unsigned1, "<x/>", "", sampleSigningTime()).code(),
            common::StatusCode::kInvalidArgument);
  Submission empty;
  EXPECT_EQ(addSignatureDocument(empty, "<x/>", "2.25.1", sampleSigningTime()).code(),
            common::StatusCode::kInvalidArgument);
}

TEST(SignatureEntry, UniqueIdIsDerivedFromTheDeliveryId) {
  auto first = signatureUniqueId("2.25", "delivery-1");
  ASSERT_TRUE(first.hasValue());
  EXPECT_TRUE(first->starts_with("2.25."));
  EXPECT_TRUE(isOid(*first));
  EXPECT_LE(first->size(), kMaxUniqueIdLength);
  EXPECT_EQ(*first, *signatureUniqueId("2.25", "delivery-1"));
  EXPECT_NE(*first, *signatureUniqueId("2.25", "delivery-2"));
  EXPECT_FALSE(signatureUniqueId("2.25", "").hasValue());
  EXPECT_FALSE(signatureUniqueId("not an oid", "delivery-1").hasValue());
}

}  // namespace
}  // namespace fhirgw::xds
