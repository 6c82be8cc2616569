// SPDX-License-Identifier: Apache-2.0
// RecordOrderer: the merger's ordering core. Records arrive from the workers in any
// order; they leave in ascending (expiry_ns, flow_id) -- the documented output order --
// as soon as every worker's watermark has passed them.
//
// Why this order is deterministic: a record's expiry_ns is its deadline (or the clock
// at an eviction / counter cut, or UINT64_MAX at end of input), a pure function of the
// packets in it; flow_id is the input index of its first packet, unique per record. So
// the sequence does not depend on which worker held the flow or when it ran.
//
// Storage: records sit in a pool (reused slots, grows only when more records are in
// flight than ever before); the heap orders 24-byte handles, not 400-byte records.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/base/flow_record.hpp"

namespace weir {

class RecordOrderer {
 public:
  RecordOrderer();
  void add(std::span<const FlowRecord> recs);
  // Calls out(span) with the records whose expiry_ns < watermark_ns, in order, in chunks.
  // With watermark_ns == UINT64_MAX (all inputs finished) releases everything.
  template <typename Out>
  void release(uint64_t watermark_ns, Out&& out);
  std::size_t pending() const noexcept { return heap_.size(); }
  std::size_t peak_pending() const noexcept { return peak_; }

 private:
  struct Handle {
    uint64_t expiry_ns;
    uint64_t flow_id;
    uint32_t idx;
  };
  struct Later {  // std heaps are max-heaps: "less" = comes later
    bool operator()(const Handle& a, const Handle& b) const noexcept {
      return a.expiry_ns != b.expiry_ns ? a.expiry_ns > b.expiry_ns : a.flow_id > b.flow_id;
    }
  };
  void pop_into(std::vector<FlowRecord>& chunk);

  std::vector<FlowRecord> pool_;
  std::vector<uint32_t> free_;
  std::vector<Handle> heap_;
  std::vector<FlowRecord> chunk_;
  std::size_t peak_ = 0;
};

template <typename Out>
void RecordOrderer::release(uint64_t watermark_ns, Out&& out) {
  const bool all = watermark_ns == UINT64_MAX;
  while (!heap_.empty() && (all || heap_.front().expiry_ns < watermark_ns)) {
    pop_into(chunk_);
    if (chunk_.size() == chunk_.capacity()) {
      out(std::span<const FlowRecord>(chunk_));
      chunk_.clear();
    }
  }
  if (!chunk_.empty()) {
    out(std::span<const FlowRecord>(chunk_));
    chunk_.clear();
  }
}

}  // namespace weir
