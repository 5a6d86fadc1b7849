#include "fhirgw/common/address_policy.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <string>
#include <utility>
#include <vector>

using namespace fhirgw::common;

namespace {

std::string refusal(const AddressPolicy& policy, std::string_view address) {
  auto refused = policy.refusedClass(address);
  return refused ? std::string(*refused) : "ok";
}

std::string refusal(std::string_view address) {
  return refusal(AddressPolicy::publicOnly(), address);
}

IpNetwork network(std::string_view text) {
  auto parsed = parseIpNetwork(text);
  EXPECT_TRUE(parsed.hasValue()) << text << ": " << (parsed ? "" : parsed.error().message());
  return parsed ? *parsed : IpNetwork{};
}

}  // namespace

TEST(AddressPolicy, PublicOnlyRefusesEveryInternalClassOfIpv4) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"127.0.0.1", "loopback"},
      {"127.255.255.254", "loopback"},
      {"10.0.0.1", "private"},
      {"172.16.0.1", "private"},
      {"172.31.255.255", "private"},
      {"192.168.1.1", "private"},
      {"169.254.1.1", "link-local"},
      {"169.254.169.254", "cloud-metadata"},
      {"100.100.100.200", "cloud-metadata"},
      {"0.0.0.0", "unspecified"},
      {"0.1.2.3", "unspecified"},
      {"224.0.0.1", "multicast"},
      {"239.255.255.250", "multicast"},
      {"100.64.0.1", "reserved"},
      {"100.127.255.255", "reserved"},
      {"192.0.0.8", "reserved"},
      {"198.18.0.1", "reserved"},
      {"198.19.255.1", "reserved"},
      {"240.0.0.1", "reserved"},
      {"255.255.255.255", "reserved"},
      {"192.0.2.10", "reserved"},
      {"203.0.113.7", "reserved"},
  };
  for (const auto& [address, expected] : cases) {
    EXPECT_EQ(refusal(address), expected) << address;
  }
}

TEST(AddressPolicy, PublicOnlyLetsPublicIpv4Through) {
  for (const char* address :
       {"8.8.8.8", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1", "169.255.0.1",
        "198.20.0.1", "223.255.255.255", "1.1.1.1"}) {
    EXPECT_EQ(refusal(address), "ok") << address;
  }
}

TEST(AddressPolicy, PublicOnlyRefusesEveryInternalClassOfIpv6) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"::1", "loopback"},
      {"::", "unspecified"},
      {"fe80::1", "link-local"},
      {"febf:ffff::1", "link-local"},
      {"fc00::1", "unique-local"},
      {"fd00::1", "unique-local"},
      {"fd00:ec2::254", "cloud-metadata"},
      {"ff02::1", "multicast"},
      {"fec0::1", "private"},
      {"2001:db8::1", "reserved"},
      {"100::1", "reserved"},
      {"2001::1", "reserved"},
      {"4000::1", "reserved"},
      {"64:ff9b:1::1", "reserved"},
  };
  for (const auto& [address, expected] : cases) {
    EXPECT_EQ(refusal(address), expected) << address;
  }
  EXPECT_EQ(refusal("2a00:1450:4007:80f::200e"), "ok");
  EXPECT_EQ(refusal("2606:4700::1111"), "ok");
}

TEST(AddressPolicy, Ipv4InsideIpv6IsJudgedAsItsIpv4Address) {
  EXPECT_EQ(refusal("::ffff:127.0.0.1"), "loopback");
  EXPECT_EQ(refusal("::ffff:7f00:1"), "loopback");
  EXPECT_EQ(refusal("::ffff:169.254.169.254"), "cloud-metadata");
  EXPECT_EQ(refusal("::ffff:10.1.2.3"), "private");
  EXPECT_EQ(refusal("::127.0.0.1"), "loopback");              // IPv4-compatible (deprecated)
  EXPECT_EQ(refusal("64:ff9b::10.0.0.1"), "private");         // NAT64
  EXPECT_EQ(refusal("2002:a9fe:a9fe::1"), "cloud-metadata");  // 6to4 of 169.254.169.254
  EXPECT_EQ(refusal("::ffff:8.8.8.8"), "ok");
}

