// SPDX-License-Identifier: Apache-2.0
#include "engine/engine.hpp"

#include "capture/live/privileges.hpp"

#include <sys/random.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <new>
#include <thread>

#include "capture/bpf_filter.hpp"
#include "capture/capture_registry.hpp"
#include "engine/batch.hpp"
#include "engine/ingest.hpp"
#include "engine/merger.hpp"
#include "engine/progress.hpp"
#include "engine/record_orderer.hpp"
#include "engine/split_replay.hpp"
#include "engine/worker.hpp"
#include "flowtable/flow_hash.hpp"
#include "flowtable/flow_meter.hpp"

namespace weir {

namespace {

constexpr uint32_t kRxBurst = 256;
// Record batches per worker: enough that a worker rarely waits for the merger.
constexpr uint32_t kRecordBatchesPerWorker = 8;
volatile uint64_t benchmark_sink = 0;  // --stop-after results land here (not optimised out)

// -w 1 in one thread: records go to the orderer; the final ones (already in output
// order) straight to the sinks.
class InlineEmitter final : public RecordEmitter {
 public:
  InlineEmitter(RecordOrderer& o, SinkSet& s) : o_(o), s_(s) {}
  void emit(std::span<const FlowRecord> recs) override {
    if (direct_) {
      s_.write(recs);
    } else {
      o_.add(recs);
    }
  }
  void go_direct() noexcept { direct_ = true; }

 private:
  RecordOrderer& o_;
  SinkSet& s_;
  bool direct_ = false;
};

void add_meter_stats(RunSummary& sum, const MeterStats& ms) {
  sum.packets_metered += ms.packets;
  for (std::size_t i = 0; i < kNumEndReasons; ++i) sum.records[i] += ms.records[i];
  sum.records_total += ms.records_total;
  sum.record_packets += ms.record_packets;
  sum.peak_live_flows += ms.peak_live;
}

void add_ingest(RunSummary& sum, const IngestCounters& c) {
  sum.packets_read += c.packets;
  sum.wire_bytes_read += c.wire_bytes;
  sum.filtered += c.filtered;
  for (std::size_t i = 0; i < kNumDecodeOutcomes; ++i) sum.decode[i] += c.decode[i];
}

uint64_t not_metered_of(const IngestCounters& c) {
  uint64_t n = c.filtered;
  for (std::size_t i = 1; i < kNumDecodeOutcomes; ++i) n += c.decode[i];
  return n;
}

uint64_t random_seed() {
  uint64_t s = 0;
  if (getrandom(&s, sizeof s, 0) != static_cast<ssize_t>(sizeof s)) {
    s = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  }
  return s;
}

}  // namespace

struct Engine::Impl {
  EngineConfig cfg;
  std::vector<std::unique_ptr<PacketSource>> sources;
  std::vector<std::unique_ptr<FlowSink>> sinks;
  bool opened = false;
  bool ran = false;
  bool live = false;
  bool per_queue = false;
  bool reader_thread = false;
  bool split = false;  // split replay: every worker reads a share of one classic pcap file
  PcapFileInfo split_file;
  uint32_t n_workers = 1;
  MeterConfig mc;
  DecodeConfig dcfg;
  RunControl run;

