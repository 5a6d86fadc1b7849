#pragma once

// Which IP addresses an outbound connection may reach (the SSRF guard of issue 13). Connectors
// check the socket address libcurl is about to connect to, so a host name that resolves (or
// later rebinds) to an internal address is judged by the address itself.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fhirgw/common/result.hpp"

struct sockaddr;

namespace fhirgw::common {

/// An IPv4 or IPv6 network in CIDR form ("10.0.0.0/8", "::1/128").
struct IpNetwork {
  bool ipv6 = false;
  /// The network's address with the host bits cleared (IPv4 in the first 4 bytes).
  std::array<std::uint8_t, 16> address{};
  int prefixLength = 0;  ///< 0..32 (IPv4) or 0..128 (IPv6)

  /// "10.0.0.0/8", "fd00::/8".
  std::string toString() const;
  friend bool operator==(const IpNetwork&, const IpNetwork&) = default;
};

/// Parses "a.b.c.d/n" or "v6/n"; a bare address means /32 or /128. Host bits set below the prefix
/// ("10.0.0.1/8") are refused, as are zone ids, empty parts and spaces (kInvalidArgument).
Result<IpNetwork> parseIpNetwork(std::string_view text);

/// The outbound address policy: public unicast addresses pass; loopback, private, link-local,
/// unique-local, cloud-metadata, unspecified, multicast and reserved ones are refused unless they
/// lie in a network allowed on purpose. IPv4-mapped and IPv4-compatible IPv6 addresses (and the
/// IPv4 inside NAT64 and 6to4 ones) are judged as their IPv4 address. A value; thread-safe to read.
class AddressPolicy {
 public:
  /// Only public addresses; nothing allowed on purpose.
  static AddressPolicy publicOnly() { return AddressPolicy(); }

  /// An address inside `network` passes whatever its class.
  void allow(IpNetwork network);
  const std::vector<IpNetwork>& allowed() const { return allowed_; }

  /// Nullopt when a connection to the address may be opened; otherwise the class of the refused
  /// address as a short fixed code: "loopback", "private", "link-local", "unique-local",
  /// "cloud-metadata", "unspecified", "multicast", "reserved", or "not-ip" (not AF_INET or
  /// AF_INET6). `address` is a sockaddr_in or sockaddr_in6 as the family says.
  std::optional<std::string_view> refusedClass(const sockaddr* address) const;
  /// The same for a textual IPv4 or IPv6 address ("127.0.0.1", "::1", no brackets); text that
  /// is not an address is "not-ip".
  std::optional<std::string_view> refusedClass(std::string_view address) const;

 private:
  std::optional<std::string_view> judge(bool ipv6, const std::array<std::uint8_t, 16>& bytes) const;

  std::vector<IpNetwork> allowed_;
};

/// The class of an address whatever any policy allows ("public" when none of the refused
/// classes); the same codes as AddressPolicy::refusedClass.
std::string_view addressClass(bool ipv6, const std::array<std::uint8_t, 16>& bytes);

}  // namespace fhirgw::common
