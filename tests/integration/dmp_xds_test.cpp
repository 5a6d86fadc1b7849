// The dmp-xds connector through the whole gateway: the real fhir-gateway binary accepts a
// teleconsultation from an editor and sends its documents to the strict local DMP peer
// (tests/connectors/dmp-peer, Node 20 + xml-crypto) as CDA R2 N1 in XDS.b ITI-41 requests. The
// deliveries are watched through the admin API and the peer's journal; faults are the peer's
// answers (503 + Retry-After, a SOAP Sender fault) and a SIGKILL while a request is held.

#include <Poco/Net/HTTPClientSession.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <thread>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/testsupport/dmp_peer.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/test_pki.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::dmp_xds_test {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

constexpr const char* kToken = "dmp-xds-test-admin-token-0123456789";
constexpr const char* kConnector = "xds";
constexpr const char* kIns = "279035121518989";  // the example's patient
constexpr auto kPatience = std::chrono::seconds(40);

/// A JSON object answer; an empty object when the text is not one.
rapidjson::Document parsed(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  if (doc.HasParseError() || !doc.IsObject()) doc.SetObject();
  return doc;
}

/// Polls until the condition holds or the deadline passes.
bool eventually(const std::function<bool()>& condition,
                std::chrono::steady_clock::duration patience = kPatience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string str(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "<absent>";
}

/// A gateway on its own data folder: a `file` instance for every route but the DMP, and a
/// `dmp-xds` instance routed to `dmp` pointed at the peer, with fast retries.
class DmpGateway {
 public:
  DmpGateway(const DmpPeer& peer, const fs::path& dir) {
    const fs::path pki = testPkiDir();
    const fs::path config = dir / "gateway.json";
    std::ofstream(config) << R"({"server": {"host": "127.0.0.1", "port": 0}, "admin": {"port": 0},
      "storage": {"dataDir": ")"
                          << (dir / "data").string() << R"("},
      "connectors": [
        {"id": "outbox", "type": "file", "routes": ["treating-physician", "patient", "encounter"],
         "options": {"directory": ")"
                          << (dir / "outbox").string() << R"("}},
        {"id": ")" << kConnector
                          << R"(", "type": "dmp-xds", "routes": ["dmp"], "workers": 2,
         "retry": {"initialDelayMs": 50, "maxDelayMs": 200},
         "circuitBreaker": {"openMs": 100, "maxOpenMs": 200},
         "options": {"baseUrl": ")"
                          << peer.baseUrl() << R"(", "caFile": ")" << (pki / "ca.pem").string()
                          << R"(", "clientCertificateFile": ")" << (pki / "client.pem").string()
                          << R"(", "clientKeyFile": ")" << (pki / "client.key").string()
                          << R"(", "signingCertificateFile": ")" << (pki / "sign.pem").string()
                          << R"(", "signingKeyFile": ")" << (pki / "sign.key").string()
                          << R"(", "structureId": "31234567890", "sourceId": "1.2.250.1.999.1",
           "allowedPrivateNetworks": ["127.0.0.0/8"],
           "product": {"name": "fhir-gateway", "version": "0.1.0",
                       "homologationNumber": "FGW-TEST-1"}}}]})";
    process_ = startGateway(config, kToken, started_);
  }

  bool started() const { return started_; }
  GatewayProcess& process() { return *process_; }
  std::string output() const { return process_->output(); }

  std::string createEditor() {
    Poco::Net::HTTPClientSession admin = adminSession();
    auto created =
        httpRequest(admin, "POST", "/admin/v1/clients", R"({"name":"editor","role":"editor"})",
                    {{"Authorization", std::string("Bearer ") + kToken}});
    EXPECT_EQ(created.status, 201) << created.body;
    return str(parsed(created.body), "key");
  }

  HttpResponse post(const std::string& key, const std::string& body) {
    Poco::Net::HTTPClientSession api("127.0.0.1", static_cast<Poco::UInt16>(process_->apiPort()));
    return httpRequest(api, "POST", "/api/v1/teleconsultations", body,
                       {{"Authorization", "Bearer " + key}});
  }

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

  /// Whether the instance has no pending, in-flight or failed delivery.
  bool drained(const std::string& connector) {
    for (const char* status : {"pending", "in-flight", "failed"}) {
      if (!hasNone(connector, status)) return false;
    }
    return true;
  }

  /// Whether the instance has no delivery in this status (false when the API does not answer).
  bool hasNone(const std::string& connector, const std::string& status) {
    Poco::Net::HTTPClientSession admin = adminSession();
    auto r = httpRequest(admin, "GET",
                         "/admin/v1/deliveries?connector=" + connector + "&status=" + status, {},
                         {{"Authorization", std::string("Bearer ") + kToken}});
    return r.status == 200 && r.body == "[]";
  }

  rapidjson::Document delivery(const std::string& id) {
    return adminGet("/admin/v1/deliveries/" + id);
  }

  std::string statusOf(const std::string& id) { return str(delivery(id), "status"); }

 private:
  Poco::Net::HTTPClientSession adminSession() const {
    return Poco::Net::HTTPClientSession("127.0.0.1",
                                        static_cast<Poco::UInt16>(process_->adminPort()));
  }

  std::unique_ptr<GatewayProcess> process_;
  bool started_ = false;
};

