#include "fhirgw/connectors/http_client.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors_test_support.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace fhirgw::connectors::testsupport;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using Response = Poco::Net::HTTPServerResponse;

namespace {

HttpClientOptions mtlsOptions(const std::string& clientCert = "client") {
  const auto pki = testPkiDir();
  HttpClientOptions o;
  o.caFile = (pki / "ca.pem").string();
  if (!clientCert.empty()) {
    o.clientCertificateFile = (pki / (clientCert + ".pem")).string();
    o.clientKeyFile = (pki / (clientCert + ".key")).string();
  }
  o.connectTimeout = 5s;
  o.timeout = 10s;
  o.addressPolicy.allow(*common::parseIpNetwork("127.0.0.0/8"));  // the local test peer
  return o;
}

std::unique_ptr<HttpClient> client(HttpClientOptions o = mtlsOptions()) {
  auto c = HttpClient::create(std::move(o));
  EXPECT_TRUE(c.hasValue()) << c.error().message();
  return std::move(*c);
}

HttpRequest post(const std::string& url, std::string body = R"({"resourceType":"Bundle"})") {
  HttpRequest r;
  r.url = url;
  r.body = std::move(body);
  r.headers = {{"Content-Type", "application/fhir+json"}};
  return r;
}

}  // namespace

TEST(HttpClient, PostsOverMutualTlsAndReusesTheConnection) {
  TestHttpsServer server(
      [](const ReceivedRequest&, Response& r, int) { answer(r, 200, R"({"ok":true})"); });
  auto c = client();
  auto first = c->send(post(server.url()));
  ASSERT_TRUE(first.hasValue()) << first.error().message();
  EXPECT_EQ(first->status, 200);
  EXPECT_EQ(first->body, R"({"ok":true})");
  EXPECT_EQ(first->header("content-type"), "application/fhir+json");
  auto second = c->send(post(server.url()));
  ASSERT_TRUE(second.hasValue());
  const auto requests = server.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].uri, "/fhir");
  EXPECT_EQ(requests[0].contentType, "application/fhir+json");
  EXPECT_EQ(requests[0].body, R"({"resourceType":"Bundle"})");
  EXPECT_EQ(requests[0].clientPort, requests[1].clientPort) << "one connection for both";
}

TEST(HttpClient, APeerRequiringAClientCertificateRefusesAClientWithoutOne) {
  TestHttpsServer server([](const ReceivedRequest&, Response& r, int) { answer(r, 200); });
  auto result = client(mtlsOptions(""))->send(post(server.url()));
  ASSERT_FALSE(result.hasValue());
  EXPECT_EQ(result.error().code(), common::StatusCode::kUnavailable);
  EXPECT_EQ(server.requestCount(), 0u);
  auto rogue = client(mtlsOptions("rogue-client"))->send(post(server.url()));
  ASSERT_FALSE(rogue.hasValue()) << "a certificate from another CA is refused too";
}

TEST(HttpClient, APeerOutsideThePinnedCaIsNeverTrusted) {
  TestHttpsServer server([](const ReceivedRequest&, Response& r, int) { answer(r, 200); });
  HttpClientOptions o = mtlsOptions();
  o.caFile = (testPkiDir() / "other-ca.pem").string();
  auto result = client(o)->send(post(server.url()));
  ASSERT_FALSE(result.hasValue());
  EXPECT_EQ(result.error().code(), common::StatusCode::kUnavailable);
  EXPECT_EQ(server.requestCount(), 0u);
}

TEST(HttpClient, RedirectsAreNotFollowedAndClassifiedPermanent) {
  TestHttpsServer server([&](const ReceivedRequest&, Response& r, int) {
    r.set("Location", "https://elsewhere.example/fhir");
    answer(r, 302);
  });
  auto result = client()->send(post(server.url()));
  ASSERT_TRUE(result.hasValue());
  EXPECT_EQ(result->status, 302);
  EXPECT_EQ(server.requestCount(), 1u);
  const DeliveryResult d = classifyHttp(result, testStart());
  EXPECT_EQ(d.errorClass, ErrorClass::kPermanent);
  EXPECT_THAT(d.message, HasSubstr("redirect refused"));
}

TEST(HttpClient, ASlowPeerHitsTheTotalTimeout) {
  TestHttpsServer server([&](const ReceivedRequest&, Response& r, int) {
    server.holdUntilReleased();
    answer(r, 200);
  });
  HttpClientOptions o = mtlsOptions();
  o.timeout = 300ms;
  o.connectTimeout = 300ms;
  const auto started = std::chrono::steady_clock::now();
  auto result = client(o)->send(post(server.url()));
  ASSERT_FALSE(result.hasValue());
  EXPECT_EQ(result.error().code(), common::StatusCode::kDeadlineExceeded);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(classifyHttp(result, testStart()).errorClass, ErrorClass::kTransient);
  server.release();
}

TEST(HttpClient, AStopRequestAbortsAnExchangeInProgress) {
  TestHttpsServer server([&](const ReceivedRequest&, Response& r, int) {
    server.holdUntilReleased();
    answer(r, 200);
  });
  std::stop_source stop;
  std::thread canceller([&] {
    server.waitForRequests(1, 10s);
    stop.request_stop();
  });
  auto result = client()->send(post(server.url()), stop.get_token());
  canceller.join();
  server.release();
  ASSERT_FALSE(result.hasValue());
  EXPECT_EQ(result.error().code(), common::StatusCode::kAborted);
}

