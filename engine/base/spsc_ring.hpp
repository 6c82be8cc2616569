// SPDX-License-Identifier: Apache-2.0
// SpscRing: bounded single-producer single-consumer ring of fixed slots, used to pass
// whole batches between threads (reader -> worker: packet batches; worker -> merger:
// record batches). Slots are filled and drained in place: claim() / publish() on the
// producer side, front() / pop() on the consumer side, so a batch is never copied.
//
// Indices run free (uint32 wraps; N is a power of two). head_ is written only by the
// producer, tail_ only by the consumer; each side keeps a cached copy of the other's
// index on its own cache line, so the shared lines are touched once per batch, not per
// element.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>

#include <immintrin.h>

#include "engine/base/common.hpp"

namespace weir {

template <typename T, uint32_t N>
class SpscRing {
  static_assert(N >= 2 && (N & (N - 1)) == 0, "N must be a power of two");

 public:
  // Producer: the next free slot, or nullptr when the ring is full.
  T* claim() noexcept {
    const uint32_t h = head_.load(std::memory_order_relaxed);
    if (h - prod_cached_tail_ == N) {
      // Pairs with the release store in pop(): the consumer is done with the slot.
      prod_cached_tail_ = tail_.load(std::memory_order_acquire);
      if (h - prod_cached_tail_ == N) return nullptr;
    }
    return &slots_[h & (N - 1)];
  }
  // Producer: makes the claimed slot visible. The release pairs with the acquire load of
  // head_ in front(), so everything written into the slot is visible before it.
  void publish() noexcept { head_.store(head_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

  // Consumer: the oldest published slot, or nullptr when empty.
  T* front() noexcept {
    const uint32_t t = tail_.load(std::memory_order_relaxed);
    if (t == cons_cached_head_) {
      cons_cached_head_ = head_.load(std::memory_order_acquire);  // pairs with publish()
      if (t == cons_cached_head_) return nullptr;
    }
    return &slots_[t & (N - 1)];
  }
  // Consumer: releases the slot front() returned (release: pairs with claim()).
  void pop() noexcept { tail_.store(tail_.load(std::memory_order_relaxed) + 1, std::memory_order_release); }

  bool empty() const noexcept {
    return tail_.load(std::memory_order_acquire) == head_.load(std::memory_order_acquire);
  }

 private:
  alignas(kNoFalseSharing) std::atomic<uint32_t> head_{0};  // written by producer
  uint32_t prod_cached_tail_ = 0;                           // producer-local
  alignas(kNoFalseSharing) std::atomic<uint32_t> tail_{0};  // written by consumer
  uint32_t cons_cached_head_ = 0;                           // consumer-local
  alignas(kNoFalseSharing) std::array<T, N> slots_{};
};

// Waiting strategy for a thread with nothing to do. Spins briefly (the other side is
// usually a few hundred ns away), then yields -- on a 2-core machine running a reader,
// workers and a merger, a spinning thread would steal the core its producer needs --
// then sleeps in short naps so an idle pipeline costs no CPU.
class Backoff {
 public:
  void pause() noexcept {
    if (n_ < 64) {
      _mm_pause();
    } else if (n_ < 256) {
      std::this_thread::yield();
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    ++n_;
  }
  void reset() noexcept { n_ = 0; }

 private:
  uint32_t n_ = 0;
};

}  // namespace weir
