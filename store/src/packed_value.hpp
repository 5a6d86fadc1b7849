#pragma once

// Private to the store, whatever the engine: the compressed form of the large text values
// (request bodies, answers, FHIR resources) before they are sealed and stored.

#include <optional>
#include <string>
#include <string_view>

#include "fhirgw/common/result.hpp"

namespace fhirgw::store::detail {

/// The first byte of a packed value: a control character, which no JSON text, no sealed text
/// ("gcm1:...") and no value written before packing existed can start with.
inline constexpr char kPackedMarker = '\x1f';

/// The value deflated (zlib, with a preset dictionary of gateway JSON) behind "\x1f" "d1", with
/// no NUL byte in it (the zlib stream is COBS-encoded): a std::string read of the column, which
/// stops at the first NUL, reads all of it. nullopt when that would not be smaller.
std::optional<std::string> packValue(std::string_view plain);

/// True when stored has the packed shape (packValue).
inline bool isPacked(std::string_view stored) {
  return !stored.empty() && stored.front() == kPackedMarker;
}

/// The value packValue packed; kDataLoss when it does not decode (altered or truncated) or names
/// a format this code does not know.
common::Result<std::string> unpackValue(std::string_view packed);

}  // namespace fhirgw::store::detail
