// Two real fhir-gateway processes on one PostgreSQL database (issue 16): one editor posting
// through both at once, an Idempotency-Key and an externalId replayed by the other instance (and
// the same new record sent to both at once: one wins, the other replays it), a client's rate limit
// holding for both together, every delivery delivered exactly once while both are healthy, then
// one instance killed with SIGKILL while it is sending, and the other delivering everything it
// held once its leases have run out. The one connector, to a local HTTP sink that records every
// request it receives, is created through the first instance's admin API and used by both.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/json.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::two_instances_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using ::testing::IsEmpty;

constexpr const char* kToken = "two-instances-test-admin-token-0123456789";
// storage.deliveryLeaseMs of both instances. It outlasts the batch window (half of it) plus the
// connector's timeoutMs (kAttemptTimeout), as docs/configuration.md asks.
constexpr auto kLease = 6000ms;
constexpr auto kAttemptTimeout = 2000ms;
// How long the slowed sink holds each answer: the kill lands while both instances wait for one.
constexpr auto kHold = 800ms;
constexpr int kRecordsPerInstance = 10;

rapidjson::Document parsed(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str());
  if (doc.HasParseError()) doc.SetObject();
  return doc;
}

std::string str(const rapidjson::Value& v, const char* key) {
  return v.IsObject() && v.HasMember(key) && v[key].IsString() ? v[key].GetString() : "<absent>";
}

bool eventually(const std::function<bool()>& condition, Clock::duration patience) {
  const auto deadline = Clock::now() + patience;
  for (;;) {
    if (condition()) return true;
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(100ms);
  }
}

/// A schema of its own in the test PostgreSQL server's database (the ctest fixture `postgresql`
/// gives its url in FHIRGW_TEST_POSTGRESQL_URL), dropped at the end: the two gateways' store.
class Database {
 public:
  Database() {
    const char* url = std::getenv("FHIRGW_TEST_POSTGRESQL_URL");
    if (url == nullptr || *url == '\0') {
      problem_ =
          "FHIRGW_TEST_POSTGRESQL_URL is not set: this test needs the test PostgreSQL server; run "
          "it through ctest (fixture `postgresql`), or start tests/tools/pg-cluster.sh and export "
          "the url of tests/CMakeLists.txt";
      return;
    }
    serverUrl_ = url;
    schema_ = "two_" + common::hexEncode(common::randomBytes(6));
    problem_ = execute("CREATE SCHEMA " + schema_);
    created_ = problem_.empty();
  }
  ~Database() {
    if (created_) {
      (void)execute("SET client_min_messages TO warning; DROP SCHEMA " + schema_ + " CASCADE");
    }
  }
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  /// Empty when the schema is there.
  const std::string& problem() const { return problem_; }
  /// storage.url of both instances: the server's url with the schema as search_path.
  std::string url() const {
    return serverUrl_ + (serverUrl_.find('?') == std::string::npos ? "?" : "&") +
           "options=-c%20search_path%3D" + schema_;
  }

 private:
  // A short-lived libpq connection of its own (not the store's code); the error, or "".
  std::string execute(const std::string& sql) const {
    PGconn* conn = PQconnectdb(serverUrl_.c_str());
    std::string error;
    if (PQstatus(conn) != CONNECTION_OK) {
      error = PQerrorMessage(conn);
    } else {
      PGresult* result = PQexec(conn, sql.c_str());
      if (PQresultStatus(result) != PGRES_COMMAND_OK) error = PQresultErrorMessage(result);
      PQclear(result);
    }
    PQfinish(conn);
    return error;
  }

  std::string serverUrl_;
  std::string schema_;
  std::string problem_;
  bool created_ = false;
};

/// The endpoint of the fhir-rest instance both gateways deliver to: answers 200 to everything and
/// records the X-Request-ID (the delivery id) and arrival time of every request it receives,
/// answered or not. Slowed, it holds each answer for kHold.
class Sink {
 public:
  Sink() {
    std::signal(SIGPIPE, SIG_IGN);  // answers to a killed gateway must not kill the test
    Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
    port_ = socket.address().port();
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(8);
    params->setKeepAlive(true);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
    server_->start();
  }
  ~Sink() { server_->stopAll(true); }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  std::string baseUrl() const { return "http://127.0.0.1:" + std::to_string(port_) + "/fhir"; }
  void setSlow(bool slow) { slow_ = slow; }

