#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace fhirgw::mappings::detail {

// One table per enum gives both directions (editor code <-> enum) from a single list.
template <typename E, std::size_t N>
struct CodeTable {
  std::array<std::pair<E, std::string_view>, N> entries;

  std::optional<E> parse(std::string_view text) const {
    for (const auto& [value, name] : entries) {
      if (name == text) return value;
    }
    return std::nullopt;
  }
  std::string_view code(E value) const {
    for (const auto& [v, name] : entries) {
      if (v == value) return name;
    }
    return {};
  }
};

}  // namespace fhirgw::mappings::detail
