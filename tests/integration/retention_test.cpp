// Retention through the real binary with periods of seconds: an editor posts all along while old
// records lose their content, then disappear, in batches; every post is answered 201 and the
// test prints the ingest rate before and during the purges.

#include <Poco/Net/HTTPClientSession.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "fhirgw/testsupport/source_tree.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::retention_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kToken = "retention-test-admin-token-0123456789";
constexpr auto kContentPeriod = 4s;
constexpr auto kMetadataPeriod = 8s;
constexpr auto kLoad = 18s;  // how long the editor posts

HttpResponse call(int port, const std::string& method, const std::string& path,
                  const std::string& token, const std::string& body = {}) {
  Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
  return httpRequest(s, method, path, body, {{"Authorization", "Bearer " + token}});
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  return doc;
}

struct Posted {
  Clock::time_point at;  // when its 201 came back
  std::string id;
};

/// Sums the "count" and "batches" of the gateway.retention-purged lines of one task.
struct TaskTotals {
  long count = 0;
  long batches = 0;
  long runs = 0;
};

TaskTotals totals(const std::string& log, const std::string& task) {
  TaskTotals t;
  const std::regex line(R"re("event":"gateway\.retention-purged","task":")re" + task +
                        R"re(","count":(\d+),"batches":(\d+))re");
  for (std::sregex_iterator it(log.begin(), log.end(), line), end; it != end; ++it) {
    t.count += std::stol((*it)[1].str());
    t.batches += std::stol((*it)[2].str());
    ++t.runs;
  }
  return t;
}

