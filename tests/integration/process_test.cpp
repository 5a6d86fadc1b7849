// The real fhir-gateway binary as a child process: configuration errors exit 78 naming the key,
// the server starts on port 0, and SIGTERM drains an in-flight request and exits 0.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <csignal>
#include <sstream>
#include <thread>

#include "fhirgw/common/json.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::process_test {
namespace {

constexpr int kExitConfig = 78;

std::string writeFile(const TempDir& dir, const std::string& name, const std::string& text) {
  return dir.write(name, text).string();
}

std::vector<std::string> localPorts(const TempDir& dir) {
  return {"--set", "server.host=127.0.0.1",
          "--set", "server.port=0",
          "--set", "admin.port=0",
          "--set", "storage.dataDir=" + (dir.path() / "data").string()};
}

TEST(GatewayProcess, UnknownKeyInConfigFileExits78NamingTheKey) {
  TempDir dir;
  const auto file = writeFile(dir, "bad.json", R"({"server": {"port": 8080, "prot": 1}})");
  GatewayProcess p({"--config", file});
  EXPECT_EQ(p.wait(), kExitConfig);
  EXPECT_NE(p.output().find("server.prot"), std::string::npos) << p.output();
}

TEST(GatewayProcess, OutOfRangePortExits78NamingTheKey) {
  TempDir dir;
  const auto file = writeFile(dir, "bad.json", R"({"admin": {"port": 70000}})");
  GatewayProcess p({"--config", file});
  EXPECT_EQ(p.wait(), kExitConfig);
  EXPECT_NE(p.output().find("admin.port"), std::string::npos) << p.output();
}

TEST(GatewayProcess, BadEnvironmentOverrideExits78NamingTheVariable) {
  GatewayProcess p({}, {{"FHIRGW_SERVER_PORT", "http"}});
  EXPECT_EQ(p.wait(), kExitConfig);
  EXPECT_NE(p.output().find("server.port"), std::string::npos) << p.output();
}

TEST(GatewayProcess, UnreadableConfigFileExits78) {
  GatewayProcess p({"--config", "/nonexistent/gateway.json"});
  EXPECT_EQ(p.wait(), kExitConfig);
  EXPECT_NE(p.output().find("/nonexistent/gateway.json"), std::string::npos) << p.output();
}

TEST(GatewayProcess, StartsOnPortZeroAndExitsZeroOnSigterm) {
  TempDir dir;
  GatewayProcess p(localPorts(dir));
  ASSERT_TRUE(p.waitUntilStarted()) << p.output();
  ASSERT_GT(p.adminPort(), 0);
  Poco::Net::HTTPClientSession admin("127.0.0.1", static_cast<Poco::UInt16>(p.adminPort()));
  EXPECT_EQ(httpRequest(admin, "GET", "/health/live").status, 200);
  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(), 0) << p.output();
  EXPECT_NE(p.output().find("\"event\":\"gateway.shutdown-complete\""), std::string::npos);
}

TEST(GatewayProcess, SigtermLetsAnInFlightRequestFinish) {
  TempDir dir;
  auto args = localPorts(dir);
  args.insert(args.end(), {"--set", "logging.level=debug"});
  GatewayProcess p(args);
  ASSERT_TRUE(p.waitUntilStarted()) << p.output();

  // Start a request whose body is still arriving, so the server is mid-request.
  Poco::Net::StreamSocket socket(
      Poco::Net::SocketAddress("127.0.0.1", static_cast<Poco::UInt16>(p.apiPort())));
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  const std::string head =
      "POST /api/v1/unknown HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
      "Content-Length: 10\r\n\r\n{\"a\":";
  socket.sendBytes(head.data(), static_cast<int>(head.size()));

  // The debug log tells when the handler has the request; SIGTERM then must not cut it.
  ASSERT_TRUE(p.waitForLine("\"event\":\"gateway.request-received\"")) << p.output();
  p.signal(SIGTERM);
  ASSERT_TRUE(p.waitForLine("\"event\":\"gateway.stopping\"")) << p.output();
  const std::string rest = " 1}\r\n";
  socket.sendBytes(rest.data(), 5);

  std::string answer;
  char buf[4096];
  int n = 0;
  while ((n = socket.receiveBytes(buf, sizeof buf)) > 0)
    answer.append(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(answer.rfind("HTTP/1.1 404", 0), 0u) << answer;
  EXPECT_NE(answer.find("OperationOutcome"), std::string::npos) << answer;
  EXPECT_EQ(p.wait(), 0) << p.output();
}

}  // namespace
}  // namespace fhirgw::testsupport::process_test

