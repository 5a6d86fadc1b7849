#include "fhirgw/gateway/config.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>  // NOLINT: setenv and unsetenv are POSIX, not in <cstdlib>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "fhirgw/common/clock.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/connectors/registry.hpp"
#include "fhirgw/rules/rule_engine.hpp"
#include "fhirgw/rules/rules.hpp"
#include "fhirgw/testsupport/files.hpp"
#include "fhirgw/testsupport/source_tree.hpp"
#include "fhirgw/testsupport/test_pki.hpp"

namespace fhirgw::gateway {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;
using Env = std::map<std::string, std::string>;
using Sets = std::vector<std::pair<std::string, std::string>>;
using domain::Relation;
using rules::RuleConfig;
using rules::RuleSeverity;

constexpr const char* kGoodToken = "0123456789abcdef0123";

common::Result<GatewayConfig> load(std::optional<std::string> file, Env env = {}, Sets sets = {}) {
  ConfigSources sources;
  sources.fileText = std::move(file);
  sources.fileName = "gateway.json";
  sources.environment = std::move(env);
  sources.sets = std::move(sets);
  return loadConfig(sources);
}

// The error message of a load expected to fail ("" and a test failure when it succeeded).
std::string errorOf(const common::Result<GatewayConfig>& result) {
  EXPECT_FALSE(result.hasValue()) << "the configuration was accepted";
  if (result.hasValue()) return "";
  EXPECT_EQ(result.error().code(), common::StatusCode::kInvalidArgument);
  return result.error().message();
}

// The configuration of a load expected to succeed.
GatewayConfig valueOf(common::Result<GatewayConfig> result) {
  EXPECT_TRUE(result.hasValue()) << result.status().toString();
  return result.hasValue() ? std::move(result).value() : GatewayConfig{};
}

using testsupport::readFile;
using testsupport::sourceDir;
using testsupport::TempDir;

// --- Sources and precedence ------------------------------------------------------------------

TEST(ConfigLoading, NoSourcesGiveTheDocumentedDefaults) {
  GatewayConfig c = valueOf(load(std::nullopt));
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_FALSE(c.server.tls.has_value());
  EXPECT_EQ(c.admin.listener.host, "127.0.0.1");
  EXPECT_EQ(c.admin.listener.port, 8081);
  EXPECT_TRUE(c.admin.token.empty());
  EXPECT_EQ(c.storage.dataDir, "data");
  EXPECT_TRUE(c.storage.url.empty());
  EXPECT_EQ(c.limits.maxBodyBytes, 10u * 1024 * 1024);
  EXPECT_EQ(c.limits.maxJsonDepth, 64u);
  EXPECT_EQ(c.logLevel, common::LogLevel::kInfo);
  EXPECT_EQ(c.shutdownGrace, std::chrono::milliseconds(10000));
}

TEST(ConfigLoading, AnEmptyFileObjectGivesTheDefaults) {
  GatewayConfig c = valueOf(load("{}"));
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_EQ(c.admin.listener.port, 8081);
}

TEST(ConfigLoading, FileValuesReplaceTheDefaults) {
  GatewayConfig c = valueOf(load(R"({
    "server": {"host": "127.0.0.2", "port": 9443, "maxThreads": 8, "maxQueued": 10,
               "receiveTimeoutMs": 5000},
    "admin": {"host": "::1", "port": 9444, "maxThreads": 2, "token": "0123456789abcdef"},
    "storage": {"dataDir": "/var/lib/fhirgw", "url": "postgresql://db/gw"},
    "limits": {"maxBodyBytes": 1024, "maxJsonDepth": 32, "maxStringBytes": 512,
               "maxArrayLength": 100},
    "logging": {"level": "debug"},
    "shutdown": {"graceMs": 0}
  })"));
  EXPECT_EQ(c.server.host, "127.0.0.2");
  EXPECT_EQ(c.server.port, 9443);
  EXPECT_EQ(c.server.maxThreads, 8);
  EXPECT_EQ(c.server.maxQueued, 10);
  EXPECT_EQ(c.server.receiveTimeout, std::chrono::milliseconds(5000));
  EXPECT_EQ(c.admin.listener.host, "::1");
  EXPECT_EQ(c.admin.listener.port, 9444);
  EXPECT_EQ(c.admin.listener.maxThreads, 2);
  EXPECT_EQ(c.admin.token, "0123456789abcdef");
  EXPECT_EQ(c.storage.dataDir, "/var/lib/fhirgw");
  EXPECT_EQ(c.storage.url, "postgresql://db/gw");
  EXPECT_EQ(c.limits.maxBodyBytes, 1024u);
  EXPECT_EQ(c.limits.maxJsonDepth, 32u);
  EXPECT_EQ(c.limits.maxStringBytes, 512u);
  EXPECT_EQ(c.limits.maxArrayLength, 100u);
  EXPECT_EQ(c.logLevel, common::LogLevel::kDebug);
  EXPECT_EQ(c.shutdownGrace, std::chrono::milliseconds(0));
}

TEST(ConfigLoading, EnvironmentOverridesTheFile) {
  GatewayConfig c =
      valueOf(load(R"({"server": {"port": 9000}, "storage": {"dataDir": "a"}})",
                   {{"FHIRGW_SERVER_PORT", "9001"}, {"FHIRGW_STORAGE_DATADIR", "b"}}));
  EXPECT_EQ(c.server.port, 9001);
  EXPECT_EQ(c.storage.dataDir, "b");
}

TEST(ConfigLoading, SetOverridesTheEnvironment) {
  GatewayConfig c =
      valueOf(load(std::nullopt, {{"FHIRGW_SERVER_PORT", "9001"}}, {{"server.port", "9002"}}));
  EXPECT_EQ(c.server.port, 9002);
}

TEST(ConfigLoading, TheSameKeyFromAllThreeSourcesTakesTheSetValue) {
  const std::string file = R"({"logging": {"level": "debug"}, "admin": {"port": 7001}})";
  GatewayConfig all =
      valueOf(load(file, {{"FHIRGW_LOGGING_LEVEL", "warning"}, {"FHIRGW_ADMIN_PORT", "7002"}},
                   {{"logging.level", "error"}, {"admin.port", "7003"}}));
  EXPECT_EQ(all.logLevel, common::LogLevel::kError);
  EXPECT_EQ(all.admin.listener.port, 7003);

  GatewayConfig fileAndEnv = valueOf(load(file, {{"FHIRGW_LOGGING_LEVEL", "warning"}}));
  EXPECT_EQ(fileAndEnv.logLevel, common::LogLevel::kWarning);
  EXPECT_EQ(fileAndEnv.admin.listener.port, 7001);
}

TEST(ConfigLoading, ALaterSetEntryWinsOverAnEarlierOne) {
  GatewayConfig c = valueOf(load(std::nullopt, {}, {{"server.port", "1"}, {"server.port", "2"}}));
  EXPECT_EQ(c.server.port, 2);
}

TEST(ConfigLoading, OverridesReachKeysOfObjectsAbsentFromTheFile) {
  GatewayConfig c =
      valueOf(load(R"({"server": {"port": 9000}})", {{"FHIRGW_LIMITS_MAXBODYBYTES", "2048"}},
                   {{"shutdown.graceMs", "250"}}));
  EXPECT_EQ(c.limits.maxBodyBytes, 2048u);
  EXPECT_EQ(c.shutdownGrace, std::chrono::milliseconds(250));
}

TEST(ConfigLoading, EnvironmentNamesAreTheUpperCasedPathWithUnderscores) {
  GatewayConfig c = valueOf(load(std::nullopt, {{"FHIRGW_SERVER_RECEIVETIMEOUTMS", "1500"},
                                                {"FHIRGW_ADMIN_TOKEN", kGoodToken},
                                                {"FHIRGW_STORAGE_URL", "sqlite:/tmp/x.db"}}));
  EXPECT_EQ(c.server.receiveTimeout, std::chrono::milliseconds(1500));
  EXPECT_EQ(c.admin.token, kGoodToken);
  EXPECT_EQ(c.storage.url, "sqlite:/tmp/x.db");
}

TEST(ConfigLoading, VariablesWithoutThePrefixAreIgnored) {
  GatewayConfig c = valueOf(load(std::nullopt, {{"PATH", "/bin"}, {"SERVER_PORT", "1"}}));
  EXPECT_EQ(c.server.port, 8080);
}

// --- Unknown keys ----------------------------------------------------------------------------

TEST(ConfigLoading, UnknownKeyInTheFileIsAnErrorNamingItsPath) {
  std::string e = errorOf(load(R"({"server": {"tls": {"foo": 1}}, "colour": "blue"})"));
  EXPECT_THAT(e, HasSubstr("server.tls.foo: unknown key in gateway.json"));
  EXPECT_THAT(e, HasSubstr("colour: unknown key"));
}

TEST(ConfigLoading, UnknownFileKeyNearAKnownOneGetsASuggestion) {
  EXPECT_THAT(errorOf(load(R"({"server": {"prot": 1}})")),
              HasSubstr("server.prot: unknown key in gateway.json (did you mean server.port?)"));
}

TEST(ConfigLoading, FileKeysAreCaseSensitive) {
  EXPECT_THAT(errorOf(load(R"({"server": {"Port": 1}})")), HasSubstr("server.Port: unknown key"));
}

TEST(ConfigLoading, UnknownEnvironmentVariableIsAnErrorNamingIt) {
  std::string e = errorOf(load(std::nullopt, {{"FHIRGW_SERVER_PROT", "1"}}));
  EXPECT_THAT(e, HasSubstr("environment FHIRGW_SERVER_PROT: unknown configuration key"));
  EXPECT_THAT(e, HasSubstr("did you mean FHIRGW_SERVER_PORT?"));
}

TEST(ConfigLoading, UnknownSetPathIsAnErrorNamingIt) {
  std::string e = errorOf(load(std::nullopt, {}, {{"server.prot", "1"}}));
  EXPECT_THAT(e, HasSubstr("--set server.prot: unknown key (did you mean server.port?)"));
}

TEST(ConfigLoading, SetPathsAreExactCamelCase) {
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"storage.datadir", "x"}})),
              HasSubstr("--set storage.datadir: unknown key"));
}

