// The fhir-rest connector's OAuth2 client credentials against a local HTTPS token endpoint (the
// test peer, with the test PKI): client_secret_basic, private_key_jwt (RS256 and ES256, the
// assertion verified here with OpenSSL against the public key), the token cache and its expiry
// on a ManualClock, the refresh after a 401 of the FHIR server, and the endpoint's errors.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>

#include "connectors_test_support.hpp"
#include "fhir_rest/oauth2_client.hpp"
#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/connectors/engine/payload_builder.hpp"
#include "fhirgw/connectors/registry.hpp"

using namespace fhirgw;
using namespace fhirgw::connectors;
using namespace fhirgw::connectors::testsupport;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;
using Response = Poco::Net::HTTPServerResponse;

namespace {

constexpr const char* kTransactionResponse =
    R"({"resourceType":"Bundle","type":"transaction-response","entry":[]})";
constexpr const char* kClientSecret = "s3cr:t/+ value";

void answerJson(Response& response, int status, const std::string& body,
                const std::string& type = "application/json") {
  response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
  response.setContentType(type);
  response.sendBuffer(body.data(), body.size());
}

std::string tokenAnswer(const std::string& token, int expiresIn = 3600) {
  return R"({"access_token":")" + token + R"(","token_type":"bearer","expires_in":)" +
         std::to_string(expiresIn) + "}";
}

// application/x-www-form-urlencoded body -> name/value (the test's own decoder).
std::map<std::string, std::string> formDecode(const std::string& body) {
  std::map<std::string, std::string> out;
  const auto decode = [](std::string_view s) {
    std::string text;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '+') {
        text.push_back(' ');
      } else if (s[i] == '%' && i + 2 < s.size()) {
        text.push_back(static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16)));
        i += 2;
      } else {
        text.push_back(s[i]);
      }
    }
    return text;
  };
  std::size_t start = 0;
  while (start <= body.size()) {
    std::size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    const std::string_view pair(body.data() + start, end - start);
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos) out[decode(pair.substr(0, eq))] = decode(pair.substr(eq + 1));
    start = end + 1;
  }
  return out;
}

std::string base64UrlDecode(std::string text) {
  std::replace(text.begin(), text.end(), '-', '+');
  std::replace(text.begin(), text.end(), '_', '/');
  while (text.size() % 4 != 0) text.push_back('=');
  return common::base64Decode(text).value_or("<not base64url>");
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

Pkey readPrivateKey(const std::filesystem::path& file) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(file.c_str(), "r"), BIO_free);
  return Pkey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

// The public half only, as a verifier would hold it.
Pkey publicKeyOf(EVP_PKEY* key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key, &der);
  const unsigned char* p = der;
  Pkey out(n > 0 ? d2i_PUBKEY(nullptr, &p, n) : nullptr);
  OPENSSL_free(der);
  return out;
}

// A fresh P-256 key written as PEM.
std::filesystem::path writeEcKey(const TempDir& dir) {
  Pkey key(EVP_EC_gen("P-256"));
  auto path = dir.path() / "ec.key";
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "w"), BIO_free);
  if (!key || !bio ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    ADD_FAILURE() << "cannot write the EC key";
  }
  return path;
}

// Verifies a compact JWS with the public key; ES256 signatures are raw r || s.
bool verifyJws(const std::string& jwt, EVP_PKEY* publicKey, bool es256) {
  const auto lastDot = jwt.rfind('.');
  if (lastDot == std::string::npos) return false;
  const std::string input = jwt.substr(0, lastDot);
  std::string signature = base64UrlDecode(jwt.substr(lastDot + 1));
  if (es256) {
    if (signature.size() != 64) return false;
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int n = i2d_ECDSA_SIG(sig, &der);
    ECDSA_SIG_free(sig);
    signature.assign(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
    OPENSSL_free(der);
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, publicKey) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(input.data()),
                          input.size()) == 1;
}

/// A TLS peer serving both a token endpoint (/token) and a FHIR server (/fhir), counting each.
class OAuth2Peer {
 public:
  using Handler = std::function<void(const ReceivedRequest&, Response&, int index)>;

  OAuth2Peer(Handler token, Handler fhir)
      : token_(std::move(token)),
        fhir_(std::move(fhir)),
        server_([this](const ReceivedRequest& request, Response& r, int) {
          if (request.uri == "/token") {
            token_(request, r, tokenCalls_++);
          } else {
            fhir_(request, r, fhirCalls_++);
          }
        }) {}

