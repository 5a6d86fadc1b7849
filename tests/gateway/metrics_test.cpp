// GET /metrics and /health/ready on the in-process gateway with its delivery engine and a file
// connector: the admin credential is required, counters move as requests, submissions and
// deliveries are served, the queue's age follows the clock, no health data appears in the scrape,
// and readiness answers 503 when the engine stops or the store cannot take writes.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/in_process_gateway.hpp"
#include "fhirgw/testsupport/source_tree.hpp"

namespace fhirgw::gateway {
namespace {

namespace fs = std::filesystem;
using testsupport::HttpResponse;

// The value of one series (its exact name and labels, as written), or -1 when absent.
double valueOf(const std::string& scrape, const std::string& series) {
  std::istringstream lines(scrape);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() > series.size() && line.compare(0, series.size(), series) == 0 &&
        line[series.size()] == ' ') {
      return std::stod(line.substr(series.size() + 1));
    }
  }
  return -1;
}

class MetricsTest : public ::testing::Test {
 protected:
  /// busyTimeout: the store's wait for its write lock (the product's default when unset).
  void start(const std::string& directory,
             std::optional<std::chrono::milliseconds> busyTimeout = std::nullopt) {
    testsupport::InProcessGatewayOptions options;
    options.liveConnectors = R"([{"id": "outbox", "type": "file",
        "routes": ["dmp", "treating-physician", "patient", "encounter"],
        "options": {"directory": ")" +
                             directory + R"("}}])";
    options.storeReadiness = true;
    options.busyTimeout = busyTimeout;
    gateway_ = std::make_unique<testsupport::InProcessGateway>(std::move(options));
    const common::Status started = gateway_->start();
    ASSERT_TRUE(started.isOk()) << started.toString();
    editorKey_ = gateway_->createClient("editor", "editor").key;
    ASSERT_FALSE(editorKey_.empty());
  }
  void TearDown() override {
    if (gateway_) gateway_->stop();
  }

  std::string scrape() {
    const HttpResponse r = gateway_->admin("GET", "/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    return r.body;
  }

  /// The full example with a unique external id; consent withdrawn when refused.
  HttpResponse post(bool refused = false) {
    std::string body = testsupport::readExample("teleconsultation-full.json");
    const std::string base = "LGC-2026-000123";
    const std::string unique = base + "-" + std::to_string(++posted_);
    for (auto at = body.find(base); at != std::string::npos;
         at = body.find(base, at + unique.size())) {
      body.replace(at, base.size(), unique);
    }
    if (refused) {
      const std::string obtained = R"("obtained": true)";
      body.replace(body.find(obtained), obtained.size(), R"("obtained": false)");
    }
    return gateway_->api("POST", "/api/v1/teleconsultations", body, editorKey_);
  }

  /// Scrapes until the series has the value (bounded wait); the last scrape.
  std::string awaitValue(const std::string& series, double value) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    std::string text = scrape();
    while (valueOf(text, series) != value && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      text = scrape();
    }
    return text;
  }

  testsupport::TempDir outbox_{"fhirgw-metrics"};
  std::unique_ptr<testsupport::InProcessGateway> gateway_;
  std::string editorKey_;
  int posted_ = 0;
};

TEST_F(MetricsTest, TheScrapeNeedsTheAdminCredential) {
  start(outbox_.str());
  EXPECT_EQ(gateway_->admin("GET", "/metrics", {}, std::string("wrong-token")).status, 401);
  EXPECT_EQ(gateway_->admin("GET", "/metrics", {}, editorKey_).status, 403);
  EXPECT_EQ(gateway_->admin("GET", "/metrics").status, 200);
}

