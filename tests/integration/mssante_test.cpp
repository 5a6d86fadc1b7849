// The mssante connector through the whole gateway: the real fhir-gateway binary accepts a
// teleconsultation from an editor and sends its documents by e-mail to a real SMTP server
// (tests/connectors/smtp-peer, aiosmtpd requiring the test CA's client certificate). The messages
// it receives are read back by other implementations (Python's email and zipfile, xmllint); the
// deliveries are watched through the admin API; faults are the server's answers, a refused client
// certificate, a recipient outside MSSanté and a SIGKILL during sends.

#include <Poco/Net/HTTPClientSession.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/testsupport/smtp_peer.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/test_pki.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::mssante_test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "mssante-test-admin-token-0123456789";
constexpr const char* kFrom = "teleconsultation@hopital-test.mssante.fr";
constexpr const char* kDoctor =
    "anne.leroy@medecin.mssante.fr";             // the example's treating physician
constexpr const char* kIns = "279035121518989";  // the example's patient
constexpr auto kPatience = std::chrono::seconds(30);

/// A JSON object answer; an empty object when the text is not one.
rapidjson::Document parsed(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  if (doc.HasParseError() || !doc.IsObject()) doc.SetObject();
  return doc;
}

/// Polls until the condition holds or the deadline passes; the last answer.
bool eventually(const std::function<bool()>& condition,
                std::chrono::steady_clock::duration patience = kPatience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

/// A gateway on its own data folder: a `file` instance for the DMP and the encounter, an
/// `mssante` instance for the treating physician and the patient pointed at the SMTP peer, with
/// fast retries; clientCert names the application mailbox's certificate in the test PKI.
class MssanteGateway {
 public:
  MssanteGateway(const SmtpPeer& peer, const fs::path& dir,
                 const std::string& clientCert = "client")
      : dir_(dir) {
    const fs::path pki = testPkiDir();
    const fs::path config = dir / "gateway.json";
    std::ofstream(config) << R"({"server": {"host": "127.0.0.1", "port": 0}, "admin": {"port": 0},
      "storage": {"dataDir": ")"
                          << (dir / "data").string() << R"("},
      "connectors": [
        {"id": "outbox", "type": "file", "routes": ["dmp", "encounter"],
         "options": {"directory": ")"
                          << (dir / "outbox").string() << R"("}},
        {"id": "mss", "type": "mssante", "routes": ["treating-physician", "patient"], "workers": 2,
         "retry": {"initialDelayMs": 50, "maxDelayMs": 200},
         "circuitBreaker": {"openMs": 100, "maxOpenMs": 200},
         "options": {"url": ")"
                          << peer.url() << R"(", "from": ")" << kFrom << R"(",
           "productReference": "FHIRGW-TEST-1", "sourceId": "1.2.250.1.999.1",
           "caFile": ")" << (pki / "ca.pem").string()
                          << R"(", "clientCertificateFile": ")"
                          << (pki / (clientCert + ".pem")).string() << R"(",
           "clientKeyFile": ")"
                          << (pki / (clientCert + ".key")).string() << R"(", "timeoutMs": 20000,
           "allowedPrivateNetworks": ["127.0.0.0/8"]}}]})";
    process_ = startGateway(config, kToken, started_);
  }

  bool started() const { return started_; }
  GatewayProcess& process() { return *process_; }
  std::string output() const { return process_->output(); }

  /// Creates an editor client through the admin API; its key.
  std::string createEditor() {
    Poco::Net::HTTPClientSession admin = adminSession();
    auto created =
        httpRequest(admin, "POST", "/admin/v1/clients", R"({"name":"editor","role":"editor"})",
                    {{"Authorization", std::string("Bearer ") + kToken}});
    EXPECT_EQ(created.status, 201) << created.body;
    return text(parsed(created.body), "key");
  }

  /// POSTs a teleconsultation; the answer.
  HttpResponse post(const std::string& key, const std::string& body) {
    Poco::Net::HTTPClientSession api("127.0.0.1", static_cast<Poco::UInt16>(process_->apiPort()));
    return httpRequest(api, "POST", "/api/v1/teleconsultations", body,
                       {{"Authorization", "Bearer " + key}});
  }

  /// GET on the admin API, parsed (an empty object when the answer is not 200).
  rapidjson::Document adminGet(const std::string& path) {
    Poco::Net::HTTPClientSession admin = adminSession();
    auto r =
        httpRequest(admin, "GET", path, {}, {{"Authorization", std::string("Bearer ") + kToken}});
    return r.status == 200 ? parsed(r.body) : parsed("{}");
  }

  HttpResponse adminPost(const std::string& path) {
    Poco::Net::HTTPClientSession admin = adminSession();
    return httpRequest(admin, "POST", path, {},
                       {{"Authorization", std::string("Bearer ") + kToken}});
  }

  /// Whether the instance has nothing left to send: no pending, in-flight or failed delivery.
  bool drained(const std::string& connector) {
    for (const char* status : {"pending", "in-flight", "failed"}) {
      Poco::Net::HTTPClientSession admin = adminSession();
      auto r = httpRequest(admin, "GET",
                           "/admin/v1/deliveries?connector=" + connector + "&status=" + status, {},
                           {{"Authorization", std::string("Bearer ") + kToken}});
      if (r.status != 200 || r.body != "[]") return false;
    }
    return true;
  }

  /// The delivery with its attempts (GET /admin/v1/deliveries/{id}).
  rapidjson::Document delivery(const std::string& id) {
    return adminGet("/admin/v1/deliveries/" + id);
  }

  std::string statusOf(const std::string& id) { return text(delivery(id), "status"); }

  static std::string text(const rapidjson::Value& v, const char* key) {
    return v.IsObject() && v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "<absent>";
  }

 private:
  Poco::Net::HTTPClientSession adminSession() const {
    return Poco::Net::HTTPClientSession("127.0.0.1",
                                        static_cast<Poco::UInt16>(process_->adminPort()));
  }

  fs::path dir_;
  std::unique_ptr<GatewayProcess> process_;
  bool started_ = false;
};

