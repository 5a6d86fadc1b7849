// Issue 14's log scan: the real binary at logging.level debug runs the example flows (records
// accepted, requests refused, deliveries delivered to a folder and to a real SMTP server, attempts
// failed against a dead FHIR server and a busy mailbox), then every line it wrote is searched for
// what must never be logged. The forbidden strings come from the example files themselves
// (../shared/spec/examples): each patient name part, the INS and its NIR, every mailbox address
// (the patient's is derived from the INS), the documents' titles, text and base64 content. The
// events the flows must produce are checked too, so an empty log cannot pass.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/ServerSocket.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/testsupport/smtp_peer.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/test_pki.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::log_privacy_test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kToken = "log-privacy-test-admin-token-0123456789";
constexpr auto kPatience = std::chrono::seconds(60);

rapidjson::Document parsedExample(const std::string& name) {
  rapidjson::Document doc;
  doc.Parse(readExample(name).c_str());
  return doc;
}

std::string text(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "";
}

/// What the logs must never hold, collected from one example (a teleconsultation or a document).
class Forbidden {
 public:
  void addTeleconsultation(const rapidjson::Value& body) {
    if (body.HasMember("patient")) addPatient(body["patient"]);
    for (const char* person : {"practitioner", "treatingPhysician"}) {
      if (body.HasMember(person)) add(text(body[person], "mssanteAddress"), "a mailbox");
    }
    if (body.HasMember("documents")) {
      for (const auto& d : body["documents"].GetArray()) addDocument(d);
    }
  }

  void addPatient(const rapidjson::Value& patient) {
    add(text(patient, "family"), "a patient name");
    if (patient.HasMember("given")) {
      for (const auto& g : patient["given"].GetArray()) add(g.GetString(), "a patient name");
    }
    if (patient.HasMember("address") && patient["address"].HasMember("line")) {
      for (const auto& l : patient["address"]["line"].GetArray()) {
        add(l.GetString(), "the patient's address");
      }
    }
    if (patient.HasMember("ins")) {
      const std::string ins = text(patient["ins"], "value");
      add(ins, "the INS");
      add(ins.substr(0, 13), "the NIR");
      // The patient's Mon Espace Santé mailbox is made of the INS (trust_space.hpp).
      add(ins + "@patient.mssante.fr", "the patient's mailbox");
    }
  }

  void addDocument(const rapidjson::Value& d) {
    add(text(d, "title"), "a document title");
    for (const char* free : {"reason", "dosage"}) add(text(d, free), "document text");
    if (d.HasMember("inPersonImpossible")) {
      add(text(d["inPersonImpossible"], "justification"), "document text");
    }
    if (d.HasMember("items")) {
      for (const auto& item : d["items"].GetArray()) add(text(item, "dosage"), "document text");
    }
    if (!d.HasMember("content")) return;
    const std::string data = text(d["content"], "data");
    add(data.substr(0, 40), "document content (base64)");
    if (text(d["content"], "contentType") == "text/plain") {
      std::istringstream lines(common::base64Decode(data).value_or(""));
      for (std::string line; std::getline(lines, line);) add(line, "document text");
    }
  }

  void add(const std::string& value, const std::string& what) {
    if (value.size() >= 3) strings_.emplace(value, what);
  }

  /// Each forbidden string found in the log, with the line it is on.
  std::vector<std::string> findIn(const std::string& log) const {
    std::vector<std::string> found;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
      for (const auto& [value, what] : strings_) {
        if (line.find(value) != std::string::npos) {
          std::string leak = what;
          leak.append(" \"").append(value).append("\" in: ").append(line);
          found.push_back(std::move(leak));
        }
      }
    }
    return found;
  }

  std::size_t size() const { return strings_.size(); }

 private:
  std::map<std::string, std::string> strings_;
};

/// A port nothing listens on: bound, then closed.
int deadPort() {
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  const int port = socket.address().port();
  socket.close();
  return port;
}

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

/// Whether a log line holds every one of the fragments.
bool logHas(const std::string& log, const std::vector<std::string>& fragments) {
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    bool all = true;
    for (const auto& f : fragments) all = all && line.find(f) != std::string::npos;
    if (all) return true;
  }
  return false;
}

