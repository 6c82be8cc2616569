// SPDX-License-Identifier: Apache-2.0
// TCP reassembly of one direction: in order, out of order, retransmissions, overlaps,
// sequence wraparound at 2^32 (and a stream longer than 4 GiB), a mid-stream start, a
// gap that never fills, the buffer bound, FIN and SYN taking a sequence number, a new SYN
// restarting the stream, snap-length cuts, payloads over 64 KiB; and the 32-byte header.
#include "extract/tcp_reassembler.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "extract/stream_header.hpp"

namespace weir::extract {
namespace {

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

struct Chunk {
  StreamHeader h;
  std::string data;
};

class Collect : public ChunkSink {
 public:
  void chunk(const StreamHeader& h, const uint8_t* data, uint32_t n) override {
    chunks.push_back({h, std::string(reinterpret_cast<const char*>(data), n)});
    if (n) bytes += chunks.back().data;
  }
  std::vector<Chunk> chunks;
  std::string bytes;
  std::vector<Chunk> with_data() const {
    std::vector<Chunk> r;
    for (const Chunk& c : chunks) if (!c.data.empty()) r.push_back(c);
    return r;
  }
};

// A segment whose payload is text (kept alive by the test).
struct Seg {
  Seg(uint32_t seq, std::string text, uint8_t flags = kAck | kPsh, uint64_t ts = 1) : payload(std::move(text)) {
    in.ts_ns = ts;
    in.seq = seq;
    in.ack = 77;
    in.window = 1000;
    in.flags = flags;
    in.data = reinterpret_cast<const uint8_t*>(payload.data());
    in.cap = in.len = static_cast<uint32_t>(payload.size());
  }
  std::string payload;
  TcpInput in;
};

void feed(TcpReassembler& r, Collect& out, const Seg& s) { r.add(s.in, out); }

TEST(TcpReassembly, InOrderWithSynAndFinMarkers) {
  TcpReassembler r(7, 1 << 20);
  Collect c;
  feed(r, c, Seg(100, "", kSyn));
  feed(r, c, Seg(101, "hello "));
  feed(r, c, Seg(107, "world"));
  feed(r, c, Seg(112, "", kFin | kAck));
  r.flush(c);
  EXPECT_EQ(c.bytes, "hello world");
  ASSERT_EQ(c.chunks.size(), 4u);
  EXPECT_EQ(c.chunks[0].h.flags, kSyn | kStreamFlagReset);
  EXPECT_EQ(c.chunks[0].h.length, 0);
  EXPECT_EQ(c.chunks[0].h.seq, 100u);
  EXPECT_EQ(c.chunks[1].h.seq, 101u);
  EXPECT_EQ(c.chunks[1].h.length, 6);
  EXPECT_EQ(c.chunks[1].h.stream_id, 7);
  EXPECT_EQ(c.chunks[1].h.ack, 77u);
  EXPECT_EQ(c.chunks[1].h.window, 1000u);
  EXPECT_EQ(c.chunks[1].h.flags, kAck | kPsh);
  EXPECT_EQ(c.chunks[3].h.flags, kFin | kAck);
  EXPECT_EQ(c.chunks[3].h.length, 0);
  EXPECT_TRUE(r.stats().fin_seen);
  EXPECT_EQ(r.stats().bytes_written, 11u);
  EXPECT_EQ(r.stats().gaps, 0u);
}

TEST(TcpReassembly, OutOfOrderSegmentsArePlaced) {
  TcpReassembler r(1, 1 << 20);
  Collect c;
  feed(r, c, Seg(100, "", kSyn));
  feed(r, c, Seg(105, "efgh", kAck, 2));
  feed(r, c, Seg(109, "ij", kAck, 3));
  EXPECT_EQ(c.bytes, "");
  EXPECT_EQ(r.buffered_bytes(), 6u);
  feed(r, c, Seg(101, "abcd", kAck, 4));
  EXPECT_EQ(c.bytes, "abcdefghij");
  EXPECT_EQ(r.buffered_bytes(), 0u);
  EXPECT_EQ(r.stats().out_of_order_segments, 2u);
  const auto d = c.with_data();
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].h.flags & kStreamFlagReassembled, 0);
  EXPECT_EQ(d[1].h.flags & kStreamFlagReassembled, kStreamFlagReassembled);
  EXPECT_EQ(d[1].h.ts_ns, 2u);  // each segment keeps its own capture time
  EXPECT_EQ(d[1].h.seq, 105u);
}

