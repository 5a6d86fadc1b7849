#pragma once

#include <string_view>

namespace fhirgw::fhir {

/// True when text matches the official FHIR R4 regex of the primitive type named `type` ("date",
/// "id", "decimal", ...), as a whole. False for unknown types and for xhtml (no regex). Only the
/// regex: see primitiveProblem() for calendar and range checks.
bool matchesR4Regex(std::string_view type, std::string_view text);

/// The official R4 regex of a primitive type, as generated from the definitions; "" if none.
std::string_view r4Regex(std::string_view type);

/// Checks a primitive's lexical value the way the validator does (regex, existing calendar date,
/// 32-bit ranges, string size). Empty when valid, else an English reason without the value.
std::string_view primitiveProblem(std::string_view type, std::string_view text);

}  // namespace fhirgw::fhir
