// ppc-1..5 on Consent.

#include <array>
#include <string>
#include <utility>

#include "validation/json_access.hpp"
#include "validation/type_checks.hpp"
#include "validation/walker.hpp"

namespace fhirgw::fhir::validation {
namespace {

constexpr std::string_view kConsentScopeSystem =
    "http://terminology.hl7.org/CodeSystem/consentscope";

}  // namespace

void checkConsent(const rapidjson::Value& consent, Walker& walker) {
  using rapidjson::Value;
  if (member(consent, "policy") == nullptr && member(consent, "policyRule") == nullptr) {
    walker.invariant("ppc-1", walker.where(), "Either a Policy or PolicyRule");
  }
  if (member(consent, "patient") != nullptr) return;
  // ppc-2..5 as intended: the R4 expressions compare the system with the placeholder
  // 'something', so they never fire as written.
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 4> kScopes = {{
      {"patient-privacy", "ppc-2"},
      {"research", "ppc-3"},
      {"adr", "ppc-4"},
      {"treatment", "ppc-5"},
  }};
  const Value* scope = member(consent, "scope");
  const Value* codings = scope && scope->IsObject() ? member(*scope, "coding") : nullptr;
  if (codings == nullptr || !codings->IsArray()) return;
  for (const Value& coding : codings->GetArray()) {
    if (!coding.IsObject()) continue;
    const Value* system = stringMember(coding, "system");
    const Value* code = stringMember(coding, "code");
    if (system == nullptr || code == nullptr || str(*system) != kConsentScopeSystem) continue;
    for (const auto& [c, key] : kScopes) {
      if (str(*code) == c) {
        walker.invariant(key, walker.where(),
                         "IF Scope=" + std::string(c) + ", there must be a patient");
      }
    }
  }
}

}  // namespace fhirgw::fhir::validation
