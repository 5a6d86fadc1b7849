// Connector administration through the admin API on the in-process gateway with its delivery
// engine running: instances created, used, changed and deleted live; validation with key
// paths; read-only file instances; optimistic versions; write-only secrets (never in an answer,
// the audit, the log or in clear in the store file); API instances loaded again at restart.

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>

#include "fhirgw/common/log.hpp"
#include "fhirgw/testsupport/in_process_gateway.hpp"
#include "fhirgw/testsupport/source_tree.hpp"

namespace fhirgw::gateway {
namespace {

namespace fs = std::filesystem;
using testsupport::HttpResponse;

// A 32-byte key as hex: the test's secrets.keyFile content.
constexpr const char* kSecretKey =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
// Long and unusual enough that finding it anywhere is not a coincidence.
constexpr const char* kToken = "tok-7Qz1-secret-bearer-value-9XkP";

std::size_t filesIn(const fs::path& dir) {
  if (!fs::exists(dir)) return 0;
  std::size_t n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().extension() == ".json") ++n;
  }
  return n;
}

// A whole answer as JSON (numbers as numbers), null when it does not parse.
std::unique_ptr<rapidjson::Document> json(const std::string& body) {
  auto doc = std::make_unique<rapidjson::Document>();
  doc->Parse(body.c_str());
  if (doc->HasParseError()) return nullptr;
  return doc;
}

std::string fileBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class ConnectorAdminTest : public ::testing::Test {
 protected:
  void SetUp() override {
    previousSink_ = &std::clog;
    common::Log::setSink(&log_);
  }
  void TearDown() override {
    if (gateway_) gateway_->stop();
    common::Log::setSink(previousSink_);
  }

  void start(bool withKey = true, const std::string& fileConnectors = "[]") {
    testsupport::InProcessGatewayOptions options;
    options.liveConnectors = fileConnectors;
    if (withKey) options.secretKey = kSecretKey;
    if (!gateway_) gateway_ = std::make_unique<testsupport::InProcessGateway>(std::move(options));
    const common::Status started = gateway_->start();
    ASSERT_TRUE(started.isOk()) << started.toString();
    editorKey_ = gateway_->createClient("editor", "editor").key;
    ASSERT_FALSE(editorKey_.empty());
  }

  HttpResponse admin(const std::string& method, const std::string& path,
                     const std::string& body = {}) {
    return gateway_->admin(method, path, body);
  }

  std::string fileInstance(const std::string& id, const fs::path& dir,
                           const std::string& extra = "") const {
    return R"({"id":")" + id + R"(","type":"file",)" +
           R"("routes":["dmp","treating-physician","patient","encounter"],)" + extra +
           R"("options":{"directory":")" + dir.string() + R"("}})";
  }

  /// Posts the full example as a new record (its external ids made unique); its record id.
  std::string postTeleconsultation() {
    std::string body = testsupport::readExample("teleconsultation-full.json");
    const std::string base = "LGC-2026-000123";
    const std::string unique = base + "-" + std::to_string(++posted_);
    for (auto at = body.find(base); at != std::string::npos;
         at = body.find(base, at + unique.size())) {
      body.replace(at, base.size(), unique);
    }
    const HttpResponse r = gateway_->api("POST", "/api/v1/teleconsultations", body, editorKey_);
    EXPECT_EQ(r.status, 201) << r.body;
    auto doc = json(r.body);
    return doc && doc->IsObject() && doc->HasMember("id") ? (*doc)["id"].GetString() : "";
  }

  /// Waits (bounded) until no delivery of the record is pending, failed or in flight; the
  /// number delivered.
  std::size_t awaitDelivered(const std::string& recordId) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      auto status =
          json(gateway_->api("GET", "/api/v1/teleconsultations/" + recordId, {}, editorKey_).body);
      if (status == nullptr) return 0;
      std::size_t delivered = 0;
      bool settled = true;
      for (const auto& d : (*status)["deliveries"].GetArray()) {
        const std::string state = d["status"].GetString();
        delivered += state == "delivered" ? 1 : 0;
        settled = settled && (state == "delivered" || state == "dead" || state == "skipped");
      }
      if (settled) return delivered;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return 0;
  }

  /// Waits (bounded) until `dir` holds at least `count` delivered files.
  bool awaitFiles(const fs::path& dir, std::size_t count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (filesIn(dir) >= count) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  std::unique_ptr<testsupport::InProcessGateway> gateway_;
  std::string editorKey_;
  int posted_ = 0;
  std::ostringstream log_;
  std::ostream* previousSink_ = nullptr;
};