TEST(HttpClient, LongBodiesAreCutButTheStatusCounts) {
  TestHttpsServer server(
      [](const ReceivedRequest&, Response& r, int) { answer(r, 201, std::string(100000, 'x')); });
  HttpClientOptions o = mtlsOptions();
  o.maxResponseBytes = 1024;
  auto result = client(o)->send(post(server.url()));
  ASSERT_TRUE(result.hasValue()) << result.error().message();
  EXPECT_EQ(result->status, 201);
  EXPECT_TRUE(result->bodyTruncated);
  EXPECT_EQ(result->body.size(), 1024u);
}

TEST(HttpClient, PlainHttpIsRefusedUnlessExplicitlyAllowedForTesting) {
  auto result = client()->send(post("http://127.0.0.1:9/fhir"));
  ASSERT_FALSE(result.hasValue());
  EXPECT_EQ(result.error().code(), common::StatusCode::kInvalidArgument);
  EXPECT_EQ(classifyHttp(result, testStart()).errorClass, ErrorClass::kPermanent);
  EXPECT_FALSE(client()->send(post("ftp://127.0.0.1/x")).hasValue());
  HttpClientOptions o = mtlsOptions();
  o.allowInsecureHttpForTesting = true;
  o.connectTimeout = 2s;
  auto insecure = client(o)->send(post("http://127.0.0.1:9/fhir"));
  ASSERT_FALSE(insecure.hasValue());
  EXPECT_EQ(insecure.error().code(), common::StatusCode::kUnavailable) << "tried, nobody there";
}

TEST(HttpClient, MissingFilesAreRefusedAtCreation) {
  HttpClientOptions o = mtlsOptions();
  o.clientKeyFile.clear();
  EXPECT_FALSE(HttpClient::create(o).hasValue());
  o = mtlsOptions();
  o.caFile = "/nonexistent.pem";
  EXPECT_FALSE(HttpClient::create(o).hasValue());
}

TEST(HttpClassification, StatusesMapToTheSpecification) {
  const auto classify = [](int status, std::vector<std::pair<std::string, std::string>> h = {}) {
    HttpResponse r;
    r.status = status;
    r.headers = std::move(h);
    return classifyHttp(common::Result<HttpResponse>(r), testStart());
  };
  EXPECT_TRUE(classify(200).delivered());
  EXPECT_TRUE(classify(201).delivered());
  for (int s : {408, 429, 500, 502, 503, 504}) {
    EXPECT_EQ(classify(s).errorClass, ErrorClass::kTransient) << s;
  }
  for (int s : {301, 400, 401, 403, 404, 409, 412, 422}) {
    EXPECT_EQ(classify(s).errorClass, ErrorClass::kPermanent) << s;
  }
  EXPECT_EQ(classify(503, {{"retry-after", "7"}}).retryAfter, 7s);
  EXPECT_EQ(classify(400).httpStatus, 400);
  EXPECT_EQ(classifyHttp(common::Result<HttpResponse>(common::unavailable("refused")), testStart())
                .errorClass,
            ErrorClass::kTransient);
}

TEST(HttpClassification, RetryAfterIsDeltaSecondsOrAnHttpDate) {
  // testStart() is Mon, 02 Mar 2026 09:00:00 GMT.
  EXPECT_EQ(parseRetryAfter("120", testStart()), 120s);
  EXPECT_EQ(parseRetryAfter(" 0 ", testStart()), 0s);
  EXPECT_EQ(parseRetryAfter("Mon, 02 Mar 2026 09:01:30 GMT", testStart()), 90s);
  EXPECT_EQ(parseRetryAfter("Mon, 02 Mar 2026 08:00:00 GMT", testStart()), 0s);
  EXPECT_FALSE(parseRetryAfter("soon", testStart()).has_value());
  EXPECT_FALSE(parseRetryAfter("-5", testStart()).has_value());
}

TEST(HttpClassification, TransportErrorsFollowTheStatusRetryRule) {
  const auto classify = [](common::Status s) {
    return classifyHttp(common::Result<HttpResponse>(std::move(s)), testStart()).errorClass;
  };
  // Every code HttpClient::send returns, with the class the engine saw before the shared rule.
  EXPECT_EQ(classify(common::unavailable("refused")), ErrorClass::kTransient);
  EXPECT_EQ(classify(common::deadlineExceeded("timeout")), ErrorClass::kTransient);
  EXPECT_EQ(classify(common::resourceExhausted("no handle")), ErrorClass::kTransient);
  EXPECT_EQ(classify(common::aborted("cancelled by shutdown")), ErrorClass::kTransient);
  EXPECT_EQ(classify(common::invalidArgument("URL refused")), ErrorClass::kPermanent);
}

TEST(HttpClassification, RetryAfterAcceptsTheThreeHttpDateForms) {
  // RFC 9110 5.6.7: IMF-fixdate, the obsolete RFC 850 form and asctime's.
  EXPECT_EQ(parseRetryAfter("Mon, 02 Mar 2026 09:01:30 GMT", testStart()), 90s);
  EXPECT_EQ(parseRetryAfter("Monday, 02-Mar-26 09:01:30 GMT", testStart()), 90s);
  EXPECT_EQ(parseRetryAfter("Mon Mar  2 09:01:30 2026", testStart()), 90s);
  EXPECT_EQ(parseRetryAfter("Sunday, 01-Mar-26 09:00:00 GMT", testStart()), 0s);
  EXPECT_FALSE(parseRetryAfter("Mon", testStart()).has_value());
}
