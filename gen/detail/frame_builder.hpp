// SPDX-License-Identifier: Apache-2.0
// Addressing and frame building for `weir gen`. Used by the generator thread only.
//
// Design: addresses are computed, not stored. A flow's serial number maps through a
// keyed bijection on (client_bits + 15) bits to (client index, client port 32768..65535),
// so every flow in a file has its own client endpoint and hence its own 5-tuple, with
// no set of used tuples to keep (churn makes tens of millions of flows). Clients live in
// 10.0.0.0/8 and fd00:7765:6972::/48, servers in 198.18.0.0/15 and 2001:db8::/32: the
// pools are disjoint, so no flow's reversed tuple is another flow's tuple.
//
// A frame is written straight into the output buffer: Ethernet (+ 802.1Q), IPv4 or
// IPv6, TCP/UDP/ICMP header, zero payload (a DNS header for DNS), zero padding to 60
// bytes. Payload bytes are zero, so checksums only cover the headers, and they are summed
// from the field values as they are stored, never by reading back the frame (a load
// right after narrower stores to the same bytes stalls on store forwarding). All
// checksums are correct (IPv4 header, TCP, UDP, ICMP, ICMPv6).
#pragma once

#include <algorithm>
#include <cstdint>

#include "gen/detail/flow_model.hpp"

namespace weir::gen {

inline constexpr uint32_t kMinFrameBytes = 60;  // 64-byte Ethernet minimum without the FCS
inline constexpr uint32_t kClientPortBits = 15;

class Addressing {
 public:
  Addressing(uint32_t client_bits, uint64_t seed) noexcept;

  struct Client {
    uint32_t index;
    uint16_t port;
  };
  uint64_t serial_capacity() const noexcept { return uint64_t{1} << (client_bits_ + kClientPortBits); }
  Client client_of(uint64_t serial) const noexcept;
  // IPv4 addresses as host-order values.
  uint32_t client_ip4(uint32_t client) const noexcept;
  uint32_t server_ip4(uint32_t server) const noexcept;
  // Write 4 (IPv4) or 16 (IPv6) address bytes.
  void client_ip(uint32_t client, bool v6, uint8_t* out) const noexcept;
  void server_ip(uint32_t server, bool v6, uint8_t* out) const noexcept;

 private:
  uint32_t client_bits_;
  uint64_t key_;
};

struct FrameLayout {
  uint32_t l2_bytes;     // Ethernet (+ VLAN tag)
  uint32_t ip_bytes;     // IPv4 total length / IPv6 40 + payload length
  uint32_t l4_bytes;     // L4 header incl. options
  uint32_t frame_bytes;  // what the capture records (padded to 60)
};

class FrameBuilder {
 public:
  // compact_tcp: no TCP options except MSS on SYNs (line rate: fits 60-byte frames).
  FrameBuilder(const Addressing& addr, bool compact_tcp) noexcept : addr_(addr), compact_tcp_(compact_tcp) {}

  FrameLayout layout(const Flow& f, const Pkt& p) const noexcept {
    uint32_t l4 = 8;
    if (f.proto == 6) l4 = compact_tcp_ ? (p.syn_opts ? 24 : 20) : (p.syn_opts ? 40 : 32);
    const uint32_t l2 = f.vlan ? 18 : 14;
    const uint32_t ip = (f.v6() ? 40 : 20) + l4 + p.payload_bytes;
    return {l2, ip, l4, std::max(l2 + ip, kMinFrameBytes)};
  }
  // Writes layout.frame_bytes bytes to out. t_ns feeds the TCP timestamp option.
  void build(const Flow& f, const Pkt& p, const FrameLayout& l, uint64_t t_ns, uint8_t* out) const noexcept;

 private:
  const Addressing& addr_;
  bool compact_tcp_;
};

}  // namespace weir::gen
