// The real server, in-process on port 0: health, routing fallbacks, error shape, request ids,
// keep-alive after errors, TLS 1.2+ and mutual TLS.

#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <atomic>

#include "fhirgw/common/json.hpp"
#include "fhirgw/gateway/gateway_server.hpp"
#include "fhirgw/testsupport/http_client.hpp"
#include "fhirgw/testsupport/test_pki.hpp"

namespace fhirgw::gateway {
namespace {

using testsupport::httpRequest;

GatewayConfig localConfig() {
  GatewayConfig c;
  c.server.host = "127.0.0.1";
  c.server.port = 0;
  c.admin.listener.host = "127.0.0.1";
  c.admin.listener.port = 0;
  c.shutdownGrace = std::chrono::milliseconds(2000);
  return c;
}

class SslEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { Poco::Net::initializeSSL(); }
  void TearDown() override { Poco::Net::uninitializeSSL(); }
};
const auto* const kSsl = ::testing::AddGlobalTestEnvironment(new SslEnvironment);

class GatewayServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GatewayServer::Dependencies deps;
    deps.readiness = [this] {
      return ready_.load() ? common::Status::ok() : common::unavailable("store unreachable");
    };
    server_ = std::make_unique<GatewayServer>(localConfig(), std::move(deps));
    ASSERT_TRUE(server_->start().isOk());
  }
  void TearDown() override { server_->stop(); }

  Poco::Net::HTTPClientSession admin() {
    return Poco::Net::HTTPClientSession("127.0.0.1", server_->adminPort());
  }
  Poco::Net::HTTPClientSession api() {
    return Poco::Net::HTTPClientSession("127.0.0.1", server_->apiPort());
  }

  std::atomic<bool> ready_{true};
  std::unique_ptr<GatewayServer> server_;
};

// Checks the OperationOutcome shape every error answer must have.
void expectOutcome(const testsupport::HttpResponse& r, const std::string& issueCode) {
  EXPECT_EQ(r.header("Content-Type"), "application/fhir+json");
  auto doc = common::parseJson(r.body);
  ASSERT_TRUE(doc.hasValue()) << r.body;
  const auto& oo = doc->root();
  ASSERT_TRUE(oo.IsObject());
  EXPECT_STREQ(oo["resourceType"].GetString(), "OperationOutcome");
  ASSERT_TRUE(oo["issue"].IsArray());
  ASSERT_GE(oo["issue"].Size(), 1u);
  EXPECT_STREQ(oo["issue"][0]["severity"].GetString(), "error");
  EXPECT_EQ(std::string(oo["issue"][0]["code"].GetString()), issueCode);
}

TEST_F(GatewayServerTest, LivenessAnswers200OnTheAdminListener) {
  auto s = admin();
  auto r = httpRequest(s, "GET", "/health/live");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, R"({"status":"live"})");
  EXPECT_FALSE(r.header("X-Request-ID").empty());
}

TEST_F(GatewayServerTest, EachListenerServesItsOwnOpenApiDocumentWithoutACredential) {
  struct {
    Poco::Net::HTTPClientSession session;
    std::string prefix;
    std::string title;
    std::string ownPath;
    std::string otherPath;
  } listeners[] = {
      {api(), "/api/v1", "fhir-gateway editor API", "/api/v1/teleconsultations", "/health/live"},
      {admin(), "/admin/v1", "fhir-gateway admin API", "/admin/v1/deliveries",
       "/api/v1/teleconsultations"},
  };
  for (auto& l : listeners) {
    auto r = httpRequest(l.session, "GET", l.prefix + "/openapi.json");
    ASSERT_EQ(r.status, 200) << l.prefix << r.body;
    EXPECT_EQ(r.header("Content-Type"), "application/json");
    auto doc = common::parseJson(r.body);
    ASSERT_TRUE(doc.hasValue()) << l.prefix;
    const auto& root = doc->root();
    EXPECT_STREQ(root["openapi"].GetString(), "3.1.0");
    EXPECT_EQ(std::string(root["info"]["title"].GetString()), l.title);
    EXPECT_STREQ(root["info"]["version"].GetString(), FHIRGW_VERSION);
    EXPECT_TRUE(root["paths"].HasMember(l.ownPath.c_str())) << l.prefix;
    EXPECT_FALSE(root["paths"].HasMember(l.otherPath.c_str())) << l.prefix;

    auto page = httpRequest(l.session, "GET", l.prefix + "/docs");
    ASSERT_EQ(page.status, 200);
    EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
    const std::string policy = page.header("Content-Security-Policy");
    EXPECT_NE(policy.find("default-src 'none'"), std::string::npos) << policy;
    EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
    EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos) << policy;
    // The only script is the page's own file: no inline code for the policy to refuse.
    EXPECT_NE(page.body.find(R"(<script src="docs.js" defer></script>)"), std::string::npos);
    EXPECT_EQ(page.body.find("<script>"), std::string::npos);
    auto script = httpRequest(l.session, "GET", l.prefix + "/docs.js");
    ASSERT_EQ(script.status, 200);
    EXPECT_EQ(script.header("Content-Type"), "text/javascript; charset=utf-8");
    EXPECT_NE(script.body.find("fetch('openapi.json'"), std::string::npos);
  }
}

