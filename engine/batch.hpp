// SPDX-License-Identifier: Apache-2.0
// The units that cross threads in the engine, and the channel that carries records.
//
//   PacketBatch   reader -> worker (ordered replay only): up to kBatch decoded packets
//                 plus the reader's clock, filled in place in an SpscRing slot.
//   RecordBatch   worker -> merger: up to FlowMeter::kChunk finished records.
//   RecordChannel many workers -> one merger: a moodycamel ConcurrentQueue of batch
//                 pointers (one producer token per worker, so each worker's batches
//                 arrive in the order it sent them) and, per worker, a ConcurrentQueue
//                 as the pool of that worker's free batches. All batches are allocated
//                 up front; a worker that finds its pool empty waits for the merger
//                 (back-pressure), so records are never dropped and memory stays
//                 bounded. Pools are per worker because at the end of a run the merger
//                 holds one worker's final batches while it waits for another's: with
//                 one shared pool the first could take every batch and starve the second.
//
// Why moodycamel here and an own SPSC ring for packets: records flow many -> one and
// batches are recycled by another thread than the one that fills them, which is what
// ConcurrentQueue is for; packet batches flow one -> one and are filled in place in the
// ring slot, which bench/engine/queue_bench.cpp measures faster than passing pointers
// through ConcurrentQueue.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include <concurrentqueue/concurrentqueue.h>

#include "engine/base/packet_meta.hpp"
#include "engine/base/spsc_ring.hpp"
#include "flowtable/flow_meter.hpp"

namespace weir {

inline constexpr uint32_t kBatch = 256;

struct PacketBatch {
  uint32_t n = 0;
  bool eof = false;
  uint64_t clock_ns = 0;
  std::array<PacketMeta, kBatch> pkts;
};

struct RecordBatch {
  uint32_t worker = 0;
  uint32_t n = 0;
  bool final = false;  // end-of-run records (reason eof or shutdown), in ascending flow_id
  // Hand-off of the contents: stored (release) by the side giving the batch away, loaded
  // (acquire) by the side taking it. ConcurrentQueue already orders this with fences,
  // which ThreadSanitizer does not model; this one atomic per batch makes the order
  // explicit, so the TSan build checks the engine's own data instead of reporting the
  // queue's fences.
  std::atomic<uint32_t> handoff{0};
  std::array<FlowRecord, FlowMeter::kChunk> recs;
};

class RecordChannel {
 public:
  RecordChannel(uint32_t workers, uint32_t batches_per_worker);
  RecordChannel(const RecordChannel&) = delete;
  RecordChannel& operator=(const RecordChannel&) = delete;

  // Worker w: one of its free batches (waits while none is free), then hands it over.
  RecordBatch* acquire(uint32_t worker) noexcept;
  void publish(uint32_t worker, RecordBatch* b) noexcept;

  // Merger: up to max published batches, in each worker's order; 0 when none is waiting.
  std::size_t drain(RecordBatch** out, std::size_t max) noexcept;
  void release(RecordBatch* b) noexcept;

 private:
  std::vector<std::unique_ptr<RecordBatch>> storage_;
  moodycamel::ConcurrentQueue<RecordBatch*> published_;
  std::vector<std::unique_ptr<moodycamel::ConcurrentQueue<RecordBatch*>>> free_;  // per worker
  std::vector<std::unique_ptr<moodycamel::ProducerToken>> tokens_;  // one per worker
};

}  // namespace weir
