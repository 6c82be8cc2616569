// SPDX-License-Identifier: Apache-2.0
// Reporter: `weir report`'s state machine. Decoded packets in (input order, trace time),
// one IntervalReport out per interval of trace time (interval_report.hpp says what each
// figure means). One owning thread.
//
// Time. Intervals are [anchor + k * interval, anchor + (k + 1) * interval), anchored at
// the first packet read (tcpstat's rule) or, with align_to_interval, at the multiple of
// the interval at or before it (so runs over different files line up). Everything is
// decided on packet timestamps, never on the wall clock, so a file gives the same report
// however fast it is read. An interval is reported once a packet at or after its end is
// seen (or at the end of input); an interval with no packet, no live connection and
// nothing finished is skipped.
//
// Connections. A connection finishes when more than conn_timeout passes after its last
// packet: at last + conn_timeout, counted in the interval holding that instant (a packet
// at exactly that instant still continues it). Expiry runs on a TimerWheel over ticks of
// gcd(interval, 1 ms) counted from the anchor, so every interval end is a tick edge and
// all connections that finished before it are found exactly, without scanning the
// table. Timers are lazy: a packet only moves last_ns; a timer that fires early is re-armed.
//
// Cost per packet: one hash, one table probe, a few counters in the connection and its
// destination; no allocation. Allocation happens per new destination (hash map), per
// finished connection (its duration, kept until the interval is reported) and per
// interval report (rows).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <unordered_map>
#include <vector>

#include "engine/base/packet_meta.hpp"
#include "flowtable/timer_wheel.hpp"
#include "report/conn_table.hpp"
#include "report/interval_report.hpp"
#include "report/target.hpp"

namespace weir::report {

struct ReportConfig {
  uint64_t interval_ns = 60'000'000'000ull;     // SENSS and tcpstat -o style default: 60 s
  uint64_t conn_timeout_ns = 5'000'000'000ull;  // SENSS FLOWTIMEOUT
  bool align_to_interval = false;
  Target target;                 // only destinations inside it; packets to or from it
  uint32_t max_conns = 4u << 20;  // live connections and UDP/ICMP flows
};

class ReportSink {
 public:
  virtual ~ReportSink() = default;
  // Called once per reported interval, in order. The report is valid during the call.
  virtual void interval(const IntervalReport& r) = 0;
};

struct ReporterStats {
  uint64_t packets = 0;              // handed to process_burst
  uint64_t outside_target = 0;       // neither address in --target: not counted anywhere else
  uint64_t tcp = 0, udp = 0, icmp = 0, other = 0;  // the rest, by protocol (ICMP: and ICMPv6)
  uint64_t untracked_table_full = 0; // counted in the totals but in no connection (table full)
  uint64_t connections = 0;          // TCP connections opened (all destinations)
  uint32_t live = 0;                 // entries in the table now
  uint32_t peak_live = 0;
};

class Reporter {
 public:
  Reporter(const ReportConfig& cfg, ReportSink& sink);
  ~Reporter();
  Reporter(const Reporter&) = delete;
  Reporter& operator=(const Reporter&) = delete;

  // Packets must come in input order; a timestamp older than the clock is read as the
  // clock (the engine's rule: trace time never goes back).
  void process_burst(std::span<const PacketMeta> pkts);
  // Trace time moved without a packet for the report (a filtered or undecodable packet,
  // a quiet live interface): reports the intervals that ended before clock_ns.
  void advance(uint64_t clock_ns);
  // End of input: reports the last interval; connections still live are listed in its
  // live counts and then finish (classified by their flags). Call once.
  void finish();

  const ReporterStats& stats() const noexcept { return stats_; }
  const RunTotals& totals() const noexcept { return totals_; }
  // Every reported destination over the run, ascending by destination.
  std::vector<DestRunRow> destinations() const;
  // Durations of every finished connection, all classes and per class.
  const DurationHistogram& durations() const noexcept { return durations_all_; }
  const DurationHistogram& durations(FinishClass c) const noexcept {
    return durations_by_class_[static_cast<std::size_t>(c)];
  }
  uint64_t interval_ns() const noexcept { return cfg_.interval_ns; }

 private:
  struct Dest;
  struct DestKeyHash {
    std::size_t operator()(const DestKey& k) const noexcept;
  };
  struct Finished {
    uint32_t dest;
    uint64_t duration_ns;
  };

  void start(uint64_t t);
  void roll_to(uint64_t t);
  void expire_before(uint64_t t);
  void close_interval(bool final);
  void process_one(const PacketMeta& p, uint64_t hash);  // hash: flow_hash64(p.key)
  void process_tcp(const PacketMeta& p, uint64_t hash);
  void process_flow(const PacketMeta& p, uint64_t hash, bool udp);
  uint32_t open_tcp(const PacketMeta& p, uint64_t hash);
  uint32_t dest_of(const DestKey& k);
  void touch(uint32_t dest);
  void set_category(ConnState& c, LiveCategory cat);
  // The connection ended (timed out, or the input did): count it, free its slot.
  void finish_conn(uint32_t slot, bool at_eof);
  uint64_t tick_of(uint64_t ns) const noexcept { return (ns - anchor_) / tick_ns_; }

  ReportConfig cfg_;
  ReportSink& sink_;
  uint64_t tick_ns_;
  ConnTable table_;
  TimerWheel wheel_;
  bool started_ = false;
  bool finished_ = false;
  uint64_t anchor_ = 0;
  uint64_t clock_ = 0;
  uint64_t index_ = 0;    // current interval
  uint64_t end_ = 0;      // its end
  uint32_t tcp_live_ = 0; // live TCP connections (any category)

  std::vector<Dest> dests_;
  std::unordered_map<DestKey, uint32_t, DestKeyHash> dest_index_;
  std::vector<uint32_t> active_;  // destinations touched in the current interval or live
  std::vector<uint32_t> next_active_;
  std::vector<Finished> finished_now_;  // connections finished in the current interval
  std::vector<uint64_t> scratch_;
  std::vector<uint32_t> due_;

  IntervalReport cur_;  // totals accumulate here; rows are built at the interval's end
  RunTotals totals_;
  ReporterStats stats_;
  DurationHistogram durations_all_;
  std::array<DurationHistogram, kNumFinishClasses> durations_by_class_;
};

}  // namespace weir::report
