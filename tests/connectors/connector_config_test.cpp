#include "fhirgw/connectors/connector_config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "connectors_test_support.hpp"
#include "fhirgw/connectors/fhir_rest/fhir_rest_connector.hpp"
#include "fhirgw/connectors/file/file_connector.hpp"
#include "fhirgw/connectors/mhd/mhd_connector.hpp"
#include "fhirgw/connectors/registry.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace std::chrono_literals;
using fhirgw::testsupport::TempDir;
using fhirgw::testsupport::testPkiDir;
using ::testing::HasSubstr;

namespace {

std::string messageOf(const common::Status& s) { return s.message(); }

}  // namespace

TEST(ConnectorConfig, AFullInstanceIsReadIntoTypedSettings) {
  auto parsed = parseConnectorInstances(R"([{
    "id": "dmp-mhd", "type": "mhd", "enabled": false, "routes": ["dmp", "patient"], "workers": 2,
    "retry": {"initialDelayMs": 1000, "multiplier": 1.5, "maxDelayMs": 60000,
              "maxAgeMs": 3600000, "maxAttempts": 10},
    "circuitBreaker": {"failureThreshold": 3, "openMs": 5000, "maxOpenMs": 20000},
    "options": {"baseUrl": "https://x.example/fhir", "amount": 25.00}
  }])");
  ASSERT_TRUE(parsed.hasValue()) << parsed.error().message();
  ASSERT_EQ(parsed->size(), 1u);
  const ConnectorInstanceConfig& c = parsed->front();
  EXPECT_EQ(c.id, "dmp-mhd");
  EXPECT_EQ(c.type, "mhd");
  EXPECT_FALSE(c.enabled);
  EXPECT_EQ(c.routes, (std::vector<Destination>{Destination::kDmp, Destination::kPatient}));
  EXPECT_EQ(c.workers, 2);
  EXPECT_EQ(c.retry.initialDelay, 1s);
  EXPECT_DOUBLE_EQ(c.retry.multiplier, 1.5);
  EXPECT_EQ(c.retry.maxDelay, 60s);
  EXPECT_EQ(c.retry.maxAge, 1h);
  EXPECT_EQ(c.retry.maxAttempts, 10);
  EXPECT_EQ(c.circuitBreaker.failureThreshold, 3);
  EXPECT_EQ(c.circuitBreaker.openDuration, 5s);
  EXPECT_EQ(c.circuitBreaker.maxOpenDuration, 20s);
  EXPECT_EQ(c.optionsJson, R"({"amount":25.00,"baseUrl":"https://x.example/fhir"})")
      << "numbers keep their digits";
  EXPECT_EQ(c.path, "connectors[0]");
}

TEST(ConnectorConfig, DefaultsFollowTheSpecification) {
  auto parsed = parseConnectorInstances(R"([{"id":"out","type":"file","routes":["dmp"]}])");
  ASSERT_TRUE(parsed.hasValue()) << parsed.error().message();
  const ConnectorInstanceConfig& c = parsed->front();
  EXPECT_TRUE(c.enabled);
  EXPECT_EQ(c.workers, 1);
  EXPECT_EQ(c.retry.initialDelay, 5s);
  EXPECT_DOUBLE_EQ(c.retry.multiplier, 2.0);
  EXPECT_EQ(c.retry.maxDelay, 15min);
  EXPECT_EQ(c.retry.maxAge, 72h);
  EXPECT_FALSE(c.retry.maxAttempts.has_value());
  EXPECT_EQ(c.optionsJson, "{}");
}