/// The full example, edited: externalId, the report's patient copy, the treating physician's
/// mailbox, the patient copies of the other documents.
struct Example {
  std::string externalId = "LGC-2026-000123";
  bool reportToPatient = false;
  bool othersToPatient = true;
  std::string doctorMailbox = kDoctor;

  std::string body() const {
    rapidjson::Document doc;
    doc.Parse(readExample("teleconsultation-full.json").c_str());
    auto& a = doc.GetAllocator();
    const std::string suffix = externalId.substr(std::string("LGC-2026-000123").size());
    doc["externalId"].SetString(externalId.c_str(), a);
    doc["treatingPhysician"]["mssanteAddress"].SetString(doctorMailbox.c_str(), a);
    for (auto& d : doc["documents"].GetArray()) {
      const std::string id = std::string(d["externalId"].GetString()) + suffix;
      d["externalId"].SetString(id.c_str(), a);
      const bool isReport = std::string(d["kind"].GetString()) == "report";
      if (!d.HasMember("recipients"))
        d.AddMember("recipients", rapidjson::Value(rapidjson::kObjectType), a);
      auto& r = d["recipients"];
      r.RemoveMember("patient");
      r.AddMember("patient", isReport ? reportToPatient : othersToPatient, a);
    }
    return common::toJsonString(doc);
  }
};

/// The deliveries of an accepted record (the 201 answer), as destination + document kind -> id.
struct Accepted {
  std::map<std::string, std::string> byKey;     // "report/treating-physician" -> delivery id
  std::map<std::string, std::string> reasonOf;  // delivery id -> reason (skipped ones)
  std::vector<std::string> mssante;             // ids routed to the mss instance, pending
};

