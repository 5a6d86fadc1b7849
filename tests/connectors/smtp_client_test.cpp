// The SMTP transport against a real SMTP server (aiosmtpd, tests/connectors/smtp-peer) that
// requires TLS and a client certificate from the test CA.
#include "fhirgw/connectors/smtp_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fhirgw/testsupport/smtp_peer.hpp"
#include "fhirgw/testsupport/test_pki.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using fhirgw::testsupport::SmtpPeer;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

const std::string kMessage =
    "From: <gateway@hopital.mssante.fr>\r\nTo: <dr.martin@medecin.mssante.fr>\r\n"
    "Subject: test\r\nMessage-ID: <m1@gateway>\r\n\r\nBonjour.\r\n.starts with a dot\r\n";

SmtpClientOptions clientOptions(const SmtpPeer& peer, bool withCertificate = true) {
  const auto pki = fhirgw::testsupport::testPkiDir();
  SmtpClientOptions o;
  o.url = peer.url();
  o.caFile = (pki / "ca.pem").string();
  if (withCertificate) {
    o.clientCertificateFile = (pki / "client.pem").string();
    o.clientKeyFile = (pki / "client.key").string();
  }
  o.connectTimeout = std::chrono::seconds(5);
  o.timeout = std::chrono::seconds(20);
  o.addressPolicy.allow(*fhirgw::common::parseIpNetwork("127.0.0.0/8"));  // the local test peer
  return o;
}

const SmtpEnvelope kEnvelope{"gateway@hopital.mssante.fr", {"dr.martin@medecin.mssante.fr"}};

std::unique_ptr<SmtpClient> makeClient(SmtpClientOptions options) {
  auto client = SmtpClient::create(std::move(options));
  EXPECT_TRUE(client.hasValue()) << client.status().toString();
  return client ? std::move(*client) : nullptr;
}

}  // namespace

TEST(SmtpClient, SendsOverStartTlsWithTheClientCertificate) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto client = makeClient(clientOptions(peer));
  ASSERT_NE(client, nullptr);
  const SmtpResult result = client->send(kEnvelope, kMessage);
  EXPECT_TRUE(result.accepted()) << result.reply;
  EXPECT_EQ(result.replyCode, 250);
  EXPECT_TRUE(classifySmtp(result).delivered());
  const auto messages = peer.messages();
  ASSERT_EQ(messages.size(), 1U);
  // The server got the message as sent: dot-stuffing undone, CRLF kept.
  EXPECT_EQ(messages[0], kMessage);
  const auto envelopes = peer.envelopes();
  ASSERT_EQ(envelopes.size(), 1U);
  EXPECT_THAT(envelopes[0], HasSubstr(R"("from": "gateway@hopital.mssante.fr")"));
  EXPECT_THAT(envelopes[0], HasSubstr(R"("to": ["dr.martin@medecin.mssante.fr"])"));
  EXPECT_THAT(envelopes[0], HasSubstr(R"("clientCert": "client")"));
}

TEST(SmtpClient, SendsOverImplicitTls) {
  SmtpPeer peer({.implicitTls = true, .user = {}, .password = {}});
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto client = makeClient(clientOptions(peer));
  ASSERT_NE(client, nullptr);
  EXPECT_TRUE(client->send(kEnvelope, kMessage).accepted());
  EXPECT_EQ(peer.messages().size(), 1U);
}

TEST(SmtpClient, ReusesItsConnectionForTheNextMessage) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto client = makeClient(clientOptions(peer));
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->send(kEnvelope, kMessage).accepted());
  ASSERT_TRUE(client->send(kEnvelope, kMessage).accepted());
  EXPECT_EQ(peer.messages().size(), 2U);
  EXPECT_EQ(peer.connections(), 1);
}

