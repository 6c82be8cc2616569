// SPDX-License-Identifier: Apache-2.0
// Decoder: link layer -> (VLAN / MPLS / PPPoE) -> IPv4 | IPv6 (+ extension headers)
// -> TCP / UDP / SCTP / ICMP ports -> canonical FlowKey.
//
// Shape of the code: one pass over the bytes, front to back, with every read preceded by
// a check of the bytes left (`avail`, derived from cap_len). Plain Ethernet + IPv4 +
// TCP/UDP is the straight path: a linktype compare, an ethertype compare, the IPv4
// checks, one switch on the protocol, the key order (finish(): branch-free, see the
// scratch fields of Impl). Everything else (other link types,
// tags, tunnels' outer layers, IPv6 extension headers, fragments) branches off it.
// No virtual calls, no allocation; unaligned fields are read with memcpy.
//
// Lengths: ip_bytes comes from the IP header, not from cap_len (a snap length cuts the
// capture, not the packet). The IP header's length is checked against the frame's
// length on the wire minus the link header ("wire_rem"); the bytes actually read are
// bounded by the captured length and by the IP length (so Ethernet padding and FCS are
// never parsed as L4).
#include "capture/decode/decoder.hpp"

#include <algorithm>
#include <bit>
#include <cstring>

#include "capture/decode/detail/frag_cache.hpp"
#include "capture/decode/flow_key_order.hpp"

namespace weir {

namespace {

constexpr std::array<std::string_view, kNumDecodeOutcomes> kDecodeOutcomeNames = {
    "flow",         "not_ip",       "unsupported_linktype", "truncated_l2",  "truncated_l3",
    "bad_ip_header", "bad_ip_length", "truncated_l4",        "bad_l4_header", "fragment_orphan",
};

using O = DecodeOutcome;

inline uint16_t be16(const uint8_t* p) noexcept {
  uint16_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap16(v);
  return v;
}

inline uint16_t saturate16(uint32_t v) noexcept {
  return static_cast<uint16_t>(v > 0xFFFF ? 0xFFFF : v);
}

inline uint32_t be32(const uint8_t* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap32(v);
  return v;
}

// LINKTYPE_* values (https://www.tcpdump.org/linktypes.html).
enum : uint32_t {
  kLtNull = 0,
  kLtEthernet = 1,
  kLtPpp = 9,
  kLtRawBsd = 12,   // DLT_RAW on most BSDs, as written to files by them
  kLtRawOpenBsd = 14,
  kLtPppHdlc = 50,
  kLtRaw = 101,
  kLtCiscoHdlc = 104,
  kLtLoop = 108,
  kLtSll = 113,
  kLtIpv4 = 228,
  kLtIpv6 = 229,
  kLtSll2 = 276,
};

enum : uint16_t {
  kEtIpv4 = 0x0800,
  kEtIpv6 = 0x86DD,
  kEtVlan = 0x8100,
  kEtQinq = 0x88A8,
  kEtQinqOld = 0x9100,  // pre-802.1ad vendor S-tag
  kEtMpls = 0x8847,
  kEtMplsMulticast = 0x8848,
  kEtPppoeSession = 0x8864,
};

enum : uint16_t { kPppIpv4 = 0x0021, kPppIpv6 = 0x0057 };

enum : uint8_t {
  kIpHopByHop = 0,
  kIpIcmp = 1,
  kIpTcp = 6,
  kIpUdp = 17,
  kIpRouting = 43,
  kIpFragment = 44,
  kIpAh = 51,
  kIpIcmpv6 = 58,
  kIpNoNext = 59,
  kIpDestOpts = 60,
  kIpSctp = 132,
  kIpMobility = 135,
};

// Address families in DLT_NULL / DLT_LOOP headers: AF_INET is 2 everywhere; AF_INET6 is
// 24 (NetBSD/OpenBSD), 28 (FreeBSD/DragonFly), 30 (macOS) -- captures travel between them.
constexpr uint32_t kAfInet = 2;

// A real packet carries a handful of extension headers; a chain longer than this is an
// attack on the parser's time, not traffic (each header is >= 8 bytes, so without a cap a
// 64 KiB packet could make the loop run 8000 times).
constexpr int kMaxIpv6ExtHeaders = 16;

// Bytes of a frame: data[0, cap) is readable; wire >= cap is the length on the wire.
struct Frame {
  const uint8_t* data;
  uint32_t cap;
  uint32_t wire;
};

}  // namespace

std::string_view decode_outcome_name(DecodeOutcome o) noexcept {
  const auto i = static_cast<std::size_t>(o);
  return i < kNumDecodeOutcomes ? kDecodeOutcomeNames[i] : std::string_view("unknown");
}

struct Decoder::Impl {
  explicit Impl(const DecodeConfig& c)
      : cfg(c), frags(c.frag_cache_entries, c.frag_timeout_ns) {}

