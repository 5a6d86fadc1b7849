#pragma once

// The gateway's one ordered, editable JSON tree. Members keep their order (insertion or file
// order), numbers keep their text and are written raw (a FHIR decimal "25.00" stays 25.00, and
// no number from a request ever goes through a double), and a value can be edited in place
// (find/set/erase/push). Configuration, the FHIR mapping, the bundle writers and the connectors'
// payload builders all build and read JSON with it.

#include <rapidjson/document.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "fhirgw/common/json.hpp"
#include "fhirgw/common/result.hpp"

namespace fhirgw::common {

/// The kind of a JSON value.
enum class JsonKind {
  kNull,
  kBool,
  kNumber,
  kString,
  kArray,
  kObject,
  kRaw,  ///< serialised JSON written verbatim (Json::raw); never produced by parsing
};

struct JsonMember;

/// A JSON value of the ordered tree (see the top of this file). Built with the factory
/// constructors, or implicitly from text (a string) and from bool (only a real bool).
class Json {
 public:
  using Kind = JsonKind;

  /// null.
  Json() = default;
  /// A string (literal-like: builders write .set("status", "final")).
  // These constructors are defined below JsonMember: clang instantiates members_'s constructor
  // where a constructor is defined, and JsonMember must be complete by then.
  Json(const char* text);       // NOLINT
  Json(std::string text);       // NOLINT
  Json(std::string_view text);  // NOLINT
  /// A string, or null when absent.
  Json(const std::optional<std::string>& text);  // NOLINT
  /// A boolean; an int does not convert.
  template <typename B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
  Json(B value);                  // NOLINT
  Json(std::nullptr_t) = delete;  // 0 is not a string

  /// A string value.
  static Json string(std::string text);
  /// A number written exactly as text (the caller checked it is a JSON number: digits as given).
  static Json number(std::string text);
  /// An integer number.
  static Json integer(std::int64_t value);
  /// A boolean.
  static Json boolean(bool value);
  /// An empty object.
  static Json object();
  /// An empty array.
  static Json array();
  /// Serialised JSON written verbatim by serialize() and canonical(): a value stored as text
  /// and passed through unread (the caller vouches it is one JSON value). Not readable: find()
  /// and members() see nothing in it.
  static Json raw(std::string json);

  /// Parses untrusted text with common::parseJson's reading (limits, flags, refusals, messages
  /// and JsonError are the same), straight into a tree.
  static Result<Json> parse(std::string_view text, const JsonLimits& limits = {},
                            JsonError* where = nullptr);
  /// A copy of a value of a parsed document, its numbers as their text.
  static Json fromDocument(const JsonDocument& doc, const rapidjson::Value& value);
  /// A copy of a RapidJSON value built in code (its numbers written as RapidJSON writes them).
  static Json fromValue(const rapidjson::Value& value);
  /// The tree as parseJson(serialize()) would read it, without writing and reading text: numbers
  /// are string Values that isNumber() tells apart, raw values are parsed (an invalid raw value
  /// is kInvalidArgument). For reading a tree built in code with the readers of parsed
  /// documents, e.g. the FHIR validator, at a fraction of the cost of the round trip. The
  /// document's strings are the tree's, not copies: it must not outlive the tree, and the tree
  /// must not change while the document is read.
  Result<JsonDocument> toDocument() const;

  Kind kind() const { return kind_; }
  bool isNull() const { return kind_ == Kind::kNull; }
  bool isBool() const { return kind_ == Kind::kBool; }
  bool isNumber() const { return kind_ == Kind::kNumber; }
  bool isString() const { return kind_ == Kind::kString; }
  bool isArray() const { return kind_ == Kind::kArray; }
  bool isObject() const { return kind_ == Kind::kObject; }
  /// The string's text, the number's digits or the raw JSON; empty for other kinds.
  const std::string& text() const { return text_; }
  /// The boolean's value; false for other kinds.
  bool boolValue() const { return bool_; }
  /// True for null, "", [] and {}: what FHIR R4 calls absent (ele-1 forbids empty elements).
  bool isEmpty() const;

  /// The value of the first member named key; nullptr when absent or not an object.
  const Json* find(std::string_view key) const;
  Json* find(std::string_view key);
  /// The member's string value; empty when absent or not a string.
  std::string stringAt(std::string_view key) const;

  /// Sets a member: replaces the value of the first member named key in place, or appends one.
  /// Turns null into an object. Returns *this, for chaining.
  Json& set(std::string_view key, Json value) &;
  /// On a temporary (Json::object().set(...).set(...)): the result moves, never copies, into the
  /// enclosing value.
  Json&& set(std::string_view key, Json value) &&;
  /// set() when value is present (not isEmpty()); otherwise the object is left as it is. The
  /// builders' way to leave no element for an absent optional field (R4 ele-1).
  Json& setIfPresent(std::string_view key, Json value) &;
  Json&& setIfPresent(std::string_view key, Json value) &&;
  /// Removes the first member named key; false when absent.
  bool erase(std::string_view key);
  /// The members of an object, in order.
  std::vector<JsonMember>& members() { return members_; }
  const std::vector<JsonMember>& members() const { return members_; }

  /// Appends an element; turns null into an array. Returns *this, for chaining.
  Json& push(Json value) &;
  Json&& push(Json value) &&;
  /// push() when value is present (not isEmpty()).
  Json& pushIfPresent(Json value) &;
  Json&& pushIfPresent(Json value) &&;
  /// The elements of an array, in order.
  std::vector<Json>& items() { return items_; }
  const std::vector<Json>& items() const { return items_; }

  /// Compact serialisation: members in order, numbers as their text, strings escaped by
  /// RapidJSON's writer.
  std::string serialize() const;
  /// Canonical serialisation: as serialize(), with object members sorted by key (byte order),
  /// recursively; two values that differ only in member order give the same text.
  std::string canonical() const;

 private:
  class Builder;         // Json::parse's SAX target, builds values in place
  class DocumentFiller;  // toDocument's writer

  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  std::string text_;                 // string, number text or raw JSON
  std::vector<Json> items_;          // arrays
  std::vector<JsonMember> members_;  // objects
};

/// One member of an object.
struct JsonMember {
  JsonMember() = default;
  /// Builds a member in place (emplace_back): no temporary key or member to move.
  JsonMember(std::string_view k, Json&& v) : key(k), value(std::move(v)) {}

  std::string key;
  Json value;
};

inline Json::Json(const char* text) : kind_(Kind::kString), text_(text) {}
inline Json::Json(std::string text) : kind_(Kind::kString), text_(std::move(text)) {}
inline Json::Json(std::string_view text) : kind_(Kind::kString), text_(text) {}
inline Json::Json(const std::optional<std::string>& text) {
  if (text) *this = Json(*text);
}
template <typename B, std::enable_if_t<std::is_same_v<B, bool>, int>>
Json::Json(B value) : kind_(Kind::kBool), bool_(value) {}
inline Json&& Json::set(std::string_view key, Json value) && {
  return std::move(set(key, std::move(value)));
}
inline Json&& Json::setIfPresent(std::string_view key, Json value) && {
  return std::move(setIfPresent(key, std::move(value)));
}
inline Json&& Json::push(Json value) && { return std::move(push(std::move(value))); }
inline Json&& Json::pushIfPresent(Json value) && {
  return std::move(pushIfPresent(std::move(value)));
}

/// Calls fn on every object in the tree, depth first, parents before children.
void forEachObject(Json& root, const std::function<void(Json&)>& fn);
void forEachObject(const Json& root, const std::function<void(const Json&)>& fn);

}  // namespace fhirgw::common
