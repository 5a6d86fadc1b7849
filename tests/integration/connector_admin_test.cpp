// Connector administration through the real fhir-gateway binary while an editor keeps posting
// teleconsultations (issue 13): a fhir-rest instance is created through the admin API, tested,
// used, moved to another endpoint, broken, replaced by a second instance and deleted; its queued
// deliveries are re-routed to the second one. Two real FHIR servers (Medplum behind mutual TLS,
// tests/connectors/fhir-peer) stand at the two endpoints. At the end every encounter delivery of
// every record accepted after the creation is delivered, the old endpoint saw nothing after the
// move, and the bearer token given inline appears in no answer, log line, audit entry or store
// file.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <utility>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/testsupport/peer_process.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/test_pki.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::connector_admin_test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kToken = "connector-admin-test-admin-token-0123456789";
// The inline bearer token: searched for everywhere at the end.
constexpr const char* kSecret = "bearer-7f3a9c1e5b2d4f60a8e1c3d5-never-shown";
constexpr auto kPatience = std::chrono::seconds(60);

rapidjson::Document parsed(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  if (doc.HasParseError()) doc.SetObject();
  return doc;
}

bool eventually(const std::function<bool()>& condition,
                std::chrono::steady_clock::duration patience = kPatience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

std::string str(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "<absent>";
}

/// A Medplum FHIR server behind mutual TLS, with its count of received FHIR requests.
class FhirPeer {
 public:
  FhirPeer()
      : process_("/bin/bash",
                 {sourcePath("tests/connectors/fhir-peer/run.sh").string(), "--pki",
                  testPkiDir().string()},
                 std::chrono::seconds(180)) {}
  int port() const { return process_.port(); }
  std::string baseUrl() const { return "https://localhost:" + std::to_string(port()) + "/fhir"; }
  /// FHIR requests received so far (-1 when the peer does not answer).
  int received() const {
    Poco::Net::HTTPSClientSession session("localhost", static_cast<Poco::UInt16>(port()),
                                          clientContext("client"));
    const auto r = httpRequest(session, "GET", "/_test/received");
    const auto doc = parsed(r.body);
    return r.status == 200 && doc.HasMember("requests") ? doc["requests"].GetInt() : -1;
  }

 private:
  PeerProcess process_;
};

/// The fhir-rest instance object the admin API receives, pointed at a base URL.
std::string instanceBody(const std::string& id, const std::string& baseUrl, bool withSecret,
                         std::int64_t version = 0) {
  const fs::path pki = testPkiDir();
  std::string body = R"({"id": ")" + id + R"(", "type": "fhir-rest", "routes": ["encounter"],
    "retry": {"initialDelayMs": 50, "maxDelayMs": 200},
    "circuitBreaker": {"openMs": 100, "maxOpenMs": 200},)";
  if (version > 0) body += R"( "version": )" + std::to_string(version) + ",";
  body += R"( "options": {"baseUrl": ")" + baseUrl + R"(", "caFile": ")" +
          (pki / "ca.pem").string() + R"(", "clientCertificateFile": ")" +
          (pki / "client.pem").string() + R"(", "clientKeyFile": ")" +
          (pki / "client.key").string() + R"(", "allowedPrivateNetworks": ["127.0.0.0/8", "::1"])";
  if (withSecret) body += R"(, "bearerToken": ")" + std::string(kSecret) + R"(")";
  body += "}}";
  return body;
}

