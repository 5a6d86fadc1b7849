#pragma once

// Hand-written matchers equivalent to the official R4 primitive regexes (tests compare them with
// std::regex over the generated regex strings): the validator runs them on every primitive, and
// std::regex would cost far more.

#include <string_view>

#include "r4_tables.hpp"

namespace fhirgw::fhir::detail {

/// The primitive kind of a type name, kNone when not a primitive.
r4::Primitive primitiveByName(std::string_view name);

/// True when text matches the official regex of p as a whole (\s taken as ASCII whitespace, as
/// in the reference Java validator).
bool matchesRegex(r4::Primitive p, std::string_view text);

/// What is wrong beyond the regex (a date that does not exist, an integer out of 32-bit range, a
/// string over 1 MiB), or "" when nothing.
std::string_view semanticProblem(r4::Primitive p, std::string_view text);

/// A short English description of the lexical form expected for p ("YYYY, YYYY-MM or YYYY-MM-DD").
std::string_view expectedForm(r4::Primitive p);

}  // namespace fhirgw::fhir::detail
