#pragma once

// A small editable JSON tree for the payload builders. Stored FHIR JSON is parsed with numbers
// kept as their text (FHIR decimals keep their digits: "25.00" stays 25.00), and the builders
// rewrite references, add identifiers and move attachments, which a rapidjson document parsed
// that way cannot do without losing track of its numbers.

#include <rapidjson/document.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/json.hpp"
#include "fhirgw/common/result.hpp"

namespace fhirgw::connectors::detail {

class Json;

/// One member of a JSON object.
struct JsonMember;

/// A JSON value; objects keep their member order.
class Json {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Json() = default;
  /// A string value.
  static Json string(std::string text);
  /// A number written exactly as text (digits as in the source).
  static Json number(std::string text);
  /// A boolean.
  static Json boolean(bool value);
  /// An empty array.
  static Json array();
  /// An empty object.
  static Json object();

  Kind kind() const { return kind_; }
  bool isObject() const { return kind_ == Kind::kObject; }
  bool isArray() const { return kind_ == Kind::kArray; }
  bool isString() const { return kind_ == Kind::kString; }
  /// The string's text or the number's digits; empty for other kinds.
  const std::string& text() const { return text_; }
  bool boolValue() const { return bool_; }

  /// Object member by key, nullptr when absent (or not an object).
  const Json* find(std::string_view key) const;
  Json* find(std::string_view key);
  /// The member's string value, or empty when absent or not a string.
  std::string stringAt(std::string_view key) const;
  /// Sets a member: replaces its value in place, or appends it. Turns null into an object.
  Json& set(std::string key, Json value);
  /// Removes a member; false when absent.
  bool erase(std::string_view key);
  /// The members of an object.
  std::vector<JsonMember>& members() { return members_; }
  const std::vector<JsonMember>& members() const { return members_; }

  /// The elements of an array.
  std::vector<Json>& items() { return items_; }
  const std::vector<Json>& items() const { return items_; }
  /// Appends to an array (turns null into an array); returns the new element.
  Json& push(Json value);

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<Json> items_;
  std::vector<JsonMember> members_;
};

struct JsonMember {
  std::string key;
  Json value;
};

/// Parses text as a JSON tree (common::parseJson limits and flags).
common::Result<Json> parseJsonTree(std::string_view text);
/// Copies a value of a parsed document, numbers as their text.
Json jsonFromValue(const common::JsonDocument& doc, const rapidjson::Value& value);
/// Compact serialisation, members in order, numbers as their text.
std::string serialize(const Json& value);

/// Calls fn on every object in the tree (depth first, parents before children).
void forEachObject(Json& root, const std::function<void(Json&)>& fn);
void forEachObject(const Json& root, const std::function<void(const Json&)>& fn);

}  // namespace fhirgw::connectors::detail
