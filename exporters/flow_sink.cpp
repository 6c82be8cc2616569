// SPDX-License-Identifier: Apache-2.0
#include "exporters/flow_sink.hpp"

#include "exporters/detail/sinks.hpp"

namespace weir {

Status open_sink(const SinkConfig& cfg, std::unique_ptr<FlowSink>& out) {
  switch (cfg.format) {
    case OutputFormat::csv: return detail::open_csv_sink(cfg, out);
    case OutputFormat::binary: return detail::open_binary_sink(cfg, out);
  }
  return {Errc::invalid_argument, "unknown output format"};
}

}  // namespace weir
