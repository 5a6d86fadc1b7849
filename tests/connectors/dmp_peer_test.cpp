// The strict local DMP (tests/connectors/dmp-peer) proves it is strict before the dmp-xds
// connector relies on it: it refuses TLS clients without the test CA's certificate, wrong paths,
// bodies that are not MTOM, broken XOP, schema-invalid bodies, tampered parts, missing slots,
// foreign or tampered signatures; it accepts a conformant request built independently of the
// gateway (tests/connectors/dmp-peer/fixture: the ANS TLM-CR example, signed by the xmlsec1
// command line); it plays the faults control.json asks for. Requests are sent with libcurl.

#include "fhirgw/testsupport/dmp_peer.hpp"

#include <curl/curl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <thread>

#include "delivery_fixture.hpp"
#include "fhirgw/common/clock.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/test_pki.hpp"
#include "fhirgw/xds/ebrim_writer.hpp"
#include "fhirgw/xds/iti41.hpp"
#include "fhirgw/xds/metadata_builder.hpp"
#include "fhirgw/xds/registry_response.hpp"
#include "fhirgw/xds/signature_entry.hpp"
#include "fhirgw/xds/signing.hpp"
#include "fhirgw/xds/vihf.hpp"
#include "fhirgw/xds/xades.hpp"
#include "fhirgw/xds/xdm_package.hpp"

using fhirgw::testsupport::DmpPeer;
using fhirgw::testsupport::DmpPeerOptions;
using fhirgw::testsupport::readFile;
using fhirgw::testsupport::sourcePath;
using fhirgw::testsupport::TempDir;
using fhirgw::testsupport::testPkiDir;
using testing::HasSubstr;
using testing::Not;

namespace {

/// The signing certificate ("ORG SIGN", issued by the test CA) the peer is pinned to.
const std::filesystem::path& signDir() {
  static const TempDir dir("fhirgw-dmp-sign");
  static const bool made = [] {
    const std::string command =
        "bash '" + sourcePath("tests/connectors/dmp-peer/fixture/make-sign-cert.sh").string() +
        "' '" + testPkiDir().string() + "' '" + dir.str() + "'";
    return std::system(command.c_str()) == 0;  // NOLINT(cert-env33-c): a fixed test command
  }();
  EXPECT_TRUE(made) << "make-sign-cert.sh failed";
  return dir.path();
}

DmpPeerOptions pinnedOptions(bool schematron = false) {
  DmpPeerOptions options;
  options.signCertificate = signDir() / "sign.pem";
  options.schematron = schematron;
  return options;
}

struct Reply {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string headers;
  std::string body;
};

size_t append(char* data, size_t size, size_t count, void* out) {
  static_cast<std::string*>(out)->append(data, size * count);
  return size * count;
}

enum class ClientCert { kTestCa, kNone, kRogue };

/// One HTTPS request to the peer, verified against the test CA.
Reply send(const std::string& url, const std::string& contentType, const std::string& body,
           ClientCert cert = ClientCert::kTestCa, long timeoutMs = 180000) {
  Reply reply;
  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    reply.code = CURLE_FAILED_INIT;
    return reply;
  }
  const auto pki = testPkiDir();
  const std::string ca = (pki / "ca.pem").string();
  const std::string name = cert == ClientCert::kRogue ? "rogue-client" : "client";
  const std::string certFile = (pki / (name + ".pem")).string();
  const std::string keyFile = (pki / (name + ".key")).string();
  curl_slist* headers = curl_slist_append(nullptr, ("Content-Type: " + contentType).c_str());
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CAINFO, ca.c_str());
  if (cert != ClientCert::kNone) {
    curl_easy_setopt(curl, CURLOPT_SSLCERT, certFile.c_str());
    curl_easy_setopt(curl, CURLOPT_SSLKEY, keyFile.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeoutMs);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, append);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &reply.headers);
  reply.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return reply;
}

/// A request made by fixture/make-request.js.
struct Request {
  std::string contentType;
  std::string body;
};

/// A request made by fixture/make-request.js for the peer's URL, signed with the key `signer` of
/// the test PKI (default: the signing certificate of signDir()), `extra` given to the script
/// as it is (--vihf FILE, --ss-uid OID --xades FILE).
Request makeRequest(const DmpPeer& peer, const std::string& variant, const std::string& signer = "",
                    const std::string& extra = "") {
  const TempDir out("fhirgw-dmp-request");
  const auto pki = testPkiDir();
  const std::string key =
      signer.empty() ? (signDir() / "sign.key").string() : (pki / (signer + ".key")).string();
  const std::string cert =
      signer.empty() ? (signDir() / "sign.pem").string() : (pki / (signer + ".pem")).string();
  const std::string command =
      "node '" + sourcePath("tests/connectors/dmp-peer/fixture/make-request.js").string() +
      "' --shared '" FHIRGW_SHARED_DIR "' --sign-key '" + key + "' --sign-cert '" + cert +
      "' --url '" + peer.url() + "' --out '" + out.str() + "' --variant " + variant + " " + extra;
  EXPECT_EQ(std::system(command.c_str()), 0)  // NOLINT(cert-env33-c): a fixed test command
      << command;
  return {readFile(out.path() / "content-type.txt"), readFile(out.path() / "body.bin")};
}

