// SPDX-License-Identifier: Apache-2.0
// Decoder tests: every link type, tags and tunnels' outer layers, IPv4/IPv6 header and
// length checks, IPv6 extension headers, L4 ports and ICMP keys, canonical key order,
// the fragment cache, truncation at every byte (run under ASan: each capture is copied
// into a heap buffer of exactly cap_len bytes), and outcome counts over the real
// captures (checked against tshark; see the expectations table).
#include "capture/decode/decoder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "capture/decode/flow_key_order.hpp"
#include "support/captures.hpp"
#include "support/packet_builder.hpp"
#include "support/pcap_writer.hpp"

namespace weir {
namespace {

using test::Frame;
using test::kAck;
using test::kFin;
using test::kSyn;
using test::PacketBuilder;
using O = DecodeOutcome;

constexpr uint64_t kSec = 1'000'000'000;

struct Decoded {
  DecodeOutcome outcome;
  PacketMeta meta;
};

// Decodes from a heap copy of exactly cap_len bytes, so ASan flags any read past it.
Decoded run(Decoder& d, const Frame& f, uint64_t now_ns = 0) {
  auto buf = std::make_unique<uint8_t[]>(f.bytes.size());
  if (!f.bytes.empty()) std::memcpy(buf.get(), f.bytes.data(), f.bytes.size());
  PacketView v = f.view(now_ns);
  v.data = buf.get();
  PacketMeta m;
  const DecodeOutcome o = d.decode(v, now_ns, m);
  return {o, m};
}

Decoded run(const Frame& f, const DecodeConfig& cfg = {}) {
  Decoder d(cfg);
  return run(d, f);
}

DecodeConfig unidirectional() {
  DecodeConfig c;
  c.bidirectional = false;
  return c;
}

std::array<uint8_t, 16> a4(std::string_view s) {
  std::array<uint8_t, 16> a{};
  const auto v4 = test::ip4(s);
  std::copy(v4.begin(), v4.end(), a.begin());
  return a;
}

std::array<uint8_t, 16> a6(std::string_view s) { return test::ip6(s); }

// Expects a flow whose key is exactly (src, sport) -> (dst, dport) as seen on the wire.
void expect_v4_key(const Decoded& r, std::string_view src, std::string_view dst, uint8_t proto,
                   uint16_t sport, uint16_t dport) {
  ASSERT_EQ(r.outcome, O::flow) << decode_outcome_name(r.outcome);
  EXPECT_EQ(r.meta.key.ip_version, 4);
  EXPECT_EQ(r.meta.key.proto, proto);
  EXPECT_EQ(r.meta.key.addr_a, a4(src));
  EXPECT_EQ(r.meta.key.addr_b, a4(dst));
  EXPECT_EQ(r.meta.key.port_a, sport);
  EXPECT_EQ(r.meta.key.port_b, dport);
}

void expect_v6_key(const Decoded& r, std::string_view src, std::string_view dst, uint8_t proto,
                   uint16_t sport, uint16_t dport) {
  ASSERT_EQ(r.outcome, O::flow) << decode_outcome_name(r.outcome);
  EXPECT_EQ(r.meta.key.ip_version, 6);
  EXPECT_EQ(r.meta.key.proto, proto);
  EXPECT_EQ(r.meta.key.addr_a, a6(src));
  EXPECT_EQ(r.meta.key.addr_b, a6(dst));
  EXPECT_EQ(r.meta.key.port_a, sport);
  EXPECT_EQ(r.meta.key.port_b, dport);
}

PacketBuilder eth_v4_tcp() {
  PacketBuilder b;
  b.eth().ipv4("10.0.0.1", "10.0.0.2").tcp(40000, 80, kSyn);
  return b;
}

// ---------------------------------------------------------------------------------------
// Outcome names and canonical order

TEST(DecodeOutcomeName, IsSnakeCaseForEveryOutcome) {
  EXPECT_EQ(decode_outcome_name(O::flow), "flow");
  EXPECT_EQ(decode_outcome_name(O::unsupported_linktype), "unsupported_linktype");
  EXPECT_EQ(decode_outcome_name(O::fragment_orphan), "fragment_orphan");
  for (std::size_t i = 0; i < kNumDecodeOutcomes; ++i) {
    const std::string_view n = decode_outcome_name(static_cast<DecodeOutcome>(i));
    ASSERT_FALSE(n.empty());
    EXPECT_TRUE(std::all_of(n.begin(), n.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    })) << n;
  }
  EXPECT_EQ(decode_outcome_name(O::kCount), "unknown");
}

FlowKey key4(std::string_view a, uint16_t pa, std::string_view b, uint16_t pb, uint8_t proto = 6) {
  FlowKey k;
  k.addr_a = a4(a);
  k.addr_b = a4(b);
  k.port_a = pa;
  k.port_b = pb;
  k.proto = proto;
  k.ip_version = 4;
  return k;
}

TEST(Canonicalize, OrdersByAddressBytesThenPort) {
  FlowKey k = key4("10.0.0.2", 80, "10.0.0.1", 40000);
  bool reversed = false;
  canonicalize(k, reversed);
  EXPECT_TRUE(reversed);
  EXPECT_EQ(k, key4("10.0.0.1", 40000, "10.0.0.2", 80));
  canonicalize(k, reversed);  // idempotent
  EXPECT_FALSE(reversed);
  EXPECT_EQ(k, key4("10.0.0.1", 40000, "10.0.0.2", 80));
}

TEST(Canonicalize, ComparesAddressesAsBytesNotHostIntegers) {
  // 1.0.0.200 < 2.0.0.1 as bytes; a little-endian integer compare would say otherwise.
  FlowKey k = key4("2.0.0.1", 1, "1.0.0.200", 2);
  bool reversed = false;
  canonicalize(k, reversed);
  EXPECT_TRUE(reversed);
  EXPECT_EQ(k.addr_a, a4("1.0.0.200"));
}

TEST(Canonicalize, EqualAddressesOrderByPort) {
  FlowKey k = key4("127.0.0.1", 5000, "127.0.0.1", 80);
  bool reversed = false;
  canonicalize(k, reversed);
  EXPECT_TRUE(reversed);
  EXPECT_EQ(k.port_a, 80);
  EXPECT_EQ(k.port_b, 5000);
}

TEST(Canonicalize, Ipv6ComparesTheLowWordWhenTheHighWordsMatch) {
  FlowKey k;
  k.ip_version = 6;
  k.proto = 17;
  k.addr_a = a6("2001:db8::2");
  k.addr_b = a6("2001:db8::1");
  bool reversed = false;
  canonicalize(k, reversed);
  EXPECT_TRUE(reversed);
  EXPECT_EQ(k.addr_a, a6("2001:db8::1"));
}

TEST(Canonicalize, IcmpSwapsAddressesButNotTypeCode) {
  FlowKey k = key4("10.0.0.9", 0, "10.0.0.1", 0x0303, 1);
  bool reversed = false;
  canonicalize(k, reversed);
  EXPECT_TRUE(reversed);
  EXPECT_EQ(k.addr_a, a4("10.0.0.1"));
  EXPECT_EQ(k.port_a, 0);
  EXPECT_EQ(k.port_b, 0x0303);
}

// ---------------------------------------------------------------------------------------
// Link types

TEST(DecoderLinkType, EthernetIpv4TcpFillsKeyLengthsAndFlags) {
  const Frame f = eth_v4_tcp().payload(10).build();
  const Decoded r = run(f, unidirectional());
  expect_v4_key(r, "10.0.0.1", "10.0.0.2", 6, 40000, 80);
  EXPECT_EQ(r.meta.ip_bytes, 50u);
  EXPECT_EQ(r.meta.wire_bytes, 64u);
  EXPECT_EQ(r.meta.tcp_flags, kSyn);
  EXPECT_EQ(r.meta.vlan, 0);
  EXPECT_EQ(r.meta.bits, 0);
}

TEST(DecoderLinkType, LinuxSllCarriesEthertype) {
  const Frame f = PacketBuilder().sll().ipv4("10.0.0.1", "10.0.0.2").udp(53, 5353).build();
  EXPECT_EQ(f.linktype, 113u);
  expect_v4_key(run(f, unidirectional()), "10.0.0.1", "10.0.0.2", 17, 53, 5353);
}

TEST(DecoderLinkType, LinuxSll2CarriesEthertypeFirst) {
  const Frame f = PacketBuilder().sll2().ipv6("fe80::1", "fe80::2").udp(546, 547).build();
  EXPECT_EQ(f.linktype, 276u);
  expect_v6_key(run(f, unidirectional()), "fe80::1", "fe80::2", 17, 546, 547);
}

TEST(DecoderLinkType, SllWithVlanTagInsideIsDecoded) {
  const Frame f = PacketBuilder().sll().vlan(7).ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build();
  const Decoded r = run(f, unidirectional());
  expect_v4_key(r, "10.0.0.1", "10.0.0.2", 17, 1, 2);
  EXPECT_EQ(r.meta.vlan, 7);
}

TEST(DecoderLinkType, RawIpTakesVersionFromFirstNibble) {
  for (uint32_t lt : {101u, 12u, 14u}) {
    const Frame f4 = PacketBuilder().linktype(lt).ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build();
    expect_v4_key(run(f4, unidirectional()), "1.1.1.1", "2.2.2.2", 6, 1, 2);
    const Frame f6 = PacketBuilder().linktype(lt).ipv6("::1", "::2").tcp(1, 2).build();
    expect_v6_key(run(f6, unidirectional()), "::1", "::2", 6, 1, 2);
  }
  const Frame bad = PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").ip_version(5).build();
  EXPECT_EQ(run(bad).outcome, O::bad_ip_header);
  const Frame empty = PacketBuilder().ipv4("1.1.1.1", "2.2.2.2").truncate(0).build();
  EXPECT_EQ(run(empty).outcome, O::truncated_l3);
}

TEST(DecoderLinkType, Ipv4AndIpv6LinkTypesCheckTheVersion) {
  const Frame f4 = PacketBuilder().linktype(228).ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build();
  expect_v4_key(run(f4, unidirectional()), "1.1.1.1", "2.2.2.2", 17, 1, 2);
  const Frame f6 = PacketBuilder().linktype(229).ipv6("::1", "::2").udp(1, 2).build();
  expect_v6_key(run(f6, unidirectional()), "::1", "::2", 17, 1, 2);
  const Frame v6_as_v4 = PacketBuilder().linktype(228).ipv6("::1", "::2").udp(1, 2).build();
  EXPECT_EQ(run(v6_as_v4).outcome, O::bad_ip_header);
  const Frame v4_as_v6 = PacketBuilder().linktype(229).ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build();
  EXPECT_EQ(run(v4_as_v6).outcome, O::bad_ip_header);
}

TEST(DecoderLinkType, BsdNullAcceptsBothByteOrdersAndAllInet6Values) {
  for (bool le : {true, false}) {
    const Frame f4 = PacketBuilder().null_af(2, le).ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build();
    EXPECT_EQ(f4.linktype, 0u);
    expect_v4_key(run(f4, unidirectional()), "1.1.1.1", "2.2.2.2", 17, 1, 2);
    for (uint32_t af6 : {24u, 28u, 30u}) {
      const Frame f6 = PacketBuilder().null_af(af6, le).ipv6("::1", "::2").udp(1, 2).build();
      expect_v6_key(run(f6, unidirectional()), "::1", "::2", 17, 1, 2);
    }
    const Frame other = PacketBuilder().null_af(7, le).payload(20).build();  // AF_ISO...
    EXPECT_EQ(run(other).outcome, O::not_ip);
  }
}

TEST(DecoderLinkType, LoopIsNetworkByteOrderOnly) {
  const Frame f4 = PacketBuilder().loop_af(2).ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build();
  EXPECT_EQ(f4.linktype, 108u);
  expect_v4_key(run(f4, unidirectional()), "1.1.1.1", "2.2.2.2", 17, 1, 2);
  const Frame f6 = PacketBuilder().loop_af(24).ipv6("::1", "::2").udp(1, 2).build();
  expect_v6_key(run(f6, unidirectional()), "::1", "::2", 17, 1, 2);
  const Frame host_order =
      PacketBuilder().null_af(2, /*little_endian=*/true).linktype(108).ipv4("1.1.1.1", "2.2.2.2").build();
  EXPECT_EQ(run(host_order).outcome, O::not_ip);
}

TEST(DecoderLinkType, PppWithAndWithoutAddressControl) {
  for (bool ac : {true, false}) {
    const Frame f4 = PacketBuilder().ppp(ac).ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build();
    EXPECT_EQ(f4.linktype, 9u);
    expect_v4_key(run(f4, unidirectional()), "1.1.1.1", "2.2.2.2", 6, 1, 2);
    const Frame f6 = PacketBuilder().ppp(ac).ipv6("::1", "::2").tcp(1, 2).build();
    expect_v6_key(run(f6, unidirectional()), "::1", "::2", 6, 1, 2);
    const Frame hdlc = PacketBuilder().ppp(ac).linktype(50).ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build();
    expect_v4_key(run(hdlc, unidirectional()), "1.1.1.1", "2.2.2.2", 6, 1, 2);
    const Frame lcp = PacketBuilder().ppp(ac).payload(12).build();  // protocol 0xc021
    EXPECT_EQ(run(lcp).outcome, O::not_ip);
  }
}

TEST(DecoderLinkType, PppCompressedProtocolField) {
  Frame f = PacketBuilder().linktype(9).ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build();
  f.bytes.insert(f.bytes.begin(), 0x21);  // PFC: one-byte protocol 0x21 = IPv4
  f.wire_len += 1;
  expect_v4_key(run(f, unidirectional()), "1.1.1.1", "2.2.2.2", 17, 1, 2);
}

TEST(DecoderLinkType, CiscoHdlcCarriesEthertype) {
  const Frame f = PacketBuilder().chdlc().ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build();
  EXPECT_EQ(f.linktype, 104u);
  expect_v4_key(run(f, unidirectional()), "1.1.1.1", "2.2.2.2", 6, 1, 2);
  const Frame slarp = PacketBuilder().chdlc().ethertype(0x8035).payload(20).build();
  EXPECT_EQ(run(slarp).outcome, O::not_ip);
}

TEST(DecoderLinkType, UnknownLinkTypesAreNeverParsed) {
  // An Ethernet/IPv4 frame labelled radiotap (127), 802.11 (105), user (147), Linux
  // IrDA (144) and an absurd value: the bytes would parse, the link type says no.
  for (uint32_t lt : {127u, 105u, 147u, 144u, 0xFFFFu, 0x00FF0000u}) {
    Frame f = eth_v4_tcp().build();
    f.linktype = lt;
    EXPECT_EQ(run(f).outcome, O::unsupported_linktype) << lt;
  }
}

TEST(DecoderLinkType, PcapFcsBitsInTheLinkTypeFieldAreIgnored) {
  Frame f = eth_v4_tcp().payload(4).build();
  f.linktype = 0x30000001;  // FCS present (F bit), 4 bytes: still Ethernet
  EXPECT_EQ(run(f).outcome, O::flow);
}

TEST(DecoderLinkType, ShortLinkHeadersAreTruncatedL2) {
  struct Case {
    Frame f;
    std::size_t hdr;
  };
  std::vector<Case> cases = {
      {eth_v4_tcp().build(), 14},
      {PacketBuilder().sll().ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build(), 16},
      {PacketBuilder().sll2().ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build(), 20},
      {PacketBuilder().null_af(2).ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build(), 4},
      {PacketBuilder().loop_af(2).ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build(), 4},
      {PacketBuilder().chdlc().ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build(), 4},
      {PacketBuilder().ppp().ipv4("1.1.1.1", "2.2.2.2").tcp(1, 2).build(), 4},
  };
  for (const Case& c : cases) {
    for (std::size_t n = 0; n < c.hdr; ++n) {
      Frame t = c.f;
      t.bytes.resize(n);
      EXPECT_EQ(run(t).outcome, O::truncated_l2) << "linktype " << c.f.linktype << " cap " << n;
    }
    Frame t = c.f;
    t.bytes.resize(c.hdr);
    EXPECT_EQ(run(t).outcome, O::truncated_l3) << "linktype " << c.f.linktype;
  }
}

// ---------------------------------------------------------------------------------------
// Ethernet: tags, MPLS, PPPoE, non-IP

TEST(DecoderEthernet, VlanIdIsReportedAndKeyedOnlyWithVlanKey) {
  const Frame f = PacketBuilder().eth().vlan(42).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
  Decoded r = run(f, unidirectional());
  expect_v4_key(r, "10.0.0.1", "10.0.0.2", 6, 1, 2);
  EXPECT_EQ(r.meta.vlan, 42);
  EXPECT_EQ(r.meta.key.vlan, 0);
  DecodeConfig c = unidirectional();
  c.vlan_key = true;
  r = run(f, c);
  EXPECT_EQ(r.meta.vlan, 42);
  EXPECT_EQ(r.meta.key.vlan, 42);
}

TEST(DecoderEthernet, VlanKeySeparatesOtherwiseIdenticalFlows) {
  DecodeConfig c;
  c.vlan_key = true;
  const Frame a = PacketBuilder().eth().vlan(10).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
  const Frame b = PacketBuilder().eth().vlan(20).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
  EXPECT_FALSE(run(a, c).meta.key == run(b, c).meta.key);
  EXPECT_TRUE(run(a).meta.key == run(b).meta.key);  // vlan_key off: one flow
}

TEST(DecoderEthernet, QinQAndTripleTagsReportTheOuterId) {
  const Frame qinq = PacketBuilder().eth().vlan(100, 0x88A8).vlan(200).ipv4("10.0.0.1", "10.0.0.2")
                         .udp(1, 2).build();
  Decoded r = run(qinq, unidirectional());
  expect_v4_key(r, "10.0.0.1", "10.0.0.2", 17, 1, 2);
  EXPECT_EQ(r.meta.vlan, 100);
  const Frame triple = PacketBuilder().eth().vlan(300, 0x9100).vlan(200, 0x88A8).vlan(4095)
                           .ipv6("::1", "::2").udp(1, 2).build();
  r = run(triple, unidirectional());
  expect_v6_key(r, "::1", "::2", 17, 1, 2);
  EXPECT_EQ(r.meta.vlan, 300);
  const Frame prio = PacketBuilder().eth().vlan(0, 0x8100, 5).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
  r = run(prio);
  EXPECT_EQ(r.outcome, O::flow);
  EXPECT_EQ(r.meta.vlan, 0);  // priority tag: VLAN 0
}

TEST(DecoderEthernet, TruncatedTagIsTruncatedL2) {
  const Frame f = PacketBuilder().eth().vlan(1).vlan(2).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
  for (std::size_t n = 14; n < 22; ++n) {
    Frame t = f;
    t.bytes.resize(n);
    EXPECT_EQ(run(t).outcome, O::truncated_l2) << n;
  }
}

TEST(DecoderEthernet, MplsStackIsPoppedToBottomOfStack) {
  const Frame one = PacketBuilder().eth().mpls(16).ipv4("10.0.0.1", "10.0.0.2").tcp(23, 1024).build();
  expect_v4_key(run(one, unidirectional()), "10.0.0.1", "10.0.0.2", 6, 23, 1024);
  const Frame three = PacketBuilder().eth().vlan(5).mpls(16).mpls(17).mpls(18).ipv6("::1", "::2")
                          .udp(1, 2).build();
  const Decoded r = run(three, unidirectional());
  expect_v6_key(r, "::1", "::2", 17, 1, 2);
  EXPECT_EQ(r.meta.vlan, 5);
  // Ethernet pseudowire control word (first nibble 0) after the stack: not decoded.
  const Frame pw = PacketBuilder().eth().mpls(16).payload({0, 0, 0, 0, 2, 0, 0, 0}).build();
  EXPECT_EQ(run(pw).outcome, O::not_ip);
  Frame cut = three;
  cut.bytes.resize(14 + 4 + 8);  // inside the third label
  EXPECT_EQ(run(cut).outcome, O::truncated_l2);
  cut = three;
  cut.bytes.resize(14 + 4 + 12);  // stack complete, nothing after it
  EXPECT_EQ(run(cut).outcome, O::truncated_l3);
}

TEST(DecoderEthernet, PppoeSessionCarriesIpv4AndIpv6) {
  const Frame f4 = PacketBuilder().eth().pppoe(0x1234).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 443).build();
  expect_v4_key(run(f4, unidirectional()), "10.0.0.1", "10.0.0.2", 6, 1, 443);
  const Frame f6 = PacketBuilder().eth().vlan(1).vlan(2).pppoe().ipv6("2001:db8::1", "2001:db8::2")
                       .icmp6(128, 0, 7).build();
  expect_v6_key(run(f6, unidirectional()), "2001:db8::1", "2001:db8::2", 58, 7, 7);
  const Frame lcp = PacketBuilder().eth().pppoe().payload(10).build();
  EXPECT_EQ(run(lcp).outcome, O::not_ip);
  for (std::size_t n = 14; n < 22; ++n) {
    Frame t = f4;
    t.bytes.resize(n);
    EXPECT_EQ(run(t).outcome, O::truncated_l2) << n;
  }
}

