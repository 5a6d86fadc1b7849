// GET /metrics of the real fhir-gateway binary, read by Prometheus' own text-format parser
// (Debian's python3-prometheus-client, through tests/integration/metrics/parse_scrape.py): the
// example teleconsultation is accepted and delivered to a file connector, a copy without consent
// is refused by TLC-CONSENT, and between two scrapes the request, submission, rule and delivery
// counters moved by exactly that; no label or value holds the example's patient name or INS.

#include <Poco/Net/HTTPClientSession.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "fhirgw/testsupport/source_tree.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::metrics_test {
namespace {

namespace fs = std::filesystem;

constexpr const char* kToken = "metrics-test-admin-token-0123456789";

/// The samples of a scrape as the Python parser read them: "name{k=v,...}" -> value.
struct Parsed {
  bool ok = false;
  std::string complaint;
  std::map<std::string, double> samples;
  /// The value of a sample, 0 when absent (a counter not yet moved).
  double operator[](const std::string& key) const {
    const auto it = samples.find(key);
    return it == samples.end() ? 0 : it->second;
  }
};

Parsed parseWithPrometheus(const TempDir& dir, const std::string& text) {
  static int n = 0;
  const fs::path file = dir.write("scrape-" + std::to_string(++n) + ".txt", text);
  const std::string command = "/usr/bin/python3 " +
                              sourcePath("tests/integration/metrics/parse_scrape.py").string() +
                              " " + file.string() + " 2>&1";
  Parsed parsed;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return parsed;
  std::string output;
  char buffer[4096];
  for (std::size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) {
    output.append(buffer, got);
  }
  const int status = ::pclose(pipe);
  parsed.ok = status == 0;
  if (!parsed.ok) {
    parsed.complaint = output;
    return parsed;
  }
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);) {
    const auto tab1 = line.find('\t');
    const auto tab2 = line.find('\t', tab1 + 1);
    if (tab1 == std::string::npos || tab2 == std::string::npos) continue;
    parsed.samples[line.substr(0, tab1) + "{" + line.substr(tab1 + 1, tab2 - tab1 - 1) + "}"] =
        std::stod(line.substr(tab2 + 1));
  }
  return parsed;
}

class MetricsProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const fs::path config = dir_.write("gateway.json", R"({
      "server": {"host": "127.0.0.1", "port": 0}, "admin": {"port": 0},
      "storage": {"dataDir": ")" + (dir_.path() / "data").string() +
                                                           R"("},
      "connectors": [{"id": "outbox", "type": "file",
        "routes": ["dmp", "treating-physician", "patient", "encounter"],
        "options": {"directory": ")" + (dir_.path() / "outbox").string() +
                                                           R"("}}]})");
    gateway_ = std::make_unique<GatewayProcess>(
        std::vector<std::string>{"--config", config},
        std::map<std::string, std::string>{{"FHIRGW_ADMIN_TOKEN", kToken}});
    ASSERT_TRUE(gateway_->waitUntilStarted()) << gateway_->output();
    gateway_->drainInBackground();
    const HttpResponse client =
        admin("POST", "/admin/v1/clients", R"({"name": "editor", "role": "editor"})");
    ASSERT_EQ(client.status, 201) << client.body;
    rapidjson::Document doc;
    doc.Parse(client.body.c_str());
    editorKey_ = doc["key"].GetString();
  }
  void TearDown() override {
    if (!gateway_) return;
    gateway_->signal(SIGTERM);
    EXPECT_EQ(gateway_->wait(), 0) << gateway_->output();
  }

  HttpResponse admin(const std::string& method, const std::string& path,
                     const std::string& body = {}, const std::string& token = kToken) {
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(gateway_->adminPort()));
    std::map<std::string, std::string> headers;
    if (!token.empty()) headers["Authorization"] = "Bearer " + token;
    return httpRequest(s, method, path, body, headers);
  }

  /// The full example with its own external id; without consent when refused.
  HttpResponse post(const std::string& externalId, bool refused) {
    std::string body = readExample("teleconsultation-full.json");
    const std::string base = "LGC-2026-000123";
    for (auto at = body.find(base); at != std::string::npos;
         at = body.find(base, at + externalId.size())) {
      body.replace(at, base.size(), externalId);
    }
    if (refused) {
      const std::string obtained = R"("obtained": true)";
      body.replace(body.find(obtained), obtained.size(), R"("obtained": false)");
    }
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(gateway_->apiPort()));
    return httpRequest(s, "POST", "/api/v1/teleconsultations", body,
                       {{"Authorization", "Bearer " + editorKey_}});
  }

  std::string scrape() {
    const HttpResponse r = admin("GET", "/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    return r.body;
  }

  TempDir dir_{"fhirgw-metrics"};
  std::unique_ptr<GatewayProcess> gateway_;
  std::string editorKey_;
};

