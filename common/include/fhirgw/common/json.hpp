#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "fhirgw/common/result.hpp"

namespace fhirgw::common {

/// Limits applied while parsing untrusted JSON.
struct JsonLimits {
  unsigned maxDepth = 64;                 ///< nesting of objects and arrays
  std::size_t maxStringBytes = 16 << 20;  ///< one string value or key
  std::size_t maxArrayLength = 100000;    ///< elements of one array
};

/// Parses untrusted JSON: numbers kept as strings (decimal precision, and RapidJSON 1.1's
/// exponent-underflow CVE never reached), iterative (no recursion), UTF-8 validated, the whole
/// input consumed, limits enforced while reading. Errors are kInvalidArgument with the byte offset.
Result<rapidjson::Document> parseJson(std::string_view text, const JsonLimits& limits = {});

/// Compact serialisation of a value.
std::string toJsonString(const rapidjson::Value& value);

/// Canonical serialisation: object members sorted by key, recursively; two bodies that differ
/// only in member order or whitespace give the same string (idempotency comparisons).
std::string canonicalJson(const rapidjson::Value& value);

}  // namespace fhirgw::common
