#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "binding.hpp"
#include "checks.hpp"
#include "fhirgw/common/field_reader.hpp"
#include "fhirgw/gateway/config.hpp"
#include "schema.hpp"

extern char** environ;  // POSIX; not every libc header declares it

namespace fhirgw::gateway {

common::Result<GatewayConfig> loadConfig(const ConfigSources& sources) {
  std::optional<common::Json> file;
  if (sources.fileText) {
    const std::string label =
        sources.fileName.empty() ? std::string("configuration file") : sources.fileName;
    common::Result<common::Json> parsed = detail::parseConfigJson(*sources.fileText);
    if (!parsed) return common::invalidArgument(label + ": " + parsed.error().message());
    if (!parsed->isObject()) {
      return common::invalidArgument(label + ": must hold a JSON object, got " +
                                     std::string(common::jsonKindName(parsed->kind())));
    }
    file = std::move(parsed).value();
  }

  detail::Binding binding(sources);
  GatewayConfig config;
  common::FieldReader root(file ? &*file : nullptr, "", binding);
  detail::bindSchema(root, binding, config);
  root.finish();
  detail::checkConfig(config, binding);
  detail::loadSecretsKey(config, binding);
  detail::loadStorageKeys(config, binding);
  detail::loadStoragePassword(config, binding);
  FHIRGW_RETURN_IF_ERROR(binding.finish());
  return config;
}

std::vector<std::string> configurationKeys() {
  detail::Binding binding(ConfigSources{});
  GatewayConfig config;
  common::FieldReader root(nullptr, "", binding);
  detail::bindSchema(root, binding, config);
  return binding.keys();
}

std::map<std::string, std::string> gatewayEnvironment() {
  std::map<std::string, std::string> out;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    std::string_view text(*entry);
    std::size_t eq = text.find('=');
    if (eq == std::string_view::npos || !text.starts_with(detail::kEnvPrefix)) continue;
    out.emplace(text.substr(0, eq), text.substr(eq + 1));
  }
  return out;
}

}  // namespace fhirgw::gateway