  /// Waits until n requests are held at once.
  bool waitUntilHolding(std::size_t n, Clock::duration patience) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, patience, [&] { return held_.size() >= n; });
  }
  /// The delivery ids of the requests held now.
  std::set<std::string> held() const {
    std::lock_guard lock(mutex_);
    return {held_.begin(), held_.end()};
  }
  /// Every request received so far, by delivery id: their arrival times.
  std::map<std::string, std::vector<Clock::time_point>> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

 private:
  class Handler final : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(Sink& sink) : sink_(sink) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      try {
        std::string body(std::istreambuf_iterator<char>(request.stream()), {});
        const std::string id = request.get("X-Request-ID", "<none>");
        {
          std::lock_guard lock(sink_.mutex_);
          sink_.received_[id].push_back(Clock::now());
          if (sink_.slow_) sink_.held_.insert(id);
        }
        sink_.changed_.notify_all();
        bool held = false;
        {
          std::unique_lock lock(sink_.mutex_);
          if (sink_.held_.count(id) != 0) {
            held = true;
            lock.unlock();
            std::this_thread::sleep_for(kHold);
            lock.lock();
            // Left the held set before answering: a sender can only send its next request after
            // this answer, so two held at once are two senders.
            sink_.held_.erase(sink_.held_.find(id));
          }
        }
        if (held) sink_.changed_.notify_all();
        response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
        response.setContentType("application/fhir+json");
        response.send() << R"({"resourceType":"Bundle","type":"transaction-response"})";
      } catch (const std::exception&) {
        // The sender is gone (killed): its request is recorded all the same.
      }
    }

   private:
    Sink& sink_;
  };

  class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(Sink& sink) : sink_(sink) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(sink_);
    }

   private:
    Sink& sink_;
  };

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<Clock::time_point>> received_;
  std::multiset<std::string> held_;
  std::atomic<bool> slow_{false};
  int port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

/// The fhir-rest instance created through the admin API: every destination to the sink, one
/// worker (so two requests held at once are one from each gateway), plain HTTP on loopback.
std::string sinkConnector(const std::string& baseUrl) {
  return R"({"id": "sink", "type": "fhir-rest",
    "routes": ["dmp", "treating-physician", "patient", "encounter"], "workers": 1,
    "retry": {"initialDelayMs": 100, "maxDelayMs": 500},
    "options": {"baseUrl": ")" +
         baseUrl + R"(", "allowInsecureHttpForTesting": true,
      "allowedPrivateNetworks": ["127.0.0.0/8"], "validate": false,
      "connectTimeoutMs": 1000, "timeoutMs": )" +
         std::to_string(kAttemptTimeout.count()) + "}}";
}

/// One fhir-gateway process on the shared database, with its own instance id.
class Instance {
 public:
  Instance(const fs::path& dir, const std::string& id, const std::string& url,
           const fs::path& secretsKey) {
    const fs::path config = dir / (id + ".json");
    std::ofstream(config) << R"({"server": {"host": "127.0.0.1", "port": 0}, "admin": {"port": 0},
      "storage": {"dataDir": ")"
                          << (dir / id).string() << R"(", "url": ")" << url
                          << R"(", "instanceId": ")" << id << R"(", "deliveryLeaseMs": )"
                          << kLease.count() << R"(, "connectorSyncIntervalMs": 200},
      "secrets": {"keyFile": ")"
                          << secretsKey.string() << R"("}})";
    process_ = startGateway(config, kToken, started_);
  }

  bool started() const { return started_; }
  std::string output() const { return process_->output(); }

  HttpResponse admin(const std::string& method, const std::string& path,
                     const std::string& body = {}) const {
    Poco::Net::HTTPClientSession session("127.0.0.1",
                                         static_cast<Poco::UInt16>(process_->adminPort()));
    session.setTimeout(Poco::Timespan(30, 0));
    return httpRequest(session, method, path, body,
                       {{"Authorization", std::string("Bearer ") + kToken}});
  }

  HttpResponse post(const std::string& key, const std::string& body,
                    const std::map<std::string, std::string>& headers = {}) const {
    Poco::Net::HTTPClientSession session("127.0.0.1",
                                         static_cast<Poco::UInt16>(process_->apiPort()));
    session.setTimeout(Poco::Timespan(30, 0));
    std::map<std::string, std::string> all = headers;
    all["Authorization"] = "Bearer " + key;
    return httpRequest(session, "POST", "/api/v1/teleconsultations", body, all);
  }

  /// GET of an editor route with the key.
  HttpResponse get(const std::string& key, const std::string& path) const {
    Poco::Net::HTTPClientSession session("127.0.0.1",
                                         static_cast<Poco::UInt16>(process_->apiPort()));
    session.setTimeout(Poco::Timespan(30, 0));
    return httpRequest(session, "GET", path, "", {{"Authorization", "Bearer " + key}});
  }

  /// The deliveries of the sink this process has logged as delivered.
  int deliveredHere() const {
    int n = 0;
    const std::string out = output();
    std::size_t at = 0;
    while ((at = out.find("\"event\":\"connectors.delivered\"", at)) != std::string::npos) {
      const std::size_t end = out.find('\n', at);
      if (out.substr(at, end - at).find("\"connectorId\":\"sink\"") != std::string::npos) ++n;
      at = end;
    }
    return n;
  }

  void kill() {
    process_->signal(SIGKILL);
    process_->wait();
  }
  int stop() {
    process_->signal(SIGTERM);
    return process_->wait();
  }

 private:
  std::unique_ptr<GatewayProcess> process_;
  bool started_ = false;
};