Reply post(const DmpPeer& peer, const Request& request) {
  return send(peer.url(), request.contentType, request.body);
}

/// The value of wsa:MessageID in a request body.
std::string messageId(const std::string& body) {
  const std::string open = "<wsa:MessageID>";
  const auto at = body.find(open);
  if (at == std::string::npos) return "";
  const auto end = body.find('<', at + open.size());
  return body.substr(at + open.size(), end - at - open.size());
}

/// The peer's count of refused handshakes once it reaches `atLeast`, or after 5 s: with TLS 1.3
/// the client may see the refusal before the server has recorded it.
int refusedHandshakes(const DmpPeer& peer, int atLeast) {
  for (int i = 0; i < 100 && peer.refusedHandshakes() < atLeast; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return peer.refusedHandshakes();
}

class DmpPeerTest : public ::testing::Test {
 protected:
  // A peer per test (each test is its own process under ctest); checked in each test, since a
  // failure in SetUpTestSuite would be reported as skipped.
  void SetUp() override { ASSERT_NE(peer.port(), 0) << "the DMP peer did not start"; }

  DmpPeer peer{pinnedOptions()};
};

TEST_F(DmpPeerTest, ClientWithoutCertificateIsRefusedAtTheHandshake) {
  const Reply reply = send(peer.url(), "text/plain", "x", ClientCert::kNone);
  EXPECT_NE(reply.code, CURLE_OK);
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(peer.requests(), 0);
  EXPECT_GE(refusedHandshakes(peer, 1), 1);
}

TEST_F(DmpPeerTest, ClientCertificateFromAnotherCaIsRefusedAtTheHandshake) {
  const Reply reply = send(peer.url(), "text/plain", "x", ClientCert::kRogue);
  EXPECT_NE(reply.code, CURLE_OK);
  EXPECT_EQ(peer.requests(), 0);
  EXPECT_GE(refusedHandshakes(peer, 1), 1);
}

TEST_F(DmpPeerTest, OtherPathIsNotFound) {
  const Reply reply = send(peer.baseUrl() + "/registry", "application/soap+xml", "<x/>");
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_EQ(reply.status, 404);
  ASSERT_EQ(peer.requests(), 1);
  EXPECT_EQ(peer.journal()[0].response, "http:404");
}

TEST_F(DmpPeerTest, BodyThatIsNotMultipartIsASenderFault) {
  const Reply reply =
      send(peer.url(), "application/soap+xml; charset=UTF-8",
           "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"/>");
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body, HasSubstr("<env:Value>env:Sender</env:Value>"));
  EXPECT_THAT(reply.body, HasSubstr("<env:Value>peer:InvalidMessage</env:Value>"));
  ASSERT_EQ(peer.requests(), 1);
  EXPECT_FALSE(peer.journal()[0].accepted);
  EXPECT_TRUE(peer.journal()[0].hasError("peer:InvalidMessage"));
}

TEST_F(DmpPeerTest, XopIncludeToAMissingPartIsASenderFault) {
  const std::string envelope =
      "<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Header/>"
      "<soap:Body><xdsb:ProvideAndRegisterDocumentSetRequest xmlns:xdsb=\"urn:ihe:iti:xds-b:2007\">"
      "<xdsb:Document id=\"Document01\"><xop:Include "
      "xmlns:xop=\"http://www.w3.org/2004/08/xop/include\" href=\"cid:missing@test\"/>"
      "</xdsb:Document></xdsb:ProvideAndRegisterDocumentSetRequest></soap:Body></soap:Envelope>";
  const std::string body =
      "--B\r\nContent-Type: application/xop+xml; charset=UTF-8; type=\"application/soap+xml\"\r\n"
      "Content-Transfer-Encoding: binary\r\nContent-ID: <root@test>\r\n\r\n" +
      envelope +
      "\r\n--B\r\nContent-Type: text/xml\r\nContent-ID: <doc@test>\r\n\r\n<x/>\r\n--B--\r\n";
  const Reply reply = send(peer.url(),
                           "multipart/related; boundary=B; type=\"application/xop+xml\"; "
                           "start=\"<root@test>\"; start-info=\"application/soap+xml\"",
                           body);
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_EQ(reply.status, 400);
  ASSERT_EQ(peer.requests(), 1);
  const auto entry = peer.journal()[0];
  EXPECT_THAT(entry.json,
              HasSubstr("xop.include: href \\\"cid:missing@test\\\" names no MIME part"));
  EXPECT_THAT(entry.json, HasSubstr("xop.unreferenced"));
}

TEST_F(DmpPeerTest, ConformantRequestBuiltOutsideTheGatewayIsAccepted) {
  const Request request = makeRequest(peer, "valid");
  const Reply reply = post(peer, request);
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_EQ(reply.status, 200);
  EXPECT_THAT(reply.body, HasSubstr("ResponseStatusType:Success"));
  EXPECT_THAT(reply.body, Not(HasSubstr("RegistryErrorList")));
  EXPECT_THAT(reply.body, HasSubstr("urn:ihe:iti:2007:ProvideAndRegisterDocumentSet-bResponse"));
  EXPECT_THAT(reply.body, HasSubstr("<wsa:RelatesTo>" + messageId(request.body) + "<"));
  ASSERT_EQ(peer.requests(), 1);
  const auto entry = peer.journal()[0];
  EXPECT_TRUE(entry.accepted) << entry.json;
  EXPECT_EQ(entry.response, "Success");
  EXPECT_THAT(entry.submissionSetUniqueId, HasSubstr("2.25."));
  ASSERT_EQ(entry.documentUniqueIds.size(), 2u);
  EXPECT_EQ(entry.documentUniqueIds[0], "1.3.6.1.4.1.19376.1.2.20.2022.1.1");
  EXPECT_EQ(entry.patientIdSha256.size(), 64u);
  EXPECT_THAT(entry.json, Not(HasSubstr("279035121518989")));  // the INS is hashed
  EXPECT_EQ(peer.requestBody(1), request.body);
}

TEST_F(DmpPeerTest, ChangedByteInADocumentPartIsAFailure) {
  const Reply reply = post(peer, makeRequest(peer, "tampered-part"));
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_EQ(reply.status, 200);
  EXPECT_THAT(reply.body, HasSubstr("ResponseStatusType:Failure"));
  EXPECT_THAT(reply.body, HasSubstr("errorCode=\"XDSNonIdenticalHash\""));
  const auto entry = peer.journal().at(0);
  EXPECT_TRUE(entry.hasError("XDSNonIdenticalHash"));
  // The XAdES Manifest digest, recomputed over the received part, catches it too.
  EXPECT_TRUE(entry.hasError("DMPPeerInvalidSignature")) << entry.json;
}

TEST_F(DmpPeerTest, MissingMandatorySlotIsAFailure) {
  const Reply reply = post(peer, makeRequest(peer, "missing-slot"));
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_THAT(reply.body, HasSubstr("ResponseStatusType:Failure"));
  EXPECT_THAT(reply.body, HasSubstr("Document01.creationTime: missing"));
  EXPECT_EQ(peer.journal().at(0).errors.size(), 1u) << peer.journal().at(0).json;
}

TEST_F(DmpPeerTest, SignatureByAnotherCertificateOfTheTestCaIsAFailedCheck) {
  const Reply reply = post(peer, makeRequest(peer, "valid", "client"));
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body, HasSubstr("<env:Value>wsse:FailedCheck</env:Value>"));
  const auto entry = peer.journal().at(0);
  EXPECT_THAT(entry.json, HasSubstr("is not the configured signing certificate"));
  EXPECT_TRUE(entry.hasError("DMPPeerInvalidSignature"));  // the XAdES, signed by the same key
}