TEST(Retention, OldRecordsLoseTheirContentThenDisappearInBatchesWhileIngestGoesOn) {
  TempDir dir("fhirgw-retention");
  const fs::path config = dir.path() / "gateway.json";
  std::ofstream(config) << R"({"server": {"host": "127.0.0.1", "port": 0},
      "admin": {"port": 0}, "storage": {"dataDir": ")"
                        << (dir.path() / "data").string() << R"("},
      "retention": {"contentPeriodMs": )"
                        << std::chrono::milliseconds(kContentPeriod).count()
                        << R"(, "metadataPeriodMs": )"
                        << std::chrono::milliseconds(kMetadataPeriod).count() << R"(,
        "auditPeriodMs": 8000, "intervalMs": 1500, "batchSize": 10, "batchPauseMs": 20},
      "connectors": [{"id": "outbox", "type": "file", "routes": ["encounter"],
        "options": {"directory": ")"
                        << (dir.path() / "outbox").string() << R"("}}]})";
  // One delivery per record (the encounter, to a folder; the other destinations have no
  // connector and are skipped): a record is purged only once its deliveries are finished.
  GatewayProcess gateway({"--config", config.string()}, {{"FHIRGW_ADMIN_TOKEN", kToken}});
  ASSERT_TRUE(gateway.waitUntilStarted()) << gateway.output();
  gateway.drainInBackground();
  const auto created = call(gateway.adminPort(), "POST", "/admin/v1/clients", kToken,
                            R"({"name":"editor","role":"editor"})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string key = parse(created.body)["key"].GetString();

  const Clock::time_point start = Clock::now();
  std::mutex mutex;
  std::vector<Posted> posted;
  std::vector<std::string> refusals;
  std::thread editor([&] {
    Poco::Net::HTTPClientSession api("127.0.0.1", static_cast<Poco::UInt16>(gateway.apiPort()));
    api.setTimeout(Poco::Timespan(10, 0));
    for (int n = 0; Clock::now() - start < kLoad; ++n) {
      const auto r = httpRequest(api, "POST", "/api/v1/teleconsultations",
                                 fullExampleAs("LGC-RET-" + std::to_string(n)),
                                 {{"Authorization", "Bearer " + key}});
      std::lock_guard lock(mutex);
      if (r.status != 201) {
        refusals.push_back(std::to_string(r.status) + " " + r.body);
        continue;
      }
      posted.push_back({Clock::now(), parse(r.body)["id"].GetString()});
    }
  });

  // The first record: content purged (still readable, FHIR gone), then deleted.
  std::string first;
  while (first.empty() && Clock::now() - start < 5s) {
    std::this_thread::sleep_for(50ms);
    std::lock_guard lock(mutex);
    if (!posted.empty()) first = posted.front().id;
  }
  ASSERT_FALSE(first.empty());
  const std::string path = "/api/v1/teleconsultations/" + first;
  bool sawPurged = false;
  bool sawDeleted = false;
  while (!sawDeleted && Clock::now() - start < kLoad + 10s) {
    const auto r = call(gateway.apiPort(), "GET", path, key);
    if (r.status == 404) {
      sawDeleted = true;
    } else if (!sawPurged && r.status == 200 && parse(r.body).HasMember("contentPurgedAt")) {
      sawPurged = true;
      EXPECT_EQ(call(gateway.apiPort(), "GET", path + "/fhir", key).status, 410);
    }
    std::this_thread::sleep_for(100ms);
  }
  editor.join();
  EXPECT_TRUE(sawPurged) << "the first record was never seen purged";
  EXPECT_TRUE(sawDeleted) << "the first record was never deleted";
  EXPECT_TRUE(refusals.empty()) << refusals.size() << " posts refused, first: "
                                << (refusals.empty() ? "" : refusals.front());

  // What is older than the metadata period (and a purge run) is gone; the newest keeps its content.
  std::vector<Posted> all;
  {
    std::lock_guard lock(mutex);
    all = posted;
  }
  ASSERT_GT(all.size(), 20u);
  const Clock::time_point end = Clock::now();
  std::size_t oldChecked = 0;
  for (const Posted& p : all) {
    if (end - p.at < kMetadataPeriod + 4s) break;
    EXPECT_EQ(call(gateway.apiPort(), "GET", "/api/v1/teleconsultations/" + p.id, key).status, 404)
        << p.id;
    ++oldChecked;
  }
  EXPECT_GT(oldChecked, 0u);
  const auto newest =
      call(gateway.apiPort(), "GET", "/api/v1/teleconsultations/" + all.back().id, key);
  ASSERT_EQ(newest.status, 200);
  EXPECT_FALSE(parse(newest.body).HasMember("contentPurgedAt"));

  // Ingest rate before any record was old enough to purge, and once purges ran.
  const auto rate = [&](Clock::duration from, Clock::duration to) {
    long n = 0;
    for (const Posted& p : all) n += p.at - start >= from && p.at - start < to ? 1 : 0;
    return static_cast<double>(n) / std::chrono::duration<double>(to - from).count();
  };
  const double before = rate(0s, kContentPeriod);
  const double during = rate(kContentPeriod + 1s, kLoad);
  gateway.signal(SIGTERM);
  EXPECT_EQ(gateway.wait(), 0);
  const std::string log = gateway.output();
  const TaskTotals content = totals(log, "content");
  const TaskTotals records = totals(log, "records");
  std::printf(
      "retention: %zu records posted in %lld s; %.1f records/s before the purges, %.1f "
      "during; content purged of %ld records in %ld batches (%ld runs), %ld records "
      "deleted in %ld batches (%ld runs)\n",
      all.size(), static_cast<long long>(std::chrono::seconds(kLoad).count()), before, during,
      content.count, content.batches, content.runs, records.count, records.batches, records.runs);
  EXPECT_GT(content.count, 0);
  EXPECT_GT(records.count, 0);
  // Several batches in one run at least once: a run's backlog exceeds batchSize (10).
  EXPECT_GT(content.batches, content.runs);
  EXPECT_EQ(log.find("retention-purge-failed"), std::string::npos);
}

}  // namespace
}  // namespace fhirgw::testsupport::retention_test
