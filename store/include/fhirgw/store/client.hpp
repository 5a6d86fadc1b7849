#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "fhirgw/common/clock.hpp"

namespace fhirgw::store {

/// What an API client may call: the editor API or the admin API.
enum class ClientRole { kEditor, kAdmin };

/// "editor" | "admin", as stored and as the admin API spells it.
std::string_view clientRoleName(ClientRole role);
/// Parses "editor" | "admin"; nullopt otherwise.
std::optional<ClientRole> parseClientRole(std::string_view text);

/// An API client (a software editor, or an administrator) as stored.
struct Client {
  std::string id;
  std::string name;
  ClientRole role = ClientRole::kEditor;
  std::optional<std::int64_t> rateLimit;  ///< opaque to the store; the gateway defines the unit
  common::TimePoint createdAt;
  bool disabled = false;
};

/// A client to create; createdAt comes from the store's clock.
struct NewClient {
  std::string id;
  std::string name;
  ClientRole role = ClientRole::kEditor;
  std::optional<std::int64_t> rateLimit;
};

/// The stored half of an API key: its public id and the salted hash of its secret.
struct NewApiKey {
  std::string keyId;
  std::string secretHash;  ///< common::hashSecret(secret)
};

/// What an administrator may see of a key: never its secret nor its hash.
struct ApiKeyInfo {
  std::string keyId;
  common::TimePoint createdAt;
  bool revoked = false;
};

/// A key that is not revoked, of a client that is not disabled: what authentication needs.
struct ActiveApiKey {
  std::string keyId;
  std::string secretHash;
  Client client;
};

}  // namespace fhirgw::store