TEST_F(DmpPeerTest, SignatureByAForeignCaIsAFailedCheck) {
  const Reply reply = post(peer, makeRequest(peer, "valid", "rogue-client"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(peer.journal().at(0).json, HasSubstr("does not chain to the test CA"));
}

TEST_F(DmpPeerTest, AssertionChangedAfterSigningIsAFailedCheck) {
  const Reply reply = post(peer, makeRequest(peer, "tampered-vihf"));
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body, HasSubstr("<env:Value>wsse:FailedCheck</env:Value>"));
  EXPECT_THAT(peer.journal().at(0).json, HasSubstr("vihf.signature"));
}

TEST_F(DmpPeerTest, BodyFailingTheSchemaIsAFailure) {
  Request request = makeRequest(peer, "valid");
  const std::string anchor = "<lcm:SubmitObjectsRequest>";
  const auto at = request.body.find(anchor);
  ASSERT_NE(at, std::string::npos);
  request.body.insert(at + anchor.size(), "<rim:Unknown/>");
  const Reply reply = post(peer, request);
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_THAT(reply.body, HasSubstr("ResponseStatusType:Failure"));
  const auto entry = peer.journal().at(0);
  EXPECT_TRUE(entry.hasError("XDSRegistryMetadataError"));
  EXPECT_THAT(entry.json, HasSubstr("xsd.body"));
}

TEST_F(DmpPeerTest, ForcedFailureAnswersThatErrorCode) {
  peer.setControl(R"({"status":"Failure","errorCode":"XDSRepositoryBusy"})");
  const Reply reply = post(peer, makeRequest(peer, "valid"));
  EXPECT_EQ(reply.status, 200);
  EXPECT_THAT(reply.body, HasSubstr("ResponseStatusType:Failure"));
  EXPECT_THAT(reply.body, HasSubstr("errorCode=\"XDSRepositoryBusy\""));
  EXPECT_FALSE(peer.journal().at(0).accepted);
  EXPECT_TRUE(peer.journal().at(0).errors.empty());  // the request itself was fine
}

TEST_F(DmpPeerTest, ForcedSoapFaultsAnswerReceiverAs500AndSenderAs400) {
  peer.setControl(R"({"soapFault":"Receiver"})");
  const Request request = makeRequest(peer, "valid");
  Reply reply = post(peer, request);
  EXPECT_EQ(reply.status, 500);
  EXPECT_THAT(reply.body, HasSubstr("<env:Value>env:Receiver</env:Value>"));
  peer.setControl(R"({"soapFault":"Sender","responseMtom":false})");
  reply = post(peer, request);
  EXPECT_EQ(reply.status, 400);
  EXPECT_THAT(reply.body, HasSubstr("<env:Value>env:Sender</env:Value>"));
  EXPECT_THAT(reply.headers, HasSubstr("application/soap+xml"));
  ASSERT_EQ(peer.requests(), 2);
  EXPECT_EQ(peer.journal()[1].response, "fault:Sender");
}

TEST_F(DmpPeerTest, Forced503CarriesRetryAfterForTheGivenNumberOfRequests) {
  peer.setControl(R"({"http":503,"retryAfter":2,"times":1})");
  const Request request = makeRequest(peer, "valid");
  Reply reply = post(peer, request);
  EXPECT_EQ(reply.status, 503);
  EXPECT_THAT(reply.headers, HasSubstr("Retry-After: 2\r\n"));
  reply = post(peer, request);  // the same submission again: a retry
  EXPECT_EQ(reply.status, 200);
  EXPECT_THAT(reply.body, HasSubstr("ResponseStatusType:Success"));
  const auto journal = peer.journal();
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_EQ(journal[0].response, "http:503");
  EXPECT_EQ(journal[0].submissionSetUniqueId, journal[1].submissionSetUniqueId);
  EXPECT_EQ(journal[0].documentUniqueIds, journal[1].documentUniqueIds);
  EXPECT_TRUE(journal[1].accepted);
}

TEST_F(DmpPeerTest, ResetClosesTheConnectionWithoutAnAnswer) {
  peer.setControl(R"({"reset":true})");
  const Reply reply = post(peer, makeRequest(peer, "valid"));
  EXPECT_NE(reply.code, CURLE_OK);
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(peer.journal().at(0).response, "reset");
}

TEST_F(DmpPeerTest, DelayLetsAClientTimeOut) {
  peer.setControl(R"({"delayMs":4000})");
  const Request request = makeRequest(peer, "valid");
  const Reply reply =
      send(peer.url(), request.contentType, request.body, ClientCert::kTestCa, 1500);
  EXPECT_EQ(reply.code, CURLE_OPERATION_TIMEDOUT);
}

TEST(DmpPeerSchematron, ConformantRequestPassesTheAnsSchematrons) {
  DmpPeer peer(pinnedOptions(true));
  ASSERT_NE(peer.port(), 0) << "the DMP peer did not start";
  const Reply reply = post(peer, makeRequest(peer, "valid"));
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_THAT(reply.body, HasSubstr("ResponseStatusType:Success"));
  ASSERT_EQ(peer.requests(), 1);
  EXPECT_TRUE(peer.journal()[0].accepted) << peer.journal()[0].json;
  // The reports prove the schematrons ran, the TLM-CR one on this 85208-7 document too.
  const auto cda = peer.dir() / "work" / "request-1" / "cda";
  EXPECT_TRUE(std::filesystem::exists(cda / "svrl" / "IHE" / "Document01.xml"));
  EXPECT_TRUE(
      std::filesystem::exists(cda / "svrl" / "ASIP-STRUCT-MIN-StrucMin" / "Document01.xml"));
  EXPECT_TRUE(std::filesystem::exists(cda / "tlm-cr" / "svrl" / "CI-SIS_TLM-CR_2022.01" /
                                      "Document01.xml"));
}

/// check-metadata.js (the peer's metadata and CDA rules without the SOAP and signature layers)
/// on the gateway's own metadata and CDA for one document of the full example: its exit code,
/// and its report on failure.
std::pair<int, std::string> checkGatewayMetadata(std::string_view documentReferenceId,
                                                 fhirgw::xds::Flavor flavor) {
  using namespace fhirgw::xds;
  fhirgw::xds::testing::DeliveryFixture fixture("full-example", documentReferenceId);
  SubmissionInput input = fixture.input();
  input.cda = true;
  auto built = buildSubmission(input);
  if (!built.hasValue()) return {-1, built.status().toString()};
  Submission submission = *built;
  if (flavor == Flavor::kIti41) {
    const std::string signature = "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\"/>";
    const auto added = addSignatureDocument(submission, signature, "2.25.1234567890",
                                            fhirgw::common::SystemClock().now());
    if (!added.isOk()) return {-1, added.toString()};
  }
  if (flavor == Flavor::kXdm) {
    auto& documents = submission.metadata.documents;
    for (std::size_t i = 0; i < documents.size(); ++i) {
      documents[i].uri = xdmDocumentFileName(i + 1, documents[i].mimeType);
    }
  }
  auto xml = writeSubmitObjectsRequest(submission.metadata, flavor);
  if (!xml.hasValue()) return {-1, xml.status().toString()};
  const TempDir dir("fhirgw-dmp-metadata");
  std::string command =
      "node '" + sourcePath("tests/connectors/dmp-peer/check-metadata.js").string() +
      "' --shared '" FHIRGW_SHARED_DIR "' --metadata '" + dir.write("metadata.xml", *xml).string() +
      "' --flavor " + (flavor == Flavor::kIti41 ? "iti41" : "xdm");
  for (std::size_t i = 0; i < submission.documents.size(); ++i) {
    // The writer's ids: Document01, Document02... in ITI-41, the entryUUID in XDM.
    const std::string id = flavor == Flavor::kXdm
                               ? submission.metadata.documents[i].entryUuid
                               : (i < 9 ? "Document0" : "Document") + std::to_string(i + 1);
    command += " --document '" + id + "=" +
               dir.write("doc" + std::to_string(i), submission.documents[i]).string() + "'";
  }
  command += " > '" + dir.str() + "/report.json'";
  const int rc = std::system(command.c_str());  // NOLINT(cert-env33-c): a fixed test command
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, readFile(dir.path() / "report.json")};
}