TEST_F(MetricsProcessTest, TheScrapeParsesAndItsCountersMoveAsRequestsAndDeliveriesAreServed) {
  EXPECT_EQ(admin("GET", "/metrics", {}, "").status, 401);
  const std::string firstText = scrape();
  const Parsed first = parseWithPrometheus(dir_, firstText);
  ASSERT_TRUE(first.ok) << first.complaint << "\n" << firstText;

  const HttpResponse accepted = post("LGC-METRICS-1", /*refused=*/false);
  ASSERT_EQ(accepted.status, 201) << accepted.body;
  const HttpResponse refused = post("LGC-METRICS-2", /*refused=*/true);
  ASSERT_EQ(refused.status, 422) << refused.body;

  // Until every delivery of the accepted record is delivered (bounded).
  const std::string delivered =
      "fhirgw_delivery_attempts_total{connector=outbox,error_class=,outcome=delivered}";
  const std::string queued = "fhirgw_delivery_queue_depth{connector=outbox}";
  std::string secondText;
  Parsed second;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    secondText = scrape();
    second = parseWithPrometheus(dir_, secondText);
    ASSERT_TRUE(second.ok) << second.complaint << "\n" << secondText;
  } while ((second[delivered] == 0 || second[queued] != 0) &&
           std::chrono::steady_clock::now() < deadline);

  auto moved = [&](const std::string& key) { return second[key] - first[key]; };
  EXPECT_EQ(moved("fhirgw_http_requests_total{listener=api,method=POST,route=/api/v1/"
                  "teleconsultations,status=201}"),
            1);
  EXPECT_EQ(moved("fhirgw_http_requests_total{listener=api,method=POST,route=/api/v1/"
                  "teleconsultations,status=422}"),
            1);
  EXPECT_GE(moved("fhirgw_http_requests_total{listener=admin,method=GET,route=/metrics,status="
                  "200}"),
            1);
  EXPECT_EQ(moved("fhirgw_submissions_total{kind=teleconsultation,outcome=accepted}"), 1);
  EXPECT_EQ(moved("fhirgw_submissions_total{kind=teleconsultation,outcome=refused}"), 1);
  EXPECT_EQ(moved("fhirgw_rule_hits_total{rule=TLC-CONSENT,severity=error}"), 1);
  EXPECT_GE(moved(delivered), 1);
  EXPECT_EQ(second[queued], 0);
  const double deliveredNow = second["fhirgw_deliveries{connector=outbox,state=delivered}"];
  EXPECT_EQ(deliveredNow, second[delivered]);
  EXPECT_EQ(second["fhirgw_dead_letters_total{connector=outbox}"], 0);
  EXPECT_EQ(second["fhirgw_circuit_breaker_state{connector=outbox}"], 0);
  EXPECT_EQ(moved("fhirgw_http_request_duration_seconds_count{listener=api,route=/api/v1/"
                  "teleconsultations}"),
            2);
  EXPECT_GT(second["fhirgw_store_size_bytes{file=db}"], 0);
  EXPECT_GT(second["process_resident_memory_bytes{}"], 0);
  EXPECT_GT(second["process_open_fds{}"], 0);
  EXPECT_GT(second["process_start_time_seconds{}"], 0);

  // Nothing of the patient: not in a label, not anywhere.
  for (const char* secret : {"DURAND", "Marie", "279035121518989", "LGC-METRICS"}) {
    EXPECT_EQ(secondText.find(secret), std::string::npos) << secret;
  }
}

}  // namespace
}  // namespace fhirgw::testsupport::metrics_test
