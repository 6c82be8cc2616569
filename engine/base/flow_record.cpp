// SPDX-License-Identifier: Apache-2.0
#include "engine/base/flow_record.hpp"

namespace weir {

std::string_view end_reason_name(EndReason r) noexcept {
  switch (r) {
    case EndReason::idle: return "idle";
    case EndReason::active: return "active";
    case EndReason::tcp_close: return "tcp_close";
    case EndReason::evicted: return "evicted";
    case EndReason::eof: return "eof";
    case EndReason::counter_limit: return "counter_limit";
    case EndReason::shutdown: return "shutdown";
  }
  return "unknown";
}

}  // namespace weir