// The gateway's metadata meets the peer's rules before any connector sends it (the full request,
// with the VIHF and the XAdES, comes with the dmp-xds connector).
TEST(DmpPeerRules, GatewayMetadataOfEachDocumentKindPassesThem) {
  const DmpPeer peer(pinnedOptions());  // installs the npm packages check-metadata.js needs
  ASSERT_NE(peer.port(), 0);
  for (const auto id :
       {fhirgw::xds::testing::kReportText, fhirgw::xds::testing::kPrescriptionPdf}) {
    const auto [rc, report] = checkGatewayMetadata(id, fhirgw::xds::Flavor::kIti41);
    EXPECT_EQ(rc, 0) << id << ": " << report;
    const auto [xdmRc, xdmReport] = checkGatewayMetadata(id, fhirgw::xds::Flavor::kXdm);
    EXPECT_EQ(xdmRc, 0) << id << " (XDM): " << xdmReport;
  }
}

// The gateway's VIHF (xds::buildSignedVihf, libxmlsec1) as the peer reads it: schema, xml-crypto
// signature pinned to the test PKI's signing certificate, Issuer, attributes, resource-id.
TEST(DmpPeerRules, GatewayVihfPassesThem) {
  using namespace fhirgw::xds;
  const auto pki = testPkiDir();
  DmpPeerOptions options;
  options.signCertificate = pki / "sign.pem";
  const DmpPeer peer(options);
  ASSERT_NE(peer.port(), 0);
  auto credentials = SigningCredentials::load(pki / "sign.key", pki / "sign.pem");
  ASSERT_TRUE(credentials.hasValue()) << credentials.status().toString();
  VihfInput in;
  in.issueInstant = std::chrono::system_clock::now();
  in.nameId = "801234567123";
  in.subjectId = "Jean MEDECIN";
  in.roles = {{.code = "10",
               .codeSystem = "1.2.250.1.71.1.2.7",
               .displayName = "Medecin",
               .codeSystemName = ""}};
  in.secteurActivite = "SA07^1.2.250.1.71.4.2.4";
  in.identifiantStructure = "31234567890";
  in.resourceId = "279035121518989^^^&1.2.250.1.213.1.4.10&ISO^NH";  // the fixture's patient
  in.lpsNom = "fhir-gateway";
  in.lpsVersion = "0.1.0";
  in.lpsIdHomologationDmp = "FGW-TEST-0001";
  auto vihf = buildSignedVihf(in, *credentials);
  ASSERT_TRUE(vihf.hasValue()) << vihf.status().toString();
  const TempDir dir("fhirgw-dmp-vihf");
  const std::string file = dir.write("vihf.xml", *vihf).string();

  Reply reply = post(peer, makeRequest(peer, "valid", "sign", "--vihf '" + file + "'"));
  EXPECT_THAT(reply.body, HasSubstr("ResponseStatusType:Success"));
  ASSERT_EQ(peer.requests(), 1);
  EXPECT_TRUE(peer.journal()[0].accepted) << peer.journal()[0].json;

  // One attribute changed after signing: xml-crypto refuses it.
  std::string tampered = *vihf;
  const auto at = tampered.find("FGW-TEST-0001");
  ASSERT_NE(at, std::string::npos);
  tampered.replace(at, 13, "FGW-TEST-0002");
  reply = post(peer, makeRequest(peer, "valid", "sign",
                                 "--vihf '" + dir.write("tampered.xml", tampered).string() + "'"));
  EXPECT_THAT(reply.body, HasSubstr("<env:Value>wsse:FailedCheck</env:Value>"));

  // An element SAML 2.0 does not allow there: the schema check names it.
  std::string invalid = *vihf;
  const auto subject = invalid.find("<saml2:Subject>");
  ASSERT_NE(subject, std::string::npos);
  invalid.insert(subject, "<saml2:Unknown/>");
  reply = post(peer, makeRequest(peer, "valid", "sign",
                                 "--vihf '" + dir.write("invalid.xml", invalid).string() + "'"));
  EXPECT_EQ(reply.status, 400);
  ASSERT_EQ(peer.requests(), 3);
  EXPECT_TRUE(peer.journal()[2].hasError("wsse:InvalidSecurityToken")) << peer.journal()[2].json;
  EXPECT_THAT(peer.journal()[2].json, HasSubstr("xsd.assertion"));
}

