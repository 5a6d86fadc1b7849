// The outbound address policy (SSRF guard, issue 13) in the HTTP client and the fhir-rest
// connector: internal addresses refused before any connect (a listener standing there sees no
// connection), URLs that smuggle another host refused at parse, redirects not followed, and an
// internal network allowed on purpose reached.

#include "fhirgw/common/address_policy.hpp"

#include <Poco/Net/ServerSocket.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <optional>

#include "connectors_test_support.hpp"
#include "fhirgw/connectors/connector_config.hpp"
#include "fhirgw/connectors/engine/payload_builder.hpp"
#include "fhirgw/connectors/fhir_rest/fhir_rest_connector.hpp"
#include "fhirgw/connectors/http_client.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/fhir/validator.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace fhirgw::connectors::testsupport;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using Response = Poco::Net::HTTPServerResponse;

namespace {

/// A plain TCP listener that only counts: a pending connection makes it readable.
class Listener {
 public:
  /// Binds host:port (port 0: any); nullopt when the address does not exist here.
  static std::optional<Listener> at(const std::string& host, Poco::UInt16 port = 0) {
    try {
      Listener l;
      l.socket_.bind(Poco::Net::SocketAddress(host, port), true);
      l.socket_.listen(8);
      return l;
    } catch (const Poco::Exception&) {
      return std::nullopt;
    }
  }
  Poco::UInt16 port() const { return socket_.address().port(); }
  /// True when a connection came within the wait.
  bool sawConnection(std::chrono::milliseconds wait = 300ms) {
    return socket_.poll(Poco::Timespan(std::chrono::microseconds(wait).count()),
                        Poco::Net::Socket::SELECT_READ);
  }

 private:
  Poco::Net::ServerSocket socket_;
};

HttpClientOptions defaultOptions() {
  HttpClientOptions o;  // the address policy is left at its default: public addresses only
  o.caFile = (testPkiDir() / "ca.pem").string();
  o.clientCertificateFile = (testPkiDir() / "client.pem").string();
  o.clientKeyFile = (testPkiDir() / "client.key").string();
  o.connectTimeout = 5s;
  o.timeout = 10s;
  return o;
}

std::unique_ptr<HttpClient> guardedClient(HttpClientOptions o = defaultOptions()) {
  auto c = HttpClient::create(std::move(o));
  EXPECT_TRUE(c.hasValue()) << c.error().message();
  return c ? std::move(*c) : nullptr;
}

HttpRequest get(const std::string& url) {
  HttpRequest r;
  r.method = "GET";
  r.url = url;
  return r;
}

void expectPolicyRefusal(const common::Result<HttpResponse>& result, const std::string& cls,
                         const std::string& what) {
  ASSERT_FALSE(result.hasValue()) << what << " was reached";
  EXPECT_EQ(result.error().code(), common::StatusCode::kPermissionDenied)
      << what << ": " << result.error().message();
  EXPECT_EQ(result.error().message(),
            "connection refused by the outbound address policy: the address is " + cls +
                " (allow it with allowedPrivateNetworks)")
      << what;
  const DeliveryResult classified = classifyHttp(result, testStart());
  EXPECT_EQ(classified.errorClass, ErrorClass::kPermanent) << what;
  EXPECT_EQ(classified.reason, "address-not-allowed") << what;
}

}  // namespace

TEST(OutboundAddressPolicy, LoopbackByAddressIsRefusedAndTheListenerSeesNoConnection) {
  auto listener = Listener::at("127.0.0.1");
  ASSERT_TRUE(listener.has_value());
  HttpClientOptions o = defaultOptions();
  o.allowInsecureHttpForTesting = true;  // so that the scheme is not what refuses it
  const std::string url = "http://127.0.0.1:" + std::to_string(listener->port()) + "/fhir";
  expectPolicyRefusal(guardedClient(o)->send(get(url)), "loopback", url);
  EXPECT_FALSE(listener->sawConnection());
}

TEST(OutboundAddressPolicy, Ipv6LoopbackIsRefusedAndTheListenerSeesNoConnection) {
  auto listener = Listener::at("::1");
  const std::string port = listener ? std::to_string(listener->port()) : "9443";
  if (!listener) std::cout << "[ note ] no ::1 on this machine: only the refusal is checked\n";
  const std::string url = "https://[::1]:" + port + "/fhir";
  expectPolicyRefusal(guardedClient()->send(get(url)), "loopback", url);
  if (listener) {
    EXPECT_FALSE(listener->sawConnection());
  }
}

