// SPDX-License-Identifier: Apache-2.0
#include "compat/flowrecorder_profile.hpp"

#include "compat/flowrecorder_csv.hpp"
#include "exporters/sink_registry.hpp"
#include "flowtable/flow_meter.hpp"

namespace weir::compat {

void flowrecorder_format_needs(EngineConfig& cfg) {
  // The bidirectional rows' plain piat columns cover consecutive packets of either
  // direction, which only the meter sees.
  cfg.all_packet_iat = true;
}

void apply_flowrecorder(EngineConfig& cfg) {
  cfg.idle_timeout_ns = kFlowRecorderIdleTimeoutNs;
  cfg.active_timeout_ns = kMaxActiveTimeoutNs;  // flowRecorder has none; 72 h is weir's limit
  cfg.ignore_tcp_close = true;
  cfg.vlan_key = false;
  cfg.key_ports_tcp_udp_only = true;
  cfg.ipv6_len_after_ext = true;
  cfg.same_address_forward = true;
  if (cfg.outputs.empty()) cfg.outputs.emplace_back();
  for (SinkConfig& out : cfg.outputs) out.format = OutputFormat{kFlowRecorderFormat};
  flowrecorder_format_needs(cfg);
}

Status register_flowrecorder_format() {
  return register_sink_format({kFlowRecorderFormat, "",
                               "flowRecorder's CSV: 18 columns (-d u) or 44 (-d b), its "
                               "order and number style (doc/flowrecorder.md)",
                               kind_bit(DestKind::stream), open_flowrecorder_sink});
}

}  // namespace weir::compat