Accepted readAccepted(const std::string& answer) {
  Accepted out;
  const rapidjson::Document doc = parsed(answer);
  if (!doc.HasMember("documents") || !doc.HasMember("deliveries")) return out;
  std::map<std::string, std::string> kindOf;
  for (const auto& d : doc["documents"].GetArray())
    kindOf[d["id"].GetString()] = d["kind"].GetString();
  for (const auto& d : doc["deliveries"].GetArray()) {
    const std::string id = d["id"].GetString();
    const std::string kind = d.HasMember("document") ? kindOf[d["document"].GetString()] : "record";
    out.byKey[kind + "/" + d["destination"].GetString()] = id;
    if (d.HasMember("reason")) out.reasonOf[id] = d["reason"].GetString();
    if (d.HasMember("connector") && std::string(d["connector"].GetString()) == "mss" &&
        std::string(d["status"].GetString()) == "pending") {
      out.mssante.push_back(id);
    }
  }
  return out;
}

/// The Message-ID of a raw message, without its angle brackets ("" when absent).
std::string messageIdOf(const std::string& raw) {
  const std::string headers = raw.substr(0, raw.find("\r\n\r\n"));
  const std::string name = "\r\nMessage-ID: <";
  const auto at = ("\r\n" + headers).find(name);
  if (at == std::string::npos) return "";
  const auto start = at + name.size() - 2;
  return headers.substr(start, headers.find('>', start) - start);
}

/// Index (from 1) of the received message with this Message-ID; 0 when none.
int messageNumber(const SmtpPeer& peer, const std::string& deliveryId) {
  const auto messages = peer.messages();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    if (messageIdOf(messages[i]) == deliveryId + "@hopital-test.mssante.fr") {
      return static_cast<int>(i + 1);
    }
  }
  return 0;
}

/// The decoded content of a document of the example, as the editor posted it.
std::string postedContent(const std::string& kind) {
  rapidjson::Document doc;
  doc.Parse(readExample("teleconsultation-full.json").c_str());
  for (const auto& d : doc["documents"].GetArray()) {
    if (kind == d["kind"].GetString()) {
      return common::base64Decode(d["content"]["data"].GetString()).value_or("<not base64>");
    }
  }
  return "<no such document>";
}

std::string str(const rapidjson::Value& v, const char* key) { return MssanteGateway::text(v, key); }

class MssanteGatewayTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(peer_.port(), 0) << "the SMTP peer did not start"; }
  SmtpPeer peer_;
  TempDir dir_{"fhirgw-mssante"};
};

