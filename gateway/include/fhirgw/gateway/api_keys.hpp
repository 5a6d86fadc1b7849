#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "fhirgw/common/result.hpp"
#include "fhirgw/store/client.hpp"
#include "fhirgw/store/client_store.hpp"

namespace fhirgw::gateway {

/// The API key policy (format, generation, checking a presented token); the store keeps only
/// the key id and the secret's hash.

/// A freshly generated API key. `token` ("<keyId>.<secret>") is shown once to the
/// administrator; only keyId and secretHash are stored.
struct GeneratedApiKey {
  std::string keyId;       ///< "k" + 16 hex characters (64 random bits, not secret)
  std::string token;       ///< keyId + "." + 64 hex characters (256-bit secret)
  std::string secretHash;  ///< common::hashSecret of the secret part
  /// The stored half, for Store::createClient / addApiKey.
  store::NewApiKey stored() const { return {keyId, secretHash}; }
};

/// The two halves of a presented token.
struct ApiKeyParts {
  std::string_view keyId;
  std::string_view secret;
};

/// Generates a new random key.
GeneratedApiKey generateApiKey();
/// Splits "<keyId>.<secret>"; nullopt when the shape is wrong (no dot, empty or oversized
/// parts, characters outside [A-Za-z0-9_-] in the key id).
std::optional<ApiKeyParts> splitApiKey(std::string_view token);

/// Resolves a presented token to its client: one row looked up by key id, then the secret checked
/// in constant time. kUnauthenticated for a malformed, unknown, revoked or wrong key or a
/// disabled client (all alike); store failures pass through (kUnavailable => 503, not 401).
common::Result<store::Client> authenticateApiKey(const store::ClientStore& store,
                                                 std::string_view token);

}  // namespace fhirgw::gateway
