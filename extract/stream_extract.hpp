// SPDX-License-Identifier: Apache-2.0
// Stream extraction (`weir extract --tcp-stream / --udp-stream`): each chosen flow
// direction's payload into its own file -- TCP reassembled in sequence order
// (TcpReassembler), UDP datagram payloads in arrival order -- optionally with pcap_flow's
// 32-byte header before each segment (stream_header.hpp).
//
// File names (one per flow direction):
//   PREFIX + FlowID _ src MAC _ dst MAC _ src address _ src port _ dst address _ dst port .tcp|.udp
//   e.g.  out/s_4_00:16:3e:0a:00:01_00:16:3e:0a:00:02_10.1.0.1_43297_10.1.0.2_80.tcp
// (addresses as inet_ntop writes them, MACs of the flow's first packet). A file is created,
// fresh, at the flow's first packet, so a direction without payload leaves an empty file.
//
// Window in TCP headers: the segment's window shifted by the window-scale option of that
// direction's SYN (RFC 7323), applied when the SYN carried the option and the peer's SYN
// (the reverse 5-tuple, whatever its MACs), if captured, did too; never to SYN segments;
// unscaled when the SYN was not captured.
//
// Bounded memory: out-of-order bytes are buffered up to max_buffered_per_stream per
// direction (then the first hole becomes a counted gap) and max_buffered_total over all
// (then every stream's holes are declared); open files are bounded by StreamFiles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/common.hpp"
#include "extract/flow_scan.hpp"
#include "extract/selection.hpp"
#include "extract/stream_files.hpp"
#include "extract/tcp_reassembler.hpp"

namespace weir::extract {

struct StreamExtractOptions {
  ScanOptions scan;
  bool tcp = false;          // --tcp-stream
  Selection tcp_sel;         // proto is set to TCP
  bool udp = false;          // --udp-stream
  Selection udp_sel;         // proto is set to UDP
  std::string prefix;        // -o PREFIX
  bool tcp_header = false;   // --tcpheader
  bool udp_header = false;   // --udpheader
  uint64_t max_buffered_per_stream = 4ull << 20;
  uint64_t max_buffered_total = 256ull << 20;
  StreamFilesConfig files;
};

struct StreamExtractStats {
  ScanStats scan;
  uint64_t tcp_streams = 0;
  uint64_t udp_streams = 0;
  TcpStreamStats tcp;              // summed over the TCP streams (flags unused)
  uint64_t udp_datagrams = 0;
  uint64_t udp_bytes_written = 0;
  uint64_t udp_truncated_bytes = 0;
  uint64_t fragments_skipped = 0;  // IP fragments of chosen flows (weir does not reassemble IP)
  uint64_t bad_l4 = 0;             // chosen packets whose TCP/UDP header was cut or malformed
  uint64_t memory_flushes = 0;     // times max_buffered_total forced every hole out
  StreamFilesStats files;
  std::vector<uint32_t> missing_ids;
  std::vector<uint32_t> wrong_protocol_ids;  // requested for TCP (UDP) streams, but not TCP (UDP)
  uint32_t flows_total = 0;
};

Status extract_streams(const StreamExtractOptions& opt, StreamExtractStats& st);

// The file name of a flow direction (see above).
std::string stream_file_name(const std::string& prefix, uint32_t flow_id, const FlowEntry& e);

// Several summary lines for stderr.
std::string format_stream_stats(const StreamExtractStats& st);

}  // namespace weir::extract
