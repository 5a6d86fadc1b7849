#pragma once

#include <optional>
#include <string>

namespace fhirgw::mappings {

/// A field a rule checks, kept as received so the rule can report it under its own ID whether
/// it is missing, outside its list or malformed (rules.md): absent (no text), present but not
/// understood (text without value), or understood (both).
template <typename T>
struct Field {
  std::optional<std::string> text;  ///< as received; nullopt when absent or null
  std::optional<T> value;           ///< set when the text is a valid value

  /// True when the field was in the body.
  bool present() const { return text.has_value(); }
  /// True when the field was in the body with a valid value.
  bool valid() const { return value.has_value(); }
};

}  // namespace fhirgw::mappings
