#include "oauth2_client.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <utility>

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/json_tree.hpp"

namespace fhirgw::connectors::detail {

using namespace std::chrono_literals;

namespace {

constexpr std::string_view kAssertionType =
    "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
constexpr std::chrono::seconds kDefaultLifetime{300};
constexpr std::chrono::seconds kMaxMargin{30};
constexpr std::chrono::seconds kAssertionLifetime{60};
constexpr int kEs256Half = 32;  // bytes of r, and of s
// A PEM RSA key of 4096 bits is about 3 kB: a file far larger than this is not a key file.
constexpr std::size_t kMaxKeyFileSize = std::size_t{64} * 1024;

struct KeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct EcdsaSigDeleter {
  void operator()(ECDSA_SIG* s) const { ECDSA_SIG_free(s); }
};

// Returning 0 from the password callback makes an encrypted key fail instead of prompting.
int noPassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) { return 0; }

bool isUnreserved(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

bool equalsIgnoringCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           const auto lower = [](char c) {
             return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
           };
           return lower(x) == lower(y);
         });
}

// A token goes into an Authorization header: visible ASCII only (RFC 6750 b64token is narrower,
// but servers issue JWTs and opaque tokens with other printable characters).
bool isUsableToken(std::string_view token) {
  return !token.empty() && token.size() <= std::size_t{16} * 1024 &&
         std::all_of(token.begin(), token.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// The OAuth error code of a refusal ("invalid_client"), kept only when it looks like one: the
// message goes to the attempt row and the log.
std::string errorCodeOf(const std::string& body) {
  auto json = common::Json::parse(body);
  if (!json || !json->isObject()) return {};
  std::string code = json->stringAt("error");
  if (code.empty() || code.size() > 64 ||
      !std::all_of(code.begin(), code.end(), [](char c) { return isUnreserved(c); })) {
    return {};
  }
  return code;
}

// expires_in: a JSON integer (some servers send it as a string of digits).
std::optional<std::int64_t> expiresInOf(const common::Json& answer) {
  const common::Json* v = answer.find("expires_in");
  if (v == nullptr || (!v->isNumber() && !v->isString())) return std::nullopt;
  std::int64_t out = 0;
  const std::string& text = v->text();
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size() || out < 0) return std::nullopt;
  return out;
}

OAuth2Client::Token refused(std::string message, std::optional<int> status = std::nullopt) {
  return {{},
          DeliveryResult::permanent(std::move(message), status).because("oauth2-token-refused")};
}

OAuth2Client::Token invalidAnswer(std::string message, int status) {
  return {{},
          DeliveryResult::permanent(std::move(message), status).because("oauth2-token-invalid")};
}

}  // namespace

std::string formUrlEncode(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (isUnreserved(c)) {
      out.push_back(c);
    } else if (c == ' ') {
      out.push_back('+');
    } else {
      const auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(kDigits[u >> 4]);
      out.push_back(kDigits[u & 0x0f]);
    }
  }
  return out;
}

std::string base64Url(std::string_view bytes) {
  std::string out = common::base64Encode(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  std::replace(out.begin(), out.end(), '+', '-');
  std::replace(out.begin(), out.end(), '/', '_');
  return out;
}

/// The loaded key (freed, and so wiped by OpenSSL, with the last signer sharing it).
class JwtSigner::Key {
 public:
  explicit Key(EVP_PKEY* key) : key_(key) {}
  EVP_PKEY* get() const { return key_.get(); }

 private:
  std::unique_ptr<EVP_PKEY, KeyDeleter> key_;
};

JwtSigner::JwtSigner(std::shared_ptr<const Key> key, std::string algorithm)
    : key_(std::move(key)), algorithm_(std::move(algorithm)) {}

common::Result<JwtSigner> JwtSigner::load(const std::string& keyFile, std::string_view algorithm) {
  const auto unusable = [&keyFile](const std::string& why) {
    return common::invalidArgument("the key file " + keyFile + " " + why);
  };
  std::string bytes;
  {
    std::ifstream in(keyFile, std::ios::binary);
    if (!in) return unusable("cannot be read");
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) return unusable("cannot be read");
  }
  std::unique_ptr<EVP_PKEY, KeyDeleter> key;
  if (bytes.size() <= kMaxKeyFileSize) {
    std::unique_ptr<BIO, BioDeleter> bio(
        BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    if (bio) key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, noPassword, nullptr));
  }
  OPENSSL_cleanse(bytes.data(), bytes.size());
  ERR_clear_error();
  if (!key) return unusable("is not an unencrypted PEM private key");
  std::string keyAlgorithm;
  if (EVP_PKEY_is_a(key.get(), "RSA") == 1) {
    if (EVP_PKEY_get_bits(key.get()) < 2048) return unusable("holds an RSA key under 2048 bits");
    keyAlgorithm = "RS256";
  } else if (EVP_PKEY_is_a(key.get(), "EC") == 1) {
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key.get(), group, sizeof group, &length) != 1 ||
        std::string_view(group, length) != "prime256v1") {
      ERR_clear_error();
      return unusable("holds an EC key that is not on P-256 (ES256 needs P-256)");
    }
    keyAlgorithm = "ES256";
  } else {
    return unusable("holds neither an RSA nor an EC key");
  }
  if (!algorithm.empty() && algorithm != keyAlgorithm) {
    return unusable("holds a key for " + keyAlgorithm + ", not " + std::string(algorithm));
  }
  return JwtSigner(std::make_shared<const Key>(key.release()), keyAlgorithm);
}

