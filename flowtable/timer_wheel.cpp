// SPDX-License-Identifier: Apache-2.0
#include "flowtable/timer_wheel.hpp"

#include <algorithm>
#include <bit>
#include <cassert>

namespace weir {
namespace {

constexpr uint32_t kSlotBits = 6;  // log2(kSlotsPerLevel)
constexpr uint64_t kSlotMask = TimerWheel::kSlotsPerLevel - 1;
constexpr uint32_t kWheelBits = kSlotBits * TimerWheel::kLevels;  // 36: one epoch
static_assert(TimerWheel::kSlotsPerLevel == uint32_t{1} << kSlotBits);

// Ticks below level `level`'s digit: a level-L slot starts at a multiple of 2^(6L).
constexpr uint64_t low_mask(uint32_t level) noexcept {
  return (uint64_t{1} << (kSlotBits * level)) - 1;
}

}  // namespace

TimerWheel::TimerWheel(uint32_t capacity, uint64_t start_tick)
    : mem_((std::size_t{kFirstTimer} + capacity) * sizeof(Node)),
      nodes_(static_cast<Node*>(mem_.data())),
      capacity_(capacity),
      now_(start_tick),
      cursor_(start_tick) {
  assert(capacity <= UINT32_MAX - kFirstTimer);
  // Timers need no initialisation: zero bytes are an unarmed node.
  for (uint32_t l = 0; l < kLists; ++l) {
    const uint32_t s = sentinel(l);
    nodes_[s] = {0, s, s};
  }
}

bool TimerWheel::list_empty(uint32_t list) const noexcept {
  const uint32_t s = sentinel(list);
  return nodes_[s].next == s;
}

uint32_t TimerWheel::list_of(uint64_t deadline) const noexcept {
  if (deadline <= cursor_) return kReady;
  const auto top_bit = static_cast<uint32_t>(std::bit_width(deadline ^ cursor_)) - 1;
  const uint32_t level = top_bit / kSlotBits;
  if (level >= kLevels) return kOverflow;
  return level * kSlotsPerLevel +
         static_cast<uint32_t>((deadline >> (kSlotBits * level)) & kSlotMask);
}

void TimerWheel::link(uint32_t node, uint32_t list) noexcept {
  const uint32_t s = sentinel(list);
  Node& head = nodes_[s];
  Node& n = nodes_[node];
  const uint32_t tail = head.prev;
  n.next = s;
  n.prev = tail;
  nodes_[tail].next = node;
  head.prev = node;
  if (list < kWheelLists) {
    nonempty_[list / kSlotsPerLevel] |= uint64_t{1} << (list % kSlotsPerLevel);
  } else if (list == kReady) {
    ready_min_ = tail == s ? n.deadline : std::min(ready_min_, n.deadline);
  } else {
    overflow_min_ = tail == s ? n.deadline : std::min(overflow_min_, n.deadline);
  }
}

void TimerWheel::unlink(uint32_t node) noexcept {
  Node& n = nodes_[node];
  nodes_[n.prev].next = n.next;
  nodes_[n.next].prev = n.prev;
  // Only a list's last timer has the same neighbour on both sides: the sentinel.
  if (n.prev == n.next) {
    const uint32_t list = n.prev - sentinel(0);
    if (list < kWheelLists) {
      nonempty_[list / kSlotsPerLevel] &= ~(uint64_t{1} << (list % kSlotsPerLevel));
    }
  }
  n.next = kUnarmed;
}

void TimerWheel::arm(uint32_t id, uint64_t deadline_tick) noexcept {
  assert(id < capacity_);
  const uint32_t node = node_of(id);
  Node& n = nodes_[node];
  const uint32_t list = list_of(deadline_tick);
  if (n.next != kUnarmed) {
    // Same slot (a flow re-armed a little later): it stays where it is.
    if (list < kWheelLists && list == list_of(n.deadline)) {
      n.deadline = deadline_tick;
      return;
    }
    unlink(node);
  } else {
    ++armed_count_;
  }
  n.deadline = deadline_tick;
  link(node, list);
}

void TimerWheel::disarm(uint32_t id) noexcept {
  assert(id < capacity_);
  const uint32_t node = node_of(id);
  if (nodes_[node].next == kUnarmed) return;
  unlink(node);
  --armed_count_;
}

bool TimerWheel::armed(uint32_t id) const noexcept {
  assert(id < capacity_);
  return nodes_[node_of(id)].next != kUnarmed;
}

bool TimerWheel::next_event(uint64_t& tick, uint32_t& level) const noexcept {
  // Every slot of level L starts at or after the next 64^L boundary and every slot of
  // level L-1 before it, so the first non-empty level has the earliest slot.
  for (uint32_t l = 0; l < kLevels; ++l) {
    if (const uint64_t bits = nonempty_[l]) {
      const auto slot = static_cast<uint64_t>(std::countr_zero(bits));
      tick = (cursor_ & ~low_mask(l + 1)) | (slot << (kSlotBits * l));
      level = l;
      return true;
    }
  }
  if (list_empty(kOverflow)) return false;
  // Overflow is non-empty only when a later epoch exists, so this cannot wrap. Skip
  // straight to the epoch of the smallest overflow deadline (overflow_min_ is a lower
  // bound, so this never passes one).
  const uint64_t next_epoch = ((cursor_ >> kWheelBits) + 1) << kWheelBits;
  tick = std::max(next_epoch, overflow_min_ & ~low_mask(kLevels));
  level = kLevels;
  return true;
}

void TimerWheel::expire_slot(uint64_t tick, uint32_t level) noexcept {
  cursor_ = tick;
  const uint32_t list =
      level < kLevels
          ? level * kSlotsPerLevel + static_cast<uint32_t>((tick >> (kSlotBits * level)) & kSlotMask)
          : kOverflow;
  const uint32_t s = sentinel(list);
  Node& head = nodes_[s];
  const uint32_t first = head.next;
  const uint32_t last = head.prev;
  head.next = head.prev = s;
  if (level < kLevels) nonempty_[level] &= ~(uint64_t{1} << (list % kSlotsPerLevel));

  if (level == 0) {
    // Every timer in an L0 slot has deadline == tick: splice the whole list as due.
    const uint32_t r = sentinel(kReady);
    Node& ready = nodes_[r];
    if (ready.next == r) ready_min_ = tick;  // else ready_min_ <= old cursor < tick
    nodes_[ready.prev].next = first;
    nodes_[first].prev = ready.prev;
    nodes_[last].next = r;
    ready.prev = last;
    return;
  }
  // Re-file against the new cursor: finer levels, ready (deadline == tick), or back to
  // overflow. The chain still ends at s, and each next is read before its node moves.
  for (uint32_t i = first; i != s;) {
    const uint32_t next = nodes_[i].next;
    link(i, list_of(nodes_[i].deadline));
    i = next;
  }
}

std::size_t TimerWheel::drain_ready(std::span<uint32_t> out) noexcept {
  const uint32_t r = sentinel(kReady);
  uint32_t i = nodes_[r].next;
  std::size_t n = 0;
  while (n < out.size() && i != r) {
    out[n++] = i - kFirstTimer;
    const uint32_t next = nodes_[i].next;
    nodes_[i].next = kUnarmed;
    i = next;
  }
  nodes_[r].next = i;
  nodes_[i].prev = r;
  armed_count_ -= n;
  return n;
}

std::size_t TimerWheel::advance(uint64_t now_tick, std::span<uint32_t> due) noexcept {
  now_ = std::max(now_, now_tick);
  std::size_t n = 0;
  for (;;) {
    n += drain_ready(due.subspan(n));
    if (n == due.size()) return n;  // full: cursor_ stays put, the next call resumes
    uint64_t tick;
    uint32_t level;
    if (!next_event(tick, level) || tick > now_) {
      // Nothing filed before now_: the jump keeps every invariant (see the header).
      cursor_ = now_;
      return n;
    }
    expire_slot(tick, level);
  }
}

uint64_t TimerWheel::next_deadline_lower_bound() const noexcept {
  if (!list_empty(kReady)) return ready_min_;  // ready deadlines are <= cursor_ < the wheel's
  uint64_t tick;
  uint32_t level;
  return next_event(tick, level) ? tick : UINT64_MAX;
}

}  // namespace weir
