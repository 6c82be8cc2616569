// SPDX-License-Identifier: Apache-2.0
// Test inputs built in code, written by capture/'s PcapWriter (the one pcap writer):
//
//   std::vector<PcapRecord> recs = {{1'000, frame_bytes}, {2'000, cut_bytes, 1514}};
//   write_pcap("/tmp/x.pcap", recs);                        // Ethernet, ns timestamps
//   write_pcap("/tmp/y.pcap", recs, {.format = PcapFormat::pcap_us, .linktype = 113});
//
// wire_len 0 means "same as the data size".
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
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

// The bytes of the pcap file write_pcap would write (for pipes and standard input).
inline std::vector<uint8_t> pcap_image(std::span<const PcapRecord> records, const PcapWriterConfig& cfg = {}) {
  char path[] = "/tmp/weir-pcap-image-XXXXXX";
  const int fd = ::mkstemp(path);
  if (fd < 0) return {};
  ::close(fd);
  std::vector<uint8_t> bytes;
  if (write_pcap(path, records, cfg)) {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  ::unlink(path);
  return bytes;
}

}  // namespace weir::test
