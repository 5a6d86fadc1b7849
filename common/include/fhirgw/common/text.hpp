#pragma once

#include <cstddef>
#include <string_view>

namespace fhirgw::common {

/// The first control character in `s` that text fields may not hold (below U+0020, and DEL;
/// with `multiLine`, tab, CR and LF are allowed), or npos. FHIR strings refuse the same set;
/// a NUL would also cut a value short wherever it reaches a C string.
inline std::size_t controlCharacterAt(std::string_view s, bool multiLine) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == 0x7F) return i;
    if (c >= 0x20) continue;
    if (multiLine && (c == '\t' || c == '\n' || c == '\r')) continue;
    return i;
  }
  return std::string_view::npos;
}

}  // namespace fhirgw::common
