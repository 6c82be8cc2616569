// SPDX-License-Identifier: Apache-2.0
// The concrete sinks behind open_sink(); one factory per format.
#pragma once

#include <memory>

#include "exporters/flow_sink.hpp"

namespace weir::detail {

Status open_csv_sink(const SinkConfig& cfg, std::unique_ptr<FlowSink>& out);
Status open_binary_sink(const SinkConfig& cfg, std::unique_ptr<FlowSink>& out);

}  // namespace weir::detail
