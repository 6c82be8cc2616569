// SPDX-License-Identifier: Apache-2.0
// Frame fields the flow key does not carry, read from a frame the Decoder has decoded as
// `flow` (its FrameLayout says where the IP payload starts): MAC addresses, TCP sequence
// numbers, window, options and payload, UDP payload. The Decoder owns link layers, tags,
// IP headers and fragments; these helpers read only the transport header and check every
// length against the captured bytes before reading.
#pragma once

#include <array>
#include <cstdint>

#include "capture/decode/decoder.hpp"
#include "engine/base/packet_view.hpp"

namespace weir::extract {

using Mac = std::array<uint8_t, 6>;

struct LinkAddrs {
  Mac src{};  // all zero when the link type has no (or no such) address
  Mac dst{};
};

// Ethernet: both MACs. Linux cooked (SLL, SLL2): the sender's 6-byte address as src.
LinkAddrs link_addresses(const PacketView& pv) noexcept;

// Why a transport header could not be read. `fragment`: the datagram is split over IP
// fragments, so this frame holds only a piece of its payload (weir does not reassemble IP).
enum class L4Status : uint8_t { ok, fragment, truncated, bad_header };

struct TcpSegment {
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint16_t window = 0;   // as sent (unscaled)
  uint8_t flags = 0;     // FIN 0x01 SYN 0x02 RST 0x04 PSH 0x08 ACK 0x10 ...
  int8_t wscale = -1;    // window-scale option's shift count (SYN segments), -1 if absent
  const uint8_t* payload = nullptr;
  uint32_t payload_cap = 0;  // payload bytes captured (at payload)
  uint32_t payload_len = 0;  // payload bytes per the IP length (>= payload_cap)
};

// The TCP header of a frame decoded as a TCP flow packet.
L4Status locate_tcp(const PacketView& pv, const FrameLayout& lay, TcpSegment& out) noexcept;

struct UdpDatagram {
  const uint8_t* payload = nullptr;
  uint32_t payload_cap = 0;  // payload bytes captured
  uint32_t payload_len = 0;  // per the UDP length (or the IP length for a jumbogram's 0)
};

L4Status locate_udp(const PacketView& pv, const FrameLayout& lay, UdpDatagram& out) noexcept;

}  // namespace weir::extract