class LogPrivacy : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(peer_.port(), 0) << "the SMTP peer did not start";
    const fs::path dir = dir_.path();
    const fs::path pki = testPkiDir();
    const fs::path config = dir / "gateway.json";
    std::ofstream(config) << R"({"server": {"host": "127.0.0.1", "port": 0}, "admin": {"port": 0},
      "logging": {"level": "debug"},
      "storage": {"dataDir": ")"
                          << (dir / "data").string() << R"("},
      "connectors": [
        {"id": "outbox", "type": "file", "routes": ["dmp", "encounter"],
         "options": {"directory": ")"
                          << (dir / "outbox").string() << R"("}},
        {"id": "rest-dead", "type": "fhir-rest", "routes": ["encounter"],
         "retry": {"initialDelayMs": 50, "maxDelayMs": 200},
         "circuitBreaker": {"openMs": 100, "maxOpenMs": 200},
         "options": {"baseUrl": "https://127.0.0.1:)"
                          << deadPort() << R"(/fhir", "caFile": ")" << (pki / "ca.pem").string()
                          << R"(", "allowedPrivateNetworks": ["127.0.0.0/8"]}},
        {"id": "mss", "type": "mssante", "routes": ["treating-physician", "patient"],
         "retry": {"initialDelayMs": 50, "maxDelayMs": 200},
         "circuitBreaker": {"openMs": 100, "maxOpenMs": 200},
         "options": {"url": ")"
                          << peer_.url() << R"(",
           "from": "teleconsultation@hopital-test.mssante.fr",
           "productReference": "FHIRGW-TEST-1", "sourceId": "1.2.250.1.999.1",
           "caFile": ")" << (pki / "ca.pem").string()
                          << R"(", "clientCertificateFile": ")" << (pki / "client.pem").string()
                          << R"(", "clientKeyFile": ")" << (pki / "client.key").string()
                          << R"(", "allowedPrivateNetworks": ["127.0.0.0/8"]}}]})";
    gateway_ = std::make_unique<GatewayProcess>(
        std::vector<std::string>{"--config", config.string()},
        std::map<std::string, std::string>{{"FHIRGW_ADMIN_TOKEN", kToken}});
    ASSERT_TRUE(gateway_->waitUntilStarted()) << gateway_->output();
    gateway_->drainInBackground();
    auto created = adminCall("POST", "/admin/v1/clients", R"({"name":"editor","role":"editor"})");
    ASSERT_EQ(created.status, 201) << created.body;
    rapidjson::Document doc;
    doc.Parse(created.body.c_str());
    key_ = doc["key"].GetString();
  }

  void TearDown() override {
    if (gateway_ && gateway_->pid() > 0) {
      gateway_->signal(SIGTERM);
      gateway_->wait();
    }
  }

  HttpResponse adminCall(const std::string& method, const std::string& path,
                         const std::string& body = {}) {
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(gateway_->adminPort()));
    return httpRequest(s, method, path, body, {{"Authorization", std::string("Bearer ") + kToken}});
  }

  HttpResponse post(const std::string& path, const std::string& body,
                    const std::string& requestId) {
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(gateway_->apiPort()));
    return httpRequest(s, "POST", path, body,
                       {{"Authorization", "Bearer " + key_}, {"X-Request-ID", requestId}});
  }

  /// Whether no delivery of the instance is pending, in flight or failed.
  bool drained(const std::string& connector) {
    for (const char* status : {"pending", "in-flight", "failed"}) {
      auto r =
          adminCall("GET", "/admin/v1/deliveries?connector=" + connector + "&status=" + status);
      if (r.status != 200 || r.body != "[]") return false;
    }
    return true;
  }

  SmtpPeer peer_;
  TempDir dir_{"fhirgw-log-privacy"};
  std::unique_ptr<GatewayProcess> gateway_;
  std::string key_;
};

