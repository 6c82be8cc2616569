// SPDX-License-Identifier: Apache-2.0
// NetFlow v5 records: the one mapping between FlowRecord and the v5 record, shared by the
// flow-tools file writer/reader (a flow-tools record is a v5 record plus its PDU header
// fields), the collector's v5 decoder and the v5 datagram encoder.
//
// FlowRecord -> v5 (v5_flow, v5_piece_counters):
//   - IPv4 only: a record with another ip_version has no v5 form (callers skip and count
//     it). Each direction with packets is one v5 flow (biflows give two: dir[1] with
//     source and destination swapped).
//   - dOctets = ip_bytes (layer 3, as routers count). Times in ms since the epoch,
//     truncated from ns; the caller turns them into sysUpTime-relative First/Last.
//   - 32-bit counters: a direction with more than 2^32-1 packets or octets is split into
//     n = max(ceil(packets / (2^32-1)), ceil(octets / (2^32-1))) records with the same
//     key and times, the counters spread so that they sum to the originals exactly.
//   - ICMP (proto 1): srcport 0, dstport = type << 8 | code (Cisco's convention; nfdump
//     and flow-print read it so). The reverse direction of an echo biflow is the reply
//     (type 8 <-> 0); weir keys no other ICMP pair of different types into one biflow.
//   - input = ingress_if, clamped to 65535; output, nexthop, AS numbers, masks 0.
// v5 -> FlowRecord (to_flow_record): unidirectional, dir[0] only; proto 1 dstport back
// to icmp_type/icmp_code with ports 0; end_reason stays idle (v5 does not say).
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "engine/base/flow_record.hpp"

