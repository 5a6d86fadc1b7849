#include "fhirgw/xds/vihf.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "fhirgw/testsupport/test_pki.hpp"
#include "signature_check.hpp"

namespace fhirgw::xds {
namespace {

using namespace std::chrono_literals;
using testing::signedXpath;
using testing::signedXpathOne;

constexpr const char* kIdAttr = "--id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion";
constexpr const char* kPatient = "279035121518989^^^&1.2.250.1.213.1.4.8&ISO^NH";

VihfInput sampleInput() {
  VihfInput in;
  in.assertionId = "_5f1c9a2e-3b1d-4c1e-9a57-0d5c1f3e7a10";
  in.issueInstant = std::chrono::sys_days{std::chrono::year{2026} / 12 / 2} + 9h + 30min;
  in.nameId = "810001234567";
  in.subjectId = "Jeanne Dupré";
  in.roles = {{.code = "10",
               .codeSystem = "1.2.250.1.71.1.2.7",
               .displayName = "Medecin",
               .codeSystemName = ""},
              {.code = "SM26",
               .codeSystem = "1.2.250.1.71.4.2.5",
               .displayName = "Qualifié en Médecine Générale (SM)",
               .codeSystemName = ""}};
  in.secteurActivite = "SA07^1.2.250.1.71.4.2.4";
  in.identifiantStructure = "31234567890";
  in.resourceId = kPatient;
  in.lpsNom = "fhir-gateway";
  in.lpsVersion = "0.1.0";
  in.lpsId = "1.2.250.1.999.1";
  in.lpsIdHomologationDmp = "FGW-2026-0001";
  return in;
}

std::string attribute(const std::string& vihf, const std::string& name) {
  return signedXpathOne(vihf, "/saml2:Assertion/saml2:AttributeStatement/saml2:Attribute[@Name='" +
                                  name + "']/saml2:AttributeValue");
}

std::string signedSample() {
  auto vihf = buildSignedVihf(sampleInput(), testing::testSigningCredentials());
  if (!vihf) throw std::runtime_error(vihf.error().toString());
  return *vihf;
}

TEST(Vihf, CarriesEveryMandatoryAttributeWithTheValuesGiven) {
  const std::string vihf = signedSample();
  EXPECT_EQ(attribute(vihf, "VIHF_Version"), "3.0");
  EXPECT_EQ(attribute(vihf, "Authentification_Mode"), "INDIRECTE");
  EXPECT_EQ(attribute(vihf, "Secteur_Activite"), "SA07^1.2.250.1.71.4.2.4");
  EXPECT_EQ(attribute(vihf, "urn:oasis:names:tc:xacml:2.0:resource:resource-id"), kPatient);
  EXPECT_EQ(attribute(vihf, "Ressource_URN"), "urn:dmp");
  EXPECT_EQ(attribute(vihf, "urn:oasis:names:tc:xspa:1.0:subject:subject-id"), "Jeanne Dupré");
  EXPECT_EQ(attribute(vihf, "Identifiant_Structure"), "31234567890");
  EXPECT_EQ(attribute(vihf, "LPS_Nom"), "fhir-gateway");
  EXPECT_EQ(attribute(vihf, "LPS_Version"), "0.1.0");
  EXPECT_EQ(attribute(vihf, "LPS_ID"), "1.2.250.1.999.1");
  EXPECT_EQ(attribute(vihf, "LPS_ID_HOMOLOGATION_DMP"), "FGW-2026-0001");

  const std::string role =
      "/saml2:Assertion/saml2:AttributeStatement/saml2:Attribute[@Name="
      "'urn:oasis:names:tc:xacml:2.0:subject:role']/saml2:AttributeValue/"
      "hl7:Role";
  EXPECT_EQ(signedXpath(vihf, role + "/@code"), (std::vector<std::string>{"10", "SM26"}));
  EXPECT_EQ(signedXpath(vihf, role + "/@codeSystem"),
            (std::vector<std::string>{"1.2.250.1.71.1.2.7", "1.2.250.1.71.4.2.5"}));
  EXPECT_EQ(signedXpathOne(vihf, "(" + role + ")[1]/@displayName"), "Medecin");
  EXPECT_EQ(signedXpath(vihf, role + "/@*[local-name()='type']"),
            (std::vector<std::string>{"CE", "CE"}));
  const std::string purpose =
      "/saml2:Assertion/saml2:AttributeStatement/saml2:Attribute[@Name="
      "'urn:oasis:names:tc:xspa:1.0:subject:purposeofuse']/"
      "saml2:AttributeValue/hl7:PurposeOfUse";
  EXPECT_EQ(signedXpathOne(vihf, purpose + "/@code"), "normal");
  EXPECT_EQ(signedXpathOne(vihf, purpose + "/@codeSystem"), "1.2.250.1.213.1.1.4.248");
  EXPECT_EQ(signedXpathOne(vihf, purpose + "/@displayName"), "Accès normal");
  EXPECT_NE(vihf.find("displayName=\"Accès normal\""), std::string::npos) << "UTF-8, not &#xE8;";

  EXPECT_EQ(signedXpathOne(vihf, "/saml2:Assertion/saml2:Subject/saml2:NameID"), "810001234567");
  EXPECT_EQ(signedXpathOne(vihf,
                           "/saml2:Assertion/saml2:AuthnStatement/saml2:AuthnContext/"
                           "saml2:AuthnContextClassRef"),
            "urn:oasis:names:tc:SAML:2.0:ac:classes:unspecified");
  EXPECT_EQ(signedXpathOne(vihf, "/saml2:Assertion/@IssueInstant"), "2026-12-02T09:30:00.000Z");
  EXPECT_EQ(signedXpathOne(vihf, "/saml2:Assertion/saml2:AuthnStatement/@AuthnInstant"),
            "2026-12-02T09:30:00.000Z");
  EXPECT_EQ(signedXpathOne(vihf, "/saml2:Assertion/@Version"), "2.0");
  EXPECT_EQ(signedXpathOne(vihf, "/saml2:Assertion/@ID"), sampleInput().assertionId);
  EXPECT_EQ(signedXpath(vihf, "//saml2:AudienceRestriction").size(), 0U);
  EXPECT_EQ(signedXpath(vihf, "//saml2:Conditions").size(), 0U);
}

TEST(Vihf, IssuerIsTheSigningCertificatesSubjectAsX509SubjectName) {
  const std::string vihf = signedSample();
  EXPECT_EQ(signedXpathOne(vihf, "/saml2:Assertion/saml2:Issuer"),
            testing::testSigningCredentials().subjectDn());
  EXPECT_EQ(signedXpathOne(vihf, "/saml2:Assertion/saml2:Issuer/@Format"),
            "urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName");
}

TEST(Vihf, SignatureFollowsIssuerWithExclusiveC14nRsaSha256AndTheAnsPrefixList) {
  const std::string vihf = signedSample();
  EXPECT_EQ(vihf.rfind("<saml2:Assertion ", 0), 0U) << "no XML declaration, the element alone";
  EXPECT_EQ(signedXpathOne(vihf, "name(/saml2:Assertion/*[1])"), "saml2:Issuer");
  EXPECT_EQ(signedXpathOne(vihf, "name(/saml2:Assertion/*[2])"), "ds:Signature");
  EXPECT_EQ(signedXpathOne(vihf, "name(/saml2:Assertion/*[3])"), "saml2:Subject");
  const std::string info = "/saml2:Assertion/ds:Signature/ds:SignedInfo";
  EXPECT_EQ(signedXpathOne(vihf, info + "/ds:CanonicalizationMethod/@Algorithm"),
            "http://www.w3.org/2001/10/xml-exc-c14n#");
  EXPECT_EQ(signedXpathOne(vihf, info + "/ds:SignatureMethod/@Algorithm"),
            "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
  EXPECT_EQ(signedXpathOne(vihf, info + "/ds:Reference/@URI"), "#" + sampleInput().assertionId);
  EXPECT_EQ(signedXpath(vihf, info + "/ds:Reference/ds:Transforms/ds:Transform/@Algorithm"),
            (std::vector<std::string>{"http://www.w3.org/2000/09/xmldsig#enveloped-signature",
                                      "http://www.w3.org/2001/10/xml-exc-c14n#"}));
  EXPECT_EQ(signedXpathOne(vihf, info + "/ds:Reference/ds:Transforms/ds:Transform[2]/"
                                        "ec:InclusiveNamespaces/@PrefixList"),
            "ds saml #default xsi");
  EXPECT_EQ(signedXpathOne(vihf, info + "/ds:Reference/ds:DigestMethod/@Algorithm"),
            "http://www.w3.org/2001/04/xmlenc#sha256");
  EXPECT_FALSE(signedXpathOne(vihf,
                              "/saml2:Assertion/ds:Signature/ds:KeyInfo/ds:X509Data/"
                              "ds:X509Certificate")
                   .empty());
}

TEST(Vihf, VerifiesWithTheXmlsec1CommandPinnedToTheTestCa) {
  const auto result = testing::xmlsecVerify(signedSample(), kIdAttr);
  EXPECT_EQ(result.exitCode, 0) << result.output;
  EXPECT_NE(result.output.find("OK"), std::string::npos) << result.output;
}

TEST(Vihf, ChangedNameIdFailsVerification) {
  std::string vihf = signedSample();
  const auto at = vihf.find("810001234567");
  ASSERT_NE(at, std::string::npos);
  vihf.replace(at, 12, "810001234568");
  const auto result = testing::xmlsecVerify(vihf, kIdAttr);
  EXPECT_NE(result.exitCode, 0) << result.output;
  EXPECT_NE(result.output.find("data and digest do not match"), std::string::npos) << result.output;
}

TEST(Vihf, SignatureByACertificateOfAnotherCaIsNotTrusted) {
  const auto dir = testsupport::testPkiDir();
  auto rogue = SigningCredentials::load(dir / "rogue-sign.key", dir / "rogue-sign.pem");
  ASSERT_TRUE(rogue) << rogue.error().toString();
  auto vihf = buildSignedVihf(sampleInput(), *rogue);
  ASSERT_TRUE(vihf) << vihf.error().toString();
  const auto result = testing::xmlsecVerify(*vihf, kIdAttr);
  EXPECT_NE(result.exitCode, 0) << result.output;
  EXPECT_NE(result.output.find("unable to get local issuer certificate"), std::string::npos)
      << result.output;
}

TEST(Vihf, BytesEmbeddedUnchangedInASoapHeaderStillVerify) {
  // The ITI-41 envelope's prefixes (soap, wsa, wsse), declared around the assertion's bytes.
  const std::string envelope =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\" "
      "xmlns:xsi=\"urn:other\" xmlns:ds=\"urn:other-ds\"><soap:Header>"
      "<wsse:Security xmlns:wsse=\"http://docs.oasis-open.org/wss/2004/01/"
      "oasis-200401-wss-wssecurity-secext-1.0.xsd\">" +
      signedSample() + "</wsse:Security></soap:Header><soap:Body/></soap:Envelope>";
  const auto result = testing::xmlsecVerify(envelope, kIdAttr);
  EXPECT_EQ(result.exitCode, 0) << result.output;
}

TEST(Vihf, AnEnclosingDefaultNamespaceBreaksTheAnsPrefixListAsDocumented) {
  // #default is rendered inclusively: the envelope must not declare a default namespace.
  const std::string wrapped = "<Security xmlns=\"urn:somewhere\">" + signedSample() + "</Security>";
  EXPECT_NE(testing::xmlsecVerify(wrapped, kIdAttr).exitCode, 0);
  // Without #default in the list the same wrapping verifies.
  VihfInput in = sampleInput();
  in.inclusivePrefixes = "xsi";
  auto vihf = buildSignedVihf(in, testing::testSigningCredentials());
  ASSERT_TRUE(vihf) << vihf.error().toString();
  const auto result =
      testing::xmlsecVerify("<Security xmlns=\"urn:somewhere\">" + *vihf + "</Security>", kIdAttr);
  EXPECT_EQ(result.exitCode, 0) << result.output;
}

TEST(Vihf, ConditionsCarryTheValidityWhenGivenAndVersionFourIsAccepted) {
  VihfInput in = sampleInput();
  in.vihfVersion = "4.0";
  in.notBefore = in.issueInstant - 1min;
  in.notOnOrAfter = in.issueInstant + 10min;
  in.authnContextClassRef = "urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient";
  in.lpsId.clear();
  auto vihf = buildSignedVihf(in, testing::testSigningCredentials());
  ASSERT_TRUE(vihf) << vihf.error().toString();
  EXPECT_EQ(attribute(*vihf, "VIHF_Version"), "4.0");
  EXPECT_EQ(signedXpathOne(*vihf, "/saml2:Assertion/saml2:Conditions/@NotBefore"),
            "2026-12-02T09:29:00.000Z");
  EXPECT_EQ(signedXpathOne(*vihf, "/saml2:Assertion/saml2:Conditions/@NotOnOrAfter"),
            "2026-12-02T09:40:00.000Z");
  EXPECT_EQ(signedXpath(*vihf, "//saml2:Conditions/*").size(), 0U);
  EXPECT_EQ(signedXpathOne(*vihf, "name(/saml2:Assertion/*[4])"), "saml2:Conditions");
  EXPECT_EQ(signedXpath(*vihf, "//saml2:Attribute[@Name='LPS_ID']").size(), 0U);
  EXPECT_EQ(testing::xmlsecVerify(*vihf, kIdAttr).exitCode, 0);
}

TEST(Vihf, RandomIdWhenNoneIsGivenIsAnNcNameAndDiffersEachTime) {
  VihfInput in = sampleInput();
  in.assertionId.clear();
  auto a = buildSignedVihf(in, testing::testSigningCredentials());
  auto b = buildSignedVihf(in, testing::testSigningCredentials());
  ASSERT_TRUE(a && b);
  const std::string idA = signedXpathOne(*a, "/saml2:Assertion/@ID");
  EXPECT_EQ(idA.rfind('_', 0), 0U);
  EXPECT_NE(idA, signedXpathOne(*b, "/saml2:Assertion/@ID"));
  EXPECT_EQ(testing::xmlsecVerify(*a, kIdAttr).exitCode, 0);
}

TEST(Vihf, OneCredentialsSignsFromSeveralThreadsAtOnce) {
  const auto creds = testing::testSigningCredentials();
  constexpr std::size_t kThreads = 4;
  constexpr std::size_t kEach = 3;
  std::vector<std::string> signedBy(kThreads * kEach);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < kThreads; ++t) {
    threads.emplace_back([&creds, &signedBy, t] {
      for (std::size_t i = 0; i < kEach; ++i) {
        VihfInput in = sampleInput();
        in.assertionId = "_t" + std::to_string(t) + "-" + std::to_string(i);
        auto vihf = buildSignedVihf(in, creds);
        signedBy[t * kEach + i] = vihf ? *vihf : vihf.error().toString();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (std::size_t n = 0; n < signedBy.size(); ++n) {
    const auto result = testing::xmlsecVerify(signedBy[n], kIdAttr);
    EXPECT_EQ(result.exitCode, 0) << n << ": " << signedBy[n] << result.output;
    EXPECT_EQ(signedXpathOne(signedBy[n], "/saml2:Assertion/@ID"),
              "_t" + std::to_string(n / kEach) + "-" + std::to_string(n % kEach));
  }
}

TEST(Vihf, MissingOrBadValuesAreInvalidArgumentsNamingTheField) {
  const auto creds = testing::testSigningCredentials();
  const auto refused = [&](const VihfInput& in, const std::string& field) {
    auto vihf = buildSignedVihf(in, creds);
    ASSERT_FALSE(vihf) << field;
    EXPECT_EQ(vihf.error().code(), common::StatusCode::kInvalidArgument);
    EXPECT_NE(vihf.error().message().find(field), std::string::npos) << vihf.error().message();
  };
  VihfInput in = sampleInput();
  in.nameId.clear();
  refused(in, "nameId");
  in = sampleInput();
  in.roles.clear();
  refused(in, "roles");
  in = sampleInput();
  in.roles[1].codeSystem.clear();
  refused(in, "roles[1].codeSystem");
  in = sampleInput();
  in.lpsIdHomologationDmp.clear();
  refused(in, "lpsIdHomologationDmp");
  in = sampleInput();
  in.resourceId = std::string("279\x01", 4);
  refused(in, "resourceId");
  in = sampleInput();
  in.subjectId = "\xff\xfe";
  refused(in, "subjectId");
  in = sampleInput();
  in.assertionId = "1-starts-with-a-digit";
  refused(in, "assertionId");
  in = sampleInput();
  in.vihfVersion = "2.0";
  refused(in, "vihfVersion");
}

TEST(Vihf, ValuesAreEscapedNotInterpreted) {
  VihfInput in = sampleInput();
  in.subjectId = "A <b>&amp; \"c\"";
  auto vihf = buildSignedVihf(in, testing::testSigningCredentials());
  ASSERT_TRUE(vihf) << vihf.error().toString();
  EXPECT_EQ(attribute(*vihf, "urn:oasis:names:tc:xspa:1.0:subject:subject-id"), in.subjectId);
  EXPECT_EQ(testing::xmlsecVerify(*vihf, kIdAttr).exitCode, 0);
}

}  // namespace
}  // namespace fhirgw::xds
