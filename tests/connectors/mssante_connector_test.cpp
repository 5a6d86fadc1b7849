// The mssante connector: the trust space, its options, and messages sent to a real SMTP server
// (aiosmtpd requiring the test CA's client certificate) then read back by implementations other
// than the gateway's (Python's email and zipfile, xmllint against the ebRS 3.0 schema).
#include "fhirgw/connectors/mssante/mssante_connector.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "connectors_test_support.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/smtp_peer.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/test_pki.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using fhirgw::testsupport::SmtpPeer;
using fhirgw::testsupport::testStart;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr const char* kDoctor = "anne.leroy@medecin.mssante.fr";
constexpr const char* kExampleIns = "279035121518989";  // the full example's patient

std::string optionsJson(const SmtpPeer& peer, const std::string& extra = "",
                        const std::string& from = "teleconsultation@hopital-test.mssante.fr") {
  const auto pki = fhirgw::testsupport::testPkiDir();
  return R"({"url":")" + peer.url() + R"(","caFile":")" + (pki / "ca.pem").string() +
         R"(","clientCertificateFile":")" + (pki / "client.pem").string() +
         R"(","clientKeyFile":")" + (pki / "client.key").string() + R"(","from":")" + from +
         R"(","productReference":"FHIRGW-TEST-1",)"
         R"("sourceId":"1.2.250.1.999.1","timeoutMs":20000,)"
         R"("allowedPrivateNetworks":["127.0.0.0/8"])" +
         extra + "}";
}

std::unique_ptr<Connector> makeConnector(const std::string& options) {
  ConnectorRegistry registry;
  registerAll(registry);
  ConnectorInstanceConfig config;
  config.id = "mss";
  config.type = "mssante";
  config.path = "connectors[0]";
  config.optionsJson = options;
  auto created = registry.create(config, {});
  EXPECT_TRUE(created.hasValue()) << created.status().toString();
  return created ? std::move(*created) : nullptr;
}

DeliveryPayload payloadTo(const std::string& destination, std::optional<std::string> target,
                          bool withIns = true) {
  return connectors::testsupport::fullExamplePayload(destination, std::move(target), withIns);
}

/// The received message as read by tests/connectors/smtp-peer/inspect_message.py.
rapidjson::Document inspect(const SmtpPeer& peer, int n) {
  rapidjson::Document doc = peer.inspect(n);
  EXPECT_TRUE(doc.IsObject()) << "the inspector could not read message " << n;
  return doc;
}

std::string str(const rapidjson::Value& object, const char* key) {
  if (!object.IsObject() || !object.HasMember(key) || !object[key].IsString()) return "<absent>";
  return object[key].GetString();
}

}  // namespace

TEST(MssanteTrustSpace, AdmitsOnlyMssanteDomainsAndTheListWhenOneIsGiven) {
  const TrustSpace any;
  EXPECT_TRUE(any.admits("anne.leroy@medecin.mssante.fr"));
  EXPECT_TRUE(any.admits("279035121518989@patient.mssante.fr"));
  EXPECT_TRUE(any.admits("x@MEDECIN.MSSANTE.FR"));
  EXPECT_FALSE(any.admits("anne.leroy@gmail.com"));
  EXPECT_FALSE(any.admits("anne@mssante.fr.evil.com"));
  EXPECT_FALSE(any.admits("anne@evilmssante.fr"));
  EXPECT_FALSE(any.admits("anne@.mssante.fr"));
  EXPECT_FALSE(any.admits("a@b@medecin.mssante.fr"));
  EXPECT_FALSE(any.admits("<anne@medecin.mssante.fr>"));
  EXPECT_FALSE(any.admits("anne@medecin.mssante.fr\r\nRCPT TO:<x@gmail.com>"));
  EXPECT_FALSE(any.admits("Anne Leroy <anne@medecin.mssante.fr>"));
  EXPECT_FALSE(any.admits(""));

  fhirgw::testsupport::TempDir dir;
  const auto file = dir.write("trust.txt",
                              "# operators we exchange with\nmedecin.mssante.fr\n\n"
                              "  Hopital-Test.MSSante.fr  # upper case is fine\n");
  auto listed = TrustSpace::fromFile(file.string());
  ASSERT_TRUE(listed.hasValue()) << listed.status().toString();
  EXPECT_TRUE(listed->admits("anne@medecin.mssante.fr"));
  EXPECT_TRUE(listed->admits("x@hopital-test.mssante.fr"));
  EXPECT_FALSE(listed->admits("279035121518989@patient.mssante.fr"));
  EXPECT_FALSE(TrustSpace::fromFile(dir.write("bad.txt", "gmail.com\n").string()).hasValue());
  EXPECT_FALSE(TrustSpace::fromFile(dir.write("empty.txt", "# nothing\n").string()).hasValue());
}

