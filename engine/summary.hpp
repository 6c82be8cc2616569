// SPDX-License-Identifier: Apache-2.0
// RunSummary: what a run did, for the end-of-run report on stderr and for the bench
// harness. Conservation: packets_read == packets_metered + sum(not_metered).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "capture/decode/decoder.hpp"
#include "engine/base/flow_record.hpp"

namespace weir {

struct RunSummary {
  uint64_t packets_read = 0;
  uint64_t wire_bytes_read = 0;
  uint64_t files = 0;
  uint64_t filtered = 0;  // rejected by the BPF expression
  std::array<uint64_t, kNumDecodeOutcomes> decode{};  // [flow] = decoded as flow packets
  uint64_t packets_metered = 0;       // accounted into records (by the workers)
  uint64_t record_packets = 0;        // sum of packets over written records
  std::array<uint64_t, kNumEndReasons> records{};
  uint64_t records_total = 0;
  uint64_t records_written = 0;
  uint64_t caplen_over_wire = 0;
  uint64_t ts_backwards = 0;
  uint64_t fragments_attributed = 0;
  uint32_t workers = 0;
  bool reader_thread = false;  // reading + decoding ran in a thread of its own
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
  std::string to_json() const;  // the same figures, machine-readable
};

}  // namespace weir
