// SPDX-License-Identifier: Apache-2.0
#include "report/conn_table.hpp"

#include <cstring>
#include <new>

namespace weir::report {

ConnTable::ConnTable(uint32_t capacity)
    : capacity_(capacity ? capacity : 1),
      entry_mem_(std::size_t{capacity_} * sizeof(Entry)),
      free_mem_(std::size_t{capacity_} * sizeof(uint32_t)),
      entries_(static_cast<Entry*>(entry_mem_.data())),
      free_(static_cast<uint32_t*>(free_mem_.data())),
      cells_(new Cell[kInitialCells]()),
      mask_(kInitialCells - 1) {}

uint32_t ConnTable::find(const FlowKey& key, uint64_t hash) const noexcept {
  const auto h = static_cast<uint32_t>(hash);
  for (uint32_t i = h & mask_;; i = (i + 1) & mask_) {
    const Cell& c = cells_[i];
    if (c.slot_plus1 == 0) return kNone;
    if (c.hash32 == h && entries_[c.slot_plus1 - 1].key == key) return c.slot_plus1 - 1;
  }
}

uint32_t ConnTable::insert(const FlowKey& key, uint64_t hash) noexcept {
  if (size_ == capacity_) return kNone;
  if (2 * (uint64_t{size_} + 1) > uint64_t{mask_} + 1) grow();
  if (uint64_t{size_} + 1 > mask_) return kNone;  // growth refused: keep one cell empty
  uint32_t slot;
  if (free_top_) {
    slot = free_[--free_top_];
    std::memset(static_cast<void*>(&entries_[slot]), 0, sizeof(Entry));
  } else {
    slot = high_water_++;  // never handed out: still zero pages
  }
  const auto h = static_cast<uint32_t>(hash);
  Entry& e = entries_[slot];
  e.key = key;
  e.hash32 = h;
  uint32_t i = h & mask_;
  while (cells_[i].slot_plus1 != 0) i = (i + 1) & mask_;
  cells_[i] = Cell{h, slot + 1};
  ++size_;
  return slot;
}

void ConnTable::erase(uint32_t slot) noexcept {
  uint32_t i = entries_[slot].hash32 & mask_;
  while (cells_[i].slot_plus1 != slot + 1) i = (i + 1) & mask_;
  // Backward shift: move each following cell whose home is not in (i, j] into the hole.
  for (uint32_t j = (i + 1) & mask_; cells_[j].slot_plus1 != 0; j = (j + 1) & mask_) {
    const uint32_t home = cells_[j].hash32 & mask_;
    if (((j - home) & mask_) >= ((j - i) & mask_)) {
      cells_[i] = cells_[j];
      i = j;
    }
  }
  cells_[i] = Cell{0, 0};
  free_[free_top_++] = slot;
  --size_;
}

void ConnTable::grow() noexcept {
  const uint64_t cells = uint64_t{mask_} + 1;
  if (cells >= 2 * uint64_t{capacity_}) return;  // already sized for a full table
  std::unique_ptr<Cell[]> next(new (std::nothrow) Cell[cells * 2]());
  if (!next) return;
  const uint32_t mask = static_cast<uint32_t>(cells * 2 - 1);
  for (uint64_t k = 0; k < cells; ++k) {
    const Cell c = cells_[k];
    if (c.slot_plus1 == 0) continue;
    uint32_t i = c.hash32 & mask;
    while (next[i].slot_plus1 != 0) i = (i + 1) & mask;
    next[i] = c;
  }
  cells_ = std::move(next);
  mask_ = mask;
}

}  // namespace weir::report
