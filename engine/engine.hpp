// SPDX-License-Identifier: Apache-2.0
// Engine: one metering run. It is given packet sources and sinks (or opens them from the
// capture and output registries), picks a shape, runs it, and reports a RunSummary.
//
// Shapes (threads share nothing but the queues in batch.hpp and a few atomics):
//   ordered replay   one source (capture files). The calling thread reads, filters,
//                    decodes and hashes (engine/ingest.hpp) and dispatches each packet
//                    to the worker owning its flow; workers meter (engine/worker.hpp);
//                    the merger orders and writes (engine/merger.hpp). Output is
//                    byte-identical for any -w. With one worker and no reader thread,
//                    all of it runs in the calling thread.
//   per queue        N sources (RX queues, fanout sockets, or a file sharded by the
//                    symmetric RSS hash with --per-queue), one run-to-completion worker
//                    thread per source and no reader thread (the DPDK l3fwd shape);
//                    records merged by export time. The calling thread only watches:
//                    progress, stats line, stop.
//
// Stop: stop() (thread-safe and async-signal-safe: one atomic store) makes every
// reader stop receiving; live flows end with reason shutdown, the merger writes them
// and the sinks are finished, and run() returns normally. -c and --duration stop the
// same way, ending flows with reason eof.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "capture/packet_source.hpp"
#include "engine/base/common.hpp"
#include "engine/config.hpp"
#include "engine/summary.hpp"
#include "exporters/flow_sink.hpp"

namespace weir {

class Engine {
 public:
  explicit Engine(EngineConfig cfg);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Sources (one per queue) and sinks the caller made; open() opens the missing ones
  // from cfg.capture and cfg.outputs.
  void add_source(std::unique_ptr<PacketSource> src);
  void add_sink(std::unique_ptr<FlowSink> sink);

  // Validates the configuration, opens sources and sinks, compiles the filter. Errors
  // carry their Origin (config, input, output). Called by run() if not called before.
  Status open();
  // Runs to the end of input or stop(). An error Status only when the run could not
  // start; problems met while running are in the summary (input_error, output_error).
  Status run(RunSummary& sum);
  // Any thread or a signal handler.
  void stop() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Convenience: Engine(cfg).run(sum).
Status run_engine(const EngineConfig& cfg, RunSummary& sum);

}  // namespace weir