TEST(DecoderEthernet, NonIpFramesAreNotIp) {
  for (uint16_t type : {0x0806, 0x88CC, 0x8863, 0x8035, 0x88E5, 0x0000, 0x05DC, 0x0600}) {
    const Frame f = PacketBuilder().eth().ethertype(type).payload(46).build();
    EXPECT_EQ(run(f).outcome, O::not_ip) << std::hex << type;
  }
}

// ---------------------------------------------------------------------------------------
// IPv4

TEST(DecoderIpv4, OptionsMoveTheL4Header) {
  for (std::size_t words = 1; words <= 10; ++words) {
    const Frame f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2")
                        .ip_options(std::vector<uint8_t>(words * 4, 1)).udp(1000, 2000).payload(3).build();
    const Decoded r = run(f, unidirectional());
    expect_v4_key(r, "10.0.0.1", "10.0.0.2", 17, 1000, 2000);
    EXPECT_EQ(r.meta.ip_bytes, 20 + words * 4 + 8 + 3);
  }
}

TEST(DecoderIpv4, IhlBelowFiveOrWrongVersionIsBadHeader) {
  for (uint8_t ihl = 0; ihl < 5; ++ihl) {
    const Frame f = eth_v4_tcp().ihl(ihl).build();
    EXPECT_EQ(run(f).outcome, O::bad_ip_header) << int{ihl};
  }
  EXPECT_EQ(run(eth_v4_tcp().ip_version(6).build()).outcome, O::bad_ip_header);
  EXPECT_EQ(run(eth_v4_tcp().ip_version(0).build()).outcome, O::bad_ip_header);
}

