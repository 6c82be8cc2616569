// SPDX-License-Identifier: Apache-2.0
// The L4 locator: Decoder::layout() offsets for each kind of frame, TCP fields and
// options, UDP payload bounds, MAC addresses by link type, fragments and truncation
// (every cut of a frame, each copied into a buffer of exactly cap_len bytes so ASan sees
// any read past it).
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#include "extract/frame_fields.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <vector>

#include "support/packet_builder.hpp"

namespace weir::extract {
namespace {

using test::Frame;
using test::PacketBuilder;

struct Located {
  DecodeOutcome outcome = DecodeOutcome::kCount;
  PacketMeta meta;
  FrameLayout lay;
};

Located decode(const Frame& f) {
  Decoder d(DecodeConfig{.bidirectional = false});
  Located r;
  const PacketView v = f.view(1);
  r.outcome = d.decode(v, 1, r.meta);
  if (r.outcome == DecodeOutcome::flow) r.lay = d.layout(v);
  return r;
}

TEST(FrameLayout, EthernetIpv4TcpOffsetsAndFields) {
  const Frame f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1234, 80, test::kAck | test::kPsh)
                      .tcp_seq(0xDEADBEEF, 0x01020304).tcp_window(777).payload(10, 0x5A).build();
  const Located l = decode(f);
  ASSERT_EQ(l.outcome, DecodeOutcome::flow);
  EXPECT_EQ(l.lay.l3_offset, 14u);
  EXPECT_EQ(l.lay.l4_offset, 34u);
  EXPECT_EQ(l.lay.l4_bytes, 30u);
  EXPECT_FALSE(l.lay.fragment);
  TcpSegment s;
  ASSERT_EQ(locate_tcp(f.view(), l.lay, s), L4Status::ok);
  EXPECT_EQ(s.seq, 0xDEADBEEFu);
  EXPECT_EQ(s.ack, 0x01020304u);
  EXPECT_EQ(s.window, 777);
  EXPECT_EQ(s.flags, test::kAck | test::kPsh);
  EXPECT_EQ(s.wscale, -1);
  EXPECT_EQ(s.payload_cap, 10u);
  EXPECT_EQ(s.payload_len, 10u);
  EXPECT_EQ(s.payload, f.bytes.data() + 54);
  EXPECT_EQ(s.payload[0], 0x5A);
}

TEST(FrameLayout, IpOptionsVlanAndIpv6ExtensionHeadersMoveTheOffsets) {
  const Frame a = PacketBuilder().eth().vlan(5).vlan(6).ipv4("10.0.0.1", "10.0.0.2").ip_options({1, 1, 1, 1})
                      .udp(53, 53).payload(3).build();
  const Located la = decode(a);
  ASSERT_EQ(la.outcome, DecodeOutcome::flow);
  EXPECT_EQ(la.lay.l3_offset, 22u);
  EXPECT_EQ(la.lay.l4_offset, 22u + 24u);
  UdpDatagram u;
  ASSERT_EQ(locate_udp(a.view(), la.lay, u), L4Status::ok);
  EXPECT_EQ(u.payload_len, 3u);
  EXPECT_EQ(u.payload, a.bytes.data() + 22 + 24 + 8);

  const Frame b = PacketBuilder().sll().ipv6("2001:db8::1", "2001:db8::2").ipv6_ext(0, 1).ipv6_ext(60)
                      .tcp(1, 2).payload(7).build();
  const Located lb = decode(b);
  ASSERT_EQ(lb.outcome, DecodeOutcome::flow);
  EXPECT_EQ(lb.lay.l3_offset, 16u);
  EXPECT_EQ(lb.lay.l4_offset, 16u + 40u + 16u + 8u);
  EXPECT_EQ(lb.lay.l4_bytes, 27u);
  TcpSegment s;
  ASSERT_EQ(locate_tcp(b.view(), lb.lay, s), L4Status::ok);
  EXPECT_EQ(s.payload_len, 7u);
}

TEST(FrameLayout, EthernetPaddingIsNotPayload) {
  // A 1-byte payload in a 60-byte minimum frame: the IP length, not the frame, bounds it.
  Frame f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).payload(1).build();
  f.bytes.resize(60, 0);
  f.wire_len = 60;
  const Located l = decode(f);
  TcpSegment s;
  ASSERT_EQ(locate_tcp(f.view(), l.lay, s), L4Status::ok);
  EXPECT_EQ(s.payload_cap, 1u);
  EXPECT_EQ(s.payload_len, 1u);
}

