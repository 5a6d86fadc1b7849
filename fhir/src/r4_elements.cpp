#include "fhirgw/fhir/r4_elements.hpp"

#include <optional>

#include "r4_tables.hpp"

namespace fhirgw::fhir {

ElementCardinality elementCardinality(std::string_view resourceType, std::string_view element) {
  const r4::Tables& t = r4::tables();
  const std::optional<std::uint16_t> type = r4::findResourceType(t, resourceType);
  if (!type) return ElementCardinality::kAbsent;
  const r4::FieldDef* field = r4::findField(t, t.types[*type], element);
  if (field == nullptr) return ElementCardinality::kAbsent;
  return field->array ? ElementCardinality::kList : ElementCardinality::kSingle;
}

}  // namespace fhirgw::fhir
