// SPDX-License-Identifier: Apache-2.0
#include "engine/pipeline.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "capture/bpf_filter.hpp"
#include "capture/decode/decoder.hpp"
#include "capture/pcap_file/file_source.hpp"
#include "engine/base/spsc_ring.hpp"
#include "engine/merger.hpp"
#include "exporters/flow_sink.hpp"
#include "flowtable/flow_hash.hpp"
#include "flowtable/flow_meter.hpp"

namespace weir {

namespace {

constexpr uint32_t kRxBurst = 256;
volatile uint64_t benchmark_sink = 0;  // --stop-after results land here (not optimised out)
constexpr uint32_t kBatch = 256;

struct PacketBatch {
  uint32_t n = 0;
  bool eof = false;
  uint64_t clock_ns = 0;
  std::array<PacketMeta, kBatch> pkts;
};

struct RecordBatch {
  uint32_t n = 0;
  bool eof = false;  // end-of-input records, in ascending flow_id (FlowMeter::finish)
  std::array<FlowRecord, FlowMeter::kChunk> recs;
};

// Everything one worker shares with the reader and the merger.
struct alignas(kNoFalseSharing) WorkerCtx {
  SpscRing<PacketBatch, 16> in;   // reader -> worker
  SpscRing<RecordBatch, 8> out;   // worker -> merger
  // Written by the worker (release) after the records it covers were published on
  // `out`; read by the merger (acquire) before it drains `out`.
  alignas(kNoFalseSharing) std::atomic<uint64_t> watermark_ns{0};
  std::atomic<bool> done{false};       // worker: all records published (release)
  std::atomic<uint32_t> live{0};       // worker: live flows, for the progress line
  MeterStats stats;                    // written by the worker before `done`
};

class RingEmitter final : public RecordEmitter {
 public:
  explicit RingEmitter(SpscRing<RecordBatch, 8>& ring) : ring_(ring) {}
  void emit(std::span<const FlowRecord> recs) override {
    RecordBatch* b;
    Backoff bo;
    while ((b = ring_.claim()) == nullptr) bo.pause();
    std::copy(recs.begin(), recs.end(), b->recs.begin());
    b->n = static_cast<uint32_t>(recs.size());
    b->eof = !recs.empty() && recs.front().end_reason == EndReason::eof;
    ring_.publish();
  }

 private:
  SpscRing<RecordBatch, 8>& ring_;
};

// Writes ordered records to the sink; remembers the first error and stops writing.
struct SinkWriter {
  FlowSink* sink;
  std::string error;
  uint64_t written = 0;
  void operator()(std::span<const FlowRecord> recs) {
    if (!error.empty()) return;
    Status s = sink->write_burst(recs);
    if (!s) {
      error = s.message;
      return;
    }
    written += recs.size();
  }
};

// -w 1: records go to the orderer; at end of input (already in output order) straight
// to the sink.
class InlineEmitter final : public RecordEmitter {
 public:
  InlineEmitter(RecordOrderer& o, SinkWriter& w) : o_(o), w_(w) {}
  void emit(std::span<const FlowRecord> recs) override {
    if (direct_) {
      w_(recs);
    } else {
      o_.add(recs);
    }
  }
  void go_direct() noexcept { direct_ = true; }

