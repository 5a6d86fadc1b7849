#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace fhirgw::common {

/// Both directions of an enum <-> text mapping (value <-> code) from one list, so the codes a
/// parser accepts, the codes a writer emits and the "allowed values" of a message cannot drift.
/// List every enumerator: code() of an unlisted value is empty. Declare tables `constexpr`.
template <typename E, std::size_t N>
struct CodeTable {
  std::array<std::pair<E, std::string_view>, N> entries;

  /// The value whose code is `text`, or nullopt.
  constexpr std::optional<E> parse(std::string_view text) const {
    for (const auto& [value, name] : entries) {
      if (name == text) return value;
    }
    return std::nullopt;
  }

  /// The code of `value`; empty when the table does not list it.
  constexpr std::string_view code(E value) const {
    for (const auto& [v, name] : entries) {
      if (v == value) return name;
    }
    return {};
  }

  /// Every code in table order, separated by `separator`: "a, b, c".
  std::string join(std::string_view separator) const { return join(separator, separator); }

  /// Every code in table order, the last one after `lastSeparator`: "a, b ou c".
  std::string join(std::string_view separator, std::string_view lastSeparator) const {
    std::string out;
    for (std::size_t i = 0; i < N; ++i) {
      if (i > 0) out += i + 1 == N ? lastSeparator : separator;
      out += entries[i].second;
    }
    return out;
  }
};

}  // namespace fhirgw::common
