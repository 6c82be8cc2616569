// SPDX-License-Identifier: Apache-2.0
// The "flowrecorder" sink format: flowRecorder's CSV, byte for byte where flowRecorder
// is right (doc/flowrecorder.md).
//
// Columns: 18 unidirectional (src_ip .. std_dev_piat), 44 bidirectional (the same 18
// over both directions, then 13 f_ and 13 b_ columns for each direction alone). Lines
// end in "\r\n" (Python's csv module). Numbers as flowRecorder's Python prints them:
// counts and sizes as integers, averages and deviations as Python floats (shortest
// round trip, "69.25", "0.0"), times as float epoch seconds (sec + frac, "1458782847.829442").
// Conventions kept: a one-packet group prints its duration and four piat columns as
// integer 0 and (forward / whole flow) its avg_ps as the integer length; a direction
// without packets prints 0 in all 13 of its columns.
//
// Record order: flowRecorder writes at exit, first the records ended by a later packet
// of the same key (in the order of those packets), then the last record of every key
// (in the order of their first packets). The sink therefore keeps its rows (their text,
// ~300 bytes a record) until finish(), as flowRecorder does; `-F csv` streams instead.
#pragma once

#include <memory>
#include <string>

#include "engine/base/flow_record.hpp"
#include "exporters/destination.hpp"
#include "exporters/flow_sink.hpp"

namespace weir::compat {

inline constexpr std::size_t kFlowRecorderUniColumns = 18;
inline constexpr std::size_t kFlowRecorderBiColumns = 44;

// The header line, "\r\n" included.
std::string flowrecorder_header(bool bidirectional);
// Appends r's row, "\r\n" included.
void append_flowrecorder_row(const FlowRecord& r, bool bidirectional, std::string& out);
// flowRecorder's timestamp of a packet at ts_ns: sec + frac as one double, computed as
// dpkt does (sec + usec / 1e6, which equals sec + nsec / 1e9 for microsecond captures).
double flowrecorder_time(uint64_t ts_ns) noexcept;

Status open_flowrecorder_sink(const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                              std::unique_ptr<FlowSink>& out);

}  // namespace weir::compat
