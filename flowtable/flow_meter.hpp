// SPDX-License-Identifier: Apache-2.0
// FlowMeter: one worker's metering state machine -- its FlowTable, its TimerWheel and
// the expiry rules. Packets in (bursts of PacketMeta, in input order for this shard),
// finished FlowRecords out (through a RecordEmitter, in chunks). One owning thread.
//
// Expiry rules, all decided on packet time (PacketMeta::ts_ns, which never goes back):
//   deadline = min(last + idle, first + active), with idle replaced by the TCP close
//   grace once FIN was seen both ways or RST was seen. A packet at t > deadline starts
//   a new record; the old one ends with expiry_ns = deadline and reason idle / active /
//   tcp_close. The same happens without a packet when the wheel reaches the deadline,
//   so a record's content and expiry never depend on when the wheel ran -- which is
//   what makes the output identical for any number of workers.
//
// Timers are lazy: a packet only updates last_rel; when a timer fires the flow's real
// deadline is recomputed and the timer re-filed if the flow saw packets since.
//
// Watermark: every record this meter emits from now on has expiry_ns >= watermark_ns().
// (Armed deadlines are lower bounds of real deadlines; evictions happen at the clock.)
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <span>

#include "engine/base/flow_record.hpp"
#include "engine/base/packet_meta.hpp"
#include "flowtable/flow_hash.hpp"
#include "flowtable/flow_moments.hpp"
#include "flowtable/flow_table.hpp"
#include "flowtable/timer_wheel.hpp"
#include "flowtable/zero_mapping.hpp"

namespace weir {

struct MeterConfig {
  uint32_t max_flows = 1u << 20;  // this meter's share of --max-flows
  bool bidirectional = true;
  uint64_t idle_timeout_ns = 300'000'000'000ull;      // YAF's default idle timeout
  uint64_t active_timeout_ns = 1'800'000'000'000ull;  // YAF's default active timeout
  uint64_t tcp_close_grace_ns = 1'000'000'000ull;
  uint64_t tick_ns = 1'000'000;  // timer wheel resolution
  uint64_t hash_seed = kFlowHashSeed;  // must be the seed PacketMeta::hash was made with
  // Also keep the inter-arrival statistics of consecutive packets in either direction
  // (FlowRecord::iat_*; flowRecorder's bidirectional columns). They live in a side
  // array of 32 bytes per slot, allocated at construction, so FlowState stays 256 bytes
  // and runs without this option pay nothing but one predictable branch per packet.
  bool all_packet_iat = false;
  // Keep frame-length and IAT power sums (flow_moments.hpp) for DirStats' l2_len_* and
  // *_skewness / *_kurtosis: one more cache line per packet. Off unless a sink needs it.
  bool higher_moments = false;
};
// Longest record a FlowState can represent (48-bit relative times): 72 h.
inline constexpr uint64_t kMaxActiveTimeoutNs = 72ull * 3600 * 1'000'000'000;

struct MeterStats {
  uint64_t packets = 0;  // packets counted into records
  std::array<uint64_t, kNumEndReasons> records{};  // by end reason
  uint64_t records_total = 0;
  uint64_t record_packets = 0;  // packets in emitted records (conservation check)
  uint32_t live = 0;            // flows in the table now
  uint32_t peak_live = 0;
};

class RecordEmitter {
 public:
  virtual ~RecordEmitter() = default;
  // Called with a chunk of finished records (at most FlowMeter::kChunk).
  virtual void emit(std::span<const FlowRecord> recs) = 0;
};

class FlowMeter {
 public:
  static constexpr uint32_t kChunk = 256;

  FlowMeter(const MeterConfig& cfg, RecordEmitter& out);

  // Meters a burst. Packets must be in input order (ts_ns non-decreasing).
  void process_burst(std::span<const PacketMeta> pkts) noexcept;
  // Moves the clock without packets (another shard's packets moved time on).
  void advance(uint64_t clock_ns) noexcept;
  // End of input: hands over the records already finished (one flush), then every live
  // flow ends with reason `why` (eof, or shutdown when the run was stopped), emitted in
  // ascending flow_id. Allocates (once, at the end).
  void finish(EndReason why = EndReason::eof) noexcept;
  // Hands buffered records to the emitter.
  void flush() noexcept;

  uint64_t watermark_ns() const noexcept;
  uint64_t clock_ns() const noexcept { return clock_ns_; }
  const MeterStats& stats() const noexcept { return stats_; }
  std::size_t memory_bytes() const noexcept;

 private:
  uint64_t deadline_ns(const FlowState& f) const noexcept;
  EndReason deadline_reason(const FlowState& f) const noexcept;
  uint64_t tick_of_deadline(uint64_t deadline_ns) const noexcept {
    return deadline_ns / cfg_.tick_ns + 1;  // first tick strictly after the deadline
  }
  void expire_due(uint64_t clock_ns) noexcept;
  // zeroed: f is fresh from FlowTable::insert (already zero but for the key).
  void start_record(FlowState& f, const PacketMeta& p, bool zeroed = false) noexcept;
  void account(FlowState& f, const PacketMeta& p) noexcept;
  // The MomentSums of f's direction d (higher_moments only).
  MomentSums& moments(const FlowState& f, uint32_t d) noexcept {
    return moments_[static_cast<std::size_t>(&f - &table_.state(0)) * 2 + d];
  }
  bool would_overflow(const FlowState& f, const PacketMeta& p) const noexcept;
  void export_record(const FlowState& f, uint64_t expiry_ns, EndReason why) noexcept;
  void process_one(const PacketMeta& p) noexcept;
  uint32_t dir_of(const FlowState& f, const PacketMeta& p) const noexcept {
    if (!cfg_.bidirectional) return 0;
    if (p.bits & PacketMeta::kSameAddress) [[unlikely]] return 0;
    return static_cast<uint32_t>(p.reversed()) ^ static_cast<uint32_t>(f.state & FlowState::kInitiatorIsB);
  }

  // Inter-arrival of consecutive packets in either direction, per slot (all_packet_iat).
  struct alignas(32) AllIat {
    uint64_t min_ns;
    uint64_t max_ns;
    double sumsq;  // sum of iat_ns^2
  };
  void account_all_iat(const FlowState& f, uint64_t rel) noexcept;
  AllIat& all_iat(const FlowState& f) noexcept {
    return all_iat_[static_cast<std::size_t>(&f - &table_.state(0))];
  }

  MeterConfig cfg_;
  RecordEmitter& out_;
  FlowTable table_;
  // One per slot with all_packet_iat, else null. Left uninitialised (pages are touched
  // only by slots in use): a record's first packet resets its entry.
  std::unique_ptr<AllIat[]> all_iat_;
  TimerWheel wheel_;
  ZeroMapping moments_map_;
  MomentSums* moments_ = nullptr;  // 2 per slot when cfg_.higher_moments, else null
  uint64_t clock_ns_ = 0;
  MeterStats stats_;
  std::array<uint32_t, kChunk> due_{};
  std::array<FlowRecord, kChunk> buf_;
  uint32_t n_buf_ = 0;
};

}  // namespace weir