  DecodeConfig cfg;
  DecoderStats stats;
  detail::FragCache frags;
  // Per-packet scratch, written by the IP/L4 parsers and consumed by finish(), which
  // writes the key once, in final order. Why not build the key in place and reorder it:
  // narrow stores read back by a wider load (4-byte address stores vs 8-byte compare
  // words; two byte stores vs one 16-bit load) cannot be store-forwarded and stall ~15
  // cycles each. Together with branch-free selects this took eth/IPv4/TCP with canonical
  // keys from 12.6 to 7.6 ns per packet in decode_bench.
  //
  // Source and destination address in the packet bytes (4 or 16 bytes per ip_version).
  const uint8_t* src = nullptr;
  const uint8_t* dst = nullptr;
  // Ports as source << 16 | destination (one 32-bit store and load). 0 when port-less.
  uint32_t ports = 0;
  // The key is ICMP/ICMPv6: its ports describe the message and are not reordered.
  uint32_t icmp = 0;
  // Layout of the frame (see FrameLayout): offsets into the frame, set by ipv4()/ipv6().
  FrameLayout lay;

  DecodeOutcome decode(const PacketView& pv, uint64_t now_ns, PacketMeta& out) noexcept;

 private:
  DecodeOutcome link(const Frame& f, uint32_t linktype, uint64_t now_ns, PacketMeta& out) noexcept;
  DecodeOutcome ethertype(const Frame& f, uint32_t off, uint16_t type, uint64_t now_ns,
                          PacketMeta& out) noexcept;
  DecodeOutcome ip_by_version(const Frame& f, uint32_t off, uint64_t now_ns, PacketMeta& out,
                              DecodeOutcome if_other) noexcept;
  DecodeOutcome ppp_protocol(const Frame& f, uint32_t off, uint64_t now_ns,
                             PacketMeta& out) noexcept;
  DecodeOutcome ipv4(const Frame& f, uint32_t off, uint64_t now_ns, PacketMeta& out) noexcept;
  DecodeOutcome ipv6(const Frame& f, uint32_t off, uint64_t now_ns, PacketMeta& out) noexcept;
  DecodeOutcome first_fragment(uint8_t frag_proto, uint32_t id, const uint8_t* l4,
                               uint32_t l4_cap, uint32_t l4_len, uint64_t now_ns,
                               PacketMeta& out) noexcept;
  DecodeOutcome later_fragment(uint8_t frag_proto, uint32_t id, bool last, uint64_t now_ns,
                               PacketMeta& out) noexcept;
  detail::FragKey frag_key(uint8_t ip_version, uint8_t frag_proto, uint32_t id) const noexcept;
  void finish(PacketMeta& out) const noexcept;
  void set_layout(uint32_t l3, uint32_t l4, uint32_t l4_bytes, bool fragment) noexcept {
    lay.l3_offset = l3;
    lay.l4_offset = l4;
    lay.l4_bytes = l4_bytes;
    lay.fragment = fragment;
  }
};

namespace {

// Fills ports (source port << 16 | destination port, packet direction), TCP flags and
// ICMP bits from the L4 header.
// l4_cap: bytes readable (captured and inside the IP datagram); l4_len: IP payload length
// per the IP header. first_frag: the datagram continues in other fragments, so l4_len
// covers only this piece (an L4 length field may exceed it; a tiny first fragment may
// stop inside the TCP header).
inline DecodeOutcome l4_ports(uint8_t proto, bool v6, const uint8_t* l4, uint32_t l4_cap,
                              uint32_t l4_len, bool first_frag, bool jumbo, uint32_t& ports,
                              uint32_t& icmp, PacketMeta& out) noexcept {
  // Too few bytes to read: the datagram itself is too short for the header (bad), or the
  // snap length cut it (truncated). A first fragment's IP length covers only a piece.
  const auto short_of = [&](uint32_t header_bytes) noexcept {
    return !first_frag && l4_len < header_bytes ? O::bad_l4_header : O::truncated_l4;
  };
  switch (proto) {
    case kIpTcp: {
      if (l4_cap < 14) [[unlikely]] {
        // RFC 1858 tiny first fragment: ports without flags are still the right flow.
        if (first_frag && l4_len < 14 && l4_cap >= 4) {
          ports = be32(l4);
          return O::flow;
        }
        return short_of(20);
      }
      const uint32_t data_off_bytes = (uint32_t{l4[12]} >> 4) * 4;
      if (data_off_bytes < 20) [[unlikely]] return O::bad_l4_header;
      if (!first_frag && data_off_bytes > l4_len) [[unlikely]] return O::bad_l4_header;
      ports = be32(l4);
      out.tcp_flags = l4[13];
      // A first fragment's header may claim more than its piece holds: no payload here.
      out.l4_payload_bytes = data_off_bytes < l4_len ? saturate16(l4_len - data_off_bytes) : 0;
      return O::flow;
    }
    case kIpUdp: {
      if (l4_cap < 8) [[unlikely]] {
        if (!first_frag && l4_len < 8) return O::bad_l4_header;
        if (l4_cap < 4) return O::truncated_l4;
      }
      ports = be32(l4);
      out.l4_payload_bytes = l4_len > 8 ? saturate16(l4_len - 8) : 0;
      if (l4_cap >= 6) {
        const uint32_t udp_len = be16(l4 + 4);
        // RFC 2675: a UDP datagram inside a jumbogram has length 0.
        if (udp_len < 8 && !(jumbo && udp_len == 0)) [[unlikely]] return O::bad_l4_header;
        if (!first_frag && udp_len > l4_len) [[unlikely]] return O::bad_l4_header;
      }
      return O::flow;
    }
    case kIpSctp:
      if (l4_cap < 4) [[unlikely]] return short_of(12);
      ports = be32(l4);
      return O::flow;
    case kIpIcmp:
    case kIpIcmpv6: {
      if ((proto == kIpIcmpv6) != v6) return O::flow;  // ICMPv4 in IPv6 or v.v.: no ports
      icmp = 1;
      if (l4_cap < 2) [[unlikely]] return short_of(8);
      const uint8_t type = l4[0];
      const uint8_t code = l4[1];
      const bool request = v6 ? type == 128 : type == 8;
      const bool reply = v6 ? type == 129 : type == 0;
      if (request || reply) {
        if (l4_cap < 6) [[unlikely]] return short_of(8);
        ports = uint32_t{be16(l4 + 4)} * 0x10001u;  // identifier twice: request and reply meet
        out.bits |= PacketMeta::kIcmpEcho | (reply ? PacketMeta::kIcmpReply : 0);
      } else {
        ports = uint32_t{type} << 8 | code;  // port_a 0, port_b type << 8 | code
      }
      return O::flow;
    }
    default:
      return O::flow;  // 3-tuple flow: ports stay 0
  }
}

// True if the key of proto has ports (or ICMP type/code) that only the L4 header gives.
inline bool has_ports(uint8_t proto, bool v6) noexcept {
  return proto == kIpTcp || proto == kIpUdp || proto == kIpSctp ||
         (v6 ? proto == kIpIcmpv6 : proto == kIpIcmp);
}

inline bool is_ipv6_ext(uint8_t nh) noexcept {
  return nh == kIpHopByHop || nh == kIpRouting || nh == kIpDestOpts || nh == kIpMobility ||
         nh == kIpAh || nh == kIpFragment;
}

// True if non-first fragments whose fragmentable part starts with frag_proto need their
// first fragment to know the key. Port-less protocols (GRE, ESP, IP-in-IP, ...) do not:
// the IP header alone is the whole key, so no cache entry and no orphan for them. An
// IPv6 extension header first hides the upper protocol: cache.
inline bool needs_first_fragment(uint8_t frag_proto, bool v6) noexcept {
  return has_ports(frag_proto, v6) || (v6 && is_ipv6_ext(frag_proto));
}

}  // namespace

detail::FragKey Decoder::Impl::frag_key(uint8_t ip_version, uint8_t frag_proto,
                                        uint32_t id) const noexcept {
  detail::FragKey fk;
  const std::size_t n = ip_version == 4 ? 4 : 16;
  std::memcpy(fk.src.data(), src, n);
  std::memcpy(fk.dst.data(), dst, n);
  fk.id = id;
  fk.proto = frag_proto;
  fk.ip_version = ip_version;
  return fk;
}

DecodeOutcome Decoder::Impl::first_fragment(uint8_t frag_proto, uint32_t id, const uint8_t* l4,
                                            uint32_t l4_cap, uint32_t l4_len, uint64_t now_ns,
                                            PacketMeta& out) noexcept {
  const bool v6 = out.key.ip_version == 6;
  const DecodeOutcome r =
      l4_ports(out.key.proto, v6, l4, l4_cap, l4_len, /*first_frag=*/true, false, ports, icmp, out);
  if (!needs_first_fragment(frag_proto, v6)) return r;
  const detail::FragKey fk = frag_key(out.key.ip_version, frag_proto, id);
  if (r != O::flow) {
    frags.erase(fk);
    return r;
  }
  detail::FragValue v;
  v.port_src = static_cast<uint16_t>(ports >> 16);
  v.port_dst = static_cast<uint16_t>(ports);
  v.l4_proto = out.key.proto;
  v.bits = out.bits & (PacketMeta::kIcmpEcho | PacketMeta::kIcmpReply);
  if (frags.insert(fk, v, now_ns)) ++stats.frag_cache_overwrites;
  ++stats.fragments_first;
  return O::flow;
}

DecodeOutcome Decoder::Impl::later_fragment(uint8_t frag_proto, uint32_t id, bool last,
                                            uint64_t now_ns, PacketMeta& out) noexcept {
  const bool v6 = out.key.ip_version == 6;
  if (!needs_first_fragment(frag_proto, v6)) return O::flow;  // key.proto = frag_proto
  detail::FragValue v;
  if (!frags.lookup(frag_key(out.key.ip_version, frag_proto, id), now_ns, last, v))
    return O::fragment_orphan;
  out.key.proto = v.l4_proto;
  ports = uint32_t{v.port_src} << 16 | v.port_dst;
  icmp = v6 ? v.l4_proto == kIpIcmpv6 : v.l4_proto == kIpIcmp;
  out.bits |= v.bits | PacketMeta::kFragment;
  ++stats.fragments_attributed;
  return O::flow;
}

DecodeOutcome Decoder::Impl::ipv4(const Frame& f, uint32_t off, uint64_t now_ns,
                                  PacketMeta& out) noexcept {
  const uint32_t avail = f.cap - off;
  const uint8_t* ip = f.data + off;
  // A wrong version is reported as such even when the header is also cut short.
  if (avail < 20) [[unlikely]]
    return avail && (ip[0] >> 4) != 4 ? O::bad_ip_header : O::truncated_l3;
  if ((ip[0] >> 4) != 4) [[unlikely]] return O::bad_ip_header;
  const uint32_t hdr_bytes = uint32_t{ip[0] & 0x0Fu} * 4;
  if (hdr_bytes < 20) [[unlikely]] return O::bad_ip_header;
  if (avail < hdr_bytes) [[unlikely]] return O::truncated_l3;
  const uint32_t wire_rem = f.wire - off;
  uint32_t total = be16(ip + 2);
  // Total length 0: a TSO/GSO segment captured on the sending host before the NIC cut
  // it (any size), or Linux BIG TCP (> 64 KiB). The frame's length is the truth when the
  // whole frame was captured (or it is a BIG TCP frame, which cannot be anything else);
  // Wireshark and Zeek count these the same way.
  if (total == 0 && (f.cap == f.wire || wire_rem > 0xFFFF)) [[unlikely]] {
    total = wire_rem;
    ++stats.ip_len_from_frame;
  }
  if (total < hdr_bytes || total > wire_rem) [[unlikely]] return O::bad_ip_length;

  FlowKey& k = out.key;
  const uint8_t proto = ip[9];
  out.ip_bytes = total;
  out.tos = ip[1];
  out.ttl = ip[8];
  k.ip_version = 4;
  k.proto = proto;
  src = ip + 12;
  dst = ip + 16;

  const uint8_t* l4 = ip + hdr_bytes;
  const uint32_t l4_cap = std::min(total, avail) - hdr_bytes;
  const uint32_t l4_len = total - hdr_bytes;
  const uint16_t frag = be16(ip + 6);
  set_layout(off, off + hdr_bytes, l4_len, (frag & 0x3FFF) != 0);
  if (frag & 0x3FFF) [[unlikely]] {  // MF set or offset != 0 (DF, 0x4000, is not a fragment)
    out.bits |= PacketMeta::kIpFragment;
    const uint32_t id = be16(ip + 4);
    if ((frag & 0x1FFF) != 0) {
      const DecodeOutcome r = later_fragment(proto, id, (frag & 0x2000) == 0, now_ns, out);
      if (out.key.proto == kIpTcp || out.key.proto == kIpUdp) out.l4_payload_bytes = saturate16(l4_len);
      return r;
    }
    return first_fragment(proto, id, l4, l4_cap, l4_len, now_ns, out);
  }
  return l4_ports(proto, false, l4, l4_cap, l4_len, false, false, ports, icmp, out);
}

DecodeOutcome Decoder::Impl::ipv6(const Frame& f, uint32_t off, uint64_t now_ns,
                                  PacketMeta& out) noexcept {
  const uint32_t avail = f.cap - off;
  const uint8_t* ip = f.data + off;
  if (avail < 40) [[unlikely]]
    return avail && (ip[0] >> 4) != 6 ? O::bad_ip_header : O::truncated_l3;
  if ((ip[0] >> 4) != 6) [[unlikely]] return O::bad_ip_header;
  const uint32_t wire_rem = f.wire - off;
  const uint32_t payload = be16(ip + 4);
  uint8_t nh = ip[6];
  uint32_t total = 40 + payload;
  // RFC 2675 jumbogram / Linux BIG TCP: payload length 0 with more than 64 KiB behind
  // the header. The jumbo option's hop-by-hop header may be there or not (Linux strips it
  // before the packet taps, see captures/ipv6/bigtcp-ipv6.pcap); the frame's length is
  // the truth either way. A small frame with payload length 0 is just 40 bytes of IP.
  const bool jumbo = payload == 0 && wire_rem - 40 > 0xFFFF;
  if (jumbo) total = wire_rem;
  if (total > wire_rem) [[unlikely]] return O::bad_ip_length;

  FlowKey& k = out.key;
  out.ip_bytes = total;
  out.tos = static_cast<uint8_t>((ip[0] << 4) | (ip[1] >> 4));  // traffic class
  out.ttl = ip[7];                                               // hop limit
  k.ip_version = 6;
  src = ip + 8;
  dst = ip + 24;

  const uint32_t end = std::min(total, avail);  // readable bytes of the datagram
  uint32_t pos = 40;
  bool first_frag = false;
  uint8_t frag_proto = 0;
  uint32_t frag_id = 0;
  for (int n = 0;; ++n) {
    if (is_ipv6_ext(nh)) {
      if (n == kMaxIpv6ExtHeaders) return O::bad_ip_header;
      if (total - pos < 2) return O::bad_ip_header;
      if (end - pos < 2) return O::truncated_l3;
      const uint32_t len = nh == kIpFragment ? 8
                           : nh == kIpAh     ? (uint32_t{ip[pos + 1]} + 2) * 4
                                             : (uint32_t{ip[pos + 1]} + 1) * 8;
      if (total - pos < len) return O::bad_ip_header;
      if (end - pos < len) return O::truncated_l3;
      const uint8_t this_nh = nh;
      nh = ip[pos];
      if (this_nh == kIpFragment) {
        const uint16_t fo = be16(ip + pos + 2);
        const bool more = fo & 1;
        const uint32_t id = be32(ip + pos + 4);
        if ((fo >> 3) != 0 || more) out.bits |= PacketMeta::kIpFragment;
        if ((fo >> 3) != 0) {
          k.proto = nh;
          if (cfg.ipv6_len_after_ext) out.ip_bytes = total - pos - len;
          set_layout(off, off + pos + len, total - pos - len, true);
          const DecodeOutcome r = later_fragment(nh, id, !more, now_ns, out);
          // A later fragment holds only L4 payload: everything after its fragment header.
          if (k.proto == kIpTcp || k.proto == kIpUdp) out.l4_payload_bytes = saturate16(total - pos - len);
          return r;
        }
        if (more) {  // an atomic fragment (offset 0, M clear) is a whole datagram
          first_frag = true;
          frag_proto = nh;
          frag_id = id;
        }
      }
      pos += len;
      continue;
    }
    break;
  }
  k.proto = nh;
  if (cfg.ipv6_len_after_ext) out.ip_bytes = total - pos;
  set_layout(off, off + pos, total - pos, first_frag);
  if (nh == kIpNoNext) return O::flow;  // nothing follows: 3-tuple flow
  if (first_frag)
    return first_fragment(frag_proto, frag_id, ip + pos, end - pos, total - pos, now_ns, out);
  return l4_ports(nh, true, ip + pos, end - pos, total - pos, false, jumbo, ports, icmp, out);
}

DecodeOutcome Decoder::Impl::ip_by_version(const Frame& f, uint32_t off, uint64_t now_ns,
                                           PacketMeta& out, DecodeOutcome if_other) noexcept {
  if (f.cap == off) return O::truncated_l3;
  switch (f.data[off] >> 4) {
    case 4: return ipv4(f, off, now_ns, out);
    case 6: return ipv6(f, off, now_ns, out);
    default: return if_other;
  }
}

// PPP protocol field at off: 2 bytes, or 1 when protocol-field compression (RFC 1661
// 6.5) sent an odd first byte.
DecodeOutcome Decoder::Impl::ppp_protocol(const Frame& f, uint32_t off, uint64_t now_ns,
                                          PacketMeta& out) noexcept {
  if (f.cap - off < 1) return O::truncated_l2;
  uint16_t proto;
  if (f.data[off] & 1) {
    proto = f.data[off];
    off += 1;
  } else {
    if (f.cap - off < 2) return O::truncated_l2;
    proto = be16(f.data + off);
    off += 2;
  }
  if (proto == kPppIpv4) return ipv4(f, off, now_ns, out);
  if (proto == kPppIpv6) return ipv6(f, off, now_ns, out);
  return O::not_ip;
}

// Ethertype demultiplexer shared by Ethernet, SLL, SLL2 and Cisco HDLC. off = first byte
// after the ethertype field.
DecodeOutcome Decoder::Impl::ethertype(const Frame& f, uint32_t off, uint16_t type,
                                       uint64_t now_ns, PacketMeta& out) noexcept {
  if (type == kEtIpv4) [[likely]] return ipv4(f, off, now_ns, out);
  if (type == kEtVlan || type == kEtQinq || type == kEtQinqOld) {
    if (f.cap - off < 4) return O::truncated_l2;
    out.vlan = be16(f.data + off) & 0x0FFF;  // the outer tag names the VLAN
    type = be16(f.data + off + 2);
    off += 4;
    while (type == kEtVlan || type == kEtQinq || type == kEtQinqOld) {
      if (f.cap - off < 4) return O::truncated_l2;
      type = be16(f.data + off + 2);
      off += 4;
    }
    if (type == kEtIpv4) return ipv4(f, off, now_ns, out);
  }
  switch (type) {
    case kEtIpv6:
      return ipv6(f, off, now_ns, out);
    case kEtMpls:
    case kEtMplsMulticast:
      for (;;) {  // labels until bottom of stack (S bit)
        if (f.cap - off < 4) return O::truncated_l2;
        const bool bottom = f.data[off + 2] & 1;
        off += 4;
        if (bottom) break;
      }
      // No protocol field after MPLS: IP is recognised by its version nibble; anything
      // else (pseudowire control word, Ethernet over MPLS) is not decoded.
      return ip_by_version(f, off, now_ns, out, O::not_ip);
    case kEtPppoeSession:
      // version/type, code, session id, length (6 bytes), then the PPP protocol, never
      // compressed in PPPoE (RFC 2516 section 7).
      if (f.cap - off < 8) return O::truncated_l2;
      off += 6;
      switch (be16(f.data + off)) {
        case kPppIpv4: return ipv4(f, off + 2, now_ns, out);
        case kPppIpv6: return ipv6(f, off + 2, now_ns, out);
        default: return O::not_ip;
      }
    default:
      return O::not_ip;  // ARP, LLDP, PPPoE discovery, 802.3 length (< 0x0600), ...
  }
}

DecodeOutcome Decoder::Impl::link(const Frame& f, uint32_t linktype, uint64_t now_ns,
                                  PacketMeta& out) noexcept {
  switch (linktype) {
    case kLtSll:  // 16 bytes; protocol (an ethertype for Ethernet-like devices) last
      if (f.cap < 16) return O::truncated_l2;
      return ethertype(f, 16, be16(f.data + 14), now_ns, out);
    case kLtSll2:  // 20 bytes; protocol first
      if (f.cap < 20) return O::truncated_l2;
      return ethertype(f, 20, be16(f.data), now_ns, out);
    case kLtRaw:
    case kLtRawBsd:
    case kLtRawOpenBsd:
      return ip_by_version(f, 0, now_ns, out, O::bad_ip_header);
    case kLtIpv4:
      return ipv4(f, 0, now_ns, out);
    case kLtIpv6:
      return ipv6(f, 0, now_ns, out);
    case kLtNull:
    case kLtLoop: {
      if (f.cap < 4) return O::truncated_l2;
      uint32_t af = be32(f.data);
      // DLT_NULL is in the capturing host's byte order; a value that only fits in the
      // top half was written little-endian. DLT_LOOP is always network order.
      if (linktype == kLtNull && af > 0xFFFF) af = __builtin_bswap32(af);
      if (af == kAfInet) return ipv4(f, 4, now_ns, out);
      if (af == 24 || af == 28 || af == 30) return ipv6(f, 4, now_ns, out);
      return O::not_ip;
    }
    case kLtPpp:
    case kLtPppHdlc: {
      if (f.cap < 2) return O::truncated_l2;
      const uint32_t off = (f.data[0] == 0xFF && f.data[1] == 0x03) ? 2 : 0;
      return ppp_protocol(f, off, now_ns, out);
    }
    case kLtCiscoHdlc:  // address, control, ethertype
      if (f.cap < 4) return O::truncated_l2;
      return ethertype(f, 4, be16(f.data + 2), now_ns, out);
    default:
      return O::unsupported_linktype;
  }
}

DecodeOutcome Decoder::Impl::decode(const PacketView& pv, uint64_t now_ns,
                                    PacketMeta& out) noexcept {
  out.key = FlowKey{};
  out.ip_bytes = 0;
  out.wire_bytes = pv.wire_len;
  out.ingress_if = pv.interface_id;
  out.vlan = 0;
  out.tcp_flags = 0;
  out.bits = 0;
  out.ttl = 0;
  out.tos = 0;
  out.l4_payload_bytes = 0;
  ports = 0;
  icmp = 0;
  // A source raises wire_len to cap_len when a record claims less; be as defensive here.
  const Frame f{pv.data, pv.cap_len, std::max(pv.wire_len, pv.cap_len)};
  // pcap's link-type field carries FCS information in its top 4 bits (F bit, FCS length);
  // bits 16-27 are reserved, so a value with any of them set stays unsupported.
  const uint32_t linktype = pv.linktype & 0x0FFFFFFF;

  DecodeOutcome r;
  if (linktype == kLtEthernet) [[likely]] {
    if (f.cap < 14) [[unlikely]] return O::truncated_l2;
    r = ethertype(f, 14, be16(f.data + 12), now_ns, out);
  } else {
    r = link(f, linktype, now_ns, out);
  }
  if (r != O::flow) return r;
  finish(out);
  return O::flow;
}

// Writes the addresses in key order: canonical when bidirectional (same order as
// canonicalize() in flow_key_order.hpp, which the tests hold it to), else as seen. The
// compare runs on words loaded from the packet, and the choice is a select, not a branch:
// which endpoint is smaller is a coin toss per packet.
void Decoder::Impl::finish(PacketMeta& out) const noexcept {
  FlowKey& k = out.key;
  if (cfg.vlan_key) k.vlan = out.vlan;
  uint32_t key_ports = ports;
  if (cfg.ports_tcp_udp_only && k.proto != kIpTcp && k.proto != kIpUdp) [[unlikely]] {
    key_ports = 0;
    out.bits &= static_cast<uint8_t>(~(PacketMeta::kIcmpEcho | PacketMeta::kIcmpReply));
  }
  if (cfg.same_address_forward) [[unlikely]] {
    const std::size_t n = k.ip_version == 4 ? 4 : 16;
    if (std::memcmp(src, dst, n) == 0) out.bits |= PacketMeta::kSameAddress;
  }
  uint32_t pa = key_ports >> 16;
  uint32_t pb = key_ports & 0xFFFF;
  uint32_t swap = 0;
  const bool v4 = k.ip_version == 4;
  if (cfg.bidirectional) {
    const uint32_t ports_gt = (icmp ^ 1) & (pa > pb);
    if (v4) {
      const uint32_t s = be32(src), d = be32(dst);
      swap = (s > d) | ((s == d) & ports_gt);
    } else {
      const uint64_t s0 = detail::load_be64(src), s1 = detail::load_be64(src + 8);
      const uint64_t d0 = detail::load_be64(dst), d1 = detail::load_be64(dst + 8);
      swap = (s0 > d0) | ((s0 == d0) & ((s1 > d1) | ((s1 == d1) & ports_gt)));
    }
    const uint32_t dp = (pa ^ pb) & (0 - (swap & (icmp ^ 1)));
    pa ^= dp;
    pb ^= dp;
    static_assert(PacketMeta::kReversed == 1);
    out.bits = static_cast<uint8_t>(out.bits | swap);
  }
  k.port_a = static_cast<uint16_t>(pa);
  k.port_b = static_cast<uint16_t>(pb);
  // Mask select, not ?: -- GCC turns a pointer ?: into a branch here.
  const uintptr_t s = reinterpret_cast<uintptr_t>(src), d = reinterpret_cast<uintptr_t>(dst);
  const uintptr_t x = (s ^ d) & (0 - static_cast<uintptr_t>(swap));
  const uint8_t* a = reinterpret_cast<const uint8_t*>(s ^ x);
  const uint8_t* b = reinterpret_cast<const uint8_t*>(d ^ x);
  if (v4) {
    std::memcpy(k.addr_a.data(), a, 4);
    std::memcpy(k.addr_b.data(), b, 4);
  } else {
    std::memcpy(k.addr_a.data(), a, 16);
    std::memcpy(k.addr_b.data(), b, 16);
  }
}

Decoder::Decoder(const DecodeConfig& cfg) : impl_(std::make_unique<Impl>(cfg)) {}
Decoder::~Decoder() = default;

DecodeOutcome Decoder::decode(const PacketView& pv, uint64_t now_ns, PacketMeta& out) noexcept {
  return impl_->decode(pv, now_ns, out);
}

FrameLayout Decoder::layout(const PacketView& pv) const noexcept {
  FrameLayout l = impl_->lay;
  l.l3_offset = std::min(l.l3_offset, pv.cap_len);
  l.l4_offset = std::min(l.l4_offset, pv.cap_len);
  return l;
}

const DecoderStats& Decoder::stats() const noexcept { return impl_->stats; }

}  // namespace weir
