// SPDX-License-Identifier: Apache-2.0
// The capture backends by name: what `-r` and `-i` open. The engine is handed the
// sources this returns and never names a backend, so a new backend is one row in
// capture_registry.cpp.
//
//   -r FILE ...          "file": capture files read in order as one stream (one source)
//   -i IFACE             "pcap": libpcap live capture (one source)
//   -i afpacket:IFACE    "afpacket": TPACKET_V3 rings in one fanout group (one per queue)
//   -i dpdk:PORT         "dpdk": one source per RX queue (meson feature dpdk)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "capture/packet_source.hpp"
#include "capture/pcap_file/file_source.hpp"

namespace weir {

// Everything a backend may need to open its sources; each backend reads what applies.
struct CaptureSpec {
  std::vector<std::string> files;  // -r (file backend); "-" = standard input
  std::string interface;           // -i, with any "backend:" prefix
  uint32_t queues = 1;             // sources wanted (live: RX queues / fanout members)
  uint32_t snaplen = 262144;       // -s
  uint32_t buffer_kib = 0;         // -B (0 = the backend's default)
  bool promiscuous = true;         // -p clears it
  std::string filter;              // BPF expression a live backend compiles into the kernel
  std::string eal_args;            // --eal (DPDK)
  uint64_t hash_seed = 0;          // live software sharding (random per run)
  ReadMethod read_method = ReadMethod::read;  // files (--read-method, benchmarking)
};

struct CaptureBackend {
  const char* name;     // "file", "pcap", "afpacket", "dpdk"
  const char* prefix;   // in -i: "afpacket:", "dpdk:"; "" for the default live backend
  bool live;
  // Opens the sources (one per queue). Errors carry Origin::input (or config).
  Status (*open)(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out);
};

// Picks the backend for spec (files, or the -i prefix) and opens its sources.
Status open_capture(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out);
// The compiled-in backends (for --help and tests).
const std::vector<CaptureBackend>& capture_backends();

}  // namespace weir