// The gateway's XAdES (xds::buildXadesSignature, libxmlsec1) as the peer reads it, in both
// profiles: SignedInfo verified by xml-crypto, Manifest digests recomputed over the received CDA,
// SigningCertificate, SigningTime; and refused once the CDA part differs from what was signed.
TEST(DmpPeerRules, GatewayXadesPassesThemInBothProfiles) {
  using namespace fhirgw::xds;
  const auto pki = testPkiDir();
  DmpPeerOptions options;
  options.signCertificate = pki / "sign.pem";
  const DmpPeer peer(options);
  ASSERT_NE(peer.port(), 0);
  auto credentials = SigningCredentials::load(pki / "sign.key", pki / "sign.pem");
  ASSERT_TRUE(credentials.hasValue()) << credentials.status().toString();
  // The fixture's CDA: the same command gives the same bytes.
  const TempDir dir("fhirgw-dmp-xades");
  const std::string command = "xmllint --nonet --c14n '" FHIRGW_SHARED_DIR
                              "/reference/ans-cda/ExemplesCDA/TLM-CR_2022.01.xml' > '" +
                              dir.str() + "/cda.xml'";
  ASSERT_EQ(std::system(command.c_str()), 0);  // NOLINT(cert-env33-c): a fixed test command
  const std::string cda = readFile(dir.path() / "cda.xml");
  ASSERT_FALSE(cda.empty());
  const std::string setUid = "2.25.987654321098765432109876543210";
  int n = 0;
  for (const auto profile : {XadesProfile::kDmpLegacy, XadesProfile::kDmpSha256}) {
    XadesInput in;
    in.signatureId = "2.25.555" + std::to_string(++n);
    in.submissionSetUniqueId = setUid;
    in.documents = {{.uniqueId = "1.3.6.1.4.1.19376.1.2.20.2022.1.1", .bytes = cda}};
    in.signingTime = std::chrono::system_clock::now();
    auto xades = buildXadesSignature(in, profile, *credentials);
    ASSERT_TRUE(xades.hasValue()) << xades.status().toString();
    const std::string args = "--ss-uid " + setUid + " --xades '" +
                             dir.write("xades" + std::to_string(n), *xades).string() + "'";
    Reply reply = post(peer, makeRequest(peer, "valid", "sign", args));
    EXPECT_THAT(reply.body, HasSubstr("ResponseStatusType:Success")) << "profile " << n;
    reply = post(peer, makeRequest(peer, "tampered-part", "sign", args));
    EXPECT_THAT(reply.body, HasSubstr("ResponseStatusType:Failure")) << "profile " << n;
  }
  const auto journal = peer.journal();
  ASSERT_EQ(journal.size(), 4u);
  for (std::size_t i = 0; i < journal.size(); i += 2) {
    EXPECT_TRUE(journal[i].accepted) << journal[i].json;
    EXPECT_TRUE(journal[i + 1].hasError("DMPPeerInvalidSignature")) << journal[i + 1].json;
    EXPECT_THAT(journal[i + 1].json, HasSubstr("xades Signature01.manifest"));
  }
}