namespace weir::nfv5 {

inline constexpr std::size_t kHeaderBytes = 24;   // datagram header
inline constexpr std::size_t kRecordBytes = 48;   // record in a datagram
inline constexpr std::size_t kMaxRecords = 30;    // per datagram (nfdump rejects more)
inline constexpr uint64_t kMaxCounter = 0xFFFFFFFFull;

// One v5 record in host byte order. IPv4 addresses as numbers (a.b.c.d = a << 24 | ...).
struct Record {
  uint32_t srcaddr = 0;
  uint32_t dstaddr = 0;
  uint32_t nexthop = 0;
  uint16_t input = 0;
  uint16_t output = 0;
  uint32_t packets = 0;   // dPkts
  uint32_t octets = 0;    // dOctets
  uint32_t first = 0;     // sysUpTime (ms) at the first packet
  uint32_t last = 0;      // sysUpTime (ms) at the last packet
  uint16_t srcport = 0;
  uint16_t dstport = 0;
  uint8_t tcp_flags = 0;
  uint8_t prot = 0;
  uint8_t tos = 0;
  uint16_t src_as = 0;
  uint16_t dst_as = 0;
  uint8_t src_mask = 0;
  uint8_t dst_mask = 0;
};

// One direction of a FlowRecord in v5 terms, before the counters are split.
struct Flow {
  Record base;            // everything but packets, octets, first, last
  uint64_t start_ms = 0;  // ms since the epoch
  uint64_t end_ms = 0;
  uint64_t packets = 0;
  uint64_t octets = 0;
};

inline uint32_t ipv4_number(const uint8_t* a) noexcept {
  return uint32_t{a[0]} << 24 | uint32_t{a[1]} << 16 | uint32_t{a[2]} << 8 | a[3];
}
inline void ipv4_bytes(uint32_t v, uint8_t* a) noexcept {
  a[0] = static_cast<uint8_t>(v >> 24);
  a[1] = static_cast<uint8_t>(v >> 16);
  a[2] = static_cast<uint8_t>(v >> 8);
  a[3] = static_cast<uint8_t>(v);
}

// The ICMP type of direction `dir` of a biflow whose first packet had type `t`.
constexpr uint8_t icmp_type_of_dir(uint8_t proto, uint8_t t, int dir) noexcept {
  if (dir == 0) return t;
  if (proto == 1) return t == 8 ? 0 : t == 0 ? 8 : t;          // echo request / reply
  if (proto == 58) return t == 128 ? 129 : t == 129 ? 128 : t;  // ICMPv6 echo
  return t;
}

// The v5 view of direction `dir` of `r`; false when it has none (not IPv4, or no
// packets in that direction).
inline bool v5_flow(const FlowRecord& r, int dir, Flow& out) noexcept {
  const DirStats& d = r.dir[static_cast<std::size_t>(dir)];
  if (r.ip_version != 4 || d.packets == 0) return false;
  out = Flow{};
  Record& b = out.base;
  const bool fwd = dir == 0;
  b.srcaddr = ipv4_number(fwd ? r.src_addr.data() : r.dst_addr.data());
  b.dstaddr = ipv4_number(fwd ? r.dst_addr.data() : r.src_addr.data());
  if (r.proto == 1) {
    b.dstport = static_cast<uint16_t>(icmp_type_of_dir(r.proto, r.icmp_type, dir) << 8 | r.icmp_code);
  } else {
    b.srcport = fwd ? r.src_port : r.dst_port;
    b.dstport = fwd ? r.dst_port : r.src_port;
  }
  b.prot = r.proto;
  b.tos = d.tos;
  b.tcp_flags = d.tcp_flags;
  b.input = static_cast<uint16_t>(std::min<uint32_t>(r.ingress_if, 0xFFFF));
  // A direction's own first/last packet; a record without them (never from weir's
  // meter) falls back to the record's span.
  const uint64_t first_ns = d.first_ns ? d.first_ns : r.start_ns;
  const uint64_t last_ns = d.last_ns ? d.last_ns : r.end_ns;
  out.start_ms = first_ns / 1'000'000;
  out.end_ms = last_ns / 1'000'000;
  out.packets = d.packets;
  out.octets = d.ip_bytes;
  return true;
}

// How many v5 records direction `f` needs (1 unless a counter exceeds 32 bits).
constexpr uint64_t v5_pieces(const Flow& f) noexcept {
  const uint64_t np = (f.packets + kMaxCounter - 1) / kMaxCounter;
  const uint64_t no = f.octets / kMaxCounter + (f.octets % kMaxCounter != 0);
  return std::max<uint64_t>({np, no, 1});
}

// The counters of piece i of n (0 <= i < n = v5_pieces(f)); they sum to f's exactly.
constexpr void v5_piece_counters(const Flow& f, uint64_t i, uint64_t n, uint32_t& packets,
                                 uint32_t& octets) noexcept {
  packets = static_cast<uint32_t>(f.packets / n + (i < f.packets % n));
  octets = static_cast<uint32_t>(f.octets / n + (i < f.octets % n));
}

// Wire form (network byte order), kRecordBytes.
inline void encode_record(const Record& r, uint8_t* p) noexcept {
  auto u32 = [&](std::size_t off, uint32_t v) {
    p[off] = static_cast<uint8_t>(v >> 24);
    p[off + 1] = static_cast<uint8_t>(v >> 16);
    p[off + 2] = static_cast<uint8_t>(v >> 8);
    p[off + 3] = static_cast<uint8_t>(v);
  };
  auto u16 = [&](std::size_t off, uint16_t v) {
    p[off] = static_cast<uint8_t>(v >> 8);
    p[off + 1] = static_cast<uint8_t>(v);
  };
  u32(0, r.srcaddr);
  u32(4, r.dstaddr);
  u32(8, r.nexthop);
  u16(12, r.input);
  u16(14, r.output);
  u32(16, r.packets);
  u32(20, r.octets);
  u32(24, r.first);
  u32(28, r.last);
  u16(32, r.srcport);
  u16(34, r.dstport);
  p[36] = 0;  // pad1
  p[37] = r.tcp_flags;
  p[38] = r.prot;
  p[39] = r.tos;
  u16(40, r.src_as);
  u16(42, r.dst_as);
  p[44] = r.src_mask;
  p[45] = r.dst_mask;
  p[46] = p[47] = 0;  // pad2
}

inline Record decode_record(const uint8_t* p) noexcept {
  auto u32 = [&](std::size_t off) {
    return uint32_t{p[off]} << 24 | uint32_t{p[off + 1]} << 16 | uint32_t{p[off + 2]} << 8 |
           p[off + 3];
  };
  auto u16 = [&](std::size_t off) { return static_cast<uint16_t>(p[off] << 8 | p[off + 1]); };
  Record r;
  r.srcaddr = u32(0);
  r.dstaddr = u32(4);
  r.nexthop = u32(8);
  r.input = u16(12);
  r.output = u16(14);
  r.packets = u32(16);
  r.octets = u32(20);
  r.first = u32(24);
  r.last = u32(28);
  r.srcport = u16(32);
  r.dstport = u16(34);
  r.tcp_flags = p[37];
  r.prot = p[38];
  r.tos = p[39];
  r.src_as = u16(40);
  r.dst_as = u16(42);
  r.src_mask = p[44];
  r.dst_mask = p[45];
  return r;
}

// Absolute times (ns since the epoch) of a flow's First and Last (sysUpTime ms), given
// the export time and the exporter's sysUpTime then. As nfdump computes them: boot +
// value, with its two 32-bit wrap corrections (the uptime counter wraps after 49.7
// days): First > Last means it wrapped during the flow, so First is from the previous
// cycle; Last more than 100 s past the header's sysUpTime means it wrapped between the
// flow's end and the export, so both are.
struct UptimeSpan {
  uint64_t first_ns = 0;
  uint64_t last_ns = 0;
};
constexpr UptimeSpan uptime_span(uint64_t export_ns, uint32_t sys_uptime_ms, uint32_t first_ms,
                                 uint32_t last_ms) noexcept {
  constexpr int64_t kWrapNs = (int64_t{1} << 32) * 1'000'000;  // 2^32 ms
  const int64_t boot = static_cast<int64_t>(export_ns) - int64_t{sys_uptime_ms} * 1'000'000;
  int64_t first = boot + int64_t{first_ms} * 1'000'000;
  int64_t last = boot + int64_t{last_ms} * 1'000'000;
  if (first_ms > last_ms) first -= kWrapNs;
  if (last_ms > sys_uptime_ms && last_ms - sys_uptime_ms > 100'000) first -= kWrapNs, last -= kWrapNs;
  return {first < 0 ? 0 : static_cast<uint64_t>(first), last < 0 ? 0 : static_cast<uint64_t>(last)};
}

// A unidirectional FlowRecord from a v5 record whose first/last packets were at
// first_ns/last_ns.
inline void to_flow_record(const Record& v, uint64_t first_ns, uint64_t last_ns, FlowRecord& out) noexcept {
  out = FlowRecord{};
  out.ip_version = 4;
  ipv4_bytes(v.srcaddr, out.src_addr.data());
  ipv4_bytes(v.dstaddr, out.dst_addr.data());
  out.proto = v.prot;
  if (v.prot == 1) {
    out.icmp_type = static_cast<uint8_t>(v.dstport >> 8);
    out.icmp_code = static_cast<uint8_t>(v.dstport);
  } else {
    out.src_port = v.srcport;
    out.dst_port = v.dstport;
  }
  out.ingress_if = v.input;
  out.start_ns = first_ns;
  out.end_ns = last_ns;
  out.first_tcp_flags = 0;
  DirStats& d = out.dir[0];
  d.packets = v.packets;
  d.ip_bytes = v.octets;
  d.first_ns = first_ns;
  d.last_ns = last_ns;
  d.tcp_flags = v.tcp_flags;
  d.tos = v.tos;
}

}  // namespace weir::nfv5
