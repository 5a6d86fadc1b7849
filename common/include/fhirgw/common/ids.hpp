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

}  // namespace fhirgw::common
