// SPDX-License-Identifier: Apache-2.0
// PacketMeta: what the decoder extracts from a frame and what a worker needs to meter
// it. The reader thread decodes; workers never touch packet bytes, so the capture
// buffer can be released as soon as a burst is decoded.
//
// 80 bytes: 40 key + 40 metadata. A worker reads it once, sequentially.
#pragma once

#include <cstdint>

#include "engine/base/flow_key.hpp"

namespace weir {

struct PacketMeta {
  FlowKey key;              // canonical when bidirectional (see flow_key.hpp)
  uint64_t ts_ns = 0;       // effective time: max(timestamps so far) -- never goes back
  uint64_t index = 0;       // 0-based position in the input (all files, all packets)
  uint32_t hash = 0;        // xxHash of key (set by the engine, not the decoder)
  uint32_t ip_bytes = 0;    // IPv4 total length, or IPv6 40 + payload length
  uint32_t wire_bytes = 0;  // frame length on the wire
  uint32_t ingress_if = 0;  // PacketView::interface_id (pcapng interface, live ifindex)
  uint16_t vlan = 0;        // outer VLAN id (0 = untagged), whether keyed or not
  uint8_t tcp_flags = 0;    // FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 URG 0x20 ECE 0x40 CWR 0x80
  uint8_t bits = 0;         // kReversed | kIcmpReply | ...
  uint8_t ttl = 0;          // IPv4 TTL / IPv6 hop limit (outer header)
  uint8_t tos = 0;          // IPv4 ToS / IPv6 traffic class
  // TCP/UDP payload of this packet (or fragment) per the IP length: IP payload minus the
  // TCP/UDP header; saturated at 65535 (BIG TCP, jumbograms); 0 for other protocols.
  uint16_t l4_payload_bytes = 0;

  static constexpr uint8_t kReversed = 1;   // packet source is endpoint b of the key
  static constexpr uint8_t kIcmpEcho = 2;   // ICMP/ICMPv6 echo request or reply
  static constexpr uint8_t kIcmpReply = 4;  // ... and it is a reply
  static constexpr uint8_t kFragment = 8;   // non-first fragment attributed by the cache
  // An IP fragment, first or later (set even when decoding fails after the IP header):
  // its outcome depends on the fragment cache, i.e. on every fragment before it.
  static constexpr uint8_t kIpFragment = 16;
  // Source and destination address are equal and the decoder was asked to say so
  // (DecodeConfig::same_address_forward): the meter counts the packet as forward.
  static constexpr uint8_t kSameAddress = 32;

  bool reversed() const noexcept { return bits & kReversed; }
};
static_assert(sizeof(PacketMeta) == 80);

}  // namespace weir
