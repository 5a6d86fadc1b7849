#include "fhirgw/common/address_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace fhirgw::common {
namespace {

using Bytes = std::array<std::uint8_t, 16>;

/// One network of the classification table: its first bytes, prefix length and class.
struct Range {
  std::array<std::uint8_t, 16> prefix;
  int length;
  std::string_view name;
};

bool inPrefix(const Bytes& bytes, const std::array<std::uint8_t, 16>& prefix, int length) {
  for (int bit = 0; bit < length; ++bit) {
    const int byte = bit / 8;
    const int mask = 0x80 >> (bit % 8);
    if ((bytes[byte] & mask) != (prefix[byte] & mask)) return false;
  }
  return true;
}

// IPv4, most specific first (169.254.169.254 before 169.254/16, 100.100.100.200 before 100.64/10).
const Range kIpv4[] = {
    {{169, 254, 169, 254}, 32, "cloud-metadata"},  // AWS, GCP, Azure, OpenStack...
    {{100, 100, 100, 200}, 32, "cloud-metadata"},  // Alibaba Cloud
    {{0, 0, 0, 0}, 8, "unspecified"},              // "this network"
    {{10, 0, 0, 0}, 8, "private"},                 // RFC 1918
    {{172, 16, 0, 0}, 12, "private"},              // RFC 1918
    {{192, 168, 0, 0}, 16, "private"},             // RFC 1918
    {{127, 0, 0, 0}, 8, "loopback"},               // RFC 1122
    {{169, 254, 0, 0}, 16, "link-local"},          // RFC 3927
    {{100, 64, 0, 0}, 10, "reserved"},             // shared address space (CGNAT), RFC 6598
    {{192, 0, 0, 0}, 24, "reserved"},              // IETF protocol assignments
    {{192, 0, 2, 0}, 24, "reserved"},              // TEST-NET-1
    {{192, 88, 99, 0}, 24, "reserved"},            // 6to4 relay anycast (deprecated)
    {{198, 18, 0, 0}, 15, "reserved"},             // benchmarking
    {{198, 51, 100, 0}, 24, "reserved"},           // TEST-NET-2
    {{203, 0, 113, 0}, 24, "reserved"},            // TEST-NET-3
    {{224, 0, 0, 0}, 4, "multicast"},              // RFC 5771
    {{240, 0, 0, 0}, 4, "reserved"},               // future use and 255.255.255.255 broadcast
};

// IPv6 after the forms that carry an IPv4 address (see judge). Global unicast is 2000::/3; the
// rest of the space is refused as reserved.
const Range kIpv6[] = {
    {{0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54}, 128, "cloud-metadata"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 128, "unspecified"},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, "loopback"},
    {{0xfe, 0x80}, 10, "link-local"},
    {{0xfe, 0xc0}, 10, "private"},  // site-local (deprecated)
    {{0xfc, 0x00}, 7, "unique-local"},
    {{0xff, 0x00}, 8, "multicast"},
    {{0x01, 0x00, 0, 0, 0, 0, 0, 0}, 64, "reserved"},        // discard-only
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, "reserved"},  // local-use NAT64
    {{0x20, 0x01, 0x00, 0x00}, 23, "reserved"},  // IETF protocol assignments (Teredo, ORCHID...)
    {{0x20, 0x01, 0x0d, 0xb8}, 32, "reserved"},  // documentation
};

std::optional<std::string_view> classIn(const Bytes& bytes, const Range* begin, const Range* end) {
  for (const Range* r = begin; r != end; ++r) {
    if (inPrefix(bytes, r->prefix, r->length)) return r->name;
  }
  return std::nullopt;
}

Bytes ipv4Bytes(const std::uint8_t* four) {
  Bytes out{};
  std::copy(four, four + 4, out.begin());
  return out;
}

/// The IPv4 address an IPv6 one stands for: IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible
/// (::a.b.c.d, deprecated), NAT64 well-known prefix (64:ff9b::a.b.c.d) and 6to4 (2002:AABB:CCDD::).
std::optional<Bytes> embeddedIpv4(const Bytes& v6) {
  static constexpr std::array<std::uint8_t, 16> kMapped = {0, 0, 0, 0, 0,    0,
                                                           0, 0, 0, 0, 0xff, 0xff};
  static constexpr std::array<std::uint8_t, 16> kCompatible = {};
  static constexpr std::array<std::uint8_t, 16> kNat64 = {0x00, 0x64, 0xff, 0x9b};
  static constexpr std::array<std::uint8_t, 16> kSixToFour = {0x20, 0x02};
  if (inPrefix(v6, kMapped, 96) || inPrefix(v6, kNat64, 96)) return ipv4Bytes(v6.data() + 12);
  // ::/96 holds :: and ::1 too, which are IPv6's own unspecified and loopback addresses.
  if (inPrefix(v6, kCompatible, 96)) {
    const Bytes v4 = ipv4Bytes(v6.data() + 12);
    if (v4[0] == 0 && v4[1] == 0 && v4[2] == 0 && v4[3] <= 1) return std::nullopt;
    return v4;
  }
  if (inPrefix(v6, kSixToFour, 16)) return ipv4Bytes(v6.data() + 2);
  return std::nullopt;
}

