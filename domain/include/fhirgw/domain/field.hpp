#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fhirgw::domain {

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

/// True when a text holds nothing but FHIR whitespace (space, tab, CR, LF), or nothing: such a
/// value counts as absent, for the body parser and the rules alike. The rules' definition was
/// kept: the parser's (space and tab only) called "\n" a value that the rules called blank; a
/// one-line field never holds CR or LF anyway (the parser refuses them as control characters).
inline bool isBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

}  // namespace fhirgw::domain