TEST(ConnectorConfig, EveryProblemIsReportedWithItsFullKeyPath) {
  auto parsed = parseConnectorInstances(R"([
    {"id":"ok","type":"file","routes":["dmp"]},
    {"id":"Bad Id","type":"file","routes":["dmp","nowhere","dmp"],"workers":"2",
     "retry":{"initialDelayMs":-1,"maxAttemps":3},"colour":"blue","enabled":null}
  ])");
  ASSERT_FALSE(parsed.hasValue());
  const std::string m = parsed.error().message();
  EXPECT_EQ(parsed.error().code(), common::StatusCode::kInvalidArgument);
  EXPECT_THAT(m, HasSubstr("connectors[1].id: must be 1 to 64 characters"));
  EXPECT_THAT(m, HasSubstr("connectors[1].routes[1]: must be one of dmp, treating-physician"));
  EXPECT_THAT(m, HasSubstr("connectors[1].routes[2]: is listed twice"));
  EXPECT_THAT(m, HasSubstr("connectors[1].workers: must be an integer between 1 and 16"));
  EXPECT_THAT(m, HasSubstr("connectors[1].retry.initialDelayMs: must be an integer"));
  EXPECT_THAT(m, HasSubstr("connectors[1].retry.maxAttemps: unknown key"));
  EXPECT_THAT(m, HasSubstr("connectors[1].colour: unknown key"));
  EXPECT_THAT(m, HasSubstr("connectors[1].enabled: must not be null"));
  EXPECT_THAT(m, ::testing::Not(HasSubstr("connectors[0]")));
}

TEST(ConnectorConfig, IdsMustBeUniqueAndRoutesPresent) {
  auto parsed = parseConnectorInstances(
      R"([{"id":"a","type":"file","routes":["dmp"]},{"id":"a","type":"file","routes":["dmp"]},
          {"id":"b","type":"file"},{"id":"c","type":"file","routes":[]}])");
  ASSERT_FALSE(parsed.hasValue());
  EXPECT_THAT(messageOf(parsed.error()), HasSubstr("connectors[1].id: \"a\" is used by another"));
  EXPECT_THAT(messageOf(parsed.error()), HasSubstr("connectors[2].routes: is required"));
  EXPECT_THAT(messageOf(parsed.error()), HasSubstr("connectors[3].routes: must list at least one"));
  EXPECT_FALSE(parseConnectorInstances("{}").hasValue());
  EXPECT_FALSE(parseConnectorInstances("[").hasValue());
}

TEST(ConnectorRegistry, KnowsTheBuiltInTypesAndRefusesOthersByName) {
  ConnectorRegistry registry;
  registerAll(registry);
  EXPECT_EQ(registry.types(),
            (std::vector<std::string>{"dmp-xds", "fhir-rest", "file", "mhd", "mssante"}));
  ConnectorInstanceConfig instance;
  instance.id = "x";
  instance.type = "smtp";
  instance.path = "connectors[4]";
  auto created = registry.create(instance, {});
  ASSERT_FALSE(created.hasValue());
  EXPECT_THAT(created.error().message(),
              HasSubstr("connectors[4].type: unknown connector type \"smtp\" (known: dmp-xds, "
                        "fhir-rest, file, mhd, mssante)"));
}

TEST(FileConnectorOptions, DirectoryIsRequiredAndMhdNeedsASourceId) {
  EXPECT_THAT(parseFileConnectorOptions("{}", "c.options").error().message(),
              HasSubstr("c.options.directory: is required"));
  EXPECT_THAT(parseFileConnectorOptions(R"({"directory":"d","format":"mhd"})", "c.options")
                  .error()
                  .message(),
              HasSubstr("c.options.sourceId: is required with format \"mhd\""));
  EXPECT_THAT(parseFileConnectorOptions(R"({"directory":"d","format":"xml","dir":1})", "c.options")
                  .error()
                  .message(),
              HasSubstr("c.options.dir: unknown key"));
  auto ok =
      parseFileConnectorOptions(R"({"directory":"d","format":"mhd","sourceId":"1.2.3"})", "c");
  ASSERT_TRUE(ok.hasValue());
  EXPECT_EQ(ok->format, FileFormat::kMhd);
}

