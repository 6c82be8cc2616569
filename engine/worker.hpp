// SPDX-License-Identifier: Apache-2.0
// Workers: the threads that own flow tables. Each runs one FlowMeter (table + timer wheel)
// and hands finished records to the merger through the RecordChannel.
//
//   ordered replay   the worker meters PacketBatches the reader sends it (its shard of
//                    the input, in input order) and follows the reader's clock.
//   per queue        the worker is run-to-completion for one packet source (an RX queue,
//                    a fanout socket, a shard of a file): rx_burst -> Ingest -> meter. A
//                    quiet live source advances the worker's clock with the wall clock,
//                    so idle and active timeouts fire on a quiet link.
//
// Contract with the merger: every record with expiry_ns < watermark_ns is published on
// the channel before the watermark is stored (release); at the end the worker publishes
// watermark UINT64_MAX, then its end-of-run records in ascending flow_id (final batches),
// then sets done (release).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "capture/packet_source.hpp"
#include "engine/base/common.hpp"
#include "engine/batch.hpp"
#include "engine/ingest.hpp"
#include "flowtable/flow_meter.hpp"

namespace weir {

// What a worker shares with the reader, the merger and the control thread.
struct alignas(kNoFalseSharing) WorkerShared {
  uint32_t id = 0;
  std::unique_ptr<SpscRing<PacketBatch, 16>> in;  // ordered replay: reader -> worker
  alignas(kNoFalseSharing) std::atomic<uint64_t> watermark_ns{0};
  std::atomic<bool> done{false};
  // Progress and stats line (relaxed: written by the worker once per burst).
  alignas(kNoFalseSharing) std::atomic<uint64_t> live_flows{0};
  std::atomic<uint64_t> packets_received{0};  // per queue: read from the source
  std::atomic<uint64_t> packets_metered{0};
  std::atomic<uint64_t> records{0};
  std::atomic<uint64_t> clock_ns{0};
  // Live sources: the control thread sets stats_request; the worker (the only thread that
  // may touch its source) refreshes the kernel/NIC counters into these and clears it.
  std::atomic<bool> stats_request{false};
  std::atomic<uint64_t> kernel_drops{0};
  std::atomic<uint64_t> interface_drops{0};
  // Final figures, written by the worker before `done`.
  MeterStats meter;
  IngestCounters ingest;   // per queue
  DecoderStats decoder;    // per queue
  SourceStats source;      // per queue
  std::string input_error; // per queue
};

// Run-wide limits and the stop flag, shared by every per-queue worker.
struct RunControl {
  std::atomic<bool> stop{false};
  std::atomic<bool> interrupted{false};  // stopped by Engine::stop() (a signal): records
                                         // still live end with reason shutdown, not eof
  uint64_t packet_limit = 0;        // -c (0 = none)
  std::atomic<uint64_t> packets_claimed{0};
  uint64_t duration_ns = 0;         // --duration (0 = none)
  std::atomic<uint64_t> first_ts_ns{0};

  // Packets of a burst of n a worker may still take under -c; sets stop when exhausted.
  uint32_t claim(uint32_t n) noexcept;
  // True when ts_ns is past --duration from the run's first packet.
  bool past_duration(uint64_t ts_ns) noexcept;
};

// FlowMeter -> RecordChannel: one batch per chunk of records.
class ChannelEmitter final : public RecordEmitter {
 public:
  ChannelEmitter(RecordChannel& ch, uint32_t worker) : ch_(ch), worker_(worker) {}
  void emit(std::span<const FlowRecord> recs) override;
  void go_final() noexcept { final_ = true; }

 private:
  RecordChannel& ch_;
  uint32_t worker_;
  bool final_ = false;
};

// One worker: its shared state, emitter and meter. Built by the engine before any thread
// starts, so a flow table that cannot be mapped is an error of the run, not a crash.
class Worker {
 public:
  Worker(uint32_t id, RecordChannel& ch, const MeterConfig& mc);  // throws std::bad_alloc
  WorkerShared& shared() noexcept { return w_; }

  // Ordered replay: meters w_.in until its eof batch.
  void run_ordered(const RunControl& run) noexcept;
  // Per queue: run to completion on src until end of input, an error or run.stop.
  // filter may be null.
  void run_queue(PacketSource& src, std::unique_ptr<BpfFilter> filter, const DecodeConfig& dcfg,
                 uint32_t queues, RunControl& run) noexcept;

  // For shapes that drive the meter themselves (split replay): meter, then publish the
  // watermark and progress after each step, then finish once.
  FlowMeter& meter() noexcept { return meter_; }
  void publish() noexcept { publish_progress(); }
  // End of the worker's run: see the contract above; sets done.
  void finish(EndReason why) noexcept;

 private:
  void publish_progress() noexcept;

  WorkerShared w_;
  ChannelEmitter em_;
  FlowMeter meter_;
  uint64_t hash_seed_;
  uint64_t published_wm_ = 0;
};

// Realtime clock in ns since the epoch (the time base of live timestamps).
uint64_t wall_clock_ns() noexcept;

}  // namespace weir