TEST_F(MetricsTest, CountersMoveAsRequestsSubmissionsAndDeliveriesAreServed) {
  start(outbox_.str());
  const std::string before = scrape();
  const std::string created =
      R"(fhirgw_http_requests_total{listener="api",method="POST",route="/api/v1/teleconsultations",status="201"})";
  const std::string accepted =
      R"(fhirgw_submissions_total{kind="teleconsultation",outcome="accepted"})";
  const std::string refused =
      R"(fhirgw_submissions_total{kind="teleconsultation",outcome="refused"})";
  const std::string consent = R"(fhirgw_rule_hits_total{rule="TLC-CONSENT",severity="error"})";
  const std::string delivered =
      R"(fhirgw_delivery_attempts_total{connector="outbox",outcome="delivered",error_class=""})";
  EXPECT_EQ(valueOf(before, created), -1);
  EXPECT_EQ(valueOf(before, delivered), -1);

  ASSERT_EQ(post().status, 201);
  const HttpResponse refusal = post(/*refused=*/true);
  ASSERT_EQ(refusal.status, 422) << refusal.body;
  ASSERT_NE(refusal.body.find("TLC-CONSENT"), std::string::npos) << refusal.body;

  // Every destination of the record is delivered through the file connector.
  const std::string after = awaitValue(R"(fhirgw_delivery_queue_depth{connector="outbox"})", 0);
  EXPECT_GE(valueOf(after, delivered), 1);
  EXPECT_EQ(valueOf(after, created), 1);
  EXPECT_EQ(valueOf(after, accepted), 1);
  EXPECT_EQ(valueOf(after, refused), 1);
  EXPECT_EQ(valueOf(after, consent), 1);
  EXPECT_GE(valueOf(after, R"(fhirgw_deliveries{connector="outbox",state="delivered"})"), 1);
  EXPECT_EQ(valueOf(after, R"(fhirgw_circuit_breaker_state{connector="outbox"})"), 0);
  EXPECT_EQ(
      valueOf(
          after,
          R"(fhirgw_http_request_duration_seconds_count{listener="api",route="/api/v1/teleconsultations"})"),
      2);
  EXPECT_GT(valueOf(after, R"(fhirgw_store_size_bytes{file="db"})"), 0);
  EXPECT_GT(valueOf(after, "process_resident_memory_bytes"), 0);
  // Route patterns, never a path with an id in it; nothing of the patient anywhere.
  EXPECT_EQ(after.find("DURAND"), std::string::npos);
  EXPECT_EQ(after.find("279035121518989"), std::string::npos);
  EXPECT_EQ(after.find("Marie"), std::string::npos);
}

TEST_F(MetricsTest, TheQueueAgeIsThatOfTheOldestDeliveryNotYetDelivered) {
  start(outbox_.str());
  // A file where the connector's folder was: every attempt fails (transient) and waits.
  fs::remove_all(outbox_.path());
  { std::ofstream(outbox_.path()) << "not a folder"; }
  ASSERT_EQ(post().status, 201);
  const std::string age = R"(fhirgw_delivery_queue_oldest_age_seconds{connector="outbox"})";
  EXPECT_EQ(valueOf(scrape(), age), 0);
  gateway_->clock().advance(std::chrono::seconds(90));
  const std::string text = scrape();
  EXPECT_EQ(valueOf(text, age), 90);
  EXPECT_GT(valueOf(text, R"(fhirgw_delivery_queue_depth{connector="outbox"})"), 0);
}

TEST_F(MetricsTest, ReadinessAnswers503WhenTheDeliveryEngineStops) {
  start(outbox_.str());
  EXPECT_EQ(gateway_->admin("GET", "/health/ready").status, 200);
  gateway_->engine()->stop(std::chrono::seconds(1));
  const HttpResponse r = gateway_->admin("GET", "/health/ready");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("delivery engine"), std::string::npos) << r.body;
}

TEST_F(MetricsTest, ReadinessAnswers503WhileTheStoreCannotTakeWrites) {
  // Short, so that readiness gives up quickly on the lock held below.
  start(outbox_.str(), std::chrono::milliseconds(200));
  EXPECT_EQ(gateway_->admin("GET", "/health/ready").status, 200);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((gateway_->dir() / "data" / "gateway.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "BEGIN EXCLUSIVE", nullptr, nullptr, nullptr), SQLITE_OK);
  const HttpResponse r = gateway_->admin("GET", "/health/ready");
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("store"), std::string::npos) << r.body;
  sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(db);
  EXPECT_EQ(gateway_->admin("GET", "/health/ready").status, 200);
}

}  // namespace
}  // namespace fhirgw::gateway
