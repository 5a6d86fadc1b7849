// Encryption at rest through the real fhir-gateway binary (issue 14). With a key, the examples'
// patient names, INS and document text appear nowhere in gateway.db or its WAL while deliveries
// run to a file connector (and they do appear without one, so the check can fail); a key
// rotation under an editor's load completes, and every record still reads, then again with only
// the new key.

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Net/HTTPClientSession.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <csignal>
#include <fstream>
#include <functional>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "packed_value.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::encryption_test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kToken = "encryption-test-admin-token-0123456789";
constexpr auto kPatience = std::chrono::seconds(90);

// What the examples carry that must never be readable in the store's files.
constexpr const char* kFamily = "DURAND";
constexpr const char* kGiven = "Claire";
constexpr const char* kMinimalFamily = "BERNARD";
constexpr const char* kIns = "279035121518989";
constexpr const char* kSickLeaveText = "syndrome grippal";
constexpr const char* kJustification = "patiente alitee";

rapidjson::Document parsed(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  if (doc.HasParseError()) doc.SetObject();
  return doc;
}

bool eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kPatience;
  for (;;) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

/// The report's text as the example carries it (base64), a piece long enough to be unique.
std::string reportData() {
  const auto doc = parsed(readExample("teleconsultation-full.json"));
  return std::string(doc["documents"][0]["content"]["data"].GetString()).substr(0, 40);
}

/// The example with every externalId made unique by `suffix`.
std::string uniqueExample(const std::string& name, const std::string& suffix) {
  rapidjson::Document doc = parsed(readExample(name));
  auto& a = doc.GetAllocator();
  if (doc.HasMember("externalId")) {
    const std::string id = std::string(doc["externalId"].GetString()) + suffix;
    doc["externalId"].SetString(id.c_str(), a);
  }
  if (doc.HasMember("documents")) {
    for (auto& d : doc["documents"].GetArray()) {
      if (!d.HasMember("externalId")) continue;
      const std::string id = std::string(d["externalId"].GetString()) + suffix;
      d["externalId"].SetString(id.c_str(), a);
    }
  }
  return common::toJsonString(doc);
}

std::string newKeyFile(const fs::path& path) {
  std::ofstream(path) << common::base64Encode(common::randomBytes(32)) << "\n";
  return path.string();
}

