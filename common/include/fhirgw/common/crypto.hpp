#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fhirgw::common {

/// Standard base64 (RFC 4648, with padding) of bytes.
std::string base64Encode(std::string_view bytes);
/// Decodes strict base64 (RFC 4648 alphabet, padding required, no whitespace); nullopt if invalid.
std::optional<std::string> base64Decode(std::string_view text);
/// Lower-case hexadecimal of bytes.
std::string hexEncode(std::string_view bytes);

/// Raw SHA-1 digest (20 bytes); FHIR Attachment.hash uses it.
std::string sha1(std::string_view bytes);
/// Raw SHA-256 digest (32 bytes).
std::string sha256(std::string_view bytes);
/// Lower-case hex SHA-256, handy for log fields that must not carry the value itself.
std::string sha256Hex(std::string_view bytes);

/// Cryptographically secure random bytes (OpenSSL RAND_bytes); throws on RNG failure.
std::string randomBytes(std::size_t n);

/// Comparison whose time does not depend on where the inputs differ.
bool constantTimeEquals(std::string_view a, std::string_view b);

/// A salted hash of a secret, "sha256$<salt hex>$<digest hex>" (secrets are 256-bit random
/// tokens, so one SHA-256 round with a per-secret salt is enough).
std::string hashSecret(std::string_view secret);
/// Checks a secret against a hashSecret() string in constant time.
bool verifySecret(std::string_view secret, std::string_view stored);

}  // namespace fhirgw::common