TEST(SmtpClient, AuthenticatesWhenConfigured) {
  SmtpPeer peer({.implicitTls = false, .user = "bal-applicative", .password = "s3cret"});
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto options = clientOptions(peer);
  options.username = "bal-applicative";
  options.password = "wrong";
  auto refused = makeClient(options);
  ASSERT_NE(refused, nullptr);
  const SmtpResult denied = refused->send(kEnvelope, kMessage);
  EXPECT_FALSE(denied.accepted());
  EXPECT_EQ(denied.replyCode, 535);
  EXPECT_EQ(classifySmtp(denied).errorClass, ErrorClass::kPermanent);

  options.password = "s3cret";
  auto client = makeClient(options);
  ASSERT_NE(client, nullptr);
  EXPECT_TRUE(client->send(kEnvelope, kMessage).accepted());
  EXPECT_EQ(peer.messages().size(), 1U);
}

TEST(SmtpClient, WithoutTheClientCertificateTheServerRefusesAndTheFailureIsTransient) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto client = makeClient(clientOptions(peer, /*withCertificate=*/false));
  ASSERT_NE(client, nullptr);
  const SmtpResult result = client->send(kEnvelope, kMessage);
  EXPECT_FALSE(result.accepted());
  ASSERT_TRUE(result.transportError.has_value());
  const DeliveryResult delivery = classifySmtp(result);
  EXPECT_EQ(delivery.errorClass, ErrorClass::kTransient);
  EXPECT_TRUE(peer.messages().empty());
  EXPECT_GE(peer.connections(), 1);
}

TEST(SmtpClient, AClientCertificateFromAnotherCaIsRefused) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  const auto pki = fhirgw::testsupport::testPkiDir();
  auto options = clientOptions(peer);
  options.clientCertificateFile = (pki / "rogue-client.pem").string();
  options.clientKeyFile = (pki / "rogue-client.key").string();
  auto client = makeClient(options);
  ASSERT_NE(client, nullptr);
  const SmtpResult result = client->send(kEnvelope, kMessage);
  EXPECT_TRUE(result.transportError.has_value());
  EXPECT_TRUE(peer.messages().empty());
}

TEST(SmtpClient, AServerOutsideThePinnedCaIsNotTrusted) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto options = clientOptions(peer);
  // The peer's certificate is signed by the test CA; trusting only the other CA must fail.
  options.caFile = (fhirgw::testsupport::testPkiDir() / "other-ca.pem").string();
  auto client = makeClient(options);
  ASSERT_NE(client, nullptr);
  const SmtpResult result = client->send(kEnvelope, kMessage);
  ASSERT_TRUE(result.transportError.has_value());
  EXPECT_EQ(classifySmtp(result).errorClass, ErrorClass::kTransient);
  EXPECT_TRUE(peer.messages().empty());
}

TEST(SmtpClient, A4xxReplyIsTransientAnd5xxPermanentWithTheReplyWithoutTheAddress) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto client = makeClient(clientOptions(peer));
  ASSERT_NE(client, nullptr);

  peer.setControl(R"({"data": "451 4.3.0 Try again later"})");
  const SmtpResult later = client->send(kEnvelope, kMessage);
  EXPECT_EQ(later.replyCode, 451);
  const DeliveryResult transient = classifySmtp(later);
  EXPECT_EQ(transient.errorClass, ErrorClass::kTransient);
  EXPECT_EQ(transient.reason, "smtp-451");

  peer.setControl(
      R"({"rcpt": "550 5.1.1 <dr.martin@medecin.mssante.fr> 279035121518989 unknown user"})");
  const SmtpResult refused = client->send(kEnvelope, kMessage);
  EXPECT_EQ(refused.replyCode, 550);
  const DeliveryResult permanent = classifySmtp(refused);
  EXPECT_EQ(permanent.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(permanent.reason, "smtp-550");
  EXPECT_THAT(permanent.message, HasSubstr("550 5.1.1"));
  EXPECT_THAT(permanent.message, HasSubstr("unknown user"));
  EXPECT_THAT(permanent.message, Not(HasSubstr("martin")));
  EXPECT_THAT(permanent.message, Not(HasSubstr("279035121518989")));

  peer.setControl("{}");
  EXPECT_TRUE(client->send(kEnvelope, kMessage).accepted());
  EXPECT_EQ(peer.messages().size(), 1U);
}