 private:
  RecordOrderer& o_;
  SinkWriter& w_;
  bool direct_ = false;
};

void worker_main(WorkerCtx& w, MeterConfig mc) {
  RingEmitter em(w.out);
  FlowMeter meter(mc, em);
  Backoff bo;
  uint64_t published_wm = 0;
  for (;;) {
    PacketBatch* b = w.in.front();
    if (!b) {
      bo.pause();
      continue;
    }
    bo.reset();
    if (b->n) meter.process_burst(std::span<const PacketMeta>(b->pkts.data(), b->n));
    meter.advance(b->clock_ns);
    const bool eof = b->eof;
    w.in.pop();
    if (eof) break;
    const uint64_t wm = meter.watermark_ns();
    if (wm != published_wm) {
      meter.flush();  // records below the new watermark must be on the ring first
      w.watermark_ns.store(wm, std::memory_order_release);
      published_wm = wm;
    }
    w.live.store(meter.stats().live, std::memory_order_relaxed);
  }
  // Every record still to come ends at eof (expiry_ns = UINT64_MAX): publish the
  // records that ended earlier, then let the merger release all of them.
  meter.flush();
  w.watermark_ns.store(UINT64_MAX, std::memory_order_release);
  meter.finish();
  w.stats = meter.stats();
  w.done.store(true, std::memory_order_release);
}

// Two phases. (1) Until every worker has published watermark UINT64_MAX: move records
// into the orderer and release those below the smallest watermark. (2) End of input:
// release the rest, then k-way merge the workers' end-of-input streams (each already in
// flow_id order) straight to the sink -- nothing is held but one batch per worker.
void merger_main(std::vector<std::unique_ptr<WorkerCtx>>& workers, SinkWriter& out,
                 std::size_t& peak_pending) {
  RecordOrderer ord;
  Backoff bo;
  for (;;) {
    uint64_t wmin = UINT64_MAX;
    for (auto& w : workers) wmin = std::min(wmin, w->watermark_ns.load(std::memory_order_acquire));
    bool got = false;
    for (auto& w : workers) {
      while (RecordBatch* b = w->out.front()) {
        if (b->eof) break;  // phase 2 material
        ord.add(std::span<const FlowRecord>(b->recs.data(), b->n));
        w->out.pop();
        got = true;
      }
    }
    ord.release(wmin, out);
    if (wmin == UINT64_MAX) break;  // read before draining: no earlier record can follow
    if (got) {
      bo.reset();
    } else {
      bo.pause();
    }
  }
  peak_pending = ord.peak_pending();

  struct Cursor {
    RecordBatch* b = nullptr;
    uint32_t i = 0;
    bool exhausted = false;
  };
  std::vector<Cursor> cur(workers.size());
  std::vector<FlowRecord> chunk;
  chunk.reserve(FlowMeter::kChunk);
  for (;;) {
    // Every worker needs a current record (or to be finished) before one can be chosen.
    bool waiting = false;
    for (std::size_t k = 0; k < workers.size(); ++k) {
      Cursor& c = cur[k];
      while (!c.b && !c.exhausted) {
        const bool done = workers[k]->done.load(std::memory_order_acquire);
        c.b = workers[k]->out.front();  // after `done`: a finished worker's ring is final
        if (!c.b) {
          if (done) c.exhausted = true;
          else break;
        }
        c.i = 0;
      }
      if (!c.b && !c.exhausted) waiting = true;
    }
    if (waiting) {
      if (!chunk.empty()) {
        out(std::span<const FlowRecord>(chunk));
        chunk.clear();
      }
      bo.pause();
      continue;
    }
    bo.reset();
    std::size_t best = workers.size();
    for (std::size_t k = 0; k < workers.size(); ++k) {
      if (cur[k].b && (best == workers.size() ||
                       cur[k].b->recs[cur[k].i].flow_id < cur[best].b->recs[cur[best].i].flow_id)) {
        best = k;
      }
    }
    if (best == workers.size()) break;  // all exhausted
    Cursor& c = cur[best];  // batches are never empty: FlowMeter::flush skips n == 0
    chunk.push_back(c.b->recs[c.i]);
    if (chunk.size() == FlowMeter::kChunk) {
      out(std::span<const FlowRecord>(chunk));
      chunk.clear();
    }
    if (++c.i == c.b->n) {
      workers[best]->out.pop();
      c.b = nullptr;
    }
  }
  if (!chunk.empty()) out(std::span<const FlowRecord>(chunk));
}

// Progress line on stderr, at most twice a second.
class Progress {
 public:
  Progress(bool on, const PacketSource& src) : on_(on), src_(src), start_(Clock::now()), last_(start_) {}
  void maybe_print(uint64_t packets, uint64_t wire_bytes, uint64_t live_flows) {
    if (!on_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    const double s = std::chrono::duration<double>(now - start_).count();
    const uint64_t total = src_.bytes_total(), done = src_.bytes_read();
    char line[200];
    int n = 0;
    if (total) n += std::snprintf(line + n, sizeof line - n, "%5.1f%%  ", 100.0 * static_cast<double>(done) / static_cast<double>(total));
    n += std::snprintf(line + n, sizeof line - n, "%.2fM pkts  %.2f Mpps  %.2f Gbps  %.1fk flows",
                       static_cast<double>(packets) / 1e6, static_cast<double>(packets) / s / 1e6,
                       static_cast<double>(wire_bytes) * 8 / s / 1e9, static_cast<double>(live_flows) / 1e3);
    if (total && done) {
      const double eta = s * static_cast<double>(total - done) / static_cast<double>(done);
      n += std::snprintf(line + n, sizeof line - n, "  ETA %d:%02d", static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    }
    std::fprintf(stderr, "\r%s   ", line);
    printed_ = true;
  }
  void clear() {
    if (printed_) std::fprintf(stderr, "\r%80s\r", "");
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool on_;
  const PacketSource& src_;
  Clock::time_point start_, last_;
  bool printed_ = false;
};

}  // namespace

Status run_pipeline(const EngineConfig& cfg, RunSummary& sum) {
  sum = RunSummary{};
  std::unique_ptr<PacketSource> src;
  FileSourceConfig fcfg;
  fcfg.paths = cfg.inputs;
  fcfg.method = cfg.read_method;
  if (Status s = open_file_source(fcfg, src); !s) return std::move(s).at(Origin::input);
  std::unique_ptr<BpfFilter> filter;
  if (!cfg.filter.empty()) {
    if (Status s = BpfFilter::create(cfg.filter, filter); !s) return std::move(s).at(Origin::config);
  }
  std::unique_ptr<FlowSink> sink;
  SinkConfig scfg = cfg.sink;
  scfg.bidirectional = cfg.bidirectional;
  if (Status s = open_sink(scfg, sink); !s) return std::move(s).at(Origin::output);

  DecodeConfig dcfg;
  dcfg.bidirectional = cfg.bidirectional;
  dcfg.vlan_key = cfg.vlan_key;
  Decoder decoder(dcfg);

  // Auto: the reader takes one core, the workers the others (2 cores: reader + 1 worker,
  // the fastest two-thread layout measured; see bench/RESULTS.md).
  bool reader_thread = cfg.reader_thread;
  uint32_t n_workers = cfg.workers;
  if (n_workers == 0) {
    const uint32_t cores = std::max(1u, std::thread::hardware_concurrency());
    n_workers = std::max(1u, cores - 1);
    reader_thread = cores > 1;  // one core: everything inline beats two threads sharing it
  }
  n_workers = std::min<uint32_t>(n_workers, 64);
  MeterConfig mc;
  mc.bidirectional = cfg.bidirectional;
  mc.idle_timeout_ns = cfg.idle_timeout_ns;
  mc.active_timeout_ns = cfg.active_timeout_ns;
  mc.tcp_close_grace_ns = cfg.tcp_close_grace_ns;
  mc.max_flows = static_cast<uint32_t>(std::max<uint64_t>(1, (cfg.max_flows + n_workers - 1) / n_workers));
  sum.workers = n_workers;
  // --stop-after runs the reader inline whatever the layout.
  sum.reader_thread = cfg.stop_after == EngineConfig::Stage::all && (reader_thread || n_workers > 1);
  sum.files = cfg.inputs.size();

  const auto t0 = std::chrono::steady_clock::now();
  Progress progress(cfg.progress, *src);
  std::array<PacketView, kRxBurst> views;
  uint64_t clock_ns = 0;
  SinkWriter writer{sink.get(), {}, 0};

  // Decodes views[0..n) and hands each flow packet to put(meta, hash64).
  auto decode_burst = [&](uint32_t n, auto&& put) {
    for (uint32_t i = 0; i < n; ++i) {
      const PacketView& v = views[i];
      const uint64_t index = sum.packets_read++;
      sum.wire_bytes_read += v.wire_len;
      if (v.ts_ns > clock_ns) clock_ns = v.ts_ns;
      if (filter && !filter->match(v)) {
        ++sum.filtered;
        continue;
      }
      PacketMeta m;
      const DecodeOutcome o = decoder.decode(v, clock_ns, m);
      if (o != DecodeOutcome::flow) {
        ++sum.decode[static_cast<std::size_t>(o)];
        continue;
      }
      ++sum.decode[0];
      m.ts_ns = clock_ns;
      m.index = index;
      const uint64_t h = flow_hash64(m.key);
      m.hash = static_cast<uint32_t>(h);
      put(m, h);
    }
  };
  auto note_status = [&](const RxResult& r) {
    if (r.status == RxStatus::error) sum.input_error = src->error().message;
    return r.status == RxStatus::end_of_file || r.status == RxStatus::error;
  };

  if (cfg.stop_after != EngineConfig::Stage::all) {
    // Stage timing: the reader alone, or reader + decoder + hash; nothing is metered.
    sum.partial_run = true;
    uint64_t checksum = 0;  // keeps the work observable so it cannot be optimised away
    for (uint64_t bursts = 0;; ++bursts) {
      const RxResult r = src->rx_burst(views);
      if (cfg.stop_after == EngineConfig::Stage::read) {
        for (uint32_t i = 0; i < r.n; ++i) {
          ++sum.packets_read;
          sum.wire_bytes_read += views[i].wire_len;
          checksum += views[i].ts_ns;
        }
      } else {
        decode_burst(r.n, [&](const PacketMeta&, uint64_t h) { checksum ^= h; });
      }
      if ((bursts & 63) == 0) progress.maybe_print(sum.packets_read, sum.wire_bytes_read, 0);
      if (note_status(r)) break;
    }
    benchmark_sink = checksum;
  } else if (n_workers == 1 && !reader_thread) {
    RecordOrderer ord;
    InlineEmitter em(ord, writer);
    FlowMeter meter(mc, em);
    std::array<PacketMeta, kRxBurst> metas;
    for (uint64_t bursts = 0;; ++bursts) {
      const RxResult r = src->rx_burst(views);
      uint32_t k = 0;
      decode_burst(r.n, [&](const PacketMeta& m, uint64_t) { metas[k++] = m; });
      meter.process_burst(std::span<const PacketMeta>(metas.data(), k));
      meter.advance(clock_ns);
      meter.flush();
      ord.release(meter.watermark_ns(), writer);
      if ((bursts & 63) == 0) progress.maybe_print(sum.packets_read, sum.wire_bytes_read, meter.stats().live);
      if (note_status(r)) break;
    }
    // Records that ended before the input did, then the end-of-input ones, which
    // finish() emits in flow_id order -- the output order -- straight to the sink.
    meter.flush();
    ord.release(UINT64_MAX, writer);
    em.go_direct();
    meter.finish();
    const MeterStats& ms = meter.stats();
    sum.packets_metered = ms.packets;
    sum.records = ms.records;
    sum.records_total = ms.records_total;
    sum.record_packets = ms.record_packets;
    sum.peak_live_flows = ms.peak_live;
  } else {
    std::vector<std::unique_ptr<WorkerCtx>> ctx;
    for (uint32_t i = 0; i < n_workers; ++i) ctx.push_back(std::make_unique<WorkerCtx>());
    std::vector<std::thread> threads;
    for (uint32_t i = 0; i < n_workers; ++i) threads.emplace_back(worker_main, std::ref(*ctx[i]), mc);
    std::size_t peak_pending = 0;
    std::thread merger(merger_main, std::ref(ctx), std::ref(writer), std::ref(peak_pending));

    std::vector<PacketBatch*> cur(n_workers, nullptr);
    std::vector<uint64_t> sent_clock(n_workers, 0);
    auto batch_of = [&](uint32_t w) {
      if (!cur[w]) {
        Backoff bo;
        while ((cur[w] = ctx[w]->in.claim()) == nullptr) bo.pause();
        cur[w]->n = 0;
        cur[w]->eof = false;
      }
      return cur[w];
    };
    auto send = [&](uint32_t w, bool eof) {
      PacketBatch* b = batch_of(w);
      b->clock_ns = clock_ns;
      b->eof = eof;
      ctx[w]->in.publish();
      cur[w] = nullptr;
      sent_clock[w] = clock_ns;
    };
    for (uint64_t bursts = 0;; ++bursts) {
      const RxResult r = src->rx_burst(views);
      decode_burst(r.n, [&](const PacketMeta& m, uint64_t h) {
        const uint32_t w = worker_of(h, n_workers);
        PacketBatch* b = batch_of(w);
        b->pkts[b->n++] = m;
        if (b->n == kBatch) send(w, false);
      });
      // Carry the clock to every worker at least once per tick of packet time.
      for (uint32_t w = 0; w < n_workers; ++w) {
        if (clock_ns - sent_clock[w] >= mc.tick_ns) send(w, false);
      }
      if ((bursts & 63) == 0) {
        uint64_t live = 0;
        for (auto& c : ctx) live += c->live.load(std::memory_order_relaxed);
        progress.maybe_print(sum.packets_read, sum.wire_bytes_read, live);
      }
      if (note_status(r)) break;
    }
    for (uint32_t w = 0; w < n_workers; ++w) send(w, true);
    for (auto& t : threads) t.join();
    merger.join();
    for (auto& c : ctx) {
      const MeterStats& ms = c->stats;
      sum.packets_metered += ms.packets;
      for (std::size_t i = 0; i < kNumEndReasons; ++i) sum.records[i] += ms.records[i];
      sum.records_total += ms.records_total;
      sum.record_packets += ms.record_packets;
      sum.peak_live_flows += ms.peak_live;
    }
  }
  progress.clear();
  sum.records_written = writer.written;
  sum.output_error = writer.error;
  if (Status s = sink->finish(); !s && sum.output_error.empty()) sum.output_error = s.message;
  sum.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const SourceStats& ss = src->stats();
  sum.caplen_over_wire = ss.caplen_over_wire;
  sum.ts_backwards = ss.ts_backwards;
  sum.fragments_attributed = decoder.stats().fragments_attributed;
  return Status::ok();
}

}  // namespace weir