/// A gateway on port 0 with a file connector for every destination; `encryption` is the JSON of
/// storage.encryption (empty: off).
class Gateway {
 public:
  Gateway(const fs::path& dir, const std::string& encryption) : dir_(dir) {
    const fs::path config = dir / "gateway.json";
    std::ofstream(config) << R"({"server": {"host": "127.0.0.1", "port": 0}, "admin": {"port": 0},
      "storage": {"dataDir": ")"
                          << (dir / "data").string() << R"(")"
                          << (encryption.empty() ? "" : ", \"encryption\": " + encryption) << R"(},
      "connectors": [
        {"id": "outbox", "type": "file",
         "routes": ["dmp", "treating-physician", "patient", "encounter"],
         "options": {"directory": ")"
                          << (dir / "outbox").string() << R"("}}]})";
    process_ = startGateway(config, kToken, started_);
  }
  ~Gateway() { stop(); }

  bool started() const { return started_; }
  std::string output() const { return process_->output(); }
  int apiPort() const { return process_->apiPort(); }

  /// SIGTERM and the exit code.
  int stop() {
    if (stopped_) return exitCode_;
    stopped_ = true;
    process_->signal(SIGTERM);
    exitCode_ = process_->wait();
    return exitCode_;
  }

  HttpResponse admin(const std::string& method, const std::string& path,
                     const std::string& body = {}) const {
    Poco::Net::HTTPClientSession session("127.0.0.1",
                                         static_cast<Poco::UInt16>(process_->adminPort()));
    return httpRequest(session, method, path, body,
                       {{"Authorization", std::string("Bearer ") + kToken}});
  }

  HttpResponse api(const std::string& key, const std::string& method, const std::string& path,
                   const std::string& body = {}) const {
    Poco::Net::HTTPClientSession session("127.0.0.1",
                                         static_cast<Poco::UInt16>(process_->apiPort()));
    return httpRequest(session, method, path, body, {{"Authorization", "Bearer " + key}});
  }

  std::string createEditor() const {
    const auto r = admin("POST", "/admin/v1/clients", R"({"name":"editor","role":"editor"})");
    EXPECT_EQ(r.status, 201) << r.body;
    const auto doc = parsed(r.body);
    return doc.HasMember("key") ? doc["key"].GetString() : std::string();
  }

  /// Deliveries of the file connector in a state (-1 when the API does not answer).
  int count(const std::string& status) const {
    const auto r =
        admin("GET", "/admin/v1/deliveries?connector=outbox&status=" + status + "&limit=1000");
    const auto doc = parsed(r.body);
    return r.status == 200 && doc.IsArray() ? static_cast<int>(doc.Size()) : -1;
  }

  /// gateway.db and gateway.db-wal (and -shm), as bytes.
  std::string storeBytes() const {
    std::string all;
    for (const auto& entry : fs::directory_iterator(dir_ / "data")) {
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
  bool stopped_ = false;
  int exitCode_ = 0;
};

/// Posts the three examples (full, minimal, a document added to the full one); returns the
/// record ids.
std::vector<std::string> postExamples(const Gateway& g, const std::string& key,
                                      const std::string& suffix) {
  std::vector<std::string> ids;
  for (const char* name : {"teleconsultation-full.json", "teleconsultation-minimal.json"}) {
    const auto r = g.api(key, "POST", "/api/v1/teleconsultations", uniqueExample(name, suffix));
    EXPECT_EQ(r.status, 201) << name << ": " << r.body;
    const auto doc = parsed(r.body);
    if (doc.HasMember("id")) ids.push_back(doc["id"].GetString());
  }
  if (!ids.empty()) {
    const auto r = g.api(key, "POST", "/api/v1/teleconsultations/" + ids[0] + "/documents",
                         uniqueExample("document-sick-leave-prolongation.json", suffix));
    EXPECT_EQ(r.status, 201) << r.body;
  }
  return ids;
}

std::vector<std::string> found(const std::string& bytes) {
  std::vector<std::string> out;
  for (const std::string& needle :
       {std::string(kFamily), std::string(kGiven), std::string(kMinimalFamily), std::string(kIns),
        std::string(kSickLeaveText), std::string(kJustification), reportData()}) {
    if (bytes.find(needle) != std::string::npos) out.push_back(needle);
  }
  return out;
}

/// The store's large values as anyone reading the data folder gets them without a key: packed
/// (compressed) values unpacked, sealed ones as they are.
std::string unpackedValues(const fs::path& db) {
  Poco::Data::SQLite::Connector::registerConnector();
  Poco::Data::Session session(Poco::Data::SQLite::Connector::KEY, db.string());
  std::string all;
  for (const char* sql :
       {"SELECT body FROM records", "SELECT outcome FROM records", "SELECT body FROM documents",
        "SELECT outcome FROM documents", "SELECT json FROM fhir_resources",
        "SELECT response_body FROM idempotency_keys"}) {
    std::vector<std::string> values;
    session << sql, Poco::Data::Keywords::into(values), Poco::Data::Keywords::now;
    for (const std::string& value : values) {
      if (!store::detail::isPacked(value)) continue;
      auto unpacked = store::detail::unpackValue(value);
      EXPECT_TRUE(unpacked.hasValue()) << unpacked.status().toString();
      if (unpacked) all += *unpacked;
    }
  }
  return all;
}

/// Runs the examples through a gateway and returns what of them the store's files showed, while
/// it ran (WAL) and after it stopped (database file, its packed values unpacked: compression
/// hides nothing from whoever reads the file).
std::vector<std::string> patientDataInStoreFiles(const fs::path& dir, bool encrypted) {
  const std::string encryption =
      encrypted ? R"({"keyFile": ")" + newKeyFile(dir / "storage.key") + R"("})" : "";
  Gateway g(dir, encryption);
  EXPECT_TRUE(g.started()) << g.output();
  if (!g.started()) return {"<no gateway>"};
  const std::string key = g.createEditor();
  const auto ids = postExamples(g, key, encrypted ? "-on" : "-off");
  EXPECT_EQ(ids.size(), 2u);
  // Every delivery runs to the folder (attempts, targets and errors written meanwhile).
  EXPECT_TRUE(eventually([&] {
    return g.count("delivered") > 0 && g.count("pending") == 0 && g.count("failed") == 0 &&
           g.count("in-flight") == 0;
  })) << g.output();
  std::vector<std::string> seen = found(g.storeBytes());
  EXPECT_EQ(g.stop(), 0) << g.output();
  const std::string stopped = g.storeBytes() + unpackedValues(dir / "data" / "gateway.db");
  for (const std::string& s : found(stopped)) seen.push_back(s);
  return seen;
}

TEST(EncryptionAtRest, NoPatientNameInsOrDocumentTextIsInTheStoreFiles) {
  TempDir dir("fhirgw-encryption-on");
  const auto seen = patientDataInStoreFiles(dir.path(), /*encrypted=*/true);
  EXPECT_TRUE(seen.empty()) << "found in gateway.db or its WAL: " << ::testing::PrintToString(seen);
}

TEST(EncryptionAtRest, WithoutAKeyTheSameDataIsReadableInTheStoreFiles) {
  TempDir dir("fhirgw-encryption-off");
  const auto seen = patientDataInStoreFiles(dir.path(), /*encrypted=*/false);
  for (const std::string& needle :
       {std::string(kFamily), std::string(kIns), std::string(kSickLeaveText), reportData()}) {
    EXPECT_NE(std::find(seen.begin(), seen.end(), needle), seen.end()) << needle;
  }
}

/// An editor posting the full example under fresh externalIds until stopped.
class Load {
 public:
  Load(const Gateway& g, std::string key) : g_(g), key_(std::move(key)) {
    thread_ = std::thread([this] { run(); });
  }
  ~Load() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  int accepted() const { return accepted_; }
  std::vector<std::string> ids() const {
    std::lock_guard lock(mutex_);
    return ids_;
  }
  std::vector<std::string> problems() const {
    std::lock_guard lock(mutex_);
    return problems_;
  }

 private:
  void run() {
    for (int i = 0; !stop_; ++i) {
      const auto r =
          g_.api(key_, "POST", "/api/v1/teleconsultations",
                 uniqueExample("teleconsultation-full.json", "-load-" + std::to_string(i)));
      std::lock_guard lock(mutex_);
      if (r.status != 201) {
        problems_.push_back(std::to_string(r.status) + " " + r.body.substr(0, 200));
        continue;
      }
      ids_.push_back(parsed(r.body)["id"].GetString());
      ++accepted_;
    }
  }

  const Gateway& g_;
  std::string key_;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  mutable std::mutex mutex_;
  std::vector<std::string> ids_;
  std::vector<std::string> problems_;
  std::thread thread_;
};

/// Every record answers with its content: the record, and its FHIR bundle naming the patient.
void expectEveryRecordReads(const Gateway& g, const std::string& key,
                            const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    const auto record = g.api(key, "GET", "/api/v1/teleconsultations/" + id);
    EXPECT_EQ(record.status, 200) << id << ": " << record.body;
    const auto bundle = g.api(key, "GET", "/api/v1/teleconsultations/" + id + "/fhir");
    EXPECT_EQ(bundle.status, 200) << id << ": " << bundle.body;
    // The full example's patient, or the minimal one's: the resources opened as written.
    EXPECT_TRUE(bundle.body.find(kFamily) != std::string::npos ||
                bundle.body.find(kMinimalFamily) != std::string::npos)
        << id << ": " << bundle.body.substr(0, 300);
    EXPECT_NE(bundle.body.find("Patient"), std::string::npos) << id;
  }
}

