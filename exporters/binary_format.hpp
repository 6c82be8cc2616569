// SPDX-License-Identifier: Apache-2.0
// The weir binary flow file, version 1: constants and the native field table shared by
// the writer (binary sink) and the reader, generated from the field registry
// (field_registry.hpp: rows with Bin::req or Bin::opt). The normative description, with
// byte tables and a Python reader, is doc/binary-format.md; its field tables are
// generated (binfmt::fields_markdown(), checked by a test).
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

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/base/flow_record.hpp"
#include "exporters/field_registry.hpp"

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

using FieldType = fields::Type;
constexpr uint32_t field_type_bytes(FieldType t) noexcept { return fields::type_bytes(t); }
inline std::string_view field_type_name(FieldType t) noexcept { return fields::type_name(t); }

// One field: its name and type in the file, and where its value lives in FlowRecord.
struct FieldDesc {
  std::string_view name;
  FieldType type;
  uint32_t file_offset;    // in the file record
  uint32_t record_offset;  // byte offset in FlowRecord (trivially copyable)
  bool required;           // a reader rejects files without it (format version 1's fields)
};

namespace detail {

// The registry's binary fields: flow fields, then fwd_, then bwd_ direction fields.
constexpr bool in_file(const fields::Field& f) noexcept { return f.bin != fields::Bin::no; }

constexpr std::size_t count_fields() {
  std::size_t n = 0;
  for (const fields::Field& f : fields::kFields)
    if (in_file(f)) n += f.scope == fields::Scope::dir ? 2 : 1;
  return n;
}
inline constexpr std::size_t kNumFields = count_fields();

constexpr std::size_t count_name_chars() {
  std::size_t n = 0;
  for (const fields::Field& f : fields::kFields)
    if (in_file(f)) n += f.scope == fields::Scope::dir ? 2 * (4 + f.name.size()) : f.name.size();
  return n;
}

// Every field name ("fwd_packets" included) in one static character array.
constexpr std::array<char, count_name_chars()> make_name_chars() {
  std::array<char, count_name_chars()> a{};
  std::size_t i = 0;
  for (int group = -1; group < 2; ++group) {
    for (const fields::Field& f : fields::kFields) {
      if (!in_file(f) || (f.scope == fields::Scope::dir) != (group >= 0)) continue;
      if (group >= 0)
        for (char c : fields::kDirPrefix[static_cast<std::size_t>(group)]) a[i++] = c;
      for (char c : f.name) a[i++] = c;
    }
  }
  return a;
}
inline constexpr auto kNameChars = make_name_chars();

// Group by group (flow, fwd, bwd), in registry order sorted by alignment inside a
// group (8-byte fields first: little padding), each field aligned to its size (at
// most 8).
constexpr std::array<FieldDesc, kNumFields> layout_fields() {
  std::array<FieldDesc, kNumFields> out{};
  std::size_t n = 0;
  std::size_t name_at = 0;
  uint32_t off = 0;
  for (int group = -1; group < 2; ++group) {
    const std::size_t group_begin = n;
    for (const fields::Field& f : fields::kFields) {
      if (!in_file(f) || (f.scope == fields::Scope::dir) != (group >= 0)) continue;
      const std::size_t len = f.name.size() + (group >= 0 ? 4 : 0);
      uint32_t rec_off = f.offset;
      if (group >= 0)
        rec_off += static_cast<uint32_t>(offsetof(FlowRecord, dir) +
                                         static_cast<std::size_t>(group) * sizeof(DirStats));
      out[n++] = {std::string_view(kNameChars.data() + name_at, len), f.type, 0, rec_off,
                  f.bin == fields::Bin::req};
      name_at += len;
    }
    // Stable insertion sort of the group by alignment, largest first.
    auto align = [](FieldType t) { return std::min<uint32_t>(field_type_bytes(t), 8); };
    for (std::size_t i = group_begin + 1; i < n; ++i) {
      const FieldDesc x = out[i];
      std::size_t j = i;
      while (j > group_begin && align(out[j - 1].type) < align(x.type)) {
        out[j] = out[j - 1];
        --j;
      }
      out[j] = x;
    }
    for (std::size_t i = group_begin; i < n; ++i) {
      const uint32_t size = field_type_bytes(out[i].type);
      const uint32_t align = size < 8 ? size : 8;
      off = (off + align - 1) / align * align;
      out[i].file_offset = off;
      off += size;
    }
    off = (off + 7) / 8 * 8;  // each group starts 8-aligned
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

// The field table as Markdown (doc/binary-format.md embeds it; a test keeps it in step).
std::string fields_markdown();

}  // namespace weir::binfmt
