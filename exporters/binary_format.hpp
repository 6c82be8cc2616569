// SPDX-License-Identifier: Apache-2.0
// The weir binary flow file, version 1: constants and the native field table shared by
// the writer (binary sink) and the reader. The normative description, with byte
// tables and a Python reader, is doc/binary-format.md; keep the two in step.
//
//   header   magic "WEIRFLOW" | u16 version | u16 flags | u32 header_bytes |
//            u32 record_bytes | u32 n_fields | n_fields x 48-byte field entry |
//            u64 XXH64 of the header bytes before it
//   records  n x record_bytes, each field little-endian at its entry's offset,
//            padding zero
//   trailer  magic "WEIREND\0" | u64 n_records | u64 XXH64 of all record bytes
//
// The header describes every field (name, type, offset, size), so a reader maps fields
// by name: it reads files whose field order differs and skips fields it does not know.
// Every offset in the file is a multiple of 8 (48-byte entries, 8-byte checksum,
// record_bytes rounded up to 8), so an mmap'ed file gives aligned u64/f64 fields.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/base/flow_record.hpp"

namespace weir::binfmt {

// The format is little-endian and the codec copies fields with memcpy; a big-endian
// port needs byte swaps in encode/decode, nothing else.
static_assert(std::endian::native == std::endian::little,
              "binary flow format codec assumes a little-endian host");

inline constexpr std::string_view kMagic{"WEIRFLOW", 8};
inline constexpr std::string_view kTrailerMagic{"WEIREND\0", 8};
// Bumped only for changes an old reader would misread. Adding a field is not one:
// readers skip fields they do not know.
inline constexpr uint16_t kVersion = 1;
inline constexpr uint16_t kFlagBidirectional = 1u << 0;
inline constexpr uint16_t kKnownFlags = kFlagBidirectional;

inline constexpr std::size_t kPrefixBytes = 24;       // magic .. n_fields
inline constexpr std::size_t kFieldEntryBytes = 48;   // name[32] type pad[3] off size rsvd
inline constexpr std::size_t kFieldNameBytes = 32;    // NUL-padded, at least one NUL
inline constexpr std::size_t kHeaderHashBytes = 8;
inline constexpr std::size_t kTrailerBytes = 24;
// Sanity limits for a reader facing a corrupt header (not format limits we need).
inline constexpr uint32_t kMaxFields = 4096;
inline constexpr uint32_t kMaxRecordBytes = 1u << 16;

enum class FieldType : uint8_t { u8 = 1, u16 = 2, u32 = 3, u64 = 4, f64 = 5, bytes16 = 6 };

constexpr uint32_t field_type_bytes(FieldType t) noexcept {
  switch (t) {
    case FieldType::u8: return 1;
    case FieldType::u16: return 2;
    case FieldType::u32: return 4;
    case FieldType::u64: return 8;
    case FieldType::f64: return 8;
    case FieldType::bytes16: return 16;
  }
  return 0;  // unknown type
}
std::string_view field_type_name(FieldType t) noexcept;

// One field: its name and type in the file, and where its value lives in FlowRecord.
struct FieldDesc {
  std::string_view name;
  FieldType type;
  uint32_t file_offset;    // in the file record
  uint32_t record_offset;  // byte offset in FlowRecord (trivially copyable)
};

namespace detail {

inline constexpr uint32_t kDirBase = offsetof(FlowRecord, dir);

constexpr uint32_t dir_off(int d, std::size_t member) noexcept {
  return kDirBase + static_cast<uint32_t>(d * sizeof(DirStats) + member);
}
constexpr uint32_t flag_count_off(int d, int flag) noexcept {
  return dir_off(d, offsetof(DirStats, tcp_flag_count) + static_cast<std::size_t>(flag) * 8);
}

#define WEIR_BINFMT_DIR_FIELDS(P, D)                                                   \
  {P "packets", FieldType::u64, 0, dir_off(D, offsetof(DirStats, packets))},           \
  {P "ip_bytes", FieldType::u64, 0, dir_off(D, offsetof(DirStats, ip_bytes))},         \
  {P "l2_bytes", FieldType::u64, 0, dir_off(D, offsetof(DirStats, l2_bytes))},         \
  {P "first_ns", FieldType::u64, 0, dir_off(D, offsetof(DirStats, first_ns))},         \
  {P "last_ns", FieldType::u64, 0, dir_off(D, offsetof(DirStats, last_ns))},           \
  {P "iat_min_ns", FieldType::u64, 0, dir_off(D, offsetof(DirStats, iat_min_ns))},     \
  {P "iat_max_ns", FieldType::u64, 0, dir_off(D, offsetof(DirStats, iat_max_ns))},     \
  {P "ip_len_mean_bytes", FieldType::f64, 0,                                           \
   dir_off(D, offsetof(DirStats, ip_len_mean_bytes))},                                 \
  {P "ip_len_stddev_bytes", FieldType::f64, 0,                                         \
   dir_off(D, offsetof(DirStats, ip_len_stddev_bytes))},                               \
  {P "iat_mean_ns", FieldType::f64, 0, dir_off(D, offsetof(DirStats, iat_mean_ns))},   \
  {P "iat_stddev_ns", FieldType::f64, 0, dir_off(D, offsetof(DirStats, iat_stddev_ns))}, \
  {P "fin_count", FieldType::u64, 0, flag_count_off(D, 0)},                            \
  {P "syn_count", FieldType::u64, 0, flag_count_off(D, 1)},                            \
  {P "rst_count", FieldType::u64, 0, flag_count_off(D, 2)},                            \
  {P "psh_count", FieldType::u64, 0, flag_count_off(D, 3)},                            \
  {P "ack_count", FieldType::u64, 0, flag_count_off(D, 4)},                            \
  {P "urg_count", FieldType::u64, 0, flag_count_off(D, 5)},                            \
  {P "ece_count", FieldType::u64, 0, flag_count_off(D, 6)},                            \
  {P "cwr_count", FieldType::u64, 0, flag_count_off(D, 7)},                            \
  {P "ip_len_min_bytes", FieldType::u32, 0, dir_off(D, offsetof(DirStats, ip_len_min_bytes))}, \
  {P "ip_len_max_bytes", FieldType::u32, 0, dir_off(D, offsetof(DirStats, ip_len_max_bytes))}, \
  {P "tcp_flags", FieldType::u8, 0, dir_off(D, offsetof(DirStats, tcp_flags))}

// Listed widest first, so natural alignment needs little padding (77 -> 80 bytes of
// flow fields, 161 -> 168 per direction).
inline constexpr FieldDesc kFieldSpecs[] = {
    {"flow_id", FieldType::u64, 0, offsetof(FlowRecord, flow_id)},
    {"start_ns", FieldType::u64, 0, offsetof(FlowRecord, start_ns)},
    {"end_ns", FieldType::u64, 0, offsetof(FlowRecord, end_ns)},
    {"expiry_ns", FieldType::u64, 0, offsetof(FlowRecord, expiry_ns)},
    {"src_addr", FieldType::bytes16, 0, offsetof(FlowRecord, src_addr)},
    {"dst_addr", FieldType::bytes16, 0, offsetof(FlowRecord, dst_addr)},
    {"src_port", FieldType::u16, 0, offsetof(FlowRecord, src_port)},
    {"dst_port", FieldType::u16, 0, offsetof(FlowRecord, dst_port)},
    {"vlan_id", FieldType::u16, 0, offsetof(FlowRecord, vlan)},
    {"icmp_id", FieldType::u16, 0, offsetof(FlowRecord, icmp_id)},
    {"ip_version", FieldType::u8, 0, offsetof(FlowRecord, ip_version)},
    {"proto", FieldType::u8, 0, offsetof(FlowRecord, proto)},
    {"icmp_type", FieldType::u8, 0, offsetof(FlowRecord, icmp_type)},
    {"icmp_code", FieldType::u8, 0, offsetof(FlowRecord, icmp_code)},
    {"end_reason", FieldType::u8, 0, offsetof(FlowRecord, end_reason)},
    WEIR_BINFMT_DIR_FIELDS("fwd_", 0),
    WEIR_BINFMT_DIR_FIELDS("bwd_", 1),
};
#undef WEIR_BINFMT_DIR_FIELDS

inline constexpr std::size_t kNumFields = std::size(kFieldSpecs);

// Assigns file offsets in list order, each field aligned to its size (at most 8).
constexpr std::array<FieldDesc, kNumFields> layout_fields() {
  std::array<FieldDesc, kNumFields> out{};
  uint32_t off = 0;
  for (std::size_t i = 0; i < kNumFields; ++i) {
    out[i] = kFieldSpecs[i];
    const uint32_t size = field_type_bytes(out[i].type);
    const uint32_t align = size < 8 ? size : 8;
    off = (off + align - 1) / align * align;
    out[i].file_offset = off;
    off += size;
  }
  return out;
}

}  // namespace detail

// The fields this build writes, and the ones a reader requires (every one of them).
inline constexpr std::array<FieldDesc, detail::kNumFields> kFields = detail::layout_fields();
inline constexpr uint32_t kRecordBytes =
    (kFields.back().file_offset + field_type_bytes(kFields.back().type) + 7) / 8 * 8;
inline constexpr std::size_t kHeaderBytes =
    kPrefixBytes + kFields.size() * kFieldEntryBytes + kHeaderHashBytes;

static_assert(sizeof(EndReason) == 1);
static_assert(kFields.size() == 59);
static_assert(kRecordBytes == 416, "record layout changed: update doc/binary-format.md");

}  // namespace weir::binfmt