std::int64_t integer(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsInt64() ? v[key].GetInt64() : -1;
}

TEST(EncryptionAtRest, AKeyRotationCompletesUnderLoadAndEveryRecordStillReads) {
  TempDir dir("fhirgw-encryption-rotation");
  const std::string oldKey = newKeyFile(dir.path() / "old.key");
  const std::string newKey = newKeyFile(dir.path() / "new.key");
  std::string key;
  std::vector<std::string> ids;
  {
    Gateway g(dir.path(), R"({"keyFile": ")" + oldKey + R"("})");
    ASSERT_TRUE(g.started()) << g.output();
    key = g.createEditor();
    for (int i = 0; i < 5; ++i) {
      for (const std::string& id : postExamples(g, key, "-before-" + std::to_string(i))) {
        ids.push_back(id);
      }
    }
    ASSERT_EQ(ids.size(), 10u);
    ASSERT_EQ(g.stop(), 0) << g.output();
  }
  {
    Gateway g(dir.path(), R"({"keyFile": ")" + newKey + R"(", "previousKeyFiles": [")" + oldKey +
                              R"("], "rotationBatchSize": 10, "rotationPauseMs": 20})");
    ASSERT_TRUE(g.started()) << g.output();
    auto before = parsed(g.admin("GET", "/admin/v1/storage/encryption").body);
    ASSERT_TRUE(before.HasMember("enabled")) << "no encryption status";
    EXPECT_TRUE(before["enabled"].GetBool());
    EXPECT_GT(integer(before, "pending"), 50);
    const std::string activeKeyId = before["activeKeyId"].GetString();
    ASSERT_EQ(before["previousKeyIds"].Size(), 1u);

    Load load(g, key);
    ASSERT_TRUE(eventually([&] { return load.accepted() >= 3; })) << g.output();
    const int beforeRotation = load.accepted();
    const auto started = g.admin("POST", "/admin/v1/storage/rotate");
    ASSERT_EQ(started.status, 202) << started.body;
    EXPECT_EQ(g.admin("POST", "/admin/v1/storage/rotate").status, 409)
        << "a second rotation while one runs";
    rapidjson::Document status;
    ASSERT_TRUE(eventually([&] {
      status = parsed(g.admin("GET", "/admin/v1/storage/encryption").body);
      return status.HasMember("rotation") &&
             std::string(status["rotation"]["state"].GetString()) != "running";
    })) << g.output();
    const int duringRotation = load.accepted();
    std::cout << "rotation: " << common::toJsonString(status["rotation"]) << "; records accepted "
              << "during it: " << duringRotation - beforeRotation << "\n";
    // A few more records under the new key after the pass, then the load stops.
    ASSERT_TRUE(eventually([&] { return load.accepted() >= duringRotation + 3; }));
    load.stop();
    EXPECT_TRUE(load.problems().empty()) << ::testing::PrintToString(load.problems());
    EXPECT_EQ(std::string(status["rotation"]["state"].GetString()), "done")
        << common::toJsonString(status);
    EXPECT_GT(integer(status["rotation"], "resealed"), 50);
    EXPECT_EQ(integer(status["rotation"], "unopened"), 0);
    const auto after = parsed(g.admin("GET", "/admin/v1/storage/encryption").body);
    EXPECT_EQ(integer(after, "pending"), 0) << common::toJsonString(after);
    EXPECT_EQ(std::string(after["activeKeyId"].GetString()), activeKeyId);
    const auto loaded = load.ids();
    ids.insert(ids.end(), loaded.begin(), loaded.end());
    expectEveryRecordReads(g, key, ids);
    EXPECT_EQ(g.stop(), 0) << g.output();
    EXPECT_NE(g.output().find("\"event\":\"gateway.rotation-finished\""), std::string::npos);
  }
  {
    Gateway g(dir.path(), R"({"keyFile": ")" + newKey + R"("})");
    ASSERT_TRUE(g.started()) << g.output();
    expectEveryRecordReads(g, key, ids);
  }
}

TEST(EncryptionAtRest, AnUnreadableKeyFileExits78NamingTheKey) {
  TempDir dir("fhirgw-encryption-bad-key");
  Gateway g(dir.path(), R"({"keyFile": ")" + (dir.path() / "missing.key").string() + R"("})");
  EXPECT_FALSE(g.started());
  EXPECT_EQ(g.stop(), 78);
  EXPECT_NE(g.output().find("storage.encryption.keyFile"), std::string::npos) << g.output();
}

}  // namespace
}  // namespace fhirgw::testsupport::encryption_test
