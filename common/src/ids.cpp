#include "fhirgw/common/ids.hpp"

#include <array>
#include <cstddef>
#include <optional>

#include "fhirgw/common/crypto.hpp"

namespace fhirgw::common {
namespace {

constexpr std::array<std::size_t, 5> kUuidGroups{8, 4, 4, 4, 12};

std::string formatUuid(std::string bytes, unsigned version) {
  bytes.resize(16);
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0fU) | (version << 4));
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3fU) | 0x80U);
  const std::string hex = hexEncode(bytes);
  // 8-4-4-4-12, appended in place: a mapping makes one per resource.
  std::string out;
  out.reserve(hex.size() + 4);
  std::size_t from = 0;
  for (const std::size_t length : kUuidGroups) {
    if (from != 0) out += '-';
    out.append(hex, from, length);
    from += length;
  }
  return out;
}

std::string materialOf(std::initializer_list<std::string_view> parts) {
  std::string material;
  for (std::string_view p : parts) {
    material += std::to_string(p.size());
    material += ':';
    material.append(p);
  }
  return material;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The 6 bytes of a version-7 UUID's timestamp, or nothing when `id` is not one: 36 characters,
// dashes at 8, 13, 18 and 23, hex digits elsewhere, version 7, RFC 9562 variant.
std::optional<std::array<unsigned char, 6>> timestampOfUuidV7(std::string_view id) {
  if (id.size() != 36 || id[14] != '7') return std::nullopt;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-' : hexValue(id[i]) < 0) return std::nullopt;
  }
  if ((hexValue(id[19]) & 0xc) != 0x8) return std::nullopt;
  std::array<unsigned char, 6> timestamp{};
  // The first 12 hex digits: "tttttttt-tttt".
  std::size_t at = 0;
  for (unsigned char& byte : timestamp) {
    if (at == 8) ++at;
    byte = static_cast<unsigned char>(hexValue(id[at]) << 4 | hexValue(id[at + 1]));
    at += 2;
  }
  return timestamp;
}

}  // namespace

std::string newUuid() { return formatUuid(randomBytes(16), 4); }

std::string newSecretToken() { return hexEncode(randomBytes(32)); }

std::string deterministicUuid(std::initializer_list<std::string_view> parts) {
  return formatUuid(sha256(materialOf(parts)), 5);
}

std::string deterministicUuidInTimeOf(std::string_view anchor,
                                      std::initializer_list<std::string_view> parts) {
  const auto timestamp = timestampOfUuidV7(anchor);
  if (!timestamp) return deterministicUuid(parts);
  std::string bytes = sha256(materialOf(parts));
  for (std::size_t i = 0; i < timestamp->size(); ++i) bytes[i] = static_cast<char>((*timestamp)[i]);
  return formatUuid(std::move(bytes), 8);
}

}  // namespace fhirgw::common
