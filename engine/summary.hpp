// SPDX-License-Identifier: Apache-2.0
// RunSummary: what a run did, for the end-of-run report on stderr and for the bench
// harness. Conservation: packets_read == packets_metered + sum(not_metered).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "capture/decode/decoder.hpp"
#include "engine/base/flow_record.hpp"

namespace weir {

// One receive queue (per-queue shape): what it received and what became of it.
struct QueueSummary {
  uint64_t packets_received = 0;
  uint64_t packets_metered = 0;
  uint64_t packets_not_metered = 0;
  uint64_t kernel_drops = 0;     // before weir saw them (reported beside conservation)
  uint64_t interface_drops = 0;
  uint64_t records = 0;
  uint64_t live_flows = 0;       // in a running snapshot; 0 at the end
};

struct RunSummary {
  uint64_t packets_read = 0;     // received: files read, or packets taken off the queues
  uint64_t wire_bytes_read = 0;
  uint64_t files = 0;
  uint64_t filtered = 0;  // rejected by the BPF expression
  std::array<uint64_t, kNumDecodeOutcomes> decode{};  // [flow] = decoded as flow packets
  uint64_t packets_metered = 0;       // accounted into records (by the workers)
  uint64_t record_packets = 0;        // sum of packets over written records
  std::array<uint64_t, kNumEndReasons> records{};
  uint64_t records_total = 0;
  uint64_t records_written = 0;
  std::string not_exported_notes;  // SinkSet::not_exported_notes(): records a format left out
  uint64_t caplen_over_wire = 0;
  uint64_t ts_backwards = 0;
  uint64_t fragments_attributed = 0;
  uint64_t ip_len_from_frame = 0;  // IPv4 total length 0 (TSO/GSO): length from the frame
  uint32_t workers = 0;
  bool reader_thread = false;  // reading + decoding ran in a thread of its own
  bool split_reader = false;   // split replay: every worker read a share of the file
  uint64_t chunks_reread = 0;  // split replay: chunks whose first record was guessed wrong
  bool per_queue = false;      // per-queue shape: one run-to-completion worker per source
  bool live = false;           // live capture (wall-clock time, kernel/NIC drops)
  bool interrupted = false;    // stopped by SIGINT/SIGTERM (live records end 'shutdown')
  bool running = false;        // a snapshot taken while the run goes on (stats line)
  // Live: lost before weir saw them; not part of packets_read (see conserved()). Inside
  // weir nothing is dropped: a full queue makes the reader wait (back-pressure), and
  // weir_drops stays 0 -- reported so that the claim can be checked.
  uint64_t kernel_drops = 0;
  uint64_t interface_drops = 0;
  uint64_t weir_drops = 0;
  std::vector<QueueSummary> queues;  // per-queue shape only
  uint64_t peak_live_flows = 0;
  double elapsed_s = 0;
  std::string input_error;   // non-empty: the input was bad at some point (malformed)
  std::string output_error;  // non-empty: writing the output failed

  uint64_t not_metered() const noexcept {
    uint64_t n = filtered;
    for (std::size_t i = 1; i < decode.size(); ++i) n += decode[i];
    return n;
  }
  bool conserved() const noexcept {
    if (partial_run) return true;
    return packets_read == packets_metered + not_metered() && record_packets == packets_metered;
  }
  bool partial_run = false;  // --stop-after: stages skipped, conservation not checked
  std::string format() const;  // multi-line human summary
  std::string stats_line() const;  // one line for --stats-interval
  std::string to_json() const;  // the same figures, machine-readable
};

}  // namespace weir