TEST_F(ConnectorAdminTest, AnInstanceCreatedUpdatedAndDeletedLiveTakesTheNextDeliveries) {
  start();
  const fs::path first = gateway_->dir() / "first";
  const fs::path second = gateway_->dir() / "second";

  const HttpResponse created = admin("POST", "/admin/v1/connectors", fileInstance("live", first));
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.header("Location"), "/admin/v1/connectors/live");
  auto view = json(created.body);
  ASSERT_TRUE(view != nullptr);
  EXPECT_STREQ((*view)["source"].GetString(), "api");
  EXPECT_EQ((*view)["version"].GetInt64(), 1);
  EXPECT_STREQ((*view)["state"].GetString(), "running");
  EXPECT_STREQ((*view)["options"]["directory"].GetString(), first.string().c_str());

  // A record posted afterwards is delivered to the new instance: its folder fills.
  const std::string before = postTeleconsultation();
  ASSERT_FALSE(before.empty());
  const std::size_t firstCount = awaitDelivered(before);
  ASSERT_GT(firstCount, 0u);
  EXPECT_EQ(filesIn(first), firstCount);

  // Another folder: the next record's deliveries land there, none in the first.
  const std::string moved = R"({"version":1,)" + fileInstance("live", second).substr(1);
  const HttpResponse updated = admin("PUT", "/admin/v1/connectors/live", moved);
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ((*json(updated.body))["version"].GetInt64(), 2);
  const std::string after = postTeleconsultation();
  ASSERT_FALSE(after.empty());
  const std::size_t secondCount = awaitDelivered(after);
  EXPECT_EQ(secondCount, firstCount);
  EXPECT_EQ(filesIn(second), secondCount);
  EXPECT_EQ(filesIn(first), firstCount);

  // The update is audited with the key path it changed, and the creation with what it set.
  auto audit = json(admin("GET", "/admin/v1/audit?action=connector.update").body);
  ASSERT_TRUE(audit != nullptr);
  ASSERT_EQ(audit->Size(), 1u);
  EXPECT_STREQ((*audit)[0]["target"].GetString(), "live");
  ASSERT_TRUE((*audit)[0].HasMember("detail"));
  const auto& changed = (*audit)[0]["detail"]["changed"];
  ASSERT_EQ(changed.Size(), 1u);
  EXPECT_STREQ(changed[0].GetString(), "options.directory");
  auto creation = json(admin("GET", "/admin/v1/audit?action=connector.create").body);
  ASSERT_EQ(creation->Size(), 1u);
  EXPECT_TRUE((*creation)[0]["detail"]["changed"].Size() > 3u);

  // Deleted: the next record has no instance for its destinations, and the folders stay as
  // they were.
  ASSERT_EQ(admin("DELETE", "/admin/v1/connectors/live").status, 204);
  EXPECT_EQ(admin("GET", "/admin/v1/connectors/live").status, 404);
  const std::string recordId = postTeleconsultation();
  ASSERT_FALSE(recordId.empty());
  auto status =
      json(gateway_->api("GET", "/api/v1/teleconsultations/" + recordId, {}, editorKey_).body);
  ASSERT_TRUE(status != nullptr);
  ASSERT_GT((*status)["deliveries"].Size(), 0u);
  for (const auto& d : (*status)["deliveries"].GetArray()) {
    EXPECT_STREQ(d["status"].GetString(), "skipped");
  }
  bool noConnector = false;
  for (const auto& d : (*status)["deliveries"].GetArray()) {
    noConnector =
        noConnector || std::string(d["reason"].GetString()) == "no-connector-for-destination";
  }
  EXPECT_TRUE(noConnector);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(filesIn(first), firstCount);
  EXPECT_EQ(filesIn(second), secondCount);
  auto deletion = json(admin("GET", "/admin/v1/audit?action=connector.delete").body);
  ASSERT_EQ(deletion->Size(), 1u);
  EXPECT_STREQ((*deletion)[0]["target"].GetString(), "live");
}

