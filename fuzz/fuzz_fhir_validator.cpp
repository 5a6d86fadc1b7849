// libFuzzer target: bytes -> the FHIR validator's text entry point, as POST /fhir/$validate and
// the connectors use it (base R4 tables + the FR Core profile checks), with the gateway's request
// limits. Any text must give issues or a parse error, never a crash, a leak or a stall.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fhirgw/common/json.hpp"
#include "fhirgw/fhir/fr_core_profiles.hpp"
#include "fhirgw/fhir/operation_outcome.hpp"
#include "fhirgw/fhir/validator.hpp"
#include "fhirgw/gateway/config.hpp"

namespace {

const fhirgw::fhir::Validator& validator() {
  static const fhirgw::fhir::Validator* v = [] {
    auto* built = new fhirgw::fhir::Validator();
    fhirgw::fhir::registerFrCoreProfiles(*built);
    return built;
  }();
  return *v;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const fhirgw::gateway::LimitsConfig defaults;  // the gateway's request limits
  fhirgw::common::JsonLimits limits;
  limits.maxDepth = defaults.maxJsonDepth;
  limits.maxStringBytes = defaults.maxStringBytes;
  limits.maxArrayLength = defaults.maxArrayLength;
  auto issues = validator().validateText(text, limits);
  if (issues) {
    // The answer is built from the issues: exercise that too (OperationOutcome of every issue).
    rapidjson::Document d;
    (void)fhirgw::fhir::operationOutcomeValue(*issues, d.GetAllocator());
  }
  return 0;
}
