// SPDX-License-Identifier: Apache-2.0
// libpcap's activation failures as weir Status: what failed, on which interface, and
// what to do about the common ones (a missing interface, missing privileges).
#pragma once

#include <pcap/pcap.h>

#include <string>

#include "engine/base/common.hpp"

namespace weir {

inline Status pcap_activate_error(pcap_t* p, int rc, const std::string& interface) {
  std::string detail = pcap_geterr(p);
  if (detail.empty()) detail = pcap_statustostr(rc);
  switch (rc) {
    case PCAP_ERROR_NO_SUCH_DEVICE:
      return {Errc::not_found, Origin::input, "no such interface: " + interface + " (" + detail + ")"};
    case PCAP_ERROR_PERM_DENIED:
      return {Errc::io_error, Origin::input,
              "cannot capture on " + interface + ": " + detail +
                  " (live capture needs root or CAP_NET_RAW: setcap cap_net_raw=eip weir)"};
    case PCAP_ERROR_IFACE_NOT_UP:
      return {Errc::io_error, Origin::input, "interface " + interface + " is down"};
    default:
      return {Errc::io_error, Origin::input, "cannot capture on " + interface + ": " + detail};
  }
}

}  // namespace weir
