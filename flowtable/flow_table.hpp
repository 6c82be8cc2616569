// SPDX-License-Identifier: Apache-2.0
// FlowTable: one worker's flow storage and index. One owning thread, no locks.
//
// Design: slots_ is a preallocated array of `capacity` FlowState (256 B each) with a
// free list of slot indices, so a record can be addressed by a stable uint32 (the timer
// wheel links by it). The index is open addressing over 64-byte buckets of 8 ways:
// 8 16-bit tags (0 = empty) and 8 slot indices, plus an overflow count. A key lives in
// its home bucket (hash & mask) or, when that is full, in the next bucket with room
// (linear probing by bucket); every bucket passed on the way counts one more overflow,
// so a lookup stops at the first bucket whose overflow is zero, and erase needs no
// tombstones (it walks the same path and decrements). The bucket count is a power of
// two that starts at 16,384 and doubles (a rehash from the slots, a few ms at 100k+ flows,
// log2 times per run) whenever the index would pass half full, up to >= capacity / 4.
// So the index stays at most ~50% full, probes rarely leave the home bucket (one line
// of tags, then the candidate slot), and a run with 200k flows has a 4 MiB index that
// mostly stays in cache instead of one sized for --max-flows.
//
// Full table: insert() returns kNoSlot; the caller evicts lru_victim(), the least
// recently seen flow among the ones stored from the new key's home bucket on (up to 16
// candidates) -- an exact global LRU would cost a list update on every packet.
#pragma once

#include <cstdint>

#include "engine/base/common.hpp"
#include "flowtable/flow_hash.hpp"
#include "flowtable/flow_state.hpp"
#include "flowtable/zero_mapping.hpp"

namespace weir {

class FlowTable {
 public:
  static constexpr uint32_t kNoSlot = UINT32_MAX;
  static constexpr uint32_t kWays = 8;

  // seed: the flow hash seed of the run (flow_hash.hpp); the index rehashes with it.
  explicit FlowTable(uint32_t capacity, uint64_t seed = kFlowHashSeed);
  ~FlowTable();
  FlowTable(const FlowTable&) = delete;
  FlowTable& operator=(const FlowTable&) = delete;

  uint32_t capacity() const noexcept { return capacity_; }
  uint32_t size() const noexcept { return size_; }
  uint32_t index_buckets() const noexcept { return mask_ + 1; }

  void prefetch_bucket(uint32_t hash) const noexcept { prefetch(&buckets_[hash & mask_]); }
  // Prefetches all four lines of the slots whose tag matches (the likely hit).
  // side (may be null): a per-slot side array of `side_bytes` per slot (FlowMeter's
  // MomentSums); each candidate's entry is prefetched too, one line per 64 bytes.
  void prefetch_candidates(uint32_t hash, const void* side = nullptr,
                           uint32_t side_bytes = 0) const noexcept;

  uint32_t find(const FlowKey& key, uint32_t hash) const noexcept;
  // Key must not be present. Returns the new slot (state zeroed except key) or kNoSlot.
  uint32_t insert(const FlowKey& key, uint32_t hash) noexcept;
  // Removes slot from the index and frees it. hash must be the key's hash.
  void erase(uint32_t slot, uint32_t hash) noexcept;
  // Least recently seen flow near hash's home bucket; table must not be empty.
  uint32_t lru_victim(uint32_t hash) const noexcept;

  FlowState& state(uint32_t slot) noexcept { return slots_[slot]; }
  const FlowState& state(uint32_t slot) const noexcept { return slots_[slot]; }
  bool live(uint32_t slot) const noexcept { return live_[slot] != 0; }

  // Memory the table holds, for the "bytes per flow" figure.
  std::size_t memory_bytes() const noexcept;

 private:
  struct alignas(64) Bucket {
    uint16_t tag[kWays];
    uint32_t slot[kWays];
    uint16_t overflow;
    uint16_t pad[7];
  };
  static_assert(sizeof(Bucket) == 64);

  static uint16_t tag_of(uint32_t hash) noexcept {
    const auto t = static_cast<uint16_t>(hash >> 16);
    return t ? t : 1;
  }
  // Bit i set <=> way i of b has tag t.
  static uint32_t match(const Bucket& b, uint16_t t) noexcept;

  // Buckets of a new table; the index doubles (rehash) whenever it would pass half full,
  // up to max_mask_ + 1 buckets, so a run with few flows keeps a small, cache-resident index.
  static constexpr uint32_t kInitialBuckets = 16384;  // 1 MiB
  // Puts slot into the index `buckets` (mask) at hash's home bucket or the next with room.
  static void place(Bucket* buckets, uint32_t mask, uint32_t slot, uint32_t hash) noexcept;
  bool grow() noexcept;

  uint32_t capacity_;
  uint64_t seed_;
  uint32_t size_ = 0;
  uint32_t high_water_ = 0;  // slots [0, high_water_) have been handed out at some point
  uint32_t max_mask_;
  uint32_t mask_;
  // Zero pages until touched: slots are handed out from 0 up, so a table sized for
  // millions of flows costs resident memory only for the slots in use.
  ZeroMapping bucket_mem_;
  ZeroMapping slot_mem_;
  ZeroMapping free_mem_;
  ZeroMapping live_mem_;
  Bucket* buckets_;
  FlowState* slots_;
  uint32_t* free_;     // stack of free slot indices; free_top_ entries
  uint32_t free_top_;
  uint8_t* live_;      // per slot
};

}  // namespace weir
