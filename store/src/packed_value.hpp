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

/// The value deflated (raw deflate from a preset dictionary of gateway JSON, then the value's
/// CRC-32, 4 bytes big-endian) behind "\x1f" "d2", with no NUL byte in it (COBS-encoded): a
/// std::string read of the column, which stops at the first NUL, reads all of it. nullopt when
/// that would not be smaller.
std::optional<std::string> packValue(std::string_view plain);

/// True when stored has the packed shape (packValue).
inline bool isPacked(std::string_view stored) {
  return !stored.empty() && stored.front() == kPackedMarker;
}

/// The value packValue packed, in format d2 or the earlier d1 (a zlib stream from the same
/// dictionary); kDataLoss when it does not decode or check (altered or truncated) or names a
/// format this code does not know.
common::Result<std::string> unpackValue(std::string_view packed);

/// The NUL-free framing of the deflated bytes (COBS: one byte more per 254), shown for tests.
std::string cobsEncode(std::string_view in);

/// The bytes cobsEncode framed into out; false when in is not valid COBS.
bool cobsDecode(std::string_view in, std::string& out);

}  // namespace fhirgw::store::detail
