// SPDX-License-Identifier: Apache-2.0
// TimerWheel: exact expiry against a reference model, resumable bounded advance, levels
// and overflow, the lower-bound watermark, and skipping idle time.
#include "flowtable/timer_wheel.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <vector>

namespace weir {
namespace {

constexpr uint64_t kTopRange = uint64_t{1} << 36;  // 64^6 ticks: the whole wheel
constexpr uint64_t kHourTicks = 3'600'000;         // 1 ms ticks

// Advances to now_tick with a buffer of buf_size, calling again while the buffer fills.
std::vector<uint32_t> advance_all(TimerWheel& w, uint64_t now_tick, std::size_t buf_size = 64) {
  std::vector<uint32_t> buf(buf_size), out;
  for (;;) {
    const std::size_t n = w.advance(now_tick, buf);
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    if (n < buf.size()) return out;
  }
}

TEST(TimerWheel, LargeWheelStartsUnarmedAndFiresItsFirstAndLastIds) {
  // Timers are untouched zero pages until armed: every id of a 2M-timer wheel must read
  // as unarmed, disarming one is a no-op, and ids at both ends map to their own nodes.
  constexpr uint32_t kCap = 2'000'000;
  TimerWheel w(kCap);
  EXPECT_FALSE(w.armed(0));
  EXPECT_FALSE(w.armed(kCap / 2));
  EXPECT_FALSE(w.armed(kCap - 1));
  w.disarm(kCap - 1);
  EXPECT_EQ(w.size(), 0u);
  w.arm(kCap - 1, 7);
  w.arm(0, 7);
  EXPECT_TRUE(w.armed(kCap - 1));
  EXPECT_FALSE(w.armed(kCap - 2));
  std::vector<uint32_t> due(8);
  EXPECT_EQ(w.advance(6, due), 0u);
  ASSERT_EQ(w.advance(7, due), 2u);
  std::sort(due.begin(), due.begin() + 2);
  EXPECT_EQ(due[0], 0u);
  EXPECT_EQ(due[1], kCap - 1);
  EXPECT_FALSE(w.armed(kCap - 1));
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, FiresExactlyOnceAtItsDeadlineTickNeverBefore) {
  // One deadline per level, on and off slot boundaries, advanced one tick at a time.
  const std::vector<uint64_t> deadlines = {1, 2, 63, 64, 65, 100, 4095, 4096, 4097, 70'000,
                                           262'143, 262'144, 300'001};
  TimerWheel w(static_cast<uint32_t>(deadlines.size()));
  for (uint32_t id = 0; id < deadlines.size(); ++id) w.arm(id, deadlines[id]);
  std::vector<int> fired(deadlines.size(), 0);
  for (uint64_t t = 1; t <= 300'001; ++t) {
    for (uint32_t id : advance_all(w, t, 3)) {
      EXPECT_EQ(deadlines[id], t) << "id " << id;  // neither early nor late
      EXPECT_FALSE(w.armed(id));
      ++fired[id];
    }
  }
  for (uint32_t id = 0; id < deadlines.size(); ++id) EXPECT_EQ(fired[id], 1) << "id " << id;
  EXPECT_EQ(w.size(), 0u);
  EXPECT_TRUE(advance_all(w, 10'000'000).empty());
}

TEST(TimerWheel, FiresAtTheFirstAdvanceAtOrPastTheDeadlineAfterAJump) {
  TimerWheel w(4, 1000);
  w.arm(0, 1005);
  w.arm(1, 1000 + 5000);
  w.arm(2, 1000 + 300'000);
  EXPECT_TRUE(advance_all(w, 1004).empty());
  EXPECT_EQ(advance_all(w, 1005), std::vector<uint32_t>{0});
  EXPECT_TRUE(advance_all(w, 5999).empty());
  EXPECT_EQ(advance_all(w, 250'000), std::vector<uint32_t>{1});  // late caller: still once
  EXPECT_TRUE(advance_all(w, 300'999).empty());
  EXPECT_EQ(advance_all(w, 301'000), std::vector<uint32_t>{2});
}

TEST(TimerWheel, DeadlineAtOrBeforeNowFiresOnTheNextAdvance) {
  TimerWheel w(3, 5000);
  w.arm(0, 5000);
  w.arm(1, 12);
  w.arm(2, 0);
  EXPECT_EQ(w.next_deadline_lower_bound(), 0u);
  auto got = advance_all(w, 5000);  // same now: still fires
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<uint32_t>{0, 1, 2}));
  EXPECT_EQ(w.size(), 0u);
  EXPECT_EQ(w.next_deadline_lower_bound(), UINT64_MAX);
}

TEST(TimerWheel, NowNeverGoesBackwards) {
  TimerWheel w(1, 100);
  advance_all(w, 50);
  EXPECT_EQ(w.now(), 100u);
  w.arm(0, 101);
  EXPECT_TRUE(advance_all(w, 99).empty());
  EXPECT_EQ(advance_all(w, 101), std::vector<uint32_t>{0});
  EXPECT_EQ(w.now(), 101u);
}

TEST(TimerWheel, ReArmMovesTheTimer) {
  TimerWheel w(2);
  w.arm(0, 10);
  w.arm(0, 100'000);  // later, other level
  w.arm(1, 50'000);
  w.arm(1, 20);       // earlier
  EXPECT_EQ(w.size(), 2u);
  EXPECT_EQ(advance_all(w, 20), std::vector<uint32_t>{1});
  w.arm(0, 99'999);  // same L2 slot: only the deadline changes
  EXPECT_TRUE(advance_all(w, 99'998).empty());
  EXPECT_EQ(advance_all(w, 99'999), std::vector<uint32_t>{0});
}

TEST(TimerWheel, DisarmRemovesAndDisarmOfUnarmedIdIsANoOp) {
  TimerWheel w(3);
  w.disarm(1);  // never armed
  EXPECT_EQ(w.size(), 0u);
  w.arm(0, 10);
  w.arm(1, 10);
  w.arm(2, 10);
  w.disarm(1);
  w.disarm(1);
  EXPECT_FALSE(w.armed(1));
  EXPECT_TRUE(w.armed(0));
  EXPECT_EQ(w.size(), 2u);
  auto got = advance_all(w, 10);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<uint32_t>{0, 2}));
  w.disarm(0);  // already fired
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, DeadlinesBeyondTheTopLevelAreClampedAndStillExact) {
  TimerWheel w(5, 7);
  const std::vector<uint64_t> d = {kTopRange + 3, 5 * kTopRange + 12'345, uint64_t{1} << 60,
                                   (uint64_t{1} << 60) + 1, UINT64_MAX};
  for (uint32_t id = 0; id < d.size(); ++id) w.arm(id, d[id]);
  for (uint32_t id = 0; id < d.size(); ++id) {
    EXPECT_LE(w.next_deadline_lower_bound(), d[id]);
    EXPECT_TRUE(advance_all(w, d[id] - 1).empty()) << "id " << id;
    EXPECT_EQ(advance_all(w, d[id]), std::vector<uint32_t>{id});
  }
  EXPECT_EQ(w.now(), UINT64_MAX);
  EXPECT_EQ(w.size(), 0u);
}

TEST(TimerWheel, FullDueBufferResumesWithoutLossOrDuplicates) {
  constexpr uint32_t kN = 1000;
  TimerWheel w(kN);
  for (uint32_t id = 0; id < kN; ++id) w.arm(id, 1 + id % 7 + (id % 3) * 5000);
  std::vector<uint32_t> buf(3);
  std::set<uint32_t> seen;
  std::size_t calls = 0;
  for (;;) {
    const std::size_t n = w.advance(20'000, buf);
    ++calls;
    for (std::size_t i = 0; i < n; ++i) EXPECT_TRUE(seen.insert(buf[i]).second) << buf[i];
    if (n < buf.size()) break;
  }
  EXPECT_EQ(seen.size(), kN);
  EXPECT_EQ(calls, kN / 3 + 1);
}

TEST(TimerWheel, ReArmingDueTimersBetweenPartialAdvancesKeepsThemArmed) {
  // The flow meter's pattern: a returned flow that saw packets is re-armed at once.
  TimerWheel w(100);
  for (uint32_t id = 0; id < 100; ++id) w.arm(id, 10 + id);
  std::vector<uint32_t> buf(4);
  std::size_t fired = 0;
  for (;;) {
    const std::size_t n = w.advance(200, buf);
    for (std::size_t i = 0; i < n; ++i) {
      if (buf[i] % 2) {
        w.arm(buf[i], 1000 + buf[i]);
      } else {
        ++fired;
      }
    }
    if (n < buf.size()) break;
  }
  EXPECT_EQ(fired, 50u);
  EXPECT_EQ(w.size(), 50u);
  EXPECT_EQ(advance_all(w, 1000 + 99).size(), 50u);
}

// Deadline relative to now, drawn so every level, the overflow and the past are hit.
uint64_t random_deadline(std::mt19937_64& rng, uint64_t now) {
  const uint32_t kind = static_cast<uint32_t>(rng() % 10);
  if (kind == 0) return now - std::min<uint64_t>(now, rng() % 100);  // at or before now
  if (kind == 9) return now + kTopRange + rng() % (8 * kTopRange);  // beyond the top level
  const uint64_t range = uint64_t{1} << (6 * kind);  // 64^kind, kind 1..8 (7, 8: overflow)
  return now + 1 + rng() % range;
}

uint64_t random_step(std::mt19937_64& rng) {
  switch (rng() % 8) {
    case 0: return 0;
    case 1:
    case 2:
    case 3: return 1 + rng() % 3;
    case 4: return rng() % 200;
    case 5: return rng() % 100'000;
    case 6: return rng() % (uint64_t{1} << 30);
    default: return rng() % (uint64_t{1} << (30 + rng() % 12));  // up to 2^41: overflow
  }
}

TEST(TimerWheel, MatchesAReferenceModelUnderRandomArmDisarmAndAdvance) {
  constexpr uint32_t kIds = 2000;
  for (uint64_t seed : {1u, 2u, 3u}) {
    std::mt19937_64 rng(seed);
    const uint64_t start = seed == 3 ? (uint64_t{1} << 36) - 5000 : seed * 12'345;
    TimerWheel w(kIds, start);
    std::multimap<uint64_t, uint32_t> model;  // deadline -> id
    std::vector<std::multimap<uint64_t, uint32_t>::iterator> where(kIds, model.end());
    auto model_disarm = [&](uint32_t id) {
      if (where[id] != model.end()) model.erase(where[id]);
      where[id] = model.end();
    };
    auto model_arm = [&](uint32_t id, uint64_t d) {
      model_disarm(id);
      where[id] = model.emplace(d, id);
    };
    auto check_lower_bound = [&] {
      const uint64_t lb = w.next_deadline_lower_bound();
      if (model.empty()) {
        ASSERT_EQ(lb, UINT64_MAX);
      } else {
        ASSERT_LE(lb, model.begin()->first);
      }
    };
    uint64_t now = start;
    for (int step = 0; step < 3000; ++step) {
      const uint32_t n_ops = static_cast<uint32_t>(rng() % 40);
      for (uint32_t k = 0; k < n_ops; ++k) {
        const uint32_t id = static_cast<uint32_t>(rng() % kIds);
        if (rng() % 4 == 0) {
          w.disarm(id);
          model_disarm(id);
        } else {
          const uint64_t d = random_deadline(rng, now);
          w.arm(id, d);
          model_arm(id, d);
        }
        ASSERT_EQ(w.armed(id), where[id] != model.end());
      }
      ASSERT_EQ(w.size(), model.size());
      check_lower_bound();

      now += random_step(rng);
      std::vector<uint32_t> buf(rng() % 2 == 0 ? 3 : 1 + rng() % 64);
      for (;;) {
        const std::size_t n = w.advance(now, buf);
        for (std::size_t i = 0; i < n; ++i) {
          const uint32_t id = buf[i];
          ASSERT_NE(where[id], model.end()) << "returned twice or never armed: " << id;
          ASSERT_LE(where[id]->first, now) << "early: " << id;
          model_disarm(id);
          ASSERT_FALSE(w.armed(id));
          // Sometimes re-arm at once, before the next partial call (the meter does). Not
          // at or before now: after the last call that would rightly wait for the next step.
          if (rng() % 8 == 0) {
            const uint64_t d = std::max(random_deadline(rng, now), now + 1);
            w.arm(id, d);
            model_arm(id, d);
          }
        }
        check_lower_bound();
        if (n < buf.size()) break;
      }
      ASSERT_EQ(w.now(), now);
      ASSERT_TRUE(model.empty() || model.begin()->first > now)
          << "late: id " << model.begin()->second << " deadline " << model.begin()->first;
      ASSERT_EQ(w.size(), model.size());
    }
  }
}

TEST(TimerWheel, LowerBoundIsExactOnLevelZeroAndNeverAboveTheMinimum) {
  TimerWheel w(3, 1000);
  EXPECT_EQ(w.next_deadline_lower_bound(), UINT64_MAX);
  w.arm(0, 1000 + 300'000);
  EXPECT_LE(w.next_deadline_lower_bound(), 1000u + 300'000);
  EXPECT_GT(w.next_deadline_lower_bound(), 1000u);
  w.arm(1, 1010);
  EXPECT_EQ(w.next_deadline_lower_bound(), 1010u);
  w.disarm(1);
  EXPECT_LE(w.next_deadline_lower_bound(), 1000u + 300'000);
  w.arm(2, 3 * kTopRange);
  advance_all(w, 1000 + 300'000);
  EXPECT_LE(w.next_deadline_lower_bound(), 3 * kTopRange);
  EXPECT_GE(w.next_deadline_lower_bound(), kTopRange);  // skips to the epoch, cheaply
}

TEST(TimerWheel, IdleHoursAreSkippedOneTickAtATimeAndInOneJump) {
  TimerWheel w(4);
  w.arm(0, kHourTicks / 2);
  w.arm(1, kHourTicks + 17);
  w.arm(2, 9 * kHourTicks);
  std::vector<uint32_t> buf(8);
  std::size_t fired = 0;
  for (uint64_t t = 1; t <= kHourTicks + 17; ++t) fired += w.advance(t, buf);  // per tick
  EXPECT_EQ(fired, 2u);
  EXPECT_EQ(advance_all(w, 10 * kHourTicks), std::vector<uint32_t>{2});  // one jump
  EXPECT_EQ(w.size(), 0u);
}

}  // namespace
}  // namespace weir