TEST_F(ConnectorAdminTest, ABadInstanceIsRefusedWithOneIssuePerProblemAtItsKeyPath) {
  start();
  const HttpResponse bad = admin(
      "POST", "/admin/v1/connectors",
      R"({"id":"Bad Id","type":"file","routes":["dmp","nowhere"],"workers":99,"options":{}})");
  ASSERT_EQ(bad.status, 422) << bad.body;
  auto oo = json(bad.body);
  ASSERT_TRUE(oo != nullptr);
  std::set<std::string> paths;
  for (const auto& issue : (*oo)["issue"].GetArray()) {
    paths.insert(issue["expression"][0].GetString());
    EXPECT_STREQ(issue["severity"].GetString(), "error");
  }
  EXPECT_TRUE(paths.count("connector.id")) << bad.body;
  EXPECT_TRUE(paths.count("connector.routes[1]")) << bad.body;
  EXPECT_TRUE(paths.count("connector.workers")) << bad.body;

  // The type's own options, checked by its factory, at their paths too.
  const HttpResponse options =
      admin("POST", "/admin/v1/connectors",
            R"({"id":"x","type":"file","routes":["dmp"],"options":{"folder":"/tmp"}})");
  ASSERT_EQ(options.status, 422) << options.body;
  EXPECT_NE(options.body.find("connector.options.directory"), std::string::npos) << options.body;
  EXPECT_NE(options.body.find("connector.options.folder"), std::string::npos) << options.body;

  const HttpResponse type = admin("POST", "/admin/v1/connectors",
                                  R"({"id":"x","type":"carrier-pigeon","routes":["dmp"]})");
  ASSERT_EQ(type.status, 422) << type.body;
  EXPECT_NE(type.body.find("connector.type"), std::string::npos) << type.body;
  EXPECT_NE(type.body.find("unknown connector type"), std::string::npos) << type.body;

  // Nothing was stored or started.
  auto list = json(admin("GET", "/admin/v1/connectors").body);
  ASSERT_TRUE(list != nullptr);
  EXPECT_EQ(list->Size(), 0u);
}