common::Result<std::string> JwtSigner::sign(std::string_view signingInput) const {
  std::unique_ptr<EVP_MD_CTX, MdCtxDeleter> ctx(EVP_MD_CTX_new());
  std::size_t length = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_->get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(signingInput.data()),
                     signingInput.size()) != 1) {
    ERR_clear_error();
    return common::internal("the client assertion cannot be signed");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(signingInput.data()),
                     signingInput.size()) != 1) {
    ERR_clear_error();
    return common::internal("the client assertion cannot be signed");
  }
  signature.resize(length);
  if (algorithm_ != "ES256") return signature;
  // JWS wants r || s, each left-padded to 32 bytes; OpenSSL gives an ASN.1 DER sequence.
  const auto* der = reinterpret_cast<const unsigned char*>(signature.data());
  std::unique_ptr<ECDSA_SIG, EcdsaSigDeleter> sig(
      d2i_ECDSA_SIG(nullptr, &der, static_cast<long>(signature.size())));
  if (!sig) {
    ERR_clear_error();
    return common::internal("the client assertion's ECDSA signature cannot be decoded");
  }
  std::string raw(2 * static_cast<std::size_t>(kEs256Half), '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, kEs256Half) != kEs256Half ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + kEs256Half, kEs256Half) != kEs256Half) {
    return common::internal("the client assertion's ECDSA signature cannot be encoded");
  }
  return raw;
}

OAuth2Client::OAuth2Client(FhirRestOAuth2Options options, std::optional<JwtSigner> signer,
                           HttpClient& http, const common::Clock& clock)
    : options_(std::move(options)), signer_(std::move(signer)), http_(http), clock_(clock) {}

common::Result<std::unique_ptr<OAuth2Client>> OAuth2Client::create(FhirRestOAuth2Options options,
                                                                   HttpClient& http,
                                                                   const common::Clock& clock) {
  std::optional<JwtSigner> signer;
  if (!options.privateKeyFile.empty()) {
    FHIRGW_ASSIGN_OR_RETURN(signer, JwtSigner::load(options.privateKeyFile, options.algorithm));
  }
  return std::unique_ptr<OAuth2Client>(
      new OAuth2Client(std::move(options), std::move(signer), http, clock));
}

common::Result<std::string> OAuth2Client::clientAssertion(common::TimePoint now) const {
  const std::int64_t iat =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  common::Json header = common::Json::object();
  header.set("alg", signer_->algorithm()).set("typ", "JWT");
  if (!options_.keyId.empty()) header.set("kid", options_.keyId);
  common::Json claims = common::Json::object();
  claims.set("iss", options_.clientId)
      .set("sub", options_.clientId)
      .set("aud", options_.audience.empty() ? options_.tokenUrl.text : options_.audience)
      .set("jti", common::hexEncode(common::randomBytes(16)))
      .set("iat", common::Json::integer(iat))
      .set("exp", common::Json::integer(iat + kAssertionLifetime.count()));
  std::string input = base64Url(header.serialize()) + "." + base64Url(claims.serialize());
  FHIRGW_ASSIGN_OR_RETURN(const std::string signature, signer_->sign(input));
  return input + "." + base64Url(signature);
}

