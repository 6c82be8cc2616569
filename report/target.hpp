// SPDX-License-Identifier: Apache-2.0
// Target: the --target of `weir report`, an address or a network (ADDR or ADDR/LEN,
// IPv4 or IPv6). Matching is a prefix compare on the decoded address, so it does not
// depend on the link type (a BPF "dst net" would, and would lose the replies).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "engine/base/common.hpp"

namespace weir::report {

class Target {
 public:
  // "" = everything. Errors carry Origin::config.
  static Status parse(const std::string& text, Target& out);

  bool any() const noexcept { return ip_version_ == 0; }
  // addr: 4 bytes (IPv4) or 16 (IPv6), as in FlowKey.
  bool contains(uint8_t ip_version, const uint8_t* addr) const noexcept;
  std::string str() const;  // canonical text, e.g. "10.1.0.0/16", "2001:db8::1"

 private:
  uint8_t ip_version_ = 0;  // 0 = any
  uint8_t prefix_bits_ = 0;
  std::array<uint8_t, 16> net_{};  // masked
};

}  // namespace weir::report
