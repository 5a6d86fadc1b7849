#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"
#include "fhirgw/common/status.hpp"
#include "fhirgw/store/client.hpp"

namespace fhirgw::store {

/// API clients and their keys (the gateway's authentication and the admin API).
class ClientStore {
 public:
  virtual ~ClientStore() = default;

  /// Creates a client with its first key, atomically. kAlreadyExists if the id or key id is taken.
  virtual common::Status createClient(const NewClient& client, const NewApiKey& firstKey) = 0;
  /// Adds a key to an existing client; kNotFound for an unknown client, kFailedPrecondition for
  /// a disabled one (checked in the same transaction).
  virtual common::Status addApiKey(std::string_view clientId, const NewApiKey& key) = 0;
  /// A client's keys, revoked ones included, oldest first; kNotFound for an unknown client.
  virtual common::Result<std::vector<ApiKeyInfo>> listApiKeys(std::string_view clientId) const = 0;
  /// Revokes one of a client's keys for good (again: no change); kNotFound for an unknown key or
  /// a key of another client.
  virtual common::Status revokeApiKey(std::string_view clientId, std::string_view keyId) = 0;
  /// One client, disabled or not.
  virtual common::Result<Client> getClient(std::string_view clientId) const = 0;
  /// All clients, oldest first.
  virtual common::Result<std::vector<Client>> listClients() const = 0;
  /// Disables a client (its keys stop working; its records stay); kNotFound if unknown.
  virtual common::Status disableClient(std::string_view clientId) = 0;
  /// The key with this id if neither it is revoked nor its client disabled, else kNotFound.
  /// One indexed row: the caller then checks the secret with common::verifySecret.
  virtual common::Result<ActiveApiKey> findActiveApiKey(std::string_view keyId) const = 0;
};

}  // namespace fhirgw::store