TEST(DecoderIpv4, HeaderLongerThanCaptureIsTruncatedL3) {
  Frame f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").ip_options(std::vector<uint8_t>(40, 1))
                .tcp(1, 2).build();
  f.bytes.resize(14 + 59);
  EXPECT_EQ(run(f).outcome, O::truncated_l3);
}

TEST(DecoderIpv4, TotalLengthTooBigOrTooSmallIsBadLength) {
  const Frame f = eth_v4_tcp().payload(10).build();  // total length 50
  EXPECT_EQ(run(eth_v4_tcp().payload(10).ip_total_length(51).build()).outcome, O::bad_ip_length);
  EXPECT_EQ(run(eth_v4_tcp().payload(10).ip_total_length(19).build()).outcome, O::bad_ip_length);
  EXPECT_EQ(run(eth_v4_tcp().ip_options({1, 1, 1, 1}).ip_total_length(22).build()).outcome,
            O::bad_ip_length);  // shorter than IHL * 4 = 24
  EXPECT_EQ(run(f).meta.ip_bytes, 50u);
}

// A TSO/GSO segment captured on the sending host, before the NIC cut it, carries total
// length 0 at any size. Wireshark and Zeek take the length from the frame; so does weir,
// when the whole frame was captured, and counts it.
TEST(DecoderIpv4, TotalLengthZeroTakesTheLengthOfACompleteFrame) {
  Decoder d(DecodeConfig{});
  const Decoded tso = run(d, eth_v4_tcp().payload(2948).ip_total_length(0).build());
  EXPECT_EQ(tso.outcome, O::flow);
  EXPECT_EQ(tso.meta.ip_bytes, 20u + 20u + 2948u);
  EXPECT_EQ(d.stats().ip_len_from_frame, 1u);
  const Decoded small = run(d, eth_v4_tcp().payload(10).ip_total_length(0).build());
  EXPECT_EQ(small.outcome, O::flow);
  EXPECT_EQ(small.meta.ip_bytes, 50u);
  EXPECT_EQ(d.stats().ip_len_from_frame, 2u);
  // Cut by the snap length: the datagram's length is unknown, so it is not guessed.
  const Decoded cut = run(d, eth_v4_tcp().payload(2948).ip_total_length(0).truncate(100).build());
  EXPECT_EQ(cut.outcome, O::bad_ip_length);
  EXPECT_EQ(d.stats().ip_len_from_frame, 2u);
}

TEST(DecoderIpv4, TtlAndTosComeFromTheIpHeader) {
  Frame f = eth_v4_tcp().payload(10).build();
  f.bytes[14 + 1] = 0xB8;  // DSCP EF
  f.bytes[14 + 8] = 57;
  const Decoded r = run(f);
  ASSERT_EQ(r.outcome, O::flow);
  EXPECT_EQ(r.meta.tos, 0xB8);
  EXPECT_EQ(r.meta.ttl, 57);
}

TEST(DecoderIpv4, EthernetPaddingIsNotPartOfTheDatagram) {
  // 20 + 20 bytes of IP in a 60-byte minimum frame: ip_bytes 40, padding ignored.
  const Frame f = eth_v4_tcp().payload(6, 0).ip_total_length(40).build();
  const Decoded r = run(f);
  EXPECT_EQ(r.outcome, O::flow);
  EXPECT_EQ(r.meta.ip_bytes, 40u);
  EXPECT_EQ(r.meta.wire_bytes, 60u);
  // The L4 header is read only inside the datagram: total length 30 cuts TCP.
  EXPECT_EQ(run(eth_v4_tcp().payload(20).ip_total_length(30).build()).outcome, O::bad_l4_header);
}

TEST(DecoderIpv4, SnapLengthKeepsIpBytesFromTheHeader) {
  const Frame f = eth_v4_tcp().payload(1400).truncate(54).build();
  const Decoded r = run(f);
  EXPECT_EQ(r.outcome, O::flow);
  EXPECT_EQ(r.meta.ip_bytes, 1440u);
  EXPECT_EQ(r.meta.wire_bytes, 1454u);
  EXPECT_EQ(r.meta.tcp_flags, kSyn);
}

TEST(DecoderIpv4, BigTcpZeroTotalLengthUsesTheFrameLength) {
  const Frame f = eth_v4_tcp().payload(70000).ip_total_length(0).truncate(200).build();
  const Decoded r = run(f);
  ASSERT_EQ(r.outcome, O::flow);
  EXPECT_EQ(r.meta.ip_bytes, 70040u);
  EXPECT_EQ(r.meta.key.port_b, 80);
}

TEST(DecoderIpv4, TruncatedAtEveryByteNeverReadsPastCapLen) {
  const Frame f = eth_v4_tcp().payload(8).build();
  const Decoded full = run(f);
  ASSERT_EQ(full.outcome, O::flow);
  for (std::size_t n = 0; n < f.bytes.size(); ++n) {
    Frame t = f;
    t.bytes.resize(n);
    const Decoded r = run(t);
    const O want = n < 14 ? O::truncated_l2 : n < 34 ? O::truncated_l3 : n < 48 ? O::truncated_l4 : O::flow;
    EXPECT_EQ(r.outcome, want) << "cap_len " << n << ": " << decode_outcome_name(r.outcome);
    if (r.outcome == O::flow) {
      EXPECT_EQ(r.meta.key, full.meta.key);
      EXPECT_EQ(r.meta.ip_bytes, full.meta.ip_bytes);
    }
  }
}

// Every prefix of every frame decodes without reading past cap_len (ASan), and once a
// prefix is a flow every longer prefix is the same flow.
TEST(DecoderRobustness, EveryPrefixOfManyFramesIsSafeAndMonotonic) {
  std::vector<Frame> frames = {
      PacketBuilder().eth().vlan(1, 0x88A8).vlan(2).ipv6("::1", "::2").ipv6_ext(0).ipv6_ext(43, 1)
          .ipv6_ext(60).ipv6_ext(51, 1).udp(1, 2).payload(5).build(),
      PacketBuilder().eth().mpls(1).mpls(2).ipv4("1.1.1.1", "2.2.2.2").ip_options({7, 7, 7, 7})
          .icmp(8, 0, 99).build(),
      PacketBuilder().eth().pppoe().ipv6("::1", "::2").ipv6_frag(0, true, 5).tcp(1, 2).build(),
      PacketBuilder().sll().ipv4("1.1.1.1", "2.2.2.2").sctp(1, 2).build(),
      PacketBuilder().sll2().ipv6("::1", "::2").icmp6(1, 4).payload(8).build(),
      PacketBuilder().null_af(30, false).ipv6("::1", "::2").ipv6_ext(135).ipv6_ext(59).build(),
      PacketBuilder().ppp(false).ipv4("1.1.1.1", "2.2.2.2").udp(1, 2).build(),
      PacketBuilder().chdlc().ipv4("1.1.1.1", "2.2.2.2").ip_proto(47).payload(4).build(),
      PacketBuilder().linktype(228).ipv4("1.1.1.1", "2.2.2.2").frag(0, true).udp(1, 2).payload(8).build(),
  };
  for (const Frame& f : frames) {
    const Decoded full = run(f);
    ASSERT_EQ(full.outcome, O::flow) << "linktype " << f.linktype;
    bool was_flow = false;
    for (std::size_t n = 0; n <= f.bytes.size(); ++n) {
      Frame t = f;
      t.bytes.resize(n);
      const Decoded r = run(t);
      if (was_flow) {
        EXPECT_EQ(r.outcome, O::flow) << "linktype " << f.linktype << " cap " << n;
      }
      if (r.outcome == O::flow) {
        was_flow = true;
        EXPECT_EQ(r.meta.key, full.meta.key) << "linktype " << f.linktype << " cap " << n;
      } else {
        EXPECT_TRUE(r.outcome == O::truncated_l2 || r.outcome == O::truncated_l3 ||
                    r.outcome == O::truncated_l4)
            << "linktype " << f.linktype << " cap " << n << ": " << decode_outcome_name(r.outcome);
      }
    }
  }
}

