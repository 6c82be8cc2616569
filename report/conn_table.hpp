// SPDX-License-Identifier: Apache-2.0
// ConnTable: `weir report`'s table of live TCP connections and UDP/ICMP flows, keyed by
// the canonical FlowKey (both directions of a conversation share one entry). One owning
// thread, no locks, no allocation after construction but the index doubling.
//
// Design: entries (key + ConnState, 72 bytes) live in a ZeroMapping sized for --max-conns;
// slots are handed out lowest first and freed slots reused last-in first-out, so resident
// memory follows the connections a run really has. A slot id is stable while the entry
// lives: the timer wheel uses it as its timer id. The index is open addressing with
// linear probing over 8-byte cells {low 32 bits of the hash, slot + 1} (0 = empty),
// kept at most half full: it starts at 4096 cells and doubles (rehashing from the cells,
// so no key is hashed twice) when it would pass half. Erase shifts the following cells
// back (no tombstones), so a probe always ends at the first empty cell.
#pragma once

#include <cstdint>
#include <memory>

#include "engine/base/flow_key.hpp"
#include "flowtable/zero_mapping.hpp"

namespace weir::report {

// What the report keeps about one connection (TCP) or flow (UDP, ICMP).
struct ConnState {
  uint64_t first_ns;  // first packet
  uint64_t last_ns;   // latest packet
  // UDP/ICMP: last interval in which the flow was counted (distinct flows per interval).
  // TCP: the interval in which the connection became half-open (distinct half-open count).
  uint64_t interval;
  uint32_t dest;        // index of its destination (DestTable), or kNoDest
  uint8_t flags;        // ConnFlags (TCP)
  uint8_t category;     // LiveCategory the destination counts it under (TCP)
  uint8_t server_is_b;  // 1: the destination (server) is endpoint b of the key
  uint8_t proto_class;  // ProtoClass
};
static_assert(sizeof(ConnState) == 32);

class ConnTable {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  explicit ConnTable(uint32_t capacity);  // throws std::bad_alloc if the mapping fails
  ConnTable(const ConnTable&) = delete;
  ConnTable& operator=(const ConnTable&) = delete;

  uint32_t capacity() const noexcept { return capacity_; }
  uint32_t size() const noexcept { return size_; }
  // Every slot ever handed out is below this (live or freed).
  uint32_t high_water() const noexcept { return high_water_; }

  // Prefetch the key's home cell; then (once that is likely in cache) its entry, when the
  // home cell holds it. A burst is processed in two passes so probes overlap their misses.
  void prefetch_cell(uint64_t hash) const noexcept { __builtin_prefetch(&cells_[hash & mask_]); }
  void prefetch_entry(uint64_t hash) const noexcept {
    const Cell& c = cells_[hash & mask_];
    if (c.slot_plus1 && c.hash32 == static_cast<uint32_t>(hash)) __builtin_prefetch(&entries_[c.slot_plus1 - 1]);
  }
  // hash: flow_hash64(key). Returns the slot or kNone.
  uint32_t find(const FlowKey& key, uint64_t hash) const noexcept;
  // key must not be present. Returns the new slot (state zeroed) or kNone when full.
  uint32_t insert(const FlowKey& key, uint64_t hash) noexcept;
  void erase(uint32_t slot) noexcept;

  ConnState& state(uint32_t slot) noexcept { return entries_[slot].state; }
  const ConnState& state(uint32_t slot) const noexcept { return entries_[slot].state; }
  const FlowKey& key(uint32_t slot) const noexcept { return entries_[slot].key; }

 private:
  struct Entry {
    FlowKey key;
    ConnState state;
    uint32_t hash32;  // low 32 bits of the key's hash: its home cell (erase, rehash)
    uint32_t spare;
  };
  static_assert(sizeof(Entry) == 80);
  struct Cell {
    uint32_t hash32;
    uint32_t slot_plus1;  // 0 = empty
  };

  static constexpr uint32_t kInitialCells = 4096;
  void grow() noexcept;  // doubles the index; keeps the old one if the kernel refuses

  uint32_t capacity_;
  uint32_t size_ = 0;
  uint32_t high_water_ = 0;  // slots [0, high_water_) were handed out at some point
  ZeroMapping entry_mem_;
  ZeroMapping free_mem_;
  Entry* entries_;
  uint32_t* free_;  // stack of freed slots
  uint32_t free_top_ = 0;
  std::unique_ptr<Cell[]> cells_;
  uint32_t mask_ = 0;
};

}  // namespace weir::report