TEST(ConfigLoading, OverridingAWholeObjectSaysItIsAnObject) {
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"server.tls", "on"}})),
              HasSubstr("--set server.tls: unknown key (server.tls is an object"));
  EXPECT_THAT(
      errorOf(load(std::nullopt, {{"FHIRGW_SERVER", "x"}})),
      HasSubstr("environment FHIRGW_SERVER: unknown configuration key (server is an object"));
}

TEST(ConfigLoading, AnUnknownOverrideBelowTlsDoesNotSwitchTlsOn) {
  std::string e = errorOf(load(std::nullopt, {}, {{"server.tls.foo", "1"}}));
  EXPECT_THAT(e, HasSubstr("--set server.tls.foo: unknown key"));
  EXPECT_THAT(e, Not(HasSubstr("certificateFile")));
}

// The rows of the key table of docs/configuration.md (its "## Keys" section).
std::vector<std::string> documentedKeys() {
  std::string doc = readFile(sourceDir() / "docs" / "configuration.md");
  std::size_t begin = doc.find("\n## Keys\n");
  std::size_t end = doc.find("\n## ", begin + 1);
  EXPECT_NE(begin, std::string::npos) << "docs/configuration.md has no \"## Keys\" section";
  if (begin == std::string::npos) return {};
  std::string section = doc.substr(begin, end == std::string::npos ? end : end - begin);
  std::regex row(R"(\n\| `([a-zA-Z.<>-]+)` \|)");
  std::vector<std::string> keys;
  for (std::sregex_iterator it(section.begin(), section.end(), row), stop; it != stop; ++it) {
    keys.push_back((*it)[1]);
  }
  return keys;
}

TEST(ConfigLoading, EveryDocumentedKeyIsKnown) {
  // The documentation's table is the operators' list; each row must name a real key, and each
  // plain key (not a pattern such as rules.tariffs.<ACT>) must be reachable by an override.
  const std::vector<std::string> schema = configurationKeys();
  const std::vector<std::string> documented = documentedKeys();
  for (const std::string& key : documented) {
    EXPECT_NE(std::find(schema.begin(), schema.end(), key), schema.end()) << key;
    if (key.find('<') != std::string::npos) continue;
    common::Result<GatewayConfig> r = load(std::nullopt, {}, {{key, "x"}});
    if (!r.hasValue()) {
      EXPECT_THAT(r.error().message(), Not(HasSubstr("unknown key"))) << key;
    }
  }
  EXPECT_EQ(std::set<std::string>(documented.begin(), documented.end()).size(), documented.size())
      << "a key is documented twice";
}

TEST(ConfigLoading, EveryKeyOfTheSchemaIsDocumented) {
  const std::vector<std::string> documented = documentedKeys();
  for (const std::string& key : configurationKeys()) {
    EXPECT_NE(std::find(documented.begin(), documented.end(), key), documented.end())
        << key << " is missing from docs/configuration.md";
  }
}

TEST(ConfigLoading, SchemaKeysWriteDataNamedMembersAsPatterns) {
  const std::vector<std::string> keys = configurationKeys();
  for (const char* key : {"server.port", "rules.severity.<RULE-ID>", "rules.tariffs.<ACT>",
                          "rules.activityCap.default", "rules.activityCap.<specialty>",
                          "rules.maxStartAheadSeconds"}) {
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
  for (const char* key :
       {"rules.severity.TLC-PATHWAY", "rules.tariffs.TCG", "rules.activityCap.psychiatry"}) {
    EXPECT_EQ(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
}

// --- Types and ranges ------------------------------------------------------------------------

TEST(ConfigLoading, PortAboveTheRangeIsRejected) {
  EXPECT_THAT(errorOf(load(R"({"server": {"port": 70000}})")),
              HasSubstr("server.port: must be an integer between 0 and 65535, got the number 70000 "
                        "in gateway.json"));
}

TEST(ConfigLoading, NegativePortIsRejected) {
  EXPECT_THAT(
      errorOf(load(std::nullopt, {}, {{"admin.port", "-1"}})),
      HasSubstr("admin.port: must be an integer between 0 and 65535, got \"-1\" from --set"));
}

TEST(ConfigLoading, NonNumericPortFromTheEnvironmentIsRejected) {
  EXPECT_THAT(errorOf(load(std::nullopt, {{"FHIRGW_SERVER_PORT", "abc"}})),
              HasSubstr("server.port: must be an integer between 0 and 65535, got \"abc\" from "
                        "environment FHIRGW_SERVER_PORT"));
}

TEST(ConfigLoading, PortZeroMeansAnyFreePortAndIsAccepted) {
  GatewayConfig c = valueOf(load(R"({"server": {"port": 0}, "admin": {"port": 0}})"));
  EXPECT_EQ(c.server.port, 0);
  EXPECT_EQ(c.admin.listener.port, 0);
}

TEST(ConfigLoading, PortWrittenAsAStringInTheFileIsATypeError) {
  EXPECT_THAT(errorOf(load(R"({"server": {"port": "8080"}})")),
              HasSubstr("server.port: must be an integer between 0 and 65535, got the string "
                        "\"8080\" in gateway.json"));
}

TEST(ConfigLoading, NumberWrittenWhereAStringBelongsIsATypeError) {
  EXPECT_THAT(errorOf(load(R"({"server": {"host": 8080}})")),
              HasSubstr("server.host: must be a string, got the number 8080"));
}

TEST(ConfigLoading, FractionsExponentsAndPaddedIntegersAreRejected) {
  EXPECT_FALSE(load(R"({"server": {"port": 8080.0}})").hasValue());
  EXPECT_FALSE(load(R"({"server": {"port": 8e3}})").hasValue());
  for (const char* text :
       {"08080", "+8080", " 8080", "8080 ", "", "0x1f90", "99999999999999999999"}) {
    EXPECT_FALSE(load(std::nullopt, {}, {{"server.port", text}}).hasValue()) << text;
  }
}

TEST(ConfigLoading, BooleansMustBeJsonBooleansOrTheWordsTrueAndFalse) {
  EXPECT_THAT(errorOf(load(R"({"server": {"tls": {"requireClientCertificate": "true"}}})")),
              HasSubstr("server.tls.requireClientCertificate: must be true or false, got the "
                        "string \"true\""));
  EXPECT_THAT(errorOf(load(std::nullopt, {{"FHIRGW_SERVER_TLS_REQUIRECLIENTCERTIFICATE", "1"}})),
              HasSubstr("server.tls.requireClientCertificate: must be true or false, got \"1\""));
}

TEST(ConfigLoading, AScalarWhereAnObjectBelongsIsATypeError) {
  EXPECT_THAT(errorOf(load(R"({"server": 5})")),
              HasSubstr("server: must be an object, got the number 5 in gateway.json"));
  EXPECT_THAT(errorOf(load(R"({"limits": []})")),
              HasSubstr("limits: must be an object, got an array"));
}

TEST(ConfigLoading, NullIsATypeError) {
  EXPECT_THAT(errorOf(load(R"({"storage": {"dataDir": null}})")),
              HasSubstr("storage.dataDir: must be a string, got null"));
}

TEST(ConfigLoading, ThreadCountsBelowOneAreRejected) {
  EXPECT_THAT(errorOf(load(R"({"server": {"maxThreads": 0}})")),
              HasSubstr("server.maxThreads: must be an integer between 1 and"));
  EXPECT_THAT(errorOf(load(std::nullopt, {{"FHIRGW_ADMIN_MAXTHREADS", "0"}})),
              HasSubstr("admin.maxThreads: must be an integer between 1 and"));
}

TEST(ConfigLoading, LimitsAndDurationsMustBePositive) {
  std::string e = errorOf(load(R"({"limits": {"maxJsonDepth": 0, "maxBodyBytes": -5},
                                   "server": {"receiveTimeoutMs": 0},
                                   "shutdown": {"graceMs": -1}})"));
  EXPECT_THAT(e, HasSubstr("limits.maxJsonDepth: must be an integer between 1 and 1024"));
  EXPECT_THAT(e, HasSubstr("limits.maxBodyBytes: must be an integer between 1 and"));
  EXPECT_THAT(e, HasSubstr("server.receiveTimeoutMs: must be a whole number of milliseconds"));
  EXPECT_THAT(e, HasSubstr("shutdown.graceMs: must be a whole number of milliseconds between 0"));
}

TEST(ConfigLoading, ABadValueIsReportedEvenWhenAHigherSourceReplacesIt) {
  EXPECT_THAT(errorOf(load(R"({"server": {"port": "8080"}})", {}, {{"server.port", "9000"}})),
              HasSubstr("server.port: must be an integer between 0 and 65535, got the string"));
}

// --- Log level -------------------------------------------------------------------------------

TEST(ConfigLoading, LogLevelIsReadFromEachSource) {
  EXPECT_EQ(valueOf(load(R"({"logging": {"level": "warning"}})")).logLevel,
            common::LogLevel::kWarning);
  EXPECT_EQ(valueOf(load(std::nullopt, {{"FHIRGW_LOGGING_LEVEL", "error"}})).logLevel,
            common::LogLevel::kError);
  EXPECT_EQ(valueOf(load(std::nullopt, {}, {{"logging.level", "debug"}})).logLevel,
            common::LogLevel::kDebug);
}

TEST(ConfigLoading, UnknownLogLevelIsRejectedWithTheAllowedValues) {
  EXPECT_THAT(errorOf(load(R"({"logging": {"level": "verbose"}})")),
              HasSubstr("logging.level: must be one of debug, info, warning, error, got the string "
                        "\"verbose\""));
  EXPECT_FALSE(load(std::nullopt, {}, {{"logging.level", "INFO"}}).hasValue());
}

// --- Admin token, storage, listeners ---------------------------------------------------------

TEST(ConfigLoading, ShortAdminTokenIsRejectedWithoutShowingIt) {
  std::string e = errorOf(load(std::nullopt, {{"FHIRGW_ADMIN_TOKEN", "short-secret"}}));
  EXPECT_THAT(e, HasSubstr("admin.token: must be at least 16 characters long"));
  EXPECT_THAT(e, Not(HasSubstr("short-secret")));
}

TEST(ConfigLoading, AdminTokenOfWrongTypeIsRejectedWithoutShowingIt) {
  std::string e = errorOf(load(R"({"admin": {"token": 123456789012345678}})"));
  EXPECT_THAT(e, HasSubstr("admin.token: must be a string, got a number"));
  EXPECT_THAT(e, Not(HasSubstr("123456789012345678")));
}

TEST(ConfigLoading, AdminTokenOfSixteenCharactersIsAccepted) {
  EXPECT_EQ(valueOf(load(std::nullopt, {{"FHIRGW_ADMIN_TOKEN", "0123456789abcdef"}})).admin.token,
            "0123456789abcdef");
}

// --- Retention --------------------------------------------------------------------------------

TEST(ConfigLoading, RetentionDefaultsAreThirtyDaysOfContentAndAYearOfMetadataAndAudit) {
  const RetentionConfig r = valueOf(load(std::nullopt)).retention;
  EXPECT_EQ(r.contentPeriod, std::chrono::hours(24 * 30));
  EXPECT_EQ(r.metadataPeriod, std::chrono::hours(24 * 365));
  EXPECT_EQ(r.auditPeriod, std::chrono::hours(24 * 365));
  EXPECT_EQ(r.interval, std::chrono::minutes(10));
  EXPECT_EQ(r.batchSize, 500u);
  EXPECT_EQ(r.batchPause, std::chrono::milliseconds(100));
}

TEST(ConfigLoading, RetentionIsReadFromEachSourceAndZeroKeepsForEver) {
  const RetentionConfig r =
      valueOf(load(R"({"retention": {"contentPeriodMs": 0, "metadataPeriodMs": 0,
                        "intervalMs": 250, "batchSize": 10, "batchPauseMs": 0}})",
                   {{"FHIRGW_RETENTION_AUDITPERIODMS", "86400000"}}))
          .retention;
  EXPECT_EQ(r.contentPeriod.count(), 0);
  EXPECT_EQ(r.metadataPeriod.count(), 0);
  EXPECT_EQ(r.auditPeriod, std::chrono::hours(24));
  EXPECT_EQ(r.interval, std::chrono::milliseconds(250));
  EXPECT_EQ(r.batchSize, 10u);
  EXPECT_EQ(r.batchPause.count(), 0);
}

