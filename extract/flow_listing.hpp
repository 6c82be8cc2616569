// SPDX-License-Identifier: Apache-2.0
// The `weir flows` listing: one row per unidirectional flow, sorted by packets (ascending,
// as pcap_flow prints them, ties by FlowID; --descending for the largest first), as an
// aligned table or CSV. Column names carry their units; times are UTC.
//
//   table: rank flow_id proto src_mac dst_mac src_addr dst_addr src_port dst_port [vlan]
//          packets wire_bytes first_utc last_utc duration_s
//   CSV:   the same, with first_ns,last_ns,duration_ns (ns since the epoch) for the times
//
// ICMP flows show the Decoder's ports: echo request/reply both the identifier, other
// messages 0 and type * 256 + code.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

#include "engine/base/common.hpp"
#include "extract/flow_index.hpp"

namespace weir::extract {

struct ListingOptions {
  uint64_t min_packets = 0;  // --min-packets: rows with fewer packets are left out
  uint64_t min_bytes = 0;    // --min-bytes: rows with fewer wire bytes are left out
  bool csv = false;
  bool descending = false;
  bool vlan = false;         // show the vlan column (--vlan)
};

// Writes the listing of every flow with packets that pass the options. Errors are
// Origin::output (what could not be written).
Status write_listing(std::FILE* out, const FlowIndex& index, const ListingOptions& opt,
                     uint64_t* rows_written = nullptr);

// "TCP", "UDP", "ICMPv6", ... or the protocol number.
std::string proto_name(uint8_t proto, uint8_t ip_version);
// Address of a key endpoint as text (inet_ntop).
std::string addr_text(const std::array<uint8_t, 16>& a, uint8_t ip_version);
std::string mac_text(const std::array<uint8_t, 6>& m);

}  // namespace weir::extract
