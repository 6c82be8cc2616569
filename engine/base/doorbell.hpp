// SPDX-License-Identifier: Apache-2.0
// Doorbell and Waiter: how a pipeline thread with nothing to do waits for another.
//
// Why not spin-then-yield: on a 2-core machine the pipeline runs three threads (reader,
// worker, merger), and a yield with another runnable thread on the core is a context
// switch. The yield-based backoff this replaces measured 172,000 context switches in a
// 0.73 s run of bench_5M (`perf stat -e context-switches`), most of them the idle merger
// and a worker that was briefly ahead of its reader -- CPU time taken from the two
// threads that had work.
//
// Design: a Waiter spins with `pause` for a bounded time (long when every busy thread has
// a core of its own, short otherwise), then sleeps on the Doorbell's futex with a
// timeout. The other side rings after it publishes: one fence and one load of a line
// that is only written when someone sleeps, so ringing costs no syscall unless a thread
// is actually asleep. Lost wake-ups are excluded by the store-load fences on both sides
// (the sleeper announces itself, re-checks its condition, only then sleeps; the ringer
// publishes, then looks for a sleeper), and the timeout bounds the damage of any bug
// here to latency -- never a hang.
//
// One sleeper per Doorbell at a time (each is owned by one consumer or one producer).
#pragma once

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>

#include <immintrin.h>

#include "engine/base/common.hpp"

namespace weir {

class Doorbell {
 public:
  // Sleeper side. arm() announces the sleeper; the caller must re-check its condition
  // after arm() and only then call sleep().
  void arm() noexcept {
    state_.store(1, std::memory_order_relaxed);
    std::atomic_thread_fence(std::memory_order_seq_cst);  // the re-check reads after this
  }
  void disarm() noexcept { state_.store(0, std::memory_order_relaxed); }
  // Sleeps until ring() or timeout_us (< 1 s) passes; returns disarmed.
  void sleep(uint32_t timeout_us) noexcept {
    timespec ts{0, static_cast<long>(timeout_us) * 1000};
    // Returns at once if a ring already reset the state (EAGAIN) -- no lost wake-up.
    syscall(SYS_futex, word(), FUTEX_WAIT_PRIVATE, 1u, &ts, nullptr, 0);
    disarm();
  }
  // Ringer side: call after publishing what the sleeper waits for.
  void ring() noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);  // publish before the look
    if (state_.load(std::memory_order_relaxed) != 0 && state_.exchange(0, std::memory_order_relaxed) != 0) {
      syscall(SYS_futex, word(), FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
    }
  }

 private:
  uint32_t* word() noexcept { return reinterpret_cast<uint32_t*>(&state_); }
  static_assert(sizeof(std::atomic<uint32_t>) == sizeof(uint32_t));
  alignas(kNoFalseSharing) std::atomic<uint32_t> state_{0};  // 1: a sleeper is armed
};

// Loop helper for one wait: `while (!ready()) w.pause(); w.reset();` (reset also runs on
// destruction). Spins for up to spin_ns, then alternates arm (the caller's loop re-checks)
// and sleep.
class Waiter {
 public:
  static constexpr uint32_t kSleepTimeoutUs = 1000;  // safety net only; rings wake sleepers

  Waiter(Doorbell& bell, uint32_t spin_ns) noexcept : bell_(bell), spin_ns_(spin_ns) {}
  Waiter(const Waiter&) = delete;
  Waiter& operator=(const Waiter&) = delete;
  ~Waiter() { reset(); }

  void pause() noexcept {
    if (phase_ == Phase::spin) {
      if (spins_ == 0) start_ = Clock::now();
      // Reading the clock every 32 pauses keeps it off the spin's critical path.
      if ((++spins_ & 31) != 0 || Clock::now() - start_ < std::chrono::nanoseconds(spin_ns_)) {
        _mm_pause();
        return;
      }
      phase_ = Phase::arm;
    }
    if (phase_ == Phase::arm) {
      bell_.arm();
      phase_ = Phase::armed;  // the caller re-checks its condition before the next pause()
      return;
    }
    bell_.sleep(kSleepTimeoutUs);
    phase_ = Phase::arm;
  }
  void reset() noexcept {
    if (phase_ == Phase::armed) bell_.disarm();
    phase_ = Phase::spin;
    spins_ = 0;
  }

 private:
  using Clock = std::chrono::steady_clock;
  enum class Phase : uint8_t { spin, arm, armed };
  Doorbell& bell_;
  uint32_t spin_ns_;
  uint32_t spins_ = 0;
  Phase phase_ = Phase::spin;
  Clock::time_point start_{};
};

}  // namespace weir