TEST(ConfigLoading, AMetadataPeriodShorterThanTheContentPeriodNamesItsKey) {
  EXPECT_THAT(errorOf(load(
                  std::nullopt, {},
                  {{"retention.contentPeriodMs", "2000"}, {"retention.metadataPeriodMs", "1000"}})),
              HasSubstr("retention.metadataPeriodMs: must be at least retention.contentPeriodMs"));
  // Content kept for ever cannot outlive records deleted after a period.
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"retention.contentPeriodMs", "0"}})),
              HasSubstr("retention.metadataPeriodMs: must be at least"));
  EXPECT_THAT(errorOf(load(R"({"retention": {"batchSize": 0}})")),
              HasSubstr("retention.batchSize"));
  EXPECT_THAT(errorOf(load(R"({"retention": {"intervalMs": 10}})")),
              HasSubstr("retention.intervalMs"));
  // Equal periods, or records kept for ever, are fine.
  valueOf(load(std::nullopt, {},
               {{"retention.contentPeriodMs", "1000"}, {"retention.metadataPeriodMs", "1000"}}));
  valueOf(load(std::nullopt, {}, {{"retention.metadataPeriodMs", "0"}}));
}

TEST(ConfigLoading, StorageUrlMustSelectPostgresqlOrSqliteWithoutBeingShown) {
  EXPECT_TRUE(load(std::nullopt, {}, {{"storage.url", "sqlite:data/gw.db"}}).hasValue());
  std::string e = errorOf(load(std::nullopt, {}, {{"storage.url", "mysql://u:pw@db/gw"}}));
  EXPECT_THAT(e, HasSubstr("storage.url: must be empty, or start with \"postgresql://\" or "
                           "\"sqlite:\""));
  EXPECT_THAT(e, Not(HasSubstr("pw@db")));
}

TEST(ConfigLoading, EmptyHostsAndDataDirAreRejected) {
  std::string e = errorOf(load(std::nullopt, {}, {{"server.host", ""}, {"storage.dataDir", ""}}));
  EXPECT_THAT(e, HasSubstr("server.host: must not be empty"));
  EXPECT_THAT(e, HasSubstr("storage.dataDir: must not be empty"));
}

TEST(ConfigLoading, ListenersOnTheSamePortAndHostAreRejected) {
  EXPECT_THAT(errorOf(load(R"({"server": {"host": "127.0.0.1", "port": 9000},
                               "admin": {"host": "127.0.0.1", "port": 9000}})")),
              HasSubstr("admin.port: must differ from server.port"));
}

TEST(ConfigLoading, AWildcardHostOverlapsEveryHost) {
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"admin.port", "8080"}})),
              HasSubstr("admin.port: must differ from server.port"));
}

TEST(ConfigLoading, ListenersMayShareAPortOnDistinctHostsOrBothUsePortZero) {
  EXPECT_TRUE(load(R"({"server": {"host": "127.0.0.1", "port": 9000},
                       "admin": {"host": "127.0.0.2", "port": 9000}})")
                  .hasValue());
  EXPECT_TRUE(load(R"({"server": {"port": 0}, "admin": {"port": 0}})").hasValue());
}

// --- TLS -------------------------------------------------------------------------------------

TEST(ConfigLoading, AbsentTlsLeavesTheApiListenerPlain) {
  EXPECT_FALSE(valueOf(load(R"({"server": {"port": 8443}})")).server.tls.has_value());
}

TEST(ConfigLoading, TlsRequiresACertificateAndAKeyFile) {
  std::string e = errorOf(load(R"({"server": {"tls": {}}})"));
  EXPECT_THAT(e, HasSubstr("server.tls.certificateFile: required when server.tls is set"));
  EXPECT_THAT(e, HasSubstr("server.tls.privateKeyFile: required when server.tls is set"));
}

TEST(ConfigLoading, TlsFilesMustExist) {
  TempDir dir;
  std::string cert = dir.write("cert.pem", "certificate");
  std::string key = (dir.path() / "key.pem").string();
  std::string e =
      errorOf(load(std::nullopt, {},
                   {{"server.tls.certificateFile", cert}, {"server.tls.privateKeyFile", key}}));
  EXPECT_THAT(e, HasSubstr("server.tls.privateKeyFile: must be a readable file"));
  EXPECT_THAT(e, HasSubstr(key));
  EXPECT_THAT(e, Not(HasSubstr("server.tls.certificateFile")));
}

TEST(ConfigLoading, ADirectoryIsNotACertificateFile) {
  TempDir dir;
  std::string key = dir.write("key.pem", "key");
  std::string folder = (dir.path() / "").string();
  EXPECT_THAT(
      errorOf(load(std::nullopt, {},
                   {{"server.tls.certificateFile", folder}, {"server.tls.privateKeyFile", key}})),
      HasSubstr("server.tls.certificateFile: must be a readable file"));
}

TEST(ConfigLoading, TlsWithReadableFilesSwitchesHttpsOn) {
  TempDir dir;
  std::string cert = dir.write("cert.pem", "certificate");
  std::string key = dir.write("key.pem", "key");
  GatewayConfig c = valueOf(load(R"({"server": {"tls": {"certificateFile": ")" + cert +
                                 R"(", "privateKeyFile": ")" + key + R"("}}})"));
  ASSERT_TRUE(c.server.tls.has_value());
  EXPECT_EQ(c.server.tls->certificateFile, cert);
  EXPECT_EQ(c.server.tls->privateKeyFile, key);
  EXPECT_FALSE(c.server.tls->requireClientCertificate);
}