  std::string url(const std::string& path) const { return server_.url(path); }
  int tokenCalls() const { return tokenCalls_; }
  int fhirCalls() const { return fhirCalls_; }
  std::vector<ReceivedRequest> requests(const std::string& uri) const {
    std::vector<ReceivedRequest> out;
    for (const ReceivedRequest& r : server_.requests()) {
      if (r.uri == uri) out.push_back(r);
    }
    return out;
  }

 private:
  Handler token_;
  Handler fhir_;
  std::atomic<int> tokenCalls_{0};
  std::atomic<int> fhirCalls_{0};
  TestHttpsServer server_;
};

class FhirRestOAuth2 : public ::testing::Test {
 protected:
  void SetUp() override { registerAll(registry); }

  static std::string tls() {
    const auto pki = testPkiDir();
    return R"("caFile":")" + (pki / "ca.pem").string() + R"(","clientCertificateFile":")" +
           (pki / "client.pem").string() + R"(","clientKeyFile":")" +
           (pki / "client.key").string() + R"(","connectTimeoutMs":5000,"timeoutMs":5000)" +
           loopbackAllowed();
  }

  // The peer is on 127.0.0.1, which the outbound address policy refuses unless listed.
  static std::string loopbackAllowed() { return R"(,"allowedPrivateNetworks":["127.0.0.0/8"])"; }

  /// A fhir-rest connector posting to the peer's /fhir with `oauth2` (JSON object text).
  std::shared_ptr<Connector> make(const OAuth2Peer& peer, const std::string& oauth2) {
    auto configs = parseConnectorInstances(R"([{"id":"hospital","type":"fhir-rest",
        "routes":["dmp"],"options":{"baseUrl":")" +
                                           peer.url("/fhir") + R"(","validate":false,"oauth2":)" +
                                           oauth2 + "," + tls() + "}}]");
    EXPECT_TRUE(configs.hasValue()) << configs.error().message();
    if (!configs) return nullptr;
    auto created = createConnectors(registry, *configs, {&clock, nullptr});
    EXPECT_TRUE(created.hasValue()) << created.error().message();
    return created ? created->front().connector : nullptr;
  }

  std::string secretOptions(const OAuth2Peer& peer) const {
    return R"({"tokenUrl":")" + peer.url("/token") +
           R"(","clientId":"gw client","clientSecret":")" + kClientSecret +
           R"(","scope":"system/*.write"})";
  }

  DeliveryResult deliver(Connector& connector) {
    store::Delivery d;
    d.id = "d-1";
    d.recordId = SampleIds{}.recordId;
    d.documentId = SampleIds{}.documentId;
    auto payload = makeDeliveryPayload(d, sampleResources());
    EXPECT_TRUE(payload.hasValue());
    return connector.deliver(*payload, {});
  }

  TempDir dir;
  common::ManualClock clock{testStart()};
  ConnectorRegistry registry;
};

void fhirOk(const ReceivedRequest&, Response& r, int) {
  answerJson(r, 200, kTransactionResponse, "application/fhir+json");
}

}  // namespace

TEST(OAuth2Encoding, FormEncodingKeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(detail::formUrlEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(detail::formUrlEncode("a b:c/d+e%&=\xc3\xa9"), "a+b%3Ac%2Fd%2Be%25%26%3D%C3%A9");
}

TEST(OAuth2Encoding, Base64UrlHasNoPaddingAndTheUrlAlphabet) {
  EXPECT_EQ(detail::base64Url("\xfb\xff"), "-_8");
  EXPECT_EQ(detail::base64Url("f"), "Zg");
}

TEST_F(FhirRestOAuth2, ClientSecretGoesAsHttpBasicAndTheTokenAsBearer) {
  OAuth2Peer peer(
      [](const ReceivedRequest&, Response& r, int) { answerJson(r, 200, tokenAnswer("tok-1")); },
      fhirOk);
  auto connector = make(peer, secretOptions(peer));
  ASSERT_NE(connector, nullptr);
  const DeliveryResult result = deliver(*connector);
  EXPECT_TRUE(result.delivered()) << result.message;

  const auto token = peer.requests("/token");
  ASSERT_EQ(token.size(), 1u);
  EXPECT_EQ(token[0].method, "POST");
  EXPECT_EQ(token[0].contentType, "application/x-www-form-urlencoded");
  // RFC 6749 §2.3.1: id and secret form-encoded, then joined by ':' and base64-encoded.
  EXPECT_EQ(token[0].authorization,
            "Basic " + common::base64Encode("gw+client:s3cr%3At%2F%2B+value"));
  const auto form = formDecode(token[0].body);
  EXPECT_EQ(form.at("grant_type"), "client_credentials");
  EXPECT_EQ(form.at("scope"), "system/*.write");
  EXPECT_EQ(form.count("client_secret"), 0u) << "the secret goes in the header only";
  EXPECT_EQ(token[0].body.find("s3cr"), std::string::npos);

  const auto fhir = peer.requests("/fhir");
  ASSERT_EQ(fhir.size(), 1u);
  EXPECT_EQ(fhir[0].authorization, "Bearer tok-1");
}

TEST_F(FhirRestOAuth2, ClientSecretFromAFile) {
  OAuth2Peer peer(
      [](const ReceivedRequest&, Response& r, int) { answerJson(r, 200, tokenAnswer("tok-1")); },
      fhirOk);
  const auto file = dir.write("client-secret", "from-file\n");
  auto connector =
      make(peer, R"({"tokenUrl":")" + peer.url("/token") +
                     R"(","clientId":"gw","clientSecretFile":")" + file.string() + R"("})");
  ASSERT_NE(connector, nullptr);
  EXPECT_TRUE(deliver(*connector).delivered());
  ASSERT_EQ(peer.requests("/token").size(), 1u);
  EXPECT_EQ(peer.requests("/token")[0].authorization,
            "Basic " + common::base64Encode("gw:from-file"));
  EXPECT_EQ(peer.requests("/token")[0].body, "grant_type=client_credentials");
}

