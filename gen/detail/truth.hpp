// SPDX-License-Identifier: Apache-2.0
// Ground truth of `weir gen`: totals of what was written (PREFIX.json) and, when a truth
// prefix is given, one row per flow (PREFIX.flows.tsv). Generator thread only.
//
// Design: totals are counted per packet (packets, bytes by class) and per retired flow
// (flow counts, TCP endings). Per-flow counters live in a FlowTruth array parallel to the
// generator's flow slots (64 bytes each, only allocated for the per-flow table), so the
// hot Flow stays one cache line. A flow's row is written when it retires (its last
// packet was produced, or the file ended), so rows are in retirement order; flows that
// wrote no packet (warm-up flows that ended before the file) have no row.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "gen/detail/frame_builder.hpp"
#include "gen/traffic_gen.hpp"

namespace weir::gen {

// Flow::wrote bit: the flow's first written packet was its first packet.
inline constexpr uint8_t kWroteFirst = 64;

struct FlowTruth {  // [0] = client to server, [1] = server to client
  uint64_t pkts[2];
  uint64_t l2_bytes[2];
  uint64_t ip_bytes[2];
  uint64_t first_ns;
  uint64_t last_ns;
};
static_assert(sizeof(FlowTruth) == 64);

class Truth {
 public:
  Truth() = default;
  Truth(const Truth&) = delete;
  Truth& operator=(const Truth&) = delete;
  ~Truth();

  // prefix "" = totals only (no files).
  Status open(const std::string& prefix, const Addressing* addr);
  bool has_rows() const noexcept { return tsv_ != nullptr; }
  // Makes slot indices < n valid for on_packet (no-op without a per-flow table).
  void reserve_slots(size_t n) {
    if (tsv_ != nullptr && rows_.size() < n) rows_.resize(n);
  }

  void on_packet(uint32_t slot, Flow& f, const Pkt& p, const FrameLayout& l, uint64_t ts_ns) noexcept {
    const uint8_t first = f.wrote & (kWroteC2s | kWroteS2c);
    if (!first) {
      if (f.n_sent == 1) f.wrote |= kWroteFirst;
      if (t_.all.packets == 0) t_.first_ns = ts_ns;
    }
    t_.last_ns = ts_ns;
    const int d = p.c2s ? 0 : 1;
    f.wrote |= p.c2s ? kWroteC2s : kWroteS2c;
    if (p.tcp_flags) {
      if (p.tcp_flags & kTcpSyn) f.wrote |= kWroteSyn;
      if (p.tcp_flags & kTcpFin) f.wrote |= p.c2s ? kWroteFinC : kWroteFinS;
      if (p.tcp_flags & kTcpRst) f.wrote |= kWroteRst;
    }
    add_packet(t_.all, l);
    add_packet(f.proto == 6 ? t_.tcp : f.proto == 17 ? t_.udp : t_.icmp, l);
    add_packet(f.v6() ? t_.ipv6 : t_.ipv4, l);
    if (f.vlan) add_packet(t_.vlan, l);
    if (tsv_ != nullptr) {
      FlowTruth& r = rows_[slot];
      if (!first) r = FlowTruth{{0, 0}, {0, 0}, {0, 0}, ts_ns, ts_ns};
      r.last_ns = ts_ns;
      ++r.pkts[d];
      r.l2_bytes[d] += l.frame_bytes;
      r.ip_bytes[d] += l.ip_bytes;
    }
  }

  // The flow produces no more packets (or the file is complete).
  void retire(uint32_t slot, const Flow& f) noexcept;
  void count_simulated() noexcept { ++t_.flows_simulated; }
  void sample_concurrency(uint64_t active) noexcept {
    concurrency_sum_ += active;
    ++concurrency_samples_;
  }

  // Closes the per-flow table and writes the JSON; fills totals' truth fields.
  Status finish(const GenConfig& cfg, GenTotals& totals);
  const GenTotals& totals() const noexcept { return t_; }
  GenTotals& totals() noexcept { return t_; }

 private:
  static void add_packet(GenClassTotals& c, const FrameLayout& l) noexcept {
    ++c.packets;
    c.frame_bytes += l.frame_bytes;
    c.ip_bytes += l.ip_bytes;
  }
  static void add_flow(GenClassTotals& c, uint64_t uni) noexcept {
    ++c.flows_bidirectional;
    c.flows_unidirectional += uni;
  }
  void write_row(uint32_t slot, const Flow& f) noexcept;
  void flush_text() noexcept;

  std::string prefix_;
  const Addressing* addr_ = nullptr;
  std::FILE* tsv_ = nullptr;
  bool tsv_failed_ = false;
  std::unique_ptr<char[]> text_;  // row buffer
  size_t text_pos_ = 0;
  std::vector<FlowTruth> rows_;
  GenTotals t_;
  uint64_t concurrency_sum_ = 0;
  uint64_t concurrency_samples_ = 0;
};

}  // namespace weir::gen
