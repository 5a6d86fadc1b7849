#include "validation/catalog.hpp"

#include <algorithm>

namespace fhirgw::fhir::validation {

Catalog::Catalog(ValidatorOptions o)
    : valueChecks(t.types.size(), nullptr), fieldChecks(t.types.size(), nullptr), options(o) {
  for (std::size_t i = 0; i < t.types.size(); ++i) {
    for (const TypeChecks& checks : typeChecks()) {
      if (t.types[i].name != checks.type) continue;
      valueChecks[i] = checks.onValue;
      fieldChecks[i] = checks.onField;
    }
    if (t.types[i].name == "Element") elementType = static_cast<std::uint16_t>(i);
  }
}

bool Catalog::inValueSet(std::int16_t vs, std::string_view system, std::string_view code) const {
  const r4::ValueSetDef& d = t.valueSets[static_cast<std::size_t>(vs)];
  if (!d.enumerable) return true;
  const auto begin = t.codes.begin() + d.codeBegin;
  const auto end = begin + d.codeCount;
  auto it = std::lower_bound(begin, end, code,
                             [](const r4::CodeDef& c, std::string_view x) { return c.code < x; });
  for (; it != end && it->code == code; ++it) {
    if (system.empty() || t.systems[it->system] == system) return true;
  }
  return false;
}

}  // namespace fhirgw::fhir::validation
