// SPDX-License-Identifier: Apache-2.0
// Software RSS: the Toeplitz hash against Microsoft's published verification vectors,
// the symmetric-key fast path against the bitwise hash and (when built with DPDK)
// against DPDK's rte_softrss, symmetry, and the tuple taken from frames.
#include "capture/soft_rss.hpp"

#include <gtest/gtest.h>

#include <array>
#include <random>
#include <vector>

#include "support/packet_builder.hpp"
#include "weir_config.h"

#if WEIR_HAVE_DPDK
#include <rte_thash.h>
#endif

namespace weir {
namespace {

using test::ip4;
using test::ip6;
using test::PacketBuilder;

// Microsoft's RSS verification key ("Verifying the RSS Hash Calculation").
constexpr std::array<uint8_t, 40> kMsKey = {
    0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
    0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
    0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa};

uint32_t toeplitz(const std::array<uint8_t, kRssKeyBytes>& key, const std::vector<uint8_t>& t) {
  return toeplitz_hash_reference(t.data(), t.size(), key);
}
uint32_t symmetric(const std::vector<uint8_t>& t) { return toeplitz_symmetric(t.data(), t.size()); }

std::vector<uint8_t> tuple(const std::vector<uint8_t>& src, const std::vector<uint8_t>& dst,
                           int sport = -1, int dport = -1) {
  std::vector<uint8_t> t = src;
  t.insert(t.end(), dst.begin(), dst.end());
  if (sport >= 0) {
    for (int p : {sport, dport}) {
      t.push_back(static_cast<uint8_t>(p >> 8));
      t.push_back(static_cast<uint8_t>(p));
    }
  }
  return t;
}
template <std::size_t N>
std::vector<uint8_t> v(const std::array<uint8_t, N>& a) {
  return {a.begin(), a.end()};
}

TEST(SoftRss, ToeplitzMatchesMicrosoftVerificationVectors) {
  struct V4 {
    const char *src, *dst;
    int sport, dport;
    uint32_t ip, tcp;
  };
  const V4 v4[] = {
      {"66.9.149.187", "161.142.100.80", 2794, 1766, 0x323e8fc2, 0x51ccc178},
      {"199.92.111.2", "65.69.140.83", 14230, 4739, 0xd718262a, 0xc626b0ea},
      {"24.19.198.95", "12.22.207.184", 12898, 38024, 0xd2d0a5de, 0x5c2b394a},
      {"38.27.205.30", "209.142.163.6", 48228, 2217, 0x82989176, 0xafc7327f},
      {"153.39.163.191", "202.188.127.2", 44251, 1303, 0x5d1809c5, 0x10e828a2},
  };
  for (const V4& t : v4) {
    EXPECT_EQ(toeplitz(kMsKey, tuple(v(ip4(t.src)), v(ip4(t.dst)))), t.ip) << t.src;
    EXPECT_EQ(toeplitz(kMsKey, tuple(v(ip4(t.src)), v(ip4(t.dst)), t.sport, t.dport)), t.tcp)
        << t.src;
  }
  struct V6 {
    const char *src, *dst;
    int sport, dport;
    uint32_t ip, tcp;
  };
  const V6 v6[] = {
      {"3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 2794, 1766, 0x2cc18cd5, 0x40207d3d},
      {"3ffe:501:8::260:97ff:fe40:efab", "ff02::1", 14230, 4739, 0x0f0c461c, 0xdde51bbf},
      {"3ffe:1900:4545:3:200:f8ff:fe21:67cf", "fe80::200:f8ff:fe21:67cf", 44251, 38024, 0x4b61e985,
       0x02d1feef},
  };
  for (const V6& t : v6) {
    EXPECT_EQ(toeplitz(kMsKey, tuple(v(ip6(t.src)), v(ip6(t.dst)))), t.ip) << t.src;
    EXPECT_EQ(toeplitz(kMsKey, tuple(v(ip6(t.src)), v(ip6(t.dst)), t.sport, t.dport)), t.tcp)
        << t.src;
  }
}

std::vector<uint8_t> random_bytes(std::mt19937& rng, std::size_t n) {
  std::vector<uint8_t> b(n);
  for (uint8_t& x : b) x = static_cast<uint8_t>(rng());
  return b;
}

TEST(SoftRss, SymmetricFastPathEqualsBitwiseToeplitzAndIsSymmetric) {
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    for (std::size_t addr : {4u, 16u}) {
      const auto a = random_bytes(rng, addr), b = random_bytes(rng, addr);
      const int pa = static_cast<int>(rng() & 0xffff), pb = static_cast<int>(rng() & 0xffff);
      const auto fwd = tuple(a, b, pa, pb), rev = tuple(b, a, pb, pa);
      const uint32_t h = symmetric(fwd);
      ASSERT_EQ(h, toeplitz(kSymmetricRssKey, fwd));
      ASSERT_EQ(h, symmetric(rev)) << "not symmetric";
      ASSERT_EQ(toeplitz(kSymmetricRssKey, rev), h);
      ASSERT_EQ(symmetric(tuple(a, b)), toeplitz(kSymmetricRssKey, tuple(a, b)));
    }
  }
  // Any length, odd included (a trailing byte is the high half of a 16-bit word).
  for (std::size_t n = 0; n <= 36; ++n) {
    const auto b = random_bytes(rng, n);
    ASSERT_EQ(symmetric(b), toeplitz(kSymmetricRssKey, b)) << n << " bytes";
  }
  // Microsoft's key is not symmetric (why weir uses the other one).
  int asymmetric = 0;
  for (int i = 0; i < 100; ++i) {
    const auto a = random_bytes(rng, 4), b = random_bytes(rng, 4);
    asymmetric += toeplitz(kMsKey, tuple(a, b, 1000 + i, 80)) !=
                  toeplitz(kMsKey, tuple(b, a, 80, 1000 + i));
  }
  EXPECT_GT(asymmetric, 90);
}

#if WEIR_HAVE_DPDK
// rte_softrss takes the tuple as host-order 32-bit words (rte_ipv4_tuple / rte_ipv6_tuple).
uint32_t dpdk_softrss(const std::vector<uint8_t>& t, const uint8_t* key) {
  std::vector<uint32_t> words(t.size() / 4);
  for (std::size_t i = 0; i < words.size(); ++i) {
    words[i] = static_cast<uint32_t>(t[4 * i]) << 24 | static_cast<uint32_t>(t[4 * i + 1]) << 16 |
               static_cast<uint32_t>(t[4 * i + 2]) << 8 | t[4 * i + 3];
  }
  return rte_softrss(words.data(), static_cast<uint32_t>(words.size()), key);
}

TEST(SoftRss, AgreesWithDpdkSoftrss) {
  std::mt19937 rng(11);
  for (int i = 0; i < 2000; ++i) {
    for (std::size_t addr : {4u, 16u}) {
      const auto a = random_bytes(rng, addr), b = random_bytes(rng, addr);
      const auto t = tuple(a, b, static_cast<int>(rng() & 0xffff), static_cast<int>(rng() & 0xffff));
      ASSERT_EQ(symmetric(t), dpdk_softrss(t, kSymmetricRssKey.data()));
      ASSERT_EQ(toeplitz(kMsKey, t), dpdk_softrss(t, kMsKey.data()));
      ASSERT_EQ(symmetric(tuple(a, b)), dpdk_softrss(tuple(a, b), kSymmetricRssKey.data()));
    }
  }
}
#else
TEST(SoftRss, AgreesWithDpdkSoftrss) {
  GTEST_SKIP() << "built without DPDK (meson -Ddpdk=enabled): rte_softrss not available";
}
#endif

uint32_t h(const test::Frame& f, RssFields fields = RssFields::l3_l4) { return rss_hash(f.view(), fields); }

TEST(SoftRss, FrameHashTakesTheNicTuple) {
  const uint32_t tcp4 = h(PacketBuilder().eth().ipv4("10.1.2.3", "192.168.7.9").tcp(40000, 443).payload(10).build());
  EXPECT_EQ(tcp4, symmetric(tuple(v(ip4("10.1.2.3")), v(ip4("192.168.7.9")), 40000, 443)));
  // Both directions, any tag stack, any link type: the same hash.
  EXPECT_EQ(tcp4, h(PacketBuilder().eth().ipv4("192.168.7.9", "10.1.2.3").tcp(443, 40000).build()));
  EXPECT_EQ(tcp4, h(PacketBuilder().eth().vlan(42).ipv4("10.1.2.3", "192.168.7.9").tcp(40000, 443).build()));
  EXPECT_EQ(tcp4, h(PacketBuilder().eth().vlan(10, 0x88a8).vlan(20).ipv4("10.1.2.3", "192.168.7.9").tcp(40000, 443).build()));
  EXPECT_EQ(tcp4, h(PacketBuilder().sll2().ipv4("10.1.2.3", "192.168.7.9").tcp(40000, 443).build()));
  EXPECT_EQ(tcp4, h(PacketBuilder().sll().ipv4("10.1.2.3", "192.168.7.9").tcp(40000, 443).build()));
  EXPECT_EQ(tcp4, h(PacketBuilder().ipv4("10.1.2.3", "192.168.7.9").tcp(40000, 443).build()));  // raw IP
  // Fragments, first or not, hash on the addresses (all fragments of a datagram together).
  const uint32_t addr4 = symmetric(tuple(v(ip4("10.1.2.3")), v(ip4("192.168.7.9"))));
  EXPECT_EQ(addr4, h(PacketBuilder().eth().ipv4("10.1.2.3", "192.168.7.9").frag(0, true).udp(5353, 53).payload(100).build()));
  EXPECT_EQ(addr4, h(PacketBuilder().eth().ipv4("192.168.7.9", "10.1.2.3").frag(1480, false).payload(100).build()));
  EXPECT_EQ(addr4, h(PacketBuilder().eth().ipv4("10.1.2.3", "192.168.7.9").icmp(8, 0, 7, 1).build()));
  // l3 (the default): ports never count; the same hash as the file shards' (addresses).
  EXPECT_EQ(addr4, h(PacketBuilder().eth().ipv4("10.1.2.3", "192.168.7.9").tcp(40000, 443).build(), RssFields::l3));
  EXPECT_EQ(addr4, rss_hash(PacketBuilder().eth().vlan(7).ipv4("192.168.7.9", "10.1.2.3").udp(1, 2).build().view()));
  EXPECT_EQ(addr4, rss_hash_addresses(ip4("10.1.2.3").data(), ip4("192.168.7.9").data(), 4));
  // UDP and SCTP carry ports; IPv6 likewise, but not behind an extension header.
  EXPECT_EQ(h(PacketBuilder().eth().ipv4("10.1.2.3", "192.168.7.9").udp(40000, 443).build()), tcp4);
  EXPECT_EQ(h(PacketBuilder().eth().ipv4("10.1.2.3", "192.168.7.9").sctp(40000, 443).build()), tcp4);
  const uint32_t tcp6 = h(PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::2").tcp(1234, 80).build());
  EXPECT_EQ(tcp6, symmetric(tuple(v(ip6("2001:db8::1")), v(ip6("2001:db8::2")), 1234, 80)));
  EXPECT_EQ(tcp6, h(PacketBuilder().eth().ipv6("2001:db8::2", "2001:db8::1").tcp(80, 1234).build()));
  const uint32_t addr6 = symmetric(tuple(v(ip6("2001:db8::1")), v(ip6("2001:db8::2"))));
  EXPECT_EQ(addr6, h(PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::2").ipv6_frag(0, true, 9).udp(53, 53).payload(64).build()));
  // Not IP, or cut before the addresses: 0 (queue 0, like a NIC that hashes nothing).
  EXPECT_EQ(0u, h(PacketBuilder().eth().ethertype(0x0806).payload(28).build()));
  EXPECT_EQ(0u, h(PacketBuilder().eth().ipv4("10.1.2.3", "192.168.7.9").tcp(1, 2).truncate(20).build()));
  EXPECT_EQ(0u, h(PacketBuilder().eth().mpls(100).ipv4("10.1.2.3", "192.168.7.9").tcp(1, 2).build()));
}

TEST(SoftRss, QueueIsTheDefaultRedirectionTable) {
  for (uint32_t hash : {0u, 1u, 127u, 128u, 0xdeadbeefu}) {
    EXPECT_EQ(rss_queue(hash, 1), 0u);
    EXPECT_EQ(rss_queue(hash, 2), (hash & 127) % 2);
    EXPECT_EQ(rss_queue(hash, 3), (hash % 128) % 3);
  }
}

}  // namespace
}  // namespace weir