// A XAdES signed an hour ago (a retry keeping its first signing time) is refused under the
// default ±5 min window and accepted when the window is switched off.
TEST(DmpPeerRules, SigningTimeWindowIsAnOption) {
  using namespace fhirgw::xds;
  const auto pki = testPkiDir();
  auto credentials = SigningCredentials::load(pki / "sign.key", pki / "sign.pem");
  ASSERT_TRUE(credentials.hasValue()) << credentials.status().toString();
  const TempDir dir("fhirgw-dmp-xades-time");
  const std::string command = "xmllint --nonet --c14n '" FHIRGW_SHARED_DIR
                              "/reference/ans-cda/ExemplesCDA/TLM-CR_2022.01.xml' > '" +
                              dir.str() + "/cda.xml'";
  ASSERT_EQ(std::system(command.c_str()), 0);  // NOLINT(cert-env33-c): a fixed test command
  const std::string cda = readFile(dir.path() / "cda.xml");
  const std::string setUid = "2.25.987654321098765432109876543211";
  XadesInput in;
  in.signatureId = "2.25.5551";
  in.submissionSetUniqueId = setUid;
  in.documents = {{.uniqueId = "1.3.6.1.4.1.19376.1.2.20.2022.1.1", .bytes = cda}};
  in.signingTime = std::chrono::system_clock::now() - std::chrono::hours(1);
  auto xades = buildXadesSignature(in, XadesProfile::kDmpLegacy, *credentials);
  ASSERT_TRUE(xades.hasValue()) << xades.status().toString();
  const std::string args =
      "--ss-uid " + setUid + " --xades '" + dir.write("xades", *xades).string() + "'";
  for (const auto window : {std::chrono::seconds(300), std::chrono::seconds(0)}) {
    DmpPeerOptions options;
    options.signCertificate = pki / "sign.pem";
    options.signingTimeWindow = window;
    const DmpPeer peer(options);
    ASSERT_NE(peer.port(), 0);
    const Reply reply = post(peer, makeRequest(peer, "valid", "sign", args));
    const bool accepted = reply.body.find("ResponseStatusType:Success") != std::string::npos;
    EXPECT_EQ(accepted, window.count() == 0) << peer.journal().at(0).json;
    if (window.count() != 0) {
      EXPECT_THAT(peer.journal().at(0).json, HasSubstr("signingTime"));
    }
  }
}