TEST_F(MssanteGatewayTest, TheReportReachesTheTreatingPhysicianAndThePatientReadableAndComplete) {
  MssanteGateway gateway(peer_, dir_.path());
  ASSERT_TRUE(gateway.started()) << gateway.output();
  const std::string key = gateway.createEditor();
  Example example;
  example.reportToPatient = true;
  example.othersToPatient = false;
  const auto answer = gateway.post(key, example.body());
  ASSERT_EQ(answer.status, 201) << answer.body;
  const Accepted accepted = readAccepted(answer.body);
  ASSERT_EQ(accepted.mssante.size(), 2U) << answer.body;
  const std::string toDoctor = accepted.byKey.at("report/treating-physician");
  const std::string toPatient = accepted.byKey.at("report/patient");

  ASSERT_TRUE(eventually([&] {
    return gateway.statusOf(toDoctor) == "delivered" && gateway.statusOf(toPatient) == "delivered";
  })) << gateway.output();
  // The editor's status endpoint says the same.
  {
    const std::string record = str(parsed(answer.body), "id");
    Poco::Net::HTTPClientSession api("127.0.0.1",
                                     static_cast<Poco::UInt16>(gateway.process().apiPort()));
    auto status = httpRequest(api, "GET", "/api/v1/teleconsultations/" + record, {},
                              {{"Authorization", "Bearer " + key}});
    ASSERT_EQ(status.status, 200);
    const rapidjson::Document doc = parsed(status.body);
    int delivered = 0;
    for (const auto& d : doc["deliveries"].GetArray()) {
      const std::string id = d["id"].GetString();
      if (id == toDoctor || id == toPatient) {
        EXPECT_STREQ(d["status"].GetString(), "delivered") << id;
        ++delivered;
      }
    }
    EXPECT_EQ(delivered, 2) << status.body;
  }
  ASSERT_EQ(peer_.messages().size(), 2U) << "one message per delivery, no more";

  const std::string posted = postedContent("report");
  const std::string postedSha1 = common::hexEncode(common::sha1(posted));
  for (const auto& [id, mailbox, patientCopy] :
       {std::tuple{toDoctor, std::string(kDoctor), false},
        std::tuple{toPatient, std::string(kIns) + "@patient.mssante.fr", true}}) {
    SCOPED_TRACE(mailbox);
    const int n = messageNumber(peer_, id);
    ASSERT_NE(n, 0) << "no message with Message-ID <" << id << "@...>";
    EXPECT_THAT(peer_.envelopes()[static_cast<std::size_t>(n - 1)],
                HasSubstr(R"("to": [")" + mailbox + R"("])"));
    EXPECT_THAT(peer_.envelopes()[static_cast<std::size_t>(n - 1)],
                HasSubstr(R"("clientCert": "client")"));
    const rapidjson::Document m = peer_.inspect(n);
    ASSERT_TRUE(m.IsObject()) << "the inspector could not read message " << n;
    const auto& h = m["headers"];
    EXPECT_EQ(str(h, "From"), kFrom);
    EXPECT_EQ(str(h, "To"), mailbox);
    EXPECT_EQ(str(h, "X-MSS-NIL"), "FHIRGW-TEST-1");
    EXPECT_EQ(str(h, "X-MSS-INS"), "O");
    EXPECT_EQ(str(h, "X-MSS-MES"), patientCopy ? "FIN" : "<absent>");
    EXPECT_THAT(str(m, "text"), Not(HasSubstr(kIns)));
    EXPECT_THAT(str(h, "Subject"), Not(HasSubstr("DURAND")));

    // The document attached is the one the editor posted, byte for byte, and the one packed.
    const auto& parts = m["attachments"];
    ASSERT_EQ(parts.Size(), 2U);
    EXPECT_EQ(str(parts[0], "filename"), "DOC0001.TXT");
    EXPECT_EQ(str(parts[0], "sha1"), postedSha1);
    EXPECT_EQ(parts[0]["size"].GetUint64(), posted.size());
    EXPECT_EQ(str(parts[1], "filename"), "IHE_XDM.ZIP");
    ASSERT_TRUE(m["zip"]["entries"].HasMember("IHE_XDM/SUBSET01/DOC0001.TXT"));
    EXPECT_EQ(str(m["zip"]["entries"]["IHE_XDM/SUBSET01/DOC0001.TXT"], "sha1"), postedSha1);

    const auto& md = m["metadata"];
    EXPECT_TRUE(md["schemaValid"].GetBool()) << str(md, "schemaErrors");
    EXPECT_EQ(str(md, "patientId"), std::string(kIns) + "^^^&1.2.250.1.213.1.4.8&ISO^NH");
    // The author is the teleconsulting practitioner (RPPS 10003456786): IDNPS 8 + RPPS.
    EXPECT_THAT(str(md, "authorPerson"), HasSubstr("810003456786^MARTIN^Paul"));
    EXPECT_THAT(str(md, "authorPerson"), HasSubstr("&1.2.250.1.71.4.2.1&ISO^D^^^IDNPS"));
    EXPECT_EQ(str(md, "typeCode"), "11488-4");
    EXPECT_EQ(str(md, "classCode"), "10");
    EXPECT_EQ(str(md, "hash"), postedSha1);
    EXPECT_EQ(str(md, "size"), std::to_string(posted.size()));
    ASSERT_EQ(md["intendedRecipients"].Size(), 1U);
    EXPECT_THAT(md["intendedRecipients"][0].GetString(), HasSubstr(mailbox));
  }
}