TEST(SmtpClient, ANameThatDoesNotAnswerIsATransientFailure) {
  SmtpClientOptions options;
  {
    SmtpPeer peer;
    ASSERT_NE(peer.port(), 0);
    options = clientOptions(peer);
  }
  auto client = makeClient(options);
  ASSERT_NE(client, nullptr);
  const SmtpResult result = client->send(kEnvelope, kMessage);
  ASSERT_TRUE(result.transportError.has_value());
  EXPECT_EQ(classifySmtp(result).errorClass, ErrorClass::kTransient);
}

TEST(SmtpClient, RefusesBadConfiguration) {
  SmtpClientOptions o;
  o.url = "http://smtp.example:587";
  EXPECT_FALSE(SmtpClient::create(o).hasValue());
  o.url = "smtp://user@smtp.example:587";
  EXPECT_FALSE(SmtpClient::create(o).hasValue());
  o.url = "smtp://smtp.example:587/path";
  EXPECT_FALSE(SmtpClient::create(o).hasValue());
  o.url = "smtp://smtp.example:587";
  o.username = "u";
  EXPECT_FALSE(SmtpClient::create(o).hasValue()) << "a user needs a password";
  o.username.clear();
  o.caFile = "/nonexistent/ca.pem";
  EXPECT_FALSE(SmtpClient::create(o).hasValue());
  o.caFile.clear();
  auto ok = SmtpClient::create(o);
  ASSERT_TRUE(ok.hasValue());
  EXPECT_EQ((*ok)->options().url, "smtp://smtp.example:587");
}

TEST(SmtpReply, ScrubbingRemovesAddressesAndIdentifiers) {
  EXPECT_EQ(scrubSmtpReply("550 5.1.1 <279035121518989@patient.mssante.fr>: Recipient refused"),
            "550 5.1.1 <address>: Recipient refused");
  EXPECT_EQ(scrubSmtpReply("550 user dr.x@medecin.mssante.fr unknown"),
            "550 user <address> unknown");
  EXPECT_EQ(scrubSmtpReply("550 INS279035121518989 refused"), "550 INS# refused");
  EXPECT_EQ(scrubSmtpReply("451 4.3.0 queue\x01 full"), "451 4.3.0 queue full");
  EXPECT_EQ(scrubSmtpReply(std::string(500, 'a')).size(), 200U);
}

TEST(SmtpClient, ALoopbackServerIsRefusedByTheAddressPolicyWithoutAConnection) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0);
  SmtpClientOptions options = clientOptions(peer);
  options.addressPolicy = fhirgw::common::AddressPolicy::publicOnly();  // the default
  auto client = makeClient(options);
  ASSERT_NE(client, nullptr);
  const SmtpResult result = client->send(kEnvelope, kMessage);
  ASSERT_TRUE(result.transportError.has_value());
  EXPECT_EQ(result.transportError->code(), fhirgw::common::StatusCode::kPermissionDenied);
  EXPECT_EQ(result.transportError->message(),
            "connection refused by the outbound address policy: the address is loopback (allow "
            "it with allowedPrivateNetworks)");
  const DeliveryResult classified = classifySmtp(result);
  EXPECT_EQ(classified.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(classified.reason, "address-not-allowed");
  EXPECT_EQ(peer.connections(), 0);
  EXPECT_TRUE(peer.messages().empty());

  // Allowed on purpose, the same server is reached.
  auto allowed = makeClient(clientOptions(peer));
  ASSERT_NE(allowed, nullptr);
  EXPECT_TRUE(allowed->send(kEnvelope, kMessage).accepted());
  EXPECT_EQ(peer.connections(), 1);
}
