// libFuzzer target: bytes -> gateway::loadConfig, the start-up configuration loader (file JSON,
// FHIRGW_* environment, --set overrides, every schema check and the connectors it names).
// Input layout: the configuration file text, then optionally a NUL byte followed by lines that
// are `FHIRGW_NAME=value` (environment) or `path=value` (--set), so overrides are fuzzed too.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fhirgw/common/log.hpp"
#include "fhirgw/gateway/config.hpp"

namespace {

void addOverrides(std::string_view rest, fhirgw::gateway::ConfigSources& sources) {
  while (!rest.empty()) {
    const std::size_t eol = rest.find('\n');
    const std::string_view line = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string name(line.substr(0, eq));
    std::string value(line.substr(eq + 1));
    if (name.rfind("FHIRGW_", 0) == 0) {
      sources.environment[std::move(name)] = std::move(value);
    } else {
      sources.sets.emplace_back(std::move(name), std::move(value));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fhirgw::common::Log::setLevel(fhirgw::common::LogLevel::kError);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fhirgw::gateway::ConfigSources sources;
  sources.fileName = "fuzz.json";
  const std::size_t nul = input.find('\0');
  sources.fileText = std::string(input.substr(0, nul));
  if (nul != std::string_view::npos) addOverrides(input.substr(nul + 1), sources);
  auto config = fhirgw::gateway::loadConfig(sources);
  if (!config) {
    // Errors name key paths and are printed to the operator: they must be well-formed text.
    (void)config.error().toString();
  }
  return 0;
}
