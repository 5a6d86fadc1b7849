#include "fhirgw/common/ids.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>

#include "fhirgw/common/crypto.hpp"

namespace fhirgw::common {
namespace {

constexpr std::array<std::size_t, 5> kUuidGroups{8, 4, 4, 4, 12};
constexpr std::size_t kTimestampBytes = 6;  // RFC 9562 unix_ts_ms: 48 bits, big-endian

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

std::string hashMaterial(std::initializer_list<std::string_view> parts) {
  std::string material;
  for (std::string_view p : parts) {
    material += std::to_string(p.size());
    material += ':';
    material.append(p);
  }
  return material;
}

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/// Writes unix_ts_ms, big-endian, over the first six bytes.
void putTimestamp(std::string& bytes, std::uint64_t unixMs) {
  for (std::size_t i = 0; i < kTimestampBytes; ++i) {
    bytes[i] = static_cast<char>((unixMs >> (8 * (kTimestampBytes - 1 - i))) & 0xffU);
  }
}

/// The timestamp of a lower-case version-7 UUID (its first 12 hex digits), or nullopt.
std::optional<std::uint64_t> timestampOfVersion7(std::string_view id) {
  if (id.size() != 36 || id[8] != '-' || id[13] != '-' || id[18] != '-' || id[23] != '-' ||
      id[14] != '7' || hexDigit(id[19]) < 8 || hexDigit(id[19]) > 11) {
    return std::nullopt;
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i != 8 && i != 13 && i != 18 && i != 23 && hexDigit(id[i]) < 0) return std::nullopt;
  }
  std::uint64_t unixMs = 0;
  for (const char c : id.substr(0, 13)) {
    if (c != '-') unixMs = unixMs << 4 | static_cast<std::uint64_t>(hexDigit(c));
  }
  return unixMs;
}

constexpr unsigned kSequenceMax = 0xfffU;  // rand_a: 12 bits
// A new millisecond starts its sequence at random below half the range: ids of one millisecond
// do not all start from 0, and at least 2,048 fit before the timestamp has to step forward.
constexpr unsigned kSequenceSeedMask = 0x7ffU;

}  // namespace

std::string newUuid() { return formatUuid(randomBytes(16), 4); }

std::string TimeOrderedUuids::next(std::int64_t unixMs) {
  std::string bytes = randomBytes(16);
  const unsigned seed = (static_cast<unsigned>(static_cast<unsigned char>(bytes[6])) << 8 |
                         static_cast<unsigned char>(bytes[7])) &
                        kSequenceSeedMask;
  std::int64_t ms = 0;
  unsigned sequence = 0;
  {
    const std::lock_guard lock(mutex_);
    if (unixMs > lastMs_) {
      lastMs_ = unixMs;
      sequence_ = seed;
    } else if (sequence_ < kSequenceMax) {
      ++sequence_;
    } else {
      ++lastMs_;  // the sequence is spent: borrow the next millisecond
      sequence_ = seed;
    }
    ms = lastMs_;
    sequence = sequence_;
  }
  putTimestamp(bytes, static_cast<std::uint64_t>(ms));
  bytes[6] = static_cast<char>(sequence >> 8);  // formatUuid puts the version in the high nibble
  bytes[7] = static_cast<char>(sequence & 0xffU);
  return formatUuid(std::move(bytes), 7);
}

std::string newTimeOrderedUuid() {
  const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  static TimeOrderedUuids process;
  return process.next(std::max<std::int64_t>(now.count(), 0));
}

std::string newSecretToken() { return hexEncode(randomBytes(32)); }

std::string deterministicUuid(std::initializer_list<std::string_view> parts) {
  return formatUuid(sha256(hashMaterial(parts)), 5);
}

std::string deterministicUuidNear(std::string_view neighbour,
                                  std::initializer_list<std::string_view> parts) {
  const std::optional<std::uint64_t> unixMs = timestampOfVersion7(neighbour);
  if (!unixMs) return deterministicUuid(parts);
  std::string bytes = sha256(hashMaterial(parts));
  putTimestamp(bytes, *unixMs);
  return formatUuid(std::move(bytes), 7);
}

}  // namespace fhirgw::common