TEST(MssanteTrustSpace, ThePatientMailboxIsTheInsAtPatientMssanteFr) {
  EXPECT_EQ(patientMailbox("279035121518989"), "279035121518989@patient.mssante.fr");
  EXPECT_FALSE(patientMailbox("27903512151898").has_value());
  EXPECT_FALSE(patientMailbox("27903512151898X").has_value());
}

TEST(MssanteOptions, NameEveryMissingOrBadKey) {
  auto none = parseMssanteOptions("{}", "connectors[0].options");
  ASSERT_FALSE(none.hasValue());
  for (const char* key : {"url", "caFile", "clientCertificateFile", "clientKeyFile", "from",
                          "productReference", "sourceId"}) {
    EXPECT_THAT(none.error().message(), HasSubstr(std::string("connectors[0].options.") + key))
        << key;
  }
  SmtpPeer peer;
  auto outside = parseMssanteOptions(optionsJson(peer, "", "x@gmail.com"), "c.options");
  ASSERT_FALSE(outside.hasValue());
  EXPECT_THAT(outside.error().message(), HasSubstr("c.options.from"));
  auto badUrl = parseMssanteOptions(R"({"url":"https://smtp.example"})", "c.options");
  ASSERT_FALSE(badUrl.hasValue());
  EXPECT_THAT(badUrl.error().message(), HasSubstr("c.options.url"));
  auto userOnly = parseMssanteOptions(optionsJson(peer, R"(,"username":"bal")"), "c.options");
  ASSERT_FALSE(userOnly.hasValue());
  EXPECT_THAT(userOnly.error().message(), HasSubstr("passwordFile"));
  auto ok = parseMssanteOptions(optionsJson(peer), "c.options");
  ASSERT_TRUE(ok.hasValue()) << ok.status().toString();
  EXPECT_EQ(ok->productReference, "FHIRGW-TEST-1");
  EXPECT_EQ(ok->smtp.url, "smtp://localhost:" + std::to_string(peer.port()));
}

TEST(MssanteConnector, SendsTheDocumentAndAnXdmPackageToTheTreatingPhysician) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto connector = makeConnector(optionsJson(peer));
  ASSERT_NE(connector, nullptr);
  EXPECT_EQ(connector->addressing(), Addressing::kMssanteAddress);
  const DeliveryPayload payload = payloadTo("treating-physician", kDoctor);
  const DeliveryResult result = connector->deliver(payload, {});
  ASSERT_TRUE(result.delivered()) << result.message;
  ASSERT_EQ(peer.messages().size(), 1U);
  EXPECT_THAT(peer.envelopes()[0], HasSubstr(R"("to": ["anne.leroy@medecin.mssante.fr"])"));

  const rapidjson::Document m = inspect(peer, 1);
  ASSERT_TRUE(m.IsObject());
  const auto& h = m["headers"];
  // Python's parser gives the addresses without their angle brackets.
  EXPECT_EQ(str(h, "From"), "teleconsultation@hopital-test.mssante.fr");
  EXPECT_EQ(str(h, "To"), kDoctor);
  EXPECT_EQ(str(h, "X-MSS-NIL"), "FHIRGW-TEST-1");
  EXPECT_EQ(str(h, "X-MSS-INS"), "O");
  EXPECT_EQ(str(h, "X-MSS-MES"), "<absent>");
  EXPECT_EQ(str(h, "X-MSS-CODECDA"), "<absent>") << "the XDM carries no CDA yet";
  EXPECT_EQ(str(h, "Message-ID"), "<7f0c2a8e-1b3d-4c5e-8f90-a1b2c3d4e5f6@hopital-test.mssante.fr>");
  EXPECT_THAT(str(h, "Subject"), HasSubstr("XDM/1.0/DDM+"));
  EXPECT_THAT(str(h, "Date"), HasSubstr("+0000"));
  // The text says nothing of the patient.
  EXPECT_THAT(str(m, "text"), HasSubstr("IHE_XDM.ZIP"));
  EXPECT_THAT(str(m, "text"), Not(HasSubstr(kExampleIns)));

  // The document, then the zip; the document attached is the one packed, with its hash.
  const auto& parts = m["attachments"];
  ASSERT_EQ(parts.Size(), 2U);
  const auto& zipEntries = m["zip"]["entries"];
  const std::string docName = str(parts[0], "filename");
  EXPECT_TRUE(docName.starts_with("DOC0001.")) << docName;
  EXPECT_EQ(str(parts[1], "filename"), "IHE_XDM.ZIP");
  EXPECT_EQ(str(parts[1], "contentType"), "application/zip");
  for (const char* entry : {"README.TXT", "INDEX.HTM", "IHE_XDM/SUBSET01/METADATA.XML"}) {
    EXPECT_TRUE(zipEntries.HasMember(entry)) << entry;
  }
  const std::string packed = "IHE_XDM/SUBSET01/" + docName;
  ASSERT_TRUE(zipEntries.HasMember(packed.c_str())) << packed;
  EXPECT_EQ(str(zipEntries[packed.c_str()], "sha1"), str(parts[0], "sha1"));

  const auto& md = m["metadata"];
  EXPECT_TRUE(md["schemaValid"].GetBool()) << str(md, "schemaErrors");
  EXPECT_EQ(str(md, "patientId"), std::string(kExampleIns) + "^^^&1.2.250.1.213.1.4.8&ISO^NH");
  EXPECT_EQ(str(md, "hash"), str(parts[0], "sha1"));
  EXPECT_EQ(str(md, "size"), std::to_string(parts[0]["size"].GetInt()));
  EXPECT_EQ(str(md, "uri"), docName);
  EXPECT_EQ(str(md, "mimeType"), str(parts[0], "contentType"));
  EXPECT_THAT(str(md, "authorPerson"), HasSubstr("&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS"));
  EXPECT_NE(str(md, "typeCode"), "<absent>");
  EXPECT_NE(str(md, "classCode"), "<absent>");
  ASSERT_EQ(md["intendedRecipients"].Size(), 1U);
  EXPECT_THAT(md["intendedRecipients"][0].GetString(), HasSubstr(kDoctor));
}

