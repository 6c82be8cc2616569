// SPDX-License-Identifier: Apache-2.0
// TimerWheel micro-benchmarks: 1M timers, 1 ms ticks. Steady state (every expired timer
// is re-armed, as a new flow takes the slot), re-arming live timers, and idle ticks.
// per_op is CPU time per operation (one arm, disarm or expiry); Time is per iteration.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "flowtable/timer_wheel.hpp"

namespace weir {
namespace {

constexpr uint32_t kTimers = 1u << 20;
constexpr std::size_t kDueBuf = 256;
constexpr uint32_t kRandBits = 20;

// Pre-generated random numbers, so the timed loop does no RNG work.
const std::vector<uint32_t>& random_table() {
  static const std::vector<uint32_t> t = [] {
    std::vector<uint32_t> v(std::size_t{1} << kRandBits);
    std::mt19937 rng(7);
    for (auto& x : v) x = static_cast<uint32_t>(rng());
    return v;
  }();
  return t;
}

void report_per_op(benchmark::State& st, uint64_t ops) {
  st.SetItemsProcessed(static_cast<int64_t>(ops));
  // Inverted rate: CPU seconds per operation, printed with an SI prefix (n = ns).
  st.counters["per_op"] = benchmark::Counter(static_cast<double>(ops),
                                             benchmark::Counter::kIsRate |
                                                 benchmark::Counter::kInvert);
}

// One iteration = one 1 ms tick: advance, then re-arm every due timer at now + U[1, spread].
// Deadlines start uniform over the spread, so kTimers / spread expire per tick; spread
// 30'000 is a 30 s idle timeout, 300'000 a 5 min one (timers cascade from L2).
void BM_SteadyStateTick(benchmark::State& st) {
  const auto spread = static_cast<uint32_t>(st.range(0));
  const std::vector<uint32_t>& rnd = random_table();
  constexpr std::size_t kMask = (std::size_t{1} << kRandBits) - 1;
  std::size_t r = 0;
  TimerWheel w(kTimers);
  for (uint32_t id = 0; id < kTimers; ++id) w.arm(id, 1 + rnd[r++ & kMask] % spread);
  std::array<uint32_t, kDueBuf> due;
  uint64_t now = 0;
  uint64_t ops = 0;
  auto tick = [&] {
    ++now;
    for (;;) {
      const std::size_t n = w.advance(now, due);
      for (std::size_t i = 0; i < n; ++i) w.arm(due[i], now + 1 + rnd[r++ & kMask] % spread);
      ops += 2 * n;
      if (n < due.size()) break;
    }
  };
  for (uint32_t i = 0; i < 4096; ++i) tick();  // settle L0/L1 before timing
  ops = 0;
  for (auto _ : st) tick();
  benchmark::DoNotOptimize(w.size());
  report_per_op(st, ops);
}
BENCHMARK(BM_SteadyStateTick)->Arg(1'000)->Arg(30'000)->Arg(300'000);

// Re-arming live timers at random (a flow closing, or the meter's lazy re-check): each
// one moves between slots of 1M, so this is mostly cache misses on the neighbours.
void BM_RearmLive(benchmark::State& st) {
  const std::vector<uint32_t>& rnd = random_table();
  constexpr std::size_t kMask = (std::size_t{1} << kRandBits) - 1;
  TimerWheel w(kTimers);
  std::size_t r = 0;
  for (uint32_t id = 0; id < kTimers; ++id) w.arm(id, 1 + rnd[r++ & kMask] % 30'000);
  uint64_t ops = 0;
  for (auto _ : st) {
    const uint32_t x = rnd[r++ & kMask];
    w.arm(x & (kTimers - 1), 1 + (x >> 12) % 30'000);
    ++ops;
  }
  report_per_op(st, ops);
}
BENCHMARK(BM_RearmLive);

// Arm then disarm a timer at random among 1M armed ones (flows evicted or closed early).
void BM_ArmDisarm(benchmark::State& st) {
  const std::vector<uint32_t>& rnd = random_table();
  constexpr std::size_t kMask = (std::size_t{1} << kRandBits) - 1;
  TimerWheel w(kTimers);
  std::size_t r = 0;
  for (uint32_t id = 0; id < kTimers; ++id) w.arm(id, 1 + rnd[r++ & kMask] % 30'000);
  uint64_t ops = 0;
  for (auto _ : st) {
    const uint32_t x = rnd[r++ & kMask];
    const uint32_t id = x & (kTimers - 1);
    w.disarm(id);
    w.arm(id, 1 + (x >> 12) % 30'000);
    ops += 2;
  }
  report_per_op(st, ops);
}
BENCHMARK(BM_ArmDisarm);

// Ticks with nothing due while 1M timers wait on coarse levels: the per-tick floor.
void BM_IdleTick(benchmark::State& st) {
  TimerWheel w(kTimers);
  for (uint32_t id = 0; id < kTimers; ++id) w.arm(id, 10'000'000 + id);
  std::array<uint32_t, kDueBuf> due;
  uint64_t now = 0;
  for (auto _ : st) benchmark::DoNotOptimize(w.advance(++now, due));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_IdleTick);

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