TEST(ConfigLoading, OverridesAloneCanSwitchTlsOn) {
  TempDir dir;
  std::string cert = dir.write("cert.pem", "certificate");
  std::string key = dir.write("key.pem", "key");
  GatewayConfig c = valueOf(load(std::nullopt, {{"FHIRGW_SERVER_TLS_CERTIFICATEFILE", cert},
                                                {"FHIRGW_SERVER_TLS_PRIVATEKEYFILE", key}}));
  ASSERT_TRUE(c.server.tls.has_value());
  EXPECT_EQ(c.server.tls->certificateFile, cert);
}

TEST(ConfigLoading, ClientCertificatesNeedACaFile) {
  TempDir dir;
  Sets sets = {{"server.tls.certificateFile", dir.write("cert.pem", "c")},
               {"server.tls.privateKeyFile", dir.write("key.pem", "k")},
               {"server.tls.requireClientCertificate", "true"}};
  EXPECT_THAT(errorOf(load(std::nullopt, {}, sets)),
              HasSubstr("server.tls.caFile: required when server.tls.requireClientCertificate is "
                        "true"));
  sets.emplace_back("server.tls.caFile", dir.write("ca.pem", "ca"));
  GatewayConfig c = valueOf(load(std::nullopt, {}, sets));
  ASSERT_TRUE(c.server.tls.has_value());
  EXPECT_TRUE(c.server.tls->requireClientCertificate);
  EXPECT_FALSE(c.server.tls->caFile.empty());
}

// --- Admin listener: TLS, and loopback unless TLS ----------------------------------------------

TEST(ConfigLoading, AdminTlsHasTheShapeAndChecksOfServerTls) {
  std::string e = errorOf(load(R"({"admin": {"tls": {"requireClientCertificate": true}}})"));
  EXPECT_THAT(e, HasSubstr("admin.tls.certificateFile: required when admin.tls is set"));
  EXPECT_THAT(e, HasSubstr("admin.tls.privateKeyFile: required when admin.tls is set"));
  EXPECT_THAT(e, HasSubstr("admin.tls.caFile: required when admin.tls.requireClientCertificate "
                           "is true"));
  const auto pki = testsupport::testPkiDir();
  GatewayConfig c = valueOf(
      load(std::nullopt, {{"FHIRGW_ADMIN_TLS_CERTIFICATEFILE", (pki / "server.pem").string()},
                          {"FHIRGW_ADMIN_TLS_PRIVATEKEYFILE", (pki / "server.key").string()}}));
  ASSERT_TRUE(c.admin.listener.tls.has_value());
  EXPECT_EQ(c.admin.listener.tls->certificateFile, (pki / "server.pem").string());
  EXPECT_FALSE(c.server.tls.has_value());
}

TEST(ConfigLoading, AdminListenerOffLoopbackWithoutTlsIsRefusedNamingAdminHost) {
  for (const std::string host : {"0.0.0.0", "::", "10.1.2.3", "admin.example.org", "[::]"}) {
    std::string e = errorOf(load(std::nullopt, {{"FHIRGW_ADMIN_HOST", host}}));
    EXPECT_THAT(e, HasSubstr("admin.host: must be a loopback address (127.0.0.0/8, ::1, "
                             "localhost) unless admin.tls is set"))
        << host;
    EXPECT_THAT(e, HasSubstr("FHIRGW_ADMIN_HOST")) << host;
  }
}

TEST(ConfigLoading, AdminListenerOnAnyLoopbackAddressNeedsNoTls) {
  for (const std::string host :
       {"127.0.0.1", "127.3.4.5", "::1", "[::1]", "localhost", "LocalHost"}) {
    EXPECT_TRUE(load(std::nullopt, {}, {{"admin.host", host}}).hasValue()) << host;
  }
}

TEST(ConfigLoading, AdminListenerOffLoopbackIsAcceptedWithTls) {
  const auto pki = testsupport::testPkiDir();
  GatewayConfig c = valueOf(load(std::nullopt, {},
                                 {{"admin.host", "0.0.0.0"},
                                  {"admin.tls.certificateFile", (pki / "server.pem").string()},
                                  {"admin.tls.privateKeyFile", (pki / "server.key").string()},
                                  {"admin.tls.caFile", (pki / "ca.pem").string()},
                                  {"admin.tls.requireClientCertificate", "true"}}));
  ASSERT_TRUE(c.admin.listener.tls.has_value());
  EXPECT_TRUE(c.admin.listener.tls->requireClientCertificate);
  EXPECT_EQ(c.admin.listener.host, "0.0.0.0");
}

// --- Secrets key -----------------------------------------------------------------------------

const std::string kSecretsKey = common::base64Encode(std::string(32, '\x07'));

TEST(ConfigLoading, NoSecretsKeyLeavesTheSecretBoxUnset) {
  EXPECT_FALSE(valueOf(load(std::nullopt)).secretBox.has_value());
}

TEST(ConfigLoading, SecretsKeyFileIsLoadedIntoTheSecretBox) {
  TempDir dir;
  GatewayConfig c = valueOf(
      load(std::nullopt, {}, {{"secrets.keyFile", dir.write("secrets.key", kSecretsKey + "\n")}}));
  ASSERT_TRUE(c.secretBox.has_value());
  EXPECT_EQ(c.secretBox->keyId(), common::SecretBox::fromKeyText(kSecretsKey)->keyId());
}

TEST(ConfigLoading, SecretsKeyFileMustBeReadableAndHoldAKey) {
  TempDir dir;
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"secrets.keyFile", dir.str() + "/missing.key"}})),
              HasSubstr("secrets.keyFile: must be a readable file"));
  const std::string shortKey = common::base64Encode(std::string(31, '\x07'));
  const std::string bad = dir.write("short.key", shortKey);
  const std::string message = errorOf(load(std::nullopt, {}, {{"secrets.keyFile", bad}}));
  EXPECT_THAT(message, AllOf(HasSubstr("secrets.keyFile"), HasSubstr(bad), HasSubstr("32")));
  EXPECT_THAT(message, Not(HasSubstr(shortKey)));
}

TEST(ConfigLoading, SecretsKeyVariableIsReadFromTheProcessEnvironment) {
  ASSERT_EQ(::setenv("FHIR_GATEWAY_TEST_SECRETS_KEY", kSecretsKey.c_str(), 1), 0);
  GatewayConfig c =
      valueOf(load(std::nullopt, {}, {{"secrets.keyVariable", "FHIR_GATEWAY_TEST_SECRETS_KEY"}}));
  ::unsetenv("FHIR_GATEWAY_TEST_SECRETS_KEY");
  ASSERT_TRUE(c.secretBox.has_value());
  EXPECT_EQ(c.secretBox->keyId(), common::SecretBox::fromKeyText(kSecretsKey)->keyId());
  EXPECT_THAT(
      errorOf(load(std::nullopt, {}, {{"secrets.keyVariable", "FHIR_GATEWAY_TEST_SECRETS_KEY"}})),
      AllOf(HasSubstr("secrets.keyVariable"), HasSubstr("FHIR_GATEWAY_TEST_SECRETS_KEY"),
            HasSubstr("not set")));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"secrets.keyVariable", "FHIRGW_SECRETS_KEY"}})),
              HasSubstr("secrets.keyVariable: must not start with FHIRGW_"));
}

TEST(ConfigLoading, SecretsKeyFileAndVariableAreExclusive) {
  TempDir dir;
  EXPECT_THAT(errorOf(load(std::nullopt, {},
                           {{"secrets.keyFile", dir.write("secrets.key", kSecretsKey)},
                            {"secrets.keyVariable", "FHIR_GATEWAY_TEST_SECRETS_KEY"}})),
              HasSubstr("either secrets.keyFile or secrets.keyVariable, not both"));
}

// --- Storage encryption keys -----------------------------------------------------------------

TEST(ConfigLoading, NoStorageKeyLeavesEncryptionAtRestOff) {
  EXPECT_EQ(valueOf(load(std::nullopt)).storageKeys, nullptr);
}

TEST(ConfigLoading, StorageKeysMakeARingWithTheActiveAndPreviousKeys) {
  TempDir dir;
  const std::string previous = common::base64Encode(std::string(32, '\x09'));
  GatewayConfig c =
      valueOf(load(R"({"storage": {"encryption": {"keyFile": ")" +
                   dir.write("new.key", kSecretsKey + "\n").string() +
                   R"(", "previousKeyFiles": [")" + dir.write("old.key", previous).string() +
                   R"("], "rotationBatchSize": 50, "rotationPauseMs": 0}}})"));
  ASSERT_NE(c.storageKeys, nullptr);
  EXPECT_EQ(c.storageKeys->activeKeyId(), common::SecretBox::fromKeyText(kSecretsKey)->keyId());
  ASSERT_EQ(c.storageKeys->previousKeyIds().size(), 1u);
  EXPECT_EQ(c.storageKeys->previousKeyIds()[0], common::SecretBox::fromKeyText(previous)->keyId());
  EXPECT_EQ(c.storage.encryption.rotationBatchSize, 50u);
  EXPECT_EQ(c.storage.encryption.rotationPause, std::chrono::milliseconds(0));
}

