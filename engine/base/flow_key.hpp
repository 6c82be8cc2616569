// SPDX-License-Identifier: Apache-2.0
// FlowKey: the identity of a flow, 40 bytes, compared with memcmp and hashed with xxHash.
//
// Layout: two endpoints (address, port) plus protocol, IP version and (optionally) the
// outer VLAN id. IPv4 addresses use the first 4 bytes of the 16-byte arrays; the rest
// stays zero, so IPv4 and IPv6 keys never collide (ip_version differs anyway).
//
// For bidirectional metering the decoder stores the key in canonical order (endpoint a
// <= endpoint b, compared as bytes of address then port), so both directions of a
// conversation have the same key, hash and shard; PacketMeta::reversed() tells which
// side sent the packet. Unidirectional keys are stored as seen (a = source).
//
// Ports by protocol: TCP/UDP/SCTP: the ports. ICMP/ICMPv6 echo request/reply: both
// ports = echo identifier (so request and reply meet in one biflow). Other ICMP:
// port_a = 0, port_b = type << 8 | code (the NetFlow convention). Other protocols: 0.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>

namespace weir {

struct FlowKey {
  std::array<uint8_t, 16> addr_a{};
  std::array<uint8_t, 16> addr_b{};
  uint16_t port_a = 0;
  uint16_t port_b = 0;
  uint8_t proto = 0;
  uint8_t ip_version = 0;  // 4 or 6
  uint16_t vlan = 0;       // outer VLAN id when --vlan-key, else 0

  friend bool operator==(const FlowKey& x, const FlowKey& y) noexcept {
    return std::memcmp(&x, &y, sizeof(FlowKey)) == 0;
  }
};
static_assert(sizeof(FlowKey) == 40, "FlowKey must stay 40 bytes (hot line of the flow slot)");

}  // namespace weir
