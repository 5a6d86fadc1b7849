// Connection tests of the connector instances (Connector::probe, for POST
// /admin/v1/connectors/{id}/test): a real TCP connect and TLS handshake (or SMTP EHLO + STARTTLS)
// with the instance's own settings against the local test peers, nothing sent.

#include <Poco/Net/ServerSocket.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "connectors_test_support.hpp"
#include "fhirgw/connectors/connector_config.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/testsupport/smtp_peer.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace fhirgw::connectors::testsupport;
using namespace std::chrono_literals;
using fhirgw::testsupport::SmtpPeer;
using fhirgw::testsupport::SmtpPeerOptions;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using Response = Poco::Net::HTTPServerResponse;

namespace {

constexpr const char* kAllowLoopback = R"("allowedPrivateNetworks":["127.0.0.0/8"])";

std::unique_ptr<Connector> make(const std::string& type, const std::string& options) {
  ConnectorRegistry registry;
  registerAll(registry);
  ConnectorInstanceConfig config;
  config.id = "probe";
  config.type = type;
  config.path = "connectors[0]";
  config.optionsJson = options;
  auto created = registry.create(config, {});
  EXPECT_TRUE(created.hasValue()) << created.status().toString();
  return created ? std::move(*created) : nullptr;
}

/// The TLS keys of an HTTP instance: `ca` is the CA file it pins, `client` its certificate.
std::string httpTls(const std::string& ca = "ca", const std::string& client = "client") {
  const auto pki = testPkiDir();
  return R"("caFile":")" + (pki / (ca + ".pem")).string() + R"(","clientCertificateFile":")" +
         (pki / (client + ".pem")).string() + R"(","clientKeyFile":")" +
         (pki / (client + ".key")).string() + R"(","connectTimeoutMs":3000,"timeoutMs":5000)";
}

std::string smtpOptions(const SmtpPeer& peer, const std::string& extra,
                        const std::string& ca = "ca") {
  const auto pki = testPkiDir();
  return R"({"url":")" + peer.url() + R"(","caFile":")" + (pki / (ca + ".pem")).string() +
         R"(","clientCertificateFile":")" + (pki / "client.pem").string() +
         R"(","clientKeyFile":")" + (pki / "client.key").string() +
         R"(","from":"teleconsultation@hopital-test.mssante.fr","productReference":"FHIRGW-1",)"
         R"("sourceId":"1.2.250.1.999.1","connectTimeoutMs":5000,"timeoutMs":20000)" +
         extra + "}";
}

void answerOk(Response& r) {
  r.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_OK);
  r.sendBuffer("{}", 2);
}

/// A port where nothing listens (bound, then closed).
int closedPort() {
  Poco::Net::ServerSocket socket;
  socket.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
  const int port = socket.address().port();
  socket.close();
  return port;
}

}  // namespace

TEST(ConnectorProbe, FhirRestCompletesTheMutualTlsHandshakeAndSendsNoRequest) {
  TestHttpsServer peer([](const ReceivedRequest&, Response& r, int) { answerOk(r); });
  auto connector = make("fhir-rest", R"({"baseUrl":")" + peer.url("/fhir/r4") + R"(",)" +
                                         httpTls() + "," + kAllowLoopback + "}");
  ASSERT_NE(connector, nullptr);
  const ProbeResult result = connector->probe({});
  EXPECT_TRUE(result.ok) << result.reason << ": " << result.message;
  EXPECT_FALSE(result.errorClass.has_value());
  EXPECT_EQ(result.endpoint, "https://localhost:" + std::to_string(peer.port()));
  EXPECT_EQ(peer.requestCount(), 0U) << "a probe sends no request";
}