TEST(ConfigLoading, AStorageKeyThatCannotBeReadNamesItsKeyPath) {
  TempDir dir;
  EXPECT_THAT(
      errorOf(load(std::nullopt, {}, {{"storage.encryption.keyFile", dir.str() + "/missing.key"}})),
      HasSubstr("storage.encryption.keyFile: must be a readable file"));
  const std::string shortKey = common::base64Encode(std::string(31, '\x07'));
  const std::string message = errorOf(load(
      R"({"storage": {"encryption": {"keyFile": ")" + dir.write("ok.key", kSecretsKey).string() +
      R"(", "previousKeyFiles": [")" + dir.write("short.key", shortKey).string() + R"("]}}})"));
  EXPECT_THAT(message, HasSubstr("storage.encryption.previousKeyFiles[0]"));
  EXPECT_THAT(message, Not(HasSubstr(shortKey)));
  EXPECT_THAT(errorOf(load(std::nullopt, {},
                           {{"storage.encryption.keyVariable", "FHIR_GATEWAY_UNSET_STORAGE_KEY"}})),
              AllOf(HasSubstr("storage.encryption.keyVariable"), HasSubstr("not set")));
}

TEST(ConfigLoading, StorageKeysRefuseAmbiguousOrIncompleteSettings) {
  TempDir dir;
  const std::string key = dir.write("a.key", kSecretsKey).string();
  EXPECT_THAT(errorOf(load(std::nullopt, {},
                           {{"storage.encryption.keyFile", key},
                            {"storage.encryption.keyVariable", "FHIR_GATEWAY_STORAGE_KEY"}})),
              HasSubstr("not both"));
  EXPECT_THAT(
      errorOf(load(R"({"storage": {"encryption": {"previousKeyFiles": [")" + key + R"("]}}})")),
      HasSubstr("storage.encryption.previousKeyFiles: previous keys need an active key"));
  EXPECT_THAT(errorOf(load(R"({"storage": {"encryption": {"keyFile": ")" + key +
                           R"(", "previousKeyFiles": [")" + key + R"("]}}})")),
              HasSubstr("given twice"));
}

// --- PostgreSQL password ---------------------------------------------------------------------

TEST(ConfigLoading, ThePostgresqlPasswordComesFromAFileOrAVariableAndIsNeverShown) {
  TempDir dir;
  EXPECT_EQ(valueOf(load(std::nullopt)).storagePassword, "");
  GatewayConfig c =
      valueOf(load(std::nullopt, {},
                   {{"storage.passwordFile", dir.write("pg.password", "s3cret-pw\n").string()},
                    {"storage.connections", "4"}}));
  EXPECT_EQ(c.storagePassword, "s3cret-pw");
  EXPECT_EQ(c.storage.connections, 4u);

  ASSERT_EQ(::setenv("FHIR_GATEWAY_TEST_PG_PASSWORD", "other-pw", 1), 0);
  c = valueOf(
      load(std::nullopt, {}, {{"storage.passwordVariable", "FHIR_GATEWAY_TEST_PG_PASSWORD"}}));
  ::unsetenv("FHIR_GATEWAY_TEST_PG_PASSWORD");
  EXPECT_EQ(c.storagePassword, "other-pw");

  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"storage.passwordFile", dir.str() + "/missing"}})),
              HasSubstr("storage.passwordFile: must be a readable file"));
  EXPECT_THAT(errorOf(load(std::nullopt, {},
                           {{"storage.passwordFile", dir.write("empty", "\n").string()}})),
              HasSubstr("storage.passwordFile: the PostgreSQL password is empty"));
  EXPECT_THAT(errorOf(load(std::nullopt, {},
                           {{"storage.passwordVariable", "FHIR_GATEWAY_TEST_PG_PASSWORD"}})),
              AllOf(HasSubstr("storage.passwordVariable"), HasSubstr("not set")));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"storage.passwordVariable", "FHIRGW_PG"}})),
              HasSubstr("storage.passwordVariable: must not start with FHIRGW_"));
  const std::string both =
      errorOf(load(std::nullopt, {},
                   {{"storage.passwordFile", dir.write("pw", "s3cret-pw").string()},
                    {"storage.passwordVariable", "FHIR_GATEWAY_TEST_PG_PASSWORD"}}));
  EXPECT_THAT(both, HasSubstr("not both"));
  EXPECT_THAT(both, Not(HasSubstr("s3cret-pw")));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"storage.connections", "0"}})),
              HasSubstr("storage.connections"));
}

TEST(ConfigLoading, TheInstanceIdNamesOneInstanceAmongThoseSharingTheStore) {
  EXPECT_EQ(valueOf(load(std::nullopt)).storage.instanceId, "");  // gateway-<host name>
  const GatewayConfig c = valueOf(load(std::nullopt, {}, {{"storage.instanceId", "gw-2.site_a"}}));
  EXPECT_EQ(c.storage.instanceId, "gw-2.site_a");
  EXPECT_EQ(c.storage.connectorSyncInterval, std::chrono::seconds(5));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"storage.instanceId", "gw 2"}})),
              HasSubstr("storage.instanceId: must be at most 64 letters"));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"storage.instanceId", std::string(65, 'a')}})),
              HasSubstr("storage.instanceId"));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"storage.connectorSyncIntervalMs", "50"}})),
              HasSubstr("storage.connectorSyncIntervalMs"));
}

TEST(ConfigLoading, TheDeliveryLeaseLastsFiveMinutesUnlessSetBetweenASecondAndAnHour) {
  EXPECT_EQ(valueOf(load(std::nullopt)).storage.deliveryLease, std::chrono::minutes(5));
  EXPECT_EQ(valueOf(load(R"({"storage": {"deliveryLeaseMs": 1000}})")).storage.deliveryLease,
            std::chrono::seconds(1));
  EXPECT_EQ(valueOf(load(std::nullopt, {{"FHIRGW_STORAGE_DELIVERYLEASEMS", "3600000"}}))
                .storage.deliveryLease,
            std::chrono::hours(1));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"storage.deliveryLeaseMs", "999"}})),
              HasSubstr("storage.deliveryLeaseMs: must be a whole number of milliseconds between "
                        "1000 and 3600000"));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"storage.deliveryLeaseMs", "3600001"}})),
              HasSubstr("storage.deliveryLeaseMs"));
}

// --- File syntax and error reporting ---------------------------------------------------------

TEST(ConfigLoading, InvalidJsonNamesTheFileAndTheOffset) {
  EXPECT_THAT(errorOf(load(R"({"server": {"port": 80,}})")),
              HasSubstr("gateway.json: invalid JSON at byte"));
  EXPECT_THAT(errorOf(load("")), HasSubstr("gateway.json: invalid JSON at byte 0"));
}

TEST(ConfigLoading, TheFileMustHoldAnObject) {
  EXPECT_THAT(errorOf(load("[1, 2]")), HasSubstr("gateway.json: must hold a JSON object"));
}

TEST(ConfigLoading, DuplicateKeysAreAnError) {
  EXPECT_THAT(errorOf(load(R"({"server": {"port": 1, "port": 2}})")),
              HasSubstr("server.port: duplicate key in gateway.json"));
}

TEST(ConfigLoading, AbsurdlyDeepFilesAreRejected) {
  std::string deep = std::string(100, '[') + std::string(100, ']');
  EXPECT_THAT(errorOf(load(R"({"x": )" + deep + "}")), HasSubstr("deeper than the limit"));
}

TEST(ConfigLoading, EveryErrorIsReportedJoinedBySemicolons) {
  std::string e = errorOf(load(R"({"server": {"port": "x", "colour": 1}})", {{"FHIRGW_NOPE", "1"}},
                               {{"admin.port", "-1"}}));
  EXPECT_THAT(e, AllOf(HasSubstr("server.port: must be"), HasSubstr("; "),
                       HasSubstr("server.colour: unknown key"),
                       HasSubstr("environment FHIRGW_NOPE: unknown configuration key"),
                       HasSubstr("admin.port: must be an integer")));
}

// --- Rules (rules.*) ----------------------------------------------------------------------

// Compares every member: the structured binding stops compiling when RuleConfig gains one, so
// this helper (and the loader) cannot silently miss it.
void expectSameRules(const RuleConfig& actual, const RuleConfig& expected) {
  const auto& [severities, effectiveFrom, effectiveUntil, tariffs, actSpecialties, actSectors,
               fallbackActs, majorations, capDefault, capBySpecialty, testOids, neighbours,
               postalCodeDepartements, maxDocumentBytes, exemptRelations, maxStartAhead,
               capMonthsInitial, capMonthsProlongation] = actual;
  EXPECT_EQ(severities, expected.severities);
  EXPECT_EQ(effectiveFrom, expected.effectiveFrom);
  EXPECT_EQ(effectiveUntil, expected.effectiveUntil);
  EXPECT_EQ(tariffs, expected.tariffs);
  EXPECT_EQ(actSpecialties, expected.actSpecialties);
  EXPECT_EQ(actSectors, expected.actSectors);
  EXPECT_EQ(fallbackActs, expected.fallbackActs);
  EXPECT_EQ(majorations, expected.forbiddenMajorations);
  EXPECT_EQ(capDefault, expected.activityCapDefaultPercent);
  EXPECT_EQ(capBySpecialty, expected.activityCapPercentBySpecialty);
  EXPECT_EQ(testOids, expected.acceptTestInsOids);
  EXPECT_EQ(neighbours, expected.neighbouringDepartements);
  EXPECT_EQ(postalCodeDepartements, expected.postalCodeDepartements);
  EXPECT_EQ(maxDocumentBytes, expected.maxDocumentBytes);
  EXPECT_EQ(exemptRelations, expected.sickLeaveExemptRelations);
  EXPECT_EQ(maxStartAhead, expected.maxStartAhead);
  EXPECT_EQ(capMonthsInitial, expected.sickLeaveCapMonthsInitial);
  EXPECT_EQ(capMonthsProlongation, expected.sickLeaveCapMonthsProlongation);
}

