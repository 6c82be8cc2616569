// SPDX-License-Identifier: Apache-2.0
// --compat flowrecorder: flowRecorder's metering rules (SEEDS.md section 1;
// doc/flowrecorder.md says what differs and why):
//   - idle expiry only, strict gap > timeout, 3600 s by default; FIN/RST ignored; no
//     active timeout (weir's longest record, 72 h, is the only cut)
//   - key: TCP/UDP 5-tuple, other protocols 3-tuple (ports 0); VLAN not keyed
//   - length: IPv4 total length; IPv6 the bytes after the extension headers
//   - direction: forward iff the source address is the record's source address (so a
//     flow between two ports of one address is all forward)
//   - output: the "flowrecorder" sink format (flowrecorder_csv.hpp).
#pragma once

#include <string_view>

#include "compat/compat_profile.hpp"

namespace weir::compat {

inline constexpr std::string_view kFlowRecorderFormat = "flowrecorder";
inline constexpr uint64_t kFlowRecorderIdleTimeoutNs = 3600ull * 1'000'000'000;  // flow_expiration

void apply_flowrecorder(EngineConfig& cfg);
void flowrecorder_format_needs(EngineConfig& cfg);
Status register_flowrecorder_format();

}  // namespace weir::compat
