// Secret connector options: each type declares its secrets (ConnectorFactory::secretOptionKeys),
// inline secrets are read like their file twins, option errors never quote a secret, and
// secret_options.hpp removes, seals and opens them.

#include "fhirgw/connectors/secret_options.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "connectors_test_support.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/connectors/fhir_rest/fhir_rest_connector.hpp"
#include "fhirgw/connectors/mssante/mssante_connector.hpp"
#include "fhirgw/connectors/registry.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace fhirgw::connectors::testsupport;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

namespace {

constexpr const char* kSecret = "Sup3rSecretValue";

std::string pkiFile(const char* name) { return (testPkiDir() / name).string(); }

std::string mssanteOptions(const std::string& extra) {
  return R"({"url":"smtp://localhost:2525","caFile":")" + pkiFile("ca.pem") +
         R"(","clientCertificateFile":")" + pkiFile("client.pem") + R"(","clientKeyFile":")" +
         pkiFile("client.key") +
         R"(","from":"teleconsultation@hopital-test.mssante.fr","productReference":"FHIRGW-TEST-1",)"
         R"("sourceId":"1.2.250.1.999.1")" +
         extra + "}";
}

std::string fhirRestOptions(const std::string& extra) {
  return R"({"baseUrl":"https://fhir.example/r4")" + extra + "}";
}

std::string oauth2(const std::string& members) {
  return fhirRestOptions(R"(,"oauth2":{"tokenUrl":"https://auth.example/token","clientId":"gw")" +
                         members + "}");
}

// The error message of options expected to be refused.
template <typename Parsed>
std::string errorOf(const Parsed& parsed) {
  EXPECT_FALSE(parsed.hasValue()) << "the options were accepted";
  return parsed.hasValue() ? std::string() : parsed.error().message();
}

common::SecretBox box(char fill) {
  return common::SecretBox::fromKeyText(common::base64Encode(std::string(32, fill))).value();
}

}  // namespace

TEST(SecretOptionKeys, EveryTypeDeclaresItsSecrets) {
  ConnectorRegistry registry;
  registerAll(registry);
  const std::map<std::string, std::vector<std::string>> expected = {
      {"fhir-rest", {"bearerToken", "oauth2.clientSecret"}}, {"mssante", {"password"}}};
  for (const std::string& type : registry.types()) {
    const auto it = expected.find(type);
    EXPECT_EQ(registry.find(type)->secretOptionKeys(),
              it == expected.end() ? std::vector<std::string>{} : it->second)
        << type;
  }
}

TEST(SecretOptionKeys, InlineSecretsAreReadLikeTheirFiles) {
  auto token = parseFhirRestOptions(fhirRestOptions(R"(,"bearerToken":"tok-123")"), "c.options");
  ASSERT_TRUE(token.hasValue()) << token.error().message();
  EXPECT_EQ(token->bearerToken, "tok-123");
  auto secret = parseFhirRestOptions(oauth2(R"(,"clientSecret":"a b:c","scope":"s1 s2")"), "c");
  ASSERT_TRUE(secret.hasValue()) << secret.error().message();
  ASSERT_TRUE(secret->oauth2.has_value());
  EXPECT_EQ(secret->oauth2->clientSecret, "a b:c");
  EXPECT_EQ(secret->oauth2->scope, "s1 s2");
  EXPECT_EQ(secret->oauth2->tokenUrl.text, "https://auth.example/token");
  auto password = parseMssanteOptions(mssanteOptions(R"(,"username":"bal","password":"p w")"), "c");
  ASSERT_TRUE(password.hasValue()) << password.error().message();
  EXPECT_EQ(password->smtp.username, "bal");
  EXPECT_EQ(password->smtp.password, "p w");
}