std::vector<std::string> engineRuleIds() {
  std::vector<std::string> ids;
  for (const rules::RuleInfo* info : rules::ruleCatalogue()) {
    EXPECT_NE(info, nullptr) << "ruleCatalogue names a rule the engine does not register";
    if (info != nullptr) ids.emplace_back(info->id);
  }
  return ids;
}

TEST(RulesConfig, DefaultsAreTheRuleEngineDefaults) {
  expectSameRules(valueOf(load(std::nullopt)).rules, RuleConfig{});
  expectSameRules(valueOf(load(R"({"rules": {}})")).rules, RuleConfig{});
}

TEST(RulesConfig, EveryKeyIsReadFromTheFile) {
  const GatewayConfig c = valueOf(load(R"({"rules": {
    "severity": {"TLC-PATHWAY": "off", "BILL-AMOUNT": "error", "ID-RPPS": "warning",
                 "DOC-CONTENT": "information"},
    "tariffs": {"TCG": "26.00", "TC": "25.0"},
    "activityCap": {"default": 25, "psychiatry": 50, "general-practice": 30},
    "forbiddenMajorations": ["F", "MN"],
    "acceptTestInsOids": true,
    "neighbouringDepartements": [["51", "02"], ["2A", "2B"]],
    "maxDocumentBytes": 1048576,
    "sickLeaveExemptRelations": ["treating-physician", "other"],
    "maxStartAheadSeconds": 60
  }})"));
  const RuleConfig& r = c.rules;
  EXPECT_THAT(r.severities, ElementsAre(Pair("BILL-AMOUNT", RuleSeverity::kError),
                                        Pair("DOC-CONTENT", RuleSeverity::kInformation),
                                        Pair("ID-RPPS", RuleSeverity::kWarning),
                                        Pair("TLC-PATHWAY", RuleSeverity::kOff)));
  EXPECT_THAT(r.tariffs, ElementsAre(Pair("TC", "25.0"), Pair("TCG", "26.00")));
  EXPECT_EQ(r.activityCapDefaultPercent, 25);
  EXPECT_THAT(r.activityCapPercentBySpecialty,
              ElementsAre(Pair("general-practice", 30), Pair("psychiatry", 50)));
  EXPECT_EQ(r.activityCapPercent("pediatrics"), 25);
  EXPECT_THAT(r.forbiddenMajorations, ElementsAre("F", "MN"));
  EXPECT_TRUE(r.acceptTestInsOids);
  EXPECT_THAT(r.neighbouringDepartements, ElementsAre(Pair("51", "02"), Pair("2A", "2B")));
  EXPECT_EQ(r.maxDocumentBytes, 1048576u);
  EXPECT_THAT(r.sickLeaveExemptRelations,
              ElementsAre(Relation::kTreatingPhysician, Relation::kOther));
  EXPECT_EQ(r.maxStartAhead, std::chrono::seconds(60));
}

TEST(RulesConfig, EffectiveDatesAreReadFromTheFileAndOverrides) {
  const RuleConfig r =
      valueOf(load(R"({"rules": {"effectiveFrom": {"AAT-3-DAYS": "", "TLC-VIDEO": "2025-01-01"},
                                 "effectiveUntil": {"TLC-VIDEO": "2030-12-31"}}})",
                   {}, {{"rules.effectiveFrom.TLC-VIDEO", "2025-06-01"}}))
          .rules;
  EXPECT_THAT(r.effectiveFrom, ElementsAre(Pair("AAT-3-DAYS", std::nullopt),
                                           Pair("TLC-VIDEO", fhir::Date::parse("2025-06-01"))));
  EXPECT_THAT(r.effectiveUntil, ElementsAre(Pair("TLC-VIDEO", fhir::Date::parse("2030-12-31"))));
  EXPECT_TRUE(r.effectivePeriod("AAT-3-DAYS").unbounded());
}

TEST(RulesConfig, SickLeaveDurationCapsAreMonthsFromTheFileAndOverrides) {
  const RuleConfig r = valueOf(load(R"({"rules": {"sickLeaveDurationCapMonths": {"initial": 2}}})",
                                    {}, {{"rules.sickLeaveDurationCapMonths.prolongation", "3"}}))
                           .rules;
  EXPECT_EQ(r.sickLeaveCapMonthsInitial, 2);
  EXPECT_EQ(r.sickLeaveCapMonthsProlongation, 3);
  EXPECT_THAT(errorOf(load(R"({"rules": {"sickLeaveDurationCapMonths": {"initial": 0}}})")),
              HasSubstr("rules.sickLeaveDurationCapMonths.initial: must be an integer between 1 "
                        "and 120"));
}

TEST(RulesConfig, ActEligibilityIsReadFromTheFileAndChecked) {
  const RuleConfig r = valueOf(load(R"({"rules": {
      "tariffs": {"TCP": "30.00"},
      "actSpecialties": {"TCG": ["general-practice", "pediatrics"], "TCP": ["psychiatry"]},
      "actSectors": {"TCP": ["2", "none"]},
      "fallbackActs": ["TC", "TCX"]}})"))
                           .rules;
  EXPECT_THAT(r.actSpecialties,
              ElementsAre(Pair("TCG", ElementsAre("general-practice", "pediatrics")),
                          Pair("TCP", ElementsAre("psychiatry"))));
  EXPECT_THAT(r.actSectors, ElementsAre(Pair("TCG", ElementsAre("1", "2-optam", "none")),
                                        Pair("TCP", ElementsAre("2", "none"))));
  EXPECT_THAT(r.fallbackActs, ElementsAre("TC", "TCX"));
  EXPECT_TRUE(r.mayBill("TCP", "psychiatry", "none"));
  EXPECT_FALSE(r.mayBill("TCP", "psychiatry", "1"));
  EXPECT_THAT(errorOf(load(R"({"rules": {"actSectors": {"TCG": ["3"]}}})")),
              HasSubstr("rules.actSectors.TCG[0]: not a sector"));
  EXPECT_THAT(errorOf(load(R"({"rules": {"actSpecialties": {"TCG": "general-practice"}}})")),
              HasSubstr("rules.actSpecialties.TCG: must be an array of specialty codes"));
}

TEST(RulesConfig, PostalCodeTableIsExtendedByTheFileAndChecked) {
  const RuleConfig r =
      valueOf(load(R"({"rules": {"postalCodeDepartements": {"01200": "74"}}})")).rules;
  EXPECT_THAT(r.postalCodeDepartements,
              ElementsAre(Pair("01200", "74"), Pair("97133", "977"), Pair("97150", "978")));
  EXPECT_THAT(errorOf(load(R"({"rules": {"postalCodeDepartements": {"01200": "20"}}})")),
              HasSubstr("rules.postalCodeDepartements.01200: not a département code"));
  EXPECT_THAT(errorOf(load(R"({"rules": {"postalCodeDepartements": {"0120": "74"}}})")),
              HasSubstr("rules.postalCodeDepartements.0120: not a 5-digit postal code"));
}

TEST(RulesConfig, BadEffectiveDatesNameTheirKey) {
  EXPECT_THAT(errorOf(load(R"({"rules": {"effectiveFrom": {"AAT-3-DAYS": "2024-02-30"}}})")),
              HasSubstr("rules.effectiveFrom.AAT-3-DAYS: must be a date YYYY-MM-DD"));
  EXPECT_THAT(errorOf(load(R"({"rules": {"effectiveUntil": {"AAT-9-DAYS": "2024-02-01"}}})")),
              HasSubstr("rules.effectiveUntil.AAT-9-DAYS: unknown key"));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"rules.effectiveUntil.AAT-3-DAYS", "2023-12-31"}})),
              HasSubstr("rules.effectiveUntil.AAT-3-DAYS: the rule would end"));
}

TEST(RulesConfig, TariffsAndSpecialtyCapsInTheFileAddToTheDefaults) {
  const RuleConfig r = valueOf(load(R"({"rules": {"tariffs": {"TC": "20.00"},
                                 "activityCap": {"pediatrics": 30}}})"))
                           .rules;
  EXPECT_THAT(r.tariffs, ElementsAre(Pair("TC", "20.00"), Pair("TCG", "25.00")));
  EXPECT_THAT(r.activityCapPercentBySpecialty,
              ElementsAre(Pair("pediatrics", 30), Pair("psychiatry", 40)));
  EXPECT_EQ(r.activityCapDefaultPercent, 20);
}

TEST(RulesConfig, ArraysInTheFileReplaceTheDefaults) {
  const RuleConfig r = valueOf(load(R"({"rules": {"forbiddenMajorations": [],
                                                  "sickLeaveExemptRelations": ["referent-midwife"]}})"))
                           .rules;
  EXPECT_TRUE(r.forbiddenMajorations.empty());
  EXPECT_THAT(r.sickLeaveExemptRelations, ElementsAre(Relation::kReferentMidwife));
}

TEST(RulesConfig, SeverityIsOverriddenBySet) {
  const RuleConfig r =
      valueOf(load(R"({"rules": {"severity": {"TLC-PATHWAY": "error"}}})", {},
                   {{"rules.severity.TLC-PATHWAY", "off"}, {"rules.severity.ID-INS", "warning"}}))
          .rules;
  EXPECT_THAT(r.severities, ElementsAre(Pair("ID-INS", RuleSeverity::kWarning),
                                        Pair("TLC-PATHWAY", RuleSeverity::kOff)));
}

