// The admin listener off loopback, through the real binary: refused at start (exit 78 naming
// admin.host) without admin.tls, served over verified HTTPS (here with client certificates) with
// it.

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <gtest/gtest.h>

#include <csignal>

#include "fhirgw/testsupport/test_pki.hpp"
#include "test_support.hpp"

// A namespace of its own: the files of integration_tests are compiled in unity batches.
namespace fhirgw::testsupport::admin_listener_test {
namespace {

constexpr int kExitConfig = 78;
constexpr const char* kToken = "admin-listener-test-token-0123456789";

std::vector<std::string> localArgs(const TempDir& dir, const std::string& adminHost) {
  return {"--set", "server.host=127.0.0.1",
          "--set", "server.port=0",
          "--set", "admin.host=" + adminHost,
          "--set", "admin.port=0",
          "--set", "storage.dataDir=" + (dir.path() / "data").string()};
}

TEST(AdminListener, EveryAddressButLoopbackWithoutTlsExits78NamingAdminHost) {
  for (const std::string host : {"0.0.0.0", "::"}) {
    TempDir dir;
    GatewayProcess p(localArgs(dir, host), {{"FHIRGW_ADMIN_TOKEN", kToken}});
    EXPECT_EQ(p.wait(), kExitConfig) << host << ": " << p.output();
    EXPECT_NE(p.output().find("admin.host: must be a loopback address"), std::string::npos)
        << p.output();
    EXPECT_EQ(p.output().find("\"event\":\"gateway.listening\""), std::string::npos) << p.output();
  }
}

TEST(AdminListener, OffLoopbackWithAdminTlsServesVerifiedHttpsToClientsOfTheCa) {
  TempDir dir;
  const auto pki = testPkiDir();
  auto args = localArgs(dir, "0.0.0.0");
  args.insert(args.end(), {"--set", "admin.tls.certificateFile=" + (pki / "server.pem").string(),
                           "--set", "admin.tls.privateKeyFile=" + (pki / "server.key").string(),
                           "--set", "admin.tls.caFile=" + (pki / "ca.pem").string(), "--set",
                           "admin.tls.requireClientCertificate=true"});
  GatewayProcess p(args, {{"FHIRGW_ADMIN_TOKEN", kToken}});
  ASSERT_TRUE(p.waitUntilStarted()) << p.output();
  EXPECT_NE(p.output().find(R"("listener":"admin","host":"0.0.0.0")"), std::string::npos)
      << p.output();
  EXPECT_NE(p.output().find(R"("tls":true,"clientCertificate":true)"), std::string::npos)
      << p.output();
  const auto port = static_cast<Poco::UInt16>(p.adminPort());

  // The server's certificate is checked against the test CA and the name "localhost".
  Poco::Net::HTTPSClientSession https("localhost", port, clientContext("client"));
  EXPECT_EQ(httpRequest(https, "GET", "/health/live").status, 200);
  const HttpResponse clients = httpRequest(https, "GET", "/admin/v1/clients", {},
                                           {{"Authorization", std::string("Bearer ") + kToken}});
  EXPECT_EQ(clients.status, 200) << clients.body;

  // No client certificate, one from another CA, or plain HTTP: no answer at all.
  Poco::Net::HTTPSClientSession anonymous("localhost", port, clientContext());
  EXPECT_ANY_THROW(httpRequest(anonymous, "GET", "/health/live"));
  Poco::Net::HTTPSClientSession rogue("localhost", port, clientContext("rogue-client"));
  EXPECT_ANY_THROW(httpRequest(rogue, "GET", "/health/live"));
  Poco::Net::HTTPClientSession plain("127.0.0.1", port);
  plain.setTimeout(Poco::Timespan(5, 0));
  EXPECT_ANY_THROW(httpRequest(plain, "GET", "/health/live"));

  p.signal(SIGTERM);
  EXPECT_EQ(p.wait(), 0) << p.output();
}

}  // namespace
}  // namespace fhirgw::testsupport::admin_listener_test
