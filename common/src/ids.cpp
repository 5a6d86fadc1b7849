#include "fhirgw/common/ids.hpp"

#include <array>
#include <cstddef>

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

}  // namespace

std::string newUuid() { return formatUuid(randomBytes(16), 4); }

std::string newSecretToken() { return hexEncode(randomBytes(32)); }

std::string deterministicUuid(std::initializer_list<std::string_view> parts) {
  std::string material;
  for (std::string_view p : parts) {
    material += std::to_string(p.size());
    material += ':';
    material.append(p);
  }
  return formatUuid(sha256(material), 5);
}

}  // namespace fhirgw::common
