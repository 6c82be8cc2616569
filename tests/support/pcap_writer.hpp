// SPDX-License-Identifier: Apache-2.0
// Classic pcap writer for tests (header only): turns a list of records into a capture
// file, so engine and tool tests can build their input in code.
//
//   std::vector<PcapRecord> recs = {{1'000, frame_bytes}, {2'000, cut_bytes, 1514}};
//   write_pcap("/tmp/x.pcap", recs);                         // Ethernet, ns timestamps
//   auto img = pcap_image(recs, {.linktype = 113, .unit = PcapTsUnit::us});
//
// Output is little-endian, version 2.4, magic a1b2c3d4 (µs) or a1b23c4d (ns). In µs files
// timestamps are truncated to the microsecond. wire_len 0 means "same as the data size".
#pragma once

#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace weir::test {

struct PcapRecord {
  uint64_t ts_ns = 0;          // ns since the Unix epoch
  std::vector<uint8_t> data;   // captured bytes
  uint32_t wire_len = 0;       // frame length on the wire; 0 = data.size()
};

enum class PcapTsUnit : uint8_t { us, ns };

struct PcapOptions {
  uint32_t linktype = 1;       // LINKTYPE_* for every record
  PcapTsUnit unit = PcapTsUnit::ns;
  uint32_t snaplen = 262144;
};

inline std::vector<uint8_t> pcap_image(std::span<const PcapRecord> records,
                                       const PcapOptions& opt = {}) {
  std::vector<uint8_t> out;
  auto put32 = [&out](uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  auto put16 = [&out](uint16_t v) {
    out.push_back(static_cast<uint8_t>(v));
    out.push_back(static_cast<uint8_t>(v >> 8));
  };
  const bool ns = opt.unit == PcapTsUnit::ns;
  put32(ns ? 0xA1B23C4Du : 0xA1B2C3D4u);
  put16(2);
  put16(4);
  put32(0);  // thiszone
  put32(0);  // sigfigs
  put32(opt.snaplen);
  put32(opt.linktype);
  for (const PcapRecord& r : records) {
    const uint64_t sec = r.ts_ns / 1'000'000'000u;
    const uint64_t frac = r.ts_ns % 1'000'000'000u;
    put32(static_cast<uint32_t>(sec));
    put32(static_cast<uint32_t>(ns ? frac : frac / 1000));
    put32(static_cast<uint32_t>(r.data.size()));
    put32(r.wire_len ? r.wire_len : static_cast<uint32_t>(r.data.size()));
    out.insert(out.end(), r.data.begin(), r.data.end());
  }
  return out;
}

// Writes the image to path (truncating). Returns false on any I/O error.
inline bool write_pcap(const std::string& path, std::span<const PcapRecord> records,
                       const PcapOptions& opt = {}) {
  const std::vector<uint8_t> img = pcap_image(records, opt);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return false;
  const bool ok = std::fwrite(img.data(), 1, img.size(), f) == img.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace weir::test
