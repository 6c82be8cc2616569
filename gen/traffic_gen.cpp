// SPDX-License-Identifier: Apache-2.0
// weir gen: profiles, parameter resolution and the two schedulers.
//
// Timed scheduler (mixed, churn, elephants): flows arrive as a Poisson process; each
// flow's next packet sits in an EventHeap; the earliest one is stepped, written and
// re-filed. mixed and churn start in steady state: arrivals begin a warm-up W before the
// file does (W = 4 mean lifetimes), and a warm-up flow is fast-forwarded on its own
// (stepped without writing, no heap traffic) until its next packet falls inside the
// file. elephants start their flows with handshakes in the first milliseconds.
//
// Line-rate scheduler (linerate): a fixed set of `concurrency` flow slots visited round
// robin, one packet per visit, each timestamp one wire time after the previous one
// ((frame + FCS 4 + preamble 8 + gap 12) bytes at 10 Gb/s: 67.2 ns for 60-byte frames,
// i.e. 14.88 Mpps). A finished flow is replaced in its slot by a new one; initial flows
// are fast-forwarded by a random age so the file starts mid-life.
#include "gen/traffic_gen.hpp"

#include <algorithm>
#include <chrono>
#include <vector>

#include "capture/pcap_file/pcap_writer.hpp"
#include "gen/detail/event_heap.hpp"
#include "gen/detail/flow_model.hpp"
#include "gen/detail/frame_builder.hpp"
#include "gen/detail/truth.hpp"