/// The full example with its externalIds suffixed (one record per suffix).
std::string exampleBody(const std::string& suffix = "") {
  rapidjson::Document doc;
  doc.Parse(readExample("teleconsultation-full.json").c_str());
  auto& a = doc.GetAllocator();
  const std::string id = std::string(doc["externalId"].GetString()) + suffix;
  doc["externalId"].SetString(id.c_str(), a);
  for (auto& d : doc["documents"].GetArray()) {
    const std::string docId = std::string(d["externalId"].GetString()) + suffix;
    d["externalId"].SetString(docId.c_str(), a);
  }
  return common::toJsonString(doc);
}

/// The deliveries of an accepted record (the 201 answer).
struct Accepted {
  std::map<std::string, std::string> byKey;     // "report/dmp" -> delivery id
  std::map<std::string, std::string> reasonOf;  // delivery id -> reason (skipped ones)
  std::vector<std::string> xds;                 // ids routed to the dmp-xds instance, pending
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
    if (d.HasMember("connector") && std::string(d["connector"].GetString()) == kConnector &&
        std::string(d["status"].GetString()) == "pending") {
      out.xds.push_back(id);
    }
  }
  return out;
}

/// The journal as text, for failure messages.
std::string dump(const std::vector<DmpJournalEntry>& journal) {
  std::string out;
  for (const auto& e : journal) out += e.json + "\n";
  return out;
}

/// The journal entry's time ("2026-12-02T13:09:00.696Z") as milliseconds since midnight.
long millisOfDay(const DmpJournalEntry& e) {
  const std::string time = str(parsed(e.json), "time");
  if (time.size() < 23) return -1;
  const auto number = [&](std::size_t at, std::size_t n) { return std::stol(time.substr(at, n)); };
  return ((number(11, 2) * 60 + number(14, 2)) * 60 + number(17, 2)) * 1000 + number(20, 3);
}

class DmpXdsGatewayTest : public ::testing::Test {
 protected:
  static DmpPeerOptions peerOptions() {
    DmpPeerOptions options;
    options.signCertificate = testPkiDir() / "sign.pem";
    return options;
  }
  void SetUp() override { ASSERT_NE(peer_.port(), 0) << "the DMP peer did not start"; }
  DmpPeer peer_{peerOptions()};
  TempDir dir_{"fhirgw-dmp-xds"};
};

