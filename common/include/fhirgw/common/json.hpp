#pragma once

#include <rapidjson/document.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>

#include "fhirgw/common/result.hpp"

namespace fhirgw::common {

class Json;

/// Limits applied while parsing untrusted JSON.
struct JsonLimits {
  unsigned maxDepth = 64;                 ///< nesting of objects and arrays
  std::size_t maxStringBytes = 16 << 20;  ///< one string value or key
  std::size_t maxArrayLength = 100000;    ///< elements of one array
  /// Keep both members when a name appears twice in an object (RapidJSON keeps them in order),
  /// for a caller that reports duplicates itself, such as the FHIR validator. Off: refused.
  bool allowDuplicateNames = false;
};

/// Where a parse failed: the byte offset and the path of the value being read ("patient.family",
/// "documents[2].end"; "" for the root or before the first value).
struct JsonError {
  std::size_t offset = 0;
  std::string path;
};

/// A parsed document whose JSON numbers are kept as their original text (string Values, so
/// "25.00" keeps its precision) and which remembers which string Values were JSON numbers.
class JsonDocument {
 public:
  JsonDocument();
  /// The root value.
  const rapidjson::Value& root() const { return *doc_; }
  rapidjson::Document& document() { return *doc_; }
  const rapidjson::Value& operator[](const char* key) const { return (*doc_)[key]; }
  const rapidjson::Value* operator->() const { return doc_.get(); }
  /// True when v (a value inside this document) was a JSON number in the input: then v.IsString()
  /// and v.GetString() is the number's text exactly as written.
  bool isNumber(const rapidjson::Value& v) const { return numbers_.count(&v) != 0; }
  /// True when v was a JSON string in the input.
  bool isString(const rapidjson::Value& v) const { return v.IsString() && !isNumber(v); }

 private:
  friend Result<JsonDocument> parseJson(std::string_view, const JsonLimits&, JsonError*);
  friend std::string canonicalJson(const JsonDocument&, const rapidjson::Value&);
  friend class Json;                          // Json::toDocument
  std::unique_ptr<rapidjson::Document> doc_;  // heap: value addresses stay valid across moves
  std::unordered_set<const rapidjson::Value*> numbers_;
};

/// Parses untrusted JSON: numbers kept as text (decimal precision, and RapidJSON 1.1's
/// exponent-underflow CVE never reached), iterative (no recursion), UTF-8 validated, unpaired
/// surrogate escapes and duplicate member names refused, the whole input consumed, limits enforced
/// while reading. Errors are kInvalidArgument with the byte offset; where, when given, also
/// receives the path.
Result<JsonDocument> parseJson(std::string_view text, const JsonLimits& limits = {},
                               JsonError* where = nullptr);

/// A replacement for one string value of rewriteJsonStrings, or nullopt to keep it.
using JsonStringRewrite =
    std::function<std::optional<std::string>(std::string_view memberName, std::string_view text)>;

/// Re-serialises untrusted JSON compactly, read exactly as parseJson reads it (same limits and
/// refusals), numbers as written; each string that is the value of an object member goes through
/// rewrite, which may replace it. No tree is built: for passing large documents through with a
/// few substitutions (references of a bundle's entries).
Result<std::string> rewriteJsonStrings(std::string_view text, const JsonStringRewrite& rewrite,
                                       const JsonLimits& limits = {});

/// Compact serialisation of a value (numbers of a parsed document come out as strings: use the
/// JsonDocument overload to keep them numbers).
std::string toJsonString(const rapidjson::Value& value);

/// Canonical serialisation: object members sorted by key, recursively, numbers written as their
/// original text; two bodies that differ only in member order or whitespace give the same string
/// (idempotency comparisons).
std::string canonicalJson(const JsonDocument& doc);
/// Canonical serialisation of a value inside a parsed document (numbers kept as numbers).
std::string canonicalJson(const JsonDocument& doc, const rapidjson::Value& value);
/// Canonical serialisation of a value built in code (no parsed numbers).
std::string canonicalJson(const rapidjson::Value& value);

}  // namespace fhirgw::common
