// SPDX-License-Identifier: Apache-2.0
#include "engine/batch.hpp"

namespace weir {

RecordChannel::RecordChannel(uint32_t workers, uint32_t batches_per_worker)
    : published_(std::size_t{workers} * batches_per_worker + 32, workers, 0) {
  for (uint32_t w = 0; w < workers; ++w) {
    free_.push_back(std::make_unique<moodycamel::ConcurrentQueue<RecordBatch*>>(batches_per_worker + 32));
    for (uint32_t i = 0; i < batches_per_worker; ++i) {
      storage_.push_back(std::make_unique<RecordBatch>());
      storage_.back()->worker = w;
      free_[w]->enqueue(storage_.back().get());
    }
    tokens_.push_back(std::make_unique<moodycamel::ProducerToken>(published_));
  }
}

RecordBatch* RecordChannel::acquire(uint32_t worker) noexcept {
  RecordBatch* b = nullptr;
  Backoff bo;
  while (!free_[worker]->try_dequeue(b)) bo.pause();
  (void)b->handoff.load(std::memory_order_acquire);  // the merger is done reading it
  return b;
}

void RecordChannel::publish(uint32_t worker, RecordBatch* b) noexcept {
  b->handoff.store(1, std::memory_order_release);
  // Blocks for every batch were reserved up front: no allocation in steady state.
  published_.enqueue(*tokens_[worker], b);
}

std::size_t RecordChannel::drain(RecordBatch** out, std::size_t max) noexcept {
  const std::size_t n = published_.try_dequeue_bulk(out, max);
  for (std::size_t i = 0; i < n; ++i) (void)out[i]->handoff.load(std::memory_order_acquire);
  return n;
}

void RecordChannel::release(RecordBatch* b) noexcept {
  b->handoff.store(0, std::memory_order_release);
  free_[b->worker]->enqueue(b);
}

}  // namespace weir