TEST(OutboundAddressPolicy, AHostNameResolvingToLoopbackIsJudgedByItsAddress) {
  auto v4 = Listener::at("127.0.0.1");
  ASSERT_TRUE(v4.has_value());
  auto v6 = Listener::at("::1", v4->port());  // localhost may resolve to both
  const std::string url = "https://localhost:" + std::to_string(v4->port()) + "/fhir";
  expectPolicyRefusal(guardedClient()->send(get(url)), "loopback", url);
  EXPECT_FALSE(v4->sawConnection());
  if (v6) {
    EXPECT_FALSE(v6->sawConnection());
  }
}

TEST(OutboundAddressPolicy, MetadataPrivateAndUniqueLocalAddressesAreRefusedAtOnce) {
  HttpClientOptions o = defaultOptions();
  o.allowInsecureHttpForTesting = true;
  auto c = guardedClient(o);
  for (const auto& [url, cls] : std::vector<std::pair<std::string, std::string>>{
           {"http://169.254.169.254/latest/meta-data/", "cloud-metadata"},
           {"http://10.0.0.1/", "private"},
           {"http://[fd00::1]/", "unique-local"},
           {"http://[::ffff:127.0.0.1]/", "loopback"},
           {"http://100.100.100.200/", "cloud-metadata"}}) {
    const auto started = std::chrono::steady_clock::now();
    const auto result = c->send(get(url));
    expectPolicyRefusal(result, cls, url);
    // The policy's refusal, not a connect timeout (5 s).
    EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << url;
  }
}

TEST(OutboundAddressPolicy, UrlsSmugglingAnotherHostOrPathAreRefusedAtParse) {
  auto c = guardedClient();
  for (const char* url : {"https://allowed.example/fhir/../x", "https://allowed.example@127.0.0.1/",
                          "https://allowed.example%2e@127.0.0.1/"}) {
    const auto result = c->send(get(url));
    ASSERT_FALSE(result.hasValue()) << url;
    EXPECT_EQ(result.error().code(), common::StatusCode::kInvalidArgument) << url;
    EXPECT_THAT(result.error().message(), HasSubstr("URL refused")) << url;
    EXPECT_EQ(classifyHttp(result, testStart()).errorClass, ErrorClass::kPermanent) << url;
  }
}

TEST(OutboundAddressPolicy, AnInternalNetworkAllowedOnPurposeIsReached) {
  TestHttpsServer peer([](const ReceivedRequest&, Response& r, int) { answer(r, 200); });
  expectPolicyRefusal(guardedClient()->send(get(peer.url())), "loopback", peer.url());
  EXPECT_EQ(peer.requestCount(), 0U);

  HttpClientOptions o = defaultOptions();
  o.addressPolicy.allow(*common::parseIpNetwork("127.0.0.0/8"));
  const auto reached = guardedClient(o)->send(get(peer.url()));
  ASSERT_TRUE(reached.hasValue()) << reached.error().message();
  EXPECT_EQ(reached->status, 200);
  EXPECT_EQ(peer.requestCount(), 1U);
}

class FhirRestAddressPolicy : public ::testing::Test {
 protected:
  void SetUp() override { registerAll(registry); }

  std::shared_ptr<Connector> make(const std::string& options) {
    auto configs = parseConnectorInstances(R"([{"id":"tp","type":"fhir-rest","routes":["dmp"],
        "options":)" + options + "}]");
    EXPECT_TRUE(configs.hasValue()) << configs.error().message();
    if (!configs) return nullptr;
    auto created = createConnectors(registry, *configs, {&clock, &validator});
    EXPECT_TRUE(created.hasValue()) << created.error().message();
    return created ? created->front().connector : nullptr;
  }

  static std::string tls() {
    const auto pki = testPkiDir();
    return R"("caFile":")" + (pki / "ca.pem").string() + R"(","clientCertificateFile":")" +
           (pki / "client.pem").string() + R"(","clientKeyFile":")" +
           (pki / "client.key").string() + R"(","connectTimeoutMs":3000,"timeoutMs":5000)";
  }

  DeliveryPayload payload() {
    store::Delivery d;
    d.id = "d-x";
    d.recordId = SampleIds{}.recordId;
    d.documentId = SampleIds{}.documentId;
    return *makeDeliveryPayload(d, sampleResources());
  }

  common::ManualClock clock{testStart()};
  fhir::Validator validator;
  ConnectorRegistry registry;
};

