// SPDX-License-Identifier: Apache-2.0
// Capture-file source: classic pcap (µs and ns magics, both byte orders) and pcapng
// (SHB/IDB/EPB/SPB/OPB; several sections, byte orders, interfaces, link types and
// if_tsresol), read with weir's own parser (no libpcap on this path).
//
// Regular files are memory-mapped through a sliding window (peak RSS does not grow with
// file size); "-" or a pipe is read as a stream. Several paths are read in order as one
// stream of packets. Timestamps are converted to ns (saturating at UINT64_MAX).
//
// Views stay valid until the next rx_burst(). Errors name the file and the byte offset
// of the bad record or block (Errc::malformed, io_error, unsupported for a version);
// packets before the fault are delivered. Limits: a classic record may claim at most
// max(snaplen, 262144) captured bytes (never more than 256 MiB), a pcapng block at most
// 256 MiB + 4 KiB. caplen > orig len raises wire_len to cap_len (counted); a pcapng
// Simple Packet Block takes the previous packet's time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "capture/packet_source.hpp"

namespace weir {

struct FileSourceConfig {
  std::vector<std::string> paths;        // "-" = standard input
  uint64_t window_bytes = 8ull << 20;    // mmap window (regular files)
};

// Opens the first file and checks its header. Errors name the file (and the offset).
Status open_file_source(const FileSourceConfig& cfg, std::unique_ptr<PacketSource>& out);

}  // namespace weir
