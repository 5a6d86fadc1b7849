// The dmp-xds connector: its options, and ITI-41 requests sent to the strict local DMP
// (tests/connectors/dmp-peer: Node + xml-crypto, the test CA's client certificate required),
// which checks the MIME/XOP structure, SOAP, both signatures, the schemas and the metadata, and
// plays the faults the retry table must survive.
#include "fhirgw/connectors/dmp_xds/dmp_xds_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "connectors_test_support.hpp"
#include "fhirgw/common/ids.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/testsupport/dmp_peer.hpp"
#include "fhirgw/testsupport/test_pki.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using fhirgw::testsupport::DmpPeer;
using fhirgw::testsupport::DmpPeerOptions;
using ::testing::HasSubstr;

namespace {

std::string optionsJson(const std::string& baseUrl, const std::string& extra = "",
                        const std::string& client = "client") {
  const auto pki = fhirgw::testsupport::testPkiDir();
  return R"({"baseUrl":")" + baseUrl + R"(","caFile":")" + (pki / "ca.pem").string() +
         R"(","clientCertificateFile":")" + (pki / (client + ".pem")).string() +
         R"(","clientKeyFile":")" + (pki / (client + ".key")).string() +
         R"(","signingCertificateFile":")" + (pki / "sign.pem").string() +
         R"(","signingKeyFile":")" + (pki / "sign.key").string() +
         R"(","structureId":"31234567890","sourceId":"1.2.250.1.999.1",)"
         R"("allowedPrivateNetworks":["127.0.0.0/8"],)"
         R"("product":{"name":"fhir-gateway","version":"0.1.0","homologationNumber":"FGW-TEST-1"})" +
         extra + "}";
}

std::unique_ptr<Connector> makeConnector(const std::string& options) {
  ConnectorRegistry registry;
  registerAll(registry);
  ConnectorInstanceConfig config;
  config.id = "dmp";
  config.type = "dmp-xds";
  config.path = "connectors[0]";
  config.optionsJson = options;
  auto created = registry.create(config, {});
  EXPECT_TRUE(created.hasValue()) << created.status().toString();
  return created ? std::move(*created) : nullptr;
}

/// A document of the full example as the engine hands it over, queued now (the peer wants the
/// XAdES signing time, which is the delivery's creation time, within 5 minutes of its clock).
DeliveryPayload payload(const std::string& documentId = "doc-cr", std::int64_t attempt = 1) {
  DeliveryPayload p =
      connectors::testsupport::fullExamplePayload("dmp", std::nullopt, true, documentId);
  p.createdAt =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  p.attempt = attempt;
  // One delivery per document, as routing makes them (ids derive from it).
  p.deliveryId = common::deterministicUuid({"dmp-xds-test", documentId});
  return p;
}

DmpPeerOptions peerOptions() {
  DmpPeerOptions options;
  options.signCertificate = fhirgw::testsupport::testPkiDir() / "sign.pem";
  return options;
}

}  // namespace

TEST(DmpXdsOptions, NameEveryMissingOrBadKey) {
  auto missing = parseDmpXdsOptions("{}", "connectors[0].options");
  ASSERT_FALSE(missing.hasValue());
  for (const char* key : {"baseUrl", "caFile", "clientCertificateFile", "signingCertificateFile",
                          "signingKeyFile", "structureId", "sourceId", "product"}) {
    EXPECT_THAT(missing.error().message(), HasSubstr(key));
  }
  auto bad = parseDmpXdsOptions(
      optionsJson("http://127.0.0.1:1/s",
                  R"(,"xadesProfile":"sha512","vihfVersion":"5.0","sector":"sa 07",)"
                  R"("documentKinds":["prescription","x-ray"])"),
      "connectors[0].options");
  ASSERT_FALSE(bad.hasValue());
  for (const char* key : {"baseUrl", "xadesProfile", "vihfVersion", "sector", "documentKinds"}) {
    EXPECT_THAT(bad.error().message(), HasSubstr(key));
  }
  // A signing key that is not the certificate's is named at start-up, not at the first send.
  const auto pki = fhirgw::testsupport::testPkiDir();
  std::string swapped = optionsJson("https://127.0.0.1:1/s");
  swapped.replace(swapped.find((pki / "sign.key").string()), (pki / "sign.key").string().size(),
                  (pki / "client.key").string());
  auto mismatch = parseDmpXdsOptions(swapped, "connectors[0].options");
  ASSERT_FALSE(mismatch.hasValue());
  EXPECT_THAT(mismatch.error().message(), HasSubstr("signingCertificateFile"));

  auto ok = parseDmpXdsOptions(optionsJson("https://127.0.0.1:1/s/"), "connectors[0].options");
  ASSERT_TRUE(ok.hasValue()) << ok.status().toString();
  EXPECT_EQ(ok->baseUrl, "https://127.0.0.1:1/s");
  EXPECT_EQ(ok->vihfVersion, "3.0");
  EXPECT_EQ(ok->xadesProfile, DmpXadesProfile::kLegacy);
  EXPECT_TRUE(ok->sendPrescriptions);
  EXPECT_FALSE(ok->sendSickLeave);  // opt-in only
}

