#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace fhirgw::common {

/// A random RFC 4122 version-4 UUID, lower case ("3f2b...-...").
std::string newUuid();

/// A random 256-bit secret as 64 lower-case hex characters (API keys, admin tokens).
std::string newSecretToken();

/// A deterministic UUID-shaped id (version-5 layout over SHA-256) from the parts, so a replay of
/// the same record gives the same ids. Parts are length-prefixed: ("ab","c") != ("a","bc").
std::string deterministicUuid(std::initializer_list<std::string_view> parts);

/// deterministicUuid(parts) that sorts beside `anchor` when `anchor` is a time-ordered UUID
/// (RFC 9562 version 7, e.g. a record id): an RFC 9562 version-8 UUID whose first 48 bits are the
/// anchor's millisecond timestamp and whose other bits come from the SHA-256 of the parts. The ids
/// derived from one record then sit together in the store's indexes instead of on one random
/// page each. Any other anchor (older random ids, the fixed ids of tests) gives
/// deterministicUuid(parts) unchanged.
std::string deterministicUuidInTimeOf(std::string_view anchor,
                                      std::initializer_list<std::string_view> parts);

}  // namespace fhirgw::common