TEST(TcpReassembly, RetransmissionsAndOverlapsAreWrittenOnce) {
  TcpReassembler r(1, 1 << 20);
  Collect c;
  feed(r, c, Seg(100, "", kSyn));
  feed(r, c, Seg(101, "0123456789"));
  feed(r, c, Seg(101, "0123456789"));       // retransmission
  feed(r, c, Seg(106, "56789ABCDE"));       // overlaps 5 bytes
  feed(r, c, Seg(121, "KL"));               // ahead
  feed(r, c, Seg(121, "KL"));               // retransmitted while buffered
  feed(r, c, Seg(114, "DEFGHIJ"));          // overlaps 2 written bytes, fills the hole
  EXPECT_EQ(c.bytes, "0123456789ABCDEFGHIJKL");
  EXPECT_EQ(r.stats().duplicate_bytes, 10u + 5u + 2u + 2u);
  EXPECT_EQ(r.stats().gaps, 0u);
  // The bytes written first win.
  feed(r, c, Seg(101, "XXXXXXXXXXXXXXXXXXXXXXXX"));
  EXPECT_EQ(c.bytes, "0123456789ABCDEFGHIJKLXX");
}

TEST(TcpReassembly, SequenceNumbersWrapAt2To32) {
  TcpReassembler r(1, 1 << 20);
  Collect c;
  feed(r, c, Seg(0xFFFFFFF0u, "", kSyn));
  feed(r, c, Seg(0xFFFFFFF1u, "0123456789"));  // up to 0xFFFFFFFA
  feed(r, c, Seg(0x00000005u, "klmno"));       // after the wrap, ahead of a hole
  feed(r, c, Seg(0xFFFFFFFBu, "abcdefghij"));  // crosses 2^32: 0xFFFFFFFB..0x00000004
  EXPECT_EQ(c.bytes, "0123456789abcdefghijklmno");
  const auto d = c.with_data();
  EXPECT_EQ(d.back().h.seq, 5u);
  EXPECT_EQ(r.stats().out_of_order_segments, 1u);
}