TEST(FrameLayout, FragmentsAreFlaggedAndNotParsedAsTransport) {
  const Frame first = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").ip_id(9).frag(0, true)
                          .udp(5000, 53).payload(32).build();
  const Frame later = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").ip_id(9).frag(40, false)
                          .ip_proto(17).payload(20).build();
  Decoder d(DecodeConfig{.bidirectional = false});
  PacketMeta m;
  ASSERT_EQ(d.decode(first.view(1), 1, m), DecodeOutcome::flow);
  FrameLayout lay = d.layout(first.view(1));
  EXPECT_TRUE(lay.fragment);
  UdpDatagram u;
  EXPECT_EQ(locate_udp(first.view(), lay, u), L4Status::fragment);
  ASSERT_EQ(d.decode(later.view(2), 2, m), DecodeOutcome::flow);
  EXPECT_TRUE(m.bits & PacketMeta::kFragment);
  EXPECT_EQ(m.key.port_b, 53);  // attributed by the fragment cache
  lay = d.layout(later.view(2));
  EXPECT_TRUE(lay.fragment);
  EXPECT_EQ(lay.l4_offset, 34u);
  EXPECT_EQ(lay.l4_bytes, 20u);

  const Frame v6 = PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::2").ipv6_frag(0, true, 7)
                       .tcp(1, 2).payload(16).build();
  const Located l6 = decode(v6);
  ASSERT_EQ(l6.outcome, DecodeOutcome::flow);
  EXPECT_TRUE(l6.lay.fragment);
  EXPECT_EQ(l6.lay.l4_offset, 14u + 40u + 8u);
  TcpSegment s;
  EXPECT_EQ(locate_tcp(v6.view(), l6.lay, s), L4Status::fragment);
}

TEST(TcpFields, WindowScaleOptionIsReadFromSynsOnly) {
  // MSS, NOP, window scale 7, SACK permitted.
  const std::vector<uint8_t> opts = {2, 4, 5, 0xB4, 1, 3, 3, 7, 4, 2};
  const Frame syn = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, test::kSyn).tcp_options(opts).build();
  const Located l = decode(syn);
  TcpSegment s;
  ASSERT_EQ(locate_tcp(syn.view(), l.lay, s), L4Status::ok);
  EXPECT_EQ(s.wscale, 7);
  EXPECT_EQ(s.payload_len, 0u);

  const Frame ack = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, test::kAck).tcp_options(opts).build();
  ASSERT_EQ(locate_tcp(ack.view(), decode(ack).lay, s), L4Status::ok);
  EXPECT_EQ(s.wscale, -1);

  // RFC 7323: a shift over 14 is taken as 14.
  const Frame big = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, test::kSyn).tcp_options({3, 3, 20}).build();
  ASSERT_EQ(locate_tcp(big.view(), decode(big).lay, s), L4Status::ok);
  EXPECT_EQ(s.wscale, 14);

  // An option of length 0 ends the walk (no endless loop, no scale).
  const Frame bad = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, test::kSyn).tcp_options({8, 0, 3, 3, 2}).build();
  ASSERT_EQ(locate_tcp(bad.view(), decode(bad).lay, s), L4Status::ok);
  EXPECT_EQ(s.wscale, -1);
}

