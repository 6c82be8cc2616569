// SPDX-License-Identifier: Apache-2.0
// The capture backends by name: what `-r` and `-i` open. The engine is handed the
// sources this returns and never names a backend, so a new backend is one row in
// capture_registry.cpp.
//
//   -r FILE ...          "file": capture files read in order as one stream (one source)
//   -i IFACE             "pcap": libpcap live capture (one source)
//   -i afpacket:IFACE    "afpacket": TPACKET_V3 rings in one fanout group (one per queue)
//   -i dpdk:PORT         "dpdk": one source per queue (meson feature dpdk)
// A backend named by prefix is handed spec.interface without the prefix.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "capture/capture_spec.hpp"
#include "capture/packet_source.hpp"
#include "capture/pcap_file/file_source.hpp"

namespace weir {

struct CaptureBackend {
  const char* name;     // "file", "pcap", "afpacket", "dpdk"
  const char* prefix;   // in -i: "afpacket:", "dpdk:"; "" for the default live backend
  bool live;
  // Opens the sources (one per queue). Errors carry Origin::input (or config).
  Status (*open)(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out);
};

// Picks the backend for spec (files, or the -i prefix) and opens its sources.
Status open_capture(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out);
// Releases what backends hold for the whole process (DPDK's EAL). Call once, at exit,
// after every source is destroyed; no source can be opened afterwards.
void close_capture_backends() noexcept;
// The compiled-in backends (for --help and tests).
const std::vector<CaptureBackend>& capture_backends();

}  // namespace weir