TEST(RulesConfig, SeverityIsOverriddenByTheEnvironmentWithTheRuleIdUpperCasedAsIs) {
  // The usual naming, kept for rule IDs: the path upper-cased, '.' -> '_', '-' left alone.
  const RuleConfig r =
      valueOf(load(std::nullopt, {{"FHIRGW_RULES_SEVERITY_TLC-PATHWAY", "off"},
                                  {"FHIRGW_RULES_SEVERITY_AAT-3-DAYS", "warning"}}))
          .rules;
  EXPECT_THAT(r.severities, ElementsAre(Pair("AAT-3-DAYS", RuleSeverity::kWarning),
                                        Pair("TLC-PATHWAY", RuleSeverity::kOff)));
  EXPECT_THAT(errorOf(load(std::nullopt, {{"FHIRGW_RULES_SEVERITY_TLC_PATHWAY", "off"}})),
              HasSubstr("environment FHIRGW_RULES_SEVERITY_TLC_PATHWAY: unknown configuration key "
                        "(did you mean FHIRGW_RULES_SEVERITY_TLC-PATHWAY?)"));
}

TEST(RulesConfig, EveryRuleOfTheEngineHasASeverityKeyThatTheEngineObeys) {
  const std::vector<std::string> ids = engineRuleIds();
  EXPECT_EQ(ids.size(), 20u);  // the rules table of rules.md
  Sets sets;
  for (const std::string& id : ids) sets.emplace_back("rules.severity." + id, "off");
  const GatewayConfig c = valueOf(load(std::nullopt, {}, sets));
  const common::ManualClock clock(common::TimePoint{});
  const rules::RuleEngine engine(c.rules, clock, nullptr);
  for (const std::string& id : ids) EXPECT_EQ(engine.severityOf(id), RuleSeverity::kOff) << id;
}

TEST(RulesConfig, UnknownRuleIdIsAnErrorNamingItsPath) {
  EXPECT_THAT(errorOf(load(R"({"rules": {"severity": {"FOO": "off"}}})")),
              HasSubstr("rules.severity.FOO: unknown key in gateway.json"));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"rules.severity.FOO", "off"}})),
              HasSubstr("--set rules.severity.FOO: unknown key"));
  EXPECT_THAT(errorOf(load(std::nullopt, {{"FHIRGW_RULES_SEVERITY_FOO", "off"}})),
              HasSubstr("environment FHIRGW_RULES_SEVERITY_FOO: unknown configuration key"));
}

TEST(RulesConfig, RuleIdsAreCaseSensitive) {
  EXPECT_THAT(errorOf(load(R"({"rules": {"severity": {"tlc-pathway": "off"}}})")),
              HasSubstr("rules.severity.tlc-pathway: unknown key in gateway.json"));
}

TEST(RulesConfig, BadSeverityIsRejectedWithTheAllowedValues) {
  EXPECT_THAT(errorOf(load(R"({"rules": {"severity": {"TLC-VIDEO": "warn"}}})")),
              HasSubstr("rules.severity.TLC-VIDEO: must be one of error, warning, information, "
                        "off, got the string \"warn\" in gateway.json"));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"rules.severity.TLC-VIDEO", "ERROR"}})),
              HasSubstr("rules.severity.TLC-VIDEO: must be one of error, warning, information, "
                        "off, got \"ERROR\" from --set rules.severity.TLC-VIDEO"));
  EXPECT_THAT(errorOf(load(R"({"rules": {"severity": {"TLC-VIDEO": false}}})")),
              HasSubstr("rules.severity.TLC-VIDEO: must be one of error, warning, information, "
                        "off, got false"));
}

TEST(RulesConfig, TariffThatIsNotADecimalIsRejectedNamingTheActAndTheSource) {
  EXPECT_THAT(errorOf(load(R"({"rules": {"tariffs": {"TC": "25,00"}}})")),
              HasSubstr("rules.tariffs.TC: must be a non-negative decimal such as \"25.00\", got "
                        "the string \"25,00\" in gateway.json"));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"rules.tariffs.TCG", "-1.00"}})),
              HasSubstr("rules.tariffs.TCG: must be a non-negative decimal such as \"25.00\", "
                        "got \"-1.00\" from --set rules.tariffs.TCG"));
}

TEST(RulesConfig, TariffWrittenAsAJsonNumberIsATypeError) {
  // Decimals are kept as text: a string says exactly which digits are meant.
  EXPECT_THAT(errorOf(load(R"({"rules": {"tariffs": {"TCG": 25.00}}})")),
              HasSubstr("rules.tariffs.TCG: must be a string, got the number 25.00"));
}

TEST(RulesConfig, TariffOverridesChangeActsOfTheFileOrTheDefaults) {
  EXPECT_THAT(valueOf(load(std::nullopt, {}, {{"rules.tariffs.TCG", "26.00"}})).rules.tariffs,
              ElementsAre(Pair("TCG", "26.00")));
  EXPECT_THAT(valueOf(load(R"({"rules": {"tariffs": {"TC": "20.00"}}})",
                           {{"FHIRGW_RULES_TARIFFS_TC", "21.00"}}))
                  .rules.tariffs,
              ElementsAre(Pair("TC", "21.00"), Pair("TCG", "25.00")));
}

TEST(RulesConfig, AnOverrideCannotAddATariff) {
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"rules.tariffs.TCX", "1.00"}})),
              HasSubstr("--set rules.tariffs.TCX: unknown key (overrides can only change members "
                        "of rules.tariffs that the configuration file or the defaults have)"));
  EXPECT_THAT(errorOf(load(std::nullopt, {{"FHIRGW_RULES_TARIFFS_TE", "1.00"}})),
              HasSubstr("environment FHIRGW_RULES_TARIFFS_TE: unknown configuration key "
                        "(overrides can only change members of rules.tariffs"));
}

TEST(RulesConfig, ActNamesThatAreEmptyHoldADotOrDifferOnlyInCaseAreRejected) {
  std::string e = errorOf(load(R"({"rules": {"tariffs": {"": "1.00", "T.C": "1.00"}}})"));
  EXPECT_THAT(e, HasSubstr("rules.tariffs: the member name \"\" in gateway.json must be "
                           "non-empty and without '.'"));
  EXPECT_THAT(e, HasSubstr("rules.tariffs: the member name \"T.C\""));
  EXPECT_THAT(errorOf(load(R"({"rules": {"tariffs": {"tcg": "1.00"}}})")),
              HasSubstr("rules.tariffs.tcg: must not differ from rules.tariffs.TCG only in case"));
}

TEST(RulesConfig, ActivityCapOutOfRangeIsRejected) {
  EXPECT_THAT(errorOf(load(R"({"rules": {"activityCap": {"default": 101}}})")),
              HasSubstr("rules.activityCap.default: must be an integer between 0 and 100, got the "
                        "number 101 in gateway.json"));
  EXPECT_THAT(errorOf(load(R"({"rules": {"activityCap": {"pediatrics": -1}}})")),
              HasSubstr("rules.activityCap.pediatrics: must be an integer between 0 and 100"));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"rules.activityCap.psychiatry", "20.5"}})),
              HasSubstr("rules.activityCap.psychiatry: must be an integer between 0 and 100, got "
                        "\"20.5\" from --set"));
}

TEST(RulesConfig, ActivityCapsAreOverriddenPerSpecialty) {
  const RuleConfig r = valueOf(load(std::nullopt, {{"FHIRGW_RULES_ACTIVITYCAP_DEFAULT", "0"}},
                                    {{"rules.activityCap.psychiatry", "100"}}))
                           .rules;
  EXPECT_EQ(r.activityCapDefaultPercent, 0);
  EXPECT_EQ(r.activityCapPercent("psychiatry"), 100);
}

TEST(RulesConfig, BadRelationCodeIsRejectedNamingItsIndex) {
  EXPECT_THAT(
      errorOf(load(R"({"rules": {"sickLeaveExemptRelations": ["treating-physician", "nurse"]}})")),
      HasSubstr("rules.sickLeaveExemptRelations[1]: must be one of treating-physician, "
                "treating-physician-replacement, same-practice-same-specialty, referent-midwife, "
                "other, got the string \"nurse\" in gateway.json"));
  EXPECT_THAT(errorOf(load(R"({"rules": {"sickLeaveExemptRelations": "other"}})")),
              HasSubstr("rules.sickLeaveExemptRelations: must be an array of relation codes, got "
                        "the string \"other\" in gateway.json"));
}

TEST(RulesConfig, ArrayOverridesAreWrittenAsJson) {
  const RuleConfig r =
      valueOf(load(std::nullopt, {{"FHIRGW_RULES_NEIGHBOURINGDEPARTEMENTS", R"([["51", "02"]])"}},
                   {{"rules.forbiddenMajorations", R"(["F"])"},
                    {"rules.sickLeaveExemptRelations", R"(["treating-physician"])"}}))
          .rules;
  EXPECT_THAT(r.neighbouringDepartements, ElementsAre(Pair("51", "02")));
  EXPECT_THAT(r.forbiddenMajorations, ElementsAre("F"));
  EXPECT_THAT(r.sickLeaveExemptRelations, ElementsAre(Relation::kTreatingPhysician));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"rules.forbiddenMajorations", "F,MN"}})),
              HasSubstr("rules.forbiddenMajorations: must be an array of majoration codes written "
                        "as JSON, got \"F,MN\" from --set rules.forbiddenMajorations"));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"rules.sickLeaveExemptRelations", R"(["x"])"}})),
              HasSubstr("rules.sickLeaveExemptRelations[0]: must be one of treating-physician"));
}