TEST_F(MssanteGatewayTest, A4xxIsRetriedUntilTheServerAccepts) {
  MssanteGateway gateway(peer_, dir_.path());
  ASSERT_TRUE(gateway.started()) << gateway.output();
  peer_.setControl(R"({"rcpt": "451 4.3.0 Try again later"})");
  Example example;
  example.othersToPatient = false;
  const auto answer = gateway.post(gateway.createEditor(), example.body());
  ASSERT_EQ(answer.status, 201) << answer.body;
  const std::string id = readAccepted(answer.body).byKey.at("report/treating-physician");

  // Refused twice at least, and still waiting for a retry: failed, not dead.
  rapidjson::Document d;
  ASSERT_TRUE(eventually([&] {
    d = gateway.delivery(id);
    return d.HasMember("attempts") && d["attempts"].GetInt() >= 2 && str(d, "status") == "failed";
  })) << str(d, "status")
      << " " << gateway.output();
  EXPECT_THAT(str(d, "lastError"), HasSubstr("451"));
  for (const auto& attempt : d["attemptLog"].GetArray()) {
    EXPECT_EQ(str(attempt, "outcome"), "failed");
    EXPECT_EQ(str(attempt, "errorClass"), "transient");
  }
  EXPECT_TRUE(peer_.messages().empty());

  peer_.setControl("{}");
  ASSERT_TRUE(eventually([&] { return gateway.statusOf(id) == "delivered"; })) << gateway.output();
  EXPECT_NE(messageNumber(peer_, id), 0);
}

TEST_F(MssanteGatewayTest, A5xxIsDeadWithTheScrubbedReplyAndAnAdminRetryDeliversIt) {
  MssanteGateway gateway(peer_, dir_.path());
  ASSERT_TRUE(gateway.started()) << gateway.output();
  peer_.setControl(R"({"data": "554 5.7.1 Message for <anne.leroy@medecin.mssante.fr> refused"})");
  Example example;
  example.othersToPatient = false;
  const auto answer = gateway.post(gateway.createEditor(), example.body());
  ASSERT_EQ(answer.status, 201) << answer.body;
  const std::string id = readAccepted(answer.body).byKey.at("report/treating-physician");

  rapidjson::Document d;
  ASSERT_TRUE(eventually([&] {
    d = gateway.delivery(id);
    return str(d, "status") == "dead";
  })) << str(d, "status")
      << " " << gateway.output();
  EXPECT_EQ(d["attempts"].GetInt(), 1) << "a 5xx is not retried";
  EXPECT_EQ(str(d, "reason"), "permanent-error");
  // The server's reply is kept, without the address it quoted.
  EXPECT_THAT(str(d, "lastError"), HasSubstr("554 5.7.1 Message for <address> refused"));
  EXPECT_THAT(str(d, "lastError"), Not(HasSubstr("anne.leroy")));
  ASSERT_EQ(d["attemptLog"].Size(), 1U);
  EXPECT_EQ(str(d["attemptLog"][0], "errorClass"), "permanent");
  EXPECT_THAT(str(d["attemptLog"][0], "message"), HasSubstr("554 5.7.1"));
  EXPECT_THAT(str(d["attemptLog"][0], "message"), Not(HasSubstr("anne.leroy")));
  EXPECT_TRUE(peer_.messages().empty());

  peer_.setControl("{}");
  const auto retried = gateway.adminPost("/admin/v1/deliveries/" + id + "/retry");
  ASSERT_EQ(retried.status, 200) << retried.body;
  ASSERT_TRUE(eventually([&] { return gateway.statusOf(id) == "delivered"; })) << gateway.output();
  EXPECT_NE(messageNumber(peer_, id), 0);
  EXPECT_EQ(peer_.messages().size(), 1U);
}

