// SPDX-License-Identifier: Apache-2.0
#include "flowtable/flow_table.hpp"

#include <emmintrin.h>

#include <algorithm>
#include <bit>
#include <cstring>

#include "flowtable/flow_hash.hpp"

namespace weir {

FlowTable::FlowTable(uint32_t capacity, uint64_t seed)
    : capacity_(capacity ? capacity : 1),
      seed_(seed),
      max_mask_([this] {
        uint32_t n = 1;
        while (n * 4 < capacity_) n <<= 1;
        return n - 1;
      }()),
      mask_(std::min(max_mask_, kInitialBuckets - 1)),
      bucket_mem_((std::size_t{mask_} + 1) * sizeof(Bucket)),
      slot_mem_(std::size_t{capacity_} * sizeof(FlowState)),
      free_mem_(std::size_t{capacity_} * sizeof(uint32_t)),
      live_mem_(capacity_),
      buckets_(static_cast<Bucket*>(bucket_mem_.data())),
      slots_(static_cast<FlowState*>(slot_mem_.data())),
      free_(static_cast<uint32_t*>(free_mem_.data())),
      free_top_(0),
      live_(static_cast<uint8_t*>(live_mem_.data())) {}

FlowTable::~FlowTable() = default;

std::size_t FlowTable::memory_bytes() const noexcept {
  return bucket_mem_.bytes() + slot_mem_.bytes() + free_mem_.bytes() + live_mem_.bytes();
}

uint32_t FlowTable::match(const Bucket& b, uint16_t t) noexcept {
  const __m128i tags = _mm_load_si128(reinterpret_cast<const __m128i*>(b.tag));
  const __m128i eq = _mm_cmpeq_epi16(tags, _mm_set1_epi16(static_cast<short>(t)));
  // Narrow the eight 16-bit lanes to bytes so movemask gives one bit per way.
  return static_cast<uint32_t>(_mm_movemask_epi8(_mm_packs_epi16(eq, _mm_setzero_si128())));
}

void FlowTable::prefetch_candidates(uint32_t hash, const void* side,
                                    uint32_t side_bytes) const noexcept {
  const Bucket& b = buckets_[hash & mask_];
  for (uint32_t m = match(b, tag_of(hash)); m; m &= m - 1) {
    // All four lines: line 0 for the key compare, the direction lines for account()
    // (which direction is unknown until line 0 is read, and waiting would serialise).
    const uint32_t s = b.slot[std::countr_zero(m)];
    const auto* line = reinterpret_cast<const char*>(&slots_[s]);
    prefetch(line);
    prefetch(line + 64);
    prefetch(line + 128);
    prefetch(line + 192);
    if (side != nullptr) {
      const char* p = static_cast<const char*>(side) + std::size_t{s} * side_bytes;
      for (uint32_t off = 0; off < side_bytes; off += 64) prefetch(p + off);
    }
  }
}

uint32_t FlowTable::find(const FlowKey& key, uint32_t hash) const noexcept {
  const uint16_t t = tag_of(hash);
  uint32_t bi = hash & mask_;
  for (;;) {
    const Bucket& b = buckets_[bi];
    for (uint32_t m = match(b, t); m; m &= m - 1) {
      const uint32_t s = b.slot[std::countr_zero(m)];
      if (slots_[s].key == key) return s;
    }
    if (b.overflow == 0) return kNoSlot;
    bi = (bi + 1) & mask_;
  }
}

void FlowTable::place(Bucket* buckets, uint32_t mask, uint32_t slot, uint32_t hash) noexcept {
  uint32_t bi = hash & mask;
  for (;;) {
    Bucket& b = buckets[bi];
    const uint32_t empty = match(b, 0);
    if (empty) {
      const int w = std::countr_zero(empty);
      b.tag[w] = tag_of(hash);
      b.slot[w] = slot;
      return;
    }
    ++b.overflow;
    bi = (bi + 1) & mask;
  }
}

bool FlowTable::grow() noexcept {
  const uint32_t new_mask = mask_ * 2 + 1;
  ZeroMapping fresh;
  if (!fresh.map((std::size_t{new_mask} + 1) * sizeof(Bucket))) return false;  // keep the smaller index
  auto* nb = static_cast<Bucket*>(fresh.data());
  for (uint32_t s = 0; s < high_water_; ++s) {
    if (live_[s]) place(nb, new_mask, s, static_cast<uint32_t>(flow_hash64(slots_[s].key, seed_)));
  }
  bucket_mem_.swap(fresh);  // the old index is unmapped when `fresh` goes
  buckets_ = nb;
  mask_ = new_mask;
  return true;
}

uint32_t FlowTable::insert(const FlowKey& key, uint32_t hash) noexcept {
  if (size_ == capacity_) return kNoSlot;
  // Keep the index at most half full (4 of 8 ways per bucket on average).
  if (size_ >= (mask_ + 1) * (kWays / 2) && mask_ < max_mask_) {
    if (!grow() && size_ >= (mask_ + 1) * kWays - 1) return kNoSlot;
  }
  // Slots not yet handed out are taken in order; freed ones are reused LIFO (warm).
  uint32_t s;
  if (free_top_ > 0) {
    s = free_[--free_top_];
  } else {
    s = size_;  // never freed any: the next untouched slot
  }
  // Invariant: while free_top_ == 0, slots [0, size_) are exactly the live ones.
  place(buckets_, mask_, s, hash);
  FlowState& f = slots_[s];
  // A slot never handed out is still the mapping's zero page: clearing it again would
  // only add a write to each of its four lines (2M of them on the linerate profile).
  if (s < high_water_) std::memset(static_cast<void*>(&f), 0, sizeof(FlowState));
  high_water_ = std::max(high_water_, s + 1);
  ++size_;
  live_[s] = 1;
  f.key = key;
  return s;
}

void FlowTable::erase(uint32_t slot, uint32_t hash) noexcept {
  const uint16_t t = tag_of(hash);
  uint32_t bi = hash & mask_;
  for (;;) {
    Bucket& b = buckets_[bi];
    for (uint32_t m = match(b, t); m; m &= m - 1) {
      const int w = std::countr_zero(m);
      if (b.slot[w] == slot) {
        b.tag[w] = 0;
        --size_;
        live_[slot] = 0;
        free_[free_top_++] = slot;
        return;
      }
    }
    // Not here: it was placed past this bucket, which counted it as overflow.
    --b.overflow;
    bi = (bi + 1) & mask_;
  }
}

uint32_t FlowTable::lru_victim(uint32_t hash) const noexcept {
  uint32_t best = kNoSlot;
  uint64_t best_last = UINT64_MAX;
  uint32_t seen = 0;
  uint32_t bi = hash & mask_;
  for (uint32_t probed = 0; probed <= mask_ && seen < 16; ++probed) {
    const Bucket& b = buckets_[bi];
    for (uint32_t w = 0; w < kWays; ++w) {
      if (b.tag[w] == 0) continue;
      const FlowState& f = slots_[b.slot[w]];
      const uint64_t last = f.first_ns + f.last_rel.get();
      if (last < best_last || best == kNoSlot) {
        best_last = last;
        best = b.slot[w];
      }
      ++seen;
    }
    bi = (bi + 1) & mask_;
  }
  return best;
}

}  // namespace weir