TEST_F(GatewayServerTest, TheAdminListenerServesTheConsoleUnderAStrictPolicy) {
  auto s = admin();
  auto moved = httpRequest(s, "GET", "/console");
  EXPECT_EQ(moved.status, 308);
  EXPECT_EQ(moved.header("Location"), "/console/");

  struct {
    std::string path;
    std::string contentType;
    std::string marker;
  } files[] = {
      {"/console/", "text/html; charset=utf-8", R"(<script src="console.js" defer></script>)"},
      {"/console/console.js", "text/javascript; charset=utf-8", "/admin/v1/deliveries"},
      {"/console/console.css", "text/css; charset=utf-8", ".uplot"},
      {"/console/favicon.svg", "image/svg+xml", "<svg"},
  };
  for (const auto& file : files) {
    auto r = httpRequest(s, "GET", file.path);
    ASSERT_EQ(r.status, 200) << file.path;
    EXPECT_EQ(r.header("Content-Type"), file.contentType) << file.path;
    EXPECT_NE(r.body.find(file.marker), std::string::npos) << file.path;
    const std::string policy = r.header("Content-Security-Policy");
    EXPECT_NE(policy.find("default-src 'none'"), std::string::npos) << policy;
    EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
    EXPECT_NE(policy.find("style-src 'self'"), std::string::npos) << policy;
    EXPECT_NE(policy.find("require-trusted-types-for 'script'"), std::string::npos) << policy;
    EXPECT_EQ(policy.find("unsafe-"), std::string::npos) << policy;
    EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(r.header("Cache-Control"), "no-cache");
    // Revalidated by its ETag: the same file answers 304 without a body, a stale tag 200.
    const std::string etag = r.header("ETag");
    ASSERT_EQ(etag.size(), 34u) << etag;
    auto again = httpRequest(s, "GET", file.path, {}, {{"If-None-Match", "W/" + etag}});
    EXPECT_EQ(again.status, 304) << file.path;
    EXPECT_TRUE(again.body.empty());
    EXPECT_EQ(again.header("ETag"), etag);
    auto stale = httpRequest(s, "GET", file.path, {}, {{"If-None-Match", "\"0\", \"1\""}});
    EXPECT_EQ(stale.status, 200) << file.path;
  }
  // The page itself holds no inline script or style for the policy to refuse.
  const auto page = httpRequest(s, "GET", "/console/").body;
  EXPECT_EQ(page.find("<script>"), std::string::npos);
  EXPECT_EQ(page.find("<style"), std::string::npos);
  EXPECT_EQ(page.find("style="), std::string::npos);
  EXPECT_EQ(httpRequest(s, "GET", "/console/missing.js").status, 404);
  auto editors = api();
  EXPECT_EQ(httpRequest(editors, "GET", "/console/").status, 404);
}

TEST_F(GatewayServerTest, ReadinessFollowsTheStore) {
  auto s = admin();
  EXPECT_EQ(httpRequest(s, "GET", "/health/ready").status, 200);
  ready_ = false;
  auto r = httpRequest(s, "GET", "/health/ready");
  EXPECT_EQ(r.status, 503);
  expectOutcome(r, "transient");
}

TEST_F(GatewayServerTest, HealthIsNotServedOnTheApiListener) {
  auto s = api();
  auto r = httpRequest(s, "GET", "/health/live");
  EXPECT_EQ(r.status, 404);
  expectOutcome(r, "not-found");
}

TEST_F(GatewayServerTest, UnknownPathIs404OperationOutcome) {
  auto s = admin();
  auto r = httpRequest(s, "GET", "/no/such/thing");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.reason, "Not Found");
  expectOutcome(r, "not-found");
}

TEST_F(GatewayServerTest, WrongMethodIs405WithAllowHeader) {
  auto s = admin();
  auto r = httpRequest(s, "DELETE", "/health/live");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.header("Allow"), "GET");
  expectOutcome(r, "not-supported");
}