bool contains(const IpNetwork& network, bool ipv6, const Bytes& bytes) {
  return network.ipv6 == ipv6 && inPrefix(bytes, network.address, network.prefixLength);
}

}  // namespace

std::string IpNetwork::toString() const {
  char text[INET6_ADDRSTRLEN] = {};
  if (::inet_ntop(ipv6 ? AF_INET6 : AF_INET, address.data(), text, sizeof text) == nullptr) {
    return "?";
  }
  return std::string(text) + "/" + std::to_string(prefixLength);
}

Result<IpNetwork> parseIpNetwork(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string address(text.substr(0, slash));
  if (address.empty()) return invalidArgument("must be an IP address or network (10.0.0.0/8)");
  IpNetwork network;
  network.ipv6 = address.find(':') != std::string::npos;
  if (::inet_pton(network.ipv6 ? AF_INET6 : AF_INET, address.c_str(), network.address.data()) !=
      1) {
    return invalidArgument("must be an IP address or network in CIDR form (10.0.0.0/8, fd00::/8)");
  }
  const int maxLength = network.ipv6 ? 128 : 32;
  network.prefixLength = maxLength;
  if (slash != std::string_view::npos) {
    const std::string_view length = text.substr(slash + 1);
    const auto [end, ec] =
        std::from_chars(length.data(), length.data() + length.size(), network.prefixLength);
    if (length.empty() || ec != std::errc() || end != length.data() + length.size() ||
        network.prefixLength < 0 || network.prefixLength > maxLength) {
      return invalidArgument("prefix length must be 0 to " + std::to_string(maxLength));
    }
  }
  for (int bit = network.prefixLength; bit < maxLength; ++bit) {
    if ((network.address[bit / 8] & (0x80 >> (bit % 8))) != 0) {
      return invalidArgument(
          "has host bits set below its prefix length (give the network's first address)");
    }
  }
  return network;
}

std::string_view addressClass(bool ipv6, const Bytes& bytes) {
  if (ipv6) {
    if (auto v4 = embeddedIpv4(bytes)) return addressClass(false, *v4);
    if (auto name = classIn(bytes, std::begin(kIpv6), std::end(kIpv6))) return *name;
    static constexpr std::array<std::uint8_t, 16> kGlobalUnicast = {0x20};
    return inPrefix(bytes, kGlobalUnicast, 3) ? "public" : "reserved";
  }
  return classIn(bytes, std::begin(kIpv4), std::end(kIpv4)).value_or("public");
}

void AddressPolicy::allow(IpNetwork network) {
  if (std::find(allowed_.begin(), allowed_.end(), network) == allowed_.end()) {
    allowed_.push_back(network);
  }
}

std::optional<std::string_view> AddressPolicy::judge(bool ipv6, const Bytes& bytes) const {
  // An IPv6 form of an IPv4 address is allowed by the IPv4 network (and by an IPv6 one that
  // names that form itself).
  const std::optional<Bytes> v4 = ipv6 ? embeddedIpv4(bytes) : std::nullopt;
  for (const IpNetwork& network : allowed_) {
    if (contains(network, ipv6, bytes)) return std::nullopt;
    if (v4 && contains(network, false, *v4)) return std::nullopt;
  }
  const std::string_view name = addressClass(ipv6, bytes);
  if (name == "public") return std::nullopt;
  return name;
}

std::optional<std::string_view> AddressPolicy::refusedClass(const sockaddr* address) const {
  if (address == nullptr) return "not-ip";
  Bytes bytes{};
  if (address->sa_family == AF_INET) {
    sockaddr_in in{};
    std::memcpy(&in, address, sizeof in);
    std::memcpy(bytes.data(), &in.sin_addr, 4);
    return judge(false, bytes);
  }
  if (address->sa_family == AF_INET6) {
    sockaddr_in6 in6{};
    std::memcpy(&in6, address, sizeof in6);
    std::memcpy(bytes.data(), &in6.sin6_addr, 16);
    return judge(true, bytes);
  }
  return "not-ip";
}

std::optional<std::string_view> AddressPolicy::refusedClass(std::string_view address) const {
  const std::string text(address);
  Bytes bytes{};
  const bool ipv6 = text.find(':') != std::string::npos;
  if (::inet_pton(ipv6 ? AF_INET6 : AF_INET, text.c_str(), bytes.data()) != 1) return "not-ip";
  return judge(ipv6, bytes);
}

}  // namespace fhirgw::common
