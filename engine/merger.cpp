// SPDX-License-Identifier: Apache-2.0
#include "engine/merger.hpp"

#include <algorithm>
#include <chrono>
#include <deque>

#include "engine/record_orderer.hpp"

namespace weir {

void SinkSet::fail(std::size_t i, const Status& s) {
  if (errors_[i].empty()) errors_[i] = s.message.empty() ? "output error" : s.message;
}

void SinkSet::write(std::span<const FlowRecord> recs) noexcept {
  bool any = false;
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    if (!errors_[i].empty()) continue;
    if (Status s = sinks_[i]->write_burst(recs); !s) {
      fail(i, s);
    } else {
      any = true;
    }
  }
  if (any) written_.store(written_.load(std::memory_order_relaxed) + recs.size(), std::memory_order_relaxed);
}

void SinkSet::flush() noexcept {
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    if (!errors_[i].empty()) continue;
    if (Status s = sinks_[i]->flush(); !s) fail(i, s);
  }
}

void SinkSet::finish() noexcept {
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    // A failed sink is not finished: destroying it removes its temporary file.
    if (!errors_[i].empty()) continue;
    if (Status s = sinks_[i]->finish(); !s) fail(i, s);
  }
}

std::string SinkSet::not_exported_notes() const {
  std::string t;
  for (const auto& s : sinks_)
    if (s->stats().not_exported) t += s->summary() + "\n";
  return t;
}

std::string SinkSet::error() const {
  for (const std::string& e : errors_) {
    if (!e.empty()) return e;
  }
  return {};
}

namespace {

using Clock = std::chrono::steady_clock;

// Flushes the sinks every interval, written to or not: an idle flush writes nothing, and
// a rotating file output (-G) turns over on a quiet link too.
class FlushTimer {
 public:
  FlushTimer(SinkSet& sinks, uint64_t interval_ns)
      : sinks_(sinks), interval_(std::chrono::nanoseconds(interval_ns)), last_(Clock::now()) {}
  void tick() noexcept {
    if (interval_.count() == 0) return;
    const auto now = Clock::now();
    if (now - last_ < interval_) return;
    sinks_.flush();
    last_ = now;
  }

 private:
  SinkSet& sinks_;
  std::chrono::nanoseconds interval_;
  Clock::time_point last_;
};

}  // namespace

void merger_main(RecordChannel& ch, std::vector<WorkerShared*> workers, SinkSet& sinks,
                 uint64_t flush_interval_ns, MergerResult& result) noexcept {
  const std::size_t nw = workers.size();
  RecordOrderer ord;
  FlushTimer flush(sinks, flush_interval_ns);
  auto out = [&](std::span<const FlowRecord> recs) {
    sinks.write(recs);
  };
  // Final batches wait here per worker (the channel keeps each worker's order).
  std::vector<std::deque<RecordBatch*>> finals(nw);
  std::array<RecordBatch*, 64> got{};
  auto drain = [&]() -> std::size_t {
    std::size_t total = 0;
    for (;;) {
      const std::size_t n = ch.drain(got.data(), got.size());
      for (std::size_t i = 0; i < n; ++i) {
        RecordBatch* b = got[i];
        if (b->final) {
          finals[b->worker].push_back(b);
        } else {
          ord.add(std::span<const FlowRecord>(b->recs.data(), b->n));
          ch.release(b);
        }
      }
      total += n;
      if (n < got.size()) return total;
    }
  };

  Backoff bo;
  for (;;) {
    uint64_t wmin = UINT64_MAX;
    for (WorkerShared* w : workers) wmin = std::min(wmin, w->watermark_ns.load(std::memory_order_acquire));
    const std::size_t n = drain();  // after the watermarks: nothing below them can follow
    ord.release(wmin, out);
    flush.tick();
    if (wmin == UINT64_MAX) break;
    if (n) {
      bo.reset();
    } else {
      bo.pause();
    }
  }
  result.peak_pending = ord.peak_pending();

  // Phase 2: k-way merge of the final records by flow_id.
  struct Cursor {
    RecordBatch* b = nullptr;
    uint32_t i = 0;
    bool exhausted = false;
  };
  std::vector<Cursor> cur(nw);
  std::vector<FlowRecord> chunk;
  chunk.reserve(FlowMeter::kChunk);
  auto emit_chunk = [&] {
    if (!chunk.empty()) out(std::span<const FlowRecord>(chunk));
    chunk.clear();
  };
  for (;;) {
    bool waiting = false;
    for (std::size_t k = 0; k < nw; ++k) {
      Cursor& c = cur[k];
      if (c.b || c.exhausted) continue;
      const bool done = workers[k]->done.load(std::memory_order_acquire);
      if (finals[k].empty()) drain();  // after `done`: a finished worker's batches are all in
      if (!finals[k].empty()) {
        c.b = finals[k].front();
        finals[k].pop_front();
        c.i = 0;
      } else if (done) {
        c.exhausted = true;
      } else {
        waiting = true;
      }
    }
    if (waiting) {
      emit_chunk();
      flush.tick();
      bo.pause();
      continue;
    }
    bo.reset();
    std::size_t best = nw;
    for (std::size_t k = 0; k < nw; ++k) {
      if (cur[k].b && (best == nw || cur[k].b->recs[cur[k].i].flow_id <
                                         cur[best].b->recs[cur[best].i].flow_id)) {
        best = k;
      }
    }
    if (best == nw) break;  // all exhausted
    Cursor& c = cur[best];  // batches are never empty: FlowMeter::flush skips n == 0
    chunk.push_back(c.b->recs[c.i]);
    if (chunk.size() == FlowMeter::kChunk) emit_chunk();
    if (++c.i == c.b->n) {
      ch.release(c.b);
      c.b = nullptr;
    }
  }
  emit_chunk();
}

}  // namespace weir
