// SPDX-License-Identifier: Apache-2.0
#include "engine/split_replay.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <memory>
#include <new>
#include <thread>
#include <vector>

#include "capture/bpf_filter.hpp"
#include "engine/batch.hpp"
#include "engine/ingest.hpp"
#include "engine/progress.hpp"
#include "flowtable/flow_hash.hpp"

namespace weir {

namespace {

constexpr uint64_t kFileHeaderBytes = 24;
constexpr uint32_t kBurst = 256;
constexpr uint32_t kRecordBatchesPerWorker = 8;

// A fragment packet copied aside for sealing (its bytes in Chunk::frag_bytes).
struct StashedFrame {
  uint64_t local_index;
  uint64_t local_clock_ns;  // the chunk-local clock at this packet
  uint64_t ts_ns;
  std::size_t offset;
  uint32_t cap, wire, linktype, interface_id;
};

enum ChunkState : int { kFree, kIngesting, kIngested, kSealing, kSealed };

struct Chunk {
  std::atomic<int> state{kFree};
  std::atomic<uint32_t> readers_left{0};
  // The chunk this slot holds next: slot i holds chunks i, i + K, i + 2K, ... in turn, so a
  // free slot is claimed only by the reader of the chunk whose turn it is.
  std::atomic<uint64_t> turn{0};
  // Written by the thread that ingests (or, on a bad guess, re-reads) the chunk.
  uint64_t number = 0;
  uint64_t range_end = 0;
  uint64_t begin = ChunkReader::kNone;  // first record walked (guessed or exact)
  uint64_t end_pos = 0;                 // first record at or after range_end (or file end)
  uint64_t packets = 0;
  uint64_t local_max_ts = 0;
  uint64_t first_raw_ts = 0, last_raw_ts = 0, n_back = 0, n_over = 0;
  IngestCounters counters;
  uint64_t len_from_frame = 0;  // IPv4 total length 0 measured by the frame (decoder stat)
  std::vector<std::vector<PacketMeta>> shard;  // per worker; chunk-local index and clock
  std::vector<StashedFrame> frags;
  std::vector<uint8_t> frag_bytes;
  Status error;
  bool hit_end = false;  // the walk reached the end of the file or a fault
  // Written by the sealer.
  bool last = false;   // nothing after this chunk is part of the run
  bool empty = false;  // void: after the end, or the run was stopped
  uint64_t base_index = 0, clock_before = 0, clock_after = 0;
  std::vector<std::vector<PacketMeta>> shard_frags;  // final metas of fragment packets
};

// What one thread owns: its reader and decoder for ingest.
struct ThreadTools {
  std::unique_ptr<ChunkReader> reader;
  std::unique_ptr<Decoder> decoder;
  std::unique_ptr<BpfFilter> filter;
};

class SplitReplay {
 public:
  SplitReplay(const PcapFileInfo& file, const SplitReplayConfig& cfg, SinkSet& sinks, RunControl& run)
      : file_(file), cfg_(cfg), sinks_(sinks), run_(run), nw_(cfg.threads),
        chunk_bytes_(std::max<uint64_t>(cfg.chunk_bytes, 64)), slots_(2 * cfg.threads + 2), seq_decoder_(cfg.decode), ch_(cfg.threads, kRecordBatchesPerWorker) {}

  Status run(RunSummary& sum);

 private:
  Status make_tools(ThreadTools& t);
  void ingest(Chunk& c, uint64_t start, ThreadTools& t) noexcept;
  bool try_seal(uint64_t c, ThreadTools& t) noexcept;
  void consume(Chunk& c, Worker& w) noexcept;
  void thread_main(uint32_t t) noexcept;
  Chunk& slot(uint64_t c) noexcept { return *slots_[c % slots_.size()]; }

