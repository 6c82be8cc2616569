// SPDX-License-Identifier: Apache-2.0
// Test inputs built in code, written by capture/'s PcapWriter (the one pcap writer):
//
//   std::vector<PcapRecord> recs = {{1'000, frame_bytes}, {2'000, cut_bytes, 1514}};
//   write_pcap("/tmp/x.pcap", recs);                        // Ethernet, ns timestamps
//   write_pcap("/tmp/y.pcap", recs, {.format = PcapFormat::pcap_us, .linktype = 113});
//
// wire_len 0 means "same as the data size".
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "capture/pcap_file/pcap_writer.hpp"

namespace weir::test {

struct PcapRecord {
  uint64_t ts_ns = 0;         // ns since the Unix epoch
  std::vector<uint8_t> data;  // captured bytes
  uint32_t wire_len = 0;      // frame length on the wire; 0 = data.size()
};

// Writes records to path (created afresh). Returns false on any error.
inline bool write_pcap(const std::string& path, std::span<const PcapRecord> records,
                       const PcapWriterConfig& cfg = {}) {
  PcapWriter w;
  if (!w.open(path, cfg)) return false;
  for (const PcapRecord& r : records) {
    const uint32_t cap = static_cast<uint32_t>(r.data.size());
    w.write(r.ts_ns, r.data.data(), cap, r.wire_len ? r.wire_len : cap);
  }
  return bool(w.close());
}

}  // namespace weir::test