TEST_F(FhirRestOAuth2, TheTokenIsCachedAcrossDeliveriesAndRenewedBeforeItExpires) {
  OAuth2Peer peer([](const ReceivedRequest&, Response& r,
                     int i) { answerJson(r, 200, tokenAnswer("tok-" + std::to_string(i), 120)); },
                  fhirOk);
  auto connector = make(peer, secretOptions(peer));
  ASSERT_NE(connector, nullptr);
  EXPECT_TRUE(deliver(*connector).delivered());
  EXPECT_TRUE(deliver(*connector).delivered());
  EXPECT_EQ(peer.tokenCalls(), 1) << "two deliveries, one token";
  // 120 s of life: renewed a tenth of it (12 s, less than 30 s) before the end.
  clock.advance(107s);
  EXPECT_TRUE(deliver(*connector).delivered());
  EXPECT_EQ(peer.tokenCalls(), 1);
  clock.advance(2s);
  EXPECT_TRUE(deliver(*connector).delivered());
  EXPECT_EQ(peer.tokenCalls(), 2) << "108 s after: a new token";
  const auto fhir = peer.requests("/fhir");
  ASSERT_EQ(fhir.size(), 4u);
  EXPECT_EQ(fhir[2].authorization, "Bearer tok-0");
  EXPECT_EQ(fhir[3].authorization, "Bearer tok-1");
}

TEST_F(FhirRestOAuth2,
       ALongLivedTokenIsRenewedThirtySecondsBeforeItsEndAndNoExpiryMeansFiveMinutes) {
  OAuth2Peer peer(
      [](const ReceivedRequest&, Response& r, int i) {
        if (i == 0) {
          answerJson(r, 200, tokenAnswer("tok-0", 3600));
        } else {
          answerJson(
              r, 200,
              R"({"access_token":"tok-)" + std::to_string(i) + R"(","token_type":"Bearer"})");
        }
      },
      fhirOk);
  auto connector = make(peer, secretOptions(peer));
  ASSERT_NE(connector, nullptr);
  EXPECT_TRUE(deliver(*connector).delivered());
  clock.advance(3569s);
  EXPECT_TRUE(deliver(*connector).delivered());
  EXPECT_EQ(peer.tokenCalls(), 1);
  clock.advance(1s);
  EXPECT_TRUE(deliver(*connector).delivered());
  EXPECT_EQ(peer.tokenCalls(), 2);
  // Without expires_in: 300 s, renewed 30 s before.
  clock.advance(269s);
  EXPECT_TRUE(deliver(*connector).delivered());
  EXPECT_EQ(peer.tokenCalls(), 2);
  clock.advance(1s);
  EXPECT_TRUE(deliver(*connector).delivered());
  EXPECT_EQ(peer.tokenCalls(), 3);
}

