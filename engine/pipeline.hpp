// SPDX-License-Identifier: Apache-2.0
// The metering pipeline: reader -> workers -> merger -> sink.
//
//   reader (calling thread): rx_burst from the source, BPF filter, decode, hash, and
//     dispatch PacketMeta batches to the worker that owns the flow (worker_of(hash));
//     every batch carries the reader's clock, so a quiet shard still expires on time.
//   workers (-w N threads): one FlowMeter each; finished records and a watermark go to
//     the merger.
//   merger (one thread): orders records by (expiry_ns, flow_id) as watermarks allow
//     and writes them to the sink.
// With -w 1 all of it runs in the calling thread (no queues at all).
// Threads share nothing but SPSC rings of batches and a few atomics.
#pragma once

#include "engine/base/common.hpp"
#include "engine/config.hpp"
#include "engine/summary.hpp"

namespace weir {

// Runs one metering job. Returns an error Status only when the job could not start
// (input cannot be opened or has a bad header, bad filter, output cannot be created);
// problems met while running (a corrupt record, a failed write) are in summary
// (input_error / output_error) -- records read before the fault are still written.
Status run_pipeline(const EngineConfig& cfg, RunSummary& summary);

}  // namespace weir
