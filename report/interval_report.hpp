// SPDX-License-Identifier: Apache-2.0
// The vocabulary of `weir report`: what one interval's report holds (per destination
// and in total) and what the whole run adds up to. Plain values with units in the
// names; the Reporter fills them, the text, JSON and SVG writers only format them.
//
// Connection life (TCP), decided from the TCP flags of its packets:
//   live categories (at an interval's end):
//     ongoing    ACK/data seen (a packet without SYN, FIN and RST carrying ACK, PSH, URG
//                or payload: SENSS's "ACK/data" event), no FIN or RST yet
//     closing    FIN or RST seen, and a SYN or ACK/data before (SENSS counted these as
//                ongoing until they time out)
//     half_open  the client's SYN and the server's SYN-ACK seen, no ACK/data, FIN or RST
//     syn_only   a SYN or SYN-ACK seen, nothing else (unanswered attempt, scan probe)
//     other      none of these (FIN or RST alone, no flags): not listed while live
//   finish classes (a connection finishes --conn-timeout after its last packet, or at
//   the end of input), first match wins:
//     rst        RST seen (whatever else)
//     fin_no_syn FIN seen, no SYN seen (the capture began after the handshake)
//     syn_fin    SYN and FIN seen
//     timed_out  neither RST nor FIN
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "report/durations.hpp"

namespace weir::report {

enum class LiveCategory : uint8_t { other = 0, syn_only, half_open, ongoing, closing };
inline constexpr std::size_t kNumLiveCategories = 5;

enum class FinishClass : uint8_t { rst = 0, fin_no_syn, syn_fin, timed_out };
inline constexpr std::size_t kNumFinishClasses = 4;
inline constexpr std::array<std::string_view, kNumFinishClasses> kFinishClassNames = {
    "rst", "fin_no_syn", "syn_fin", "timed_out"};

// A destination: the server side of a connection (the receiver of the client's SYN; the
// sender of a SYN-ACK; without either, the endpoint with the lower port).
struct DestKey {
  std::array<uint8_t, 16> addr{};  // IPv4 in the first 4 bytes
  uint16_t port = 0;
  uint8_t ip_version = 0;
  uint8_t pad = 0;
  friend bool operator==(const DestKey&, const DestKey&) = default;
  friend auto operator<=>(const DestKey& a, const DestKey& b) noexcept {
    if (a.ip_version != b.ip_version) return a.ip_version <=> b.ip_version;
    if (a.addr != b.addr) return a.addr <=> b.addr;
    return a.port <=> b.port;
  }
};

// Connections to one destination during one interval.
struct DestRow {
  DestKey dest;
  // Live when the interval ended. half_open also counts the connections that timed
  // out half-open during the interval (so a SYN flood shorter than the interval shows).
  uint64_t ongoing = 0;
  uint64_t closing = 0;
  uint64_t half_open = 0;
  uint64_t syn_only = 0;
  uint64_t new_connections = 0;
  uint64_t packets = 0;   // both directions of its connections
  uint64_t ip_bytes = 0;
  std::array<uint64_t, kNumFinishClasses> finished{};
  DurationSummary durations;  // of the connections finished in the interval
};

struct TcpTotals {
  uint64_t packets = 0;  // every TCP packet (with --target: to or from the target)
  uint64_t ip_bytes = 0;
  // Sums over the rows: connections whose destination is reported.
  uint64_t new_connections = 0;
  uint64_t ongoing = 0;
  uint64_t closing = 0;
  uint64_t half_open = 0;
  uint64_t syn_only = 0;
  std::array<uint64_t, kNumFinishClasses> finished{};
};

struct FlowTotals {  // UDP, ICMP/ICMPv6
  uint64_t packets = 0;
  uint64_t ip_bytes = 0;
  uint64_t flows = 0;      // distinct flows with a packet in the interval
  uint64_t new_flows = 0;  // of which started in it
};

struct PacketTotals {  // other IP protocols
  uint64_t packets = 0;
  uint64_t ip_bytes = 0;
};

struct IntervalReport {
  uint64_t index = 0;     // 0-based from the anchor; intervals with nothing in them are skipped
  uint64_t start_ns = 0;  // anchor + index * interval
  uint64_t end_ns = 0;    // start + interval (exclusive)
  bool final = false;     // the interval in which the input ended (cut short at its end)
  TcpTotals tcp;
  FlowTotals udp;
  FlowTotals icmp;
  PacketTotals other;
  DurationSummary durations;  // every connection finished in the interval
  std::vector<DestRow> rows;  // ascending by destination
};

// One destination over the whole run.
struct DestRunRow {
  DestKey dest;
  uint64_t new_connections = 0;
  uint64_t packets = 0;
  uint64_t ip_bytes = 0;
  uint64_t half_open_connections = 0;  // distinct connections ever reported half-open
  std::array<uint64_t, kNumFinishClasses> finished{};
  uint64_t duration_count = 0;
  uint64_t duration_sum_ns = 0;
  uint64_t duration_min_ns = 0;
  uint64_t duration_max_ns = 0;
};

// The whole run.
struct RunTotals {
  uint64_t anchor_ns = 0;        // start of interval 0
  uint64_t first_packet_ns = 0;  // 0 when no packet was read
  uint64_t last_packet_ns = 0;
  uint64_t intervals = 0;        // reported (non-empty) intervals
  uint64_t interval_span = 0;    // intervals from the anchor to the end, empty ones included
  TcpTotals tcp;                 // packets, bytes, new and finished summed; live fields are peaks
  uint64_t half_open_connections = 0;  // distinct connections ever reported half-open
  FlowTotals udp;                // flows = new flows over the run
  FlowTotals icmp;
  PacketTotals other;
};

}  // namespace weir::report