TEST_F(DmpXdsGatewayTest, TheReportAndThePrescriptionReachTheDmpAndTheSickLeaveIsSkipped) {
  DmpGateway gateway(peer_, dir_.path());
  ASSERT_TRUE(gateway.started()) << gateway.output();
  const auto answer = gateway.post(gateway.createEditor(), exampleBody());
  ASSERT_EQ(answer.status, 201) << answer.body;
  const Accepted accepted = readAccepted(answer.body);
  ASSERT_EQ(accepted.xds.size(), 2U) << answer.body;
  const std::string report = accepted.byKey.at("report/dmp");
  const std::string prescription = accepted.byKey.at("prescription/dmp");
  const std::string sickLeave = accepted.byKey.at("sick-leave/dmp");
  EXPECT_EQ(accepted.reasonOf.count(sickLeave) ? accepted.reasonOf.at(sickLeave) : "",
            "document-kind-not-sent");

  ASSERT_TRUE(eventually([&] {
    return gateway.statusOf(report) == "delivered" && gateway.statusOf(prescription) == "delivered";
  })) << gateway.output()
      << dump(peer_.journal());
  for (const auto& id : {report, prescription}) {
    const rapidjson::Document d = gateway.delivery(id);
    EXPECT_EQ(str(d, "connector"), kConnector) << id;
    EXPECT_EQ(d["attempts"].GetInt(), 1) << id;
  }
  // The admin API shows the sick-leave copy as skipped, never tried.
  const rapidjson::Document skipped = gateway.delivery(sickLeave);
  EXPECT_EQ(str(skipped, "status"), "skipped");
  EXPECT_EQ(str(skipped, "reason"), "document-kind-not-sent");
  EXPECT_EQ(skipped["attempts"].GetInt(), 0);
  EXPECT_TRUE(gateway.drained(kConnector));

  // One ITI-41 request per document, each accepted by the peer's checks, for the example's patient.
  const auto journal = peer_.journal();
  ASSERT_EQ(journal.size(), 2U) << dump(journal);
  const std::string patientId = std::string(kIns) + "^^^&1.2.250.1.213.1.4.8&ISO^NH";
  for (const auto& e : journal) {
    EXPECT_TRUE(e.accepted) << e.json;
    EXPECT_EQ(e.response, "Success") << e.json;
    EXPECT_TRUE(e.errors.empty()) << e.json;
    // The CDA and the submission set's XAdES signature.
    EXPECT_EQ(e.documentUniqueIds.size(), 2U) << e.json;
    EXPECT_EQ(e.patientIdSha256, common::sha256Hex(patientId)) << e.json;
  }
  EXPECT_NE(journal[0].submissionSetUniqueId, journal[1].submissionSetUniqueId);
  EXPECT_NE(journal[0].documentUniqueIds, journal[1].documentUniqueIds);
  // One request carries the report (TLM-CR, LOINC 85208-7), the other the prescription (57833-6).
  std::multiset<std::string> sent;
  for (int n = 1; n <= 2; ++n) {
    const std::string body = peer_.requestBody(n);
    const bool isReport = body.find("85208-7") != std::string::npos;
    const bool isPrescription = body.find("57833-6") != std::string::npos;
    EXPECT_NE(isReport, isPrescription) << "request " << n;
    sent.insert(isReport ? "report" : isPrescription ? "prescription" : "?");
  }
  EXPECT_EQ(sent, (std::multiset<std::string>{"prescription", "report"}));
  gateway.process().signal(SIGTERM);
  EXPECT_EQ(gateway.process().wait(), 0);
}