TEST(FhirRestOptions, EndpointsAreHttpsUnlessInsecureTestingIsExplicit) {
  auto bad = parseFhirRestOptions(R"({"baseUrl":"http://fhir.example/r4"})", "c.options");
  ASSERT_FALSE(bad.hasValue());
  EXPECT_THAT(bad.error().message(), HasSubstr("c.options.baseUrl: must be an https:// URL"));
  auto insecure = parseFhirRestOptions(
      R"({"baseUrl":"http://127.0.0.1:9/fhir","allowInsecureHttpForTesting":true})", "c.options");
  ASSERT_TRUE(insecure.hasValue()) << insecure.error().message();
  EXPECT_TRUE(insecure->http.allowInsecureHttpForTesting);
  EXPECT_THAT(parseFhirRestOptions(R"({"baseUrl":"https://u:p@h/x"})", "c").error().message(),
              HasSubstr("c.baseUrl: is not a usable endpoint URL: URL must not carry user "
                        "information"));
  EXPECT_THAT(parseFhirRestOptions("{}", "c").error().message(),
              HasSubstr("c.allowedEndpoints: is required without baseUrl"));
}

TEST(FhirRestOptions, AllowedEndpointsAreParsedAndNormalisedOnceAndEscapesRefused) {
  auto ok = parseFhirRestOptions(
      R"({"allowedEndpoints":["https://FHIR.Cabinet-Martin.fr:443/r4","https://[::1]:9443/x"]})",
      "c");
  ASSERT_TRUE(ok.hasValue()) << ok.error().message();
  ASSERT_EQ(ok->allowedEndpoints.size(), 2u);
  EXPECT_EQ(ok->allowedEndpoints[0].host, "fhir.cabinet-martin.fr");
  EXPECT_EQ(ok->allowedEndpoints[0].port, 443);
  EXPECT_EQ(ok->allowedEndpoints[0].text, "https://fhir.cabinet-martin.fr/r4");
  EXPECT_EQ(ok->allowedEndpoints[1].host, "[::1]");
  for (const char* bad :
       {"https://h.example/r4/../x", "https://h.example/r4%2fx", "https://h.example/r4?x=1",
        "https://h.example/r4#x", "https://h.ex\\\\a"}) {
    auto refused =
        parseFhirRestOptions(std::string(R"({"allowedEndpoints":[")") + bad + R"("]})", "c");
    ASSERT_FALSE(refused.hasValue()) << bad;
    EXPECT_THAT(refused.error().message(), HasSubstr("c.allowedEndpoints[0]: ")) << bad;
    EXPECT_THAT(refused.error().message(), ::testing::Not(HasSubstr("required without baseUrl")))
        << "one error for one bad entry";
  }
  auto base = parseFhirRestOptions(R"({"baseUrl":"https://H.example/fhir/./r4"})", "c");
  ASSERT_FALSE(base.hasValue());
  EXPECT_THAT(base.error().message(), HasSubstr("c.baseUrl: is not a usable endpoint URL"));
}

TEST(FhirRestOptions, FilesMustBeReadableAndTheTokenIsReadOnce) {
  TempDir dir;
  const auto token = dir.path() / "token";
  { std::ofstream(token) << "s3cr3t-token\n"; }
  auto ok = parseFhirRestOptions(R"({"baseUrl":"https://h.example/fhir","timeoutMs":5000,
      "connectTimeoutMs":1000,"bearerTokenFile":")" +
                                     token.string() + R"("})",
                                 "c");
  ASSERT_TRUE(ok.hasValue()) << ok.error().message();
  EXPECT_EQ(ok->bearerToken, "s3cr3t-token");
  EXPECT_EQ(ok->http.timeout, 5s);
  auto bad = parseFhirRestOptions(
      R"({"baseUrl":"https://h.example/fhir","caFile":"/nonexistent/ca.pem","timeoutMs":10,
          "connectTimeoutMs":20,"clientCertificateFile":")" +
          (testPkiDir() / "client.pem").string() + R"("})",
      "c");
  ASSERT_FALSE(bad.hasValue());
  EXPECT_THAT(bad.error().message(), HasSubstr("c.caFile: must name a readable file"));
  EXPECT_THAT(bad.error().message(), HasSubstr("c.connectTimeoutMs: must not exceed timeoutMs"));
  EXPECT_THAT(bad.error().message(),
              HasSubstr("c.clientKeyFile: clientCertificateFile and clientKeyFile go together"));
  EXPECT_EQ(bad.error().message().find("s3cr3t"), std::string::npos);
}

TEST(MhdOptions, MutualTlsAndASourceOidAreRequired) {
  auto bad = parseMhdOptions(R"({"baseUrl":"https://dmp.example/fhir","sourceId":"urn:x"})", "m");
  ASSERT_FALSE(bad.hasValue());
  EXPECT_THAT(bad.error().message(), HasSubstr("m.caFile: is required"));
  EXPECT_THAT(bad.error().message(), HasSubstr("m.clientCertificateFile: is required"));
  EXPECT_THAT(bad.error().message(), HasSubstr("m.clientKeyFile: is required"));
  EXPECT_THAT(bad.error().message(), HasSubstr("m.sourceId: must be an OID"));
  const auto pki = testPkiDir();
  auto ok = parseMhdOptions(R"({"baseUrl":"https://dmp.example/fhir","sourceId":"1.2.250.1.999",
      "caFile":")" + (pki / "ca.pem").string() +
                                R"(","clientCertificateFile":")" + (pki / "client.pem").string() +
                                R"(","clientKeyFile":")" + (pki / "client.key").string() + R"("})",
                            "m");
  ASSERT_TRUE(ok.hasValue()) << ok.error().message();
  EXPECT_EQ(ok->bundle.sourceId, "1.2.250.1.999");
}