TEST(ConnectorProbe, APeerCertificateFromAnotherCaIsAPermanentTlsHandshakeFailure) {
  TestHttpsServer peer([](const ReceivedRequest&, Response& r, int) { answerOk(r); });
  auto connector =
      make("mhd", R"({"baseUrl":")" + peer.url("/mhd") + R"(","sourceId":"1.2.250.1.999.1",)" +
                      httpTls("other-ca") + "," + kAllowLoopback + "}");
  ASSERT_NE(connector, nullptr);
  const ProbeResult result = connector->probe({});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(result.reason, "tls-handshake");
  EXPECT_THAT(result.message, StartsWith("TLS handshake failed: "));
  EXPECT_THAT(result.message, HasSubstr("certificate"));
  EXPECT_EQ(peer.requestCount(), 0U);
}

TEST(ConnectorProbe, AClientCertificateThePeerRefusesFailsTheTlsHandshake) {
  TestHttpsServer peer([](const ReceivedRequest&, Response& r, int) { answerOk(r); });
  auto connector =
      make("fhir-rest", R"({"baseUrl":")" + peer.url("/fhir") + R"(",)" +
                            httpTls("ca", "rogue-client") + "," + kAllowLoopback + "}");
  ASSERT_NE(connector, nullptr);
  const ProbeResult result = connector->probe({});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(result.reason, "tls-handshake") << result.message;
}

TEST(ConnectorProbe, NothingListeningIsATransientConnectFailure) {
  const int port = closedPort();
  auto connector = make("fhir-rest", R"({"baseUrl":"https://localhost:)" + std::to_string(port) +
                                         R"(/fhir",)" + httpTls() + "," + kAllowLoopback + "}");
  ASSERT_NE(connector, nullptr);
  const ProbeResult result = connector->probe({});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.errorClass, ErrorClass::kTransient);
  EXPECT_EQ(result.reason, "connect") << result.message;
  EXPECT_EQ(result.endpoint, "https://localhost:" + std::to_string(port));
}

TEST(ConnectorProbe, LoopbackWithoutAllowedPrivateNetworksIsRefusedWithoutAConnection) {
  Poco::Net::ServerSocket listener;
  listener.bind(Poco::Net::SocketAddress("127.0.0.1", 0), true);
  listener.listen(4);
  auto connector = make("fhir-rest", R"({"baseUrl":"https://127.0.0.1:)" +
                                         std::to_string(listener.address().port()) + R"(/fhir",)" +
                                         httpTls() + "}");
  ASSERT_NE(connector, nullptr);
  const ProbeResult result = connector->probe({});
  EXPECT_FALSE(result.ok);
  EXPECT_EQ(result.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(result.reason, "address-not-allowed");
  EXPECT_THAT(result.message, HasSubstr("the address is loopback"));
  EXPECT_FALSE(listener.poll(Poco::Timespan(300 * 1000), Poco::Net::Socket::SELECT_READ))
      << "the listener saw a connection";
}

TEST(ConnectorProbe, FhirRestWithoutABaseUrlHasNoFixedEndpoint) {
  auto connector =
      make("fhir-rest", R"({"allowedEndpoints":["https://fhir.example/r4"],)" + httpTls() + "}");
  ASSERT_NE(connector, nullptr);
  const ProbeResult result = connector->probe({});
  EXPECT_FALSE(result.ok);
  EXPECT_FALSE(result.errorClass.has_value());
  EXPECT_EQ(result.reason, "no-fixed-endpoint");
  EXPECT_THAT(result.message, HasSubstr("recipient's own FHIR endpoint"));
  EXPECT_TRUE(result.endpoint.empty());
}

TEST(ConnectorProbe, MssanteSaysEhloStartsTlsWithTheCertificateAndQuitsWithoutMail) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0);
  auto connector = make("mssante", smtpOptions(peer, std::string(",") + kAllowLoopback));
  ASSERT_NE(connector, nullptr);
  const ProbeResult result = connector->probe({});
  EXPECT_TRUE(result.ok) << result.reason << ": " << result.message;
  EXPECT_EQ(result.endpoint, "smtp://localhost:" + std::to_string(peer.port()));
  EXPECT_EQ(peer.connections(), 1);
  EXPECT_TRUE(peer.messages().empty());
  // The QUIT came inside the TLS session, after the server had checked the client certificate.
  EXPECT_THAT(peer.events(), HasSubstr(R"("event": "quit", "clientCert": "client")"));
}

