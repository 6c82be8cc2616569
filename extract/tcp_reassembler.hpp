// SPDX-License-Identifier: Apache-2.0
// TcpReassembler: one direction of a TCP connection, put back in sequence order and
// handed out as chunks (a 32-byte StreamHeader plus the payload bytes it describes).
//
// Sequence space: positions are 64-bit offsets from the first payload byte (after the
// SYN, or from the first segment seen when the capture starts mid-stream -- that segment
// is kept), so the 32-bit sequence number may wrap any number of times; a segment is
// placed relative to the next expected byte (within +-2^31, RFC 1982 arithmetic). SYN
// and FIN each take one sequence number.
//
// Rules:
//  - Bytes already written (retransmissions, overlaps, keep-alives) are dropped and
//    counted: the bytes written first win.
//  - A segment ahead of the next expected byte is buffered (copied) until the hole
//    before it fills. Buffered bytes are bounded (max_buffered_bytes): past the bound the
//    first hole is declared a gap -- skipped and counted -- and writing goes on after it.
//    At the end of input every remaining hole is declared the same way, so the rest of
//    the stream is always written (pcap_flow stopped at the first gap, for good).
//  - Payload the snap length cut off is skipped and counted (truncated_bytes).
//  - A SYN with a new initial sequence number (a new connection on the same ports)
//    writes out what is buffered, then restarts the stream with a reset marker.
//  - A segment without payload (pure ACK, FIN, RST) gives a header of length 0 when it
//    arrives; the SYN gives the reset marker (flags | 0x8000) instead.
//  - Payloads over 65535 bytes (GSO/TSO captures) are split into several chunks.
//
// The in-order path copies nothing and allocates nothing; buffered segments are copied.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "extract/stream_header.hpp"

namespace weir::extract {

// Receives a stream's chunks in order. n payload bytes follow the header (n may be 0).
class ChunkSink {
 public:
  virtual ~ChunkSink() = default;
  virtual void chunk(const StreamHeader& h, const uint8_t* data, uint32_t n) = 0;
};

struct TcpInput {
  uint64_t ts_ns = 0;
  uint32_t seq = 0;
  uint32_t ack = 0;
  uint32_t window = 0;       // already scaled (bytes)
  uint8_t flags = 0;
  const uint8_t* data = nullptr;
  uint32_t cap = 0;          // payload bytes captured at data
  uint32_t len = 0;          // payload bytes of the segment (>= cap)
};

struct TcpStreamStats {
  uint64_t segments = 0;
  uint64_t bytes_written = 0;         // payload bytes handed out, in order
  uint64_t duplicate_bytes = 0;       // bytes at positions already written or skipped
  uint64_t out_of_order_segments = 0; // segments buffered ahead of a hole
  uint64_t gaps = 0;                  // holes that never filled, skipped
  uint64_t gap_bytes = 0;             // sequence space skipped for them
  uint64_t truncated_bytes = 0;       // payload bytes not captured (snap length), skipped
  uint64_t before_start_bytes = 0;    // mid-stream start: bytes before the first segment seen
  uint64_t restarts = 0;              // SYNs with a new initial sequence number after the first
  uint64_t buffered_peak_bytes = 0;
  bool syn_seen = false;
  bool fin_seen = false;              // the FIN's sequence number was reached
};

class TcpReassembler {
 public:
  TcpReassembler(uint16_t stream_id, uint64_t max_buffered_bytes)
      : stream_id_(stream_id), max_buffered_(max_buffered_bytes) {}

  void add(const TcpInput& s, ChunkSink& out);
  // Declares every remaining hole a gap and writes everything buffered (end of input,
  // or memory pressure across streams).
  void flush(ChunkSink& out);

  uint64_t buffered_bytes() const noexcept { return buffered_; }
  const TcpStreamStats& stats() const noexcept { return st_; }

 private:
  struct Pending {
    std::vector<uint8_t> data;  // captured bytes
    uint32_t len = 0;           // payload length (>= data.size())
    bool fin = false;
    uint64_t ts_ns = 0;
    uint32_t ack = 0;
    uint32_t window = 0;
    uint8_t flags = 0;
  };

  uint32_t seq_at(int64_t pos) const noexcept { return base_seq_ + static_cast<uint32_t>(pos); }
  int64_t pos_of(uint32_t seq) const noexcept {
    return next_ + static_cast<int32_t>(seq - seq_at(next_));
  }
  // Writes what of [pos, pos + len) lies at or after next_ (cap bytes captured).
  void place(int64_t pos, const uint8_t* data, uint32_t cap, uint32_t len, bool fin,
             const TcpInput& meta, bool reassembled, ChunkSink& out);
  void drain(ChunkSink& out);
  void skip_first_hole(ChunkSink& out);
  void marker(const TcpInput& s, uint16_t extra_flags, ChunkSink& out);

  uint16_t stream_id_;
  uint64_t max_buffered_;
  bool started_ = false;
  uint32_t isn_ = 0;          // initial sequence number (valid once syn_seen)
  uint32_t base_seq_ = 0;     // sequence number at position 0
  int64_t next_ = 0;          // next expected position
  uint64_t buffered_ = 0;
  std::multimap<int64_t, Pending> pending_;
  TcpStreamStats st_;
};

}  // namespace weir::extract