TEST_F(GatewayServerTest, SafeRequestIdIsEchoedAndUnsafeOneReplaced) {
  auto s = admin();
  auto kept = httpRequest(s, "GET", "/health/live", {}, {{"X-Request-ID", "editor-42.a_b:c"}});
  EXPECT_EQ(kept.header("X-Request-ID"), "editor-42.a_b:c");
  auto replaced = httpRequest(s, "GET", "/nope", {}, {{"X-Request-ID", "bad id<script>"}});
  EXPECT_EQ(replaced.status, 404);
  EXPECT_NE(replaced.header("X-Request-ID"), "bad id<script>");
  EXPECT_EQ(replaced.header("X-Request-ID").size(), 36u);
}

TEST_F(GatewayServerTest, ConnectionStaysUsableAfterAnErrorWithAnUnreadBody) {
  auto s = admin();
  s.setKeepAlive(true);
  auto first = httpRequest(s, "POST", "/health/live", std::string(5000, 'x'));
  EXPECT_EQ(first.status, 405);
  // The body was drained: the next request on the same connection parses cleanly.
  auto second = httpRequest(s, "GET", "/health/live");
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, R"({"status":"live"})");
}

TEST_F(GatewayServerTest, PercentEncodedPathsAreDecodedBeforeMatching) {
  auto s = admin();
  EXPECT_EQ(httpRequest(s, "GET", "/health/%6Cive").status, 200);
}

class TlsServerTest : public ::testing::Test {
 protected:
  void start(bool requireClientCert) {
    GatewayConfig c = localConfig();
    TlsConfig tls;
    const auto pki = testsupport::testPkiDir();
    tls.certificateFile = (pki / "server.pem").string();
    tls.privateKeyFile = (pki / "server.key").string();
    tls.caFile = (pki / "ca.pem").string();
    tls.requireClientCertificate = requireClientCert;
    c.server.tls = tls;
    server_ = std::make_unique<GatewayServer>(c, GatewayServer::Dependencies{});
    ASSERT_TRUE(server_->start().isOk());
  }
  void TearDown() override {
    if (server_) server_->stop();
  }
  testsupport::HttpResponse get(Poco::Net::Context::Ptr ctx) {
    Poco::Net::HTTPSClientSession s("localhost", server_->apiPort(), ctx);
    return httpRequest(s, "GET", "/no-route");
  }
  std::unique_ptr<GatewayServer> server_;
};

TEST_F(TlsServerTest, ApiListenerSpeaksTlsVerifiedAgainstTheTestCa) {
  start(false);
  auto r = get(testsupport::clientContext());
  EXPECT_EQ(r.status, 404);
  expectOutcome(r, "not-found");
}

TEST_F(TlsServerTest, PlainHttpOnTheTlsListenerGetsNoHttpAnswer) {
  start(false);
  Poco::Net::HTTPClientSession s("127.0.0.1", server_->apiPort());
  s.setTimeout(Poco::Timespan(5, 0));
  EXPECT_ANY_THROW(httpRequest(s, "GET", "/no-route"));
}

TEST_F(TlsServerTest, Tls11ClientIsRefused) {
  start(false);
  Poco::Net::Context::Ptr ctx = testsupport::clientContext();
  // Cap the client at TLS 1.1: the server's floor is 1.2, so no handshake may succeed.
  SSL_CTX_set_min_proto_version(ctx->sslContext(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx->sslContext(), TLS1_1_VERSION);
  EXPECT_ANY_THROW(get(ctx));
}

TEST_F(TlsServerTest, MutualTlsAcceptsAClientCertificateFromTheCa) {
  start(true);
  auto r = get(testsupport::clientContext("client"));
  EXPECT_EQ(r.status, 404);
}

TEST_F(TlsServerTest, MutualTlsRefusesAClientWithoutCertificate) {
  start(true);
  EXPECT_ANY_THROW(get(testsupport::clientContext()));
}

TEST_F(TlsServerTest, MutualTlsRefusesACertificateFromAnotherCa) {
  start(true);
  EXPECT_ANY_THROW(get(testsupport::clientContext("rogue-client")));
}

TEST(GatewayServerStart, MissingCertificateFileIsAConfigurationError) {
  GatewayConfig c = localConfig();
  TlsConfig tls;
  tls.certificateFile = "/nonexistent/server.pem";
  tls.privateKeyFile = "/nonexistent/server.key";
  c.server.tls = tls;
  GatewayServer server(c, {});
  common::Status s = server.start();
  EXPECT_EQ(s.code(), common::StatusCode::kInvalidArgument) << s.toString();
}

TEST(GatewayServerStart, PortInUseIsUnavailable) {
  GatewayServer first(localConfig(), {});
  ASSERT_TRUE(first.start().isOk());
  GatewayConfig c = localConfig();
  c.server.port = first.apiPort();
  GatewayServer second(c, {});
  EXPECT_EQ(second.start().code(), common::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace fhirgw::gateway