TEST(ConnectorProbe, MssanteOverImplicitTlsAndWithSmtpAuth) {
  SmtpPeerOptions options;
  options.implicitTls = true;
  options.user = "gateway";
  options.password = "s3cret-pass";
  SmtpPeer peer(options);
  ASSERT_NE(peer.port(), 0);
  TempDir dir;
  const auto good = dir.write("good", "s3cret-pass\n");
  const auto bad = dir.write("bad", "wrong\n");
  auto connector = make("mssante", smtpOptions(peer, R"(,"username":"gateway","passwordFile":")" +
                                                         good.string() + R"(",)" + kAllowLoopback));
  ASSERT_NE(connector, nullptr);
  const ProbeResult ok = connector->probe({});
  EXPECT_TRUE(ok.ok) << ok.reason << ": " << ok.message;
  EXPECT_EQ(ok.endpoint, "smtps://localhost:" + std::to_string(peer.port()));

  auto refused = make("mssante", smtpOptions(peer, R"(,"username":"gateway","passwordFile":")" +
                                                       bad.string() + R"(",)" + kAllowLoopback));
  ASSERT_NE(refused, nullptr);
  const ProbeResult denied = refused->probe({});
  EXPECT_FALSE(denied.ok);
  EXPECT_EQ(denied.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(denied.reason, "auth-refused") << denied.message;
  EXPECT_THAT(denied.message, Not(HasSubstr("wrong")));
  EXPECT_TRUE(peer.messages().empty());
}

TEST(ConnectorProbe, MssanteFailuresSayWhatFailed) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0);
  auto otherCa = make("mssante", smtpOptions(peer, std::string(",") + kAllowLoopback, "other-ca"));
  ASSERT_NE(otherCa, nullptr);
  const ProbeResult tls = otherCa->probe({});
  EXPECT_FALSE(tls.ok);
  EXPECT_EQ(tls.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(tls.reason, "tls-handshake") << tls.message;

  auto notAllowed = make("mssante", smtpOptions(peer, ""));
  ASSERT_NE(notAllowed, nullptr);
  const int before = peer.connections();
  const ProbeResult refused = notAllowed->probe({});
  EXPECT_FALSE(refused.ok);
  EXPECT_EQ(refused.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(refused.reason, "address-not-allowed");
  EXPECT_EQ(peer.connections(), before) << "no connection reached the server";
  EXPECT_TRUE(peer.messages().empty());
}

TEST(ConnectorProbe, FileChecksTheFolderIsWritable) {
  TempDir dir;
  const auto folder = dir.path() / "outbox";
  auto connector = make("file", R"({"directory":")" + folder.string() + R"("})");
  ASSERT_NE(connector, nullptr);
  const ProbeResult ok = connector->probe({});
  EXPECT_TRUE(ok.ok) << ok.message;
  EXPECT_EQ(ok.endpoint, folder.string());
  EXPECT_TRUE(std::filesystem::is_empty(folder)) << "the probe's file was removed";

  std::filesystem::remove_all(folder);
  const ProbeResult missing = connector->probe({});
  EXPECT_FALSE(missing.ok);
  EXPECT_EQ(missing.errorClass, ErrorClass::kTransient);
  EXPECT_EQ(missing.reason, "not-writable");
  EXPECT_THAT(missing.message, HasSubstr("does not exist"));

  dir.write("outbox", "a file where the folder should be");
  const ProbeResult notAFolder = connector->probe({});
  EXPECT_FALSE(notAFolder.ok);
  EXPECT_EQ(notAFolder.reason, "not-writable");
}