TEST(DecoderRobustness, RandomBytesNeverReadPastCapLen) {
  std::mt19937 rng(12345);
  Decoder d(DecodeConfig{});
  const uint32_t linktypes[] = {0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 228, 229, 276};
  // Seed frames give the random mutations a realistic start (valid headers, then noise).
  const Frame seeds[] = {
      eth_v4_tcp().payload(16).build(),
      PacketBuilder().eth().vlan(3).ipv6("::1", "::2").ipv6_ext(0).ipv6_frag(8, true, 1).payload(16).build(),
  };
  uint64_t outcomes[kNumDecodeOutcomes] = {};
  for (int i = 0; i < 50000; ++i) {
    Frame f = seeds[i % 2];
    f.linktype = i % 3 == 0 ? linktypes[rng() % std::size(linktypes)] : 1;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) f.bytes[rng() % f.bytes.size()] = static_cast<uint8_t>(rng());
    f.bytes.resize(rng() % (f.bytes.size() + 1));
    f.wire_len = static_cast<uint32_t>(f.bytes.size() + rng() % 3);
    ++outcomes[static_cast<std::size_t>(run(d, f, static_cast<uint64_t>(i)).outcome)];
  }
  EXPECT_GT(outcomes[static_cast<std::size_t>(O::flow)], 0u);
}

// ---------------------------------------------------------------------------------------
// IPv6

TEST(DecoderIpv6, IpBytesIsFortyPlusPayloadLength) {
  const Frame f = PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::2").tcp(1, 2).payload(7).build();
  const Decoded r = run(f, unidirectional());
  expect_v6_key(r, "2001:db8::1", "2001:db8::2", 6, 1, 2);
  EXPECT_EQ(r.meta.ip_bytes, 67u);
}

TEST(DecoderIpv6, EachExtensionHeaderIsSkipped) {
  for (uint8_t type : {0, 43, 60, 135, 51}) {
    for (uint8_t len : {0, 1, 3}) {
      const Frame f = PacketBuilder().eth().ipv6("::1", "::2").ipv6_ext(type, len).tcp(1000, 22).build();
      const Decoded r = run(f, unidirectional());
      expect_v6_key(r, "::1", "::2", 6, 1000, 22);
      const uint32_t ext = type == 51 ? 4u * (len + 2u) : 8u * (len + 1u);
      EXPECT_EQ(r.meta.ip_bytes, 40 + ext + 20) << int{type};
    }
  }
  const Frame chain = PacketBuilder().eth().ipv6("::1", "::2").ipv6_ext(0).ipv6_ext(60).ipv6_ext(43, 2)
                          .ipv6_ext(51, 4).ipv6_ext(60, 1).udp(5, 6).build();
  expect_v6_key(run(chain, unidirectional()), "::1", "::2", 17, 5, 6);
}

TEST(DecoderIpv6, TruncatedExtensionHeaderIsTruncatedL3) {
  const Frame f = PacketBuilder().eth().ipv6("::1", "::2").ipv6_ext(60, 2).udp(1, 2).build();
  for (std::size_t n = 14 + 40; n < 14 + 40 + 24; ++n) {
    Frame t = f;
    t.bytes.resize(n);
    EXPECT_EQ(run(t).outcome, O::truncated_l3) << n;
  }
  Frame t = f;
  t.bytes.resize(14 + 40 + 24);
  EXPECT_EQ(run(t).outcome, O::truncated_l4);
}

TEST(DecoderIpv6, ExtensionHeaderPastThePayloadIsBadHeader) {
  // Payload length says 16 but the routing header claims 24 bytes.
  const Frame f = PacketBuilder().eth().ipv6("::1", "::2").ipv6_ext(43, 2).udp(1, 2).ip_total_length(16)
                      .build();
  EXPECT_EQ(run(f).outcome, O::bad_ip_header);
  // Payload length 1: not even the next-header/length pair fits.
  const Frame g = PacketBuilder().eth().ipv6("::1", "::2").ipv6_ext(0).udp(1, 2).ip_total_length(1).build();
  EXPECT_EQ(run(g).outcome, O::bad_ip_header);
}

TEST(DecoderIpv6, OverlongExtensionChainIsBadHeader) {
  PacketBuilder b;
  b.eth().ipv6("::1", "::2");
  for (int i = 0; i < 17; ++i) b.ipv6_ext(60);
  EXPECT_EQ(run(b.udp(1, 2).build()).outcome, O::bad_ip_header);
}

TEST(DecoderIpv6, NoNextHeaderIsAThreeTupleFlow) {
  const Frame f = PacketBuilder().eth().ipv6("::1", "::2").build();  // next header 59
  const Decoded r = run(f, unidirectional());
  expect_v6_key(r, "::1", "::2", 59, 0, 0);
  EXPECT_EQ(r.meta.ip_bytes, 40u);
  const Frame after_ext = PacketBuilder().eth().ipv6("::1", "::2").ipv6_ext(60).ip_proto(59).payload(8).build();
  expect_v6_key(run(after_ext, unidirectional()), "::1", "::2", 59, 0, 0);
}

TEST(DecoderIpv6, PayloadLengthBeyondTheFrameIsBadLength) {
  const Frame f = PacketBuilder().eth().ipv6("::1", "::2").udp(1, 2).ip_total_length(9).build();
  EXPECT_EQ(run(f).outcome, O::bad_ip_length);
  const Frame snap = PacketBuilder().eth().ipv6("::1", "::2").udp(1, 2).payload(1000).truncate(70).build();
  const Decoded r = run(snap);
  EXPECT_EQ(r.outcome, O::flow);
  EXPECT_EQ(r.meta.ip_bytes, 1048u);
}

TEST(DecoderIpv6, JumbogramUsesTheFrameLength) {
  const Frame f = PacketBuilder().eth().ipv6("::1", "::2").ipv6_ext(0).tcp(1, 2).payload(70000)
                      .ip_total_length(0).truncate(300).build();
  const Decoded r = run(f, unidirectional());
  expect_v6_key(r, "::1", "::2", 6, 1, 2);
  EXPECT_EQ(r.meta.ip_bytes, 40u + 8 + 20 + 70000);
  // Payload length 0 in a small frame is not a jumbogram.
  const Frame small = PacketBuilder().eth().ipv6("::1", "::2").ipv6_ext(0).tcp(1, 2).ip_total_length(0).build();
  EXPECT_NE(run(small).outcome, O::flow);
}

TEST(DecoderIpv6, WrongVersionIsBadHeader) {
  const Frame f = PacketBuilder().eth().ipv6("::1", "::2").ip_version(4).udp(1, 2).build();
  EXPECT_EQ(run(f).outcome, O::bad_ip_header);
}

// ---------------------------------------------------------------------------------------
// L4

TEST(DecoderL4, TcpDataOffsetBelowFiveIsBadHeader) {
  for (uint8_t off = 0; off < 5; ++off)
    EXPECT_EQ(run(eth_v4_tcp().tcp_data_offset(off).build()).outcome, O::bad_l4_header) << int{off};
  EXPECT_EQ(run(eth_v4_tcp().tcp_data_offset(6).payload(4).build()).outcome, O::flow);
  // Data offset past the end of the datagram.
  EXPECT_EQ(run(eth_v4_tcp().tcp_data_offset(15).payload(4).build()).outcome, O::bad_l4_header);
}

TEST(DecoderL4, TcpNeedsFourteenCapturedBytes) {
  Frame f = eth_v4_tcp().build();
  f.bytes.resize(14 + 20 + 13);
  EXPECT_EQ(run(f).outcome, O::truncated_l4);
  f.bytes = eth_v4_tcp().build().bytes;
  f.bytes.resize(14 + 20 + 14);
  EXPECT_EQ(run(f).outcome, O::flow);
}

TEST(DecoderL4, UdpLengthInconsistentWithIpPayloadIsBadHeader) {
  auto udp = [] {
    PacketBuilder b;
    b.eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(10);
    return b;
  };
  EXPECT_EQ(run(udp().build()).outcome, O::flow);
  EXPECT_EQ(run(udp().udp_length(7).build()).outcome, O::bad_l4_header);
  EXPECT_EQ(run(udp().udp_length(19).build()).outcome, O::bad_l4_header);
  EXPECT_EQ(run(udp().udp_length(8).build()).outcome, O::flow);  // shorter than IP payload: ok
  Frame ports_only = udp().udp_length(3).build();
  ports_only.bytes.resize(14 + 20 + 4);  // length field not captured: not checked
  EXPECT_EQ(run(ports_only).outcome, O::flow);
  ports_only.bytes.resize(14 + 20 + 3);
  EXPECT_EQ(run(ports_only).outcome, O::truncated_l4);
}

TEST(DecoderL4, PayloadBytesAreTheIpPayloadMinusTheTcpOrUdpHeader) {
  EXPECT_EQ(run(eth_v4_tcp().build()).meta.l4_payload_bytes, 0u);
  EXPECT_EQ(run(eth_v4_tcp().payload(100).build()).meta.l4_payload_bytes, 100u);
  // TCP options (data offset 6 words = 24 bytes) are header, not payload.
  EXPECT_EQ(run(eth_v4_tcp().tcp_data_offset(6).payload(10).build()).meta.l4_payload_bytes, 6u);
  // Ethernet padding after a bare ACK is not payload (the IP length says so).
  Frame padded = eth_v4_tcp().build();
  padded.bytes.resize(60, 0);
  padded.wire_len = 60;
  EXPECT_EQ(run(padded).meta.l4_payload_bytes, 0u);
  // A snap length cuts the capture, not the packet.
  EXPECT_EQ(run(eth_v4_tcp().payload(1000).truncate(80).build()).meta.l4_payload_bytes, 1000u);
  const Frame v6 = PacketBuilder().eth().ipv6("::1", "::2").tcp(1, 2).payload(33).build();
  EXPECT_EQ(run(v6).meta.l4_payload_bytes, 33u);
  const Frame udp = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).payload(12).build();
  EXPECT_EQ(run(udp).meta.l4_payload_bytes, 12u);
  const Frame icmp = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").icmp(8, 0, 1, 1).payload(56).build();
  EXPECT_EQ(run(icmp).meta.l4_payload_bytes, 0u);
}

