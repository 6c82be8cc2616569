// SPDX-License-Identifier: Apache-2.0
// flow-tools files (flow-capture, flow-cat, flow-print, pyflowtools): the layout of
// stream version 3 with NetFlow v5 records, as flow-tools' lib/ftlib.h, ftio.c and
// fttlv.c define it. Shared by the writer (flowtools_sink.cpp) and the reader.
//
//   header   u8 0xCF | u8 0x10 | u8 byte order (1 little, 2 big) | u8 stream version (3)
//            | u32 header length (whole header, a multiple of 4) | TLVs | zero padding
//   TLV      u16 type | u16 length | value   (integers in the header's byte order;
//            strings NUL-terminated, the NUL counted in length)
//   records  fts3rec_v5, 64 bytes each, fields in the header's byte order; with the
//            COMPRESS flag everything after the header is one zlib (RFC 1950) stream.
//
// fts3rec_v5: u32 unix_secs, unix_nsecs, sysUpTime, exaddr, srcaddr, dstaddr, nexthop;
// u16 input, output; u32 dPkts, dOctets, First, Last; u16 srcport, dstport; u8 prot,
// tos, tcp_flags, pad, engine_type, engine_id, src_mask, dst_mask; u16 src_as, dst_as.
// It is the v5 datagram record (netflow_v5.hpp) with its PDU header fields in front
// and its bytes reordered. Addresses are numbers (a.b.c.d = a << 24 | ...).
#pragma once

#include <cstddef>
#include <cstdint>

#include "exporters/netflow_v5.hpp"

namespace weir::ftfmt {

inline constexpr uint8_t kMagic1 = 0xCF;
inline constexpr uint8_t kMagic2 = 0x10;
inline constexpr uint8_t kLittleEndian = 1;
inline constexpr uint8_t kBigEndian = 2;
inline constexpr uint8_t kStreamVersion = 3;
inline constexpr std::size_t kPrefixBytes = 8;  // magic, order, version, header length
inline constexpr uint32_t kMaxHeaderBytes = 16384;  // FT_IO_MAXHEADER
inline constexpr std::size_t kRecordBytes = 64;     // sizeof(struct fts3rec_v5)
inline constexpr uint16_t kExportVersionV5 = 5;

// TLV types (FT_TLV_*).
enum Tlv : uint16_t {
  kTlvNull = 0x0,
  kTlvVendor = 0x1,
  kTlvExportVersion = 0x2,
  kTlvAggVersion = 0x3,
  kTlvAggMethod = 0x4,
  kTlvExporterIp = 0x5,
  kTlvCapStart = 0x6,
  kTlvCapEnd = 0x7,
  kTlvHeaderFlags = 0x8,
  kTlvRotSchedule = 0x9,
  kTlvFlowCount = 0xA,
  kTlvFlowLost = 0xB,
  kTlvFlowMisordered = 0xC,
  kTlvPktCorrupt = 0xD,
  kTlvSeqReset = 0xE,
  kTlvCapHostname = 0xF,
  kTlvComments = 0x10,
};

// Header flags (FT_HEADER_FLAG_*).
inline constexpr uint32_t kFlagDone = 0x1;       // complete: counts and end time final
inline constexpr uint32_t kFlagCompress = 0x2;
inline constexpr uint32_t kFlagStreaming = 0x8;  // written to a pipe: no totals
inline constexpr uint32_t kFlagXlate = 0x10;
inline constexpr uint32_t kFlagPreloaded = 0x20;

// One fts3rec_v5 in host order.
struct Record {
  uint32_t unix_secs = 0;   // export time of the PDU the record came in
  uint32_t unix_nsecs = 0;
  uint32_t sys_uptime = 0;  // exporter's sysUpTime (ms) at export
  uint32_t exaddr = 0;      // exporter address
  uint8_t engine_type = 0;
  uint8_t engine_id = 0;
  nfv5::Record v5;
};

// Byte order helpers: `big` selects network order.
inline void put16(uint8_t* p, uint16_t v, bool big) noexcept {
  if (big) {
    p[0] = static_cast<uint8_t>(v >> 8), p[1] = static_cast<uint8_t>(v);
  } else {
    p[0] = static_cast<uint8_t>(v), p[1] = static_cast<uint8_t>(v >> 8);
  }
}
inline void put32(uint8_t* p, uint32_t v, bool big) noexcept {
  for (int i = 0; i < 4; ++i) p[big ? 3 - i : i] = static_cast<uint8_t>(v >> (8 * i));
}
inline uint16_t get16(const uint8_t* p, bool big) noexcept {
  return big ? static_cast<uint16_t>(p[0] << 8 | p[1]) : static_cast<uint16_t>(p[1] << 8 | p[0]);
}
inline uint32_t get32(const uint8_t* p, bool big) noexcept {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{p[big ? 3 - i : i]} << (8 * i);
  return v;
}

inline void encode_record(const Record& r, uint8_t* p, bool big) noexcept {
  const nfv5::Record& v = r.v5;
  put32(p + 0, r.unix_secs, big);
  put32(p + 4, r.unix_nsecs, big);
  put32(p + 8, r.sys_uptime, big);
  put32(p + 12, r.exaddr, big);
  put32(p + 16, v.srcaddr, big);
  put32(p + 20, v.dstaddr, big);
  put32(p + 24, v.nexthop, big);
  put16(p + 28, v.input, big);
  put16(p + 30, v.output, big);
  put32(p + 32, v.packets, big);
  put32(p + 36, v.octets, big);
  put32(p + 40, v.first, big);
  put32(p + 44, v.last, big);
  put16(p + 48, v.srcport, big);
  put16(p + 50, v.dstport, big);
  p[52] = v.prot;
  p[53] = v.tos;
  p[54] = v.tcp_flags;
  p[55] = 0;
  p[56] = r.engine_type;
  p[57] = r.engine_id;
  p[58] = v.src_mask;
  p[59] = v.dst_mask;
  put16(p + 60, v.src_as, big);
  put16(p + 62, v.dst_as, big);
}

inline Record decode_record(const uint8_t* p, bool big) noexcept {
  Record r;
  nfv5::Record& v = r.v5;
  r.unix_secs = get32(p + 0, big);
  r.unix_nsecs = get32(p + 4, big);
  r.sys_uptime = get32(p + 8, big);
  r.exaddr = get32(p + 12, big);
  v.srcaddr = get32(p + 16, big);
  v.dstaddr = get32(p + 20, big);
  v.nexthop = get32(p + 24, big);
  v.input = get16(p + 28, big);
  v.output = get16(p + 30, big);
  v.packets = get32(p + 32, big);
  v.octets = get32(p + 36, big);
  v.first = get32(p + 40, big);
  v.last = get32(p + 44, big);
  v.srcport = get16(p + 48, big);
  v.dstport = get16(p + 50, big);
  v.prot = p[52];
  v.tos = p[53];
  v.tcp_flags = p[54];
  r.engine_type = p[56];
  r.engine_id = p[57];
  v.src_mask = p[58];
  v.dst_mask = p[59];
  v.src_as = get16(p + 60, big);
  v.dst_as = get16(p + 62, big);
  return r;
}

// Export time in ns of a record, and its first/last packet times (sysUpTime-relative
// First/Last turned absolute as flow-tools' ftltime() and nfdump's ft2nfdump do).
constexpr uint64_t export_ns(const Record& r) noexcept {
  return uint64_t{r.unix_secs} * 1'000'000'000ull + r.unix_nsecs;
}

}  // namespace weir::ftfmt