/// The gateway under test: a file instance for the DMP, the treating physician and the patient;
/// encounter instances come through the admin API. Every admin answer is kept.
class Gateway {
 public:
  explicit Gateway(const fs::path& dir) : dir_(dir) {
    const fs::path config = dir / "gateway.json";
    const fs::path key = dir / "secrets.key";
    std::ofstream(key) << common::base64Encode(common::randomBytes(32)) << "\n";
    std::ofstream(config) << R"({"server": {"host": "127.0.0.1", "port": 0}, "admin": {"port": 0},
      "storage": {"dataDir": ")"
                          << (dir / "data").string() << R"("},
      "secrets": {"keyFile": ")"
                          << key.string() << R"("},
      "connectors": [
        {"id": "outbox", "type": "file", "routes": ["dmp", "treating-physician", "patient"],
         "options": {"directory": ")"
                          << (dir / "outbox").string() << R"("}}]})";
    process_ = startGateway(config, kToken, started_);
  }

  bool started() const { return started_; }
  std::string output() const { return process_->output(); }
  int apiPort() const { return process_->apiPort(); }

  HttpResponse admin(const std::string& method, const std::string& path,
                     const std::string& body = {}) {
    Poco::Net::HTTPClientSession session("127.0.0.1",
                                         static_cast<Poco::UInt16>(process_->adminPort()));
    auto r = httpRequest(session, method, path, body,
                         {{"Authorization", std::string("Bearer ") + kToken}});
    std::lock_guard lock(answersMutex_);
    answers_ += r.body + "\n";
    return r;
  }

  std::string answers() const {
    std::lock_guard lock(answersMutex_);
    return answers_;
  }

  /// The number of deliveries of an instance in a state (-1 when the API does not answer).
  int count(const std::string& connector, const std::string& status) {
    const auto r = admin(
        "GET", "/admin/v1/deliveries?connector=" + connector + "&status=" + status + "&limit=1000");
    const auto doc = parsed(r.body);
    return r.status == 200 && doc.IsArray() ? static_cast<int>(doc.Size()) : -1;
  }

  /// The bytes of every file of the store (the database and its WAL).
  std::string storeBytes() const {
    std::string all;
    for (const auto& entry : fs::recursive_directory_iterator(dir_ / "data")) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      all.append(std::istreambuf_iterator<char>(in), {});
    }
    return all;
  }

 private:
  fs::path dir_;
  std::unique_ptr<GatewayProcess> process_;
  bool started_ = false;
  mutable std::mutex answersMutex_;
  std::string answers_;
};

/// An editor posting the full example under fresh externalIds until stopped; it keeps the
/// encounter delivery of each accepted record (by the instance it was routed to).
class Load {
 public:
  Load(int apiPort, std::string key) : port_(apiPort), key_(std::move(key)) {
    thread_ = std::thread([this] { run(); });
  }
  ~Load() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  /// From now on, every accepted record must carry an encounter delivery.
  void expectEncounterDeliveries() { expect_ = true; }
  int accepted() const { return accepted_; }
  std::vector<std::string> problems() const {
    std::lock_guard lock(mutex_);
    return problems_;
  }
  /// Encounter delivery ids, by the instance they were routed to.
  /// Each accepted record's encounter deliveries, as (connector, delivery id): one per instance
  /// routing that destination when it was accepted (two while ehr and ehr2 both exist).
  std::vector<std::vector<std::pair<std::string, std::string>>> encounterDeliveries() const {
    std::lock_guard lock(mutex_);
    return encounter_;
  }

 private:
  void run() {
    const std::string example = readExample("teleconsultation-full.json");
    for (int i = 0; !stop_; ++i) {
      rapidjson::Document doc;
      doc.Parse(example.c_str());
      auto& a = doc.GetAllocator();
      const std::string suffix = "-load-" + std::to_string(i);
      const std::string id = std::string(doc["externalId"].GetString()) + suffix;
      doc["externalId"].SetString(id.c_str(), a);
      for (auto& d : doc["documents"].GetArray()) {
        const std::string docId = std::string(d["externalId"].GetString()) + suffix;
        d["externalId"].SetString(docId.c_str(), a);
      }
      const bool expectNow = expect_;
      Poco::Net::HTTPClientSession api("127.0.0.1", static_cast<Poco::UInt16>(port_));
      const auto r = httpRequest(api, "POST", "/api/v1/teleconsultations",
                                 common::toJsonString(doc), {{"Authorization", "Bearer " + key_}});
      std::lock_guard lock(mutex_);
      if (r.status != 201) {
        problems_.push_back("record " + std::to_string(i) + ": " + std::to_string(r.status) + " " +
                            r.body.substr(0, 300));
        continue;
      }
      ++accepted_;
      std::vector<std::pair<std::string, std::string>> deliveries;
      const auto answer = parsed(r.body);
      for (const auto& d : answer["deliveries"].GetArray()) {
        if (std::string(d["destination"].GetString()) != "encounter") continue;
        deliveries.emplace_back(str(d, "connector"), d["id"].GetString());
      }
      const bool found = !deliveries.empty();
      if (found) encounter_.push_back(std::move(deliveries));
      if (expectNow && !found) {
        problems_.push_back("record " + std::to_string(i) + " has no encounter delivery");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(30));
    }
  }