namespace fhirgw::testsupport::process_test {
namespace {

constexpr const char* kToken = "process-test-admin-token-0123456789";

/// Creates an editor client through the admin API of a running gateway; returns its key.
std::string createEditor(const GatewayProcess& p) {
  Poco::Net::HTTPClientSession admin("127.0.0.1", static_cast<Poco::UInt16>(p.adminPort()));
  auto r = httpRequest(admin, "POST", "/admin/v1/clients", R"({"name":"e","role":"editor"})",
                       {{"Authorization", std::string("Bearer ") + kToken}});
  EXPECT_EQ(r.status, 201) << r.body;
  auto doc = common::parseJson(r.body);
  return doc ? std::string((*doc)["key"].GetString()) : std::string();
}

TEST(GatewayProcess, AcceptedRecordIsThereAfterARestart) {
  TempDir dir;
  std::string key;
  std::string id;
  {
    GatewayProcess p(localPorts(dir), {{"FHIRGW_ADMIN_TOKEN", kToken}});
    ASSERT_TRUE(p.waitUntilStarted()) << p.output();
    key = createEditor(p);
    Poco::Net::HTTPClientSession api("127.0.0.1", static_cast<Poco::UInt16>(p.apiPort()));
    auto r = httpRequest(api, "POST", "/api/v1/teleconsultations",
                         readExample("teleconsultation-full.json"),
                         {{"Authorization", "Bearer " + key}});
    ASSERT_EQ(r.status, 201) << r.body;
    id = (*common::parseJson(r.body))["id"].GetString();
    p.signal(SIGKILL);  // no clean shutdown: what was acknowledged must still be there
    p.wait();
  }
  GatewayProcess again(localPorts(dir), {{"FHIRGW_ADMIN_TOKEN", kToken}});
  ASSERT_TRUE(again.waitUntilStarted()) << again.output();
  Poco::Net::HTTPClientSession api("127.0.0.1", static_cast<Poco::UInt16>(again.apiPort()));
  auto r = httpRequest(api, "GET", "/api/v1/teleconsultations/" + id, {},
                       {{"Authorization", "Bearer " + key}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_NE(r.body.find("LGC-2026-000123"), std::string::npos);
}

TEST(GatewayProcess, RuleSeverityFromTheCommandLineReachesTheEngine) {
  TempDir dir;
  std::string body = readExample("teleconsultation-minimal.json");
  body.replace(body.find("\"video\""), 7, "\"phone\"");
  for (const std::string severity : {"error", "off"}) {
    auto args = localPorts(dir);
    args.insert(args.end(), {"--set", "rules.severity.TLC-VIDEO=" + severity});
    GatewayProcess p(args, {{"FHIRGW_ADMIN_TOKEN", kToken}});
    ASSERT_TRUE(p.waitUntilStarted()) << p.output();
    const std::string key = createEditor(p);
    Poco::Net::HTTPClientSession api("127.0.0.1", static_cast<Poco::UInt16>(p.apiPort()));
    auto r = httpRequest(api, "POST", "/api/v1/teleconsultations", body,
                         {{"Authorization", "Bearer " + key}});
    EXPECT_EQ(r.status, severity == "off" ? 201 : 422) << severity << ": " << r.body;
    p.signal(SIGTERM);
    EXPECT_EQ(p.wait(), 0);
  }
}

TEST(GatewayProcess, GeneratedAdminTokenIsPrintedOnceAndWorks) {
  TempDir dir;
  std::string token;
  {
    GatewayProcess p(localPorts(dir));
    ASSERT_TRUE(p.waitUntilStarted()) << p.output();
    const std::string& out = p.output();
    const auto at = out.find("generated administrator token");
    ASSERT_NE(at, std::string::npos) << out;
    const auto start = out.find("\n  ", at) + 3;
    token = out.substr(start, out.find('\n', start) - start);
    Poco::Net::HTTPClientSession admin("127.0.0.1", static_cast<Poco::UInt16>(p.adminPort()));
    EXPECT_EQ(
        httpRequest(admin, "GET", "/admin/v1/clients", {}, {{"Authorization", "Bearer " + token}})
            .status,
        200);
    p.signal(SIGTERM);
    p.wait();
    // The token never appears in the JSON log lines.
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind("{", 0) == 0) {
        EXPECT_EQ(line.find(token), std::string::npos) << line;
      }
    }
  }
  GatewayProcess again(localPorts(dir));
  ASSERT_TRUE(again.waitUntilStarted()) << again.output();
  EXPECT_EQ(again.output().find("generated administrator token"), std::string::npos);
  Poco::Net::HTTPClientSession admin("127.0.0.1", static_cast<Poco::UInt16>(again.adminPort()));
  EXPECT_EQ(
      httpRequest(admin, "GET", "/admin/v1/clients", {}, {{"Authorization", "Bearer " + token}})
          .status,
      200);
}

}  // namespace
}  // namespace fhirgw::testsupport::process_test
