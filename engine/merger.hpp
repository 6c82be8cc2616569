// SPDX-License-Identifier: Apache-2.0
// Merger: the one thread that writes records. It drains the RecordChannel, orders records
// by (expiry_ns, flow_id) with a RecordOrderer as the workers' watermarks allow, and
// writes them to every sink.
//
// Two phases. (1) Until every worker has published watermark UINT64_MAX: records go
// into the orderer and leave once below the smallest watermark. In ordered replay that
// gives the same byte stream for any number of workers; in the per-queue shape (live)
// it is "merged by export time", and since a quiet worker's clock follows the wall
// clock, no idle queue holds the others back. (2) End of the run: the rest of the
// orderer, then a k-way merge by flow_id of the workers' final records (each worker
// sends them in flow_id order), so nothing is held but one batch per worker.
//
// Sinks are flushed every flush_interval_ns of wall time while records are flowing, so
// on a live link a record reaches its output within about a second of its end.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/batch.hpp"
#include "engine/worker.hpp"
#include "exporters/flow_sink.hpp"

namespace weir {

// Every sink of a run. Remembers each sink's first error and stops writing to that sink;
// the others go on.
class SinkSet {
 public:
  explicit SinkSet(std::vector<std::unique_ptr<FlowSink>> sinks) : sinks_(std::move(sinks)),
                                                                   errors_(sinks_.size()) {}
  void write(std::span<const FlowRecord> recs) noexcept;
  void flush() noexcept;
  void finish() noexcept;
  // Any thread (the stats line reads it while the merger writes).
  uint64_t written() const noexcept { return written_.load(std::memory_order_relaxed); }
  // The first error of any sink ("" when none).
  std::string error() const;
  // The summary() line of each sink that left records out (FlowSink stats not_exported:
  // NetFlow v5 and IPv6, PyFlowMeter's columns and ICMP), one per line; "" when none.
  std::string not_exported_notes() const;

 private:
  void fail(std::size_t i, const Status& s);
  std::vector<std::unique_ptr<FlowSink>> sinks_;
  std::vector<std::string> errors_;
  std::atomic<uint64_t> written_{0};  // written by the merger only
};

struct MergerResult {
  std::size_t peak_pending = 0;  // records held by the orderer at most
};

// Runs until every worker is done and its records are written.
void merger_main(RecordChannel& ch, std::vector<WorkerShared*> workers, SinkSet& sinks,
                 uint64_t flush_interval_ns, MergerResult& result) noexcept;

}  // namespace weir