TEST(MssanteConnector, ARetrySendsTheSameMessageIdAndTheSameIds) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto connector = makeConnector(optionsJson(peer));
  ASSERT_NE(connector, nullptr);
  DeliveryPayload payload = payloadTo("treating-physician", kDoctor);
  ASSERT_TRUE(connector->deliver(payload, {}).delivered());
  payload.attempt = 2;
  ASSERT_TRUE(connector->deliver(payload, {}).delivered());
  const rapidjson::Document first = inspect(peer, 1);
  const rapidjson::Document second = inspect(peer, 2);
  EXPECT_EQ(str(first["headers"], "Message-ID"), str(second["headers"], "Message-ID"));
  EXPECT_EQ(str(first["attachments"][1], "sha1"), str(second["attachments"][1], "sha1"))
      << "the same XDM zip, byte for byte";
}

TEST(MssanteConnector, ThePatientCopyGoesToTheInsMailboxAndRefusesReplies) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto connector = makeConnector(optionsJson(peer));
  ASSERT_NE(connector, nullptr);
  const DeliveryResult result = connector->deliver(payloadTo("patient", std::nullopt), {});
  ASSERT_TRUE(result.delivered()) << result.message;
  ASSERT_EQ(peer.envelopes().size(), 1U);
  EXPECT_THAT(peer.envelopes()[0],
              HasSubstr(R"("to": [")" + std::string(kExampleIns) + R"(@patient.mssante.fr"])"));
  const rapidjson::Document m = inspect(peer, 1);
  EXPECT_EQ(str(m["headers"], "X-MSS-MES"), "FIN");
  EXPECT_EQ(str(m["headers"], "X-MSS-INS"), "O");
  EXPECT_THAT(str(m, "text"), Not(HasSubstr(kExampleIns)));
  // The result a log or an attempt row gets never names the mailbox.
  EXPECT_THAT(result.message, Not(HasSubstr(kExampleIns)));
}