  const PcapFileInfo& file_;
  const SplitReplayConfig& cfg_;
  SinkSet& sinks_;
  RunControl& run_;
  uint32_t nw_;
  uint64_t chunk_bytes_;
  std::vector<std::unique_ptr<Chunk>> slots_;
  uint64_t n_chunks_ = 0;  // chunks covering the file
  // Sealing chain (touched only by the sealer of the next chunk).
  alignas(kNoFalseSharing) std::atomic<uint64_t> next_seal_{0};
  Decoder seq_decoder_;
  uint64_t seal_end_pos_ = kFileHeaderBytes;  // where the last sealed chunk's walk ended
  uint64_t seal_base_ = 0;
  uint64_t seal_clock_ = 0;
  uint64_t seal_last_raw_ = 0;
  bool seal_any_packet_ = false;
  bool seal_done_ = false;
  RunSummary seal_sum_;  // packet figures of the sealed chunks
  std::string input_error_;
  alignas(kNoFalseSharing) std::atomic<uint64_t> end_chunk_{UINT64_MAX};  // the last chunk, once known
  std::atomic<uint64_t> packets_sealed_{0};
  uint64_t rereads_ = 0;  // chunks whose first record was guessed wrong (sealers only)
  RecordChannel ch_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<ThreadTools> tools_;
};

Status SplitReplay::make_tools(ThreadTools& t) {
  t.reader = std::make_unique<ChunkReader>(file_);
  if (Status s = t.reader->open(); !s) return std::move(s).at(Origin::input);
  t.decoder = std::make_unique<Decoder>(cfg_.decode);
  if (!cfg_.filter.empty()) {
    if (Status s = BpfFilter::create(cfg_.filter, t.filter); !s) return std::move(s).at(Origin::config);
  }
  return Status::ok();
}

void SplitReplay::ingest(Chunk& c, uint64_t start, ThreadTools& t) noexcept {
  c.begin = start;
  c.packets = 0;
  c.local_max_ts = 0;
  c.first_raw_ts = c.last_raw_ts = c.n_back = c.n_over = 0;
  c.counters = IngestCounters{};
  c.len_from_frame = 0;
  for (auto& v : c.shard) v.clear();
  c.frags.clear();
  c.frag_bytes.clear();
  c.error = Status::ok();
  c.hit_end = false;
  ChunkReader& r = *t.reader;
  Decoder& dec = *t.decoder;
  const uint64_t lf_start = dec.stats().ip_len_from_frame;
  uint64_t lf_stashed = 0;  // counted by this decoder for fragments the sealer decodes again
  if (start == ChunkReader::kNone) return;  // no record starts here (sealing sets end_pos)
  r.start(start, c.range_end);
  std::array<PacketView, kBurst> views;
  uint64_t clock = 0;
  for (;;) {
    const RxResult res = r.next(views);
    for (uint32_t i = 0; i < res.n; ++i) {
      const PacketView& v = views[i];
      const uint64_t li = c.packets++;
      ++c.counters.packets;
      c.counters.wire_bytes += v.wire_len;
      if (v.ts_ns > clock) clock = v.ts_ns;
      if (t.filter && !t.filter->match(v)) {
        ++c.counters.filtered;
        continue;
      }
      PacketMeta m;
      const uint64_t lf_before = dec.stats().ip_len_from_frame;
      const DecodeOutcome o = dec.decode(v, clock, m);
      if (m.bits & PacketMeta::kIpFragment) [[unlikely]] {
        lf_stashed += dec.stats().ip_len_from_frame - lf_before;
        // Its outcome depends on the fragments before it: decoded at sealing, in order.
        c.frags.push_back({li, clock, v.ts_ns, c.frag_bytes.size(), v.cap_len, v.wire_len, v.linktype,
                           v.interface_id});
        c.frag_bytes.insert(c.frag_bytes.end(), v.data, v.data + v.cap_len);
        continue;
      }
      ++c.counters.decode[static_cast<std::size_t>(o)];
      if (o != DecodeOutcome::flow) continue;
      m.ts_ns = clock;
      m.index = li;
      const uint64_t h = flow_hash64(m.key, cfg_.meter.hash_seed);
      m.hash = static_cast<uint32_t>(h);
      c.shard[worker_of(h, nw_)].push_back(m);
    }
    if (res.status == RxStatus::error) {
      c.error = r.error();
      c.hit_end = true;
      break;
    }
    if (res.status == RxStatus::end_of_file) break;
  }
  c.local_max_ts = clock;
  c.len_from_frame = dec.stats().ip_len_from_frame - lf_start - lf_stashed;
  c.end_pos = r.position();
  if (c.end_pos >= file_.size_bytes) c.hit_end = true;
  c.first_raw_ts = r.first_ts_ns();
  c.last_raw_ts = r.last_ts_ns();
  c.n_back = r.ts_backwards();
  c.n_over = r.caplen_over_wire();
}

bool SplitReplay::try_seal(uint64_t n, ThreadTools& t) noexcept {
  if (next_seal_.load(std::memory_order_acquire) != n) return false;
  Chunk& c = slot(n);
  if (c.turn.load(std::memory_order_acquire) != n) return false;
  int expect = kIngested;
  if (!c.state.compare_exchange_strong(expect, kSealing, std::memory_order_acq_rel)) return false;
  // Everything the sealers before wrote is visible: next_seal_ was stored with release.
  if (seal_done_ || run_.stop.load(std::memory_order_relaxed)) {
    c.empty = true;
    c.last = true;
  } else {
    c.empty = false;
    const bool guessed_right = c.begin == seal_end_pos_ ||
                               (c.begin == ChunkReader::kNone && seal_end_pos_ >= c.range_end);
    if (!guessed_right) {
      ingest(c, seal_end_pos_ < c.range_end ? seal_end_pos_ : ChunkReader::kNone, t);
      ++rereads_;
    }
    // No record starts in this chunk: the one that began before it covers it whole.
    if (c.begin == ChunkReader::kNone) c.end_pos = seal_end_pos_;
    c.base_index = seal_base_;
    c.clock_before = seal_clock_;
    c.clock_after = std::max(seal_clock_, c.local_max_ts);
    for (auto& v : c.shard_frags) v.clear();
    for (const StashedFrame& f : c.frags) {
      const uint64_t now = std::max(c.clock_before, f.local_clock_ns);
      const PacketView v{c.frag_bytes.data() + f.offset, f.cap, f.wire, f.ts_ns, f.linktype, f.interface_id};
      PacketMeta m;
      const uint64_t lf_before = seq_decoder_.stats().ip_len_from_frame;
      const DecodeOutcome o = seq_decoder_.decode(v, now, m);
      c.len_from_frame += seq_decoder_.stats().ip_len_from_frame - lf_before;
      ++c.counters.decode[static_cast<std::size_t>(o)];
      if (o != DecodeOutcome::flow) continue;
      m.ts_ns = now;
      m.index = c.base_index + f.local_index;
      const uint64_t h = flow_hash64(m.key, cfg_.meter.hash_seed);
      m.hash = static_cast<uint32_t>(h);
      c.shard_frags[worker_of(h, nw_)].push_back(m);
    }
    // The run's figures, in chunk order.
    RunSummary& s = seal_sum_;
    s.packets_read += c.counters.packets;
    s.wire_bytes_read += c.counters.wire_bytes;
    s.filtered += c.counters.filtered;
    for (std::size_t i = 0; i < kNumDecodeOutcomes; ++i) s.decode[i] += c.counters.decode[i];
    s.caplen_over_wire += c.n_over;
    s.ts_backwards += c.n_back + (c.packets && seal_any_packet_ && c.first_raw_ts < seal_last_raw_);
    if (c.packets) {
      seal_last_raw_ = c.last_raw_ts;
      seal_any_packet_ = true;
    }
    seal_base_ += c.packets;
    seal_clock_ = c.clock_after;
    seal_end_pos_ = c.end_pos;
    s.ip_len_from_frame += c.len_from_frame;
    c.last = c.hit_end || c.end_pos >= file_.size_bytes || n + 1 >= n_chunks_;
    if (!c.error) input_error_ = c.error.message;
  }
  if (c.last) {
    seal_done_ = true;
    end_chunk_.store(n, std::memory_order_release);
  }
  packets_sealed_.store(seal_base_, std::memory_order_relaxed);
  c.readers_left.store(nw_, std::memory_order_relaxed);
  c.state.store(kSealed, std::memory_order_release);
  next_seal_.store(n + 1, std::memory_order_release);
  return true;
}

void SplitReplay::consume(Chunk& c, Worker& w) noexcept {
  if (!c.empty) {
    const uint32_t t = w.shared().id;
    const std::vector<PacketMeta>& main = c.shard[t];
    const std::vector<PacketMeta>& frags = c.shard_frags[t];
    std::array<PacketMeta, kBurst> buf;
    uint32_t k = 0;
    std::size_t i = 0, j = 0;
    FlowMeter& meter = w.meter();
    while (i < main.size() || j < frags.size()) {
      if (j == frags.size() || (i < main.size() && c.base_index + main[i].index < frags[j].index)) {
        PacketMeta& m = buf[k++];
        m = main[i++];
        m.index += c.base_index;
        m.ts_ns = std::max(m.ts_ns, c.clock_before);
      } else {
        buf[k++] = frags[j++];
      }
      if (k == kBurst) {
        meter.process_burst(std::span<const PacketMeta>(buf.data(), k));
        k = 0;
      }
    }
    if (k) meter.process_burst(std::span<const PacketMeta>(buf.data(), k));
    meter.advance(c.clock_after);
    w.publish();
  }
  if (c.readers_left.fetch_sub(1, std::memory_order_acq_rel) == 1) {
    // State before turn: a thread that sees the new turn must see the slot free, never
    // the old chunk's kSealed (it would meter the old chunk a second time).
    c.state.store(kFree, std::memory_order_release);
    c.turn.store(c.number + slots_.size(), std::memory_order_release);
  }
}

void SplitReplay::thread_main(uint32_t t) noexcept {
  ThreadTools& tools = tools_[t];
  Worker& w = *workers_[t];
  uint64_t next_ingest = t;  // chunks t, t + N, t + 2N, ...
  uint64_t next_consume = 0;
  Backoff bo;
  Progress progress(cfg_.progress && t == 0);
  for (uint64_t loops = 0;; ++loops) {
    bool did = false;
    // 1. Seal whatever can be sealed: it unblocks every worker.
    while (try_seal(next_seal_.load(std::memory_order_acquire), tools)) did = true;
    // 2. Meter the sealed chunks in order.
    const uint64_t end = end_chunk_.load(std::memory_order_acquire);
    while (next_consume <= end) {
      Chunk& c = slot(next_consume);
      // turn first: once it names this chunk, the slot holds it until every worker is done.
      if (c.turn.load(std::memory_order_acquire) != next_consume ||
          c.state.load(std::memory_order_acquire) != kSealed) {
        break;
      }
      const bool last = c.last;
      consume(c, w);
      ++next_consume;
      did = true;
      if (last) break;
    }
    if (next_consume > end_chunk_.load(std::memory_order_acquire)) break;  // metered everything
    // 3. Read the next chunk of mine, once its slot is free.
    if (next_ingest < n_chunks_ && next_ingest <= end_chunk_.load(std::memory_order_acquire) &&
        !run_.stop.load(std::memory_order_relaxed)) {
      Chunk& c = slot(next_ingest);
      int expect = kFree;
      if (c.turn.load(std::memory_order_acquire) == next_ingest &&
          c.state.compare_exchange_strong(expect, kIngesting, std::memory_order_acq_rel)) {
        c.number = next_ingest;
        c.range_end = std::min(file_.size_bytes, (next_ingest + 1) * chunk_bytes_);
        const uint64_t range_begin = next_ingest == 0 ? kFileHeaderBytes : next_ingest * chunk_bytes_;
        const uint64_t start = next_ingest == 0 ? kFileHeaderBytes : tools.reader->resync(range_begin, c.range_end);
        ingest(c, start, tools);
        c.state.store(kIngested, std::memory_order_release);
        next_ingest += nw_;
        did = true;
      }
    } else if (run_.stop.load(std::memory_order_relaxed) && next_ingest < n_chunks_) {
      // Stopped: the chunks nobody will read are sealed empty, which ends the run.
      Chunk& c = slot(next_ingest);
      int expect = kFree;
      if (next_ingest <= end_chunk_.load(std::memory_order_acquire) &&
          c.turn.load(std::memory_order_acquire) == next_ingest &&
          c.state.compare_exchange_strong(expect, kIngesting, std::memory_order_acq_rel)) {
        c.number = next_ingest;
        c.range_end = std::min(file_.size_bytes, (next_ingest + 1) * chunk_bytes_);
        c.begin = ChunkReader::kNone;
        c.packets = 0;
        c.state.store(kIngested, std::memory_order_release);
        next_ingest += nw_;
        did = true;
      }
    }
    if ((loops & 15) == 0) {
      progress.maybe_print(packets_sealed_.load(std::memory_order_relaxed), 0,
                           w.shared().live_flows.load(std::memory_order_relaxed),
                           std::min(file_.size_bytes, next_ingest * chunk_bytes_), file_.size_bytes);
    }
    if (did) {
      bo.reset();
    } else {
      bo.pause();
    }
  }
  progress.clear();
  w.finish(run_.interrupted.load(std::memory_order_relaxed) ? EndReason::shutdown : EndReason::eof);
}

Status SplitReplay::run(RunSummary& sum) {
  n_chunks_ = std::max<uint64_t>(1, (file_.size_bytes + chunk_bytes_ - 1) / chunk_bytes_);
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    auto& s = slots_[i];
    s = std::make_unique<Chunk>();
    s->turn.store(i, std::memory_order_relaxed);
    s->shard.resize(nw_);
    s->shard_frags.resize(nw_);
  }
  tools_.resize(nw_);
  for (ThreadTools& t : tools_) {
    if (Status s = make_tools(t); !s) return s;
  }
  try {
    for (uint32_t i = 0; i < nw_; ++i) workers_.push_back(std::make_unique<Worker>(i, ch_, cfg_.meter));
  } catch (const std::bad_alloc&) {
    return {Errc::no_memory, Origin::config, "cannot map the flow tables (--max-flows too large for this machine)"};
  }
  std::vector<WorkerShared*> shared;
  for (auto& w : workers_) shared.push_back(&w->shared());
  MergerResult mres;
  std::thread merger([&] { merger_main(ch_, shared, sinks_, cfg_.flush_interval_ns, mres); });
  std::vector<std::thread> threads;
  for (uint32_t t = 0; t < nw_; ++t) threads.emplace_back([this, t] { thread_main(t); });
  for (auto& th : threads) th.join();
  merger.join();