TEST_F(FhirRestOAuth2, AFhir401RenewsTheTokenAndRetriesOnce) {
  OAuth2Peer peer([](const ReceivedRequest&, Response& r,
                     int i) { answerJson(r, 200, tokenAnswer("tok-" + std::to_string(i))); },
                  [](const ReceivedRequest& request, Response& r, int) {
                    if (request.authorization == "Bearer tok-0") {
                      answerJson(r, 401, R"({"resourceType":"OperationOutcome"})");
                    } else {
                      fhirOk(request, r, 0);
                    }
                  });
  auto connector = make(peer, secretOptions(peer));
  ASSERT_NE(connector, nullptr);
  const DeliveryResult result = deliver(*connector);
  EXPECT_TRUE(result.delivered()) << result.message;
  EXPECT_EQ(peer.tokenCalls(), 2);
  const auto fhir = peer.requests("/fhir");
  ASSERT_EQ(fhir.size(), 2u);
  EXPECT_EQ(fhir[0].authorization, "Bearer tok-0");
  EXPECT_EQ(fhir[1].authorization, "Bearer tok-1");
  EXPECT_EQ(fhir[0].body, fhir[1].body);
  EXPECT_TRUE(deliver(*connector).delivered());
  EXPECT_EQ(peer.tokenCalls(), 2) << "the renewed token is cached";
}

TEST_F(FhirRestOAuth2, ASecondFhir401IsTheDeliverysPermanentResult) {
  OAuth2Peer peer([](const ReceivedRequest&, Response& r,
                     int i) { answerJson(r, 200, tokenAnswer("tok-" + std::to_string(i))); },
                  [](const ReceivedRequest&, Response& r, int) {
                    answerJson(r, 401, R"({"resourceType":"OperationOutcome"})");
                  });
  auto connector = make(peer, secretOptions(peer));
  ASSERT_NE(connector, nullptr);
  const DeliveryResult result = deliver(*connector);
  EXPECT_EQ(result.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(result.httpStatus, 401);
  EXPECT_EQ(peer.tokenCalls(), 2);
  EXPECT_EQ(peer.fhirCalls(), 2);
  EXPECT_THAT(result.message, Not(HasSubstr("tok-")));
}

TEST_F(FhirRestOAuth2, ATokenEndpoint503IsTransientAndNothingIsSent) {
  OAuth2Peer peer(
      [](const ReceivedRequest&, Response& r, int) {
        r.set("Retry-After", "20");
        answerJson(r, 503, R"({"error":"temporarily_unavailable"})");
      },
      fhirOk);
  auto connector = make(peer, secretOptions(peer));
  ASSERT_NE(connector, nullptr);
  const DeliveryResult result = deliver(*connector);
  EXPECT_EQ(result.errorClass, ErrorClass::kTransient);
  EXPECT_EQ(result.reason, "oauth2-token-unavailable");
  EXPECT_EQ(result.retryAfter, 20s);
  EXPECT_EQ(peer.fhirCalls(), 0);
}

TEST_F(FhirRestOAuth2, ARefusedClientIsPermanentAndTheMessageHoldsNoSecret) {
  OAuth2Peer peer(
      [](const ReceivedRequest&, Response& r, int) {
        answerJson(r, 401, R"({"error":"invalid_client","error_description":"bad secret"})");
      },
      fhirOk);
  auto connector = make(peer, secretOptions(peer));
  ASSERT_NE(connector, nullptr);
  const DeliveryResult result = deliver(*connector);
  EXPECT_EQ(result.errorClass, ErrorClass::kPermanent);
  EXPECT_EQ(result.reason, "oauth2-token-refused");
  EXPECT_THAT(result.message, HasSubstr("invalid_client"));
  EXPECT_THAT(result.message, Not(HasSubstr("s3cr")));
  EXPECT_EQ(peer.fhirCalls(), 0);
}

TEST_F(FhirRestOAuth2, AnAnswerWithoutABearerTokenIsPermanent) {
  OAuth2Peer peer(
      [](const ReceivedRequest&, Response& r, int i) {
        answerJson(r, 200,
                   i == 0 ? R"({"access_token":"tok","token_type":"mac"})"
                          : R"({"access_token":"tok with space","token_type":"Bearer"})");
      },
      fhirOk);
  auto connector = make(peer, secretOptions(peer));
  ASSERT_NE(connector, nullptr);
  for (int i = 0; i < 2; ++i) {
    const DeliveryResult result = deliver(*connector);
    EXPECT_EQ(result.errorClass, ErrorClass::kPermanent);
    EXPECT_EQ(result.reason, "oauth2-token-invalid");
  }
  EXPECT_EQ(peer.fhirCalls(), 0);
}

TEST_F(FhirRestOAuth2, PrivateKeyJwtSignsAnRs256AssertionTheEndpointVerifies) {
  const auto keyFile = testPkiDir() / "client.key";
  Pkey publicKey = publicKeyOf(readPrivateKey(keyFile).get());
  ASSERT_NE(publicKey, nullptr);
  OAuth2Peer peer(
      [](const ReceivedRequest&, Response& r, int) { answerJson(r, 200, tokenAnswer("tok-jwt")); },
      fhirOk);
  auto connector = make(peer, R"({"tokenUrl":")" + peer.url("/token") +
                                  R"(","clientId":"gw-1","scope":"system/*.write",
                                  "privateKeyJwt":{"keyFile":")" +
                                  keyFile.string() + R"(","keyId":"k-1"}})");
  ASSERT_NE(connector, nullptr);
  EXPECT_TRUE(deliver(*connector).delivered());
  const auto token = peer.requests("/token");
  ASSERT_EQ(token.size(), 1u);
  EXPECT_EQ(token[0].authorization, "") << "no Basic credentials with private_key_jwt";
  const auto form = formDecode(token[0].body);
  EXPECT_EQ(form.at("grant_type"), "client_credentials");
  EXPECT_EQ(form.at("client_assertion_type"),
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  const std::string jwt = form.at("client_assertion");
  EXPECT_TRUE(verifyJws(jwt, publicKey.get(), false));
  std::string altered = jwt;
  char& changed = altered[altered.find('.') + 5];
  changed = changed == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verifyJws(altered, publicKey.get(), false));

  const auto header = common::Json::parse(base64UrlDecode(jwt.substr(0, jwt.find('.'))));
  ASSERT_TRUE(header.hasValue());
  EXPECT_EQ(header->stringAt("alg"), "RS256");
  EXPECT_EQ(header->stringAt("kid"), "k-1");
  const auto firstDot = jwt.find('.');
  const auto claims =
      common::Json::parse(base64UrlDecode(jwt.substr(firstDot + 1, jwt.rfind('.') - firstDot - 1)));
  ASSERT_TRUE(claims.hasValue());
  EXPECT_EQ(claims->stringAt("iss"), "gw-1");
  EXPECT_EQ(claims->stringAt("sub"), "gw-1");
  EXPECT_EQ(claims->stringAt("aud"), peer.url("/token"));
  EXPECT_EQ(claims->stringAt("jti").size(), 32u);
  const auto start =
      std::chrono::duration_cast<std::chrono::seconds>(testStart().time_since_epoch()).count();
  EXPECT_EQ(claims->find("iat")->text(), std::to_string(start));
  EXPECT_EQ(claims->find("exp")->text(), std::to_string(start + 60));
  EXPECT_EQ(jwt.find('='), std::string::npos) << "base64url without padding";
}

