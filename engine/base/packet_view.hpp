// SPDX-License-Identifier: Apache-2.0
// PacketView: one captured frame as a packet source hands it out. The bytes are owned
// by the source (a mapped file window, a libpcap buffer, a DPDK mbuf) and stay valid
// until the next rx_burst() on that source.
#pragma once

#include <cstdint>

namespace weir {

struct PacketView {
  const uint8_t* data = nullptr;  // first captured byte (link-layer header)
  uint32_t cap_len = 0;           // bytes available at data
  uint32_t wire_len = 0;          // frame length on the wire (pcap orig_len)
  uint64_t ts_ns = 0;             // capture timestamp, ns since the Unix epoch
  uint32_t linktype = 0;          // LINKTYPE_* of the interface it came from
  uint32_t interface_id = 0;      // pcapng interface (0 for classic pcap)
};

}  // namespace weir
