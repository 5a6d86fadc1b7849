#include "fhirgw/fhir/r4_elements.hpp"

#include <algorithm>

#include "r4_tables.hpp"

namespace fhirgw::fhir {

ElementCardinality elementCardinality(std::string_view resourceType, std::string_view element) {
  const r4::Tables& t = r4::tables();
  const auto type =
      std::lower_bound(t.resourceIndex.begin(), t.resourceIndex.end(), resourceType,
                       [&](std::uint16_t i, std::string_view n) { return t.types[i].name < n; });
  if (type == t.resourceIndex.end() || t.types[*type].name != resourceType) {
    return ElementCardinality::kAbsent;
  }
  const r4::TypeDef& def = t.types[*type];
  const auto begin = t.fields.begin() + def.fieldBegin;
  const auto end = begin + def.fieldCount;
  const auto field = std::lower_bound(
      begin, end, element, [](const r4::FieldDef& f, std::string_view n) { return f.name < n; });
  if (field == end || field->name != element) return ElementCardinality::kAbsent;
  return field->array ? ElementCardinality::kList : ElementCardinality::kSingle;
}

}  // namespace fhirgw::fhir