TEST(TcpReassembly, StreamLongerThan4GiBKeepsGoing) {
  // 70,000 segments of 64 KiB = 4.6 GB of sequence space, starting near the wrap.
  class Count : public ChunkSink {
   public:
    void chunk(const StreamHeader& h, const uint8_t*, uint32_t n) override {
      if (!n) return;
      if (bytes && h.seq != next_seq) ++breaks;
      next_seq = h.seq + n;
      bytes += n;
    }
    uint64_t bytes = 0;
    uint32_t next_seq = 0;
    uint64_t breaks = 0;
  } c;
  static const std::vector<uint8_t> block(65535, 0x42);
  TcpReassembler r(1, 1 << 20);
  TcpInput syn;
  syn.seq = 0xFFFF0000u;
  syn.flags = kSyn;
  r.add(syn, c);
  uint32_t seq = syn.seq + 1;
  for (int i = 0; i < 70'000; ++i) {
    TcpInput in;
    in.seq = seq;
    in.flags = kAck;
    in.data = block.data();
    in.cap = in.len = 65535;
    r.add(in, c);
    seq += 65535;
  }
  EXPECT_EQ(c.bytes, 70'000ull * 65535);
  EXPECT_EQ(c.breaks, 0u);
  EXPECT_EQ(r.stats().duplicate_bytes, 0u);
}

TEST(TcpReassembly, MidStreamStartKeepsTheFirstSegment) {
  TcpReassembler r(1, 1 << 20);
  Collect c;
  feed(r, c, Seg(5000, "first "));  // no SYN captured
  feed(r, c, Seg(5006, "second"));
  EXPECT_EQ(c.bytes, "first second");
  EXPECT_FALSE(r.stats().syn_seen);
  // Data from before the first segment seen cannot be placed: counted.
  feed(r, c, Seg(4990, "0123456789"));
  EXPECT_EQ(r.stats().before_start_bytes, 10u);
  EXPECT_EQ(c.bytes, "first second");
}

TEST(TcpReassembly, RstBeforeAnyDataDoesNotStartTheStream) {
  TcpReassembler r(1, 1 << 20);
  Collect c;
  feed(r, c, Seg(123456, "", kRst));
  feed(r, c, Seg(9000, "data"));
  EXPECT_EQ(c.bytes, "data");
  EXPECT_EQ(c.chunks.size(), 2u);
}

TEST(TcpReassembly, GapThatNeverFillsIsSkippedAndCounted) {
  TcpReassembler r(1, 1 << 20);
  Collect c;
  feed(r, c, Seg(100, "", kSyn));
  feed(r, c, Seg(101, "aaaa"));
  feed(r, c, Seg(109, "cccc"));  // 105..108 never arrives
  feed(r, c, Seg(113, "dddd"));
  EXPECT_EQ(c.bytes, "aaaa");
  r.flush(c);  // end of input
  EXPECT_EQ(c.bytes, "aaaaccccdddd");
  EXPECT_EQ(r.stats().gaps, 1u);
  EXPECT_EQ(r.stats().gap_bytes, 4u);
  // The stream goes on after the gap (pcap_flow stopped for good).
  feed(r, c, Seg(117, "eeee"));
  EXPECT_EQ(c.bytes, "aaaaccccddddeeee");
  const auto d = c.with_data();
  EXPECT_EQ(d[1].h.seq, 109u);  // the seq jump shows the gap to a header parser
}

TEST(TcpReassembly, BufferBoundDeclaresTheGapEarly) {
  TcpReassembler r(1, 10);
  Collect c;
  feed(r, c, Seg(100, "", kSyn));
  feed(r, c, Seg(101, "aaaa"));
  feed(r, c, Seg(110, "cccccc"));  // hole 105..109, 6 bytes buffered
  EXPECT_EQ(c.bytes, "aaaa");
  feed(r, c, Seg(116, "dddddd"));  // 12 buffered > 10: the hole is skipped now
  EXPECT_EQ(c.bytes, "aaaaccccccdddddd");
  EXPECT_EQ(r.buffered_bytes(), 0u);
  EXPECT_EQ(r.stats().gaps, 1u);
  EXPECT_EQ(r.stats().gap_bytes, 5u);
  EXPECT_LE(r.stats().buffered_peak_bytes, 12u);
  // The late segment is now old: dropped and counted, never written out of place.
  feed(r, c, Seg(105, "bbbbb"));
  EXPECT_EQ(c.bytes, "aaaaccccccdddddd");
  EXPECT_EQ(r.stats().duplicate_bytes, 5u);
}

TEST(TcpReassembly, SynAndFinEachTakeOneSequenceNumber) {
  TcpReassembler r(1, 1 << 20);
  Collect c;
  feed(r, c, Seg(1000, "", kSyn));
  feed(r, c, Seg(1000, "X"));        // at the SYN's own number: not data
  feed(r, c, Seg(1001, "ab", kAck | kFin));
  feed(r, c, Seg(1004, "", kAck));   // the FIN is 1003: what follows it starts at 1004
  feed(r, c, Seg(1004, "late"));     // past the FIN: still placed in order
  r.flush(c);
  EXPECT_EQ(c.bytes, "ablate");
  EXPECT_EQ(r.stats().duplicate_bytes, 1u);
  EXPECT_EQ(r.stats().gaps, 0u);
  EXPECT_TRUE(r.stats().fin_seen);
}

TEST(TcpReassembly, FinAheadOfMissingDataWaitsForIt) {
  TcpReassembler r(1, 1 << 20);
  Collect c;
  feed(r, c, Seg(1000, "", kSyn));
  feed(r, c, Seg(1005, "", kFin | kAck));
  EXPECT_FALSE(r.stats().fin_seen);
  feed(r, c, Seg(1001, "abcd"));
  EXPECT_TRUE(r.stats().fin_seen);
  EXPECT_EQ(c.bytes, "abcd");
}

TEST(TcpReassembly, DataOnSynIsWritten) {  // TCP Fast Open
  TcpReassembler r(1, 1 << 20);
  Collect c;
  feed(r, c, Seg(500, "GET /", kSyn));
  feed(r, c, Seg(506, " HTTP"));
  EXPECT_EQ(c.bytes, "GET / HTTP");
  EXPECT_EQ(c.chunks[0].h.flags & kStreamFlagReset, kStreamFlagReset);
  EXPECT_EQ(c.chunks[1].h.seq, 501u);
}

TEST(TcpReassembly, NewSynRestartsAndRetransmittedSynDoesNot) {
  TcpReassembler r(1, 1 << 20);
  Collect c;
  feed(r, c, Seg(100, "", kSyn));
  feed(r, c, Seg(100, "", kSyn));   // retransmitted SYN
  feed(r, c, Seg(101, "one"));
  feed(r, c, Seg(110, "lost"));     // buffered behind a hole when the port is reused
  feed(r, c, Seg(90000, "", kSyn)); // new connection, same ports
  feed(r, c, Seg(90001, "two"));
  EXPECT_EQ(c.bytes, "onelosttwo");
  EXPECT_EQ(r.stats().restarts, 1u);
  EXPECT_EQ(r.stats().gaps, 1u);
  int resets = 0;
  for (const Chunk& ch : c.chunks) resets += (ch.h.flags & kStreamFlagReset) != 0;
  EXPECT_EQ(resets, 2);
}

TEST(TcpReassembly, SnapLengthCutIsSkippedNotWaitedFor) {
  TcpReassembler r(1, 1 << 20);
  Collect c;
  feed(r, c, Seg(100, "", kSyn));
  Seg cut(101, "abcd");
  cut.in.len = 10;  // 6 bytes not captured
  feed(r, c, cut);
  feed(r, c, Seg(111, "next"));
  EXPECT_EQ(c.bytes, "abcdnext");
  EXPECT_EQ(r.stats().truncated_bytes, 6u);
  EXPECT_EQ(r.stats().out_of_order_segments, 0u);
}

TEST(TcpReassembly, PayloadOver64KiBIsSplitForThe16BitLength) {
  TcpReassembler r(1, 1 << 20);
  Collect c;
  feed(r, c, Seg(0, "", kSyn));
  feed(r, c, Seg(1, std::string(80'000, 'z')));
  const auto d = c.with_data();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].h.length, 65535);
  EXPECT_EQ(d[1].h.length, 80'000 - 65535);
  EXPECT_EQ(d[1].h.seq, 1u + 65535u);
  EXPECT_EQ(c.bytes.size(), 80'000u);
}

TEST(StreamHeader, LayoutIsLittleEndianWithPcapFlowsChecksum) {
  StreamHeader h;
  h.ts_ns = 0x0102030405060708ull;
  h.length = 0x0A0B;
  h.stream_id = 0x0C0D;
  h.seq = 0x11223344;
  h.ack = 0x55667788;
  h.window = 0x00ABCDEF;
  h.flags = kStreamFlagReassembled | kAck | kPsh;
  uint8_t b[kStreamHeaderBytes];
  std::fill(b, b + sizeof b, 0xEE);
  encode_stream_header(h, b);
  const uint8_t want_prefix[] = {0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x0B, 0x0A, 0x0D, 0x0C,
                                 0x44, 0x33, 0x22, 0x11, 0x88, 0x77, 0x66, 0x55, 0xEF, 0xCD, 0xAB, 0x00,
                                 0x18, 0x40};
  EXPECT_EQ(std::vector<uint8_t>(b, b + 26), std::vector<uint8_t>(std::begin(want_prefix), std::end(want_prefix)));
  EXPECT_EQ(std::vector<uint8_t>(b + 28, b + 32), std::vector<uint8_t>(4, 0));
  // pcap_flow's checksum: a u16 to which each field is added in turn.
  uint16_t crc = 0;
  crc = static_cast<uint16_t>(crc + h.ts_ns);
  crc = static_cast<uint16_t>(crc + h.length);
  crc = static_cast<uint16_t>(crc + h.stream_id);
  crc = static_cast<uint16_t>(crc + h.seq);
  crc = static_cast<uint16_t>(crc + h.ack);
  crc = static_cast<uint16_t>(crc + h.window);
  crc = static_cast<uint16_t>(crc + h.flags);
  EXPECT_EQ(b[26] | b[27] << 8, crc);
  // By hand: 0x0708 + 0x0A0B + 0x0C0D + 0x3344 + 0x7788 + 0xCDEF + 0x4018 (mod 2^16).
  EXPECT_EQ(crc, static_cast<uint16_t>(0x0708 + 0x0A0B + 0x0C0D + 0x3344 + 0x7788 + 0xCDEF + 0x4018));
  StreamHeader back;
  ASSERT_TRUE(decode_stream_header(b, back));
  EXPECT_EQ(back.ts_ns, h.ts_ns);
  EXPECT_EQ(back.window, h.window);
  EXPECT_EQ(back.flags, h.flags);
  b[20] ^= 1;  // a changed field no longer sums to the checksum
  EXPECT_FALSE(decode_stream_header(b, back));
}

}  // namespace
}  // namespace weir::extract