/// What the editor was answered: every problem, and the sink deliveries of accepted records.
class Answers {
 public:
  /// Takes a 201 (its sink deliveries) or notes a problem.
  void take(const HttpResponse& r, const std::string& what) {
    std::lock_guard lock(mutex_);
    if (r.status != 201) {
      problems_.push_back(what + ": " + std::to_string(r.status) + " " + r.body.substr(0, 300));
      return;
    }
    const auto doc = parsed(r.body);
    if (!doc.HasMember("deliveries") || !doc["deliveries"].IsArray()) {
      problems_.push_back(what + ": no deliveries in " + r.body.substr(0, 300));
      return;
    }
    for (const auto& d : doc["deliveries"].GetArray()) {
      if (str(d, "connector") == "sink" && str(d, "status") == "pending") {
        deliveries_.insert(str(d, "id"));
      }
    }
  }
  std::vector<std::string> problems() const {
    std::lock_guard lock(mutex_);
    return problems_;
  }
  std::set<std::string> deliveries() const {
    std::lock_guard lock(mutex_);
    return deliveries_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> problems_;
  std::set<std::string> deliveries_;
};

/// The editor posts `count` new records through each instance at once (one thread each).
void ingestThroughBoth(const Instance& a, const Instance& b, const std::string& key,
                       const std::string& prefix, int count, Answers& answers) {
  auto load = [&](const Instance& instance, const std::string& name) {
    for (int i = 0; i < count; ++i) {
      const std::string externalId = prefix + "-" + name + "-" + std::to_string(i);
      answers.take(instance.post(key, fullExampleAs(externalId)), externalId);
    }
  };
  std::thread ta(load, std::cref(a), "A");
  std::thread tb(load, std::cref(b), "B");
  ta.join();
  tb.join();
}

/// The full example without any externalId: only an Idempotency-Key can make it a replay.
std::string withoutExternalIds(const std::string& externalId) {
  rapidjson::Document doc = parsed(fullExampleAs(externalId));
  doc.RemoveMember("externalId");
  for (auto& d : doc["documents"].GetArray()) d.RemoveMember("externalId");
  return common::toJsonString(doc);
}

/// The ids of the sink's deliveries in a state, through an instance's admin API.
std::set<std::string> deliveriesIn(const Instance& instance, const std::string& status) {
  const auto r =
      instance.admin("GET", "/admin/v1/deliveries?connector=sink&status=" + status + "&limit=1000");
  std::set<std::string> ids;
  const auto doc = parsed(r.body);
  if (r.status != 200 || !doc.IsArray()) return {"<the admin API answered " + r.body + ">"};
  for (const auto& d : doc.GetArray()) ids.insert(str(d, "id"));
  return ids;
}

class TwoGatewayInstances : public ::testing::TestWithParam<std::string> {};

std::string paramName(const ::testing::TestParamInfo<std::string>& param) { return param.param; }

TEST_P(TwoGatewayInstances, ShareIngestRepliesAndDeliveriesAndOneFinishesTheKilledOnesWork) {
  const auto testStart = Clock::now();
  Database db;
  ASSERT_THAT(db.problem(), IsEmpty());
  Sink sink;
  TempDir dir("fhirgw-two-instances");
  const fs::path secretsKey = dir.write(
      "secrets.key", common::base64Encode(common::randomBytes(32)) + "\n");  // the same for both
  Instance a(dir.path(), "gw-a", db.url(), secretsKey);
  ASSERT_TRUE(a.started()) << a.output();
  Instance b(dir.path(), "gw-b", db.url(), secretsKey);
  ASSERT_TRUE(b.started()) << b.output();

  // The editor and the sink's connector, both created through A's admin API; B runs the
  // connector within storage.connectorSyncIntervalMs.
  const auto editor = a.admin("POST", "/admin/v1/clients", R"({"name":"editor","role":"editor"})");
  ASSERT_EQ(editor.status, 201) << editor.body;
  const std::string key = str(parsed(editor.body), "key");
  const auto created = a.admin("POST", "/admin/v1/connectors", sinkConnector(sink.baseUrl()));
  ASSERT_EQ(created.status, 201) << created.body;
  ASSERT_TRUE(
      eventually([&] { return b.admin("GET", "/admin/v1/connectors/sink").status == 200; }, 20s))
      << b.output();

  // 1. One editor posting through both instances at once: every record accepted.
  Answers answers;
  ingestThroughBoth(a, b, key, "TWO-1", kRecordsPerInstance, answers);
  EXPECT_THAT(answers.problems(), IsEmpty());
  ASSERT_GE(answers.deliveries().size(), std::size_t{2 * kRecordsPerInstance});

  // 2. Replays answered by the other instance, from the store.
  // An Idempotency-Key (a body without externalId): sent to A, replayed to B.
  const std::string keyed = withoutExternalIds("TWO-KEYED");
  const auto first = a.post(key, keyed, {{"Idempotency-Key", "two-instances-key-1"}});
  answers.take(first, "keyed");
  const auto replayed = b.post(key, keyed, {{"Idempotency-Key", "two-instances-key-1"}});
  EXPECT_EQ(replayed.status, first.status);
  EXPECT_EQ(replayed.body, first.body);
  EXPECT_EQ(replayed.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(first.header("Idempotent-Replayed"), "");
  // The same key with another body: 409 there too.
  rapidjson::Document otherKeyed = parsed(keyed);
  otherKeyed["billing"]["amount"].SetString("30.00");
  EXPECT_EQ(
      b.post(key, common::toJsonString(otherKeyed), {{"Idempotency-Key", "two-instances-key-1"}})
          .status,
      409);
  // An externalId: created on B, replayed by A; another body under it is a conflict on A.
  const std::string named = fullExampleAs("TWO-NAMED");
  const auto createdOnB = b.post(key, named);
  answers.take(createdOnB, "named");
  const auto replayedOnA = a.post(key, named);
  EXPECT_EQ(replayedOnA.status, 201);
  EXPECT_EQ(replayedOnA.body, createdOnB.body);
  EXPECT_EQ(replayedOnA.header("Idempotent-Replayed"), "true");
  rapidjson::Document changed = parsed(named);
  changed["billing"]["amount"].SetString("30.00");
  EXPECT_EQ(a.post(key, common::toJsonString(changed)).status, 409);
  // The same new record sent to both at the same moment: the store's unique constraint picks
  // one, the other instance answers with the winner's answer.
  for (int i = 0; i < 3; ++i) {
    const std::string twin = fullExampleAs("TWO-RACE-" + std::to_string(i));
    HttpResponse toA;
    HttpResponse toB;
    std::thread ta([&] { toA = a.post(key, twin); });
    std::thread tb([&] { toB = b.post(key, twin); });
    ta.join();
    tb.join();
    EXPECT_EQ(toA.status, 201) << toA.body;
    EXPECT_EQ(toB.status, 201) << toB.body;
    EXPECT_EQ(toA.body, toB.body);
    EXPECT_EQ(int{toA.header("Idempotent-Replayed") == "true"} +
                  int{toB.header("Idempotent-Replayed") == "true"},
              1)
        << "race " << i;
    answers.take(toA, "race");
  }
  EXPECT_THAT(answers.problems(), IsEmpty());

  // A client's rate limit holds for both instances together: 4 requests a minute, taken 2 on
  // each, then refused on either with the wait until the budget they share has room again.
  const auto limited =
      a.admin("POST", "/admin/v1/clients", R"({"name":"limited","role":"editor","rateLimit":4})");
  ASSERT_EQ(limited.status, 201) << limited.body;
  const std::string limitedKey = str(parsed(limited.body), "key");
  for (const Instance* on : {&a, &b, &a, &b}) {
    EXPECT_EQ(on->get(limitedKey, "/api/v1/rules").status, 200);
  }
  for (const Instance* on : {&b, &a}) {
    const auto refused = on->get(limitedKey, "/api/v1/rules");
    EXPECT_EQ(refused.status, 429) << refused.body;
    EXPECT_FALSE(refused.header("Retry-After").empty());
  }

  // 3. Both healthy: every delivery delivered, each received once by the sink, and both
  // instances delivered some through the connector created on A.
  const std::set<std::string> healthy = answers.deliveries();
  ASSERT_TRUE(eventually([&] { return deliveriesIn(b, "delivered") == healthy; }, 60s))
      << "delivered " << deliveriesIn(b, "delivered").size() << " of " << healthy.size();
  {
    const auto received = sink.received();
    EXPECT_EQ(received.size(), healthy.size());
    for (const auto& id : healthy) {
      const auto it = received.find(id);
      EXPECT_EQ(it == received.end() ? 0 : it->second.size(), 1u) << id;
    }
  }
  // (A delivery is logged just after it is recorded.)
  EXPECT_TRUE(eventually(
      [&] {
        return static_cast<std::size_t>(a.deliveredHere() + b.deliveredHere()) == healthy.size();
      },
      10s));
  const int deliveredByA = a.deliveredHere();
  const int deliveredByB = b.deliveredHere();
  EXPECT_GT(deliveredByA, 0);
  EXPECT_GT(deliveredByB, 0);

  // 4. The sink slows down; once each instance waits for one of its answers, A is killed.
  sink.setSlow(true);
  ingestThroughBoth(a, b, key, "TWO-2", 4, answers);
  EXPECT_THAT(answers.problems(), IsEmpty());
  ASSERT_TRUE(sink.waitUntilHolding(2, 30s)) << "both instances never sent at once";
  const std::set<std::string> heldAtKill = sink.held();
  a.kill();
  sink.setSlow(false);
  const auto killedAt = Clock::now();

  // B delivers everything, A's unfinished claims once their lease has run out.
  const std::set<std::string> all = answers.deliveries();
  ASSERT_TRUE(eventually([&] { return deliveriesIn(b, "delivered") == all; }, 60s))
      << "delivered " << deliveriesIn(b, "delivered").size() << " of " << all.size() << "\n"
      << b.output();
  const auto finishedAt = Clock::now();

  // Exactly once, but for the deliveries A had claimed and not recorded at the kill: those carry
  // an interrupted attempt and may reach the sink twice (at least once, as documented).
  const auto received = sink.received();
  std::set<std::string> interrupted;
  for (const auto& id : all) {
    const auto d = parsed(b.admin("GET", "/admin/v1/deliveries/" + id).body);
    ASSERT_EQ(str(d, "status"), "delivered") << id;
    int delivered = 0;
    int cut = 0;
    for (const auto& attempt : d["attemptLog"].GetArray()) {
      delivered += str(attempt, "outcome") == "delivered" ? 1 : 0;
      cut += str(attempt, "outcome") == "interrupted" ? 1 : 0;
    }
    EXPECT_EQ(delivered, 1) << id;
    EXPECT_LE(cut, 1) << id;
    const auto it = received.find(id);
    const std::size_t times = it == received.end() ? 0 : it->second.size();
    if (cut == 0) {
      EXPECT_EQ(times, 1u) << id << " was sent more than once while its claim held";
    } else {
      interrupted.insert(id);
      EXPECT_GE(times, 1u) << id;
      EXPECT_LE(times, 2u) << id;
    }
  }
  // The request A was waiting for at the kill is one of them: sent again by B, not before the
  // claim ran out (it was made at most half a lease before that request).
  std::vector<std::string> cutAtKill;
  std::set_intersection(heldAtKill.begin(), heldAtKill.end(), interrupted.begin(),
                        interrupted.end(), std::back_inserter(cutAtKill));
  ASSERT_EQ(cutAtKill.size(), 1u) << "held at the kill: " << heldAtKill.size()
                                  << ", interrupted: " << interrupted.size();
  const auto& times = received.at(cutAtKill.front());
  ASSERT_EQ(times.size(), 2u);
  EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(times[1] - times[0]).count(),
            std::chrono::milliseconds(kLease / 2 - 1s).count());
  // Nothing left anywhere else.
  for (const char* state : {"pending", "in-flight", "failed", "dead"}) {
    EXPECT_THAT(deliveriesIn(b, state), IsEmpty()) << state;
  }
  EXPECT_EQ(b.stop(), 0);

  const auto seconds = [](Clock::duration d) { return std::chrono::duration<double>(d).count(); };
  std::cout << "deliveries: " << all.size() << " (while healthy: " << healthy.size() << ", by A "
            << deliveredByA << ", by B " << deliveredByB
            << "); interrupted by the kill: " << interrupted.size() << "; B finished A's work "
            << seconds(finishedAt - killedAt) << " s after the kill; whole test "
            << seconds(Clock::now() - testStart) << " s\n";
}

// The name ends in /Postgresql: ctest gives it the `postgresql` fixture and its url.
INSTANTIATE_TEST_SUITE_P(, TwoGatewayInstances, ::testing::Values(std::string("Postgresql")),
                         paramName);

}  // namespace
}  // namespace fhirgw::testsupport::two_instances_test
