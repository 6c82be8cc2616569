// SPDX-License-Identifier: Apache-2.0
#include "extract/flow_index.hpp"

#include <cstring>

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace weir::extract {

namespace {
constexpr uint64_t kSeed = 0x77656972'756e6921ull;  // "weiruni!"
constexpr uint8_t kIcmp = 1, kIcmpv6 = 58;
}  // namespace

UniKey reverse(const UniKey& k) noexcept {
  UniKey r = k;
  r.flow.addr_a = k.flow.addr_b;
  r.flow.addr_b = k.flow.addr_a;
  const bool icmp = k.flow.ip_version == 6 ? k.flow.proto == kIcmpv6 : k.flow.proto == kIcmp;
  if (!icmp) {
    r.flow.port_a = k.flow.port_b;
    r.flow.port_b = k.flow.port_a;
  }
  r.src_mac = k.dst_mac;
  r.dst_mac = k.src_mac;
  return r;
}

uint64_t uni_hash(const UniKey& k) noexcept { return XXH3_64bits_withSeed(&k, sizeof k, kSeed); }

FlowIndex::FlowIndex() : slots_(1024), mask_(1023) {}

uint32_t FlowIndex::find(const UniKey& k, uint64_t hash) const noexcept {
  const uint32_t tag = static_cast<uint32_t>(hash >> 32);
  for (uint64_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.id == 0) return 0;
    if (s.tag == tag && flows_[s.id - 1].key == k) return s.id;
  }
}

uint32_t FlowIndex::find_or_add(const UniKey& k, uint64_t hash, bool& is_new) {
  const uint32_t tag = static_cast<uint32_t>(hash >> 32);
  uint64_t i = hash & mask_;
  for (;; i = (i + 1) & mask_) {
    const Slot& s = slots_[i];
    if (s.id == 0) break;
    if (s.tag == tag && flows_[s.id - 1].key == k) {
      is_new = false;
      return s.id;
    }
  }
  is_new = true;
  flows_.emplace_back();
  flows_.back().key = k;
  const uint32_t id = static_cast<uint32_t>(flows_.size());
  slots_[i] = Slot{id, tag};
  if (uint64_t{id} * 2 > slots_.size()) grow();
  return id;
}

void FlowIndex::grow() {
  std::vector<Slot> bigger(slots_.size() * 2);
  const uint64_t mask = bigger.size() - 1;
  for (const Slot& s : slots_) {
    if (s.id == 0) continue;
    uint64_t i = uni_hash(flows_[s.id - 1].key) & mask;
    while (bigger[i].id != 0) i = (i + 1) & mask;
    bigger[i] = s;
  }
  slots_.swap(bigger);
  mask_ = mask;
}

uint64_t FlowIndex::memory_bytes() const noexcept {
  return flows_.capacity() * sizeof(FlowEntry) + slots_.size() * sizeof(Slot);
}

}  // namespace weir::extract
