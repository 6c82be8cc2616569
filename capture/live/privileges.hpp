// SPDX-License-Identifier: Apache-2.0
// `-Z USER`: give up root once the capture is open, as tcpdump does. The sockets, rings
// and DPDK ports already open keep working; nothing new can be opened afterwards (so
// the engine calls this after open_capture() and after creating its output files).
//
// Order matters and each step is checked: supplementary groups (initgroups: USER's
// own), then the group id, then the user id -- real, effective and saved, so root
// cannot be regained. Not root and already USER: nothing to do.
#pragma once

#include <string>

#include "engine/base/common.hpp"

namespace weir {

// Errors (Origin::config): unknown user; (Origin::unknown -> internal) a step the kernel
// refused, with the step named.
Status drop_privileges(const std::string& user);

}  // namespace weir