TEST(AddressPolicy, AnAllowedNetworkPassesWhateverItsClass) {
  AddressPolicy policy = AddressPolicy::publicOnly();
  policy.allow(network("127.0.0.0/8"));
  policy.allow(network("10.1.0.0/16"));
  policy.allow(network("fd12:3456::/32"));
  EXPECT_EQ(refusal(policy, "127.0.0.1"), "ok");
  EXPECT_EQ(refusal(policy, "::ffff:127.0.0.1"), "ok");  // the IPv4 network allows its mapped form
  EXPECT_EQ(refusal(policy, "10.1.200.3"), "ok");
  EXPECT_EQ(refusal(policy, "10.2.0.1"), "private");
  EXPECT_EQ(refusal(policy, "fd12:3456:1::1"), "ok");
  EXPECT_EQ(refusal(policy, "fd12:3457::1"), "unique-local");
  EXPECT_EQ(refusal(policy, "::1"), "loopback");  // 127/8 does not allow IPv6's loopback
  EXPECT_EQ(refusal(policy, "169.254.169.254"), "cloud-metadata");
  policy.allow(network("127.0.0.0/8"));
  EXPECT_EQ(policy.allowed().size(), 3U);  // the same network once
}

TEST(AddressPolicy, JudgesSocketAddressesAsCurlHandsThem) {
  AddressPolicy policy = AddressPolicy::publicOnly();
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_port = htons(443);
  ASSERT_EQ(::inet_pton(AF_INET, "127.0.0.1", &v4.sin_addr), 1);
  EXPECT_EQ(policy.refusedClass(reinterpret_cast<const sockaddr*>(&v4)).value_or("ok"), "loopback");
  ASSERT_EQ(::inet_pton(AF_INET, "93.184.216.34", &v4.sin_addr), 1);
  EXPECT_FALSE(policy.refusedClass(reinterpret_cast<const sockaddr*>(&v4)).has_value());

  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  ASSERT_EQ(::inet_pton(AF_INET6, "::ffff:169.254.169.254", &v6.sin6_addr), 1);
  EXPECT_EQ(policy.refusedClass(reinterpret_cast<const sockaddr*>(&v6)).value_or("ok"),
            "cloud-metadata");
  ASSERT_EQ(::inet_pton(AF_INET6, "fd00::1", &v6.sin6_addr), 1);
  EXPECT_EQ(policy.refusedClass(reinterpret_cast<const sockaddr*>(&v6)).value_or("ok"),
            "unique-local");
  policy.allow(network("fd00::/8"));
  EXPECT_FALSE(policy.refusedClass(reinterpret_cast<const sockaddr*>(&v6)).has_value());

  sockaddr_un local{};
  local.sun_family = AF_UNIX;
  EXPECT_EQ(policy.refusedClass(reinterpret_cast<const sockaddr*>(&local)).value_or("ok"),
            "not-ip");
  EXPECT_EQ(refusal(policy, "localhost"), "not-ip");
}

TEST(ParseIpNetwork, ReadsCidrAndBareAddresses) {
  EXPECT_EQ(network("127.0.0.1/32").toString(), "127.0.0.1/32");
  EXPECT_EQ(network("127.0.0.1").toString(), "127.0.0.1/32");
  EXPECT_EQ(network("10.0.0.0/8").toString(), "10.0.0.0/8");
  EXPECT_EQ(network("::1/128").toString(), "::1/128");
  EXPECT_EQ(network("::1").prefixLength, 128);
  EXPECT_TRUE(network("fd00::/8").ipv6);
  EXPECT_EQ(network("0.0.0.0/0").prefixLength, 0);
}

TEST(ParseIpNetwork, RefusesWhatIsNotACidr) {
  for (const char* text :
       {"", "/8", "10.0.0.0/", "10.0.0.0/33", "::/129", "10.0.0.0/-1", "10.0.0.0/8x", "10.0.0/8",
        "010.0.0.1", "10.0.0.1/8", "fd00::1/8", "localhost", " 10.0.0.0/8", "10.0.0.0/8 ",
        "fe80::1%eth0", "[::1]", "10.0.0.0/ 8"}) {
    auto parsed = parseIpNetwork(text);
    EXPECT_FALSE(parsed.hasValue()) << "'" << text << "' was accepted";
    if (!parsed) {
      EXPECT_EQ(parsed.error().code(), StatusCode::kInvalidArgument) << text;
    }
  }
  EXPECT_NE(parseIpNetwork("10.0.0.1/8").error().message().find("host bits"), std::string::npos);
}