  Status validate();
  Status make_filter(std::unique_ptr<BpfFilter>& out) const;
  Status make_workers(RecordChannel& ch, std::vector<std::unique_ptr<Worker>>& out) const;
  void run_stages(RunSummary& sum);
  Status run_inline(RunSummary& sum, SinkSet& sinks);
  Status run_ordered(RunSummary& sum, SinkSet& sinks);
  Status run_queues(RunSummary& sum, SinkSet& sinks);
  void finish_source_stats(RunSummary& sum) const;
  // -c / --duration for ordered replay: how many of the n views to read; sets run.stop
  // when the limit is reached.
  uint32_t ordered_limit(std::span<const PacketView> views, uint64_t read_so_far);
};

Engine::Engine(EngineConfig cfg) : impl_(std::make_unique<Impl>()) {
  impl_->cfg = std::move(cfg);
}
Engine::~Engine() = default;

void Engine::add_source(std::unique_ptr<PacketSource> src) { impl_->sources.push_back(std::move(src)); }
void Engine::add_sink(std::unique_ptr<FlowSink> sink) { impl_->sinks.push_back(std::move(sink)); }

void Engine::stop() noexcept {
  impl_->run.interrupted.store(true, std::memory_order_relaxed);
  impl_->run.stop.store(true, std::memory_order_relaxed);
}

Status Engine::Impl::validate() {
  auto bad = [](std::string m) { return Status(Errc::invalid_argument, Origin::config, std::move(m)); };
  if (cfg.max_flows == 0 || cfg.max_flows > kMaxFlowsLimit) {
    return bad("--max-flows: expected 1 to " + std::to_string(kMaxFlowsLimit) + " flows, got " +
               std::to_string(cfg.max_flows));
  }
  if (cfg.workers > kMaxWorkers) {
    return bad("-w: at most " + std::to_string(kMaxWorkers) + " workers, got " + std::to_string(cfg.workers));
  }
  if (cfg.active_timeout_ns > kMaxActiveTimeoutNs) {
    return bad("--active-timeout: at most " + std::to_string(kMaxActiveTimeoutNs / 1'000'000'000) + " s");
  }
  if (cfg.capture.files.empty() && cfg.capture.interface.empty() && sources.empty()) {
    return bad("no input: give a capture file with -r FILE or an interface with -i IFACE");
  }
  if (!cfg.capture.files.empty() && !cfg.capture.interface.empty()) {
    return bad("-r and -i cannot be combined");
  }
  if (cfg.per_queue && std::find(cfg.capture.files.begin(), cfg.capture.files.end(), "-") != cfg.capture.files.end()) {
    return bad("--per-queue reads the input once per queue: it needs files, not standard input");
  }
  if (cfg.stop_after != EngineConfig::Stage::all && (cfg.per_queue || !cfg.capture.interface.empty())) {
    return bad("--stop-after measures the ordered-replay reader: not with --per-queue or -i");
  }
  return Status::ok();
}

Status Engine::Impl::make_filter(std::unique_ptr<BpfFilter>& out) const {
  out.reset();
  if (cfg.filter.empty()) return Status::ok();
  return BpfFilter::create(cfg.filter, out).at(Origin::config);
}

Status Engine::open() {
  Impl& m = *impl_;
  if (m.opened) return Status::ok();
  if (Status s = m.validate(); !s) return s;
  const EngineConfig& cfg = m.cfg;
  m.live = !cfg.capture.interface.empty();
  m.per_queue = m.live || cfg.per_queue;
  const uint32_t cores = std::max(1u, std::thread::hardware_concurrency());

  // Live: a random flow hash seed per run (hash flooding); files: fixed, for determinism.
  m.mc.hash_seed = m.live ? random_seed() : kFlowHashSeed;
  // The filter compiles now, so a bad expression is a usage error before anything opens.
  std::unique_ptr<BpfFilter> probe;
  if (Status s = m.make_filter(probe); !s) return s;

  // One big classic pcap and several cores: every worker reads its share of the file
  // (engine/split_replay.hpp) -- unless the run needs one reader in input order (-c,
  // --duration, --stop-after) or asked for it (--reader-thread).
  if (m.sources.empty() && !m.per_queue && cfg.capture.files.size() == 1 && !cfg.reader_thread &&
      cfg.packet_limit == 0 && cfg.duration_ns == 0 && cfg.stop_after == EngineConfig::Stage::all &&
      (cfg.workers >= 2 || (cfg.workers == 0 && cores >= 2)) &&
      probe_classic_pcap(cfg.capture.files.front(), m.split_file)) {
    m.split = true;
  }
  if (m.sources.empty() && !m.split) {
    CaptureSpec spec = cfg.capture;
    spec.queues = m.per_queue ? (cfg.workers ? cfg.workers : cores) : 1;
    spec.filter = cfg.filter;
    spec.hash_seed = m.mc.hash_seed;
    spec.stop = &m.run.stop;
    if (Status s = open_capture(spec, m.sources); !s) return std::move(s).at(Origin::input);
    if (m.sources.empty()) return {Errc::io_error, Origin::input, "the capture opened no packet source"};
  }
  // --stop-after writes no records, so it opens no output (not even a CSV header).
  if (m.sinks.empty() && cfg.stop_after == EngineConfig::Stage::all) {
    std::vector<SinkConfig> outs = cfg.outputs;
    if (outs.empty()) outs.push_back(SinkConfig{});
    for (SinkConfig sc : outs) {
      sc.bidirectional = cfg.bidirectional;
      sc.exp.files_in_place = sc.exp.files_in_place || !cfg.drop_user.empty();
      std::unique_ptr<FlowSink> sink;
      if (Status s = open_sink(sc, sink); !s) return std::move(s).at(Origin::output);
      m.sinks.push_back(std::move(sink));
    }
  }
  // -Z: everything that needs root is open now (capture/live/privileges.hpp).
  if (!cfg.drop_user.empty()) {
    if (Status s = drop_privileges(cfg.drop_user); !s) return std::move(s).at(Origin::config);
  }

  // Sources the caller gave decide the shape themselves: live ones, or several, run per queue.
  if (!m.split) {
    m.live = m.sources.front()->live();
    m.per_queue = m.live || cfg.per_queue || m.sources.size() > 1;
    if (m.live && m.mc.hash_seed == kFlowHashSeed) m.mc.hash_seed = random_seed();
  }
  if (m.split) {
    m.n_workers = cfg.workers ? cfg.workers : cores;
    m.reader_thread = false;
  } else if (m.per_queue) {
    m.n_workers = static_cast<uint32_t>(m.sources.size());
    m.reader_thread = false;
  } else {
    // Auto: the reader takes one core, the workers the others (2 cores: reader + 1
    // worker); on one core everything runs inline.
    m.reader_thread = cfg.reader_thread;
    m.n_workers = cfg.workers;
    if (m.n_workers == 0) {
      m.n_workers = std::max(1u, cores - 1);
      m.reader_thread = cores > 1;
    }
  }
  m.dcfg.bidirectional = cfg.bidirectional;
  m.dcfg.vlan_key = cfg.vlan_key;
  m.dcfg.ports_tcp_udp_only = cfg.key_ports_tcp_udp_only;
  m.dcfg.ipv6_len_after_ext = cfg.ipv6_len_after_ext;
  m.dcfg.same_address_forward = cfg.same_address_forward;
  m.mc.all_packet_iat = cfg.all_packet_iat;
  m.mc.bidirectional = cfg.bidirectional;
  m.mc.higher_moments = cfg.higher_moments;
  for (const auto& sink : m.sinks) m.mc.higher_moments |= sink->needs_higher_moments();
  m.mc.idle_timeout_ns = cfg.idle_timeout_ns;
  m.mc.active_timeout_ns = cfg.active_timeout_ns;
  // Ignoring FIN/RST = a closed flow waits the idle timeout like any other.
  m.mc.tcp_close_grace_ns = cfg.ignore_tcp_close ? cfg.idle_timeout_ns : cfg.tcp_close_grace_ns;
  m.mc.max_flows = static_cast<uint32_t>(std::max<uint64_t>(1, (cfg.max_flows + m.n_workers - 1) / m.n_workers));
  m.run.packet_limit = cfg.packet_limit;
  m.run.duration_ns = cfg.duration_ns;
  m.opened = true;
  return Status::ok();
}

Status Engine::Impl::make_workers(RecordChannel& ch, std::vector<std::unique_ptr<Worker>>& out) const {
  try {
    for (uint32_t i = 0; i < n_workers; ++i) out.push_back(std::make_unique<Worker>(i, ch, mc));
  } catch (const std::bad_alloc&) {
    out.clear();
    return {Errc::no_memory, Origin::config,
            "cannot map flow tables for --max-flows " + std::to_string(cfg.max_flows) +
                " (about " + std::to_string((cfg.max_flows * 300) >> 20) + " MiB of address space)"};
  }
  return Status::ok();
}

uint32_t Engine::Impl::ordered_limit(std::span<const PacketView> views, uint64_t read_so_far) {
  uint32_t n = static_cast<uint32_t>(views.size());
  if (run.packet_limit) {
    const uint64_t left = run.packet_limit > read_so_far ? run.packet_limit - read_so_far : 0;
    if (left <= n) {
      n = static_cast<uint32_t>(left);
      run.stop.store(true, std::memory_order_relaxed);
    }
  }
  if (run.duration_ns) {
    for (uint32_t i = 0; i < n; ++i) {
      if (run.past_duration(views[i].ts_ns)) {
        n = i;
        run.stop.store(true, std::memory_order_relaxed);
        break;
      }
    }
  }
  return n;
}

void Engine::Impl::finish_source_stats(RunSummary& sum) const {
  for (const auto& src : sources) {
    const SourceStats& ss = src->stats();
    sum.caplen_over_wire += ss.caplen_over_wire;
    sum.ts_backwards += ss.ts_backwards;
  }
}

void Engine::Impl::run_stages(RunSummary& sum) {
  // Stage timing: the reader alone, or reader + decoder + hash; nothing is metered.
  sum.partial_run = true;
  sum.workers = 1;
  PacketSource& src = *sources.front();
  std::unique_ptr<BpfFilter> filter;
  (void)make_filter(filter);  // compiled once already in open()
  Ingest ingest(dcfg, std::move(filter), mc.hash_seed);
  Progress progress(cfg.progress);
  std::array<PacketView, kRxBurst> views;
  uint64_t checksum = 0;  // keeps the work observable so it cannot be optimised away
  IngestCounters read_only;
  for (uint64_t bursts = 0;; ++bursts) {
    const RxResult r = src.rx_burst(views);
    if (cfg.stop_after == EngineConfig::Stage::read) {
      for (uint32_t i = 0; i < r.n; ++i) {
        ++read_only.packets;
        read_only.wire_bytes += views[i].wire_len;
        checksum += views[i].ts_ns;
      }
    } else {
      ingest.burst(std::span<const PacketView>(views.data(), r.n), nullptr,
                   [&](const PacketMeta&, uint64_t h) { checksum ^= h; });
    }
    if ((bursts & 63) == 0) {
      const IngestCounters& c = cfg.stop_after == EngineConfig::Stage::read ? read_only : ingest.counters();
      progress.maybe_print(c.packets, c.wire_bytes, 0, src.bytes_read(), src.bytes_total());
    }
    if (r.status == RxStatus::error) sum.input_error = src.error().message;
    if (r.status == RxStatus::end_of_file || r.status == RxStatus::error) break;
  }
  progress.clear();
  benchmark_sink = checksum;
  add_ingest(sum, cfg.stop_after == EngineConfig::Stage::read ? read_only : ingest.counters());
  finish_source_stats(sum);
}

Status Engine::Impl::run_inline(RunSummary& sum, SinkSet& sinks) {
  PacketSource& src = *sources.front();
  std::unique_ptr<BpfFilter> filter;
  (void)make_filter(filter);
  Ingest ingest(dcfg, std::move(filter), mc.hash_seed);
  RecordOrderer ord;
  InlineEmitter em(ord, sinks);
  std::unique_ptr<FlowMeter> meter;
  try {
    meter = std::make_unique<FlowMeter>(mc, em);
  } catch (const std::bad_alloc&) {
    return {Errc::no_memory, Origin::config,
            "cannot map the flow table for --max-flows " + std::to_string(cfg.max_flows)};
  }
  auto write = [&](std::span<const FlowRecord> recs) { sinks.write(recs); };
  Progress progress(cfg.progress);
  IntervalTimer stats(cfg.stats_interval_ns);
  IntervalTimer flush(cfg.flush_interval_ns);
  std::array<PacketView, kRxBurst> views;
  std::array<PacketMeta, kRxBurst> metas;
  for (uint64_t bursts = 0;; ++bursts) {
    if (run.stop.load(std::memory_order_relaxed)) break;
    const RxResult r = src.rx_burst(views);
    const uint32_t n = ordered_limit(std::span<const PacketView>(views.data(), r.n), ingest.counters().packets);
    uint32_t k = 0;
    ingest.burst(std::span<const PacketView>(views.data(), n), nullptr,
                 [&](const PacketMeta& m, uint64_t) { metas[k++] = m; });
    meter->process_burst(std::span<const PacketMeta>(metas.data(), k));
    meter->advance(ingest.clock_ns());
    meter->flush();
    ord.release(meter->watermark_ns(), write);
    if ((bursts & 63) == 0) {
      const IngestCounters& c = ingest.counters();
      progress.maybe_print(c.packets, c.wire_bytes, meter->stats().live, src.bytes_read(), src.bytes_total());
      if (flush.due()) sinks.flush();
      if (cfg.on_stats && stats.due()) {
        RunSummary snap = sum;
        add_ingest(snap, c);
        add_meter_stats(snap, meter->stats());
        snap.records_written = sinks.written();
        snap.running = true;
        cfg.on_stats(snap);
      }
    }
    if (r.status == RxStatus::error) sum.input_error = src.error().message;
    if (r.status == RxStatus::end_of_file || r.status == RxStatus::error) break;
  }
  progress.clear();
  // Records that ended before the input did, then the final ones, which finish() emits
  // in flow_id order -- the output order -- straight to the sinks.
  meter->flush();
  ord.release(UINT64_MAX, write);
  em.go_direct();
  meter->finish(run.interrupted.load(std::memory_order_relaxed) ? EndReason::shutdown : EndReason::eof);
  add_meter_stats(sum, meter->stats());
  add_ingest(sum, ingest.counters());
  sum.fragments_attributed = ingest.decoder_stats().fragments_attributed;
  sum.ip_len_from_frame = ingest.decoder_stats().ip_len_from_frame;
  finish_source_stats(sum);
  return Status::ok();
}

Status Engine::Impl::run_ordered(RunSummary& sum, SinkSet& sinks) {
  sum.reader_thread = true;
  PacketSource& src = *sources.front();
  RecordChannel ch(n_workers, kRecordBatchesPerWorker);
  std::vector<std::unique_ptr<Worker>> workers;
  if (Status s = make_workers(ch, workers); !s) return s;
  std::vector<WorkerShared*> shared;
  for (auto& w : workers) {
    w->shared().in = std::make_unique<SpscRing<PacketBatch, 16>>();
    shared.push_back(&w->shared());
  }
  std::unique_ptr<BpfFilter> filter;
  (void)make_filter(filter);
  Ingest ingest(dcfg, std::move(filter), mc.hash_seed);

  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w, this] { w->run_ordered(run); });
  MergerResult mres;
  std::thread merger([&] { merger_main(ch, shared, sinks, cfg.flush_interval_ns, mres); });

  std::vector<PacketBatch*> cur(n_workers, nullptr);
  std::vector<uint64_t> sent_clock(n_workers, 0);
  auto batch_of = [&](uint32_t w) {
    if (!cur[w]) {
      Backoff bo;
      while ((cur[w] = shared[w]->in->claim()) == nullptr) bo.pause();
      cur[w]->n = 0;
      cur[w]->eof = false;
    }
    return cur[w];
  };
  auto send = [&](uint32_t w, bool eof) {
    PacketBatch* b = batch_of(w);
    b->clock_ns = ingest.clock_ns();
    b->eof = eof;
    shared[w]->in->publish();
    cur[w] = nullptr;
    sent_clock[w] = ingest.clock_ns();
  };
  auto live_flows = [&] {
    uint64_t live = 0;
    for (WorkerShared* w : shared) live += w->live_flows.load(std::memory_order_relaxed);
    return live;
  };
  Progress progress(cfg.progress);
  IntervalTimer stats(cfg.stats_interval_ns);
  std::array<PacketView, kRxBurst> views;
  for (uint64_t bursts = 0;; ++bursts) {
    if (run.stop.load(std::memory_order_relaxed)) break;
    const RxResult r = src.rx_burst(views);
    const uint32_t n = ordered_limit(std::span<const PacketView>(views.data(), r.n), ingest.counters().packets);
    ingest.burst(std::span<const PacketView>(views.data(), n), nullptr, [&](const PacketMeta& m, uint64_t h) {
      const uint32_t w = worker_of(h, n_workers);
      PacketBatch* b = batch_of(w);
      b->pkts[b->n++] = m;
      if (b->n == kBatch) send(w, false);
    });
    // Carry the clock to every worker at least once per tick of packet time.
    for (uint32_t w = 0; w < n_workers; ++w) {
      if (ingest.clock_ns() - sent_clock[w] >= mc.tick_ns) send(w, false);
    }
    if ((bursts & 63) == 0) {
      const IngestCounters& c = ingest.counters();
      progress.maybe_print(c.packets, c.wire_bytes, live_flows(), src.bytes_read(), src.bytes_total());
      if (cfg.on_stats && stats.due()) {
        RunSummary snap = sum;
        add_ingest(snap, c);
        for (WorkerShared* w : shared) {
          snap.packets_metered += w->packets_metered.load(std::memory_order_relaxed);
          snap.records_total += w->records.load(std::memory_order_relaxed);
        }
        snap.records_written = sinks.written();
        snap.running = true;
        cfg.on_stats(snap);
      }
    }
    if (r.status == RxStatus::error) sum.input_error = src.error().message;
    if (r.status == RxStatus::end_of_file || r.status == RxStatus::error) break;
  }
  for (uint32_t w = 0; w < n_workers; ++w) send(w, true);
  for (auto& t : threads) t.join();
  merger.join();
  progress.clear();
  for (WorkerShared* w : shared) add_meter_stats(sum, w->meter);
  add_ingest(sum, ingest.counters());
  sum.fragments_attributed = ingest.decoder_stats().fragments_attributed;
  sum.ip_len_from_frame = ingest.decoder_stats().ip_len_from_frame;
  finish_source_stats(sum);
  return Status::ok();
}

Status Engine::Impl::run_queues(RunSummary& sum, SinkSet& sinks) {
  RecordChannel ch(n_workers, kRecordBatchesPerWorker);
  std::vector<std::unique_ptr<Worker>> workers;
  if (Status s = make_workers(ch, workers); !s) return s;
  std::vector<WorkerShared*> shared;
  for (auto& w : workers) shared.push_back(&w->shared());
  std::vector<std::thread> threads;
  for (uint32_t q = 0; q < n_workers; ++q) {
    std::unique_ptr<BpfFilter> filter;
    (void)make_filter(filter);
    threads.emplace_back([this, q, &workers, f = std::move(filter)]() mutable {
      workers[q]->run_queue(*sources[q], std::move(f), dcfg, n_workers, run);
    });
  }
  MergerResult mres;
  std::thread merger([&] { merger_main(ch, shared, sinks, cfg.flush_interval_ns, mres); });

  // The calling thread watches: progress, the stats line, and the end of the workers.
  auto snapshot = [&] {
    RunSummary snap = sum;
    snap.running = true;
    snap.queues.assign(n_workers, QueueSummary{});
    for (uint32_t q = 0; q < n_workers; ++q) {
      const WorkerShared& w = *shared[q];
      QueueSummary& qs = snap.queues[q];
      qs.packets_received = w.packets_received.load(std::memory_order_relaxed);
      qs.packets_metered = w.packets_metered.load(std::memory_order_relaxed);
      qs.records = w.records.load(std::memory_order_relaxed);
      qs.live_flows = w.live_flows.load(std::memory_order_relaxed);
      qs.kernel_drops = w.kernel_drops.load(std::memory_order_relaxed);
      qs.interface_drops = w.interface_drops.load(std::memory_order_relaxed);
      snap.packets_read += qs.packets_received;
      snap.packets_metered += qs.packets_metered;
      snap.records_total += qs.records;
      snap.kernel_drops += qs.kernel_drops;
      snap.interface_drops += qs.interface_drops;
    }
    snap.records_written = sinks.written();
    return snap;
  };
  Progress progress(cfg.progress);
  IntervalTimer stats(cfg.stats_interval_ns);
  const auto t0 = std::chrono::steady_clock::now();
  for (;;) {
    bool all_done = true;
    for (WorkerShared* w : shared) all_done = all_done && w->done.load(std::memory_order_acquire);
    if (all_done) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (cfg.progress) {
      const RunSummary snap = snapshot();
      uint64_t live = 0;
      for (const QueueSummary& q : snap.queues) live += q.live_flows;
      progress.maybe_print(snap.packets_read, 0, live, 0, 0);
    }
    if (cfg.on_stats && stats.due()) {
      RunSummary snap = snapshot();
      snap.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      cfg.on_stats(snap);
      for (WorkerShared* w : shared) w->stats_request.store(true, std::memory_order_relaxed);
    }
  }
  for (auto& t : threads) t.join();
  merger.join();
  progress.clear();
  sum.queues.assign(n_workers, QueueSummary{});
  for (uint32_t q = 0; q < n_workers; ++q) {
    const WorkerShared& w = *shared[q];
    add_meter_stats(sum, w.meter);
    add_ingest(sum, w.ingest);
    sum.fragments_attributed += w.decoder.fragments_attributed;
    sum.ip_len_from_frame += w.decoder.ip_len_from_frame;
    sum.caplen_over_wire += w.source.caplen_over_wire;
    sum.ts_backwards += w.source.ts_backwards;
    sum.kernel_drops += w.source.kernel_drops;
    sum.interface_drops += w.source.interface_drops;
    if (sum.input_error.empty()) sum.input_error = w.input_error;
    QueueSummary& qs = sum.queues[q];
    qs.packets_received = w.ingest.packets;
    qs.packets_metered = w.meter.packets;
    qs.packets_not_metered = not_metered_of(w.ingest);
    qs.kernel_drops = w.source.kernel_drops;
    qs.interface_drops = w.source.interface_drops;
    qs.records = w.meter.records_total;
  }
  return Status::ok();
}

Status Engine::run(RunSummary& sum) {
  Impl& m = *impl_;
  sum = RunSummary{};
  if (m.ran) return {Errc::invalid_argument, Origin::config, "an Engine runs once"};
  if (Status s = open(); !s) return s;
  m.ran = true;
  sum.workers = m.n_workers;
  sum.per_queue = m.per_queue;
  sum.live = m.live;
  sum.files = m.cfg.capture.files.size();
  const auto t0 = std::chrono::steady_clock::now();
  SinkSet sinks(std::move(m.sinks));

  Status s;
  if (m.cfg.stop_after != EngineConfig::Stage::all) {
    m.run_stages(sum);
  } else if (m.split) {
    SplitReplayConfig sc;
    sc.threads = m.n_workers;
    sc.meter = m.mc;
    sc.decode = m.dcfg;
    sc.filter = m.cfg.filter;
    sc.flush_interval_ns = m.cfg.flush_interval_ns;
    sc.progress = m.cfg.progress;
    if (m.cfg.split_chunk_bytes) sc.chunk_bytes = m.cfg.split_chunk_bytes;
    sum.split_reader = true;
    s = run_split_replay(m.split_file, sc, sinks, m.run, sum);
  } else if (m.per_queue) {
    s = m.run_queues(sum, sinks);
  } else if (m.n_workers == 1 && !m.reader_thread) {
    s = m.run_inline(sum, sinks);
  } else {
    s = m.run_ordered(sum, sinks);
  }
  if (!s) return s;  // nothing ran; destroying the sinks removes their temporary files
  sinks.finish();
  sum.records_written = sinks.written();
  sum.output_error = sinks.error();
  sum.not_exported_notes = sinks.not_exported_notes();
  sum.interrupted = m.run.interrupted.load(std::memory_order_relaxed);
  sum.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return Status::ok();
}

Status run_engine(const EngineConfig& cfg, RunSummary& sum) {
  Engine e(cfg);
  return e.run(sum);
}

}  // namespace weir