  int port_;
  std::string key_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> expect_{false};
  std::atomic<int> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> problems_;
  std::vector<std::vector<std::pair<std::string, std::string>>> encounter_;
  std::thread thread_;
};

class ConnectorAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(peerA_.port(), 0) << "FHIR peer A did not start";
    ASSERT_NE(peerB_.port(), 0) << "FHIR peer B did not start";
  }
  FhirPeer peerA_;
  FhirPeer peerB_;
  TempDir dir_{"fhirgw-connector-admin"};
};

TEST_F(ConnectorAdminTest, AnInstanceIsCreatedTestedMovedDeletedAndItsQueueReroutedUnderLoad) {
  Gateway gateway(dir_.path());
  ASSERT_TRUE(gateway.started()) << gateway.output();
  const auto editor =
      gateway.admin("POST", "/admin/v1/clients", R"({"name":"editor","role":"editor"})");
  ASSERT_EQ(editor.status, 201) << editor.body;
  Load load(gateway.apiPort(), str(parsed(editor.body), "key"));

  // Created through the API, with its token inline: the answer says a secret is set, never which.
  const auto created =
      gateway.admin("POST", "/admin/v1/connectors", instanceBody("ehr", peerA_.baseUrl(), true));
  ASSERT_EQ(created.status, 201) << created.body;
  load.expectEncounterDeliveries();
  EXPECT_THAT(created.body, HasSubstr("bearerToken"));  // listed among the secrets set
  const auto createdDoc = parsed(created.body);
  ASSERT_TRUE(createdDoc.HasMember("version")) << created.body;
  const std::int64_t version = createdDoc["version"].GetInt64();

  // Tested: a real TLS handshake with the instance's client certificate.
  const auto tested = gateway.admin("POST", "/admin/v1/connectors/ehr/test");
  ASSERT_EQ(tested.status, 200) << tested.body;
  const auto testedDoc = parsed(tested.body);
  EXPECT_TRUE(testedDoc.HasMember("ok") && testedDoc["ok"].IsTrue()) << tested.body;

  // Used: the records posted now reach peer A.
  ASSERT_TRUE(eventually([&] { return peerA_.received() >= 3; })) << gateway.output();

  // Moved to peer B (the secret left out is kept): once the move is answered and the attempts
  // in progress are done, peer A receives nothing more.
  const auto moved = gateway.admin("PUT", "/admin/v1/connectors/ehr",
                                   instanceBody("ehr", peerB_.baseUrl(), false, version));
  ASSERT_EQ(moved.status, 200) << moved.body;
  EXPECT_THAT(moved.body, HasSubstr("bearerToken"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const int aAfterMove = peerA_.received();
  ASSERT_TRUE(eventually([&] { return peerB_.received() >= 3; })) << gateway.output();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(peerA_.received(), aAfterMove) << "peer A was still sent to after the move";

  // Broken: pointed at a port where nothing listens, its deliveries queue up (failed, retried).
  const std::string dead = "https://localhost:1/fhir";
  const auto broken = gateway.admin("PUT", "/admin/v1/connectors/ehr",
                                    instanceBody("ehr", dead, false, version + 1));
  ASSERT_EQ(broken.status, 200) << broken.body;
  ASSERT_TRUE(eventually([&] { return gateway.count("ehr", "failed") >= 3; })) << gateway.output();

  // A second instance to peer B, then the first deleted: its queue stays visible.
  const auto second =
      gateway.admin("POST", "/admin/v1/connectors", instanceBody("ehr2", peerB_.baseUrl(), false));
  ASSERT_EQ(second.status, 201) << second.body;
  const auto deleted = gateway.admin("DELETE", "/admin/v1/connectors/ehr");
  ASSERT_TRUE(deleted.status == 200 || deleted.status == 204) << deleted.body;
  EXPECT_EQ(gateway.admin("GET", "/admin/v1/connectors/ehr").status, 404);
  const int queued = gateway.count("ehr", "failed") + gateway.count("ehr", "pending");
  EXPECT_GE(queued, 3);

  // The editor goes on a little, then stops; the admin re-routes the deleted instance's queue
  // (a submission routed just before the deletion may have queued one more there).
  std::this_thread::sleep_for(std::chrono::seconds(1));
  load.stop();
  EXPECT_THAT(load.problems(), ::testing::IsEmpty());
  EXPECT_GT(load.accepted(), 20);
  const auto rerouted =
      gateway.admin("POST", "/admin/v1/deliveries/reroute", R"({"from": "ehr", "to": "ehr2"})");
  ASSERT_EQ(rerouted.status, 200) << rerouted.body;
  const auto reroutedDoc = parsed(rerouted.body);
  ASSERT_TRUE(reroutedDoc.HasMember("rerouted")) << rerouted.body;
  // A record accepted while both instances existed has an encounter delivery for each: its ehr
  // one stays in place (ehr2 already has that document for that destination), the rest moves.
  const auto encounter = load.encounterDeliveries();
  int twice = 0;
  for (const auto& deliveries : encounter) {
    const auto routedTo = [&deliveries](const std::string& id) {
      return std::any_of(deliveries.begin(), deliveries.end(),
                         [&id](const auto& d) { return d.first == id; });
    };
    twice += routedTo("ehr") && routedTo("ehr2") ? 1 : 0;
  }
  EXPECT_GE(reroutedDoc["rerouted"].GetInt() + twice, queued) << rerouted.body;

  // Nothing lost: every record's encounter destination ends delivered, by ehr or ehr2.
  EXPECT_GT(encounter.size(), 10u);
  ASSERT_TRUE(eventually([&] {
    for (const auto& deliveries : encounter) {
      const bool delivered =
          std::any_of(deliveries.begin(), deliveries.end(), [&gateway](const auto& d) {
            const auto doc = parsed(gateway.admin("GET", "/admin/v1/deliveries/" + d.second).body);
            return str(doc, "status") == "delivered";
          });
      if (!delivered) return false;
    }
    return true;
  })) << gateway.output();
  // Left on the deleted ehr: only the encounter deliveries the re-route had to leave in place,
  // those of records accepted while both instances existed (ehr2 has its own for them).
  EXPECT_LE(gateway.count("ehr", "failed") + gateway.count("ehr", "pending") +
                gateway.count("ehr", "dead"),
            twice);

  // The secret: in no answer, no log line, no audit entry, not in clear in the store.
  // The whole trail, newest first, page after page by the Link header's address.
  std::string audit;
  for (std::string next = "/admin/v1/audit?limit=1000"; !next.empty();) {
    const auto page = gateway.admin("GET", next);
    ASSERT_EQ(page.status, 200) << page.body;
    audit += page.body;
    const std::string link = page.header("Link");
    next = link.empty() ? "" : link.substr(1, link.find('>') - 1);
  }
  EXPECT_THAT(audit, HasSubstr("connector.create"));
  EXPECT_THAT(audit, Not(HasSubstr(kSecret)));
  EXPECT_THAT(gateway.answers(), Not(HasSubstr(kSecret)));
  EXPECT_THAT(gateway.output(), Not(HasSubstr(kSecret)));
  EXPECT_THAT(gateway.storeBytes(), Not(HasSubstr(kSecret)));
}

}  // namespace
}  // namespace fhirgw::testsupport::connector_admin_test
