// The whole gateway killed with SIGKILL under ingest load while deliveries are being sent: after a
// restart on the same data, every acknowledged record's deliveries reach the outbox, complete,
// and every acknowledged record has its audit entry (stored in the submission's transaction).

#include <Poco/Net/HTTPClientSession.h>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "fhirgw/common/json.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::crash_test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kToken = "crash-test-admin-token-0123456789";

TEST(GatewayCrash, AcknowledgedRecordsAreAllDeliveredAfterASigkillUnderLoad) {
  TempDir dir;
  const fs::path outbox = dir.path() / "outbox";
  const fs::path config = dir.path() / "gateway.json";
  std::ofstream(config) << R"({"server": {"host": "127.0.0.1", "port": 0},
      "admin": {"port": 0}, "storage": {"dataDir": ")"
                        << (dir.path() / "data").string() << R"("},
      "connectors": [{"id": "outbox", "type": "file",
        "routes": ["dmp", "treating-physician", "patient", "encounter"],
        "options": {"directory": ")"
                        << outbox.string() << R"("}}]})";
  const std::vector<std::string> args{"--config", config.string()};
  const std::map<std::string, std::string> env{{"FHIRGW_ADMIN_TOKEN", kToken}};

  std::set<std::string> acknowledged;  // delivery ids of records answered 201
  std::set<std::string> acknowledgedRecords;
  std::string key;
  {
    GatewayProcess gateway(args, env);
    ASSERT_TRUE(gateway.waitUntilStarted()) << gateway.output();
    // Each request and delivery logs a line: nobody reads them, they must not fill the pipe.
    gateway.drainInBackground();
    Poco::Net::HTTPClientSession admin("127.0.0.1", static_cast<Poco::UInt16>(gateway.adminPort()));
    auto created =
        httpRequest(admin, "POST", "/admin/v1/clients", R"({"name":"load","role":"editor"})",
                    {{"Authorization", std::string("Bearer ") + kToken}});
    ASSERT_EQ(created.status, 201);
    key = (*common::parseJson(created.body))["key"].GetString();

    std::mutex mutex;
    std::atomic<int> records{0};
    std::atomic<bool> stop{false};
    // Two editors post concurrently until the gateway dies under them.
    auto load = [&](int worker) {
      Poco::Net::HTTPClientSession api("127.0.0.1", static_cast<Poco::UInt16>(gateway.apiPort()));
      api.setTimeout(Poco::Timespan(5, 0));
      for (int i = 0; !stop && i < 1000; ++i) {
        try {
          auto r = httpRequest(
              api, "POST", "/api/v1/teleconsultations",
              fullExampleAs("CRASH-" + std::to_string(worker) + "-" + std::to_string(i)),
              {{"Authorization", "Bearer " + key}});
          if (r.status != 201) continue;
          auto doc = common::parseJson(r.body);
          std::lock_guard lock(mutex);
          for (const auto& d : (*doc)["deliveries"].GetArray())
            acknowledged.insert(d["id"].GetString());
          acknowledgedRecords.insert((*doc)["id"].GetString());
          ++records;
        } catch (const std::exception&) {
          return;  // the gateway is gone
        }
      }
    };
    std::thread a(load, 1);
    std::thread b(load, 2);
    // Kill once enough records are acknowledged and the engine is busy writing them out.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (records < 40 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    gateway.signal(SIGKILL);
    gateway.wait();
    stop = true;
    a.join();
    b.join();
    ASSERT_GE(records.load(), 40);
  }
  std::size_t deliveredBeforeRestart = 0;
  for (const auto& id : acknowledged) {
    deliveredBeforeRestart += fs::exists(outbox / (id + ".json")) ? 1 : 0;
  }

  GatewayProcess restarted(args, env);
  ASSERT_TRUE(restarted.waitUntilStarted()) << restarted.output();
  restarted.drainInBackground();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::size_t present = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    present = 0;
    for (const auto& id : acknowledged) present += fs::exists(outbox / (id + ".json")) ? 1 : 0;
    if (present == acknowledged.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(present, acknowledged.size())
      << "delivered before the kill: " << deliveredBeforeRestart;
  // Every file is complete JSON: the connector renames only finished files.
  for (const auto& id : acknowledged) {
    auto doc = common::parseJson(readFile(outbox / (id + ".json")));
    ASSERT_TRUE(doc.hasValue()) << id;
    EXPECT_STREQ((*doc)["resourceType"].GetString(), "Bundle");
  }
  // The audit trail has an accepted entry for every acknowledged record, however late the kill.
  Poco::Net::HTTPClientSession admin("127.0.0.1", static_cast<Poco::UInt16>(restarted.adminPort()));
  std::set<std::string> audited;
  // Newest first, page after page by the Link header's address, until a page has none.
  for (std::string next = "/admin/v1/audit?action=POST%20/api/v1/teleconsultations&limit=1000";
       !next.empty();) {
    auto page =
        httpRequest(admin, "GET", next, "", {{"Authorization", std::string("Bearer ") + kToken}});
    ASSERT_EQ(page.status, 200) << page.body;
    auto entries = common::parseJson(page.body);
    ASSERT_TRUE(entries.hasValue());
    for (const auto& e : entries->root().GetArray()) {
      if (std::string(e["outcome"].GetString()) == "201") audited.insert(e["target"].GetString());
    }
    const std::string link = page.header("Link");
    next = link.empty() ? "" : link.substr(1, link.find('>') - 1);
  }
  for (const auto& id : acknowledgedRecords) EXPECT_EQ(audited.count(id), 1u) << id;
  std::cout << "acknowledged deliveries: " << acknowledged.size()
            << ", already in the outbox at the kill: " << deliveredBeforeRestart << "\n";
  restarted.signal(SIGTERM);
  EXPECT_EQ(restarted.wait(), 0);
}

}  // namespace
}  // namespace fhirgw::testsupport::crash_test
