// SPDX-License-Identifier: Apache-2.0
// TimerWheel: hierarchical timing wheel over packet time, for flow expiry. One owning
// thread (the worker that owns the FlowTable); no locks.
//
// Design: kLevels = 6 levels of 64 slots; level L slot width = 64^L ticks (tick = 1 ms
// by default). A timer with deadline d > cursor c sits at the level of the highest bit
// in which d and c differ, L = floor(log2(d ^ c) / 6), in slot (d >> 6L) & 63 -- so it
// shares every digit above L with c, and its digit L is larger than c's. When the cursor
// reaches a slot's start, the slot is cascaded: its timers are re-filed against the new
// cursor, onto a finer level or the ready list. Hence a timer is returned by the first
// advance() whose now_tick >= its deadline tick: never early, and at most one tick late
// when the caller advances on every tick boundary.
//
//   level  slot width        range (64 slots)       cascades into
//   L0     1 tick  = 1 ms    64 ms                  (fires: all of a slot share one tick)
//   L1     64      = 64 ms   4.1 s                  L0
//   L2     4096    = 4.1 s   4.4 min                L0-L1
//   L3     2^18    = 4.4 min 4.7 h                  L0-L2
//   L4     2^24    = 4.7 h   12.4 d                 L0-L3
//   L5     2^30    = 12.4 d  2.2 y (2^36 ticks)     L0-L4
//   overflow: d >> 36 > c >> 36 (beyond the top level: clamped). Re-filed when the
//   cursor reaches the 2^36 "epoch" of their smallest deadline, so a jump of 2^60 ticks
//   costs one visit, not one per epoch.
//   ready: d <= c (armed in the past, or cascaded/expired but not yet handed out).
//
// Invariants (c = cursor_, n = now_):
//   * c <= n; n never decreases. A timer is in exactly one list: wheel slot, overflow
//     or ready, and which one is a pure function of (d, c) -- so disarm needs no index.
//   * nonempty_[L] bit s <=> slot s of level L has timers; every set bit is > c's
//     digit L. The first non-empty level therefore holds the next event, and its first
//     slot's start time is a lower bound on every deadline in the wheel.
//   * Lists are circular and doubly linked through uint32 node indices. Node 0 is never
//     used, nodes [1, 387) are the 386 list sentinels, and timer id i is node 387 + i,
//     so link/unlink are branch-free and a list emptied by unlink is recognised by
//     prev == next == its sentinel. next == 0 <=> the timer is not armed -- so the
//     all-zero node array (a ZeroMapping) is a wheel with nothing armed, and the pages of
//     timers never armed are never touched: a wheel sized for 2M flows costs resident
//     memory only for the flows a run has (it used to initialise 32 MB up front).
//
// Cost: arm/disarm O(1), no allocation (16 bytes per timer, mapped in the constructor);
// re-arming into the same slot only rewrites the deadline. advance()
// visits only non-empty slots (ctz over one bitmap word per level), so idle time costs
// nothing per tick; an L0 slot is spliced onto the ready list in O(1); each timer is
// cascaded at most once per level it descends. Output per call is bounded by
// due.size(): when the buffer fills, the cursor stops where it is and the next call
// with the same now_tick resumes there.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

#include "flowtable/zero_mapping.hpp"

namespace weir {

class TimerWheel {
 public:
  static constexpr uint32_t kLevels = 6;
  static constexpr uint32_t kSlotsPerLevel = 64;

  // capacity: number of timer ids (flow slots). start_tick: the wheel's initial "now".
  explicit TimerWheel(uint32_t capacity, uint64_t start_tick = 0);

  // Arms (or re-arms) timer id to fire at deadline_tick. O(1). A deadline <= now()
  // fires at the next advance().
  void arm(uint32_t id, uint64_t deadline_tick) noexcept;
  // O(1). No-op if not armed.
  void disarm(uint32_t id) noexcept;
  bool armed(uint32_t id) const noexcept;

  // Moves now to now_tick (never backwards) and writes the ids of timers whose deadline
  // tick <= now_tick into due, at most due.size() of them (each is disarmed). Returns
  // the count. If it returns due.size(), call again with the same now_tick: more may be due.
  std::size_t advance(uint64_t now_tick, std::span<uint32_t> due) noexcept;

  uint64_t now() const noexcept { return now_; }
  std::size_t size() const noexcept { return armed_count_; }
  // Lower bound on every armed deadline (UINT64_MAX when empty); cheap (bitmap scan).
  uint64_t next_deadline_lower_bound() const noexcept;

 private:
  struct Node {
    uint64_t deadline;  // ticks; unused in sentinels
    uint32_t next;      // node index; 0 <=> unarmed
    uint32_t prev;
  };
  static_assert(sizeof(Node) == 16);

  static constexpr uint32_t kWheelLists = kLevels * kSlotsPerLevel;  // list = L * 64 + slot
  static constexpr uint32_t kOverflow = kWheelLists;
  static constexpr uint32_t kReady = kWheelLists + 1;
  static constexpr uint32_t kLists = kWheelLists + 2;
  static constexpr uint32_t kUnarmed = 0;           // Node::next of a timer not armed
  static constexpr uint32_t kFirstTimer = 1 + kLists;  // node index of timer id 0

  static uint32_t sentinel(uint32_t list) noexcept { return 1 + list; }
  static uint32_t node_of(uint32_t id) noexcept { return kFirstTimer + id; }
  bool list_empty(uint32_t list) const noexcept;
  uint32_t list_of(uint64_t deadline) const noexcept;  // against cursor_
  void link(uint32_t node, uint32_t list) noexcept;
  void unlink(uint32_t node) noexcept;
  // Start tick of the earliest non-empty slot (or the overflow re-file tick), and its
  // level (kLevels = overflow). false when the wheel holds nothing.
  bool next_event(uint64_t& tick, uint32_t& level) const noexcept;
  void expire_slot(uint64_t tick, uint32_t level) noexcept;  // moves cursor_ to tick
  std::size_t drain_ready(std::span<uint32_t> out) noexcept;

  ZeroMapping mem_;                           // the nodes: unused, sentinels, timers
  Node* nodes_;
  std::array<uint64_t, kLevels> nonempty_{};  // bit s <=> slot s of the level has timers
  uint32_t capacity_;
  uint64_t now_;                     // largest now_tick seen (public now())
  uint64_t cursor_;                  // wheel position; < now_ only after a full due buffer
  uint64_t ready_min_ = UINT64_MAX;  // <= every deadline on the ready list
  uint64_t overflow_min_ = UINT64_MAX;  // <= every deadline on the overflow list
  std::size_t armed_count_ = 0;
};

}  // namespace weir