TEST(MssanteConnector, APatientWithoutInsIsNotAddressedAndNothingIsSent) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto connector = makeConnector(optionsJson(peer));
  ASSERT_NE(connector, nullptr);
  const DeliveryResult result =
      connector->deliver(payloadTo("patient", std::nullopt, /*withIns=*/false), {});
  EXPECT_EQ(result.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(result.reason, "no-recipient");
  EXPECT_EQ(peer.connections(), 0);
}

TEST(MssanteConnector, ATreatingPhysicianGetsTheDocumentOfAPatientWithoutQualifiedIns) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto connector = makeConnector(optionsJson(peer));
  ASSERT_NE(connector, nullptr);
  const DeliveryResult result =
      connector->deliver(payloadTo("treating-physician", kDoctor, /*withIns=*/false), {});
  ASSERT_TRUE(result.delivered()) << result.message;
  const rapidjson::Document m = inspect(peer, 1);
  EXPECT_EQ(str(m["headers"], "X-MSS-INS"), "N");
  EXPECT_TRUE(m["metadata"]["schemaValid"].GetBool());
  EXPECT_THAT(str(m["metadata"], "patientId"), HasSubstr("^^^&1.2.250.1.999.1&ISO^PI"));
}

TEST(MssanteConnector, ARecipientOutsideTheTrustSpaceIsNeverContacted) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto connector = makeConnector(optionsJson(peer));
  ASSERT_NE(connector, nullptr);
  EXPECT_FALSE(connector->acceptsTarget("anne.leroy@gmail.com"));
  EXPECT_TRUE(connector->acceptsTarget(kDoctor));
  for (const char* target : {"anne.leroy@gmail.com", "x@mssante.fr.example.com",
                             "anne@medecin.mssante.fr>\r\nRCPT TO:<x@gmail.com"}) {
    const DeliveryResult result = connector->deliver(payloadTo("treating-physician", target), {});
    EXPECT_EQ(result.errorClass, ErrorClass::kPermanent) << target;
    EXPECT_EQ(result.reason, "recipient-not-trusted") << target;
    EXPECT_THAT(result.message, Not(HasSubstr("gmail"))) << target;
  }
  EXPECT_EQ(peer.connections(), 0);
  EXPECT_TRUE(peer.messages().empty());
}

TEST(MssanteConnector, A4xxIsRetriedAnd5xxIsDeadWithTheReplyKept) {
  SmtpPeer peer;
  ASSERT_NE(peer.port(), 0) << "the SMTP peer did not start";
  auto connector = makeConnector(optionsJson(peer));
  ASSERT_NE(connector, nullptr);
  const DeliveryPayload payload = payloadTo("treating-physician", kDoctor);
  peer.setControl(R"({"rcpt": "450 4.2.1 Mailbox busy"})");
  const DeliveryResult busy = connector->deliver(payload, {});
  EXPECT_EQ(busy.errorClass, ErrorClass::kTransient);
  EXPECT_EQ(busy.reason, "smtp-450");
  peer.setControl(R"({"data": "554 5.7.1 Message refused by policy"})");
  const DeliveryResult refused = connector->deliver(payload, {});
  EXPECT_EQ(refused.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(refused.reason, "smtp-554");
  EXPECT_THAT(refused.message, HasSubstr("554 5.7.1 Message refused by policy"));
  peer.setControl("{}");
  EXPECT_TRUE(connector->deliver(payload, {}).delivered());
  EXPECT_EQ(peer.messages().size(), 1U);
}
