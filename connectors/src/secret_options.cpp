#include "fhirgw/connectors/secret_options.hpp"

#include <utility>

namespace fhirgw::connectors {
namespace {

/// The member at a dotted key path, or null.
common::Json* memberAt(common::Json& options, std::string_view key) {
  common::Json* node = &options;
  while (node != nullptr && node->isObject()) {
    const auto dot = key.find('.');
    if (dot == std::string_view::npos) return node->find(key);
    node = node->find(key.substr(0, dot));
    key.remove_prefix(dot + 1);
  }
  return nullptr;
}

/// Removes the member at a dotted key path; false when absent.
bool eraseAt(common::Json& options, std::string_view key) {
  const auto dot = key.rfind('.');
  if (dot == std::string_view::npos) return options.isObject() && options.erase(key);
  common::Json* parent = memberAt(options, key.substr(0, dot));
  return parent != nullptr && parent->isObject() && parent->erase(key.substr(dot + 1));
}

/// Applies `change(path, value)` to each secret present; the first error stops it.
template <typename Change>
common::Result<common::Json> eachSecret(const common::Json& options,
                                        const std::vector<std::string>& keys, Change change) {
  common::Json out = options;
  for (const std::string& key : keys) {
    common::Json* value = memberAt(out, key);
    if (value == nullptr || value->isNull()) continue;
    if (!value->isString()) {
      return common::invalidArgument("options." + key + ": must be a string (value not shown)");
    }
    FHIRGW_ASSIGN_OR_RETURN(std::string text, change(key, value->text()));
    *value = common::Json::string(std::move(text));
  }
  return out;
}

}  // namespace

common::Json redactSecrets(const common::Json& options, const std::vector<std::string>& keys) {
  common::Json out = options;
  for (const std::string& key : keys) eraseAt(out, key);
  return out;
}

std::vector<std::string> secretsSet(const common::Json& options,
                                    const std::vector<std::string>& keys) {
  common::Json copy = options;
  std::vector<std::string> out;
  for (const std::string& key : keys) {
    const common::Json* value = memberAt(copy, key);
    if (value != nullptr && !value->isNull()) out.push_back(key);
  }
  return out;
}

std::string secretContext(std::string_view connectorId, std::string_view key) {
  return "connector:" + std::string(connectorId) + ":options." + std::string(key);
}

common::Result<common::Json> sealSecrets(const common::Json& options,
                                         const std::vector<std::string>& keys,
                                         const common::SecretBox& box,
                                         std::string_view connectorId) {
  return eachSecret(
      options, keys,
      [&](const std::string& key, const std::string& text) -> common::Result<std::string> {
        if (common::SecretBox::isSealed(text)) return text;
        return box.seal(text, secretContext(connectorId, key));
      });
}

common::Result<common::Json> openSecrets(const common::Json& options,
                                         const std::vector<std::string>& keys,
                                         const common::SecretBox& box,
                                         std::string_view connectorId) {
  return eachSecret(
      options, keys,
      [&](const std::string& key, const std::string& text) -> common::Result<std::string> {
        if (!common::SecretBox::isSealed(text)) {
          return common::Status(common::StatusCode::kDataLoss,
                                "options." + key + ": the stored secret is not sealed");
        }
        auto opened = box.open(text, secretContext(connectorId, key));
        if (!opened) {
          return common::Status(opened.error().code(),
                                "options." + key + ": " + opened.error().message());
        }
        return opened;
      });
}

}  // namespace fhirgw::connectors
