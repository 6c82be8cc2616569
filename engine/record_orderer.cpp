// SPDX-License-Identifier: Apache-2.0
#include "engine/record_orderer.hpp"

#include <algorithm>

namespace weir {

RecordOrderer::RecordOrderer() {
  chunk_.reserve(256);
  pool_.reserve(4096);
  heap_.reserve(4096);
}

void RecordOrderer::add(std::span<const FlowRecord> recs) {
  for (const FlowRecord& r : recs) {
    uint32_t idx;
    if (!free_.empty()) {
      idx = free_.back();
      free_.pop_back();
      pool_[idx] = r;
    } else {
      idx = static_cast<uint32_t>(pool_.size());
      pool_.push_back(r);
    }
    heap_.push_back({r.expiry_ns, r.flow_id, idx});
    std::push_heap(heap_.begin(), heap_.end(), Later{});
  }
  peak_ = std::max(peak_, heap_.size());
}

void RecordOrderer::pop_into(std::vector<FlowRecord>& chunk) {
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  const uint32_t idx = heap_.back().idx;
  heap_.pop_back();
  chunk.push_back(pool_[idx]);
  free_.push_back(idx);
}

}  // namespace weir