OAuth2Client::Token OAuth2Client::fetch(std::stop_token stop, common::TimePoint& expiresAt) {
  const common::TimePoint sentAt = clock_.now();
  HttpRequest request;
  request.method = "POST";
  request.url = options_.tokenUrl.text;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
                     {"Accept", "application/json"}};
  request.body = "grant_type=client_credentials";
  if (!options_.scope.empty()) request.body += "&scope=" + formUrlEncode(options_.scope);
  if (signer_) {
    auto assertion = clientAssertion(sentAt);
    if (!assertion) {
      return {{},
              DeliveryResult::permanent(assertion.error().message()).because("oauth2-assertion")};
    }
    request.body += "&client_assertion_type=" + formUrlEncode(kAssertionType) +
                    "&client_assertion=" + formUrlEncode(*assertion);
  } else {
    // client_secret_basic: each part form-encoded before base64 (RFC 6749 §2.3.1).
    std::string credentials =
        formUrlEncode(options_.clientId) + ":" + formUrlEncode(options_.clientSecret);
    request.headers.emplace_back("Authorization", "Basic " + common::base64Encode(credentials));
    OPENSSL_cleanse(credentials.data(), credentials.size());
  }
  auto sent = http_.send(request, std::move(stop));
  OPENSSL_cleanse(request.body.data(), request.body.size());
  for (auto& [name, value] : request.headers) OPENSSL_cleanse(value.data(), value.size());
  if (!sent) {
    // The transport's own classification (refused URL permanent, the rest transient), with the
    // endpoint named so an operator can tell it from the FHIR server.
    DeliveryResult result = classifyHttp(sent, sentAt);
    result.message = "token endpoint: " + result.message;
    result.reason = result.errorClass == ErrorClass::kPermanent ? "oauth2-token-refused"
                                                                : "oauth2-token-unavailable";
    return {{}, std::move(result)};
  }
  const HttpResponse& response = *sent;
  const int status = response.status;
  if (status == 408 || status == 429 || status >= 500) {
    return {{},
            DeliveryResult::transient(
                "token endpoint answered HTTP " + std::to_string(status), status,
                parseRetryAfter(response.header("retry-after").value_or(""), sentAt))
                .because("oauth2-token-unavailable")};
  }
  if (status < 200 || status > 299) {
    const std::string code = errorCodeOf(response.body);
    return refused("token endpoint refused the client credentials: HTTP " + std::to_string(status) +
                       (code.empty() ? "" : " " + code),
                   status);
  }
  auto answer = common::Json::parse(response.body);
  if (!answer || !answer->isObject()) {
    return invalidAnswer("token endpoint answer is not a JSON object", status);
  }
  const common::Json* accessToken = answer->find("access_token");
  if (accessToken == nullptr || !accessToken->isString() || !isUsableToken(accessToken->text())) {
    return invalidAnswer("token endpoint answer has no usable access_token", status);
  }
  if (!equalsIgnoringCase(answer->stringAt("token_type"), "bearer")) {
    return invalidAnswer("token endpoint answer's token_type is not Bearer", status);
  }
  std::chrono::seconds lifetime = kDefaultLifetime;
  if (answer->find("expires_in") != nullptr) {
    const auto expiresIn = expiresInOf(*answer);
    if (!expiresIn) {
      return invalidAnswer("token endpoint answer's expires_in is not a whole number of seconds",
                           status);
    }
    lifetime = std::chrono::seconds(*expiresIn);
  }
  expiresAt = sentAt + lifetime;
  return {accessToken->text(), std::nullopt};
}

OAuth2Client::Token OAuth2Client::token(std::stop_token stop) {
  {
    std::lock_guard lock(mutex_);
    if (!token_.empty() && clock_.now() < refreshAt_) return {token_, std::nullopt};
  }
  // One request at a time: a thread that waited here finds the token the first one got.
  std::lock_guard refresh(refreshMutex_);
  {
    std::lock_guard lock(mutex_);
    if (!token_.empty() && clock_.now() < refreshAt_) return {token_, std::nullopt};
  }
  common::TimePoint expiresAt{};
  Token fresh = fetch(std::move(stop), expiresAt);
  if (fresh.failure) return fresh;
  const common::TimePoint obtainedAt = clock_.now();
  const auto life = std::chrono::duration_cast<std::chrono::seconds>(expiresAt - obtainedAt);
  const auto margin = std::clamp<std::chrono::seconds>(life / 10, 0s, kMaxMargin);
  std::lock_guard lock(mutex_);
  token_ = fresh.value;
  refreshAt_ = expiresAt - margin;
  return fresh;
}

void OAuth2Client::invalidate(const std::string& value) {
  std::lock_guard lock(mutex_);
  if (token_ == value) {
    OPENSSL_cleanse(token_.data(), token_.size());
    token_.clear();
  }
}

}  // namespace fhirgw::connectors::detail
