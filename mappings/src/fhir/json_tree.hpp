#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace fhirgw::mappings::fhirmap {

/// A small ordered JSON tree for building FHIR resources. Numbers are kept as their text and
/// written raw, so a FHIR decimal keeps its digits ("25.00"); members keep insertion order.
/// set()/push() drop empty values (null, "", [], {}), because R4 JSON forbids them (ele-1): an
/// absent optional field simply leaves no element behind.
class Json {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };

  Json() = default;
  Json(const char* s) : kind_(Kind::kString), text_(s) {}             // NOLINT: literal-like
  Json(std::string s) : kind_(Kind::kString), text_(std::move(s)) {}  // NOLINT
  Json(std::string_view s) : kind_(Kind::kString), text_(s) {}        // NOLINT
  Json(const std::optional<std::string>& s) {                         // NOLINT
    if (s) *this = Json(*s);
  }
  template <typename B, std::enable_if_t<std::is_same_v<B, bool>, int> = 0>
  Json(B b) : kind_(Kind::kBool), bool_(b) {}  // NOLINT: only a real bool, never an int

  /// A JSON number written exactly as `text` (the caller checked it is a JSON number).
  static Json number(std::string text);
  /// A JSON integer.
  static Json integer(std::int64_t value);
  static Json object();
  static Json array();

  /// Appends a member (objects); an empty value is dropped. Returns *this for chaining.
  Json& set(std::string_view key, Json value) &;
  /// On a temporary (Json::object().set(...).set(...)): the result moves, never copies, into
  /// the enclosing value.
  Json&& set(std::string_view key, Json value) && {
    set(key, std::move(value));
    return std::move(*this);
  }
  /// Appends an element (arrays); an empty value is dropped.
  Json& push(Json value) &;
  /// On a temporary: as set() &&.
  Json&& push(Json value) && {
    push(std::move(value));
    return std::move(*this);
  }

  Kind kind() const { return kind_; }
  /// True for null, "", [] and {}.
  bool isEmpty() const;
  /// The member `key` of an object, or nullptr.
  Json* find(std::string_view key);
  /// Elements or member values.
  std::vector<Json>& values() { return values_; }
  const std::vector<Json>& values() const { return values_; }
  const std::vector<std::string>& keys() const { return keys_; }
  const std::string& text() const { return text_; }

  /// Writes the value with a RapidJSON writer (numbers as raw values).
  template <typename Writer>
  void write(Writer& w) const;
  /// Compact serialisation.
  std::string str() const;

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  std::string text_;               // string value or number text
  std::vector<std::string> keys_;  // object member names, parallel to values_
  std::vector<Json> values_;       // array elements or object member values
};

template <typename Writer>
void Json::write(Writer& w) const {
  switch (kind_) {
    case Kind::kNull:
      w.Null();
      break;
    case Kind::kBool:
      w.Bool(bool_);
      break;
    case Kind::kNumber:
      w.RawValue(text_.data(), text_.size(), rapidjson::kNumberType);
      break;
    case Kind::kString:
      w.String(text_.data(), static_cast<rapidjson::SizeType>(text_.size()));
      break;
    case Kind::kArray:
      w.StartArray();
      for (const Json& v : values_) v.write(w);
      w.EndArray();
      break;
    case Kind::kObject:
      w.StartObject();
      for (std::size_t i = 0; i < keys_.size(); ++i) {
        w.Key(keys_[i].data(), static_cast<rapidjson::SizeType>(keys_[i].size()));
        values_[i].write(w);
      }
      w.EndObject();
      break;
  }
}

}  // namespace fhirgw::mappings::fhirmap