TEST_F(MssanteGatewayTest, AClientCertificateTheServerRefusesIsRetriedNotLost) {
  Example example;
  example.othersToPatient = false;
  std::string id;
  std::string key;
  {
    // The application mailbox's certificate comes from another CA: the handshake fails.
    MssanteGateway gateway(peer_, dir_.path(), "rogue-client");
    ASSERT_TRUE(gateway.started()) << gateway.output();
    key = gateway.createEditor();
    const auto answer = gateway.post(key, example.body());
    ASSERT_EQ(answer.status, 201) << answer.body;
    id = readAccepted(answer.body).byKey.at("report/treating-physician");
    rapidjson::Document d;
    ASSERT_TRUE(eventually([&] {
      d = gateway.delivery(id);
      return d.HasMember("attempts") && d["attempts"].GetInt() >= 2 && str(d, "status") == "failed";
    })) << str(d, "status")
        << " " << gateway.output();
    EXPECT_GE(peer_.connections(), 2) << "the server saw the attempts";
    EXPECT_TRUE(peer_.messages().empty());
    for (const auto& attempt : d["attemptLog"].GetArray()) {
      EXPECT_EQ(str(attempt, "errorClass"), "transient");
    }
    gateway.process().signal(SIGTERM);
    EXPECT_EQ(gateway.process().wait(), 0);
  }
  // The certificate fixed, the same data: the delivery was kept and goes out.
  MssanteGateway fixed(peer_, dir_.path());
  ASSERT_TRUE(fixed.started()) << fixed.output();
  ASSERT_TRUE(eventually([&] { return fixed.statusOf(id) == "delivered"; })) << fixed.output();
  const int n = messageNumber(peer_, id);
  ASSERT_NE(n, 0);
  EXPECT_THAT(peer_.envelopes()[static_cast<std::size_t>(n - 1)],
              HasSubstr(R"("clientCert": "client")"));
}

TEST_F(MssanteGatewayTest, ATreatingPhysicianOutsideMssanteIsNeverContacted) {
  MssanteGateway gateway(peer_, dir_.path());
  ASSERT_TRUE(gateway.started()) << gateway.output();
  Example example;
  example.doctorMailbox = "anne.leroy@gmail.com";
  example.othersToPatient = false;
  const auto answer = gateway.post(gateway.createEditor(), example.body());
  ASSERT_EQ(answer.status, 201) << answer.body;
  const Accepted accepted = readAccepted(answer.body);
  const std::string id = accepted.byKey.at("report/treating-physician");
  EXPECT_EQ(accepted.reasonOf.count(id) ? accepted.reasonOf.at(id) : "", "ENDPOINT-NOT-ALLOWED");
  EXPECT_TRUE(accepted.mssante.empty()) << answer.body;
  // Everything else of the record goes out; the mailbox is never tried.
  ASSERT_TRUE(eventually([&] {
    return gateway.statusOf(accepted.byKey.at("report/dmp")) == "delivered" &&
           gateway.statusOf(accepted.byKey.at("record/encounter")) == "delivered";
  })) << gateway.output();
  const rapidjson::Document d = gateway.delivery(id);
  EXPECT_EQ(str(d, "status"), "skipped");
  EXPECT_EQ(str(d, "reason"), "ENDPOINT-NOT-ALLOWED");
  EXPECT_EQ(d["attempts"].GetInt(), 0);
  EXPECT_EQ(peer_.connections(), 0);
  EXPECT_TRUE(peer_.messages().empty());
}