TEST(TcpFields, SnapLengthCutsPayloadOrHeader) {
  const Frame cut = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).payload(100).truncate(70).build();
  TcpSegment s;
  ASSERT_EQ(locate_tcp(cut.view(), decode(cut).lay, s), L4Status::ok);
  EXPECT_EQ(s.payload_cap, 16u);
  EXPECT_EQ(s.payload_len, 100u);

  // 16 bytes of TCP header: the decoder keys it (ports and flags) but seq/ack/window
  // cannot all be read.
  const Frame hdr = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).payload(100).truncate(50).build();
  const Located l = decode(hdr);
  ASSERT_EQ(l.outcome, DecodeOutcome::flow);
  EXPECT_EQ(locate_tcp(hdr.view(), l.lay, s), L4Status::truncated);
}

TEST(UdpFields, UdpLengthBoundsThePayload) {
  // UDP length 12 inside a 20-byte IP payload: 4 bytes of payload, the rest is not UDP's.
  const Frame f = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").udp(1, 2).udp_length(12).payload(12).build();
  const Located l = decode(f);
  ASSERT_EQ(l.outcome, DecodeOutcome::flow);
  UdpDatagram u;
  ASSERT_EQ(locate_udp(f.view(), l.lay, u), L4Status::ok);
  EXPECT_EQ(u.payload_len, 4u);
  EXPECT_EQ(u.payload_cap, 4u);
}

TEST(LinkAddresses, EthernetBothSllSourceRawNone) {
  const Frame e = PacketBuilder().eth({1, 2, 3, 4, 5, 6}, {7, 8, 9, 10, 11, 12}).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
  LinkAddrs a = link_addresses(e.view());
  EXPECT_EQ(a.dst, (Mac{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(a.src, (Mac{7, 8, 9, 10, 11, 12}));
  const Frame s = PacketBuilder().sll().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
  a = link_addresses(s.view());
  EXPECT_EQ(a.src, (Mac{0x10, 0x11, 0x12, 0x13, 0x14, 0x15}));
  EXPECT_EQ(a.dst, Mac{});
  const Frame s2 = PacketBuilder().sll2().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
  EXPECT_EQ(link_addresses(s2.view()).src, (Mac{0x10, 0x11, 0x12, 0x13, 0x14, 0x15}));
  const Frame r = PacketBuilder().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).build();
  a = link_addresses(r.view());
  EXPECT_EQ(a.src, Mac{});
  EXPECT_EQ(a.dst, Mac{});
  Frame tiny = e;
  tiny.bytes.resize(11);
  EXPECT_EQ(link_addresses(tiny.view()).src, Mac{});
}

TEST(Locator, EveryCutOfAFrameStaysInBounds) {
  const Frame frames[] = {
      PacketBuilder().eth().vlan(3).ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2, test::kSyn)
          .tcp_options({2, 4, 5, 0xB4, 1, 3, 3, 7}).payload(40).build(),
      PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::2").ipv6_ext(0).udp(1, 2).payload(30).build(),
  };
  for (const Frame& full : frames) {
    for (std::size_t cut = 0; cut <= full.bytes.size(); ++cut) {
      auto buf = std::make_unique<uint8_t[]>(cut ? cut : 1);
      std::memcpy(buf.get(), full.bytes.data(), cut);
      PacketView v = full.view(1);
      v.data = buf.get();
      v.cap_len = static_cast<uint32_t>(cut);
      Decoder d(DecodeConfig{.bidirectional = false});
      PacketMeta m;
      (void)link_addresses(v);
      if (d.decode(v, 1, m) != DecodeOutcome::flow) continue;
      const FrameLayout lay = d.layout(v);
      ASSERT_LE(lay.l4_offset, cut);
      TcpSegment s;
      UdpDatagram u;
      if (m.key.proto == 6 && locate_tcp(v, lay, s) == L4Status::ok) {
        EXPECT_LE(s.payload + s.payload_cap, v.data + cut);
      }
      if (m.key.proto == 17 && locate_udp(v, lay, u) == L4Status::ok) {
        EXPECT_LE(u.payload + u.payload_cap, v.data + cut);
      }
    }
  }
}

}  // namespace
}  // namespace weir::extract
