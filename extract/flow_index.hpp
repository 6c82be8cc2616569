// SPDX-License-Identifier: Apache-2.0
// FlowIndex: the unidirectional flows of one input, numbered 1, 2, ... in order of first
// appearance (pcap_flow's FlowIDs), with the counters `weir flows` lists. `weir flows`
// and `weir extract` build it the same way from the same packets, so an ID means the same
// flow in both.
//
// Key: the Decoder's unidirectional FlowKey (protocol, addresses, ports, VLAN with --vlan)
// plus both MAC addresses (pcap_flow's key; --flow-5tuple leaves them out).
//
// Design: entries live in one vector indexed by FlowID - 1 (88 bytes each); an
// open-addressing table of (ID, hash tag) pairs (8 bytes a slot, load <= 1/2, linear
// probing) finds them. Both grow by doubling, so memory grows with the number of flows:
// about 100 bytes per flow, twice that for a moment while a vector is copied. There is no
// flow cap; nothing expires (a listing needs every flow to the end).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "engine/base/flow_key.hpp"

namespace weir::extract {

struct UniKey {
  FlowKey flow;                      // unidirectional: a = source
  std::array<uint8_t, 6> src_mac{};  // zero with --flow-5tuple
  std::array<uint8_t, 6> dst_mac{};
  uint32_t pad = 0;

  friend bool operator==(const UniKey& x, const UniKey& y) noexcept {
    return std::memcmp(&x, &y, sizeof(UniKey)) == 0;
  }
};
static_assert(sizeof(UniKey) == 56);

// The key of the opposite direction (addresses, ports and MACs swapped; ICMP ports,
// which name the message, are kept).
UniKey reverse(const UniKey& k) noexcept;

uint64_t uni_hash(const UniKey& k) noexcept;

// k without its MACs: the 5-tuple (and VLAN) alone. The opposite direction of a flow is
// found by this key, so a reply that came back through another router (other MACs) is
// still its reverse.
inline UniKey without_macs(UniKey k) noexcept {
  k.src_mac = {};
  k.dst_mac = {};
  return k;
}

struct UniKeyHash {
  std::size_t operator()(const UniKey& k) const noexcept { return static_cast<std::size_t>(uni_hash(k)); }
};

struct FlowEntry {
  UniKey key;
  std::array<uint8_t, 6> src_mac{};  // of the flow's first packet (shown even with --flow-5tuple)
  std::array<uint8_t, 6> dst_mac{};
  uint64_t packets = 0;     // counted packets (those passing the filter, if any)
  uint64_t wire_bytes = 0;  // frame lengths on the wire
  uint64_t first_ns = 0;    // earliest / latest packet timestamp (ns since the epoch)
  uint64_t last_ns = 0;
};

class FlowIndex {
 public:
  FlowIndex();

  // The FlowID of k (1-based), adding the flow if new (is_new set). The entry's
  // counters are the caller's to update.
  uint32_t find_or_add(const UniKey& k, uint64_t hash, bool& is_new);
  // 0 if k has no flow.
  uint32_t find(const UniKey& k, uint64_t hash) const noexcept;
  // Cache hints for a coming lookup: the slot of hash, then the entry that slot names.
  void prefetch_slot(uint64_t hash) const noexcept { __builtin_prefetch(&slots_[hash & mask_]); }
  void prefetch_entry(uint64_t hash) const noexcept {
    const uint32_t id = slots_[hash & mask_].id;
    if (id != 0) __builtin_prefetch(&flows_[id - 1]);
  }

  FlowEntry& entry(uint32_t id) noexcept { return flows_[id - 1]; }
  const FlowEntry& entry(uint32_t id) const noexcept { return flows_[id - 1]; }
  const std::vector<FlowEntry>& flows() const noexcept { return flows_; }
  uint32_t size() const noexcept { return static_cast<uint32_t>(flows_.size()); }
  // Bytes held by the index (entries and slots), for the summary.
  uint64_t memory_bytes() const noexcept;

 private:
  struct Slot {
    uint32_t id = 0;  // 0 = empty
    uint32_t tag = 0;
  };
  void grow();

  std::vector<FlowEntry> flows_;
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
};

// Counts a packet of flow e.
inline void count_packet(FlowEntry& e, uint32_t wire_len, uint64_t ts_ns) noexcept {
  if (e.packets == 0 || ts_ns < e.first_ns) e.first_ns = ts_ns;
  if (e.packets == 0 || ts_ns > e.last_ns) e.last_ns = ts_ns;
  ++e.packets;
  e.wire_bytes += wire_len;
}

}  // namespace weir::extract
