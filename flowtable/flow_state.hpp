// SPDX-License-Identifier: Apache-2.0
// FlowState: everything weir keeps about one live flow record -- exactly 256 bytes, four
// cache lines, so 1M concurrent flows cost 256 MB and a table of 49k fits in L3.
//
// Layout (static_asserted):
//   line 0  key (40) | first_ns (8) | flow_id (6) | last_rel (6) | vlan (2) | state (1) |
//           first_tcp_flags (1)
//           -- everything lookup and the expiry check read, so a packet of a live flow
//              touches line 0 and the lines of its own direction only.
//   lines 1-3  DirAcc[2] (96 bytes each): per-direction accumulators.
//
// Times inside a record are kept relative to first_ns in 48 bits (2^48 ns = 78 h); the
// engine caps --active-timeout at 72 h, so no record can span more. Packet and per-flag
// counters are 32-bit (rare TCP flags 16-bit): before one would wrap, the record is cut
// with end reason counter_limit (nothing is lost, the flow continues in a new record). Sums of squares
// are doubles: the standard deviations they give are exact to ~1e-12 relative, and the
// arithmetic is the same for any thread count, so output stays byte-identical.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

#include "engine/base/flow_key.hpp"

namespace weir {

// 48-bit unsigned value in three 16-bit words (2-byte aligned, 6 bytes).
struct U48 {
  std::array<uint16_t, 3> w{};
  uint64_t get() const noexcept {
    return uint64_t{w[0]} | (uint64_t{w[1]} << 16) | (uint64_t{w[2]} << 32);
  }
  void set(uint64_t v) noexcept {
    w[0] = static_cast<uint16_t>(v);
    w[1] = static_cast<uint16_t>(v >> 16);
    w[2] = static_cast<uint16_t>(v >> 32);
  }
};
static_assert(sizeof(U48) == 6);
inline constexpr uint64_t kU48Max = (uint64_t{1} << 48) - 1;

// Per-direction accumulators of one record. TCP flag counters: the flags nearly every
// packet carries (PSH, ACK, ECE on ECN flows, CWR) count in 32 bits; the ones a flow
// sees a handful of times (FIN, SYN, RST, URG) in 16 bits, which frees the bytes for
// TTL and ToS. Either width is protected the same way: before a counter would wrap the
// record is cut (end reason counter_limit) and the flow continues in a new one.
struct DirAcc {
  uint32_t packets;
  uint32_t ip_len_min;
  uint32_t ip_len_max;
  uint32_t l2_extra;            // sum of (wire length - IP length): l2_bytes = ip_bytes + this
  std::array<uint32_t, 4> wide_flag_count;   // PSH, ACK, ECE, CWR
  uint64_t ip_bytes;
  double ip_len_sumsq;          // sum of ip_len^2
  double iat_sumsq;             // sum of iat_ns^2
  std::array<uint16_t, 4> narrow_flag_count;  // FIN, SYN, RST, URG
  U48 first_rel;                // ns after FlowState::first_ns
  U48 last_rel;
  U48 iat_min;
  U48 iat_max;
  uint32_t ingress_if;          // dir[0] only: interface of the record's first packet
  uint8_t ttl_min;
  uint8_t ttl_max;
  uint8_t tos;                  // of this direction's first packet
  uint8_t spare;
};
// Where TCP flag bit i (FIN..CWR) is counted: narrow (bit 7 set) or wide, and the index.
inline constexpr std::array<uint8_t, 8> kFlagSlot = {0x80, 0x81, 0x82, 0, 1, 0x83, 2, 3};
inline constexpr uint8_t kNarrowFlagBits = 0x01 | 0x02 | 0x04 | 0x20;  // FIN SYN RST URG
static_assert(sizeof(DirAcc) == 96);

struct alignas(64) FlowState {
  // State bits.
  static constexpr uint8_t kInitiatorIsB = 1;  // the record's first packet came from endpoint b
  static constexpr uint8_t kFin0 = 2;          // FIN seen forward
  static constexpr uint8_t kFin1 = 4;          // FIN seen backward
  static constexpr uint8_t kRst = 8;           // RST seen
  static constexpr uint8_t kFirstIcmpReply = 16;  // first packet was an ICMP echo reply
  static constexpr uint8_t kFirstEcho = 32;       // first packet was an ICMP echo request/reply

  FlowKey key;
  uint64_t first_ns;
  U48 flow_id;   // input index of the record's first packet
  U48 last_rel;  // latest packet of either direction, ns after first_ns
  uint16_t vlan;
  uint8_t state;
  uint8_t first_tcp_flags;  // of the record's first packet
  std::array<DirAcc, 2> dir;

  bool closed() const noexcept {
    return (state & kRst) || ((state & (kFin0 | kFin1)) == (kFin0 | kFin1));
  }
};
static_assert(sizeof(FlowState) == 256, "flow state must stay 256 bytes (4 cache lines)");
static_assert(offsetof(FlowState, dir) == 64, "line 0 holds exactly the lookup/expiry fields");

}  // namespace weir