TEST_F(ConnectorAdminTest, FileInstancesAreReadOnlyAndIdsAndVersionsConflict) {
  const fs::path outbox =
      fs::temp_directory_path() / ("fhirgw-admin-" + std::to_string(::getpid()));
  start(true, "[" + fileInstance("archive", outbox) + "]");
  auto list = json(admin("GET", "/admin/v1/connectors").body);
  ASSERT_TRUE(list != nullptr);
  ASSERT_EQ(list->Size(), 1u);
  EXPECT_STREQ((*list)[0]["source"].GetString(), "file");
  EXPECT_TRUE((*list)[0]["readOnly"].GetBool());
  EXPECT_FALSE((*list)[0].HasMember("version"));

  EXPECT_EQ(admin("POST", "/admin/v1/connectors", fileInstance("archive", outbox)).status, 409);
  EXPECT_EQ(admin("PUT", "/admin/v1/connectors/archive",
                  R"({"version":1,)" + fileInstance("archive", outbox).substr(1))
                .status,
            409);
  EXPECT_EQ(admin("DELETE", "/admin/v1/connectors/archive").status, 409);

  const fs::path other = gateway_->dir() / "other";
  ASSERT_EQ(admin("POST", "/admin/v1/connectors", fileInstance("other", other)).status, 201);
  EXPECT_EQ(admin("POST", "/admin/v1/connectors", fileInstance("other", other)).status, 409);
  const std::string v1 =
      R"({"version":1,)" + fileInstance("other", other, R"("workers":2,)").substr(1);
  ASSERT_EQ(admin("PUT", "/admin/v1/connectors/other", v1).status, 200);
  // A writer that read version 1 is too late now.
  const HttpResponse stale = admin("PUT", "/admin/v1/connectors/other", v1);
  EXPECT_EQ(stale.status, 409) << stale.body;
  // A PUT must say which version it replaces.
  EXPECT_EQ(admin("PUT", "/admin/v1/connectors/other", fileInstance("other", other)).status, 422);
  auto got = json(admin("GET", "/admin/v1/connectors/other").body);
  EXPECT_EQ((*got)["version"].GetInt64(), 2);
  EXPECT_EQ((*got)["workers"].GetInt64(), 2);
  fs::remove_all(outbox);
}

TEST_F(ConnectorAdminTest, TheConnectionTestProbesTheInstanceWithItsOwnSettings) {
  start();
  const fs::path folder = gateway_->dir() / "probed";
  ASSERT_EQ(admin("POST", "/admin/v1/connectors", fileInstance("probed", folder)).status, 201);

  const HttpResponse good = admin("POST", "/admin/v1/connectors/probed/test");
  ASSERT_EQ(good.status, 200) << good.body;
  auto result = json(good.body);
  ASSERT_TRUE(result != nullptr);
  EXPECT_TRUE((*result)["ok"].GetBool()) << good.body;
  EXPECT_FALSE(result->HasMember("errorClass"));
  EXPECT_TRUE((*result)["durationMs"].IsInt64());
  // Nothing was delivered, and the probe left nothing behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(folder), fs::directory_iterator()), 0);

  // The folder replaced by a file: the same instance now fails its test, transiently.
  fs::remove_all(folder);
  std::ofstream(folder) << "not a folder";
  const HttpResponse bad = admin("POST", "/admin/v1/connectors/probed/test");
  ASSERT_EQ(bad.status, 200) << bad.body;
  result = json(bad.body);
  ASSERT_TRUE(result != nullptr);
  EXPECT_FALSE((*result)["ok"].GetBool()) << bad.body;
  EXPECT_STREQ((*result)["reason"].GetString(), "not-writable");
  EXPECT_STREQ((*result)["errorClass"].GetString(), "transient");

  EXPECT_EQ(admin("POST", "/admin/v1/connectors/nobody/test").status, 404);
  // The test is audited like every admin call.
  const HttpResponse audit = admin("GET", "/admin/v1/audit");
  EXPECT_NE(audit.body.find(R"("action":"POST /admin/v1/connectors/{id}/test","target":"probed")"),
            std::string::npos)
      << audit.body;
}