TEST_F(DmpXdsGatewayTest, A503WithRetryAfterIsRetriedWithTheSameUniqueIdsAndDelivered) {
  DmpGateway gateway(peer_, dir_.path());
  ASSERT_TRUE(gateway.started()) << gateway.output();
  peer_.setControl(R"({"http":503,"retryAfter":1,"times":1})");
  const auto answer = gateway.post(gateway.createEditor(), exampleBody());
  ASSERT_EQ(answer.status, 201) << answer.body;
  const Accepted accepted = readAccepted(answer.body);
  ASSERT_EQ(accepted.xds.size(), 2U) << answer.body;

  ASSERT_TRUE(eventually([&] {
    return std::all_of(accepted.xds.begin(), accepted.xds.end(),
                       [&](const std::string& id) { return gateway.statusOf(id) == "delivered"; });
  })) << gateway.output()
      << dump(peer_.journal());
  // One of the two was refused once, then sent again after the server's delay.
  int retried = 0;
  for (const auto& id : accepted.xds) {
    const rapidjson::Document d = gateway.delivery(id);
    if (d["attempts"].GetInt() == 2) {
      ++retried;
      ASSERT_TRUE(d.HasMember("attemptLog") && d["attemptLog"].Size() == 2U) << id;
      const auto& first = d["attemptLog"][0];
      EXPECT_EQ(str(first, "outcome"), "failed");
      EXPECT_EQ(str(first, "errorClass"), "transient");
      EXPECT_THAT(str(first, "message"), HasSubstr("503"));
    } else {
      EXPECT_EQ(d["attempts"].GetInt(), 1) << id;
    }
  }
  EXPECT_EQ(retried, 1);

  const auto journal = peer_.journal();
  ASSERT_EQ(journal.size(), 3U) << dump(journal);
  const auto refused = std::find_if(journal.begin(), journal.end(), [](const DmpJournalEntry& e) {
    return e.response == "http:503";
  });
  ASSERT_NE(refused, journal.end()) << dump(journal);
  EXPECT_FALSE(refused->accepted);
  EXPECT_TRUE(refused->errors.empty()) << "the refused request was conformant: " << refused->json;
  ASSERT_FALSE(refused->submissionSetUniqueId.empty()) << refused->json;
  // The retry is the same submission: same SubmissionSet and document uniqueIds, accepted.
  const auto resent = std::find_if(journal.begin(), journal.end(), [&](const DmpJournalEntry& e) {
    return e.n > refused->n && e.submissionSetUniqueId == refused->submissionSetUniqueId;
  });
  ASSERT_NE(resent, journal.end()) << dump(journal);
  EXPECT_TRUE(resent->accepted) << resent->json;
  EXPECT_EQ(resent->documentUniqueIds, refused->documentUniqueIds);
  // Not before the server's Retry-After (1 s), although the retry policy's first delay is 50 ms.
  EXPECT_GE(millisOfDay(*resent) - millisOfDay(*refused), 1000) << refused->json << "\n"
                                                                << resent->json;
  EXPECT_EQ(std::count_if(journal.begin(), journal.end(),
                          [](const DmpJournalEntry& e) { return e.accepted; }),
            2);
}

TEST_F(DmpXdsGatewayTest, ASoapSenderFaultIsDeadAndAnAdminRetryDeliversTheSameSubmission) {
  DmpGateway gateway(peer_, dir_.path());
  ASSERT_TRUE(gateway.started()) << gateway.output();
  peer_.setControl(R"({"soapFault":"Sender"})");
  const auto answer = gateway.post(gateway.createEditor(), exampleBody());
  ASSERT_EQ(answer.status, 201) << answer.body;
  const Accepted accepted = readAccepted(answer.body);
  ASSERT_EQ(accepted.xds.size(), 2U) << answer.body;

  for (const auto& id : accepted.xds) {
    rapidjson::Document d;
    ASSERT_TRUE(eventually([&] {
      d = gateway.delivery(id);
      return str(d, "status") == "dead";
    })) << str(d, "status")
        << " " << gateway.output();
    EXPECT_EQ(d["attempts"].GetInt(), 1) << "a Sender fault is not retried";
    EXPECT_EQ(str(d, "reason"), "permanent-error");
    EXPECT_THAT(str(d, "lastError"), HasSubstr("Sender"));
    ASSERT_EQ(d["attemptLog"].Size(), 1U);
    EXPECT_EQ(str(d["attemptLog"][0], "errorClass"), "permanent");
  }
  const auto faulted = peer_.journal();
  ASSERT_EQ(faulted.size(), 2U) << dump(faulted);
  for (const auto& e : faulted) {
    EXPECT_FALSE(e.accepted) << e.json;
    EXPECT_THAT(e.response, HasSubstr("fault:Sender")) << e.json;
  }

  peer_.setControl("{}");
  for (const auto& id : accepted.xds) {
    const auto retried = gateway.adminPost("/admin/v1/deliveries/" + id + "/retry");
    ASSERT_EQ(retried.status, 200) << retried.body;
  }
  ASSERT_TRUE(eventually([&] {
    return std::all_of(accepted.xds.begin(), accepted.xds.end(),
                       [&](const std::string& id) { return gateway.statusOf(id) == "delivered"; });
  })) << gateway.output()
      << dump(peer_.journal());
  // Each faulted submission went again, with the same uniqueIds, and was accepted.
  const auto journal = peer_.journal();
  ASSERT_EQ(journal.size(), 4U) << dump(journal);
  for (const auto& before : faulted) {
    const auto again = std::find_if(journal.begin() + 2, journal.end(), [&](const auto& e) {
      return e.submissionSetUniqueId == before.submissionSetUniqueId;
    });
    ASSERT_NE(again, journal.end()) << before.json << "\n" << dump(journal);
    EXPECT_TRUE(again->accepted) << again->json;
    EXPECT_EQ(again->documentUniqueIds, before.documentUniqueIds);
  }
}