TEST_F(FhirRestAddressPolicy, AllowedEndpointsCompareNormalisedHostsNotTextPrefixes) {
  auto connector = make(R"({"allowedEndpoints":["https://allowed.example/"]})");
  ASSERT_NE(connector, nullptr);
  EXPECT_FALSE(connector->acceptsTarget("https://allowed.example.evil.test/"));
  EXPECT_FALSE(connector->acceptsTarget("https://allowed.example.evil.test/fhir"));
  EXPECT_FALSE(connector->acceptsTarget("https://allowed.example@127.0.0.1/"));
  EXPECT_FALSE(connector->acceptsTarget("https://allowed.example/fhir/../x"));
  EXPECT_FALSE(connector->acceptsTarget("https://allowed.example:8443/fhir"));
  EXPECT_TRUE(connector->acceptsTarget("https://ALLOWED.example/fhir"));
  EXPECT_TRUE(connector->acceptsTarget("https://allowed.example:443/fhir"));
  EXPECT_TRUE(connector->acceptsTarget("https://allowed.example/"));
}

TEST_F(FhirRestAddressPolicy, ALoopbackBaseUrlIsDeadWithoutAConnectionUnlessAllowed) {
  TestHttpsServer peer([](const ReceivedRequest&, Response& r, int) {
    answer(r, 200, R"({"resourceType":"Bundle","type":"transaction-response","entry":[]})");
  });
  auto refused = make(R"({"baseUrl":")" + peer.url("/fhir") + R"(",)" + tls() + "}");
  ASSERT_NE(refused, nullptr);
  const DeliveryResult result = refused->deliver(payload(), {});
  EXPECT_EQ(result.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(result.reason, "address-not-allowed");
  EXPECT_THAT(result.message, HasSubstr("loopback"));
  EXPECT_THAT(result.message, Not(HasSubstr("localhost")));
  EXPECT_EQ(peer.requestCount(), 0U);

  auto allowed = make(R"({"baseUrl":")" + peer.url("/fhir") + R"(",)" + tls() +
                      R"(,"allowedPrivateNetworks":["127.0.0.0/8"]})");
  ASSERT_NE(allowed, nullptr);
  const DeliveryResult ok = allowed->deliver(payload(), {});
  EXPECT_TRUE(ok.delivered()) << ok.message;
  EXPECT_EQ(peer.requestCount(), 1U);
}

TEST_F(FhirRestAddressPolicy, ARedirectToAnAllowedAddressIsNotFollowedAndIsPermanent) {
  auto target = Listener::at("127.0.0.1");
  ASSERT_TRUE(target.has_value());
  const std::string location = "https://127.0.0.1:" + std::to_string(target->port()) + "/fhir";
  TestHttpsServer peer([&](const ReceivedRequest&, Response& r, int) {
    r.set("Location", location);
    answer(r, 302);
  });
  auto connector = make(R"({"baseUrl":")" + peer.url("/fhir") + R"(",)" + tls() +
                        R"(,"allowedPrivateNetworks":["127.0.0.0/8"]})");
  ASSERT_NE(connector, nullptr);
  const DeliveryResult result = connector->deliver(payload(), {});
  EXPECT_EQ(result.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(result.httpStatus, 302);
  EXPECT_THAT(result.message, HasSubstr("redirect refused"));
  EXPECT_EQ(peer.requestCount(), 1U);
  EXPECT_FALSE(target->sawConnection()) << "the Location was not followed";
}

TEST(AllowedPrivateNetworksOption, ABadEntryIsAnErrorAtItsKeyPath) {
  auto parsed = parseFhirRestOptions(
      R"({"baseUrl":"https://fhir.example/r4","allowedPrivateNetworks":["10.0.0.0/8","10.0.0.1/8",
          "fd00::/8","not-a-network"]})",
      "connectors[0].options");
  ASSERT_FALSE(parsed.hasValue());
  EXPECT_THAT(parsed.error().message(),
              HasSubstr("connectors[0].options.allowedPrivateNetworks[1]: has host bits set"));
  EXPECT_THAT(parsed.error().message(),
              HasSubstr("connectors[0].options.allowedPrivateNetworks[3]: must be an IP address"));
  EXPECT_THAT(parsed.error().message(), Not(HasSubstr("allowedPrivateNetworks[0]")));
  EXPECT_THAT(parsed.error().message(), Not(HasSubstr("allowedPrivateNetworks[2]")));

  auto notArray = parseFhirRestOptions(
      R"({"baseUrl":"https://fhir.example/r4","allowedPrivateNetworks":"10.0.0.0/8"})",
      "c.options");
  ASSERT_FALSE(notArray.hasValue());
  EXPECT_THAT(notArray.error().message(), HasSubstr("c.options.allowedPrivateNetworks"));

  auto ok = parseFhirRestOptions(
      R"({"baseUrl":"https://fhir.example/r4","allowedPrivateNetworks":["10.1.0.0/16","::1"]})",
      "c.options");
  ASSERT_TRUE(ok.hasValue()) << ok.error().message();
  ASSERT_EQ(ok->http.addressPolicy.allowed().size(), 2U);
  EXPECT_EQ(ok->http.addressPolicy.allowed()[1].toString(), "::1/128");
  auto byDefault = parseFhirRestOptions(R"({"baseUrl":"https://fhir.example/r4"})", "c.options");
  ASSERT_TRUE(byDefault.hasValue());
  EXPECT_TRUE(byDefault->http.addressPolicy.allowed().empty());
}
