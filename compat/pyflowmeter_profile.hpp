// SPDX-License-Identifier: Apache-2.0
// PyFlowMeter compatibility (doc/pyflowmeter.md): its 48 CICFlowMeter-style columns as
// the sink format "pyflowmeter", and `--compat pyflowmeter` = that format + its rules
// (bidirectional, 600 s idle timeout, no active timeout, frame-length and IAT moments).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "engine/base/flow_record.hpp"
#include "engine/config.hpp"
#include "exporters/sink_registry.hpp"

namespace weir::compat {

inline constexpr std::size_t kPyFlowMeterColumns = 48;
// PyFlowMeter's column names in its order.
const std::array<std::string_view, kPyFlowMeterColumns>& pyflowmeter_columns();
// Header row, '\n' included.
std::string pyflowmeter_header();
// Upper bound of one row (48 values of at most 26 characters and commas).
inline constexpr std::size_t kPyFlowMeterMaxRowBytes = 2048;
// True for the records the format carries: TCP and UDP (PyFlowMeter's protocols).
bool pyflowmeter_carries(const FlowRecord& r) noexcept;
// Writes r's row ('\n' included) at out (room for kPyFlowMeterMaxRowBytes); returns
// the bytes written.
std::size_t format_pyflowmeter_row(const FlowRecord& r, char* out) noexcept;

const SinkFormat& pyflowmeter_sink_format();
void apply_pyflowmeter(EngineConfig& cfg);

}  // namespace weir::compat
