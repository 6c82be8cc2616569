// SPDX-License-Identifier: Apache-2.0
// BinarySink: FlowRecords in the weir binary flow format (binary_format.hpp,
// doc/binary-format.md). Merger thread only.
#include <cstring>
#include <type_traits>
#include <utility>

#define XXH_STATIC_LINKING_ONLY  // XXH64_state_t by value: no malloc per sink
#include <xxhash.h>

#include "exporters/binary_format.hpp"
#include "exporters/detail/dest_sink.hpp"
#include "exporters/detail/sinks.hpp"

namespace weir {

namespace detail {

namespace {

using namespace binfmt;

static_assert(std::is_trivially_copyable_v<FlowRecord> && std::is_standard_layout_v<FlowRecord>,
              "the codec copies fields by byte offset");

template <typename T>
void put_le(uint8_t* p, T v) noexcept {
  std::memcpy(p, &v, sizeof v);  // little-endian host (static_assert in binary_format.hpp)
}

// One memcpy per field with constant offsets and sizes: the fold expands to ~65 plain
// moves, no loop and no table lookups at run time.
template <std::size_t... I>
void encode_fields(const FlowRecord& r, uint8_t* out, std::index_sequence<I...>) noexcept {
  const auto* src = reinterpret_cast<const uint8_t*>(&r);
  (std::memcpy(out + kFields[I].file_offset, src + kFields[I].record_offset,
               field_type_bytes(kFields[I].type)),
   ...);
}

void encode_record(const FlowRecord& r, uint8_t* out) noexcept {
  std::memset(out, 0, kRecordBytes);  // padding is zero: files are deterministic
  encode_fields(r, out, std::make_index_sequence<kFields.size()>{});
}

std::array<uint8_t, kHeaderBytes> make_header(bool bidirectional) {
  std::array<uint8_t, kHeaderBytes> h{};
  uint8_t* p = h.data();
  std::memcpy(p, kMagic.data(), 8);
  put_le<uint16_t>(p + 8, kVersion);
  put_le<uint16_t>(p + 10, bidirectional ? kFlagBidirectional : 0);
  put_le<uint32_t>(p + 12, static_cast<uint32_t>(kHeaderBytes));
  put_le<uint32_t>(p + 16, kRecordBytes);
  put_le<uint32_t>(p + 20, static_cast<uint32_t>(kFields.size()));
  p += kPrefixBytes;
  for (const FieldDesc& f : kFields) {
    std::memcpy(p, f.name.data(), f.name.size());  // rest of name[32] stays NUL
    p[32] = static_cast<uint8_t>(f.type);
    put_le<uint32_t>(p + 36, f.file_offset);
    put_le<uint32_t>(p + 40, field_type_bytes(f.type));
    p += kFieldEntryBytes;
  }
  put_le<uint64_t>(p, XXH64(h.data(), kHeaderBytes - kHeaderHashBytes, 0));
  return h;
}

class BinarySink final : public DestSink {
 public:
  BinarySink(const SinkConfig& cfg, std::unique_ptr<Destination> dest)
      : DestSink(cfg.format, std::move(dest)), bidirectional_(cfg.bidirectional) {
    XXH64_reset(&hash_, 0);
  }

  Status open() {
    const auto header = make_header(bidirectional_);
    return append(header.data(), header.size());
  }

  Status write_burst(std::span<const FlowRecord> recs) override {
    if (Status s = writable(); !s) return s;
    std::size_t i = 0;
    while (i < recs.size()) {
      if (Status s = dest_->reserve(kRecordBytes); !s) return s;
      // Encode a contiguous run, then hash it in one call.
      const std::size_t n = std::min(recs.size() - i, dest_->space() / kRecordBytes);
      auto* p = reinterpret_cast<uint8_t*>(dest_->cursor());
      for (std::size_t j = 0; j < n; ++j) encode_record(recs[i + j], p + j * kRecordBytes);
      XXH64_update(&hash_, p, n * kRecordBytes);
      dest_->commit(n * kRecordBytes);
      i += n;
      n_records_ += n;
    }
    return {};
  }

  Status finish() override {
    if (finished_) return finish_dest();  // idempotent: ok, or the first error again
    finished_ = true;
    if (Status s = dest_->status(); !s) return s;
    std::array<uint8_t, kTrailerBytes> trailer;
    std::memcpy(trailer.data(), kTrailerMagic.data(), 8);
    put_le<uint64_t>(trailer.data() + 8, n_records_);
    put_le<uint64_t>(trailer.data() + 16, XXH64_digest(&hash_));
    if (Status s = append(trailer.data(), trailer.size()); !s) return s;
    return finish_dest();
  }

 private:
  XXH64_state_t hash_;
  bool bidirectional_;
};

}  // namespace

Status open_binary_sink(const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                        std::unique_ptr<FlowSink>& out) {
  auto sink = std::make_unique<BinarySink>(cfg, std::move(dest));
  if (Status s = sink->open(); !s) return s;
  out = std::move(sink);
  return {};
}

}  // namespace detail
}  // namespace weir
