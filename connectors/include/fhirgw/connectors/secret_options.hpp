#pragma once

// Connector options that hold secrets (ConnectorFactory::secretOptionKeys): removed before
// options are shown, sealed with common::SecretBox before they are stored, opened before a
// factory reads them. Keys are paths under `options` ("bearerToken", "oauth2.clientSecret").

#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/json_tree.hpp"
#include "fhirgw/common/result.hpp"
#include "fhirgw/common/secret_box.hpp"

namespace fhirgw::connectors {

/// The options without their secrets: each key path of `keys` present in `options` is removed
/// (the objects holding it are kept). Use secretsSet() to say which were set.
common::Json redactSecrets(const common::Json& options, const std::vector<std::string>& keys);

/// The key paths of `keys` that `options` sets (present and not null), in the order of `keys`.
std::vector<std::string> secretsSet(const common::Json& options,
                                    const std::vector<std::string>& keys);

/// The SecretBox context of one secret option: "connector:<id>:options.<key>".
std::string secretContext(std::string_view connectorId, std::string_view key);

/// The options with each secret string present sealed by `box` under secretContext(); a value
/// that is already sealed is kept as it is. kInvalidArgument naming the key path when a secret
/// is not a string (its value is not shown).
common::Result<common::Json> sealSecrets(const common::Json& options,
                                         const std::vector<std::string>& keys,
                                         const common::SecretBox& box,
                                         std::string_view connectorId);

/// The reverse of sealSecrets(): each sealed secret opened. A secret that is not sealed is an
/// error (kDataLoss), as are those SecretBox::open refuses (kFailedPrecondition for another key,
/// kDataLoss); messages name the key path, never a value.
common::Result<common::Json> openSecrets(const common::Json& options,
                                         const std::vector<std::string>& keys,
                                         const common::SecretBox& box,
                                         std::string_view connectorId);

}  // namespace fhirgw::connectors
