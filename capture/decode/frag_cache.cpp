// SPDX-License-Identifier: Apache-2.0
// FragCache: see detail/frag_cache.hpp for the design.
#include "capture/decode/detail/frag_cache.hpp"

#include <bit>
#include <cstring>

namespace weir::detail {

namespace {

uint64_t load64(const uint8_t* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Multiply-xorshift mix of the key. Not seeded: the set only spreads datagrams; a peer
// that forces collisions into one set can at worst evict its own entries (counted).
uint64_t hash_key(const FragKey& k) noexcept {
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  uint64_t h = (uint64_t{k.id} << 16 | uint64_t{k.proto} << 8 | k.ip_version) * kMul;
  const uint64_t words[4] = {load64(k.src.data()), load64(k.src.data() + 8),
                             load64(k.dst.data()), load64(k.dst.data() + 8)};
  for (uint64_t w : words) {
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  return h ^ (h >> 32);
}

}  // namespace

FragCache::FragCache(uint32_t entries, uint64_t timeout_ns) : timeout_ns_(timeout_ns) {
  const uint32_t n = std::bit_ceil(entries < kWays ? kWays : entries);
  set_mask_ = n / kWays - 1;
  entries_ = std::make_unique<Entry[]>(n);  // value-initialised: every way empty
}

FragCache::~FragCache() = default;

FragCache::Entry* FragCache::set_for(const FragKey& key) noexcept {
  return &entries_[(hash_key(key) & set_mask_) * kWays];
}

bool FragCache::live(const Entry& e, uint64_t now_ns) const noexcept {
  // now_ns never goes back (the engine clamps it), but a caller-supplied clock could:
  // an entry from the "future" counts as fresh rather than wrapping to expired.
  return e.ip_version != 0 && (now_ns < e.stored_ns || now_ns - e.stored_ns <= timeout_ns_);
}

bool FragCache::matches(const Entry& e, const FragKey& key) noexcept {
  return e.ip_version == key.ip_version && e.id == key.id && e.proto == key.proto &&
         e.src == key.src && e.dst == key.dst;
}

bool FragCache::insert(const FragKey& key, const FragValue& value, uint64_t now_ns) noexcept {
  Entry* set = set_for(key);
  Entry* victim = nullptr;
  int victim_rank = -1;  // 3 same key, 2 empty/expired, 1 done, 0 oldest live
  for (uint32_t w = 0; w < kWays; ++w) {
    Entry& e = set[w];
    int rank;
    if (matches(e, key)) rank = 3;
    else if (!live(e, now_ns)) rank = 2;
    else if (e.done) rank = 1;
    else rank = 0;
    const bool older = rank == victim_rank && rank == 0 && e.stored_ns < victim->stored_ns;
    if (rank > victim_rank || older) {
      victim = &e;
      victim_rank = rank;
    }
    if (rank == 3) break;
  }
  victim->src = key.src;
  victim->dst = key.dst;
  victim->stored_ns = now_ns;
  victim->id = key.id;
  victim->proto = key.proto;
  victim->ip_version = key.ip_version;
  victim->done = 0;
  victim->value = value;
  return victim_rank == 0;
}

void FragCache::erase(const FragKey& key) noexcept {
  Entry* set = set_for(key);
  for (uint32_t w = 0; w < kWays; ++w)
    if (matches(set[w], key)) set[w].ip_version = 0;
}

bool FragCache::lookup(const FragKey& key, uint64_t now_ns, bool last, FragValue& out) noexcept {
  Entry* set = set_for(key);
  for (uint32_t w = 0; w < kWays; ++w) {
    Entry& e = set[w];
    if (matches(e, key) && live(e, now_ns)) {
      out = e.value;
      if (last) e.done = 1;
      return true;
    }
  }
  return false;
}

}  // namespace weir::detail