/// The Content-Type header of a reply.
std::string contentTypeOf(const Reply& reply) {
  const std::string name = "content-type: ";
  std::string lower = reply.headers;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  const auto at = lower.find(name);
  if (at == std::string::npos) return "";
  const auto end = reply.headers.find("\r\n", at);
  return reply.headers.substr(at + name.size(), end - at - name.size());
}

// The whole request as the gateway writes it (xds: CDA, metadata, XAdES, VIHF, MTOM), before the
// connector exists: the peer accepts it, refuses it once a part byte changed, and the gateway's
// parser reads the peer's answers (Success, Failure, fault) as the retry table expects.
TEST(DmpPeerRules, GatewayIti41RequestIsAcceptedAndItsAnswersRead) {
  using namespace fhirgw::xds;
  const auto pki = testPkiDir();
  DmpPeerOptions options;
  options.signCertificate = pki / "sign.pem";
  const DmpPeer peer(options);
  ASSERT_NE(peer.port(), 0);
  auto credentials = SigningCredentials::load(pki / "sign.key", pki / "sign.pem");
  ASSERT_TRUE(credentials.hasValue()) << credentials.status().toString();

  fhirgw::xds::testing::DeliveryFixture fixture("full-example", fhirgw::xds::testing::kReportText);
  SubmissionInput input = fixture.input();
  input.cda = true;
  auto built = buildSubmission(input);
  ASSERT_TRUE(built.hasValue()) << built.status().toString();
  Submission submission = *built;
  const auto now = std::chrono::system_clock::now();
  auto signatureId = signatureUniqueId("2.25", "delivery-1");
  ASSERT_TRUE(signatureId.hasValue());
  XadesInput xades;
  xades.signatureId = *signatureId;
  xades.submissionSetUniqueId = submission.metadata.submissionSet.uniqueId;
  xades.documents = {
      {.uniqueId = submission.metadata.documents[0].uniqueId, .bytes = submission.documents[0]}};
  xades.signingTime = now;
  auto signature = buildXadesSignature(xades, XadesProfile::kDmpLegacy, *credentials);
  ASSERT_TRUE(signature.hasValue()) << signature.status().toString();
  ASSERT_TRUE(addSignatureDocument(submission, *signature, *signatureId, now).isOk());

  VihfInput vihf;
  vihf.issueInstant = now;
  vihf.nameId = "801234567123";
  vihf.subjectId = "Jean MEDECIN";
  vihf.roles = {{.code = "10",
                 .codeSystem = "1.2.250.1.71.1.2.7",
                 .displayName = "Medecin",
                 .codeSystemName = ""}};
  vihf.secteurActivite = "SA07^1.2.250.1.71.4.2.4";
  vihf.identifiantStructure = "31234567890";
  vihf.resourceId = submission.metadata.submissionSet.patientId;
  vihf.lpsNom = "fhir-gateway";
  vihf.lpsVersion = "0.1.0";
  vihf.lpsIdHomologationDmp = "FGW-TEST-0001";
  auto assertion = buildSignedVihf(vihf, *credentials);
  ASSERT_TRUE(assertion.hasValue()) << assertion.status().toString();

  const auto request =
      writeIti41Request(submission, {.assertion = *assertion,
                                     .to = peer.url(),
                                     .messageId = "urn:uuid:0b5d3c1e-8f3a-4b7e-9d2c-6a1f2e3d4c5b",
                                     .boundarySeed = "0b5d3c1e-8f3a-4b7e-9d2c-6a1f2e3d4c5b"});
  ASSERT_TRUE(request.hasValue()) << request.status().toString();
  const auto ours = submittedUniqueIds(submission.metadata);
  const auto outcome = [&](const Reply& reply) {
    auto parsed = parseIti41Response(contentTypeOf(reply), reply.body);
    EXPECT_TRUE(parsed.hasValue()) << parsed.status().toString() << "\n" << reply.body;
    if (!parsed.hasValue()) return Iti41Outcome::kUnknown;
    EXPECT_EQ(parsed->relatesTo, "urn:uuid:0b5d3c1e-8f3a-4b7e-9d2c-6a1f2e3d4c5b");
    return classifyIti41Response(*parsed, ours).outcome;
  };

  Reply reply = send(peer.url(), request->contentType, request->body);
  ASSERT_EQ(reply.code, CURLE_OK);
  EXPECT_EQ(outcome(reply), Iti41Outcome::kDelivered) << peer.journal().at(0).json;
  ASSERT_EQ(peer.requests(), 1);
  EXPECT_TRUE(peer.journal()[0].accepted) << peer.journal()[0].json;
  EXPECT_EQ(peer.journal()[0].submissionSetUniqueId, submission.metadata.submissionSet.uniqueId);

  // One byte of the CDA part changed after hashing and signing: refused, and permanent.
  std::string tampered = request->body;
  const auto doc = tampered.find("</ClinicalDocument>");
  ASSERT_NE(doc, std::string::npos);
  tampered[doc + 2] = 'c';
  reply = send(peer.url(), request->contentType, tampered);
  EXPECT_EQ(outcome(reply), Iti41Outcome::kPermanent);
  EXPECT_TRUE(peer.journal().at(1).hasError("XDSNonIdenticalHash")) << peer.journal().at(1).json;

  // The fault modes as the gateway reads them.
  peer.setControl(R"({"status":"Failure","errorCode":"XDSRegistryBusy"})");
  EXPECT_EQ(outcome(send(peer.url(), request->contentType, request->body)),
            Iti41Outcome::kTransient);
  peer.setControl(R"({"soapFault":"Receiver"})");
  EXPECT_EQ(outcome(send(peer.url(), request->contentType, request->body)),
            Iti41Outcome::kTransient);
  peer.setControl(R"({"soapFault":"Sender","responseMtom":false})");
  EXPECT_EQ(outcome(send(peer.url(), request->contentType, request->body)),
            Iti41Outcome::kPermanent);
}

}  // namespace