TEST(DmpXdsOptions, TheSickLeaveCopyIsSentOnlyWhenConfigured) {
  auto byDefault = makeConnector(optionsJson("https://127.0.0.1:1/s"));
  ASSERT_NE(byDefault, nullptr);
  EXPECT_TRUE(byDefault->acceptsDocumentKind("report"));
  EXPECT_TRUE(byDefault->acceptsDocumentKind("prescription"));
  EXPECT_FALSE(byDefault->acceptsDocumentKind("sick-leave"));
  auto optedIn = makeConnector(optionsJson(
      "https://127.0.0.1:1/s", R"(,"documentKinds":["report","prescription","sick-leave"])"));
  ASSERT_NE(optedIn, nullptr);
  EXPECT_TRUE(optedIn->acceptsDocumentKind("sick-leave"));
}

TEST(DmpXdsConnector, TheReportAndThePrescriptionAreAcceptedByTheStrictPeer) {
  const DmpPeer peer(peerOptions());
  ASSERT_NE(peer.port(), 0);
  auto connector = makeConnector(optionsJson(peer.baseUrl()));
  ASSERT_NE(connector, nullptr);

  for (const char* document : {"doc-cr", "doc-ord"}) {
    const DeliveryResult result = connector->deliver(payload(document), {});
    EXPECT_TRUE(result.delivered()) << document << ": " << result.message << "\n"
                                    << (peer.requests() > 0 ? peer.journal().back().json : "");
  }
  const auto journal = peer.journal();
  ASSERT_EQ(journal.size(), 2u);
  for (const auto& entry : journal) {
    EXPECT_TRUE(entry.accepted) << entry.json;
    EXPECT_EQ(entry.response, "Success");
    // The CDA and the XAdES signature of the submission set.
    EXPECT_EQ(entry.documentUniqueIds.size(), 2u) << entry.json;
  }
  EXPECT_NE(journal[0].submissionSetUniqueId, journal[1].submissionSetUniqueId);
}

TEST(DmpXdsConnector, ARetrySendsTheSameUniqueIdsInANewMessage) {
  const DmpPeer peer(peerOptions());
  ASSERT_NE(peer.port(), 0);
  auto connector = makeConnector(optionsJson(peer.baseUrl()));
  ASSERT_NE(connector, nullptr);
  DeliveryPayload first = payload();
  peer.setControl(R"({"status":"Failure","errorCode":"XDSRepositoryBusy","times":1})");
  const DeliveryResult busy = connector->deliver(first, {});
  EXPECT_FALSE(busy.delivered());
  EXPECT_EQ(busy.errorClass, ErrorClass::kTransient) << busy.message;
  EXPECT_THAT(busy.message, HasSubstr("XDSRepositoryBusy"));

  DeliveryPayload second = first;
  second.attempt = 2;
  const DeliveryResult again = connector->deliver(second, {});
  EXPECT_TRUE(again.delivered()) << again.message;
  const auto journal = peer.journal();
  ASSERT_EQ(journal.size(), 2u);
  EXPECT_TRUE(journal[1].accepted) << journal[1].json;
  EXPECT_EQ(journal[0].submissionSetUniqueId, journal[1].submissionSetUniqueId);
  EXPECT_EQ(journal[0].documentUniqueIds, journal[1].documentUniqueIds);
  EXPECT_NE(journal[0].messageId, journal[1].messageId);
}

