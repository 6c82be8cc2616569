// SPDX-License-Identifier: Apache-2.0
// flow-tools files (-F flowtools): the writer (a FlowSink) and the reader. Layout:
// flowtools_format.hpp; field mapping: netflow_v5.hpp.
//
// Writer: stream version 3, NetFlow v5 records, little-endian, zlib-compressed, with
// the header TLVs flow-cat and flow-print read: export version 5, header flags, flow
// count, lost flows, capture start/end (seconds; earliest first packet and latest last
// packet of the records written), exporter IP, capture hostname and comments. A regular
// file gets the totals and the DONE flag when it is finished (the header is written
// with the same TLVs first and rewritten in place, as flow-capture does); stdout or a
// FIFO or a TCP stream gets a STREAMING header without totals, as flow-cat writes to a
// pipe.
// One v5 record per direction with packets (biflows give two), split when a counter
// exceeds 32 bits. IPv6 records have no v5 form: they are skipped and counted
// (stats().not_exported, and the header's "lost flows"). Times: unix_secs/unix_nsecs = the
// direction's last packet (ms), sysUpTime = Last = its duration in ms, First = 0, so a
// reader gets first/last to the millisecond whatever its sysUpTime arithmetic.
//
// Reader: either byte order, compressed or not, stream version 3 with export version 5.
// Checks the magic, versions, every TLV's bounds, the zlib stream, whole records, and
// (when the header says DONE) the flow count. Errors name the file and byte offset.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/base/common.hpp"
#include "exporters/destination.hpp"
#include "exporters/flow_sink.hpp"
#include "exporters/flowtools_format.hpp"

namespace weir {

struct FlowToolsWriterOptions {
  std::string hostname;      // TLV 0xF; empty = this host's name
  std::string comments;      // TLV 0x10; empty = "weir <version>"
  uint32_t exporter_ip = 0;  // TLV 0x5 and every record's exaddr (0 = none given)
  int z_level = 1;           // zlib level 1..9: 1 is about twice as fast as 5 for the
                             // same ratio on flow records (bench/collector BM_Sink)
};

Status open_flowtools_sink(std::unique_ptr<Destination> dest, const FlowToolsWriterOptions& opt,
                           std::unique_ptr<FlowSink>& out);
// Writes records as they are (a v5 record keeps its exporter fields, nexthop, AS numbers
// and masks: Python's FlowSet.write, records passed through from a collector) to a sink
// opened by open_flowtools_sink; an error for any other sink. The header's capture
// start/end cover the records' First/Last.
Status flowtools_write_raw(FlowSink& sink, std::span<const ftfmt::Record> recs);
// The sink registry's entry (-F flowtools): default options.
Status open_flowtools_sink(const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                           std::unique_ptr<FlowSink>& out);

struct FlowToolsHeader {
  uint8_t byte_order = 0;       // ftfmt::kLittleEndian or kBigEndian
  uint8_t stream_version = 0;
  uint32_t header_bytes = 0;
  uint16_t export_version = 0;  // 0 when the TLV is absent
  uint32_t flags = 0;
  bool has_flow_count = false;
  uint32_t flow_count = 0;
  uint32_t flows_lost = 0;
  uint32_t exporter_ip = 0;
  uint32_t cap_start = 0;
  uint32_t cap_end = 0;
  std::string hostname;
  std::string comments;
};

class FlowToolsReader {
 public:
  FlowToolsReader();
  ~FlowToolsReader();
  FlowToolsReader(const FlowToolsReader&) = delete;
  FlowToolsReader& operator=(const FlowToolsReader&) = delete;

  // Opens `path` ("-" = stdin) and reads and checks the header.
  Status open(const std::string& path);
  const FlowToolsHeader& header() const noexcept;
  uint64_t records_read() const noexcept;

  // Up to out.size() records; n_out == 0 with ok = end of file (all checks passed).
  Status read_raw(std::span<ftfmt::Record> out, std::size_t& n_out);
  // The same records as unidirectional FlowRecords (flow_id = index in the file,
  // expiry_ns = the record's export time).
  Status read_burst(std::span<FlowRecord> out, std::size_t& n_out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// One record as a FlowRecord (see read_burst).
void flowtools_to_flow_record(const ftfmt::Record& r, uint64_t index, FlowRecord& out) noexcept;

// Reads a whole file; on error `out` holds the records read before the fault.
Status read_flowtools_file(const std::string& path, FlowToolsHeader& header,
                           std::vector<ftfmt::Record>& out);

}  // namespace weir
