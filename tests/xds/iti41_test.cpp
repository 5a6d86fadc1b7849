#include "fhirgw/xds/iti41.hpp"

#include <gtest/gtest.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <map>
#include <set>

#include "delivery_fixture.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/xds/vihf.hpp"
#include "fhirgw/xds/xades.hpp"
#include "sample_submission.hpp"
#include "schema_check.hpp"
#include "signature_check.hpp"

namespace fhirgw::xds {
namespace {

using testing::sampleSignedSubmission;
using testing::sampleSigningTime;
using testing::sampleSubmission;
using testing::xpath;
using testing::xpathOne;

// Formatted as a signer would leave it (single quotes, odd spacing, a comment): any
// re-serialisation would change these bytes.
constexpr std::string_view kAssertion =
    "<saml2:Assertion xmlns:saml2='urn:oasis:names:tc:SAML:2.0:assertion'  ID=\"_a1\" "
    "Version=\"2.0\" IssueInstant=\"2026-11-20T09:00:00Z\"><!-- signed -->\n"
    "  <saml2:Issuer Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:X509SubjectName\">"
    "CN=DMP SIGN</saml2:Issuer><ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">"
    "<ds:SignatureValue>AAAA\r\nBBBB</ds:SignatureValue></ds:Signature>"
    "<saml2:AttributeStatement><saml2:Attribute Name=\"VIHF_Version\"><saml2:AttributeValue>3.0"
    "</saml2:AttributeValue></saml2:Attribute></saml2:AttributeStatement></saml2:Assertion>";

const char* const kMessageId = "urn:uuid:6a1f0c1e-9d1b-4c4e-8a3b-2f7d9e0a5b11";
const char* const kTo = "https://lps.dev9.dmp.gouv.fr/si-dmp-server/v2/services/repository";
const char* const kSeed = "0f5c9a52-2d64-4f0b-b8a1-1c2e3d4f5a6b";

Iti41Envelope envelope() {
  return {.assertion = kAssertion, .to = kTo, .messageId = kMessageId, .boundarySeed = kSeed};
}

Iti41Request write(const Submission& s, const Iti41Envelope& e = envelope()) {
  auto request = writeIti41Request(s, e);
  EXPECT_TRUE(request.hasValue()) << request.status().toString();
  return request.hasValue() ? *request : Iti41Request{};
}

/// A Content-Type parameter's quoted value.
std::string parameter(const std::string& contentType, const std::string& name) {
  const std::string key = "; " + name + "=\"";
  const std::size_t at = contentType.find(key);
  if (at == std::string::npos) return {};
  const std::size_t start = at + key.size();
  return contentType.substr(start, contentType.find('"', start) - start);
}

struct Part {
  std::map<std::string, std::string> headers;
  std::string body;
};

/// The parts of a multipart body, read independently of the writer: delimiters are
/// CRLF "--" boundary, the first one opens the body, the last one is followed by "--" CRLF;
/// header lines end with CRLF and a blank line ends them.
std::vector<Part> parts(const std::string& body, const std::string& boundary) {
  std::vector<Part> found;
  const std::string open = "--" + boundary + "\r\n";
  const std::string delimiter = "\r\n--" + boundary;
  EXPECT_TRUE(body.starts_with(open));
  EXPECT_TRUE(body.ends_with(delimiter + "--\r\n"));
  std::size_t at = open.size();
  while (true) {
    const std::size_t end = body.find(delimiter, at);
    if (end == std::string::npos) {
      ADD_FAILURE() << "no closing delimiter";
      break;
    }
    const std::string raw = body.substr(at, end - at);
    const std::size_t blank = raw.find("\r\n\r\n");
    EXPECT_NE(blank, std::string::npos);
    Part part;
    std::size_t line = 0;
    while (line < blank) {
      const std::size_t eol = raw.find("\r\n", line);
      const std::string header = raw.substr(line, eol - line);
      EXPECT_EQ(header.find('\n'), std::string::npos) << "bare LF in a header";
      const std::size_t colon = header.find(": ");
      EXPECT_NE(colon, std::string::npos) << header;
      part.headers[header.substr(0, colon)] = header.substr(colon + 2);
      line = eol + 2;
    }
    part.body = raw.substr(blank + 4);
    found.push_back(std::move(part));
    const std::size_t after = end + delimiter.size();
    if (body.compare(after, 4, "--\r\n") == 0) {
      EXPECT_EQ(after + 4, body.size()) << "bytes after the close delimiter";
      break;
    }
    EXPECT_EQ(body.compare(after, 2, "\r\n"), 0);
    at = after + 2;
  }
  return found;
}

TEST(Iti41Request, ContentTypeNamesTheRootPartAndTheAction) {
  const Iti41Request r = write(sampleSignedSubmission());
  EXPECT_TRUE(r.contentType.starts_with("multipart/related; boundary=\""));
  EXPECT_EQ(parameter(r.contentType, "type"), "application/xop+xml");
  EXPECT_EQ(parameter(r.contentType, "start-info"), "application/soap+xml");
  EXPECT_EQ(parameter(r.contentType, "action"), "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b");
  EXPECT_EQ(parameter(r.contentType, "boundary"), std::string("MIMEBoundary_") + kSeed);
  const std::vector<Part> p = parts(r.body, parameter(r.contentType, "boundary"));
  ASSERT_EQ(p.size(), 3u);
  // start is the root part's Content-ID.
  EXPECT_EQ(parameter(r.contentType, "start"), p[0].headers.at("Content-ID"));
  EXPECT_EQ(p[0].headers.at("Content-Type"),
            "application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"; "
            "action=\"urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b\"");
  EXPECT_EQ(p[0].headers.at("Content-Transfer-Encoding"), "binary");
}

TEST(Iti41Request, EveryIncludeResolvesToOnePartHoldingTheHashedBytes) {
  const Submission s = sampleSignedSubmission();
  const Iti41Request r = write(s);
  const std::vector<Part> p = parts(r.body, parameter(r.contentType, "boundary"));
  ASSERT_EQ(p.size(), s.documents.size() + 1);
  std::map<std::string, const Part*> byCid;
  for (const Part& part : p) {
    const std::string cid = part.headers.at("Content-ID");
    ASSERT_TRUE(cid.starts_with("<") && cid.ends_with(">")) << cid;
    EXPECT_TRUE(byCid.emplace(cid.substr(1, cid.size() - 2), &part).second) << "duplicate " << cid;
  }
  const std::string& soap = p[0].body;
  const std::vector<std::string> ids = xpath(soap, "//xdsb:Document/@id");
  const std::vector<std::string> hrefs = xpath(soap, "//xdsb:Document/xop:Include/@href");
  ASSERT_EQ(ids, (std::vector<std::string>{"Document01", "Document02"}));
  ASSERT_EQ(hrefs.size(), 2u);
  EXPECT_EQ(xpath(soap, "//rim:ExtrinsicObject/@id"), ids);
  std::set<std::string> referenced;
  for (std::size_t i = 0; i < hrefs.size(); ++i) {
    ASSERT_TRUE(hrefs[i].starts_with("cid:")) << hrefs[i];
    const std::string cid = hrefs[i].substr(4);  // no character needs %-encoding here
    ASSERT_EQ(byCid.count(cid), 1u) << cid;
    EXPECT_TRUE(referenced.insert(cid).second);
    const Part& part = *byCid[cid];
    EXPECT_EQ(part.body, s.documents[i]) << "part " << i << " holds the document's bytes";
    EXPECT_EQ(part.headers.at("Content-Type"), s.metadata.documents[i].mimeType);
    EXPECT_EQ(part.headers.at("Content-Transfer-Encoding"), "binary");
    const std::string entry = "//rim:ExtrinsicObject[@id='" + ids[i] + "']/rim:Slot[@name='";
    EXPECT_EQ(xpathOne(soap, entry + "hash']//rim:Value"),
              common::hexEncode(common::sha1(part.body)));
    EXPECT_EQ(xpathOne(soap, entry + "size']//rim:Value"), std::to_string(part.body.size()));
  }
  EXPECT_EQ(referenced.size() + 1, p.size()) << "every part but the root is referenced";
  const std::string start = parameter(r.contentType, "start");
  EXPECT_EQ(referenced.count(start.substr(1, start.size() - 2)), 0u);
}

TEST(Iti41Request, SoapHeaderCarriesAddressingAndTheAssertionByteForByte) {
  const Iti41Request r = write(sampleSignedSubmission());
  const std::string soap = parts(r.body, parameter(r.contentType, "boundary"))[0].body;
  const std::string header = "/soap:Envelope/soap:Header";
  EXPECT_EQ(xpathOne(soap, header + "/wsa:MessageID"), kMessageId);
  EXPECT_EQ(xpathOne(soap, header + "/wsa:To"), kTo);
  EXPECT_EQ(xpathOne(soap, header + "/wsa:Action"),
            "urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-b");
  EXPECT_EQ(xpathOne(soap, header + "/wsa:Action/@soap:mustUnderstand"), "true");
  EXPECT_TRUE(xpath(soap, header + "/wsa:Action/@mustUnderstand").empty()) << "unqualified";
  EXPECT_EQ(xpathOne(soap, "count(" + header + "/wsse:Security/saml2:Assertion)"), "1");
  EXPECT_EQ(xpathOne(soap, header + "/wsse:Security/saml2:Assertion/@ID"), "_a1");
  EXPECT_EQ(xpathOne(soap, "count(" + header + "/*)"), "4");
  EXPECT_NE(soap.find(kAssertion), std::string::npos) << "the assertion bytes are unchanged";
  EXPECT_EQ(xpathOne(soap,
                     "count(/soap:Envelope/soap:Body/"
                     "xdsb:ProvideAndRegisterDocumentSetRequest/lcm:SubmitObjectsRequest)"),
            "1");
  // No ancestor of the assertion declares a default namespace or the prefix saml, which the
  // ANS exc-c14n PrefixList renders inclusively.
  const std::string before = soap.substr(0, soap.find("<saml2:Assertion"));
  EXPECT_EQ(before.find("xmlns="), std::string::npos);
  EXPECT_EQ(before.find("xmlns:saml="), std::string::npos);
}

TEST(Iti41Request, SignedVihfStillVerifiesInsideTheEnvelopeSent) {
  VihfInput in;
  in.assertionId = "_0c1d2e3f-4a5b-4c6d-8e7f-901234567890";
  in.issueInstant = sampleSigningTime();
  in.nameId = "810003456786";
  in.subjectId = "Paul Martin";
  in.roles = {{.code = "10",
               .codeSystem = "1.2.250.1.71.1.2.7",
               .displayName = "Medecin",
               .codeSystemName = ""}};
  in.secteurActivite = "SA07^1.2.250.1.71.4.2.4";
  in.identifiantStructure = "31234567890";
  in.resourceId = "279035121518989^^^&1.2.250.1.213.1.4.8&ISO^NH";
  in.lpsNom = "fhir-gateway";
  in.lpsVersion = "0.1.0";
  in.lpsIdHomologationDmp = "FGW-2026-0001";
  auto vihf = buildSignedVihf(in, testing::testSigningCredentials());
  ASSERT_TRUE(vihf.hasValue()) << vihf.status().toString();
  Iti41Envelope e = envelope();
  e.assertion = *vihf;
  const Iti41Request r = write(sampleSignedSubmission(), e);
  std::string soap = parts(r.body, parameter(r.contentType, "boundary"))[0].body;
  ASSERT_NE(soap.find(*vihf), std::string::npos);
  constexpr const char* kIdAttr = "--id-attr:ID urn:oasis:names:tc:SAML:2.0:assertion:Assertion";
  const auto verified = testing::xmlsecVerify(soap, kIdAttr);
  EXPECT_EQ(verified.exitCode, 0) << verified.output;
  EXPECT_NE(verified.output.find("OK"), std::string::npos) << verified.output;
  // The check bites: one changed byte of the assertion fails it.
  const std::size_t at = soap.find("Paul Martin");
  ASSERT_NE(at, std::string::npos);
  soap[at] = 'R';
  EXPECT_NE(testing::xmlsecVerify(soap, kIdAttr).exitCode, 0);
}

TEST(Iti41Request, BodyWithItsPartsInlinedIsValidAgainstTheXdsbSchema) {
  const Iti41Request r = write(sampleSignedSubmission());
  const std::vector<Part> p = parts(r.body, parameter(r.contentType, "boundary"));
  std::map<std::string, std::string> byHref;
  for (std::size_t i = 1; i < p.size(); ++i) {
    const std::string cid = p[i].headers.at("Content-ID");
    byHref["cid:" + cid.substr(1, cid.size() - 2)] = p[i].body;
  }
  const std::string request = testing::inlineXopParts(p[0].body, byHref);
  ASSERT_FALSE(request.empty());
  EXPECT_EQ(testing::repositorySchemaErrors(request), "");
  // The check bites: a Document without its id is refused.
  std::string broken = request;
  broken.erase(broken.find(" id=\"Document01\""), 16);
  EXPECT_NE(testing::repositorySchemaErrors(broken), "");
}

// The module's pieces together, as the dmp-xds connector chains them: the CDA submission of a
// delivery, its XAdES signature over the documents' bytes, the signature entry, the request.
TEST(Iti41Request, DmpSubmissionSendsTheBytesTheXadesManifestDigests) {
  testing::DeliveryFixture fixture("full-example", testing::kPrescriptionPdf);
  SubmissionInput in = fixture.input();
  in.cda = true;
  auto s = buildSubmission(in);
  ASSERT_TRUE(s.hasValue()) << s.status().toString();
  auto signatureId = signatureUniqueId(in.uniqueIdRoot, in.deliveryId);
  ASSERT_TRUE(signatureId.hasValue());
  XadesInput x{.signatureId = *signatureId,
               .submissionSetUniqueId = s->metadata.submissionSet.uniqueId,
               .documents = {},
               .signingTime = sampleSigningTime()};
  for (std::size_t i = 0; i < s->documents.size(); ++i) {
    x.documents.push_back({s->metadata.documents[i].uniqueId, s->documents[i]});
  }
  auto xades = buildXadesSignature(x, XadesProfile::kDmpLegacy, testing::testSigningCredentials());
  ASSERT_TRUE(xades.hasValue()) << xades.status().toString();
  ASSERT_TRUE(addSignatureDocument(*s, *xades, *signatureId, sampleSigningTime()).isOk());

  const Iti41Request r = write(*s);
  const std::vector<Part> p = parts(r.body, parameter(r.contentType, "boundary"));
  ASSERT_EQ(p.size(), 3u);
  const Part& cda = p[1];
  const Part& signature = p[2];
  EXPECT_EQ(cda.headers.at("Content-Type"), "text/xml");
  EXPECT_EQ(cda.body, s->documents[0]);
  EXPECT_EQ(signature.body, *xades);
  EXPECT_EQ(testing::cdaSchemaErrors(cda.body), "");
  // The Manifest's digest of the CDA is over the bytes of its part.
  EXPECT_EQ(testing::signedXpathOne(signature.body, "//ds:Manifest/ds:Reference[@URI='urn:oid:" +
                                                        s->metadata.documents[0].uniqueId +
                                                        "']/ds:DigestValue"),
            common::base64Encode(common::sha1(cda.body)));
  const std::string& soap = p[0].body;
  EXPECT_EQ(xpathOne(soap,
                     "//rim:ExtrinsicObject[@id='Document02']/rim:ExternalIdentifier"
                     "[@identificationScheme='urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab']"
                     "/@value"),
            *signatureId);
  std::map<std::string, std::string> byHref;
  for (std::size_t i = 1; i < p.size(); ++i) {
    const std::string cid = p[i].headers.at("Content-ID");
    byHref["cid:" + cid.substr(1, cid.size() - 2)] = p[i].body;
  }
  EXPECT_EQ(testing::repositorySchemaErrors(testing::inlineXopParts(soap, byHref)), "");
}

TEST(Iti41Request, SameInputGivesTheSameBytes) {
  const Iti41Request a = write(sampleSignedSubmission());
  const Iti41Request b = write(sampleSignedSubmission());
  EXPECT_EQ(a.contentType, b.contentType);
  EXPECT_EQ(a.body, b.body);
}

TEST(Iti41Request, BoundaryFoundInADocumentIsReplaced) {
  Submission s = sampleSubmission();
  s.documents[0] =
      std::string("text --MIMEBoundary_") + kSeed + "\r\n and MIMEBoundary_" + kSeed + "_1 too";
  s.metadata.documents[0].hash = common::hexEncode(common::sha1(s.documents[0]));
  s.metadata.documents[0].size = s.documents[0].size();
  const Iti41Request r = write(s);
  const std::string boundary = parameter(r.contentType, "boundary");
  EXPECT_EQ(boundary, std::string("MIMEBoundary_") + kSeed + "_2");
  const std::vector<Part> p = parts(r.body, boundary);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[1].body, s.documents[0]);
}

TEST(Iti41Request, DeclarationBeforeTheAssertionIsDropped) {
  const std::string withDeclaration =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + std::string(kAssertion);
  Iti41Envelope e = envelope();
  e.assertion = withDeclaration;
  const Iti41Request r = write(sampleSubmission(), e);
  EXPECT_NE(r.body.find(kAssertion), std::string::npos);
  EXPECT_EQ(r.body.find("<?xml", r.body.find("<?xml") + 1), std::string::npos);
}

TEST(Iti41Request, ValuesAreEscapedInTheHeader) {
  Iti41Envelope e = envelope();
  e.to = "https://dmp.example/repository?a=1&b=<2>";
  const Iti41Request r = write(sampleSubmission(), e);
  const std::string soap = parts(r.body, parameter(r.contentType, "boundary"))[0].body;
  EXPECT_EQ(xpathOne(soap, "//wsa:To"), e.to);
}

common::StatusCode refusal(const Submission& s, const Iti41Envelope& e) {
  auto r = writeIti41Request(s, e);
  return r.hasValue() ? common::StatusCode::kOk : r.error().code();
}

TEST(Iti41Request, InconsistentInputIsRefused) {
  const auto kInvalid = common::StatusCode::kInvalidArgument;
  Submission changed = sampleSubmission();
  changed.documents[0] += "x";  // bytes no longer those hashed
  EXPECT_EQ(refusal(changed, envelope()), kInvalid);
  Submission missing = sampleSubmission();
  missing.documents.clear();
  EXPECT_EQ(refusal(missing, envelope()), kInvalid);
  Submission badMime = sampleSubmission();
  badMime.metadata.documents[0].mimeType = "text/xml\r\nX-Injected: 1";
  EXPECT_EQ(refusal(badMime, envelope()), kInvalid);

  for (const std::string_view assertion :
       {std::string_view(""), std::string_view("<saml2:Assertion"),
        std::string_view("<Assertion xmlns=\"urn:other\"/>"),
        std::string_view("<!DOCTYPE a [<!ENTITY x \"y\">]><saml2:Assertion "
                         "xmlns:saml2=\"urn:oasis:names:tc:SAML:2.0:assertion\">&x;"
                         "</saml2:Assertion>"),
        std::string_view("text")}) {
    Iti41Envelope e = envelope();
    e.assertion = assertion;
    EXPECT_EQ(refusal(sampleSubmission(), e), kInvalid) << assertion;
  }
  Iti41Envelope badId = envelope();
  badId.messageId = "6a1f0c1e-9d1b-4c4e-8a3b-2f7d9e0a5b11";
  EXPECT_EQ(refusal(sampleSubmission(), badId), kInvalid);
  Iti41Envelope badSeed = envelope();
  badSeed.boundarySeed = "a\"b";
  EXPECT_EQ(refusal(sampleSubmission(), badSeed), kInvalid);
  Iti41Envelope noTo = envelope();
  noTo.to.clear();
  EXPECT_EQ(refusal(sampleSubmission(), noTo), kInvalid);
  Iti41Envelope splitTo = envelope();
  splitTo.to = "https://a\r\nb";
  EXPECT_EQ(refusal(sampleSubmission(), splitTo), kInvalid);
  EXPECT_EQ(refusal(sampleSubmission(), envelope()), common::StatusCode::kOk);
}

}  // namespace
}  // namespace fhirgw::xds
