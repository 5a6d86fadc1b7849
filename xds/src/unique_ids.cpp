#include "fhirgw/xds/unique_ids.hpp"

#include <algorithm>
#include <array>
#include <cstdint>

namespace fhirgw::xds {
namespace {

constexpr std::size_t kMinDigits = 20;

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool isOid(std::string_view text) {
  if (text.size() < 3 || (text[0] != '0' && text[0] != '1' && text[0] != '2')) return false;
  std::size_t arcs = 0;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('.', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view arc = text.substr(start, end - start);
    if (arc.empty() || (arc.size() > 1 && arc[0] == '0')) return false;
    for (char c : arc) {
      if (c < '0' || c > '9') return false;
    }
    ++arcs;
    start = end + 1;
  }
  return arcs >= 2;
}

std::string uuidToDecimal(std::string_view uuid) {
  // 16 bytes, big-endian, from the 32 hex digits of the canonical form.
  if (uuid.size() != 36) return {};
  std::array<std::uint8_t, 16> bytes{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < uuid.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (uuid[i] != '-') return {};
      continue;
    }
    const int v = hexValue(uuid[i]);
    if (v < 0) return {};
    bytes[n / 2] = static_cast<std::uint8_t>(bytes[n / 2] * 16 + v);
    ++n;
  }
  // Long division by 10 over the bytes until the number is zero.
  std::string digits;
  bool zero = false;
  while (!zero) {
    unsigned remainder = 0;
    zero = true;
    for (std::uint8_t& b : bytes) {
      const unsigned value = remainder * 256 + b;
      b = static_cast<std::uint8_t>(value / 10);
      remainder = value % 10;
      if (b != 0) zero = false;
    }
    digits.insert(digits.begin(), static_cast<char>('0' + remainder));
  }
  return digits;
}

common::Result<std::string> oidFromUuid(std::string_view root, std::string_view uuid) {
  if (!isOid(root)) {
    return common::invalidArgument("xds: the uniqueId root '" + std::string(root) +
                                   "' is not an OID");
  }
  std::string digits = uuidToDecimal(uuid);
  if (digits.empty()) return common::invalidArgument("xds: not a UUID: " + std::string(uuid));
  const std::size_t room = kMaxUniqueIdLength - std::min(kMaxUniqueIdLength, root.size() + 1);
  if (room < kMinDigits) {
    return common::invalidArgument("xds: the uniqueId root '" + std::string(root) +
                                   "' is too long: it must leave 20 digits in 64 characters");
  }
  if (digits.size() > room) digits.resize(room);
  return std::string(root) + "." + digits;
}

}  // namespace fhirgw::xds