  // All threads joined: the sealers' figures are final.
  sum.packets_read += seal_sum_.packets_read;
  sum.wire_bytes_read += seal_sum_.wire_bytes_read;
  sum.filtered += seal_sum_.filtered;
  for (std::size_t i = 0; i < kNumDecodeOutcomes; ++i) sum.decode[i] += seal_sum_.decode[i];
  sum.caplen_over_wire += seal_sum_.caplen_over_wire;
  sum.ts_backwards += seal_sum_.ts_backwards;
  sum.fragments_attributed += seq_decoder_.stats().fragments_attributed;
  sum.ip_len_from_frame += seal_sum_.ip_len_from_frame;
  if (!input_error_.empty()) sum.input_error = input_error_;
  sum.chunks_reread = rereads_;
  for (auto& w : workers_) {
    const MeterStats& ms = w->shared().meter;
    sum.packets_metered += ms.packets;
    for (std::size_t i = 0; i < kNumEndReasons; ++i) sum.records[i] += ms.records[i];
    sum.records_total += ms.records_total;
    sum.record_packets += ms.record_packets;
    sum.peak_live_flows += ms.peak_live;
  }
  return Status::ok();
}

}  // namespace

Status run_split_replay(const PcapFileInfo& file, const SplitReplayConfig& cfg, SinkSet& sinks,
                        RunControl& run, RunSummary& sum) {
  SplitReplay r(file, cfg, sinks, run);
  return r.run(sum);
}

}  // namespace weir