TEST_F(DmpXdsGatewayTest, AfterASigkillWithARequestHeldEveryAcceptedDocumentIsDelivered) {
  std::set<std::string> acknowledged;  // dmp-xds delivery ids of records answered 201
  {
    DmpGateway gateway(peer_, dir_.path());
    ASSERT_TRUE(gateway.started()) << gateway.output();
    // Each request is held 1.5 s: the kill comes while some are in flight.
    peer_.setControl(R"({"delayMs":1500})");
    const std::string key = gateway.createEditor();
    for (int i = 0; i < 3; ++i) {
      const auto r = gateway.post(key, exampleBody("-K" + std::to_string(i)));
      ASSERT_EQ(r.status, 201) << r.body;
      const Accepted accepted = readAccepted(r.body);
      ASSERT_EQ(accepted.xds.size(), 2U) << r.body;
      acknowledged.insert(accepted.xds.begin(), accepted.xds.end());
    }
    // Kill once a request was answered and the next ones have reached the peer, held there: the
    // peer answers them after the kill, so the restarted gateway sends them again.
    const bool busy = eventually(
        [&] { return !peer_.journal().empty() && !gateway.hasNone(kConnector, "in-flight"); });
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    gateway.process().signal(SIGKILL);
    gateway.process().wait();
    ASSERT_TRUE(busy) << "requests answered: " << peer_.requests() << " " << gateway.output();
  }
  const std::size_t atTheKill = peer_.journal().size();
  EXPECT_LT(atTheKill, acknowledged.size()) << "the kill came before every document was sent";
  peer_.setControl("{}");

  DmpGateway restarted(peer_, dir_.path());
  ASSERT_TRUE(restarted.started()) << restarted.output();
  ASSERT_TRUE(eventually([&] { return restarted.drained(kConnector); })) << restarted.output();
  for (const auto& id : acknowledged) {
    EXPECT_EQ(restarted.statusOf(id), "delivered") << id;
  }
  // The requests held at the kill may have been answered after it: let the peer finish them.
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));

  // Every submission set the peer saw was accepted at least once; its copies carry the same
  // document uniqueIds; as many submission sets as acknowledged documents.
  const auto journal = peer_.journal();
  std::map<std::string, std::vector<const DmpJournalEntry*>> bySubmission;
  for (const auto& e : journal) bySubmission[e.submissionSetUniqueId].push_back(&e);
  EXPECT_EQ(bySubmission.size(), acknowledged.size()) << dump(journal);
  std::size_t duplicates = 0;
  for (const auto& [submission, entries] : bySubmission) {
    EXPECT_FALSE(submission.empty()) << dump(journal);
    EXPECT_TRUE(std::any_of(entries.begin(), entries.end(),
                            [](const DmpJournalEntry* e) { return e->accepted; }))
        << submission << "\n"
        << dump(journal);
    for (std::size_t k = 1; k < entries.size(); ++k) {
      EXPECT_EQ(entries[k]->documentUniqueIds, entries[0]->documentUniqueIds) << submission;
      ++duplicates;
    }
  }
  EXPECT_GE(duplicates, 1U) << "a request held at the kill is sent again\n" << dump(journal);
  std::cout << "acknowledged dmp-xds deliveries: " << acknowledged.size()
            << ", requests at the kill: " << atTheKill << ", requests: " << journal.size()
            << ", sent again: " << duplicates << "\n";
  restarted.process().signal(SIGTERM);
  EXPECT_EQ(restarted.process().wait(), 0);
}

}  // namespace
}  // namespace fhirgw::testsupport::dmp_xds_test
