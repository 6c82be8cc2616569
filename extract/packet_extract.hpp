// SPDX-License-Identifier: Apache-2.0
// Packet extraction (`weir extract -o out.pcap`): the packets of chosen flows (FlowIDs,
// a port range, -d b for both directions) and/or of a BPF expression, copied record for
// record -- captured bytes, wire length, timestamp to the nanosecond -- into a fresh
// capture file written by the shared PcapWriter.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/common.hpp"
#include "extract/flow_scan.hpp"
#include "extract/selection.hpp"

namespace weir::extract {

enum class PacketFileFormat : uint8_t { pcap_ns, pcap_us, pcapng };

struct PacketExtractOptions {
  ScanOptions scan;         // scan.filter: the BPF expression ("" = none)
  Selection sel;            // flows to take; none given = every packet the expression passes
  std::string output;       // "-" = standard output
  PacketFileFormat format = PacketFileFormat::pcap_ns;
};

struct PacketExtractStats {
  ScanStats scan;
  uint64_t packets_written = 0;
  uint64_t bytes_written = 0;       // captured bytes of the records
  uint64_t flows_selected = 0;
  std::vector<uint32_t> missing_ids;  // requested FlowIDs the input does not have
  uint32_t flows_total = 0;
};

Status extract_packets(const PacketExtractOptions& opt, PacketExtractStats& st);

// True if sel names flows (IDs, all, a port range) rather than leaving the choice to
// the expression.
inline bool names_flows(const Selection& sel) { return sel.all || sel.port_range || !sel.ids.empty(); }

// Whether opt reads standard input (which cannot be read twice).
bool reads_stdin(const ScanOptions& opt);

}  // namespace weir::extract