TEST(SecretOptionKeys, BadSecretsAreRefusedWithoutQuotingThem) {
  const std::string secret = kSecret;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {fhirRestOptions(R"(,"bearerToken":"tok\n)" + secret + R"(")"), "c.options.bearerToken"},
      {fhirRestOptions(R"(,"bearerToken":"tok )" + secret + R"(")"), "c.options.bearerToken"},
      {fhirRestOptions(R"(,"bearerToken":["tok-)" + secret + R"("])"), "c.options.bearerToken"},
      {oauth2(R"(,"clientSecret":"a\r\n)" + secret + R"(")"), "c.options.oauth2.clientSecret"},
      {oauth2(R"(,"clientSecret":{"v":")" + secret + R"("})"), "c.options.oauth2.clientSecret"},
  };
  for (const auto& [options, key] : cases) {
    const std::string message = errorOf(parseFhirRestOptions(options, "c.options"));
    EXPECT_THAT(message, HasSubstr(key)) << options;
    EXPECT_THAT(message, Not(HasSubstr(kSecret))) << options;
  }
  const std::string message = errorOf(parseMssanteOptions(
      mssanteOptions(R"(,"username":"bal","password":"p\n)" + secret + R"(")"), "c.options"));
  EXPECT_THAT(message, HasSubstr("c.options.password"));
  EXPECT_THAT(message, Not(HasSubstr(kSecret)));
  const std::string number = errorOf(parseMssanteOptions(
      mssanteOptions(R"(,"username":"bal","password":8675309123)"), "c.options"));
  EXPECT_THAT(number, HasSubstr("c.options.password"));
  EXPECT_THAT(number, Not(HasSubstr("8675309123")));
}

TEST(SecretOptionKeys, EachSecretComesOneWayOnly) {
  TempDir dir;
  const std::string tokenFile = dir.write("token", "tok-file\n").string();
  EXPECT_THAT(
      errorOf(parseFhirRestOptions(
          fhirRestOptions(R"(,"bearerToken":"t","bearerTokenFile":")" + tokenFile + "\""), "c")),
      HasSubstr("bearerToken and bearerTokenFile exclude each other"));
  EXPECT_THAT(
      errorOf(parseFhirRestOptions(
          fhirRestOptions(
              R"(,"bearerToken":"t","oauth2":{"tokenUrl":"https://a.example/t","clientId":"gw","clientSecret":"s"})"),
          "c")),
      HasSubstr("c.oauth2: excludes a fixed bearer token"));
  EXPECT_THAT(
      errorOf(parseFhirRestOptions(oauth2(""), "c")),
      HasSubstr("c.oauth2.clientSecret: is required, or clientSecretFile, or privateKeyJwt"));
  EXPECT_THAT(
      errorOf(parseFhirRestOptions(oauth2(R"(,"clientSecret":"s","privateKeyJwt":{"keyFile":")" +
                                          pkiFile("client.key") + "\"}"),
                                   "c")),
      HasSubstr("exclude each other"));
  EXPECT_THAT(
      errorOf(parseMssanteOptions(
          mssanteOptions(R"(,"username":"bal","password":"p","passwordFile":")" + tokenFile + "\""),
          "c")),
      HasSubstr("password and passwordFile exclude each other"));
  EXPECT_THAT(errorOf(parseMssanteOptions(mssanteOptions(R"(,"password":"p")"), "c")),
              HasSubstr("c.username"));
}