TEST_F(MssanteGatewayTest, AfterASigkillDuringSendsEveryAcknowledgedMessageArrivesOnce) {
  std::set<std::string> acknowledged;  // mss delivery ids of records answered 201
  {
    MssanteGateway gateway(peer_, dir_.path());
    ASSERT_TRUE(gateway.started()) << gateway.output();
    const std::string key = gateway.createEditor();
    std::mutex mutex;
    std::atomic<int> records{0};
    std::atomic<bool> stop{false};
    auto load = [&](int worker) {
      for (int i = 0; !stop && i < 200; ++i) {
        Example example;
        example.externalId = "LGC-2026-000123-K" + std::to_string(worker) + "-" + std::to_string(i);
        example.reportToPatient = true;
        try {
          const auto r = gateway.post(key, example.body());
          if (r.status != 201) continue;
          const Accepted accepted = readAccepted(r.body);
          std::lock_guard lock(mutex);
          acknowledged.insert(accepted.mssante.begin(), accepted.mssante.end());
          ++records;
        } catch (const std::exception&) {
          return;  // the gateway is gone
        }
      }
    };
    std::thread a(load, 1);
    std::thread b(load, 2);
    // Kill once some messages went out and more are queued (4 per record), just as the server
    // has kept one it will acknowledge only 300 ms later: that one is sent again.
    peer_.setControl(R"({"acceptDelayMs": 300})");
    std::size_t seen = 0;
    const bool busy = eventually(
        [&] {
          const std::size_t now = peer_.messages().size();
          const bool fresh = now > seen;
          seen = now;
          return records >= 12 && now >= 4 && fresh;
        },
        std::chrono::seconds(60));
    gateway.process().signal(SIGKILL);
    gateway.process().wait();
    stop = true;
    a.join();
    b.join();
    ASSERT_TRUE(busy) << "records: " << records << ", messages: " << peer_.messages().size();
  }
  const std::size_t receivedAtTheKill = peer_.messages().size();
  peer_.setControl("{}");

  MssanteGateway restarted(peer_, dir_.path());
  ASSERT_TRUE(restarted.started()) << restarted.output();
  std::map<std::string, std::vector<std::size_t>> copies;  // delivery id -> message indexes
  const auto received = [&] {
    copies.clear();
    const auto messages = peer_.messages();
    for (std::size_t i = 0; i < messages.size(); ++i) {
      std::string id = messageIdOf(messages[i]);
      id = id.substr(0, id.find('@'));
      copies[id].push_back(i);
    }
    return std::all_of(acknowledged.begin(), acknowledged.end(),
                       [&](const std::string& id) { return copies.contains(id); });
  };
  ASSERT_TRUE(eventually(received, std::chrono::seconds(60)))
      << "acknowledged " << acknowledged.size() << ", received " << copies.size();
  // The send interrupted by the kill may go out again after the others: wait for the queue.
  ASSERT_TRUE(eventually([&] { return restarted.drained("mss"); })) << restarted.output();
  ASSERT_TRUE(received());

  // Every Message-ID names one mss delivery of the store, and its copies are the same message
  // (the Date apart), to the same mailbox.
  const auto messages = peer_.messages();
  const auto envelopes = peer_.envelopes();
  std::size_t duplicates = 0;
  const auto withoutDate = [](std::string raw) {
    const auto at = raw.find("\r\nDate: ");
    if (at != std::string::npos) raw.erase(at, raw.find("\r\n", at + 2) - at);
    return raw;
  };
  for (const auto& [deliveryId, indexes] : copies) {
    // A named copy: clang 14 does not let a lambda capture a structured binding.
    const std::string& id = deliveryId;
    const rapidjson::Document d = restarted.delivery(id);
    EXPECT_EQ(str(d, "connector"), "mss") << id;
    EXPECT_TRUE(eventually([&] { return restarted.statusOf(id) == "delivered"; })) << id;
    for (std::size_t k = 1; k < indexes.size(); ++k) {
      EXPECT_EQ(withoutDate(messages[indexes[k]]), withoutDate(messages[indexes[0]])) << id;
      EXPECT_EQ(envelopes[indexes[k]], envelopes[indexes[0]]) << id;
      ++duplicates;
    }
  }
  EXPECT_GE(duplicates, 1U) << "the message kept but not acknowledged at the kill is sent again";
  std::cout << "acknowledged mssante deliveries: " << acknowledged.size()
            << ", received at the kill: " << receivedAtTheKill << ", messages: " << messages.size()
            << ", sent again: " << duplicates << "\n";
  restarted.process().signal(SIGTERM);
  EXPECT_EQ(restarted.process().wait(), 0);
}

}  // namespace
}  // namespace fhirgw::testsupport::mssante_test
