#include "fhirgw/gateway/api_keys.hpp"

#include "fhirgw/common/crypto.hpp"
#include "fhirgw/common/ids.hpp"

namespace fhirgw::gateway {
namespace {

constexpr std::size_t kMaxKeyIdLength = 64;
constexpr std::size_t kMaxSecretLength = 256;

bool isKeyIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

}  // namespace

GeneratedApiKey generateApiKey() {
  GeneratedApiKey key;
  // The id is only a lookup handle, not a secret: 64 random bits keep collisions out of reach.
  // Appended rather than `"k" + ...`: GCC 12 at -O2 and above raises a false -Wrestrict on the
  // operator+ overload for a literal and a temporary.
  key.keyId = "k";
  key.keyId += common::hexEncode(common::randomBytes(8));
  const std::string secret = common::newSecretToken();
  key.token = key.keyId;
  key.token += '.';
  key.token += secret;
  key.secretHash = common::hashSecret(secret);
  return key;
}

std::optional<ApiKeyParts> splitApiKey(std::string_view token) {
  const auto dot = token.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const auto keyId = token.substr(0, dot);
  const auto secret = token.substr(dot + 1);
  if (keyId.empty() || keyId.size() > kMaxKeyIdLength) return std::nullopt;
  if (secret.empty() || secret.size() > kMaxSecretLength) return std::nullopt;
  for (char c : keyId) {
    if (!isKeyIdChar(c)) return std::nullopt;
  }
  return ApiKeyParts{keyId, secret};
}

common::Result<store::Client> authenticateApiKey(const store::ClientStore& store,
                                                 std::string_view token) {
  // One message for every refusal: the caller must not learn which part was wrong.
  const auto refused = [] { return common::unauthenticated("invalid API key"); };
  const auto parts = splitApiKey(token);
  if (!parts) return refused();
  auto key = store.findActiveApiKey(parts->keyId);
  if (!key) {
    if (key.error().code() == common::StatusCode::kNotFound) return refused();
    return key.error();
  }
  if (!common::verifySecret(parts->secret, key->secretHash)) return refused();
  return std::move(key->client);
}

}  // namespace fhirgw::gateway