TEST(DecoderL4, PayloadBytesSaturateAndResetBetweenPackets) {
  Decoder d(DecodeConfig{});
  PacketMeta m;
  const Frame big = eth_v4_tcp().payload(100).build();
  ASSERT_EQ(d.decode(big.view(), 0, m), O::flow);
  EXPECT_EQ(m.l4_payload_bytes, 100u);
  const Frame arp = PacketBuilder().eth().ethertype(0x0806).payload(28).build();
  EXPECT_EQ(d.decode(arp.view(), 0, m), O::not_ip);
  EXPECT_EQ(m.l4_payload_bytes, 0u);  // the same PacketMeta reused: nothing left over
  // BIG TCP: IPv4 total length 0, frame longer than 64 KiB.
  const Frame bigtcp = eth_v4_tcp().payload(70000).ip_total_length(0).build();
  ASSERT_EQ(d.decode(bigtcp.view(), 0, m), O::flow);
  EXPECT_EQ(m.l4_payload_bytes, 65535u);
}

TEST(DecoderL4, SctpHasPorts) {
  const Frame f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").sctp(2905, 2906).build();
  expect_v4_key(run(f, unidirectional()), "10.0.0.1", "10.0.0.2", 132, 2905, 2906);
}

TEST(DecoderL4, OtherProtocolsHaveZeroPorts) {
  const Frame gre = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").ip_proto(47).payload(24).build();
  expect_v4_key(run(gre, unidirectional()), "10.0.0.1", "10.0.0.2", 47, 0, 0);
  const Frame esp = PacketBuilder().eth().ipv6("::1", "::2").ip_proto(50).payload(24).build();
  expect_v6_key(run(esp, unidirectional()), "::1", "::2", 50, 0, 0);
  // ICMPv6's number inside IPv4 is just another protocol.
  const Frame odd = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").ip_proto(58).payload(8).build();
  expect_v4_key(run(odd, unidirectional()), "10.0.0.1", "10.0.0.2", 58, 0, 0);
}

TEST(DecoderL4, IcmpNonEchoKeysTypeAndCode) {
  const Frame f = PacketBuilder().eth().ipv4("10.0.0.9", "10.0.0.1").icmp(3, 3).payload(28).build();
  const Decoded r = run(f);  // bidirectional: addresses swap, type/code stay in port_b
  EXPECT_EQ(r.outcome, O::flow);
  EXPECT_EQ(r.meta.key.addr_a, a4("10.0.0.1"));
  EXPECT_EQ(r.meta.key.port_a, 0);
  EXPECT_EQ(r.meta.key.port_b, 0x0303);
  EXPECT_TRUE(r.meta.reversed());
  EXPECT_EQ(r.meta.bits & PacketMeta::kIcmpEcho, 0);
  const Frame ns6 = PacketBuilder().eth().ipv6("fe80::1", "ff02::1").icmp6(135).payload(16).build();
  expect_v6_key(run(ns6, unidirectional()), "fe80::1", "ff02::1", 58, 0, 135 << 8);
  Frame cut = f;
  cut.bytes.resize(14 + 20 + 1);
  EXPECT_EQ(run(cut).outcome, O::truncated_l4);
}

TEST(DecoderL4, IcmpEchoRequestAndReplyShareTheCanonicalKey) {
  const Frame req = PacketBuilder().eth().ipv4("10.0.0.9", "10.0.0.1").icmp(8, 0, 0x4242, 1).build();
  const Frame rep = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.9").icmp(0, 0, 0x4242, 1).build();
  const Decoded a = run(req), b = run(rep);
  ASSERT_EQ(a.outcome, O::flow);
  ASSERT_EQ(b.outcome, O::flow);
  EXPECT_EQ(a.meta.key, b.meta.key);
  EXPECT_EQ(a.meta.key.port_a, 0x4242);
  EXPECT_EQ(a.meta.key.port_b, 0x4242);
  EXPECT_NE(a.meta.reversed(), b.meta.reversed());
  EXPECT_EQ(a.meta.bits & (PacketMeta::kIcmpEcho | PacketMeta::kIcmpReply), PacketMeta::kIcmpEcho);
  EXPECT_EQ(b.meta.bits & (PacketMeta::kIcmpEcho | PacketMeta::kIcmpReply),
            PacketMeta::kIcmpEcho | PacketMeta::kIcmpReply);
  Frame cut = req;
  cut.bytes.resize(14 + 20 + 5);  // identifier not captured
  EXPECT_EQ(run(cut).outcome, O::truncated_l4);
}

TEST(DecoderL4, Icmpv6EchoRequestAndReplyShareTheCanonicalKey) {
  const Frame req = PacketBuilder().eth().ipv6("2001:db8::9", "2001:db8::1").icmp6(128, 0, 77).build();
  const Frame rep = PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::9").icmp6(129, 0, 77).build();
  const Decoded a = run(req), b = run(rep);
  ASSERT_EQ(a.outcome, O::flow);
  ASSERT_EQ(b.outcome, O::flow);
  EXPECT_EQ(a.meta.key, b.meta.key);
  EXPECT_EQ(a.meta.key.port_a, 77);
  EXPECT_TRUE(a.meta.reversed());
  EXPECT_FALSE(b.meta.reversed());
  EXPECT_TRUE(b.meta.bits & PacketMeta::kIcmpReply);
}

// ---------------------------------------------------------------------------------------
// Key direction