TEST_F(FhirRestOAuth2, PrivateKeyJwtSignsAnEs256AssertionWithRawRAndS) {
  const auto keyFile = writeEcKey(dir);
  Pkey publicKey = publicKeyOf(readPrivateKey(keyFile).get());
  ASSERT_NE(publicKey, nullptr);
  OAuth2Peer peer([](const ReceivedRequest&, Response& r,
                     int i) { answerJson(r, 200, tokenAnswer("tok-" + std::to_string(i))); },
                  fhirOk);
  auto connector = make(peer, R"({"tokenUrl":")" + peer.url("/token") +
                                  R"(","clientId":"gw-ec","audience":"https://auth.example/",
                                  "privateKeyJwt":{"keyFile":")" +
                                  keyFile.string() + R"(","algorithm":"ES256"}})");
  ASSERT_NE(connector, nullptr);
  EXPECT_TRUE(deliver(*connector).delivered());
  clock.advance(1h);
  EXPECT_TRUE(deliver(*connector).delivered());
  const auto token = peer.requests("/token");
  ASSERT_EQ(token.size(), 2u);
  std::set<std::string> jtis;
  for (const ReceivedRequest& request : token) {
    const std::string jwt = formDecode(request.body).at("client_assertion");
    EXPECT_TRUE(verifyJws(jwt, publicKey.get(), true));
    const auto header = common::Json::parse(base64UrlDecode(jwt.substr(0, jwt.find('.'))));
    ASSERT_TRUE(header.hasValue());
    EXPECT_EQ(header->stringAt("alg"), "ES256");
    EXPECT_EQ(header->find("kid"), nullptr);
    const auto firstDot = jwt.find('.');
    const auto claims = common::Json::parse(
        base64UrlDecode(jwt.substr(firstDot + 1, jwt.rfind('.') - firstDot - 1)));
    ASSERT_TRUE(claims.hasValue());
    EXPECT_EQ(claims->stringAt("aud"), "https://auth.example/");
    jtis.insert(claims->stringAt("jti"));
  }
  EXPECT_EQ(jtis.size(), 2u) << "each assertion has its own jti";
}
