// The listeners under hostile clients, through the real server on port 0: idle and slowloris
// floods (issue 8, finding 2), connection caps, HTTP framing answers (finding 8), deadlines,
// keep-alive and pipelining, and a slow TLS client.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "fhirgw/common/json.hpp"
#include "fhirgw/gateway/gateway_server.hpp"
#include "fhirgw/testsupport/http_client.hpp"
#include "fhirgw/testsupport/test_pki.hpp"

namespace fhirgw::gateway {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kDeadline{2000};
// Deadlines are enforced by a 50 ms watchdog; the rest is scheduling on a loaded 2-core machine.
constexpr milliseconds kMargin{1500};

void raiseOpenFileLimit() {
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = limit.rlim_max;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &limit), 0);
}

class Environment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::signal(SIGPIPE, SIG_IGN);  // writes to connections the server cut must not kill us
    Poco::Net::initializeSSL();
  }
  void TearDown() override { Poco::Net::uninitializeSSL(); }
};
const auto* const kEnvironment = ::testing::AddGlobalTestEnvironment(new Environment);

GatewayConfig limitsConfig() {
  GatewayConfig c;
  c.server.host = "0.0.0.0";  // reachable from 127.0.0.2 ... 127.0.0.60
  c.server.port = 0;
  c.server.headerTimeout = kDeadline;
  c.server.bodyTimeout = kDeadline;
  c.server.keepAliveTimeout = kDeadline;
  c.admin.listener.host = "127.0.0.1";
  c.admin.listener.port = 0;
  c.shutdownGrace = milliseconds(2000);
  return c;
}

/// A raw TCP client socket, optionally bound to a loopback source address.
class RawClient {
 public:
  RawClient(std::uint16_t port, const std::string& source = "127.0.0.1") {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in from{};
    from.sin_family = AF_INET;
    ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0;
    connectedAt_ = Clock::now();
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  RawClient(RawClient&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)), connected_(o.connected_), connectedAt_(o.connectedAt_) {}

  bool connected() const { return connected_; }
  int fd() const { return fd_; }
  Clock::time_point connectedAt() const { return connectedAt_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  bool send(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<std::size_t>(n);
    }
    return true;
  }

  /// Reads until the server closes (EOF or reset) or the timeout; closed tells which.
  std::string readUntilClosed(milliseconds timeout, bool* closed = nullptr) {
    std::string out = std::exchange(pending_, {});
    const auto until = Clock::now() + timeout;
    bool done = false;
    while (!done && Clock::now() < until) {
      pollfd p{fd_, POLLIN, 0};
      const auto left = std::chrono::duration_cast<milliseconds>(until - Clock::now()).count();
      if (::poll(&p, 1, static_cast<int>(std::max<long long>(left, 0))) <= 0) continue;
      char buf[8192];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        out.append(buf, static_cast<std::size_t>(n));
      } else {
        done = true;
      }
    }
    if (closed != nullptr) *closed = done;
    return out;
  }

  /// Reads one complete response (head + Content-Length body); "" on timeout or close.
  std::string readResponse(milliseconds timeout) {
    const auto until = Clock::now() + timeout;
    while (Clock::now() < until) {
      const auto end = pending_.find("\r\n\r\n");
      if (end != std::string::npos) {
        std::size_t length = 0;
        const auto cl = pending_.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) length = std::stoul(pending_.substr(cl + 16));
        if (pending_.size() >= end + 4 + length) {
          std::string one = pending_.substr(0, end + 4 + length);
          pending_.erase(0, end + 4 + length);
          return one;
        }
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char buf[8192];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) return {};
      pending_.append(buf, static_cast<std::size_t>(n));
    }
    return {};
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  Clock::time_point connectedAt_;
  std::string pending_;
};

std::string loopbackAddress(int i) { return "127.0.0." + std::to_string(2 + (i % 59)); }