TEST_F(ConnectorAdminTest, ASecretNeedsAConfiguredKey) {
  start(/*withKey=*/false);
  const HttpResponse r =
      admin("POST", "/admin/v1/connectors",
            std::string(R"({"id":"rest","type":"fhir-rest","routes":["encounter"],"options":{)") +
                R"("baseUrl":"https://fhir.example.test/r4","bearerToken":")" + kToken + R"("}})");
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("connector.options.bearerToken"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("secrets.keyFile"), std::string::npos) << r.body;
  EXPECT_EQ(r.body.find(kToken), std::string::npos);
}

TEST_F(ConnectorAdminTest, SecretsAreWriteOnlyKeptOnPutRemovedByNullAndSealedInTheStore) {
  start();
  const std::string instance =
      std::string(R"({"id":"rest","type":"fhir-rest","routes":["encounter"],"options":{)") +
      R"("baseUrl":"https://fhir.example.test/r4","bearerToken":")" + kToken + R"("}})";
  const HttpResponse created = admin("POST", "/admin/v1/connectors", instance);
  ASSERT_EQ(created.status, 201) << created.body;
  auto view = json(created.body);
  ASSERT_EQ((*view)["secrets"].Size(), 1u);
  EXPECT_STREQ((*view)["secrets"][0].GetString(), "bearerToken");
  EXPECT_FALSE((*view)["options"].HasMember("bearerToken"));

  // Omitted: kept. The base URL changes, the secret stays set.
  const HttpResponse kept =
      admin("PUT", "/admin/v1/connectors/rest",
            R"({"version":1,"id":"rest","type":"fhir-rest","routes":["encounter"],"options":{)"
            R"("baseUrl":"https://fhir.example.test/r5"}})");
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ((*json(kept.body))["secrets"].Size(), 1u);

  std::vector<std::string> answers = {created.body, kept.body,
                                      admin("GET", "/admin/v1/connectors").body,
                                      admin("GET", "/admin/v1/connectors/rest").body};
  // Null: removed, and audited by its key path.
  const HttpResponse removed =
      admin("PUT", "/admin/v1/connectors/rest",
            R"({"version":2,"id":"rest","type":"fhir-rest","routes":["encounter"],"options":{)"
            R"("baseUrl":"https://fhir.example.test/r5","bearerToken":null}})");
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ((*json(removed.body))["secrets"].Size(), 0u);
  answers.push_back(removed.body);
  const std::string audit = admin("GET", "/admin/v1/audit").body;
  answers.push_back(audit);
  EXPECT_NE(audit.find("options.bearerToken"), std::string::npos) << audit;

  for (const std::string& answer : answers) EXPECT_EQ(answer.find(kToken), std::string::npos);
  EXPECT_EQ(log_.str().find(kToken), std::string::npos);
  // The store file (and its WAL) never held it in clear.
  for (const char* name : {"gateway.db", "gateway.db-wal"}) {
    const fs::path file = gateway_->dir() / "data" / name;
    if (fs::exists(file)) {
      EXPECT_EQ(fileBytes(file).find(kToken), std::string::npos) << name;
    }
  }
}

TEST_F(ConnectorAdminTest, ARestartLoadsTheApiInstancesAgainWithTheirSecrets) {
  start();
  const fs::path outbox = gateway_->dir() / "kept";
  ASSERT_EQ(admin("POST", "/admin/v1/connectors", fileInstance("kept", outbox)).status, 201);
  ASSERT_EQ(admin("POST", "/admin/v1/connectors",
                  std::string(R"({"id":"rest","type":"fhir-rest","routes":["encounter"],)") +
                      R"("enabled":false,"options":{"baseUrl":"https://fhir.example.test/r4",)" +
                      R"("bearerToken":")" + kToken + R"("}})")
                .status,
            201);
  gateway_->stop();
  start();
  auto list = json(admin("GET", "/admin/v1/connectors").body);
  ASSERT_TRUE(list != nullptr);
  ASSERT_EQ(list->Size(), 2u);
  EXPECT_STREQ((*list)[0]["id"].GetString(), "kept");
  EXPECT_STREQ((*list)[0]["state"].GetString(), "running");
  EXPECT_STREQ((*list)[1]["id"].GetString(), "rest");
  EXPECT_STREQ((*list)[1]["state"].GetString(), "disabled");
  EXPECT_EQ((*list)[1]["secrets"].Size(), 1u);
  // And it runs: a record posted now is delivered to it.
  ASSERT_FALSE(postTeleconsultation().empty());
  EXPECT_TRUE(awaitFiles(outbox, 1));
}

}  // namespace
}  // namespace fhirgw::gateway
