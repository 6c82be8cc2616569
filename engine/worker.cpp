// SPDX-License-Identifier: Apache-2.0
#include "engine/worker.hpp"

#include <time.h>

#include <algorithm>
#include <array>

namespace weir {

namespace {

constexpr uint32_t kRxBurst = 256;
// A live source that keeps returning empty bursts without a timeout (a DPDK poll) reads
// the wall clock every this many polls.
constexpr uint32_t kEmptyPollsPerClockRead = 256;

}  // namespace

uint64_t wall_clock_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint32_t RunControl::claim(uint32_t n) noexcept {
  if (packet_limit == 0 || n == 0) return n;
  uint64_t have = packets_claimed.load(std::memory_order_relaxed);
  for (;;) {
    if (have >= packet_limit) {
      stop.store(true, std::memory_order_relaxed);
      return 0;
    }
    const uint64_t take = std::min<uint64_t>(n, packet_limit - have);
    if (packets_claimed.compare_exchange_weak(have, have + take, std::memory_order_relaxed)) {
      if (have + take == packet_limit) stop.store(true, std::memory_order_relaxed);
      return static_cast<uint32_t>(take);
    }
  }
}

bool RunControl::past_duration(uint64_t ts_ns) noexcept {
  if (duration_ns == 0) return false;
  uint64_t first = first_ts_ns.load(std::memory_order_relaxed);
  if (first == 0) {
    // The first packet of the run (any queue) starts the clock.
    if (first_ts_ns.compare_exchange_strong(first, ts_ns, std::memory_order_relaxed)) first = ts_ns;
  }
  return ts_ns >= first && ts_ns - first >= duration_ns;
}

void ChannelEmitter::emit(std::span<const FlowRecord> recs) {
  RecordBatch* b = ch_.acquire(worker_);
  std::copy(recs.begin(), recs.end(), b->recs.begin());
  b->n = static_cast<uint32_t>(recs.size());
  b->final = final_;
  ch_.publish(worker_, b);
}

Worker::Worker(uint32_t id, RecordChannel& ch, const MeterConfig& mc)
    : em_(ch, id), meter_(mc, em_), hash_seed_(mc.hash_seed) {
  w_.id = id;
}

// End of a worker's run: records that ended earlier go out under the old watermark, then
// watermark UINT64_MAX, then every live flow (in flow_id order), then done.
void Worker::finish(EndReason why) noexcept {
  meter_.flush();
  w_.watermark_ns.store(UINT64_MAX, std::memory_order_release);
  em_.go_final();
  meter_.finish(why);
  w_.meter = meter_.stats();
  w_.live_flows.store(0, std::memory_order_relaxed);
  w_.records.store(w_.meter.records_total, std::memory_order_relaxed);
  w_.packets_metered.store(w_.meter.packets, std::memory_order_relaxed);
  w_.done.store(true, std::memory_order_release);
}

// After a burst: records below the new watermark are published first (see worker.hpp).
void Worker::publish_progress() noexcept {
  const uint64_t wm = meter_.watermark_ns();
  if (wm != published_wm_) {
    meter_.flush();
    w_.watermark_ns.store(wm, std::memory_order_release);
    published_wm_ = wm;
  }
  const MeterStats& ms = meter_.stats();
  w_.live_flows.store(ms.live, std::memory_order_relaxed);
  w_.packets_metered.store(ms.packets, std::memory_order_relaxed);
  w_.records.store(ms.records_total, std::memory_order_relaxed);
  w_.clock_ns.store(meter_.clock_ns(), std::memory_order_relaxed);
}

void Worker::run_ordered(const RunControl& run) noexcept {
  Backoff bo;
  for (;;) {
    PacketBatch* b = w_.in->front();
    if (!b) {
      bo.pause();
      continue;
    }
    bo.reset();
    if (b->n) meter_.process_burst(std::span<const PacketMeta>(b->pkts.data(), b->n));
    meter_.advance(b->clock_ns);
    const bool eof = b->eof;
    w_.in->pop();
    if (eof) break;
    publish_progress();
  }
  finish(run.interrupted.load(std::memory_order_relaxed) ? EndReason::shutdown : EndReason::eof);
}

void Worker::run_queue(PacketSource& src, std::unique_ptr<BpfFilter> filter, const DecodeConfig& dcfg,
                       uint32_t queues, RunControl& run) noexcept {
  Ingest ingest(dcfg, src.applies_filter() ? nullptr : std::move(filter), hash_seed_, w_.id, queues);
  std::array<PacketView, kRxBurst> views;
  std::array<PacketMeta, kRxBurst> metas;
  const bool live = src.live();
  uint32_t empty_polls = 0;
  for (;;) {
    if (run.stop.load(std::memory_order_relaxed)) break;
    const RxResult r = src.rx_burst(views);
    uint32_t n = run.claim(r.n);
    if (run.duration_ns && n) {
      // Packets at or past --duration end the run; the ones before it are metered.
      uint32_t keep = 0;
      while (keep < n && !run.past_duration(views[keep].ts_ns)) ++keep;
      if (keep < n) run.stop.store(true, std::memory_order_relaxed);
      n = keep;
    }
    uint32_t k = 0;
    ingest.burst(std::span<const PacketView>(views.data(), n), src.burst_indices(),
                 [&](const PacketMeta& m, uint64_t) { metas[k++] = m; });
    if (k) meter_.process_burst(std::span<const PacketMeta>(metas.data(), k));
    if (live && r.n == 0 &&
        (r.status == RxStatus::timeout || ++empty_polls == kEmptyPollsPerClockRead)) {
      empty_polls = 0;
      const uint64_t now = wall_clock_ns();
      ingest.advance_clock(now);
      if (run.duration_ns && run.past_duration(now)) run.stop.store(true, std::memory_order_relaxed);
    }
    meter_.advance(ingest.clock_ns());
    publish_progress();
    w_.packets_received.store(ingest.counters().packets, std::memory_order_relaxed);
    if (w_.stats_request.load(std::memory_order_relaxed)) [[unlikely]] {
      src.refresh_stats();
      w_.kernel_drops.store(src.stats().kernel_drops, std::memory_order_relaxed);
      w_.interface_drops.store(src.stats().interface_drops, std::memory_order_relaxed);
      w_.stats_request.store(false, std::memory_order_relaxed);
    }
    if (r.status == RxStatus::error) {
      w_.input_error = src.error().message;
      break;
    }
    if (r.status == RxStatus::end_of_file) break;
  }
  src.refresh_stats();
  w_.kernel_drops.store(src.stats().kernel_drops, std::memory_order_relaxed);
  w_.interface_drops.store(src.stats().interface_drops, std::memory_order_relaxed);
  w_.ingest = ingest.counters();
  w_.decoder = ingest.decoder_stats();
  w_.source = src.stats();
  finish(run.interrupted.load(std::memory_order_relaxed) ? EndReason::shutdown : EndReason::eof);
}

}  // namespace weir
