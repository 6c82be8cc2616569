// SPDX-License-Identifier: Apache-2.0
// The reader -> worker hand-off of ordered replay, two ways, between two threads:
//   BM_SpscRingPacketBatches        weir's SpscRing: the producer fills a PacketBatch in
//                                   place in the ring slot (claim, write, publish), the
//                                   consumer reads it in place (front, read, pop);
//   BM_ConcurrentQueuePacketBatches moodycamel::ConcurrentQueue (the queue engine/batch.hpp
//                                   uses for records): batch pointers through the queue,
//                                   free batches back through a second queue (a pool).
// Both wait with Backoff when full / empty, with the engine's PacketBatch (256 packets)
// and 16 batches in flight. The batch-size sweep (1, 32, 256 packets per batch) shows
// what the per-batch synchronisation costs. This is the measurement behind keeping an
// own ring for packets (engine/batch.hpp).
// items/s = packets/s, bytes/s = packet bytes (80 per element), both in wall time.
// Each thread needs a core of its own: on a loaded 2-core machine the figures collapse.
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include <concurrentqueue/concurrentqueue.h>

#include "engine/base/packet_meta.hpp"
#include "engine/base/spsc_ring.hpp"
#include "engine/batch.hpp"

namespace weir {
namespace {

constexpr uint32_t kSlots = 16;  // the engine's ring depth (WorkerShared::in)
using Ring = SpscRing<PacketBatch, kSlots>;

std::array<PacketMeta, kBatch> sample_packets() {
  std::array<PacketMeta, kBatch> src{};
  for (uint32_t i = 0; i < kBatch; ++i) {
    src[i].key.ip_version = 4;
    src[i].key.addr_a = {10, 0, 0, static_cast<uint8_t>(i)};
    src[i].ip_bytes = 40 + i;
    src[i].wire_bytes = 54 + i;
  }
  return src;
}

void report(benchmark::State& st, uint64_t items, uint64_t bad) {
  if (bad) st.SkipWithError("consumer saw packets out of sequence");
  st.SetItemsProcessed(static_cast<int64_t>(items));
  st.SetBytesProcessed(static_cast<int64_t>(items * sizeof(PacketMeta)));
  st.counters["batches_per_s"] = benchmark::Counter(static_cast<double>(st.iterations()) * kSlots,
                                                    benchmark::Counter::kIsRate);
}

// Arg: elements per batch. One iteration = kSlots batches drained by the consumer.
void BM_SpscRingPacketBatches(benchmark::State& st) {
  const auto per_batch = static_cast<uint32_t>(st.range(0));
  auto ring = std::make_unique<Ring>();  // 16 x 20 KiB: too big for the stack
  const std::array<PacketMeta, kBatch> src = sample_packets();
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    Backoff bo;
    uint64_t seq = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      PacketBatch* b = ring->claim();
      if (!b) {
        bo.pause();
        continue;
      }
      bo.reset();
      for (uint32_t i = 0; i < per_batch; ++i) {
        b->pkts[i] = src[i];
        b->pkts[i].index = seq++;
      }
      b->n = per_batch;
      b->clock_ns = seq;
      ring->publish();
    }
  });

  uint64_t items = 0;
  uint64_t expect = 0;  // producer's sequence: checks nothing was lost or torn
  uint64_t bad = 0;
  uint64_t sum = 0;
  Backoff bo;
  for (auto _ : st) {
    for (uint32_t k = 0; k < kSlots; ++k) {
      const PacketBatch* b;
      while ((b = ring->front()) == nullptr) bo.pause();
      bo.reset();
      for (uint32_t i = 0; i < b->n; ++i) {
        const PacketMeta& m = b->pkts[i];
        bad += m.index != expect++;
        sum += m.ip_bytes + m.key.addr_a[3];
      }
      items += b->n;
      ring->pop();
    }
    benchmark::DoNotOptimize(sum);
  }
  stop.store(true, std::memory_order_relaxed);
  producer.join();
  report(st, items, bad);
}
BENCHMARK(BM_SpscRingPacketBatches)->ArgName("pkts_per_batch")->Arg(1)->Arg(32)->Arg(256)->UseRealTime();

void BM_ConcurrentQueuePacketBatches(benchmark::State& st) {
  const auto per_batch = static_cast<uint32_t>(st.range(0));
  std::vector<std::unique_ptr<PacketBatch>> storage;
  moodycamel::ConcurrentQueue<PacketBatch*> full(kSlots * 2, 1, 1), free_pool(kSlots * 2, 1, 1);
  for (uint32_t i = 0; i < kSlots; ++i) {
    storage.push_back(std::make_unique<PacketBatch>());
    free_pool.enqueue(storage.back().get());
  }
  const std::array<PacketMeta, kBatch> src = sample_packets();
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    moodycamel::ProducerToken tok(full);
    Backoff bo;
    uint64_t seq = 0;
    while (!stop.load(std::memory_order_relaxed)) {
      PacketBatch* b = nullptr;
      if (!free_pool.try_dequeue(b)) {
        bo.pause();
        continue;
      }
      bo.reset();
      for (uint32_t i = 0; i < per_batch; ++i) {
        b->pkts[i] = src[i];
        b->pkts[i].index = seq++;
      }
      b->n = per_batch;
      b->clock_ns = seq;
      full.enqueue(tok, b);
    }
  });
  uint64_t items = 0, expect = 0, bad = 0, sum = 0;
  Backoff bo;
  for (auto _ : st) {
    for (uint32_t k = 0; k < kSlots; ++k) {
      PacketBatch* b = nullptr;
      while (!full.try_dequeue(b)) bo.pause();
      bo.reset();
      for (uint32_t i = 0; i < b->n; ++i) {
        const PacketMeta& m = b->pkts[i];
        bad += m.index != expect++;
        sum += m.ip_bytes + m.key.addr_a[3];
      }
      items += b->n;
      free_pool.enqueue(b);
    }
    benchmark::DoNotOptimize(sum);
  }
  stop.store(true, std::memory_order_relaxed);
  producer.join();
  report(st, items, bad);
}
BENCHMARK(BM_ConcurrentQueuePacketBatches)->ArgName("pkts_per_batch")->Arg(1)->Arg(32)->Arg(256)->UseRealTime();

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