/// Polls until pred() or timeout; true when pred() held.
template <typename Pred>
bool awaitCondition(Pred pred, milliseconds timeout) {
  const auto until = Clock::now() + timeout;
  while (Clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return pred();
}

int statusOf(const std::string& response) {
  if (response.rfind("HTTP/1.1 ", 0) != 0 || response.size() < 12) return 0;
  return std::stoi(response.substr(9, 3));
}

std::string bodyOf(const std::string& response) {
  const auto end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

void expectOutcomeAnswer(const std::string& response, int status) {
  EXPECT_EQ(statusOf(response), status) << response.substr(0, 300);
  EXPECT_NE(response.find("Connection: close"), std::string::npos) << response.substr(0, 300);
  EXPECT_NE(response.find("X-Request-ID: "), std::string::npos);
  EXPECT_NE(response.find("Content-Type: application/fhir+json"), std::string::npos);
  auto doc = common::parseJson(bodyOf(response));
  ASSERT_TRUE(doc.hasValue()) << response;
  EXPECT_STREQ(doc->root()["resourceType"].GetString(), "OperationOutcome");
}

class ListenerLimitsTest : public ::testing::Test {
 protected:
  void start(GatewayConfig c = limitsConfig()) {
    server_ = std::make_unique<GatewayServer>(std::move(c), GatewayServer::Dependencies{});
    ASSERT_TRUE(server_->start().isOk());
  }
  void TearDown() override {
    if (server_) server_->stop();
  }

  /// A normal request on the API listener (no route: 404 through the whole request path).
  testsupport::HttpResponse apiGet(milliseconds timeout) {
    Poco::Net::HTTPClientSession s("127.0.0.1", server_->apiPort());
    s.setTimeout(Poco::Timespan(timeout.count() * 1000));
    return testsupport::httpRequest(s, "GET", "/no-route");
  }
  testsupport::HttpResponse adminLive(milliseconds timeout) {
    Poco::Net::HTTPClientSession s("127.0.0.1", server_->adminPort());
    s.setTimeout(Poco::Timespan(timeout.count() * 1000));
    return testsupport::httpRequest(s, "GET", "/health/live");
  }

  std::unique_ptr<GatewayServer> server_;
};

// --- the DoS test of issue 8 --------------------------------------------------------------------

TEST_F(ListenerLimitsTest, IdleAndSlowlorisFloodLeavesApiAndAdminAnsweringAndIsCutByDeadlines) {
  raiseOpenFileLimit();
  start();
  const std::uint16_t port = server_->apiPort();
  constexpr int kIdle = 500;
  constexpr int kSlow = 50;
  std::vector<RawClient> attackers;
  attackers.reserve(kIdle + kSlow);
  for (int i = 0; i < kIdle + kSlow; ++i) {
    attackers.emplace_back(port, loopbackAddress(i));
    ASSERT_TRUE(attackers.back().connected()) << i << ": " << std::strerror(errno);
  }
  // Slowloris: one header byte per second on each of the last 50 connections.
  std::atomic<bool> attacking{true};
  std::thread slowloris([&] {
    const std::string head = "GET / HTTP/1.1\r\nHost: gw\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    for (std::size_t k = 0; attacking.load() && k < head.size(); ++k) {
      for (int i = kIdle; i < kIdle + kSlow; ++i) {
        ::send(attackers[static_cast<std::size_t>(i)].fd(), &head[k], 1,
               MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      for (int t = 0; t < 20 && attacking.load(); ++t)
        std::this_thread::sleep_for(milliseconds(50));
    }
  });
  ASSERT_TRUE(awaitCondition(
      [&] { return server_->apiOpenConnections() >= static_cast<std::size_t>(kIdle + kSlow); },
      milliseconds(1500)))
      << server_->apiOpenConnections();

  // Under the flood (every attacker connection open), normal requests are answered at once.
  for (int probe = 0; probe < 3; ++probe) {
    EXPECT_GE(server_->apiOpenConnections(), static_cast<std::size_t>(kIdle + kSlow));
    auto t0 = Clock::now();
    auto api = apiGet(milliseconds(2000));
    const auto apiTime = Clock::now() - t0;
    EXPECT_EQ(api.status, 404);
    EXPECT_LT(apiTime, milliseconds(2000));
    t0 = Clock::now();
    auto live = adminLive(milliseconds(1000));
    const auto adminTime = Clock::now() - t0;
    EXPECT_EQ(live.status, 200);
    EXPECT_LT(adminTime, milliseconds(1000));
  }

  // Every attacker connection is cut by its head deadline (from accept), not before it.
  std::vector<Clock::time_point> cutAt(attackers.size());
  std::vector<pollfd> fds;
  for (auto& a : attackers) fds.push_back(pollfd{a.fd(), POLLIN, 0});
  std::size_t open = attackers.size();
  const auto until = Clock::now() + kDeadline + kMargin + milliseconds(1000);
  while (open > 0 && Clock::now() < until) {
    if (::poll(fds.data(), fds.size(), 50) <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      char buf[512];
      if (::recv(fds[i].fd, buf, sizeof buf, MSG_DONTWAIT) <= 0) {
        cutAt[i] = Clock::now();
        fds[i].fd = -1;
        --open;
      }
    }
  }
  attacking.store(false);
  slowloris.join();
  EXPECT_EQ(open, 0U) << "attacker connections still open after deadline + margin";
  for (std::size_t i = 0; i < attackers.size(); ++i) {
    if (fds[i].fd >= 0) continue;
    const auto lived = cutAt[i] - attackers[i].connectedAt();
    EXPECT_GE(lived, kDeadline - milliseconds(100)) << "connection " << i << " cut early";
    EXPECT_LE(lived, kDeadline + kMargin) << "connection " << i << " cut late";
  }
  EXPECT_TRUE(awaitCondition([&] { return server_->apiOpenConnections() == 0; }, kMargin));
  // And the listener still serves afterwards.
  EXPECT_EQ(apiGet(milliseconds(2000)).status, 404);
}

// --- caps ---------------------------------------------------------------------------------------

TEST_F(ListenerLimitsTest, PerPeerCapRefusesTheNextConnectionWith503AndOthersStillGetIn) {
  GatewayConfig c = limitsConfig();
  c.server.maxConnectionsPerPeer = 4;
  start(c);
  std::vector<RawClient> held;
  for (int i = 0; i < 4; ++i) {
    held.emplace_back(server_->apiPort(), "127.0.0.7");
    ASSERT_TRUE(held.back().connected());
  }
  ASSERT_TRUE(
      awaitCondition([&] { return server_->apiOpenConnections() == 4; }, milliseconds(1000)));
  RawClient refused(server_->apiPort(), "127.0.0.7");
  bool closed = false;
  const std::string answer = refused.readUntilClosed(milliseconds(1000), &closed);
  expectOutcomeAnswer(answer, 503);
  EXPECT_NE(answer.find("Retry-After: "), std::string::npos);
  EXPECT_TRUE(closed);
  // Another address is not affected.
  RawClient other(server_->apiPort(), "127.0.0.8");
  ASSERT_TRUE(other.send("GET /x HTTP/1.1\r\nHost: gw\r\n\r\n"));
  EXPECT_EQ(statusOf(other.readResponse(milliseconds(1000))), 404);
}

TEST_F(ListenerLimitsTest, FullTableEvictsTheConnectionThatWaitedLongestForARequest) {
  GatewayConfig c = limitsConfig();
  c.server.maxConnections = 6;
  start(c);
  std::vector<RawClient> held;
  for (int i = 0; i < 6; ++i) {
    held.emplace_back(server_->apiPort(), loopbackAddress(i));
    ASSERT_TRUE(held.back().connected());
    // Accepted one after the other, so that the first one is the oldest.
    ASSERT_TRUE(awaitCondition(
        [&] { return server_->apiOpenConnections() == static_cast<std::size_t>(i + 1); },
        milliseconds(1000)));
  }
  RawClient newcomer(server_->apiPort(), "127.0.0.50");
  ASSERT_TRUE(newcomer.send("GET /x HTTP/1.1\r\nHost: gw\r\n\r\n"));
  EXPECT_EQ(statusOf(newcomer.readResponse(milliseconds(1000))), 404);
  bool closed = false;
  EXPECT_EQ(held[0].readUntilClosed(milliseconds(1000), &closed), "");
  EXPECT_TRUE(closed) << "the oldest waiting connection makes room";
  for (std::size_t i = 1; i < held.size(); ++i) {
    held[i].readUntilClosed(milliseconds(50), &closed);
    EXPECT_FALSE(closed) << i;
  }
  EXPECT_EQ(server_->apiOpenConnections(), 6U);
}

TEST_F(ListenerLimitsTest, FullTableOfRequestsInProgressRefusesWith503) {
  GatewayConfig c = limitsConfig();
  c.server.maxConnections = 3;
  c.server.bodyTimeout = milliseconds(10000);
  start(c);
  std::vector<RawClient> busy;
  for (int i = 0; i < 3; ++i) {
    busy.emplace_back(server_->apiPort(), loopbackAddress(i));
    ASSERT_TRUE(busy.back().send(
        "POST /x HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 10\r\n\r\n"));
    // 100 Continue comes from the worker: the connection is inside a request.
    const std::string interim = busy.back().readResponse(milliseconds(1000));
    ASSERT_EQ(interim.rfind("HTTP/1.1 100", 0), 0U) << interim;
  }
  RawClient refused(server_->apiPort(), "127.0.0.50");
  bool closed = false;
  const std::string answer = refused.readUntilClosed(milliseconds(1000), &closed);
  expectOutcomeAnswer(answer, 503);
  EXPECT_NE(answer.find("Retry-After: 1"), std::string::npos);
  EXPECT_TRUE(closed);
  // The requests in progress were not disturbed.
  for (auto& b : busy) {
    ASSERT_TRUE(b.send("0123456789"));
    EXPECT_EQ(statusOf(b.readResponse(milliseconds(1000))), 404);
  }
}

TEST_F(ListenerLimitsTest, AdminListenerHasItsOwnCap) {
  GatewayConfig c = limitsConfig();
  c.server.maxConnections = 2;
  start(c);
  RawClient a(server_->apiPort()), b(server_->apiPort());
  ASSERT_TRUE(
      awaitCondition([&] { return server_->apiOpenConnections() == 2; }, milliseconds(1000)));
  EXPECT_EQ(adminLive(milliseconds(1000)).status, 200);
}

// --- framing ------------------------------------------------------------------------------------

struct FramingCase {
  const char* name;
  std::string request;
  int status;
};

TEST_F(ListenerLimitsTest, EveryFramingFaultIsAnsweredWithAnOutcomeAndTheConnectionClosed) {
  start();
  std::string manyHeaders;
  for (int i = 0; i < 101; ++i) manyHeaders += "X-H" + std::to_string(i) + ": v\r\n";
  const std::string post = "POST /api/v1/teleconsultations HTTP/1.1\r\nHost: gw\r\n";
  const std::vector<FramingCase> cases = {
      {"two Content-Length values", post + "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400},
      {"Content-Length with chunked",
       post + "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
      {"non-numeric Content-Length", post + "Content-Length: abc\r\n\r\n", 400},
      {"negative Content-Length", post + "Content-Length: -1\r\n\r\n", 400},
      {"overflowing Content-Length", post + "Content-Length: 99999999999999999999\r\n\r\n", 400},
      {"gzip transfer coding", post + "Transfer-Encoding: gzip\r\n\r\n", 501},
      {"obs-fold", "GET /x HTTP/1.1\r\nHost: gw\r\nX-A: a\r\n b\r\n\r\n", 400},
      {"bare CR", "GET /x HTTP/1.1\r\nHost: gw\r\nX-A: a\rb\r\n\r\n", 400},
      {"NUL in a name", std::string("GET /x HTTP/1.1\r\nHost: gw\r\nX\0A: b\r\n\r\n", 37), 400},
      {"100 KB request line",
       "GET /" + std::string(100 * 1024, 'a') + " HTTP/1.1\r\nHost: gw\r\n\r\n", 414},
      {"oversized header section",
       "GET /x HTTP/1.1\r\nHost: gw\r\nX-Big: " + std::string(40 * 1024, 'b') + "\r\n\r\n", 431},
      {"101 header fields", "GET /x HTTP/1.1\r\nHost: gw\r\n" + manyHeaders + "\r\n", 431},
      {"HTTP/2 preface on HTTP/1", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505},
  };
  for (const auto& fc : cases) {
    SCOPED_TRACE(fc.name);
    RawClient client(server_->apiPort());
    ASSERT_TRUE(client.send(fc.request));
    bool closed = false;
    const std::string answer = client.readUntilClosed(milliseconds(3000), &closed);
    expectOutcomeAnswer(answer, fc.status);
    EXPECT_TRUE(closed);
  }
  // The listener is unharmed.
  EXPECT_EQ(apiGet(milliseconds(2000)).status, 404);
}

// --- deadlines ----------------------------------------------------------------------------------

TEST_F(ListenerLimitsTest, SlowBodyIsCutAtTheBodyDeadline) {
  start();
  RawClient client(server_->apiPort());
  ASSERT_TRUE(client.send("POST /x HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\n0123456789"));
  const auto sent = Clock::now();
  bool closed = false;
  client.readUntilClosed(kDeadline + kMargin + milliseconds(1000), &closed);
  const auto lived = Clock::now() - sent;
  EXPECT_TRUE(closed);
  EXPECT_GE(lived, kDeadline - milliseconds(100));
  EXPECT_LE(lived, kDeadline + kMargin);
}

TEST_F(ListenerLimitsTest, SlowBodyDrippedByteByByteIsStillCutAtTheBodyDeadline) {
  start();
  RawClient client(server_->apiPort());
  ASSERT_TRUE(client.send("POST /x HTTP/1.1\r\nHost: gw\r\nContent-Length: 100\r\n\r\n"));
  const auto sent = Clock::now();
  // One byte every 200 ms: each read succeeds, so only a total deadline can end it.
  bool closed = false;
  while (!closed && Clock::now() - sent < kDeadline + kMargin + milliseconds(1000)) {
    client.send("x");
    client.readUntilClosed(milliseconds(200), &closed);
  }
  const auto lived = Clock::now() - sent;
  EXPECT_TRUE(closed);
  EXPECT_GE(lived, kDeadline - milliseconds(100));
  EXPECT_LE(lived, kDeadline + kMargin);
}

TEST_F(ListenerLimitsTest, IdleKeepAliveConnectionIsClosedAfterTheKeepAliveTimeout) {
  start();
  RawClient client(server_->apiPort());
  ASSERT_TRUE(client.send("GET /x HTTP/1.1\r\nHost: gw\r\n\r\n"));
  ASSERT_EQ(statusOf(client.readResponse(milliseconds(1000))), 404);
  const auto answered = Clock::now();
  bool closed = false;
  client.readUntilClosed(kDeadline + kMargin + milliseconds(1000), &closed);
  const auto idle = Clock::now() - answered;
  EXPECT_TRUE(closed);
  EXPECT_GE(idle, kDeadline - milliseconds(100));
  EXPECT_LE(idle, kDeadline + kMargin);
}

// --- keep-alive and pipelining ------------------------------------------------------------------

TEST_F(ListenerLimitsTest, SeveralRequestsShareOneKeptAliveConnection) {
  start();
  RawClient client(server_->apiPort());
  for (int i = 0; i < 5; ++i) {
    const std::string id = "ka-" + std::to_string(i);
    ASSERT_TRUE(client.send("GET /x HTTP/1.1\r\nHost: gw\r\nX-Request-ID: " + id + "\r\n\r\n"));
    const std::string answer = client.readResponse(milliseconds(1000));
    EXPECT_EQ(statusOf(answer), 404) << i;
    EXPECT_NE(answer.find("X-Request-ID: " + id), std::string::npos) << answer;
    EXPECT_EQ(answer.find("Connection: close"), std::string::npos) << answer;
  }
  EXPECT_EQ(server_->apiOpenConnections(), 1U);
}

TEST_F(ListenerLimitsTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  RawClient client(server_->apiPort());
  std::string batch;
  for (int i = 0; i < 4; ++i) {
    batch += "POST /x HTTP/1.1\r\nHost: gw\r\nX-Request-ID: pipe-" + std::to_string(i) +
             "\r\nContent-Length: 2\r\n\r\n{}";
  }
  ASSERT_TRUE(client.send(batch));
  for (int i = 0; i < 4; ++i) {
    const std::string answer = client.readResponse(milliseconds(2000));
    EXPECT_EQ(statusOf(answer), 404) << i;
    EXPECT_NE(answer.find("X-Request-ID: pipe-" + std::to_string(i)), std::string::npos) << answer;
  }
}

TEST_F(ListenerLimitsTest, PipelinedRequestWithBadFramingIsRefused) {
  start();
  RawClient client(server_->apiPort());
  ASSERT_TRUE(client.send(
      "GET /x HTTP/1.1\r\nHost: gw\r\n\r\n"
      "POST /x HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"));
  EXPECT_EQ(statusOf(client.readResponse(milliseconds(1000))), 404);
  bool closed = false;
  expectOutcomeAnswer(client.readUntilClosed(milliseconds(2000), &closed), 400);
  EXPECT_TRUE(closed);
}

// --- TLS ----------------------------------------------------------------------------------------

class TlsLimitsTest : public ListenerLimitsTest {
 protected:
  void startTls() {
    GatewayConfig c = limitsConfig();
    TlsConfig tls;
    const auto pki = testsupport::testPkiDir();
    tls.certificateFile = (pki / "server.pem").string();
    tls.privateKeyFile = (pki / "server.key").string();
    tls.caFile = (pki / "ca.pem").string();
    c.server.tls = tls;
    start(c);
  }
};

TEST_F(TlsLimitsTest, KeptAliveTlsConnectionServesSeveralRequests) {
  startTls();
  Poco::Net::HTTPSClientSession s("localhost", server_->apiPort(), testsupport::clientContext());
  s.setKeepAlive(true);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(testsupport::httpRequest(s, "GET", "/x").status, 404);
  EXPECT_EQ(server_->apiOpenConnections(), 1U);
}

TEST_F(TlsLimitsTest, TlsClientSilentBeforeTheHandshakeIsCutAtTheHeadDeadline) {
  startTls();
  RawClient client(server_->apiPort());
  ASSERT_TRUE(client.send("\x16\x03\x01"));  // the start of a ClientHello, then nothing
  bool closed = false;
  client.readUntilClosed(kDeadline + kMargin + milliseconds(1000), &closed);
  const auto lived = Clock::now() - client.connectedAt();
  EXPECT_TRUE(closed);
  EXPECT_GE(lived, kDeadline - milliseconds(100));
  EXPECT_LE(lived, kDeadline + kMargin);
}

TEST_F(TlsLimitsTest, TlsClientSilentAfterTheHandshakeIsCutAtTheHeadDeadline) {
  startTls();
  Poco::Net::SecureStreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", server_->apiPort()),
                                       "localhost", testsupport::clientContext());
  const auto connected = Clock::now();
  socket.setReceiveTimeout(Poco::Timespan(5, 0));
  const std::string partial = "GET /x HTTP/1.1\r\nHost: gw\r\n";  // the head never ends
  socket.sendBytes(partial.data(), static_cast<int>(partial.size()));
  char buf[256];
  int n = 1;
  try {
    n = socket.receiveBytes(buf, sizeof buf);
  } catch (const Poco::Exception&) {
    n = 0;  // reset by the server
  }
  const auto lived = Clock::now() - connected;
  EXPECT_EQ(n, 0);
  EXPECT_GE(lived, kDeadline - milliseconds(300));
  EXPECT_LE(lived, kDeadline + kMargin);
  // The worker is free again and the listener answers.
  Poco::Net::HTTPSClientSession s("localhost", server_->apiPort(), testsupport::clientContext());
  EXPECT_EQ(testsupport::httpRequest(s, "GET", "/x").status, 404);
}

TEST_F(TlsLimitsTest, TlsFramingFaultIsAnsweredWithAnOutcome) {
  startTls();
  Poco::Net::SecureStreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", server_->apiPort()),
                                       "localhost", testsupport::clientContext());
  socket.setReceiveTimeout(Poco::Timespan(3, 0));
  const std::string bad =
      "POST /x HTTP/1.1\r\nHost: gw\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}";
  socket.sendBytes(bad.data(), static_cast<int>(bad.size()));
  std::string answer;
  char buf[4096];
  try {
    int n = 0;
    while ((n = socket.receiveBytes(buf, sizeof buf)) > 0)
      answer.append(buf, static_cast<std::size_t>(n));
  } catch (const Poco::Exception&) {
  }
  expectOutcomeAnswer(answer, 400);
}

}  // namespace
}  // namespace fhirgw::gateway
