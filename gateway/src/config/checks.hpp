#pragma once

#include "binding.hpp"
#include "fhirgw/gateway/config.hpp"

namespace fhirgw::gateway::detail {

/// The checks across keys, on the merged values (listener clash, files that TLS needs, the rule
/// engine's own checks); each problem goes to `binding`.
void checkConfig(const GatewayConfig& config, Binding& binding);

/// Loads the secrets key named by secrets.keyFile or secrets.keyVariable into
/// config.secretBox; a problem (both given, file unreadable, not a 32-byte key) goes to `binding`
/// and its message never shows the key.
void loadSecretsKey(GatewayConfig& config, Binding& binding);

/// Loads the keys of encryption at rest (storage.encryption.*) into config.storageKeys; a
/// problem (both keyFile and keyVariable, previous keys without an active one, a key that
/// cannot be read or is given twice) goes to `binding`, naming the key path, never the key.
void loadStorageKeys(GatewayConfig& config, Binding& binding);
/// Reads the PostgreSQL password (storage.passwordFile or storage.passwordVariable) into
/// config.storagePassword; a problem names the key, never the password.
void loadStoragePassword(GatewayConfig& config, Binding& binding);

}  // namespace fhirgw::gateway::detail
