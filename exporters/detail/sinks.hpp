// SPDX-License-Identifier: Apache-2.0
// The concrete sinks behind the format table (sink_registry.cpp); one factory per format.
#pragma once

#include <memory>

#include "exporters/destination.hpp"
#include "exporters/flow_sink.hpp"

namespace weir::detail {

using SinkOpenFn = Status(const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                          std::unique_ptr<FlowSink>& out);

SinkOpenFn open_csv_sink;
SinkOpenFn open_binary_sink;
SinkOpenFn open_json_sink;
SinkOpenFn open_ipfix_sink;
SinkOpenFn open_netflow9_sink;
SinkOpenFn open_netflow5_sink;

}  // namespace weir::detail
