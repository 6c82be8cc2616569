// SPDX-License-Identifier: Apache-2.0
// The "pyflowmeter" sink format and the --compat pyflowmeter profile. Merger thread only.
#include "compat/pyflowmeter_profile.hpp"
#include "exporters/detail/dest_sink.hpp"
#include "flowtable/flow_meter.hpp"

namespace weir::compat {

namespace {

class PyFlowMeterSink final : public detail::DestSink {
 public:
  PyFlowMeterSink(const SinkConfig& cfg, std::unique_ptr<Destination> dest)
      : DestSink(cfg.format, std::move(dest)) {}

  Status open() {
    const std::string header = pyflowmeter_header();
    return append(header.data(), header.size());
  }

  Status write_burst(std::span<const FlowRecord> recs) override {
    if (Status s = writable(); !s) return s;
    for (const FlowRecord& r : recs) {
      ++n_records_;
      if (!pyflowmeter_carries(r)) {  // the tool's format has TCP and UDP rows only
        ++counters_.not_exported;
        continue;
      }
      if (dest_->space() < kPyFlowMeterMaxRowBytes) {
        if (Status s = dest_->reserve(kPyFlowMeterMaxRowBytes); !s) return s;
      }
      dest_->commit(format_pyflowmeter_row(r, dest_->cursor()));
    }
    return {};
  }

  Status finish() override { return finish_dest(); }
  bool needs_higher_moments() const noexcept override { return true; }

  std::string summary() const override {
    std::string t = std::string(format_) + " " + dest_->name() + ": " +
                    std::to_string(n_records_ - counters_.not_exported) + " rows";
    if (counters_.not_exported)
      t += ", " + std::to_string(counters_.not_exported) +
           " records not written: neither TCP nor UDP (PyFlowMeter's columns carry only those)";
    return t;
  }
};

Status open_pyflowmeter_sink(const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                             std::unique_ptr<FlowSink>& out) {
  auto sink = std::make_unique<PyFlowMeterSink>(cfg, std::move(dest));
  if (Status s = sink->open(); !s) return s;
  out = std::move(sink);
  return {};
}

}  // namespace

const SinkFormat& pyflowmeter_sink_format() {
  static const SinkFormat f{"pyflowmeter", "",
                            "PyFlowMeter's 48 columns: seconds, frame bytes (doc/pyflowmeter.md)",
                            kind_bit(DestKind::stream), open_pyflowmeter_sink};
  return f;
}

void apply_pyflowmeter(EngineConfig& cfg) {
  if (cfg.outputs.empty()) cfg.outputs.emplace_back();
  for (SinkConfig& o : cfg.outputs) o.format = OutputFormat{pyflowmeter_sink_format().name};
  cfg.bidirectional = true;                         // fwd/bwd columns
  cfg.idle_timeout_ns = 600ull * 1'000'000'000;     // PyFlowMeter's -t default
  cfg.active_timeout_ns = kMaxActiveTimeoutNs;      // it has none; 72 h is weir's longest
  cfg.higher_moments = true;                        // skewness, kurtosis
}

}  // namespace weir::compat
