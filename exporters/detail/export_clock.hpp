// SPDX-License-Identifier: Apache-2.0
// What the IPFIX, NetFlow v9 and v5 sinks share: big-endian stores, and the export
// clock, derived from the records alone so the same records give the same headers.
//
// ExportClock: "now" is the latest record end seen; headers carry it in whole seconds,
// rounded up. NetFlow's sysUptime counts from a virtual boot kUptimeMarginMs before the
// first record's start (so records that began earlier still get a positive First), and
// the header's sysUptime is taken at the same rounded second as unix_secs, so a
// collector's unix_secs - sysUptime + First is exact to the millisecond.
#pragma once

#include <algorithm>
#include <cstdint>

#include "engine/base/flow_record.hpp"
#include "exporters/ipfix_format.hpp"

namespace weir::detail {

inline void put16(uint8_t* p, uint32_t v) noexcept {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void put32(uint8_t* p, uint32_t v) noexcept {
  put16(p, v >> 16);
  put16(p + 2, v);
}

class ExportClock {
 public:
  void observe(const FlowRecord& r) noexcept {
    if (!based_) {
      const uint64_t start_ms = r.start_ns / 1'000'000;
      base_ms_ = start_ms > ipfix::kUptimeMarginMs ? start_ms - ipfix::kUptimeMarginMs : 0;
      based_ = true;
    }
    now_ms_ = std::max(now_ms_, r.end_ns / 1'000'000);
  }
  uint64_t export_s() const noexcept { return (now_ms_ + 999) / 1000; }
  uint64_t uptime_base_ms() const noexcept { return base_ms_; }
  // sysUptime at export_s().
  uint32_t header_uptime_ms() const noexcept { return uptime_ms(export_s() * 1000); }
  // ms since the epoch as ms of sysUptime (0 before the virtual boot).
  uint32_t uptime_ms(uint64_t ms) const noexcept {
    return ms > base_ms_ ? static_cast<uint32_t>(ms - base_ms_) : 0;
  }

 private:
  bool based_ = false;
  uint64_t base_ms_ = 0;
  uint64_t now_ms_ = 0;
};

}  // namespace weir::detail
