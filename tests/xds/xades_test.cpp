#include "fhirgw/xds/xades.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/test_pki.hpp"
#include "signature_check.hpp"

namespace fhirgw::xds {
namespace {

using namespace std::chrono_literals;
using testing::signedXpath;
using testing::signedXpathOne;

constexpr const char* kSetId = "2.25.302435179145213465284447434512345678901";
constexpr const char* kReportId = "2.25.111111111111111111111111111111111111111";
constexpr const char* kCopyId = "2.25.222222222222222222222222222222222222222";
constexpr const char* kSignatureId = "2.25.333333333333333333333333333333333333333";

constexpr std::string_view kReport =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ClinicalDocument xmlns=\"urn:hl7-org:v3\">\n"
    "  <title>Compte rendu</title>\n</ClinicalDocument>\n";
constexpr std::string_view kCopy =
    "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>Copie</title>"
    "</ClinicalDocument>";

XadesInput sampleXadesInput() {
  XadesInput in;
  in.signatureId = kSignatureId;
  in.submissionSetUniqueId = kSetId;
  in.documents = {{.uniqueId = kReportId, .bytes = kReport}, {.uniqueId = kCopyId, .bytes = kCopy}};
  in.signingTime = std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + 9h + 30min;
  return in;
}

std::string sign(XadesProfile profile, const XadesInput& in = sampleXadesInput()) {
  auto xades = buildXadesSignature(in, profile, testing::testSigningCredentials());
  if (!xades) throw std::runtime_error(xades.error().toString());
  return *xades;
}

std::string b64(const std::string& raw) { return common::base64Encode(raw); }

// The certificate's DER, read from the PEM file of the test PKI.
std::string certificateDerFromFile() {
  const std::string pem = testsupport::readFile(testsupport::testPkiDir() / "sign.pem");
  const auto begin = pem.find('\n', pem.find("-----BEGIN CERTIFICATE-----")) + 1;
  const auto end = pem.find("-----END CERTIFICATE-----");
  std::string base64;
  for (auto i = begin; i < end; ++i) {
    if (pem[i] != '\n' && pem[i] != '\r') base64 += pem[i];
  }
  return common::base64Decode(base64).value_or("");
}

std::string manifestDigest(const std::string& xades, const std::string& uid) {
  return signedXpathOne(xades,
                        "/ds:Signature/ds:Object/ds:Manifest[@Id='IHEManifest']/"
                        "ds:Reference[@URI='urn:oid:" +
                            uid + "']/ds:DigestValue");
}

// xmlsec1 with the ids of the Manifest and SignedProperties registered, and each document's
// urn:oid mapped to a file holding its bytes (the submission set's to an empty file).
testing::CommandResult verify(const std::string& xades, const char* xadesNs,
                              std::string_view report = kReport) {
  const testsupport::TempDir dir("fhirgw-xades");
  const auto reportFile = dir.write("report.xml", report);
  const auto copyFile = dir.write("copy.xml", kCopy);
  const auto setFile = dir.write("set.bin", "");
  return testing::xmlsecVerify(
      xades, std::string("--id-attr:Id http://www.w3.org/2000/09/xmldsig#:Manifest ") +
                 "--id-attr:Id " + xadesNs + ":SignedProperties " +
                 "--url-map:urn:oid:" + kReportId + " '" + reportFile.string() +
                 "' --url-map:urn:oid:" + kCopyId + " '" + copyFile.string() +
                 "' --url-map:urn:oid:" + kSetId + " '" + setFile.string() + "'");
}

constexpr const char* kXades111 = "http://uri.etsi.org/01903/v1.1.1#";
constexpr const char* kXades132 = "http://uri.etsi.org/01903/v1.3.2#";

TEST(Xades, LegacyProfileIsDrimboxsStructureWithSha1AndC14nWithComments) {
  const std::string x = sign(XadesProfile::kDmpLegacy);
  EXPECT_EQ(x.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ds:Signature ", 0), 0U);
  EXPECT_EQ(signedXpathOne(x, "/ds:Signature/@Id"), kSignatureId);
  const std::string info = "/ds:Signature/ds:SignedInfo";
  EXPECT_EQ(signedXpathOne(x, info + "/ds:CanonicalizationMethod/@Algorithm"),
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments");
  EXPECT_EQ(signedXpathOne(x, info + "/ds:SignatureMethod/@Algorithm"),
            "http://www.w3.org/2000/09/xmldsig#rsa-sha1");
  EXPECT_EQ(signedXpath(x, info + "/ds:Reference/@URI"),
            (std::vector<std::string>{"#IHEManifest", "#S0-SignedProperties"}));
  EXPECT_EQ(signedXpath(x, info + "/ds:Reference/@Type"),
            (std::vector<std::string>{"http://www.w3.org/2000/09/xmldsig#Manifest",
                                      "http://uri.etsi.org/01903/v1.1.1#SignedProperties"}));
  EXPECT_EQ(signedXpath(x, "//ds:DigestMethod/@Algorithm"),
            std::vector<std::string>(5, "http://www.w3.org/2000/09/xmldsig#sha1"));
  EXPECT_EQ(signedXpath(x, info + "/ds:Reference/ds:Transforms").size(), 0U);
  EXPECT_EQ(signedXpathOne(x,
                           "/ds:Signature/ds:Object/ds:SignatureProperties/"
                           "ds:SignatureProperty[@Id='purposeOfSignature']"),
            "1.2.840.10065.1.12.1.14");
  EXPECT_EQ(signedXpathOne(x, "//ds:SignatureProperty/@Target"), std::string("#") + kSignatureId);
  EXPECT_EQ(signedXpath(x, "//ds:Manifest/ds:Reference/@URI"),
            (std::vector<std::string>{std::string("urn:oid:") + kSetId,
                                      std::string("urn:oid:") + kReportId,
                                      std::string("urn:oid:") + kCopyId}));
  EXPECT_EQ(signedXpath(x, "//ds:Manifest/ds:Reference/ds:Transforms").size(), 0U);
  EXPECT_EQ(manifestDigest(x, kSetId), "AA==");
  const std::string props = "/ds:Signature/ds:Object/xad:QualifyingProperties";
  EXPECT_EQ(signedXpathOne(x, props + "/@Target"), std::string("#") + kSignatureId);
  const std::string sig = props +
                          "/xad:SignedProperties[@Id='S0-SignedProperties']/"
                          "xad:SignedSignatureProperties";
  EXPECT_EQ(signedXpathOne(x, sig + "/xad:SigningTime"), "2026-12-02T09:30:00.000Z");
  EXPECT_EQ(
      signedXpath(x, sig + "/xad:SignaturePolicyIdentifier/xad:SignaturePolicyImplied").size(), 1U);
  EXPECT_EQ(signedXpath(x, props + "/xad:SignedProperties/xad:SignedDataObjectProperties").size(),
            1U);
  // XAdES 1.1.1: CertDigest's children in the XAdES namespace, as DRIMbox writes them.
  EXPECT_EQ(signedXpath(x, sig + "/xad:SigningCertificate/xad:Cert/xad:CertDigest/"
                                 "xad:DigestMethod")
                .size(),
            1U);
}

TEST(Xades, Sha256ProfileUsesRsaSha256AndXades132WithDsDigestChildren) {
  const std::string x = sign(XadesProfile::kDmpSha256);
  const std::string info = "/ds:Signature/ds:SignedInfo";
  EXPECT_EQ(signedXpathOne(x, info + "/ds:SignatureMethod/@Algorithm"),
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
  EXPECT_EQ(signedXpath(x, "//ds:DigestMethod/@Algorithm"),
            std::vector<std::string>(6, "http://www.w3.org/2001/04/xmlenc#sha256"));
  EXPECT_EQ(signedXpath(x, info + "/ds:Reference/@Type"),
            (std::vector<std::string>{"http://www.w3.org/2000/09/xmldsig#Manifest",
                                      "http://uri.etsi.org/01903#SignedProperties"}));
  EXPECT_EQ(signedXpath(x, "//xad:QualifyingProperties").size(), 0U);
  EXPECT_EQ(signedXpath(x,
                        "//xad132:SigningCertificate/xad132:Cert/xad132:CertDigest/"
                        "ds:DigestValue")
                .size(),
            1U);
  EXPECT_EQ(manifestDigest(x, kSetId), "AA==");
}

TEST(Xades, ManifestDigestsAreTheHashesOfExactlyTheBytesGiven) {
  const std::string legacy = sign(XadesProfile::kDmpLegacy);
  EXPECT_EQ(manifestDigest(legacy, kReportId), b64(common::sha1(kReport)));
  EXPECT_EQ(manifestDigest(legacy, kCopyId), b64(common::sha1(kCopy)));
  const std::string sha256 = sign(XadesProfile::kDmpSha256);
  EXPECT_EQ(manifestDigest(sha256, kReportId), b64(common::sha256(kReport)));
  EXPECT_EQ(manifestDigest(sha256, kCopyId), b64(common::sha256(kCopy)));
}

TEST(Xades, ChangedDocumentByteNoLongerMatchesTheSignedDigest) {
  const std::string x = sign(XadesProfile::kDmpLegacy);
  std::string changed(kReport);
  changed[changed.find("rendu")] = 'R';
  EXPECT_NE(manifestDigest(x, kReportId), b64(common::sha1(changed)));
  EXPECT_EQ(manifestDigest(x, kReportId), b64(common::sha1(kReport)));
}

TEST(Xades, SigningCertificateIsTheDigestOfTheCertificateDerAndItsIssuerSerial) {
  const std::string der = certificateDerFromFile();
  ASSERT_FALSE(der.empty());
  const auto creds = testing::testSigningCredentials();
  const std::string legacy = sign(XadesProfile::kDmpLegacy);
  EXPECT_EQ(signedXpathOne(legacy, "//xad:CertDigest/xad:DigestValue"), b64(common::sha1(der)));
  const std::string sha256 = sign(XadesProfile::kDmpSha256);
  EXPECT_EQ(signedXpathOne(sha256, "//xad132:CertDigest/ds:DigestValue"), b64(common::sha256(der)));
  for (const std::string& x : {legacy, sha256}) {
    EXPECT_EQ(signedXpathOne(x, "//ds:X509IssuerName"), "CN=ca,O=fhir-gateway tests,C=FR");
    EXPECT_EQ(signedXpathOne(x, "//ds:X509SerialNumber"), creds.serialDecimal());
    std::string inKeyInfo = signedXpathOne(x, "//ds:KeyInfo/ds:X509Data/ds:X509Certificate");
    std::erase(inKeyInfo, '\n');
    EXPECT_EQ(common::base64Decode(inKeyInfo).value_or(""), der);
  }
}

TEST(Xades, BothProfilesVerifyWithXmlsec1AndItsManifestCountShowsTheDocuments) {
  for (const auto& [profile, ns] : {std::pair{XadesProfile::kDmpLegacy, kXades111},
                                    std::pair{XadesProfile::kDmpSha256, kXades132}}) {
    const auto result = verify(sign(profile), ns);
    EXPECT_EQ(result.exitCode, 0) << result.output;
    EXPECT_NE(result.output.find("SignedInfo References (ok/all): 2/2"), std::string::npos)
        << result.output;
    // The two documents match; the submission set's "AA==" cannot match any content.
    EXPECT_NE(result.output.find("Manifests References (ok/all): 2/3"), std::string::npos)
        << result.output;
  }
}

TEST(Xades, Xmlsec1ExitsZeroOnAChangedDocumentSoOnlyTheDigestCheckCatchesIt) {
  std::string changed(kReport);
  changed[changed.find("rendu")] = 'R';
  const auto result = verify(sign(XadesProfile::kDmpLegacy), kXades111, changed);
  EXPECT_EQ(result.exitCode, 0) << result.output;
  EXPECT_NE(result.output.find("Manifests References (ok/all): 1/3"), std::string::npos)
      << result.output;
}

TEST(Xades, ChangedSignedPropertiesFailVerification) {
  std::string x = sign(XadesProfile::kDmpSha256);
  const auto at = x.find("2026-12-02T09:30:00.000Z");
  ASSERT_NE(at, std::string::npos);
  x.replace(at, 4, "2027");
  const auto result = verify(x, kXades132);
  EXPECT_NE(result.exitCode, 0) << result.output;
  EXPECT_NE(result.output.find("data and digest do not match"), std::string::npos) << result.output;
}

TEST(Xades, ChangedManifestDigestFailsVerification) {
  std::string x = sign(XadesProfile::kDmpLegacy);
  const std::string digest = b64(common::sha1(kCopy));
  const auto at = x.find(digest);
  ASSERT_NE(at, std::string::npos);
  x.replace(at, digest.size(), b64(common::sha1(std::string(kCopy) + " ")));
  const auto result = verify(x, kXades111);
  EXPECT_NE(result.exitCode, 0) << result.output;
}

TEST(Xades, SignatureByAnotherCaIsNotTrusted) {
  const auto dir = testsupport::testPkiDir();
  auto rogue = SigningCredentials::load(dir / "rogue-sign.key", dir / "rogue-sign.pem");
  ASSERT_TRUE(rogue) << rogue.error().toString();
  auto x = buildXadesSignature(sampleXadesInput(), XadesProfile::kDmpLegacy, *rogue);
  ASSERT_TRUE(x) << x.error().toString();
  const auto result = verify(*x, kXades111);
  EXPECT_NE(result.exitCode, 0) << result.output;
}

TEST(Xades, SameInputGivesTheSameBytesSoARetryResendsAnIdenticalDocument) {
  // RSA PKCS#1 v1.5 is deterministic: with a stable signing time a retry reuses the signature
  // document's uniqueId with the same hash, which an XDS registry requires.
  for (const auto profile : {XadesProfile::kDmpLegacy, XadesProfile::kDmpSha256}) {
    EXPECT_EQ(sign(profile), sign(profile));
  }
  XadesInput later = sampleXadesInput();
  later.signingTime += 1s;
  EXPECT_NE(sign(XadesProfile::kDmpLegacy), sign(XadesProfile::kDmpLegacy, later));
}

TEST(Xades, BadIdsAndNoDocumentAreInvalidArgumentsNamingTheField) {
  const auto creds = testing::testSigningCredentials();
  const auto refused = [&](const XadesInput& in, const std::string& field) {
    auto x = buildXadesSignature(in, XadesProfile::kDmpLegacy, creds);
    ASSERT_FALSE(x) << field;
    EXPECT_EQ(x.error().code(), common::StatusCode::kInvalidArgument);
    EXPECT_NE(x.error().message().find(field), std::string::npos) << x.error().message();
  };
  XadesInput in = sampleXadesInput();
  in.documents.clear();
  refused(in, "documents");
  in = sampleXadesInput();
  in.documents[1].uniqueId = "not an oid";
  refused(in, "documents[1].uniqueId");
  in = sampleXadesInput();
  in.documents[1].uniqueId = kReportId;
  refused(in, "documents[1].uniqueId is given twice");
  in = sampleXadesInput();
  in.submissionSetUniqueId = "urn:oid:1.2.3";
  refused(in, "submissionSetUniqueId");
  in = sampleXadesInput();
  in.signatureId = "a b";
  refused(in, "signatureId");
  // An NCName is accepted as well as an OID.
  in = sampleXadesInput();
  in.signatureId = "Signature01";
  EXPECT_TRUE(buildXadesSignature(in, XadesProfile::kDmpLegacy, creds));
}

}  // namespace
}  // namespace fhirgw::xds