TEST(DmpXdsConnector, FaultsAreRetriedOrDeadAsTheTableSays) {
  const DmpPeer peer(peerOptions());
  ASSERT_NE(peer.port(), 0);
  auto connector =
      makeConnector(optionsJson(peer.baseUrl(), R"(,"connectTimeoutMs":1000,"timeoutMs":3000)"));
  ASSERT_NE(connector, nullptr);
  const auto run = [&](const std::string& control, std::int64_t attempt = 1) {
    peer.setControl(control);
    return connector->deliver(payload("doc-cr", attempt), {});
  };

  DeliveryResult r = run(R"({"soapFault":"Sender"})");
  EXPECT_EQ(r.errorClass, ErrorClass::kPermanent) << r.message;
  r = run(R"({"soapFault":"Receiver"})");
  EXPECT_EQ(r.errorClass, ErrorClass::kTransient) << r.message;
  r = run(R"({"status":"Failure","errorCode":"XDSPatientIdDoesNotMatch"})");
  EXPECT_EQ(r.errorClass, ErrorClass::kPermanent) << r.message;
  r = run(R"({"http":503,"retryAfter":7})");
  EXPECT_EQ(r.errorClass, ErrorClass::kTransient) << r.message;
  EXPECT_EQ(r.httpStatus, 503);
  EXPECT_EQ(r.retryAfter, std::chrono::seconds{7});
  r = run(R"({"reset":true})");
  EXPECT_EQ(r.errorClass, ErrorClass::kTransient) << r.message;
  r = run(R"({"delayMs":6000})");
  EXPECT_EQ(r.errorClass, ErrorClass::kTransient) << r.message;

  // A code nobody knows: retried up to maxAttemptsOnUnknownError (5), then dead with the code.
  r = run(R"({"status":"Failure","errorCode":"DMP-UNHEARD-OF"})", 4);
  EXPECT_EQ(r.errorClass, ErrorClass::kTransient) << r.message;
  r = run(R"({"status":"Failure","errorCode":"DMP-UNHEARD-OF"})", 5);
  EXPECT_EQ(r.errorClass, ErrorClass::kPermanent) << r.message;
  EXPECT_THAT(r.message, HasSubstr("DMP-UNHEARD-OF"));
}

TEST(DmpXdsConnector, AnUntrustedClientCertificateIsRefusedByThePeer) {
  const DmpPeer peer(peerOptions());
  ASSERT_NE(peer.port(), 0);
  auto connector = makeConnector(optionsJson(peer.baseUrl(), "", "rogue-client"));
  ASSERT_NE(connector, nullptr);
  const DeliveryResult r = connector->deliver(payload(), {});
  EXPECT_EQ(r.errorClass, ErrorClass::kTransient) << r.message;
  EXPECT_EQ(peer.requests(), 0);
}

TEST(DmpXdsConnector, ASickLeaveCopyNotConfiguredIsNeverSent) {
  const DmpPeer peer(peerOptions());
  ASSERT_NE(peer.port(), 0);
  auto connector = makeConnector(optionsJson(peer.baseUrl()));
  ASSERT_NE(connector, nullptr);
  const DeliveryResult r = connector->deliver(payload("doc-aat"), {});
  EXPECT_EQ(r.errorClass, ErrorClass::kPermanent) << r.message;
  EXPECT_EQ(r.reason, "document-kind-not-sent");
  EXPECT_EQ(peer.requests(), 0);
}

// The ANS schematrons (IHE, minimal structuring, TLM-CR) over the CDA the connector really sends,
// built from a delivery's payload (not from the whole record): Saxon in the peer, tens of seconds.
TEST(DmpXdsConnectorSchematron, TheReportSentPassesTheAnsSchematrons) {
  DmpPeerOptions options = peerOptions();
  options.schematron = true;
  const DmpPeer peer(options);
  ASSERT_NE(peer.port(), 0);
  auto connector = makeConnector(optionsJson(peer.baseUrl(), R"(,"timeoutMs":240000)"));
  ASSERT_NE(connector, nullptr);
  const DeliveryResult result = connector->deliver(payload("doc-cr"), {});
  EXPECT_TRUE(result.delivered()) << result.message;
  ASSERT_EQ(peer.requests(), 1);
  EXPECT_TRUE(peer.journal()[0].accepted) << peer.journal()[0].json;
}

TEST(DmpXdsConnector, TheConnectionTestCompletesTheMutualTlsHandshakeWithThePeer) {
  const DmpPeer peer(peerOptions());
  ASSERT_NE(peer.port(), 0);
  auto connector = makeConnector(optionsJson(peer.baseUrl()));
  ASSERT_NE(connector, nullptr);
  const ProbeResult ok = connector->probe({});
  EXPECT_TRUE(ok.ok) << ok.reason << ": " << ok.message;
  EXPECT_EQ(ok.endpoint, "https://localhost:" + std::to_string(peer.port()));

  auto rogue = makeConnector(optionsJson(peer.baseUrl(), "", "rogue-client"));
  ASSERT_NE(rogue, nullptr);
  const ProbeResult refused = rogue->probe({});
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(refused.reason, "tls-handshake") << refused.message;
}
