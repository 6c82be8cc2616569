// SPDX-License-Identifier: Apache-2.0
// A filter expression compiled for the kernel of one live interface, as classic BPF a
// packet socket runs before it copies a frame (SO_ATTACH_FILTER). Its return value is
// the snap length, so the kernel also cuts frames to -s.
//
// Compiled by libpcap on a live handle of that interface, not on a dead one: on Linux
// the kernel has already moved the outer VLAN tag out of the frame when the filter runs,
// and only a live handle makes libpcap test tags through the kernel's ancillary data
// ("vlan 10 and tcp" then means what tcpdump -i means by it).
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/common.hpp"

namespace weir {

// An empty expression accepts every frame (cut to snaplen). Errors: the interface cannot
// be opened (Origin::input), the expression does not compile (Origin::config).
Status compile_kernel_filter(const std::string& interface, const std::string& expression,
                             uint32_t snaplen, std::vector<sock_filter>& out);

}  // namespace weir
