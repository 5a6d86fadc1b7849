#pragma once

// XDS uniqueIds are OIDs of at most 64 characters. The gateway derives them from stable ids (the
// delivery, the document) so a retry resends the same ones and the registry or the recipient
// recognises a duplicate.

#include <string>
#include <string_view>

#include "fhirgw/common/result.hpp"

namespace fhirgw::xds {

/// The default root: the UUID arc of ISO/IEC 9834-8 (`2.25.<the UUID as a decimal integer>`),
/// which needs no registered OID branch and gives the same document uniqueId as the mhd
/// connector. A deployment with its own OID branch configures that root instead.
inline constexpr std::string_view kDefaultUniqueIdRoot = "2.25";

/// The longest an XDS uniqueId may be.
inline constexpr std::size_t kMaxUniqueIdLength = 64;

/// True for an OID: arcs of digits separated by dots, no leading zero in an arc, the first arc
/// 0, 1 or 2, at least two arcs.
bool isOid(std::string_view text);

/// The decimal digits of a UUID's 128 bits ("3f2b…" -> "84…"); empty when not a UUID.
std::string uuidToDecimal(std::string_view uuid);

/// `<root>.<the UUID as a decimal integer>`, cut to 64 characters when the root is long (the
/// leading digits are kept; at least 20 must remain). kInvalidArgument when the root is not an
/// OID, leaves fewer than 20 digits, or the text is not a UUID.
common::Result<std::string> oidFromUuid(std::string_view root, std::string_view uuid);

}  // namespace fhirgw::xds
