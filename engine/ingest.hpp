// SPDX-License-Identifier: Apache-2.0
// Ingest: the per-burst front half of metering -- BPF filter, decode, clock, flow hash --
// turning a burst of PacketViews into PacketMetas. One per reading thread: the reader of
// ordered replay, or each queue's worker in the per-queue shape.
//
// Clock: packet time never goes back. clock_ns() is the largest timestamp seen so far
// (or the wall clock a live worker advanced it to while idle); a packet older than the
// clock is metered at the clock (and counted by the source as ts_backwards).
//
// Numbering: every packet gets an input index (flow ids are the index of a record's
// first packet). By default index = first_index + stride * n for the n-th packet this
// Ingest sees, so per-queue workers number disjointly (first_index = queue, stride =
// queues); a source that knows each packet's position in a shared input hands it over
// instead (PacketSource::burst_indices).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "capture/bpf_filter.hpp"
#include "capture/decode/decoder.hpp"
#include "capture/packet_source.hpp"
#include "flowtable/flow_hash.hpp"

namespace weir {

struct IngestCounters {
  uint64_t packets = 0;     // received (read) by this ingest
  uint64_t wire_bytes = 0;
  uint64_t filtered = 0;    // rejected by the BPF expression
  std::array<uint64_t, kNumDecodeOutcomes> decode{};  // [flow] = decoded as flow packets
};

class Ingest {
 public:
  Ingest(const DecodeConfig& dcfg, std::unique_ptr<BpfFilter> filter, uint64_t hash_seed,
         uint64_t first_index = 0, uint64_t stride = 1)
      : decoder_(dcfg), filter_(std::move(filter)), seed_(hash_seed), next_index_(first_index),
        stride_(stride) {}

  // Filters and decodes views (indices: the source's, or nullptr) and calls
  // put(meta, hash64) for each packet to meter.
  template <typename Put>
  void burst(std::span<const PacketView> views, const uint64_t* indices, Put&& put) noexcept {
    for (std::size_t i = 0; i < views.size(); ++i) {
      const PacketView& v = views[i];
      const uint64_t index = indices ? indices[i] : next_index_;
      next_index_ += stride_;
      ++c_.packets;
      c_.wire_bytes += v.wire_len;
      if (v.ts_ns > clock_ns_) clock_ns_ = v.ts_ns;
      if (filter_ && !filter_->match(v)) {
        ++c_.filtered;
        continue;
      }
      PacketMeta m;
      const DecodeOutcome o = decoder_.decode(v, clock_ns_, m);
      ++c_.decode[static_cast<std::size_t>(o)];
      if (o != DecodeOutcome::flow) continue;
      m.ts_ns = clock_ns_;
      m.index = index;
      const uint64_t h = flow_hash64(m.key, seed_);
      m.hash = static_cast<uint32_t>(h);
      put(m, h);
    }
  }

  // A quiet live source: flow time follows the wall clock.
  void advance_clock(uint64_t now_ns) noexcept {
    if (now_ns > clock_ns_) clock_ns_ = now_ns;
  }
  uint64_t clock_ns() const noexcept { return clock_ns_; }
  const IngestCounters& counters() const noexcept { return c_; }
  const DecoderStats& decoder_stats() const noexcept { return decoder_.stats(); }

 private:
  Decoder decoder_;
  std::unique_ptr<BpfFilter> filter_;
  uint64_t seed_;
  uint64_t clock_ns_ = 0;
  uint64_t next_index_;
  uint64_t stride_;
  IngestCounters c_;
};

}  // namespace weir
