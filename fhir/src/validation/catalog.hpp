#pragma once

// What the validator knows before it sees a resource: the generated R4 tables, what it derives
// from them once, the hand-written checks per type and the registered profile checks.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/fhir/validator.hpp"
#include "r4_tables.hpp"
#include "validation/type_checks.hpp"

namespace fhirgw::fhir::validation {

/// The tables plus what the validator derives from them once. Immutable after set-up.
struct Catalog {
  explicit Catalog(ValidatorOptions o);

  const r4::Tables& t = r4::tables();
  /// Hand-written checks by type index (null function: none).
  std::vector<ValueCheck> valueChecks;
  std::vector<FieldCheck> fieldChecks;
  /// The index of the Element type (the "_x" object of a primitive is one).
  std::uint16_t elementType = 0;
  ValidatorOptions options;
  /// Profile checks by canonical URL without version.
  std::map<std::string, std::unique_ptr<ProfileCheck>, std::less<>> profiles;

  /// The index of a resource type (concrete or abstract) by name.
  std::optional<std::uint16_t> resourceType(std::string_view name) const {
    return r4::findResourceType(t, name);
  }
  /// The field of type with this JSON name, or null.
  const r4::FieldDef* field(const r4::TypeDef& type, std::string_view name) const {
    return r4::findField(t, type, name);
  }
  /// Whether code (from system, or any system when system is empty) is in value set vs; true
  /// for a value set whose codes could not be listed.
  bool inValueSet(std::int16_t vs, std::string_view system, std::string_view code) const;
};

}  // namespace fhirgw::fhir::validation
