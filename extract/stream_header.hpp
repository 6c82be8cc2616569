// SPDX-License-Identifier: Apache-2.0
// The 32-byte record header pcap_flow writes before each segment of a TCP (--tcpheader)
// or UDP (--udpheader) stream file, so a stream parses like a packet stream. Every field
// is little-endian:
//
//   offset size field
//        0    8 ts_ns      capture time of the segment, ns since the epoch (UTC)
//        8    2 length     payload bytes that follow this header (0: a segment without
//                          payload, e.g. a pure ACK, FIN or the SYN marker)
//       10    2 stream_id  the flow's FlowID, low 16 bits
//       12    4 seq        TCP sequence number of the first payload byte (UDP: 0)
//       16    4 ack        TCP acknowledgment number (UDP: 0)
//       20    4 window     TCP window in bytes, scaled by the window-scale option (UDP: 0)
//       24    2 flags      low byte: the segment's TCP flags; 0x4000: reassembled (the
//                          bytes arrived out of order or were trimmed of an overlap);
//                          0x8000: SYN -- a new stream starts (reset marker)
//       26    2 checksum   sum of the fields above modulo 2^16 (ts_ns + length + stream_id
//                          + seq + ack + window + flags, each added whole, as pcap_flow's
//                          u16 accumulator does)
//       28    4 padding    zero
#pragma once

#include <cstddef>
#include <cstdint>

namespace weir::extract {

inline constexpr std::size_t kStreamHeaderBytes = 32;
inline constexpr uint16_t kStreamFlagReassembled = 0x4000;
inline constexpr uint16_t kStreamFlagReset = 0x8000;
inline constexpr uint32_t kStreamMaxLength = 0xFFFF;  // larger segments are split

struct StreamHeader {
  uint64_t ts_ns = 0;
  uint16_t length = 0;
  uint16_t stream_id = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint32_t window = 0;
  uint16_t flags = 0;
};

inline uint16_t stream_header_checksum(const StreamHeader& h) noexcept {
  const uint64_t sum = h.ts_ns + h.length + h.stream_id + h.seq + h.ack + h.window + h.flags;
  return static_cast<uint16_t>(sum);
}

// Writes the 32 bytes of h (checksum computed, padding zero) to out.
inline void encode_stream_header(const StreamHeader& h, uint8_t* out) noexcept {
  auto put = [&out](std::size_t at, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) out[at + i] = static_cast<uint8_t>(v >> (8 * i));
  };
  put(0, h.ts_ns, 8);
  put(8, h.length, 2);
  put(10, h.stream_id, 2);
  put(12, h.seq, 4);
  put(16, h.ack, 4);
  put(20, h.window, 4);
  put(24, h.flags, 2);
  put(26, stream_header_checksum(h), 2);
  put(28, 0, 4);
}

// Reads a header; false if the checksum or the padding is wrong.
inline bool decode_stream_header(const uint8_t* in, StreamHeader& h) noexcept {
  auto get = [&in](std::size_t at, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= uint64_t{in[at + i]} << (8 * i);
    return v;
  };
  h.ts_ns = get(0, 8);
  h.length = static_cast<uint16_t>(get(8, 2));
  h.stream_id = static_cast<uint16_t>(get(10, 2));
  h.seq = static_cast<uint32_t>(get(12, 4));
  h.ack = static_cast<uint32_t>(get(16, 4));
  h.window = static_cast<uint32_t>(get(20, 4));
  h.flags = static_cast<uint16_t>(get(24, 2));
  return get(26, 2) == stream_header_checksum(h) && get(28, 4) == 0;
}

}  // namespace weir::extract