namespace weir {

using namespace weir::gen;

std::string_view to_string(GenProfile p) noexcept {
  switch (p) {
    case GenProfile::mixed: return "mixed";
    case GenProfile::linerate: return "linerate";
    case GenProfile::churn: return "churn";
    case GenProfile::elephants: return "elephants";
  }
  return "?";
}

std::string_view to_string(GenFormat f) noexcept {
  switch (f) {
    case GenFormat::pcap: return "pcap";
    case GenFormat::pcap_ns: return "pcap-ns";
    case GenFormat::pcapng: return "pcapng";
  }
  return "?";
}

bool parse_gen_profile(std::string_view s, GenProfile& out) noexcept {
  for (GenProfile p : {GenProfile::mixed, GenProfile::linerate, GenProfile::churn, GenProfile::elephants}) {
    if (s == to_string(p)) {
      out = p;
      return true;
    }
  }
  return false;
}

bool parse_gen_format(std::string_view s, GenFormat& out) noexcept {
  for (GenFormat f : {GenFormat::pcap, GenFormat::pcap_ns, GenFormat::pcapng}) {
    if (s == to_string(f)) {
      out = f;
      return true;
    }
  }
  return false;
}

namespace {

// 2023-11-14T22:13:20Z: file timestamps are this plus trace time.
constexpr uint64_t kEpochNs = 1'700'000'000ull * 1'000'000'000ull;
constexpr uint64_t kMaxConcurrency = uint64_t{1} << 25;
constexpr double kMinFlowRate = 1e-3;
constexpr double kMaxFlowRate = 1e8;
// 10GbE: 10 bits per ns = 0.1 ns per bit; per frame 4 (FCS) + 8 (preamble) + 12 (gap) bytes.
constexpr uint64_t kWireOverheadBytes = 24;
constexpr double kLineRatePps = 1e10 / ((kMinFrameBytes + kWireOverheadBytes) * 8.0);
// Elephants share ~10 Gb/s of 1514-byte frames: one frame per 1.23 us.
constexpr uint64_t kElephantFrameNs = 1'231;
constexpr uint64_t kSampleMask = 4095;  // concurrency sample / writer error check period

constexpr uint32_t inv_alpha(double alpha) { return static_cast<uint32_t>(65536.0 / alpha + 0.5); }

void set_cdf(ProbQ32 (&cdf)[4], uint32_t a, uint32_t b, uint32_t c) {  // percents; d = rest
  cdf[0] = prob_percent(a);
  cdf[1] = prob_percent(a + b);
  cdf[2] = prob_percent(a + b + c);
  cdf[3] = kProbOne;
}

struct Plan {
  ModelParams model;
  uint32_t client_bits = 16;
  double flow_rate = 0;
  uint64_t concurrency = 0;
  double ipv6 = 0, vlan = 0;
  uint64_t warmup_ns = 0;       // timed: arrivals start this long before the file
  bool initial_burst = false;   // timed: `concurrency` flows start at t = 0 (elephants)
};

// E[RTT] for the log-uniform RTT, in ns: (hi - lo) / ln(hi / lo).
double mean_rtt_ns(const ModelParams& m) {
  const double ln_ratio = static_cast<double>(m.rtt_span_q32) / 4294967296.0 * 0.6931471805599453;
  if (ln_ratio <= 0) return static_cast<double>(m.rtt_lo_ns);
  const double hi = static_cast<double>(exp2_q32(m.rtt_span_q32)) / 4294967296.0 * static_cast<double>(m.rtt_lo_ns);
  return (hi - static_cast<double>(m.rtt_lo_ns)) / ln_ratio;
}

Status make_plan(const GenConfig& cfg, Plan& plan) {
  ModelParams& m = plan.model;
  switch (cfg.profile) {
    case GenProfile::mixed:
      set_cdf(m.kind_cdf, 60, 28, 9);
      set_cdf(m.end_cdf, 78, 10, 10);
      m.upload_share = prob_percent(15);
      m.unidir_share = prob_percent(30);
      m.bulk_big_share = prob_percent(80);
      m.dns_answered = prob_percent(95);
      m.echo_unanswered = prob_percent(10);
      m.tcp_data = {SizeDist::pareto, 6, inv_alpha(1.15), 200'000};
      m.bulk = {SizeDist::pareto, 4, inv_alpha(1.15), 200'000};
      m.burst = {SizeDist::pareto, 1, inv_alpha(1.3), 1'000'000};
      m.rtt_lo_ns = 200'000;
      m.rtt_span_q32 = log2_q32(1000);  // 0.2 .. 200 ms
      m.echo_interval_ns = 1'000'000'000;
      m.echo_max_exchanges = 6;
      m.n_servers = 40'000;
      plan.client_bits = 16;
      plan.flow_rate = 30'000;
      plan.concurrency = 60'000;
      plan.ipv6 = 0.10;
      plan.vlan = 0.05;
      break;
    case GenProfile::churn:
      set_cdf(m.kind_cdf, 45, 40, 10);
      set_cdf(m.end_cdf, 50, 20, 10);
      m.upload_share = prob_percent(10);
      m.unidir_share = prob_percent(20);
      m.bulk_big_share = prob_percent(60);
      m.dns_answered = prob_percent(95);
      m.echo_unanswered = prob_percent(20);
      m.tcp_data = {SizeDist::pareto, 1, inv_alpha(1.5), 16};
      m.bulk = {SizeDist::pareto, 1, inv_alpha(1.5), 8};
      m.burst = {SizeDist::pareto, 1, inv_alpha(2.0), 4};
      m.rtt_lo_ns = 50'000;
      m.rtt_span_q32 = log2_q32(100);  // 0.05 .. 5 ms
      m.echo_interval_ns = 1'000'000;
      m.echo_max_exchanges = 2;
      m.n_servers = 65'536;
      plan.client_bits = 20;
      plan.flow_rate = 2'000'000;
      plan.concurrency = 20'000;
      plan.ipv6 = 0.10;
      plan.vlan = 0.05;
      break;
    case GenProfile::elephants:
      set_cdf(m.kind_cdf, 75, 0, 25);
      set_cdf(m.end_cdf, 90, 10, 0);
      m.upload_share = prob_percent(25);
      m.unidir_share = 0;
      m.bulk_big_share = prob_percent(98);
      m.burst = {SizeDist::endless, 0, 0, 0};
      m.rtt_lo_ns = 1'000'000;
      m.rtt_span_q32 = log2_q32(50);  // 1 .. 50 ms
      m.bulk_lo = m.bulk_hi = 1472;   // 1514-byte frames
      m.n_servers = 64;
      plan.client_bits = 16;
      plan.flow_rate = 0;
      plan.concurrency = 16;
      plan.ipv6 = 0.10;
      plan.vlan = 0;
      plan.initial_burst = true;
      break;
    case GenProfile::linerate:
      set_cdf(m.kind_cdf, 40, 3, 55);
      set_cdf(m.end_cdf, 70, 20, 5);
      m.upload_share = prob_percent(30);
      m.unidir_share = prob_percent(30);
      m.bulk_big_share = prob_percent(60);
      m.dns_answered = prob_percent(95);
      m.echo_unanswered = prob_percent(10);
      m.burst = {SizeDist::expo, 4, 0, 0};
      m.echo_max_exchanges = 4;
      m.fill_frame_bytes = static_cast<uint16_t>(kMinFrameBytes);
      m.n_servers = 65'536;
      plan.client_bits = 20;
      plan.flow_rate = 500'000;
      plan.concurrency = 1'000'000;
      plan.ipv6 = 0;
      plan.vlan = 0;
      break;
  }
  if (cfg.flow_rate_per_s) plan.flow_rate = *cfg.flow_rate_per_s;
  if (cfg.concurrency) plan.concurrency = *cfg.concurrency;
  if (cfg.ipv6_share) plan.ipv6 = *cfg.ipv6_share;
  if (cfg.vlan_share) plan.vlan = *cfg.vlan_share;

  const bool timed_arrivals = cfg.profile == GenProfile::mixed || cfg.profile == GenProfile::churn;
  if (!(plan.flow_rate == 0 || (plan.flow_rate >= kMinFlowRate && plan.flow_rate <= kMaxFlowRate)) ||
      (timed_arrivals && plan.flow_rate == 0)) {
    return {Errc::invalid_argument,
            "--flow-rate must be in [0.001, 1e8] (0 = no new flows: linerate and elephants only)"};
  }
  if (plan.concurrency < 1 || plan.concurrency > kMaxConcurrency) {
    return {Errc::invalid_argument, "--concurrency must be in [1, 33554432]"};
  }
  for (double s : {plan.ipv6, plan.vlan}) {
    if (!(s >= 0 && s <= 1)) return {Errc::invalid_argument, "--ipv6-share and --vlan-share must be in [0, 1]"};
  }
  m.ipv6_share = static_cast<ProbQ32>(plan.ipv6 * 4294967296.0);
  m.vlan_share = static_cast<ProbQ32>(plan.vlan * 4294967296.0);
  m.server_span_q32 = log2_q32(uint64_t{m.n_servers} + 1);

  const double c_over_rate = plan.flow_rate > 0 ? static_cast<double>(plan.concurrency) / plan.flow_rate : 0;
  switch (cfg.profile) {
    case GenProfile::mixed:
    case GenProfile::churn: {
      // Little's law: concurrency = rate * E[lifetime]. DNS lives one RTT, ICMP its echo
      // exchanges, TCP its handshake plus D; tcp and udp_bulk data phases last D on average.
      auto share = [&m](int i) {
        return static_cast<double>(m.kind_cdf[i] - (i ? m.kind_cdf[i - 1] : 0)) / 4294967296.0;
      };
      const double rtt = mean_rtt_ns(m);
      const double icmp_life = (m.echo_max_exchanges - 1) / 2.0 * static_cast<double>(m.echo_interval_ns) + rtt;
      const double fixed = share(0) * 2 * rtt + share(1) * rtt + share(3) * icmp_life;
      // Refused TCP flows and one-packet udp_bulk flows have no data phase: weight tcp by
      // P(not refused), bulk by P(n >= 2) = 2^-alpha for xm = 1 (fixed point, not libm).
      const double refused = static_cast<double>(kProbOne - m.end_cdf[2]) / 4294967296.0;
      const double bulk_long =
          m.bulk.scale >= 2 ? 1.0
                            : 4294967296.0 / static_cast<double>(exp2_q32((uint64_t{1} << 48) / m.bulk.inv_alpha_q16));
      const double d = (c_over_rate * 1e9 - fixed) / (share(0) * (1 - refused) + share(2) * bulk_long);
      m.mean_duration_ns = static_cast<uint64_t>(std::clamp(d, 10'000.0, static_cast<double>(kMaxDurationNs)));
      const double rtt_hi = static_cast<double>(m.rtt_lo_ns) * static_cast<double>(exp2_q32(m.rtt_span_q32)) / 4294967296.0;
      const double echo_max = static_cast<double>(m.echo_max_exchanges - 1) * static_cast<double>(m.echo_interval_ns) + rtt_hi;
      plan.warmup_ns = static_cast<uint64_t>(std::max({4.0 * static_cast<double>(m.mean_duration_ns), echo_max, 2 * rtt_hi}));
      break;
    }
    case GenProfile::elephants:
      m.fixed_gap_ns = plan.concurrency * kElephantFrameNs;
      if (plan.flow_rate > 0) {
        m.mean_duration_ns = static_cast<uint64_t>(std::min(c_over_rate * 1e9, static_cast<double>(kMaxDurationNs)));
        m.tcp_data = m.bulk = {SizeDist::by_duration, m.fixed_gap_ns, 0, 0};
      } else {
        m.tcp_data = m.bulk = {SizeDist::endless, 0, 0, 0};
        m.end_cdf[0] = m.end_cdf[1] = 0;  // endless flows never close anyway
        m.end_cdf[2] = m.end_cdf[3] = kProbOne;
      }
      break;
    case GenProfile::linerate: {
      if (plan.flow_rate > 0) {
        // Each flow sends one packet per round; rate = pps / mean packets per flow.
        const uint64_t mean_pkts = static_cast<uint64_t>(std::max(kLineRatePps / plan.flow_rate, 1.0));
        m.tcp_data = {SizeDist::expo, std::max<uint64_t>(mean_pkts > 6 ? mean_pkts - 6 : 1, 1), 0, 0};
        m.bulk = {SizeDist::expo, mean_pkts, 0, 0};
      } else {
        m.tcp_data = m.bulk = {SizeDist::endless, 0, 0, 0};
      }
      // A round longer than 0.4 s would put the last ACK outside weir's close grace.
      m.skip_last_ack = static_cast<double>(plan.concurrency) / kLineRatePps > 0.4;
      break;
    }
  }
  return Status::ok();
}

class Generator {
 public:
  Generator(const GenConfig& cfg, const Plan& plan, PcapWriter& out, Truth& truth,
            const Addressing& addr)
      : cfg_(cfg), plan_(plan), model_(plan.model), addr_(addr),
        frames_(addr, plan.model.fill_frame_bytes != 0), out_(out), truth_(truth), rng_(cfg.seed) {}

  Status run() { return cfg_.profile == GenProfile::linerate ? run_linerate() : run_timed(); }

 private:
  bool next_serial(uint64_t& s) noexcept {
    if (serial_ >= addr_.serial_capacity()) return false;
    s = serial_++;
    return true;
  }
  Status exhausted() const {
    return {Errc::invalid_argument, "flow space exhausted (" + std::to_string(addr_.serial_capacity()) +
                                        " client endpoints): ask for fewer packets"};
  }

  // Writes one packet of slot's flow at trace time t_ns (ns since the file's start).
  void emit(uint32_t slot, Flow& f, const Pkt& p, uint64_t t_ns) noexcept {
    const FrameLayout l = frames_.layout(f, p);
    const uint64_t ts = kEpochNs + t_ns;
    uint8_t* frame = out_.reserve(ts, l.frame_bytes, l.frame_bytes);
    if (frame == nullptr) [[unlikely]] return;  // failed(): the run stops, close() says why
    frames_.build(f, p, l, ts, frame);
    truth_.on_packet(slot, f, p, l, out_.stored_ts(ts));
    last_frame_bytes_ = l.frame_bytes;
    ++written_;
  }

  uint32_t alloc_slot() {
    if (!free_.empty()) {
      const uint32_t s = free_.back();
      free_.pop_back();
      return s;
    }
    flows_.emplace_back();
    truth_.reserve_slots(flows_.size());
    return static_cast<uint32_t>(flows_.size() - 1);
  }

  Status run_timed();
  Status run_linerate();

  const GenConfig& cfg_;
  const Plan& plan_;
  FlowModel model_;
  const Addressing& addr_;
  FrameBuilder frames_;
  PcapWriter& out_;
  Truth& truth_;
  Rng rng_;
  std::vector<Flow> flows_;
  std::vector<uint32_t> free_;
  uint64_t serial_ = 0;
  uint64_t written_ = 0;
  uint32_t last_frame_bytes_ = 0;
};

Status Generator::run_timed() {
  const uint64_t n = cfg_.packets;
  const uint64_t w = plan_.warmup_ns;  // sim time w = the file's first instant
  EventHeap heap;
  const size_t expect = static_cast<size_t>(std::min<uint64_t>(plan_.concurrency * 2, kMaxConcurrency));
  heap.reserve(expect);
  flows_.reserve(expect);
  Pkt pkt;

  if (plan_.initial_burst) {  // elephants: every flow opens within the first milliseconds
    uint64_t t = 0;
    for (uint64_t i = 0; i < plan_.concurrency; ++i) {
      uint64_t s;
      if (!next_serial(s)) return exhausted();
      const uint32_t slot = alloc_slot();
      model_.spawn(flows_[slot], s, rng_);
      truth_.count_simulated();
      heap.push(t, slot);
      t += rng_.expo(50'000);
    }
  }
  // Arrival clock in 1/256 ns, so high rates keep their mean exactly.
  const uint64_t iat_q8 = plan_.flow_rate > 0 ? static_cast<uint64_t>(256e9 / plan_.flow_rate) : 0;
  uint64_t arr_q8 = iat_q8 ? rng_.expo(iat_q8) : UINT64_MAX;
  auto arrival = [&arr_q8] { return arr_q8 == UINT64_MAX ? UINT64_MAX : arr_q8 >> 8; };

  // Warm-up: flows born before the file, each fast-forwarded alone to its first packet
  // inside the file (or to its end).
  while (arrival() < w) {
    uint64_t s;
    if (!next_serial(s)) return exhausted();
    Flow f;
    model_.spawn(f, s, rng_);
    truth_.count_simulated();
    uint64_t t = arrival();
    for (;;) {
      const uint64_t d = model_.step(f, pkt, rng_);
      if (d == kDone) break;
      t += d;
      if (t >= w) {
        const uint32_t slot = alloc_slot();
        flows_[slot] = f;
        heap.push(t - w, slot);
        break;
      }
    }
    arr_q8 += rng_.expo(iat_q8);
  }
  if (arr_q8 != UINT64_MAX) arr_q8 -= w << 8;  // from here on, times are file-relative

  while (written_ < n) {
    if (arrival() <= heap.top_time()) {
      if (arrival() == UINT64_MAX) break;  // no flows left and none to come
      uint64_t s;
      if (!next_serial(s)) return exhausted();
      const uint32_t slot = alloc_slot();
      model_.spawn(flows_[slot], s, rng_);
      truth_.count_simulated();
      heap.push(arrival(), slot);
      arr_q8 += rng_.expo(iat_q8);
      continue;
    }
    const Event e = heap.top();
    Flow& f = flows_[e.slot];
    const uint64_t d = model_.step(f, pkt, rng_);
    emit(e.slot, f, pkt, e.t_ns);
    if (d == kDone) {
      heap.pop();
      truth_.retire(e.slot, f);
      free_.push_back(e.slot);
    } else {
      heap.replace_top(e.t_ns + d);
    }
    if ((written_ & kSampleMask) == 0) [[unlikely]] {
      truth_.sample_concurrency(heap.size());
      if (out_.failed()) break;
    }
  }
  // The file is complete: flows still running end here, in serial order.
  std::vector<uint32_t> live;
  live.reserve(heap.size());
  for (const Event& e : heap.entries()) live.push_back(e.slot);
  std::sort(live.begin(), live.end(), [this](uint32_t a, uint32_t b) { return flows_[a].serial < flows_[b].serial; });
  for (uint32_t slot : live) truth_.retire(slot, flows_[slot]);
  return Status::ok();
}

Status Generator::run_linerate() {
  const uint64_t n = cfg_.packets;
  const uint32_t c = static_cast<uint32_t>(plan_.concurrency);
  flows_.resize(c);
  truth_.reserve_slots(c);
  Pkt pkt;
  // Initial flows: a random age, so the file starts with flows in mid-life.
  for (uint32_t i = 0; i < c; ++i) {
    uint64_t s;
    if (!next_serial(s)) return exhausted();
    Flow& f = flows_[i];
    model_.spawn(f, s, rng_);
    truth_.count_simulated();
    uint32_t life = 2;
    if (f.kind == FlowKind::tcp || f.kind == FlowKind::udp_bulk) {
      life = f.data_left == kEndless ? 64 : std::min<uint32_t>(f.data_left, 1u << 20) + (f.kind == FlowKind::tcp ? 6 : 0);
    } else if (f.kind == FlowKind::icmp) {
      life = 2 * f.data_left;
    }
    for (uint32_t k = rng_.below(life); k > 0; --k) {
      if (model_.step(f, pkt, rng_) == kDone) {  // aged past its end: start a fresh one
        if (!next_serial(s)) return exhausted();
        model_.spawn(f, s, rng_);
        truth_.count_simulated();
        break;
      }
    }
  }
  uint64_t t_deci_ns = 0;  // 0.1 ns units: one bit time at 10 Gb/s
  uint32_t cur = 0;
  // Slots are visited in order, but 1M flows are 64 MB: fetch a few visits ahead.
  constexpr uint32_t kPrefetchAhead = 8;
  while (written_ < n) {
    Flow& f = flows_[cur];
    if (c > kPrefetchAhead) {
      prefetch_w(&flows_[cur + kPrefetchAhead < c ? cur + kPrefetchAhead : cur + kPrefetchAhead - c]);
    }
    const bool done = model_.step(f, pkt, rng_) == kDone;
    emit(cur, f, pkt, t_deci_ns / 10);
    t_deci_ns += (last_frame_bytes_ + kWireOverheadBytes) * 8;
    if (done) {
      truth_.retire(cur, f);
      uint64_t s;
      if (!next_serial(s)) return exhausted();
      model_.spawn(f, s, rng_);
      truth_.count_simulated();
    }
    if (++cur == c) cur = 0;
    if ((written_ & kSampleMask) == 0) [[unlikely]] {
      truth_.sample_concurrency(c);
      if (out_.failed()) break;
    }
  }
  for (uint32_t i = 0; i < c; ++i) truth_.retire(i, flows_[i]);
  return Status::ok();
}

}  // namespace

Status generate(const GenConfig& cfg, GenTotals* totals) {
  const auto t0 = std::chrono::steady_clock::now();
  Plan plan;
  if (Status s = make_plan(cfg, plan); !s) return s;
  const Addressing addr(plan.client_bits, cfg.seed);
  Truth truth;
  if (Status s = truth.open(cfg.truth_prefix, &addr); !s) return s;
  PcapWriter out;
  PcapWriterConfig wcfg;
  wcfg.format = cfg.format == GenFormat::pcap      ? PcapFormat::pcap_us
                : cfg.format == GenFormat::pcap_ns ? PcapFormat::pcap_ns
                                                   : PcapFormat::pcapng;
  wcfg.linktype = 1;  // Ethernet
  wcfg.writer_thread = true;  // generating and writing overlap on two cores
  if (Status s = out.open(cfg.output, wcfg); !s) return s;
  Generator gen(cfg, plan, out, truth, addr);
  Status run = gen.run();
  Status closed = out.close();
  if (!run) return run;
  if (!closed) return closed;
  GenTotals t;
  t.flow_rate_per_s = plan.flow_rate;
  t.concurrency = plan.concurrency;
  t.ipv6_share = plan.ipv6;
  t.vlan_share = plan.vlan;
  t.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (Status s = truth.finish(cfg, t); !s) return s;
  if (totals != nullptr) *totals = t;
  return Status::ok();
}

}  // namespace weir