TEST(ConnectorRegistry, CreatesEveryInstanceAndGivesRoutingItsView) {
  TempDir dir;
  ConnectorRegistry registry;
  registerAll(registry);
  auto configs = parseConnectorInstances(R"([
    {"id":"out","type":"file","routes":["dmp","encounter"],"options":{"directory":")" +
                                         (dir.path() / "out").string() + R"("}},
    {"id":"tp","type":"fhir-rest","enabled":false,"routes":["treating-physician"],
     "options":{"allowedEndpoints":["https://fhir.example"]}}])");
  ASSERT_TRUE(configs.hasValue()) << configs.error().message();
  auto created = createConnectors(registry, *configs, {});
  ASSERT_TRUE(created.hasValue()) << created.error().message();
  const auto routes = routesOf(*created);
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].connectorId, "out");
  EXPECT_EQ(routes[0].addressing, Addressing::kFixed);
  EXPECT_TRUE(routes[0].enabled);
  EXPECT_EQ(routes[1].addressing, Addressing::kFhirEndpoint);
  EXPECT_FALSE(routes[1].enabled);
  ASSERT_TRUE(routes[1].acceptsTarget);
  EXPECT_TRUE(routes[1].acceptsTarget("https://FHIR.example/r4/Patient"));
  EXPECT_FALSE(routes[1].acceptsTarget("https://fhir.example/r4/../../evil"));
  EXPECT_FALSE(routes[1].acceptsTarget("https://fhir.example.evil/r4"));
  ASSERT_TRUE(routes[0].acceptsTarget);
  EXPECT_TRUE(routes[0].acceptsTarget("anything")) << "a fixed endpoint ignores the target";

  auto bad = parseConnectorInstances(R"([
    {"id":"a","type":"file","routes":["dmp"],"options":{}},
    {"id":"b","type":"mhd","routes":["dmp"],"options":{"baseUrl":"https://d.example"}}])");
  ASSERT_TRUE(bad.hasValue());
  auto failed = createConnectors(registry, *bad, {});
  ASSERT_FALSE(failed.hasValue());
  EXPECT_THAT(failed.error().message(), HasSubstr("connectors[0].options.directory: is required"));
  EXPECT_THAT(failed.error().message(), HasSubstr("connectors[1].options.sourceId: is required"));
}
