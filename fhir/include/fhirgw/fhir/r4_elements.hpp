#pragma once

// Facts of the R4 resource definitions that code outside the validator needs, read from the
// same generated tables (fhir/src/generated/r4_tables.cpp) rather than written again by hand.

#include <string_view>

namespace fhirgw::fhir {

/// How many values an element of a resource type holds.
enum class ElementCardinality {
  kAbsent,  ///< the type has no such element, or is not an R4 resource type
  kSingle,  ///< at most one value (a JSON object or primitive)
  kList,    ///< a list (a JSON array)
};

/// The cardinality of `element` (its JSON name: "identifier") in the R4 resource type
/// `resourceType` ("Composition"); kAbsent for an unknown type or element.
ElementCardinality elementCardinality(std::string_view resourceType, std::string_view element);

}  // namespace fhirgw::fhir
