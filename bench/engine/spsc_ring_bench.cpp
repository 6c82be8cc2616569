// SPDX-License-Identifier: Apache-2.0
// SpscRing throughput between two threads, the reader -> worker hand-off of the pipeline:
// a producer thread fills batches of 72-byte PacketMeta in place (claim, write, publish)
// and the benchmark thread drains them (front, read every element, pop), both waiting
// with Backoff when the ring is full / empty -- as engine/pipeline.cpp does with its
// PacketBatch (256 elements) in a 16-slot ring. The batch-size sweep (1, 32, 256 elements
// per slot) shows what the per-slot synchronisation costs: two shared cache lines move
// between cores per slot, however few packets it carries.
// items/s = packets/s, bytes/s = packet bytes (72 per element), both in wall time.
// Each thread needs a core of its own: on a loaded 2-core machine the figures collapse.
#include <benchmark/benchmark.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <thread>

#include "engine/base/packet_meta.hpp"
#include "engine/base/spsc_ring.hpp"

namespace weir {
namespace {

constexpr uint32_t kBatch = 256;  // PacketBatch capacity in engine/pipeline.cpp
constexpr uint32_t kSlots = 16;   // its ring depth

struct PacketBatch {  // same shape as engine/pipeline.cpp's
  uint32_t n = 0;
  bool eof = false;
  uint64_t clock_ns = 0;
  std::array<PacketMeta, kBatch> pkts;
};
using Ring = SpscRing<PacketBatch, kSlots>;

// Arg: elements per batch. One iteration = kSlots batches drained by the consumer.
void BM_SpscRingPacketBatches(benchmark::State& st) {
  const auto per_batch = static_cast<uint32_t>(st.range(0));
  auto ring = std::make_unique<Ring>();  // 16 x 18 KiB: too big for the stack
  std::array<PacketMeta, kBatch> src{};
  for (uint32_t i = 0; i < kBatch; ++i) {
    src[i].key.ip_version = 4;
    src[i].key.addr_a = {10, 0, 0, static_cast<uint8_t>(i)};
    src[i].ip_bytes = 40 + i;
    src[i].wire_bytes = 54 + i;
  }
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
  if (bad) st.SkipWithError("consumer saw packets out of sequence");
  st.SetItemsProcessed(static_cast<int64_t>(items));
  st.SetBytesProcessed(static_cast<int64_t>(items * sizeof(PacketMeta)));
  st.counters["batches_per_s"] = benchmark::Counter(static_cast<double>(st.iterations()) * kSlots,
                                                    benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SpscRingPacketBatches)->ArgName("pkts_per_batch")->Arg(1)->Arg(32)->Arg(256)->UseRealTime();

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
