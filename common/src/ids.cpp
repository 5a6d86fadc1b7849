#include "fhirgw/common/ids.hpp"

#include "fhirgw/common/crypto.hpp"

namespace fhirgw::common {
namespace {

std::string formatUuid(std::string bytes, unsigned version) {
  bytes.resize(16);
  bytes[6] = static_cast<char>((static_cast<unsigned char>(bytes[6]) & 0x0fU) | (version << 4));
  bytes[8] = static_cast<char>((static_cast<unsigned char>(bytes[8]) & 0x3fU) | 0x80U);
  const std::string hex = hexEncode(bytes);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
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
