// SPDX-License-Identifier: Apache-2.0
#include "report/reporter.hpp"

#include <algorithm>
#include <numeric>

#include "flowtable/flow_hash.hpp"

namespace weir::report {

namespace {

constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08, kTcpAck = 0x10,
                  kTcpUrg = 0x20;
constexpr uint8_t kProtoIcmp = 1, kProtoTcp = 6, kProtoUdp = 17, kProtoIcmp6 = 58;

// ConnState::flags: what a TCP connection has shown so far.
enum : uint8_t {
  kSyn = 1,        // a SYN without ACK, from either side
  kSynC = 2,       // ... from the client
  kSynAck = 4,     // a SYN-ACK, from either side
  kSynAckS = 8,    // ... from the server
  kFin = 16,
  kRst = 32,
  kProgress = 64,  // ACK/data: no SYN, FIN or RST; ACK, PSH or URG set, or payload
};

enum class ProtoClass : uint8_t { tcp = 0, udp, icmp };

constexpr uint32_t kNoDest = UINT32_MAX;

LiveCategory category_of(uint8_t f) noexcept {
  if (f & (kFin | kRst)) return f & (kSyn | kSynAck | kProgress) ? LiveCategory::closing : LiveCategory::other;
  if (f & kProgress) return LiveCategory::ongoing;
  if ((f & (kSynC | kSynAckS)) == (kSynC | kSynAckS)) return LiveCategory::half_open;
  if (f & (kSyn | kSynAck)) return LiveCategory::syn_only;
  return LiveCategory::other;
}

FinishClass finish_class_of(uint8_t f) noexcept {
  if (f & kRst) return FinishClass::rst;
  if ((f & kFin) && !(f & kSyn)) return FinishClass::fin_no_syn;
  if (f & kFin) return FinishClass::syn_fin;
  return FinishClass::timed_out;
}

// Timestamps near the top of uint64 (broken captures) must not wrap deadlines or ends.
uint64_t sat_add(uint64_t a, uint64_t b) noexcept { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

std::size_t idx(LiveCategory c) noexcept { return static_cast<std::size_t>(c); }
std::size_t idx(FinishClass c) noexcept { return static_cast<std::size_t>(c); }

bool row_is_empty(const DestRow& r) noexcept {
  return r.ongoing == 0 && r.closing == 0 && r.half_open == 0 && r.syn_only == 0 &&
         r.new_connections == 0 && r.packets == 0 &&
         std::all_of(r.finished.begin(), r.finished.end(), [](uint64_t n) { return n == 0; });
}

}  // namespace

// A destination: its live connections by category, what happened to it in the current
// interval, and its run totals.
struct Reporter::Dest {
  DestKey key;
  std::array<uint32_t, kNumLiveCategories> live{};
  std::array<uint32_t, kNumLiveCategories> live_at_eof{};  // snapshot taken by finish()
  uint32_t live_total = 0;
  uint32_t row = 0;                // its row in the interval being closed
  uint64_t listed = UINT64_MAX;    // the interval whose active list holds it
  uint64_t new_connections = 0;    // current interval
  uint64_t packets = 0;
  uint64_t ip_bytes = 0;
  uint64_t half_open_ended = 0;
  std::array<uint64_t, kNumFinishClasses> finished{};
  DestRunRow run;
};

std::size_t Reporter::DestKeyHash::operator()(const DestKey& k) const noexcept {
  return XXH3_64bits_withSeed(&k, sizeof k, kFlowHashSeed);
}

Reporter::Reporter(const ReportConfig& cfg, ReportSink& sink)
    : cfg_(cfg),
      sink_(sink),
      tick_ns_(std::gcd(cfg.interval_ns ? cfg.interval_ns : 1, uint64_t{1'000'000})),
      table_(std::max<uint32_t>(cfg.max_conns, 1)),
      wheel_(std::max<uint32_t>(cfg.max_conns, 1)),
      due_(256) {
  if (cfg_.interval_ns == 0) cfg_.interval_ns = 1;
}

Reporter::~Reporter() = default;

void Reporter::start(uint64_t t) {
  started_ = true;
  anchor_ = cfg_.align_to_interval ? t - t % cfg_.interval_ns : t;
  clock_ = t;
  index_ = 0;
  end_ = sat_add(anchor_, cfg_.interval_ns);
  cur_ = IntervalReport{};
  cur_.start_ns = anchor_;
  cur_.end_ns = end_;
  totals_.anchor_ns = anchor_;
  totals_.first_packet_ns = t;
  totals_.last_packet_ns = t;
}

void Reporter::process_burst(std::span<const PacketMeta> pkts) {
  // Hash a chunk and prefetch its index cells, then process it prefetching entries a few
  // packets ahead: the table probes' cache misses overlap instead of queueing.
  constexpr std::size_t kChunk = 32, kAhead = 4;
  std::array<uint64_t, kChunk> hash;
  for (std::size_t base = 0; base < pkts.size(); base += kChunk) {
    const std::size_t n = std::min(kChunk, pkts.size() - base);
    for (std::size_t i = 0; i < n; ++i) {
      hash[i] = flow_hash64(pkts[base + i].key);
      table_.prefetch_cell(hash[i]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (i + kAhead < n) table_.prefetch_entry(hash[i + kAhead]);
      process_one(pkts[base + i], hash[i]);
    }
  }
}

void Reporter::advance(uint64_t clock_ns) {
  if (finished_) return;
  if (!started_) start(clock_ns);
  if (clock_ns <= clock_) return;
  clock_ = clock_ns;
  totals_.last_packet_ns = clock_ns;
  roll_to(clock_ns);
  expire_before(clock_ns);
}

void Reporter::process_one(const PacketMeta& p, uint64_t hash) {
  ++stats_.packets;
  advance(p.ts_ns);
  const FlowKey& k = p.key;
  if (!cfg_.target.any() && !cfg_.target.contains(k.ip_version, k.addr_a.data()) &&
      !cfg_.target.contains(k.ip_version, k.addr_b.data())) {
    ++stats_.outside_target;
    return;
  }
  switch (k.proto) {
    case kProtoTcp:
      ++stats_.tcp;
      process_tcp(p, hash);
      break;
    case kProtoUdp:
      ++stats_.udp;
      process_flow(p, hash, true);
      break;
    case kProtoIcmp:
    case kProtoIcmp6:
      ++stats_.icmp;
      process_flow(p, hash, false);
      break;
    default:
      ++stats_.other;
      ++cur_.other.packets;
      cur_.other.ip_bytes += p.ip_bytes;
      break;
  }
}

void Reporter::roll_to(uint64_t t) {
  // By interval index, not by end time: an end can saturate at the top of uint64.
  const uint64_t target = (t - anchor_) / cfg_.interval_ns;
  while (index_ < target) {
    expire_before(end_);
    close_interval(false);
    // Nothing carries over when no connection is live: jump to t's interval.
    const uint64_t next = tcp_live_ == 0 ? target : index_ + 1;
    index_ = next;
    cur_ = IntervalReport{};
    cur_.index = next;
    cur_.start_ns = anchor_ + next * cfg_.interval_ns;  // <= t: cannot wrap
    cur_.end_ns = end_ = sat_add(cur_.start_ns, cfg_.interval_ns);
  }
}

void Reporter::expire_before(uint64_t t) {
  const uint64_t now_tick = tick_of(t);
  for (;;) {
    const std::size_t n = wheel_.advance(now_tick, due_);
    for (std::size_t i = 0; i < n; ++i) {
      const uint32_t slot = due_[i];
      const ConnState& c = table_.state(slot);
      const uint64_t deadline = sat_add(c.last_ns, cfg_.conn_timeout_ns);
      const uint64_t deadline_tick = tick_of(deadline) + 1;  // first tick strictly after it
      if (deadline_tick > now_tick) {
        wheel_.arm(slot, deadline_tick);  // saw packets since the timer was set
      } else {
        finish_conn(slot, false);
      }
    }
    if (n < due_.size()) break;
  }
}

uint32_t Reporter::dest_of(const DestKey& k) {
  const auto [it, fresh] = dest_index_.try_emplace(k, static_cast<uint32_t>(dests_.size()));
  if (fresh) {
    dests_.emplace_back();
    dests_.back().key = k;
    dests_.back().run.dest = k;
  }
  return it->second;
}

void Reporter::touch(uint32_t dest) {
  Dest& d = dests_[dest];
  if (d.listed != index_) {
    d.listed = index_;
    active_.push_back(dest);
  }
}

void Reporter::set_category(ConnState& c, LiveCategory cat) {
  const auto old = static_cast<LiveCategory>(c.category);
  if (old == cat) return;
  Dest& d = dests_[c.dest];
  // Half-open at an interval's end (it became so in an earlier interval): reported.
  if (old == LiveCategory::half_open && index_ > c.interval) {
    ++d.run.half_open_connections;
    ++totals_.half_open_connections;
  }
  if (cat == LiveCategory::half_open) c.interval = index_;
  --d.live[idx(old)];
  ++d.live[idx(cat)];
  c.category = static_cast<uint8_t>(cat);
}

uint32_t Reporter::open_tcp(const PacketMeta& p, uint64_t hash) {
  const uint32_t slot = table_.insert(p.key, hash);
  if (slot == ConnTable::kNone) return slot;
  ConnState& c = table_.state(slot);
  const FlowKey& k = p.key;
  c.first_ns = c.last_ns = clock_;
  c.proto_class = static_cast<uint8_t>(ProtoClass::tcp);
  // The server: the SYN's receiver, the SYN-ACK's sender, else the lower port's side.
  const bool src_is_b = p.reversed();
  const uint8_t f = p.tcp_flags;
  bool server_is_b;
  if (f & kTcpSyn) {
    server_is_b = (f & kTcpAck) ? src_is_b : !src_is_b;
  } else if (k.port_a != k.port_b) {
    server_is_b = k.port_b < k.port_a;
  } else {
    server_is_b = !src_is_b;
  }
  c.server_is_b = server_is_b;
  DestKey dk;
  dk.addr = server_is_b ? k.addr_b : k.addr_a;
  dk.port = server_is_b ? k.port_b : k.port_a;
  dk.ip_version = k.ip_version;
  c.dest = cfg_.target.contains(k.ip_version, dk.addr.data()) ? dest_of(dk) : kNoDest;
  c.category = static_cast<uint8_t>(LiveCategory::other);
  wheel_.arm(slot, tick_of(sat_add(clock_, cfg_.conn_timeout_ns)) + 1);
  ++tcp_live_;
  ++stats_.connections;
  stats_.peak_live = std::max(stats_.peak_live, ++stats_.live);
  if (c.dest != kNoDest) {
    Dest& d = dests_[c.dest];
    ++d.live[idx(LiveCategory::other)];
    ++d.live_total;
    ++d.new_connections;
    touch(c.dest);
  }
  return slot;
}

void Reporter::process_tcp(const PacketMeta& p, uint64_t hash) {
  ++cur_.tcp.packets;
  cur_.tcp.ip_bytes += p.ip_bytes;
  uint32_t slot = table_.find(p.key, hash);
  if (slot != ConnTable::kNone) {
    const ConnState& c = table_.state(slot);
    if (clock_ - c.last_ns > cfg_.conn_timeout_ns) {
      finish_conn(slot, false);
      slot = ConnTable::kNone;
    }
  }
  if (slot == ConnTable::kNone) {
    slot = open_tcp(p, hash);
    if (slot == ConnTable::kNone) {
      ++stats_.untracked_table_full;
      return;
    }
  }
  ConnState& c = table_.state(slot);
  const bool from_server = p.reversed() == static_cast<bool>(c.server_is_b);
  const uint8_t f = p.tcp_flags;
  uint8_t fl = c.flags;
  if (f & kTcpSyn) {
    if (f & kTcpAck) {
      fl |= kSynAck | (from_server ? kSynAckS : 0);
    } else {
      fl |= kSyn | (from_server ? 0 : kSynC);
    }
  } else if (!(f & (kTcpFin | kTcpRst)) &&
             ((f & (kTcpAck | kTcpPsh | kTcpUrg)) || p.l4_payload_bytes > 0)) {
    fl |= kProgress;
  }
  if (f & kTcpFin) fl |= kFin;
  if (f & kTcpRst) fl |= kRst;
  c.flags = fl;
  c.last_ns = clock_;
  if (c.dest == kNoDest) return;
  Dest& d = dests_[c.dest];
  touch(c.dest);
  ++d.packets;
  d.ip_bytes += p.ip_bytes;
  set_category(c, category_of(fl));
}

void Reporter::process_flow(const PacketMeta& p, uint64_t hash, bool udp) {
  FlowTotals& tot = udp ? cur_.udp : cur_.icmp;
  ++tot.packets;
  tot.ip_bytes += p.ip_bytes;
  uint32_t slot = table_.find(p.key, hash);
  if (slot != ConnTable::kNone && clock_ - table_.state(slot).last_ns > cfg_.conn_timeout_ns) {
    finish_conn(slot, false);
    slot = ConnTable::kNone;
  }
  if (slot == ConnTable::kNone) {
    slot = table_.insert(p.key, hash);
    if (slot == ConnTable::kNone) {
      ++stats_.untracked_table_full;
      return;
    }
    ConnState& c = table_.state(slot);
    c.first_ns = clock_;
    c.proto_class = static_cast<uint8_t>(udp ? ProtoClass::udp : ProtoClass::icmp);
    c.interval = UINT64_MAX;
    c.dest = kNoDest;
    wheel_.arm(slot, tick_of(sat_add(clock_, cfg_.conn_timeout_ns)) + 1);
    ++tot.new_flows;
    stats_.peak_live = std::max(stats_.peak_live, ++stats_.live);
  }
  ConnState& c = table_.state(slot);
  c.last_ns = clock_;
  if (c.interval != index_) {
    c.interval = index_;
    ++tot.flows;
  }
}

void Reporter::finish_conn(uint32_t slot, bool at_eof) {
  ConnState& c = table_.state(slot);
  wheel_.disarm(slot);
  if (c.proto_class == static_cast<uint8_t>(ProtoClass::tcp)) {
    --tcp_live_;
    if (c.dest != kNoDest) {
      Dest& d = dests_[c.dest];
      touch(c.dest);
      const FinishClass cls = finish_class_of(c.flags);
      ++d.finished[idx(cls)];
      const auto cat = static_cast<LiveCategory>(c.category);
      if (cat == LiveCategory::half_open) {
        // Reported either way: in this interval's half_open (timed out half-open) or in
        // the final interval's live count (end of input).
        if (!at_eof) ++d.half_open_ended;
        ++d.run.half_open_connections;
        ++totals_.half_open_connections;
      }
      --d.live[idx(cat)];
      --d.live_total;
      const uint64_t dur = c.last_ns - c.first_ns;
      finished_now_.push_back({c.dest, dur});
      durations_all_.add(dur);
      durations_by_class_[idx(cls)].add(dur);
      DestRunRow& r = d.run;
      r.duration_min_ns = r.duration_count ? std::min(r.duration_min_ns, dur) : dur;
      r.duration_max_ns = std::max(r.duration_max_ns, dur);
      r.duration_sum_ns += dur;
      ++r.duration_count;
    }
  }
  table_.erase(slot);
  --stats_.live;
}

void Reporter::close_interval(bool final) {
  IntervalReport& r = cur_;
  r.final = final;
  r.rows.clear();
  std::sort(active_.begin(), active_.end(),
            [this](uint32_t a, uint32_t b) { return dests_[a].key < dests_[b].key; });
  for (uint32_t di : active_) {
    Dest& d = dests_[di];
    const auto& live = final ? d.live_at_eof : d.live;
    DestRow row;
    row.dest = d.key;
    row.ongoing = live[idx(LiveCategory::ongoing)];
    row.closing = live[idx(LiveCategory::closing)];
    row.half_open = live[idx(LiveCategory::half_open)] + d.half_open_ended;
    row.syn_only = live[idx(LiveCategory::syn_only)];
    row.new_connections = d.new_connections;
    row.packets = d.packets;
    row.ip_bytes = d.ip_bytes;
    row.finished = d.finished;
    // Into the run totals, then clear for the next interval.
    d.run.new_connections += d.new_connections;
    d.run.packets += d.packets;
    d.run.ip_bytes += d.ip_bytes;
    for (std::size_t i = 0; i < kNumFinishClasses; ++i) d.run.finished[i] += d.finished[i];
    d.new_connections = d.packets = d.ip_bytes = d.half_open_ended = 0;
    d.finished = {};
    if (d.live_total > 0) {
      d.listed = index_ + 1;  // stays listed: its live connections are reported next time
      next_active_.push_back(di);
    } else {
      d.listed = UINT64_MAX;
    }
    if (row_is_empty(row)) continue;
    d.row = static_cast<uint32_t>(r.rows.size());
    r.rows.push_back(std::move(row));
  }
  active_.swap(next_active_);
  next_active_.clear();

  // Durations: per destination, then of the whole interval.
  std::sort(finished_now_.begin(), finished_now_.end(), [](const Finished& a, const Finished& b) {
    return a.dest != b.dest ? a.dest < b.dest : a.duration_ns < b.duration_ns;
  });
  for (std::size_t i = 0; i < finished_now_.size();) {
    std::size_t j = i;
    scratch_.clear();
    while (j < finished_now_.size() && finished_now_[j].dest == finished_now_[i].dest)
      scratch_.push_back(finished_now_[j++].duration_ns);
    summarize_sorted(scratch_, r.rows[dests_[finished_now_[i].dest].row].durations);
    i = j;
  }
  scratch_.clear();
  for (const Finished& f : finished_now_) scratch_.push_back(f.duration_ns);
  std::sort(scratch_.begin(), scratch_.end());
  summarize_sorted(scratch_, r.durations);
  finished_now_.clear();

  TcpTotals& t = r.tcp;
  for (const DestRow& row : r.rows) {
    t.new_connections += row.new_connections;
    t.ongoing += row.ongoing;
    t.closing += row.closing;
    t.half_open += row.half_open;
    t.syn_only += row.syn_only;
    for (std::size_t i = 0; i < kNumFinishClasses; ++i) t.finished[i] += row.finished[i];
  }

  RunTotals& run = totals_;
  run.interval_span = r.index + 1;
  run.tcp.packets += t.packets;
  run.tcp.ip_bytes += t.ip_bytes;
  run.tcp.new_connections += t.new_connections;
  run.tcp.ongoing = std::max(run.tcp.ongoing, t.ongoing);
  run.tcp.closing = std::max(run.tcp.closing, t.closing);
  run.tcp.half_open = std::max(run.tcp.half_open, t.half_open);
  run.tcp.syn_only = std::max(run.tcp.syn_only, t.syn_only);
  for (std::size_t i = 0; i < kNumFinishClasses; ++i) run.tcp.finished[i] += t.finished[i];
  for (auto [from, to] : {std::pair{&r.udp, &run.udp}, std::pair{&r.icmp, &run.icmp}}) {
    to->packets += from->packets;
    to->ip_bytes += from->ip_bytes;
    to->new_flows += from->new_flows;
    to->flows += from->new_flows;
  }
  run.other.packets += r.other.packets;
  run.other.ip_bytes += r.other.ip_bytes;

  const bool empty = r.rows.empty() && t.packets == 0 && r.udp.packets == 0 &&
                     r.icmp.packets == 0 && r.other.packets == 0;
  if (!empty) {
    ++run.intervals;
    sink_.interval(r);
  }
}

void Reporter::finish() {
  if (finished_) return;
  finished_ = true;
  if (!started_) return;
  // The final interval lists what is live at the end of the input; then every live
  // connection finishes (classified by its flags like any other).
  for (uint32_t di : active_) dests_[di].live_at_eof = dests_[di].live;
  for (uint32_t slot = 0; slot < table_.high_water(); ++slot) {
    if (wheel_.armed(slot)) finish_conn(slot, true);
  }
  close_interval(true);
}

std::vector<DestRunRow> Reporter::destinations() const {
  std::vector<DestRunRow> out;
  out.reserve(dests_.size());
  for (const Dest& d : dests_) out.push_back(d.run);
  std::sort(out.begin(), out.end(), [](const DestRunRow& a, const DestRunRow& b) { return a.dest < b.dest; });
  return out;
}

}  // namespace weir::report
