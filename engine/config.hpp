// SPDX-License-Identifier: Apache-2.0
// EngineConfig: everything one metering run needs, built by tools/ from the command
// line (or by tests and the bench harness directly).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "capture/capture_registry.hpp"
#include "exporters/flow_sink.hpp"

namespace weir {

struct RunSummary;

// Largest --max-flows a run accepts: 2^30 flows of 256 bytes of state is 256 GiB, far
// beyond any machine weir runs on, and keeps every per-worker index within 32 bits.
inline constexpr uint64_t kMaxFlowsLimit = uint64_t{1} << 30;
inline constexpr uint32_t kMaxWorkers = 64;

struct EngineConfig {
  // Input: files (capture.files, read in order as one stream) or a live interface
  // (capture.interface); see capture/capture_registry.hpp.
  CaptureSpec capture;
  // Outputs (several -F/-o pairs); empty = CSV on standard output.
  std::vector<SinkConfig> outputs;
  std::string filter;               // tcpdump-style BPF expression ("" = none)
  bool bidirectional = true;        // -d b (default) or -d u
  bool vlan_key = false;            // --vlan-key
  // Metering rules a compatibility profile changes (compat/compat_profile.hpp); all off
  // = weir's own rules. See DecodeConfig and MeterConfig for each.
  bool key_ports_tcp_udp_only = false;  // only TCP/UDP keys carry ports
  bool ipv6_len_after_ext = false;      // IPv6 length = bytes after the extension headers
  bool same_address_forward = false;    // source == destination address: always forward
  bool all_packet_iat = false;          // FlowRecord::iat_* (either-direction inter-arrival)
  bool ignore_tcp_close = false;        // FIN/RST do not shorten the idle timeout
  bool higher_moments = false;      // meter frame-length/IAT skewness and kurtosis (also on
                                    // when a sink asks: FlowSink::needs_higher_moments)
  uint32_t workers = 0;             // -w; 0 = auto (see Engine)
  bool reader_thread = false;       // --reader-thread: read + decode in a thread of its own
                                    // even with one worker (always so with 2+ workers)
  bool per_queue = false;           // --per-queue: files sharded by the symmetric RSS hash,
                                    // one run-to-completion worker per shard (live: always)
  uint64_t max_flows = 2'000'000;   // --max-flows, for the whole process
  uint64_t idle_timeout_ns = 300'000'000'000ull;      // --idle-timeout (YAF default 300 s)
  uint64_t active_timeout_ns = 1'800'000'000'000ull;  // --active-timeout (YAF default 1800 s)
  uint64_t tcp_close_grace_ns = 1'000'000'000ull;     // --tcp-close-grace (1 s)
  uint64_t packet_limit = 0;        // -c: stop after this many packets (0 = all)
  uint64_t duration_ns = 0;         // --duration: stop after this much packet time (0 = all)
  uint64_t flush_interval_ns = 1'000'000'000ull;  // --flush-interval: sinks flushed this often
  uint64_t stats_interval_ns = 0;   // --stats-interval: on_stats called this often (0 = never)
  std::function<void(const RunSummary&)> on_stats;  // called from the engine's control thread
  bool progress = false;            // progress line on stderr
  std::string drop_user;            // -Z USER: give up root once capture and outputs are open
  // Benchmarking only (--stop-after): run the reader alone, or reader + decoder + hash,
  // to measure what each stage costs per packet. No records are written.
  enum class Stage : uint8_t { all, read, decode };
  Stage stop_after = Stage::all;
  // Split replay's chunk size (0 = its default); tests make it tiny to put many chunk
  // boundaries in a small capture.
  uint64_t split_chunk_bytes = 0;
};

}  // namespace weir