TEST(SecretOptionKeys, OAuth2OptionsAreChecked) {
  EXPECT_THAT(
      errorOf(parseFhirRestOptions(
          fhirRestOptions(
              R"(,"allowInsecureHttpForTesting":true,"oauth2":{"tokenUrl":"http://a.example/t","clientId":"gw","clientSecret":"s"})"),
          "c")),
      HasSubstr("c.oauth2.tokenUrl: must be an https:// URL"));
  EXPECT_THAT(errorOf(parseFhirRestOptions(oauth2(R"(,"clientSecret":"s","audience":"x")"), "c")),
              HasSubstr("c.oauth2.audience: applies only with privateKeyJwt"));
  EXPECT_THAT(errorOf(parseFhirRestOptions(oauth2(R"(,"clientSecret":"s","scopes":"x")"), "c")),
              HasSubstr("c.oauth2.scopes: unknown key"));
  EXPECT_THAT(
      errorOf(parseFhirRestOptions(oauth2(R"(,"privateKeyJwt":{"keyFile":")" +
                                          pkiFile("client.key") + R"(","algorithm":"ES256"})"),
                                   "c")),
      AllOf(HasSubstr("c.oauth2.privateKeyJwt.keyFile"), HasSubstr("not ES256")));
  EXPECT_THAT(errorOf(parseFhirRestOptions(
                  oauth2(R"(,"privateKeyJwt":{"keyFile":")" + pkiFile("client.pem") + "\"}"), "c")),
              HasSubstr("is not an unencrypted PEM private key"));
  auto jwt = parseFhirRestOptions(
      oauth2(R"(,"privateKeyJwt":{"keyFile":")" + pkiFile("client.key") + R"(","keyId":"k1"})"),
      "c");
  ASSERT_TRUE(jwt.hasValue()) << jwt.error().message();
  EXPECT_EQ(jwt->oauth2->algorithm, "RS256") << "taken from the key";
  EXPECT_EQ(jwt->oauth2->keyId, "k1");
  EXPECT_TRUE(jwt->oauth2->clientSecret.empty());
}

TEST(SecretOptions, RedactRemovesOnlyTheSecretsPresent) {
  const auto options = common::Json::parse(R"({"baseUrl":"https://f.example","bearerToken":"t",)"
                                           R"("oauth2":{"clientId":"gw","clientSecret":"s"}})")
                           .value();
  const std::vector<std::string> keys = {"bearerToken", "oauth2.clientSecret", "password"};
  const common::Json redacted = redactSecrets(options, keys);
  EXPECT_EQ(redacted.serialize(), R"({"baseUrl":"https://f.example","oauth2":{"clientId":"gw"}})");
  EXPECT_THAT(secretsSet(options, keys), ElementsAre("bearerToken", "oauth2.clientSecret"));
  EXPECT_TRUE(secretsSet(redacted, keys).empty());
}

TEST(SecretOptions, SealedSecretsOpenOnlyForTheirConnectorAndKey) {
  const auto options =
      common::Json::parse(R"({"bearerToken":"tok-1","oauth2":{"clientSecret":"s-1"},"x":"y"})")
          .value();
  const std::vector<std::string> keys = {"bearerToken", "oauth2.clientSecret"};
  const common::SecretBox key = box('\x01');
  const auto sealed = sealSecrets(options, keys, key, "hospital");
  ASSERT_TRUE(sealed.hasValue()) << sealed.error().message();
  const std::string text = sealed->serialize();
  EXPECT_THAT(text, Not(HasSubstr("tok-1")));
  EXPECT_THAT(text, Not(HasSubstr("s-1")));
  EXPECT_EQ(sealed->stringAt("x"), "y");
  EXPECT_TRUE(common::SecretBox::isSealed(sealed->stringAt("bearerToken")));
  const auto resealed = sealSecrets(*sealed, keys, key, "hospital");
  ASSERT_TRUE(resealed.hasValue());
  EXPECT_EQ(resealed->serialize(), text) << "a sealed value is kept as it is";

  const auto opened = openSecrets(*sealed, keys, key, "hospital");
  ASSERT_TRUE(opened.hasValue()) << opened.error().message();
  EXPECT_EQ(opened->serialize(), options.serialize());

  const auto moved = openSecrets(*sealed, keys, key, "other");
  ASSERT_FALSE(moved.hasValue());
  EXPECT_EQ(moved.error().code(), common::StatusCode::kDataLoss);
  EXPECT_THAT(moved.error().message(), HasSubstr("options.bearerToken"));
  const auto otherKey = openSecrets(*sealed, keys, box('\x02'), "hospital");
  ASSERT_FALSE(otherKey.hasValue());
  EXPECT_EQ(otherKey.error().code(), common::StatusCode::kFailedPrecondition);
  const auto plain = openSecrets(options, keys, key, "hospital");
  ASSERT_FALSE(plain.hasValue());
  EXPECT_THAT(plain.error().message(), Not(HasSubstr("tok-1")));
}
