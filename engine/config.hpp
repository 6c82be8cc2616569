// SPDX-License-Identifier: Apache-2.0
// EngineConfig: everything one metering run needs, built by tools/ from the command
// line (or by tests and the bench harness directly).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "capture/pcap_file/file_source.hpp"
#include "exporters/flow_sink.hpp"

namespace weir {

struct EngineConfig {
  std::vector<std::string> inputs;  // capture files, "-" = stdin; read in order as one stream
  std::string filter;               // tcpdump-style BPF expression ("" = none)
  bool bidirectional = true;        // -d b (default) or -d u
  bool vlan_key = false;            // --vlan-key
  uint32_t workers = 0;             // -w; 0 = auto: one per core but one, plus a reader thread
  bool reader_thread = false;       // --reader-thread: read + decode in a thread of its own
                                    // even with one worker (always so with 2+ workers)
  uint64_t max_flows = 2'000'000;   // --max-flows, for the whole process
  uint64_t idle_timeout_ns = 300'000'000'000ull;      // --idle-timeout (YAF default 300 s)
  uint64_t active_timeout_ns = 1'800'000'000'000ull;  // --active-timeout (YAF default 1800 s)
  uint64_t tcp_close_grace_ns = 1'000'000'000ull;     // --tcp-close-grace (1 s)
  SinkConfig sink;                  // -o, -F
  bool progress = false;            // progress line on stderr
  // Benchmarking only (--stop-after): run the reader alone, or reader + decoder + hash,
  // to measure what each stage costs per packet. No records are written.
  enum class Stage : uint8_t { all, read, decode };
  Stage stop_after = Stage::all;
  // Benchmarking only (--read-method): how capture files are read (default: read()).
  ReadMethod read_method = ReadMethod::read;
};

}  // namespace weir