TEST(DecoderKey, BothDirectionsOfTcpAndUdpShareOneKey) {
  struct Pair {
    Frame fwd, back;
  };
  std::vector<Pair> pairs = {
      {PacketBuilder().eth().ipv4("192.168.1.20", "10.0.0.1").tcp(40000, 80, kSyn).build(),
       PacketBuilder().eth().ipv4("10.0.0.1", "192.168.1.20").tcp(80, 40000, kSyn | kAck).build()},
      {PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").udp(5353, 53).build(),
       PacketBuilder().eth().ipv4("10.0.0.2", "10.0.0.1").udp(53, 5353).build()},
      {PacketBuilder().eth().ipv6("2001:db8::2", "2001:db8::1").tcp(1, 2).build(),
       PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::2").tcp(2, 1).build()},
      {PacketBuilder().eth().ipv4("127.0.0.1", "127.0.0.1").tcp(5000, 80).build(),
       PacketBuilder().eth().ipv4("127.0.0.1", "127.0.0.1").tcp(80, 5000).build()},
  };
  for (const Pair& p : pairs) {
    const Decoded a = run(p.fwd), b = run(p.back);
    ASSERT_EQ(a.outcome, O::flow);
    ASSERT_EQ(b.outcome, O::flow);
    EXPECT_EQ(a.meta.key, b.meta.key);
    EXPECT_NE(a.meta.reversed(), b.meta.reversed());
    // The canonical key has a <= b.
    const int c = std::memcmp(a.meta.key.addr_a.data(), a.meta.key.addr_b.data(), 16);
    EXPECT_TRUE(c < 0 || (c == 0 && a.meta.key.port_a <= a.meta.key.port_b));
  }
  EXPECT_EQ(run(pairs[0].back).meta.tcp_flags, kSyn | kAck);
}

// The decoder orders keys with its own inlined code (see Decoder::Impl::finish); it must
// agree with canonicalize(), which other modules use, on every kind of key.
TEST(DecoderKey, AgreesWithCanonicalizeOnRandomEndpoints) {
  std::mt19937 rng(7);
  Decoder bi(DecodeConfig{});
  Decoder uni(unidirectional());
  const char* v4s[] = {"10.0.0.1", "10.0.0.2", "1.0.0.200", "2.0.0.1", "255.0.0.0", "0.0.0.0"};
  const char* v6s[] = {"::1", "::2", "2001:db8::1", "2001:db8:0:0:1::", "ff02::1", "fe80::1:0:0:1"};
  const uint16_t ports[] = {0, 1, 53, 80, 40000, 65535};
  for (int i = 0; i < 3000; ++i) {
    PacketBuilder b;
    b.eth();
    if (rng() % 2) b.ipv4(v4s[rng() % 6], v4s[rng() % 6]);
    else b.ipv6(v6s[rng() % 6], v6s[rng() % 6]);
    switch (rng() % 5) {
      case 0: b.tcp(ports[rng() % 6], ports[rng() % 6]); break;
      case 1: b.udp(ports[rng() % 6], ports[rng() % 6]); break;
      case 2: b.sctp(ports[rng() % 6], ports[rng() % 6]); break;
      case 3: b.ip_proto(47).payload(8); break;
      default: break;
    }
    Frame f = b.build();
    // ICMP variant of the same addresses (type chosen to match the IP version).
    if (i % 7 == 0) {
      const bool is6 = f.bytes[14] >> 4 == 6;
      PacketBuilder c;
      c.eth();
      if (is6) c.ipv6(v6s[rng() % 6], v6s[rng() % 6]).icmp6(rng() % 2 ? 128 : 1, 0, ports[rng() % 6]);
      else c.ipv4(v4s[rng() % 6], v4s[rng() % 6]).icmp(rng() % 2 ? 8 : 3, 1, ports[rng() % 6]);
      f = c.build();
    }
    const Decoded rb = run(bi, f), ru = run(uni, f);
    ASSERT_EQ(rb.outcome, O::flow);
    ASSERT_EQ(ru.outcome, O::flow);
    FlowKey k = ru.meta.key;
    bool reversed = false;
    canonicalize(k, reversed);
    EXPECT_EQ(rb.meta.key, k) << i;
    EXPECT_EQ(rb.meta.reversed(), reversed) << i;
  }
}

TEST(DecoderKey, UnidirectionalKeepsSourceFirstAndNeverReverses) {
  const Frame back = PacketBuilder().eth().ipv4("10.0.0.2", "10.0.0.1").tcp(80, 40000).build();
  const Decoded r = run(back, unidirectional());
  expect_v4_key(r, "10.0.0.2", "10.0.0.1", 6, 80, 40000);
  EXPECT_FALSE(r.meta.reversed());
}

// ---------------------------------------------------------------------------------------
// Fragments

PacketBuilder v4_frag(uint32_t offset, bool more, uint16_t id = 7, std::string_view src = "10.0.0.1",
                      std::string_view dst = "10.0.0.2") {
  PacketBuilder b;
  b.eth().ipv4(src, dst).ip_id(id).frag(offset, more);
  if (offset == 0) b.udp(5000, 53).udp_length(3000);
  else b.ip_proto(17);
  b.payload(64);
  return b;
}

TEST(DecoderFragments, Ipv4NonFirstFragmentsTakeTheFirstFragmentsPorts) {
  Decoder d(DecodeConfig{});
  const Decoded first = run(d, v4_frag(0, true).build(), 1 * kSec);
  ASSERT_EQ(first.outcome, O::flow);
  EXPECT_EQ(first.meta.bits & PacketMeta::kFragment, 0);
  EXPECT_EQ(d.stats().fragments_first, 1u);
  const Decoded mid = run(d, v4_frag(72, true).build(), 1 * kSec);
  const Decoded last = run(d, v4_frag(144, false).build(), 2 * kSec);
  for (const Decoded* r : {&mid, &last}) {
    ASSERT_EQ(r->outcome, O::flow);
    EXPECT_EQ(r->meta.key, first.meta.key);
    EXPECT_EQ(r->meta.key.port_a, 5000);  // canonical: 10.0.0.1:5000 is endpoint a
    EXPECT_TRUE(r->meta.bits & PacketMeta::kFragment);
    EXPECT_EQ(r->meta.reversed(), first.meta.reversed());
    EXPECT_EQ(r->meta.ip_bytes, 20u + 64);
  }
  EXPECT_EQ(d.stats().fragments_attributed, 2u);
  EXPECT_EQ(d.stats().frag_cache_overwrites, 0u);
}

TEST(DecoderFragments, LaterFragmentsAreAllPayload) {
  Decoder d(DecodeConfig{});
  EXPECT_EQ(run(d, v4_frag(0, true).build(), 1).meta.l4_payload_bytes, 64u);  // after the UDP header
  EXPECT_EQ(run(d, v4_frag(72, false).build(), 1).meta.l4_payload_bytes, 64u);
  const Frame v6first =
      PacketBuilder().eth().ipv6("::1", "::2").ipv6_frag(0, true, 9).tcp(1, 2).payload(40).build();
  const Frame v6later =
      PacketBuilder().eth().ipv6("::1", "::2").ipv6_frag(64, false, 9).ip_proto(6).payload(48).build();
  EXPECT_EQ(run(d, v6first, 2).meta.l4_payload_bytes, 40u);
  const Decoded later = run(d, v6later, 2);
  ASSERT_EQ(later.outcome, O::flow);
  EXPECT_EQ(later.meta.key.proto, 6);
  EXPECT_EQ(later.meta.l4_payload_bytes, 48u);
}

TEST(DecoderFragments, Ipv4FragmentWithoutItsFirstIsOrphan) {
  Decoder d(DecodeConfig{});
  EXPECT_EQ(run(d, v4_frag(72, true).build()).outcome, O::fragment_orphan);
  ASSERT_EQ(run(d, v4_frag(0, true, /*id=*/7).build()).outcome, O::flow);
  EXPECT_EQ(run(d, v4_frag(72, true, /*id=*/8).build()).outcome, O::fragment_orphan);  // other id
  EXPECT_EQ(run(d, v4_frag(72, true, 7, "10.0.0.3").build()).outcome, O::fragment_orphan);  // other src
  // The reply direction is another datagram even with the same id.
  EXPECT_EQ(run(d, v4_frag(72, true, 7, "10.0.0.2", "10.0.0.1").build()).outcome, O::fragment_orphan);
  EXPECT_EQ(d.stats().fragments_attributed, 0u);
}

TEST(DecoderFragments, EntriesExpireAfterTheTimeoutOfPacketTime) {
  DecodeConfig c;
  c.frag_timeout_ns = 5 * kSec;
  Decoder d(c);
  ASSERT_EQ(run(d, v4_frag(0, true).build(), 100 * kSec).outcome, O::flow);
  EXPECT_EQ(run(d, v4_frag(72, true).build(), 105 * kSec).outcome, O::flow);  // exactly the timeout
  EXPECT_EQ(run(d, v4_frag(144, false).build(), 105 * kSec + 1).outcome, O::fragment_orphan);
}

TEST(DecoderFragments, FullSetDisplacesTheOldestAndCountsIt) {
  DecodeConfig c;
  c.frag_cache_entries = 4;  // one set of four ways
  Decoder d(c);
  for (uint16_t id = 1; id <= 5; ++id) ASSERT_EQ(run(d, v4_frag(0, true, id).build(), id).outcome, O::flow);
  EXPECT_EQ(d.stats().frag_cache_overwrites, 1u);
  EXPECT_EQ(run(d, v4_frag(72, true, 1).build(), 10).outcome, O::fragment_orphan);  // the oldest
  for (uint16_t id = 2; id <= 5; ++id) EXPECT_EQ(run(d, v4_frag(72, true, id).build(), 10).outcome, O::flow);
}

TEST(DecoderFragments, CompletedDatagramsAreReplacedFirstWithoutCountingOverwrites) {
  DecodeConfig c;
  c.frag_cache_entries = 4;
  Decoder d(c);
  for (uint16_t id = 1; id <= 4; ++id) ASSERT_EQ(run(d, v4_frag(0, true, id).build(), id).outcome, O::flow);
  ASSERT_EQ(run(d, v4_frag(72, false, 3).build(), 5).outcome, O::flow);  // datagram 3 complete
  EXPECT_EQ(run(d, v4_frag(72, false, 3).build(), 5).outcome, O::flow);  // a duplicate still matches
  ASSERT_EQ(run(d, v4_frag(0, true, 9).build(), 6).outcome, O::flow);
  EXPECT_EQ(d.stats().frag_cache_overwrites, 0u);
  EXPECT_EQ(run(d, v4_frag(72, false, 3).build(), 7).outcome, O::fragment_orphan);
  EXPECT_EQ(run(d, v4_frag(72, false, 1).build(), 7).outcome, O::flow);
}

TEST(DecoderFragments, NonPowerOfTwoCacheSizeIsRoundedUp) {
  DecodeConfig c;
  c.frag_cache_entries = 5;  // -> 8: two sets
  Decoder d(c);
  for (uint16_t id = 1; id <= 5; ++id) ASSERT_EQ(run(d, v4_frag(0, true, id).build(), id).outcome, O::flow);
  uint64_t attributed = 0;
  for (uint16_t id = 1; id <= 5; ++id) attributed += run(d, v4_frag(8, false, id).build(), 9).outcome == O::flow;
  EXPECT_EQ(attributed + d.stats().frag_cache_overwrites, 5u);
}

TEST(DecoderFragments, UndecodableFirstFragmentForgetsTheReusedId) {
  Decoder d(DecodeConfig{});
  ASSERT_EQ(run(d, v4_frag(0, true).build()).outcome, O::flow);
  ASSERT_EQ(run(d, v4_frag(72, false).build()).outcome, O::flow);
  // Same (src, dst, proto, id) again, but its UDP header is bad: a new datagram whose
  // ports are unknown, so its fragments must not inherit the old ones.
  EXPECT_EQ(run(d, v4_frag(0, true).udp_length(4).build()).outcome, O::bad_l4_header);
  EXPECT_EQ(run(d, v4_frag(72, false).build()).outcome, O::fragment_orphan);
}

TEST(DecoderFragments, FragmentedEchoKeepsItsIcmpBits) {
  Decoder d(DecodeConfig{});
  const Frame first = PacketBuilder().eth().ipv4("10.0.0.9", "10.0.0.1").ip_id(3).frag(0, true)
                          .icmp(8, 0, 0x99).payload(1472).build();
  const Frame second = PacketBuilder().eth().ipv4("10.0.0.9", "10.0.0.1").ip_id(3).frag(1480, false)
                           .ip_proto(1).payload(500).build();
  const Decoded a = run(d, first), b = run(d, second);
  ASSERT_EQ(a.outcome, O::flow);
  ASSERT_EQ(b.outcome, O::flow);
  EXPECT_EQ(a.meta.key, b.meta.key);
  EXPECT_EQ(b.meta.bits,
            PacketMeta::kIcmpEcho | PacketMeta::kFragment | PacketMeta::kReversed | PacketMeta::kIpFragment);
  EXPECT_TRUE(a.meta.bits & PacketMeta::kIpFragment);  // the first fragment is one too
}

// kIpFragment marks every packet whose outcome depends on the fragment cache -- first
// and later fragments, decoded or not -- and nothing else (split replay decodes those
// packets in input order).
TEST(DecoderFragments, EveryFragmentAndOnlyFragmentsCarryTheIpFragmentBit) {
  Decoder d(DecodeConfig{});
  const auto bit = [&](const Frame& f) { return (run(d, f).meta.bits & PacketMeta::kIpFragment) != 0; };
  EXPECT_TRUE(bit(PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").ip_id(7).frag(0, true).udp(1, 2).payload(100).build()));
  EXPECT_TRUE(bit(PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").ip_id(7).frag(800, false).ip_proto(17).payload(10).build()));
  // A first fragment cut before its ports: truncated_l4, still a fragment.
  EXPECT_TRUE(bit(PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").ip_id(8).frag(0, true).udp(1, 2).payload(100).truncate(36).build()));
  EXPECT_FALSE(bit(PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").dont_fragment().udp(1, 2).build()));
  EXPECT_FALSE(bit(PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).build()));
  // IPv6: an atomic fragment (offset 0, M clear) is a whole datagram.
  EXPECT_FALSE(bit(PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::2").ipv6_frag(0, false, 9).udp(1, 2).build()));
  EXPECT_TRUE(bit(PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::2").ipv6_frag(0, true, 9).udp(1, 2).payload(64).build()));
}

TEST(DecoderFragments, PortlessProtocolsNeedNoFirstFragment) {
  Decoder d(DecodeConfig{});
  const Frame gre = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").ip_id(4).frag(1480, false)
                        .ip_proto(47).payload(100).build();
  const Decoded r = run(d, gre);
  ASSERT_EQ(r.outcome, O::flow);
  EXPECT_EQ(r.meta.key.proto, 47);
  EXPECT_EQ(r.meta.bits & PacketMeta::kFragment, 0);
  EXPECT_EQ(d.stats().fragments_attributed, 0u);
}

TEST(DecoderFragments, TinyFirstFragmentStillGivesPorts) {
  Decoder d(DecodeConfig{});
  // RFC 1858: 8 bytes of TCP in the first fragment (ports and sequence number only).
  Frame first = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").ip_id(9).frag(0, true).tcp(1234, 80)
                    .ip_total_length(28).build();
  first.bytes.resize(14 + 28);
  first.wire_len = 14 + 28;
  const Decoded a = run(d, first);
  ASSERT_EQ(a.outcome, O::flow);
  EXPECT_EQ(a.meta.tcp_flags, 0);
  const Frame rest = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").ip_id(9).frag(8, false).ip_proto(6)
                         .payload(12).build();
  const Decoded b = run(d, rest);
  ASSERT_EQ(b.outcome, O::flow);
  EXPECT_EQ(b.meta.key, a.meta.key);
}

PacketBuilder v6_frag(uint32_t offset, bool more, uint32_t id = 0x01020304) {
  PacketBuilder b;
  b.eth().ipv6("2001:db8::53", "2001:db8::1").ipv6_frag(offset, more, id);
  if (offset == 0) b.udp(53, 40000).udp_length(2000);
  else b.ip_proto(17);
  b.payload(64);
  return b;
}

TEST(DecoderFragments, Ipv6FragmentHeaderFirstNonFirstAndOrphan) {
  Decoder d(DecodeConfig{});
  EXPECT_EQ(run(d, v6_frag(1232, false).build()).outcome, O::fragment_orphan);
  const Decoded first = run(d, v6_frag(0, true).build(), 1);
  ASSERT_EQ(first.outcome, O::flow);
  EXPECT_EQ(first.meta.key.proto, 17);
  EXPECT_TRUE(first.meta.reversed());  // 2001:db8::53 > 2001:db8::1
  const Decoded later = run(d, v6_frag(1232, false).build(), 2);
  ASSERT_EQ(later.outcome, O::flow);
  EXPECT_EQ(later.meta.key, first.meta.key);
  EXPECT_EQ(later.meta.bits, PacketMeta::kFragment | PacketMeta::kReversed | PacketMeta::kIpFragment);
  EXPECT_EQ(run(d, v6_frag(1232, false, 0x01020305).build(), 3).outcome, O::fragment_orphan);
  EXPECT_EQ(d.stats().fragments_first, 1u);
  EXPECT_EQ(d.stats().fragments_attributed, 1u);
}

TEST(DecoderFragments, Ipv6FragmentsExpire) {
  DecodeConfig c;
  c.frag_timeout_ns = kSec;
  Decoder d(c);
  ASSERT_EQ(run(d, v6_frag(0, true).build(), 0).outcome, O::flow);
  EXPECT_EQ(run(d, v6_frag(1232, false).build(), 2 * kSec).outcome, O::fragment_orphan);
}

TEST(DecoderFragments, Ipv6ExtensionHeaderAfterTheFragmentHeader) {
  Decoder d(DecodeConfig{});
  const Frame first = PacketBuilder().eth().ipv6("::1", "::2").ipv6_frag(0, true, 5).ipv6_ext(60)
                          .tcp(1, 2).payload(100).build();
  const Frame later = PacketBuilder().eth().ipv6("::1", "::2").ipv6_frag(128, false, 5).ip_proto(60)
                          .payload(100).build();
  const Decoded a = run(d, first), b = run(d, later);
  ASSERT_EQ(a.outcome, O::flow);
  ASSERT_EQ(b.outcome, O::flow);
  EXPECT_EQ(b.meta.key.proto, 6);
  EXPECT_EQ(b.meta.key, a.meta.key);
}

TEST(DecoderFragments, AtomicFragmentIsAWholeDatagram) {
  Decoder d(DecodeConfig{});
  const Frame f = PacketBuilder().eth().ipv6("::1", "::2").ipv6_frag(0, false, 5).udp(1, 2).build();
  const Decoded r = run(d, f);
  ASSERT_EQ(r.outcome, O::flow);
  EXPECT_EQ(r.meta.key.port_a, 1);
  EXPECT_EQ(d.stats().fragments_first, 0u);
}

// ---------------------------------------------------------------------------------------
// Support: the pcap writer round-trips through the capture reader used below.

// Tiny capture reader for these tests (classic pcap either byte order, µs or ns; pcapng
// SHB/IDB/EPB/SPB/OPB with if_tsresol). Not the library's reader: an independent one.
struct CapPacket {
  uint64_t ts_ns = 0;
  uint32_t linktype = 0;
  uint32_t wire_len = 0;
  std::vector<uint8_t> data;
};

bool read_capture(const std::string& path, std::vector<CapPacket>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  const std::vector<uint8_t> b((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (b.size() < 12) return false;
  bool swap = false;
  auto u16 = [&](std::size_t at) {
    const uint16_t v = static_cast<uint16_t>(b[at] | b[at + 1] << 8);
    return swap ? static_cast<uint16_t>(v >> 8 | v << 8) : v;
  };
  auto u32 = [&](std::size_t at) {
    const uint32_t v = uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 |
                       uint32_t{b[at + 3]} << 24;
    return swap ? __builtin_bswap32(v) : v;
  };
  const uint32_t magic = u32(0);
  if (magic != 0x0A0D0D0A) {  // classic pcap
    bool ns;
    if (magic == 0xA1B2C3D4 || magic == 0xA1B23C4D) ns = magic == 0xA1B23C4D;
    else if (magic == 0xD4C3B2A1 || magic == 0x4D3CB2A1) { swap = true; ns = magic == 0x4D3CB2A1; }
    else return false;
    if (b.size() < 24) return false;
    const uint32_t linktype = u32(20);
    for (std::size_t at = 24; at + 16 <= b.size();) {
      const uint32_t cap = u32(at + 8);
      if (cap > b.size() - at - 16) break;  // record cut or corrupt: stop
      CapPacket p;
      p.ts_ns = uint64_t{u32(at)} * kSec + uint64_t{u32(at + 4)} * (ns ? 1 : 1000);
      p.linktype = linktype;
      p.wire_len = std::max(u32(at + 12), cap);
      p.data.assign(b.begin() + static_cast<std::ptrdiff_t>(at + 16),
                    b.begin() + static_cast<std::ptrdiff_t>(at + 16 + cap));
      out.push_back(std::move(p));
      at += 16 + cap;
    }
    return true;
  }
  struct Iface {
    uint32_t linktype;
    uint64_t units_per_sec;
  };
  std::vector<Iface> ifaces;
  for (std::size_t at = 0; at + 12 <= b.size();) {
    if (u32(at) == 0x0A0D0D0A || at == 0) {
      swap = false;
      if (u32(at + 8) != 0x1A2B3C4D) swap = true;
      ifaces.clear();
    }
    const uint32_t type = u32(at);
    const uint32_t len = u32(at + 4);
    if (len < 12 || len % 4 || len > b.size() - at) break;
    if (type == 1 && len >= 20) {
      Iface f{u16(at + 8), 1'000'000};
      for (std::size_t o = at + 16; o + 4 <= at + len - 4;) {
        const uint16_t code = u16(o), olen = u16(o + 2);
        if (code == 0) break;
        if (code == 9 && olen == 1) {
          const uint8_t r = b[o + 4];
          uint64_t u = 1;
          for (int i = 0; i < (r & 0x7F); ++i) u *= (r & 0x80) ? 2 : 10;
          f.units_per_sec = u;
        }
        o += 4 + ((olen + 3u) & ~3u);
      }
      ifaces.push_back(f);
    } else if ((type == 6 || type == 2) && len >= 32) {
      const uint32_t iface = type == 6 ? u32(at + 8) : u16(at + 8);
      const uint32_t cap = u32(at + 20);
      if (iface < ifaces.size() && cap <= len - 32) {
        const uint64_t t = uint64_t{u32(at + 12)} << 32 | u32(at + 16);
        const uint64_t ups = ifaces[iface].units_per_sec;
        CapPacket p;
        p.ts_ns = t / ups * kSec + t % ups * kSec / ups;
        p.linktype = ifaces[iface].linktype;
        p.wire_len = std::max(u32(at + 24), cap);
        p.data.assign(b.begin() + static_cast<std::ptrdiff_t>(at + 28),
                      b.begin() + static_cast<std::ptrdiff_t>(at + 28 + cap));
        out.push_back(std::move(p));
      }
    } else if (type == 3 && len >= 16 && !ifaces.empty()) {
      const uint32_t wire = u32(at + 8);
      const uint32_t cap = std::min(wire, len - 16);
      CapPacket p;
      p.linktype = ifaces[0].linktype;
      p.wire_len = wire;
      p.data.assign(b.begin() + static_cast<std::ptrdiff_t>(at + 12),
                    b.begin() + static_cast<std::ptrdiff_t>(at + 12 + cap));
      out.push_back(std::move(p));
    }
    at += len;
  }
  return true;
}

TEST(PcapWriter, WritesRecordsTheReaderReadsBack) {
  const Frame f = eth_v4_tcp().payload(100).truncate(60).build();
  const std::vector<test::PcapRecord> recs = {
      {1'700'000'000'123'456'789ull, f.bytes, f.wire_len},
      {1'700'000'001'000'000'000ull, {1, 2, 3}, 0},
  };
  const std::string dir = testing::TempDir();
  for (PcapFormat fmt : {PcapFormat::pcap_ns, PcapFormat::pcap_us}) {
    const std::string path = dir + "/weir_decoder_test.pcap";
    ASSERT_TRUE(test::write_pcap(path, recs, {.format = fmt, .linktype = 113}));
    std::vector<CapPacket> back;
    ASSERT_TRUE(read_capture(path, back));
    ASSERT_EQ(back.size(), 2u);
    EXPECT_EQ(back[0].linktype, 113u);
    EXPECT_EQ(back[0].data, f.bytes);
    EXPECT_EQ(back[0].wire_len, 154u);
    EXPECT_EQ(back[1].wire_len, 3u);
    EXPECT_EQ(back[0].ts_ns, fmt == PcapFormat::pcap_ns ? 1'700'000'000'123'456'789ull
                                                          : 1'700'000'000'123'456'000ull);
    std::filesystem::remove(path);
  }
}

// ---------------------------------------------------------------------------------------
// Real captures

struct Counts {
  std::array<uint64_t, kNumDecodeOutcomes> by_outcome{};
  uint64_t packets = 0;
  uint64_t flows = 0;  // distinct keys
  DecoderStats stats;
  uint64_t flow() const { return by_outcome[0]; }
  uint64_t n(O o) const { return by_outcome[static_cast<std::size_t>(o)]; }
};

Counts decode_file(const std::string& rel, const DecodeConfig& cfg = {}) {
  const std::string path = test::captures_dir() + "/" + rel;
  std::vector<CapPacket> pkts;
  EXPECT_TRUE(read_capture(path, pkts)) << path;
  Decoder d(cfg);
  Counts c;
  std::vector<FlowKey> keys;
  uint64_t now = 0;
  for (const CapPacket& p : pkts) {
    now = std::max(now, p.ts_ns);
    PacketView v;
    auto buf = std::make_unique<uint8_t[]>(p.data.size());
    if (!p.data.empty()) std::memcpy(buf.get(), p.data.data(), p.data.size());
    v.data = buf.get();
    v.cap_len = static_cast<uint32_t>(p.data.size());
    v.wire_len = p.wire_len;
    v.ts_ns = p.ts_ns;
    v.linktype = p.linktype;
    PacketMeta m;
    const O o = d.decode(v, now, m);
    ++c.by_outcome[static_cast<std::size_t>(o)];
    ++c.packets;
    if (o == O::flow) keys.push_back(m.key);
  }
  std::sort(keys.begin(), keys.end(), [](const FlowKey& x, const FlowKey& y) {
    return std::memcmp(&x, &y, sizeof(FlowKey)) < 0;
  });
  c.flows = static_cast<uint64_t>(std::unique(keys.begin(), keys.end()) - keys.begin());
  c.stats = d.stats();
  return c;
}

std::string describe(const Counts& c) {
  // ostringstream, not operator+ chains: GCC 12 -O3 raises a false -Wrestrict on those.
  std::ostringstream s;
  s << c.packets << " packets, " << c.flows << " flows:";
  for (std::size_t i = 0; i < kNumDecodeOutcomes; ++i)
    if (c.by_outcome[i]) s << ' ' << decode_outcome_name(static_cast<O>(i)) << '=' << c.by_outcome[i];
  s << " frag_first=" << c.stats.fragments_first << " frag_attributed=" << c.stats.fragments_attributed;
  return s.str();
}

// Expected outcome counts per capture. Packet totals agree with capinfos; flow and
// non-IP counts were checked against tshark (ip/ipv6 frames, ports, conversations).
struct Expect {
  const char* file;
  uint64_t packets;
  uint64_t flow;
  uint64_t flows;  // distinct bidirectional keys, vlan_key off
  std::map<O, uint64_t> other;
  uint64_t attributed = 0;
};

class DecoderCaptures : public testing::TestWithParam<Expect> {};

TEST_P(DecoderCaptures, OutcomeCountsMatch) {
  WEIR_REQUIRE_CAPTURES();
  const Expect& e = GetParam();
  const Counts c = decode_file(e.file);
  SCOPED_TRACE(describe(c));
  RecordProperty("outcomes", describe(c));
  EXPECT_EQ(c.packets, e.packets);
  EXPECT_EQ(c.flow(), e.flow);
  EXPECT_EQ(c.flows, e.flows);
  uint64_t others = 0;
  for (const auto& [o, n] : e.other) {
    EXPECT_EQ(c.n(o), n) << decode_outcome_name(o);
    others += n;
  }
  EXPECT_EQ(c.flow() + others, c.packets) << "unexpected outcomes";
  EXPECT_EQ(c.stats.fragments_attributed, e.attributed);
}

std::string expect_name(const testing::TestParamInfo<Expect>& info) {
  std::string s = info.param.file;
  for (char& ch : s)
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  return s;
}

// Flow counts equal tshark's TCP + UDP conversations (plus one per ICMP type/echo id and
// per other protocol) where the MANIFEST lists them: synscan 1994, DnsPackets 219, weibo
// 30 + 14, KakaoTalk 19 + 18 + ICMP, raw_ip 6 + 4, many_interfaces 2 + 13, ... Every
// TCP/UDP port pair was also compared per packet with tshark's outer ip/ipv6/tcp/udp
// fields, and every attributed fragment's ports with tshark's reassembled datagram.
// clang-format off
INSTANTIATE_TEST_SUITE_P(Real, DecoderCaptures, testing::Values(
    Expect{"tcp/http1.pcap", 7, 7, 1, {}},
    Expect{"tcp/bigtcp-ipv4.pcap", 1, 1, 1, {}},
    Expect{"ipv6/bigtcp-ipv6.pcap", 1, 1, 1, {}},
    Expect{"ipv6/ipv6-hbh-routing0.pcap", 1, 1, 1, {}},
    Expect{"ipv6/ipv6-srh-ext-header.pcap", 1, 1, 1, {}},
    Expect{"ipv6/http_ipv6.pcap", 193, 193, 15, {}},
    Expect{"icmp/PING1.pcap", 4, 4, 1, {}},
    Expect{"icmp/5-pings.pcap", 10, 10, 1, {}},
    Expect{"fragments/ip4_fragments.pcap", 53, 53, 1, {}, 41},
    Expect{"fragments/dns_fragmented.pcap", 66, 66, 21, {}, 7},
    // Frame 4 is the last fragment of a datagram whose other fragments were not captured.
    Expect{"fragments/ipv6-fragmented-dns.pcap", 8, 7, 2, {{O::fragment_orphan, 1}}, 2},
    // Four datagrams reusing one IP id; two first fragments carry a TCP data offset < 5,
    // so their 312 later fragments each are orphans rather than borrowing stale ports.
    Expect{"fragments/ip_fragmented_garbage.pcap", 1252, 626, 2,
           {{O::bad_l4_header, 2}, {O::fragment_orphan, 624}}, 624},
    Expect{"tunnels/gtp1_gn_normal_incl_fragmentation.pcap", 108, 108, 1, {}, 36},
    Expect{"tunnels/mixed-vlan-mpls.pcap", 47, 47, 3, {}},
    Expect{"tunnels/pppoe.pcap", 65, 25, 7, {{O::not_ip, 40}}},  // discovery, LCP, PAP, IPCP
    Expect{"tunnels/pppoe-over-qinq.pcap", 86, 86, 1, {}},
    Expect{"tunnels/various_gre.pcap", 100, 30, 1, {{O::not_ip, 70}}},
    Expect{"vlan/http-vlan-0.pcap", 14, 14, 1, {}},
    Expect{"vlan/http-qinq-0.pcap", 14, 14, 1, {}},
    Expect{"vlan/vlan-qinqinq.pcap", 14, 14, 1, {}},
    Expect{"vlan/vlan-collisions.pcap", 42, 42, 1, {}},
    Expect{"vlan/QinQ_802.1_AD.pcapng", 1, 1, 1, {}},
    Expect{"linktypes/KakaoTalk_chat.pcap", 347, 347, 38, {}},
    Expect{"linktypes/tcp-handshake-nano.pcap", 3, 3, 1, {}},
    Expect{"linktypes/linux_dlt_sll2.pcap", 6, 4, 2, {{O::not_ip, 2}}},  // ARP
    Expect{"linktypes/raw_ip.pcap", 100, 100, 10, {}},
    Expect{"linktypes/four_ipv6_http_streams.pcap", 81, 81, 4, {}},
    Expect{"linktypes/LINKTYPE_IPV6.pcap", 1, 1, 1, {}},
    Expect{"linktypes/quic_handshake.pcap", 18, 18, 1, {}},
    Expect{"linktypes/dlt_ppp.pcap", 1, 1, 1, {}},
    Expect{"linktypes/hdlc-http_1tx.pcap", 17, 17, 1, {}},
    Expect{"linktypes/radiotap.pcap", 3, 0, 0, {{O::unsupported_linktype, 3}}},
    Expect{"linktypes/many_interfaces-1.pcapng", 64, 64, 15, {}},
    Expect{"linktypes/pcapng-example.pcapng", 159, 159, 15, {}},
    Expect{"linktypes/pcapng-be-multisection-test202.pcapng", 8, 8, 3, {}},
    Expect{"linktypes/nanosecs_big_endian.pcap", 10, 10, 1, {}},
    Expect{"snaplen/truncated-header.pcap", 24, 24, 1, {}},
    Expect{"snaplen/communityid-tcp.pcap", 12, 12, 1, {}},
    Expect{"snaplen/quic_handshake_truncated.pcap", 18, 18, 1, {}},
    Expect{"malformed/ipv4_invalid_hdr_length.pcap", 1, 0, 0, {{O::bad_ip_header, 1}}},
    Expect{"malformed/ipv6_invalid_length.pcap", 1, 0, 0, {{O::truncated_l3, 1}}},  // 39 bytes of IPv6
    Expect{"malformed/tcp_header_heapoverflow.pcap", 1, 0, 0, {{O::truncated_l4, 1}}},
    Expect{"malformed/udp-length-heapoverflow.pcap", 1, 1, 1, {}},  // length field not captured
    Expect{"mixed/iphone.pcap", 500, 486, 51, {{O::not_ip, 14}}},  // ARP, EAPOL
    Expect{"mixed/netflix.pcap", 1793, 1793, 61, {}},
    Expect{"attacks/synscan.pcap", 2011, 2011, 1994, {}},
    Expect{"attacks/icmp-tunnel.pcap", 961, 863, 1, {{O::not_ip, 98}}},
    Expect{"udp/DnsPackets.pcap", 464, 464, 219, {}}
), expect_name);
// clang-format on

TEST(DecoderCapturesVlan, VlanKeySplitsTheThreeCopiesOfOneSession) {
  WEIR_REQUIRE_CAPTURES();
  DecodeConfig c;
  c.vlan_key = true;
  EXPECT_EQ(decode_file("vlan/vlan-collisions.pcap", c).flows, 3u);  // untagged, 42, 10 (QinQ outer)
  EXPECT_EQ(decode_file("vlan/vlan-collisions.pcap").flows, 1u);
}

TEST(DecoderCapturesDirection, UnidirectionalKeysSplitEachConversation) {
  WEIR_REQUIRE_CAPTURES();
  EXPECT_EQ(decode_file("tcp/http1.pcap", unidirectional()).flows, 2u);
  EXPECT_EQ(decode_file("icmp/PING1.pcap", unidirectional()).flows, 2u);
}

// Prints outcome counts for every capture (diagnostic; the table above asserts them).
TEST(DecoderCapturesSurvey, EveryCaptureDecodesWithoutCrashing) {
  WEIR_REQUIRE_CAPTURES();
  std::vector<std::string> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(test::captures_dir())) {
    const std::string ext = e.path().extension().string();
    if (e.is_regular_file() && (ext == ".pcap" || ext == ".pcapng")) files.push_back(e.path().string());
  }
  std::sort(files.begin(), files.end());
  const std::string root = test::captures_dir() + "/";
  for (const std::string& f : files) {
    const Counts c = decode_file(f.substr(root.size()));
    std::printf("  %-50s %s\n", f.substr(root.size()).c_str(), describe(c).c_str());
  }
}

}  // namespace
}  // namespace weir