TEST_F(LogPrivacy, TheExampleFlowsLeaveNoNameInsMailboxOrDocumentTextInTheLogs) {
  Forbidden forbidden;
  const rapidjson::Document full = parsedExample("teleconsultation-full.json");
  const rapidjson::Document minimal = parsedExample("teleconsultation-minimal.json");
  const rapidjson::Document prolongation = parsedExample("document-sick-leave-prolongation.json");
  forbidden.addTeleconsultation(full);
  forbidden.addTeleconsultation(minimal);
  forbidden.addDocument(prolongation);
  const std::string ins = text(full["patient"]["ins"], "value");
  const std::string patientMailbox = ins + "@patient.mssante.fr";

  // The mailbox server is busy at first, and says so naming the mailbox as real servers do.
  peer_.setControl(R"({"rcpt": "450 4.2.1 <)" + patientMailbox + R"(> mailbox busy, later"})");

  // Accepted: the three examples (the prolongation added to the full example's record).
  auto accepted = post("/api/v1/teleconsultations", readExample("teleconsultation-full.json"),
                       "lp-accepted-full");
  ASSERT_EQ(accepted.status, 201) << accepted.body;
  ASSERT_EQ(post("/api/v1/teleconsultations", readExample("teleconsultation-minimal.json"),
                 "lp-accepted-minimal")
                .status,
            201);
  ASSERT_EQ(post("/api/v1/teleconsultations/ext:LGC-2026-000123/documents",
                 readExample("document-sick-leave-prolongation.json"), "lp-accepted-document")
                .status,
            201);

  // Refused: no consent (a rule), an INS whose NIR key is wrong, a body that is not JSON.
  std::string noConsent = readExample("teleconsultation-minimal.json");
  noConsent.replace(noConsent.find("\"obtained\": true"), 16, "\"obtained\": false");
  auto refused = post("/api/v1/teleconsultations", noConsent, "lp-refused-consent");
  EXPECT_EQ(refused.status, 422) << refused.body;
  std::string badIns = readExample("teleconsultation-full.json");
  const std::string wrongIns = ins.substr(0, 13) + (ins.substr(13) == "00" ? "01" : "00");
  forbidden.add(wrongIns, "the INS (a wrong one)");
  badIns.replace(badIns.find(ins), ins.size(), wrongIns);
  badIns.replace(badIns.find("LGC-2026-000123"), 15, "LGC-2026-000999");
  EXPECT_EQ(post("/api/v1/teleconsultations", badIns, "lp-refused-ins").status, 422);
  const std::string fullText = readExample("teleconsultation-full.json");
  EXPECT_EQ(post("/api/v1/teleconsultations", fullText.substr(0, fullText.find("\"birthDate\"")),
                 "lp-refused-json")
                .status,
            400);

  // Failed: the dead FHIR server, and the busy mailbox; then the mailbox accepts.
  ASSERT_TRUE(eventually([&] {
    return logHas(gateway_->output(),
                  {"\"event\":\"connectors.attempt-failed\"", "\"rest-dead\""}) &&
           logHas(gateway_->output(), {"\"event\":\"connectors.attempt-failed\"", "\"mss\""});
  })) << gateway_->output();
  peer_.setControl("{}");
  // Delivered: to the folder and, once the server takes them, to the mailboxes.
  ASSERT_TRUE(eventually([&] { return drained("outbox") && drained("mss"); }))
      << gateway_->output();
  // The patient's mailbox was in play: messages went to it.
  bool toPatient = false;
  for (const auto& envelope : peer_.envelopes()) {
    toPatient = toPatient || envelope.find(patientMailbox) != std::string::npos;
  }
  EXPECT_TRUE(toPatient) << "no message to the patient's mailbox";

  gateway_->signal(SIGTERM);
  ASSERT_EQ(gateway_->wait(), 0);
  const std::string log = gateway_->output();

  // The flows did log: the requests with the caller's ids, the deliveries and the failures.
  EXPECT_TRUE(logHas(log, {"\"event\":\"gateway.request\"", "\"requestId\":\"lp-accepted-full\"",
                           "\"status\":201"}));
  EXPECT_TRUE(logHas(log, {"\"event\":\"gateway.request\"",
                           "\"requestId\":\"lp-accepted-document\"", "\"status\":201"}));
  EXPECT_TRUE(logHas(log, {"\"event\":\"gateway.request\"", "\"requestId\":\"lp-refused-consent\"",
                           "\"status\":422"}));
  EXPECT_TRUE(logHas(log, {"\"event\":\"gateway.request\"", "\"requestId\":\"lp-refused-ins\"",
                           "\"status\":422"}));
  EXPECT_TRUE(logHas(log, {"\"event\":\"gateway.request\"", "\"requestId\":\"lp-refused-json\"",
                           "\"status\":400"}));
  EXPECT_TRUE(logHas(log, {"\"event\":\"gateway.request-received\"", "lp-accepted-full"}));
  EXPECT_TRUE(logHas(log, {"\"event\":\"connectors.delivered\"", "\"outbox\""}));
  EXPECT_TRUE(logHas(log, {"\"event\":\"connectors.delivered\"", "\"mss\""}));
  EXPECT_TRUE(logHas(log, {"\"event\":\"connectors.attempt-failed\"", "\"rest-dead\""}));
  EXPECT_TRUE(logHas(log, {"\"event\":\"connectors.attempt-failed\"", "\"mss\""}));

  // And nothing of the patient or the documents is in any line.
  ASSERT_GE(forbidden.size(), 15u);
  const auto leaks = forbidden.findIn(log);
  EXPECT_TRUE(leaks.empty()) << leaks.size() << " leak(s), first: " << leaks.front();
  for (const auto& leak : leaks) ADD_FAILURE() << leak;
}

}  // namespace
}  // namespace fhirgw::testsupport::log_privacy_test
