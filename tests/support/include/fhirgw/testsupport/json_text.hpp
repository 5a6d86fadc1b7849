#pragma once

// JSON for golden files: a small value tree that keeps numbers as written and compares in a
// canonical form. Test-only and independent of the product's JSON code on purpose: the goldens
// check that code, so their comparison must not change when it does.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fhirgw::testsupport {

struct JsonMember;

/// A parsed JSON value; numbers keep their text ("25.00" stays 25.00).
struct JsonValue {
  enum class Kind { kNull, kFalse, kTrue, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  std::string text;  ///< the string value, or the number as written
  std::vector<JsonValue> items;
  // A named struct rather than std::pair: a pair of an incomplete type is ill-formed, and
  // clang refuses it here where GCC lets it through.
  std::vector<JsonMember> members;  ///< in document order

  /// A string value.
  static JsonValue string(std::string s);
  /// A number from its JSON text.
  static JsonValue number(std::string text);
  /// An empty object.
  static JsonValue object();
  /// The member named key, or nullptr (objects only).
  const JsonValue* find(std::string_view key) const;
  JsonValue* find(std::string_view key);
  /// Appends a member (objects only).
  void add(std::string key, JsonValue value);
};

/// One member of an object.
struct JsonMember {
  std::string name;
  JsonValue value;
};

/// The order of object members in written text.
enum class MemberOrder {
  kSorted,     ///< by name: equal values give equal text
  kAsWritten,  ///< document order (as parsed or added)
};

/// Parses JSON text; nullopt (and the reason in error) when it is not one valid JSON value.
std::optional<JsonValue> parseJsonText(std::string_view text, std::string* error = nullptr);

/// Compact text with members in document order (request bodies as they are meant).
std::string compactJsonText(const JsonValue& value);

/// Compact text with object members sorted by name: equal answers give equal text.
std::string canonicalJsonText(const JsonValue& value);

/// Indented (2 spaces) text, members sorted by name unless asked otherwise, for golden files
/// meant to be read.
std::string prettyJsonText(const JsonValue& value, MemberOrder order = MemberOrder::kSorted);

/// Calls f on every string value (not member names), depth first, members in sorted order.
void forEachString(JsonValue& value, const std::function<void(std::string&)>& f);

}  // namespace fhirgw::testsupport