TEST(RulesConfig, NeighbouringDepartementsMustBePairsOfDepartementCodes) {
  EXPECT_THAT(errorOf(load(R"({"rules": {"neighbouringDepartements": [["51", "02"], ["51"]]}})")),
              HasSubstr("rules.neighbouringDepartements[1]: must be a pair of strings such as "
                        "[\"51\", \"02\"], got an array in gateway.json"));
  EXPECT_THAT(errorOf(load(R"({"rules": {"neighbouringDepartements": [[51, 2]]}})")),
              HasSubstr("rules.neighbouringDepartements[0]: must be a pair of strings"));
  // The codes themselves are the rule engine's check, reported with the source of the value.
  EXPECT_THAT(errorOf(load(R"({"rules": {"neighbouringDepartements": [["51", "2C"]]}})")),
              AllOf(HasSubstr("rules.neighbouringDepartements[0]: not a pair of département codes"),
                    HasSubstr("(in gateway.json)")));
}

TEST(RulesConfig, SizesAndDurationsAreBounded) {
  EXPECT_THAT(errorOf(load(R"({"rules": {"maxDocumentBytes": 0}})")),
              HasSubstr("rules.maxDocumentBytes: must be an integer between 1 and"));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"rules.maxStartAheadSeconds", "-1"}})),
              HasSubstr("rules.maxStartAheadSeconds: must be a whole number of seconds between 0 "
                        "and 86400"));
  EXPECT_EQ(
      valueOf(load(std::nullopt, {{"FHIRGW_RULES_MAXSTARTAHEADSECONDS", "0"}})).rules.maxStartAhead,
      std::chrono::seconds(0));
}

TEST(RulesConfig, AcceptTestInsOidsIsABoolean) {
  EXPECT_TRUE(valueOf(load(std::nullopt, {{"FHIRGW_RULES_ACCEPTTESTINSOIDS", "true"}}))
                  .rules.acceptTestInsOids);
  EXPECT_THAT(errorOf(load(R"({"rules": {"acceptTestInsOids": "yes"}})")),
              HasSubstr("rules.acceptTestInsOids: must be true or false"));
}

TEST(RulesConfig, UnknownKeyUnderRulesIsAnErrorNamingItsPath) {
  std::string e = errorOf(load(R"({"rules": {"tarifs": {"TCG": "25.00"},
                                             "activityCap": {"default": 20},
                                             "maxDocumentByte": 5}})"));
  EXPECT_THAT(e, HasSubstr("rules.tarifs: unknown key in gateway.json"));
  EXPECT_THAT(e, HasSubstr("rules.maxDocumentByte: unknown key in gateway.json (did you mean "
                           "rules.maxDocumentBytes?)"));
  EXPECT_THAT(errorOf(load(R"({"rules": {"severity": "off"}})")),
              HasSubstr("rules.severity: must be an object, got the string \"off\""));
  EXPECT_THAT(errorOf(load(std::nullopt, {}, {{"rules.severity", "off"}})),
              HasSubstr("--set rules.severity: unknown key (rules.severity is an object"));
}

TEST(RulesConfig, EveryRuleIdIsDocumentedWithItsDefaultSeverity) {
  std::string doc = readFile(sourceDir() / "docs" / "configuration.md");
  std::regex row(R"(\n\| `([A-Z0-9-]+)` \| (error|warning|information) \|)");
  std::map<std::string, std::string> documented;
  for (std::sregex_iterator it(doc.begin(), doc.end(), row), end; it != end; ++it) {
    documented[(*it)[1]] = (*it)[2];
  }
  std::map<std::string, std::string> engine;
  for (const rules::RuleInfo* info : rules::ruleCatalogue()) {
    if (info != nullptr) engine[std::string(info->id)] = rules::code(info->defaultSeverity);
  }
  EXPECT_EQ(documented, engine);
}

// --- The shipped file and the process environment --------------------------------------------

TEST(ConfigLoading, TheDemoConfigFileLoadsWithTheDocumentedValues) {
  std::filesystem::path file = sourceDir() / "config" / "gateway.json";
  ASSERT_TRUE(std::filesystem::exists(file)) << file;
  GatewayConfig c = valueOf(load(readFile(file)));
  EXPECT_EQ(c.server.host, "0.0.0.0");
  EXPECT_EQ(c.server.port, 8080);
  EXPECT_FALSE(c.server.tls.has_value());
  EXPECT_EQ(c.admin.listener.host, "127.0.0.1");
  EXPECT_EQ(c.admin.listener.port, 8081);
  EXPECT_EQ(c.storage.dataDir, "data");
  EXPECT_EQ(c.logLevel, common::LogLevel::kInfo);
  expectSameRules(c.rules, RuleConfig{});
}

TEST(ConfigLoading, TheMssanteExampleLoadsAndItsConnectorsStartWithRealCertificates) {
  std::string text = readFile(sourceDir() / "config" / "gateway.mssante-example.json");
  ASSERT_FALSE(text.empty());
  // The example's certificate paths, pointed at the test PKI so the options can be checked.
  const auto pki = testsupport::testPkiDir();
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"/etc/fhir-gateway/mssante/igc-sante-ca.pem", (pki / "ca.pem").string()},
           {"/etc/fhir-gateway/mssante/bal-applicative.pem", (pki / "client.pem").string()},
           {"/etc/fhir-gateway/mssante/bal-applicative.key", (pki / "client.key").string()}}) {
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }
  GatewayConfig c = valueOf(load(text));
  ASSERT_EQ(c.connectors.size(), 2U);
  EXPECT_EQ(c.connectors[1].type, "mssante");
  connectors::ConnectorRegistry registry;
  connectors::registerAll(registry);
  auto created = connectors::createConnectors(registry, c.connectors, {});
  ASSERT_TRUE(created.hasValue()) << created.status().toString();
  ASSERT_EQ(created->size(), 2U);
  EXPECT_EQ((*created)[1].connector->addressing(), connectors::Addressing::kMssanteAddress);
}

TEST(ConfigLoading, TheDmpXdsExampleLoadsAndItsConnectorStartsWithRealCertificates) {
  std::string text = readFile(sourceDir() / "config" / "gateway.dmp-xds-example.json");
  ASSERT_FALSE(text.empty());
  // The example's certificate paths, pointed at the test PKI so the options can be checked (the
  // signing pair is loaded at start-up).
  const auto pki = testsupport::testPkiDir();
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"/etc/fhir-gateway/dmp/aci-el-org.pem", (pki / "ca.pem").string()},
           {"/etc/fhir-gateway/dmp/org-auth-cli.pem", (pki / "client.pem").string()},
           {"/etc/fhir-gateway/dmp/org-auth-cli.key", (pki / "client.key").string()},
           {"/etc/fhir-gateway/dmp/org-sign.pem", (pki / "sign.pem").string()},
           {"/etc/fhir-gateway/dmp/org-sign.key", (pki / "sign.key").string()}}) {
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }
  GatewayConfig c = valueOf(load(text));
  ASSERT_EQ(c.connectors.size(), 2U);
  EXPECT_EQ(c.connectors[1].type, "dmp-xds");
  connectors::ConnectorRegistry registry;
  connectors::registerAll(registry);
  auto created = connectors::createConnectors(registry, c.connectors, {});
  ASSERT_TRUE(created.hasValue()) << created.status().toString();
  ASSERT_EQ(created->size(), 2U);
  EXPECT_TRUE((*created)[1].connector->acceptsDocumentKind("prescription"));
  EXPECT_FALSE((*created)[1].connector->acceptsDocumentKind("sick-leave"));
}

TEST(ConfigLoading, EveryWholeFileExampleOfTheDocumentationLoads) {
  std::string doc = readFile(sourceDir() / "docs" / "configuration.md");
  std::regex block("```json\n(\\{[^`]*)```");
  int examples = 0;
  for (std::sregex_iterator it(doc.begin(), doc.end(), block), end; it != end; ++it) {
    ++examples;
    common::Result<GatewayConfig> r = load((*it)[1]);
    EXPECT_TRUE(r.hasValue()) << (*it)[1] << r.status().toString();
  }
  EXPECT_GE(examples, 2);
}

TEST(ConfigLoading, GatewayEnvironmentCollectsOnlyPrefixedVariables) {
  ASSERT_EQ(setenv("FHIRGW_TEST_ONLY_VARIABLE", "a=b", 1), 0);
  ASSERT_EQ(setenv("NOT_FHIRGW_TEST_ONLY_VARIABLE", "x", 1), 0);
  Env env = gatewayEnvironment();
  unsetenv("FHIRGW_TEST_ONLY_VARIABLE");
  unsetenv("NOT_FHIRGW_TEST_ONLY_VARIABLE");
  ASSERT_EQ(env.count("FHIRGW_TEST_ONLY_VARIABLE"), 1u);
  EXPECT_EQ(env["FHIRGW_TEST_ONLY_VARIABLE"], "a=b");
  EXPECT_EQ(env.count("NOT_FHIRGW_TEST_ONLY_VARIABLE"), 0u);
  for (const auto& [name, value] : env) EXPECT_EQ(name.rfind("FHIRGW_", 0), 0u) << name;
}

}  // namespace
}  // namespace fhirgw::gateway
