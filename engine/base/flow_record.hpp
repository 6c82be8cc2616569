// SPDX-License-Identifier: Apache-2.0
// FlowRecord: one finished flow record as exporters see it. Plain values with units in
// the names; every statistic is already computed (means, standard deviations), so an
// exporter only formats. Produced by workers, ordered by the merger, consumed by sinks.
//
// Direction: dir[0] is forward (the sender of the record's first packet: the
// initiator), dir[1] backward. In unidirectional mode dir[1] is all zero.
//
// Order of records in every output: ascending (expiry_ns, flow_id) -- see engine/record_orderer.hpp.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace weir {

enum class EndReason : uint8_t {
  idle = 0,       // no packet for --idle-timeout; record ends at its last packet
  active = 1,     // --active-timeout reached; the flow continues in a new record
  tcp_close = 2,  // FIN seen both ways, or RST, then --tcp-close-grace without packets
  evicted = 3,    // table full: the least recently seen flow was exported early
  eof = 4,        // end of input
  counter_limit = 5,  // a per-record counter would overflow: cut, continues
  shutdown = 6,   // the run was stopped (signal, -c, --duration) while the flow was live
};
inline constexpr std::size_t kNumEndReasons = 7;
std::string_view end_reason_name(EndReason r) noexcept;

// Index of each TCP flag in DirStats::tcp_flag_count (bit i of the flags byte).
inline constexpr std::array<std::string_view, 8> kTcpFlagNames = {"fin", "syn", "rst", "psh",
                                                                  "ack", "urg", "ece", "cwr"};

struct DirStats {
  uint64_t packets = 0;
  uint64_t ip_bytes = 0;  // IPv4 total length / IPv6 40 + payload length, summed
  uint64_t l2_bytes = 0;  // frame length on the wire, summed
  uint32_t ip_len_min_bytes = 0;
  uint32_t ip_len_max_bytes = 0;
  double ip_len_mean_bytes = 0;
  double ip_len_stddev_bytes = 0;  // population standard deviation
  uint64_t first_ns = 0;           // first packet of this direction (0 if none)
  uint64_t last_ns = 0;
  uint64_t iat_min_ns = 0;         // inter-arrival of consecutive packets of this direction
  uint64_t iat_max_ns = 0;
  double iat_mean_ns = 0;
  double iat_stddev_ns = 0;
  uint8_t tcp_flags = 0;  // OR of all flags seen
  uint8_t ttl_min = 0;    // IPv4 TTL / IPv6 hop limit, smallest and largest seen
  uint8_t ttl_max = 0;
  uint8_t tos = 0;        // IPv4 ToS / IPv6 traffic class of this direction's first packet
  std::array<uint64_t, 8> tcp_flag_count{};
  // Shape of frame lengths and inter-arrival times: only when the run meters higher
  // moments (MeterConfig::higher_moments, asked for by -F pyflowmeter); else all 0.
  // Skewness is biased g1, kurtosis excess biased g2 (scipy.stats defaults), NaN where
  // undefined (fewer than 2 values, or constant values). iat_stddev_ns above then
  // also comes from these (shifted) sums.
  uint32_t l2_len_min_bytes = 0;
  uint32_t l2_len_max_bytes = 0;
  double l2_len_mean_bytes = 0;
  double l2_len_stddev_bytes = 0;  // population
  double l2_len_skewness = 0;
  double l2_len_kurtosis = 0;
  double iat_skewness = 0;
  double iat_kurtosis = 0;
};

struct FlowRecord {
  uint64_t start_ns = 0;     // first packet
  uint64_t end_ns = 0;       // last packet
  uint64_t expiry_ns = 0;    // when the record ended (ordering key; UINT64_MAX for eof)
  uint64_t flow_id = 0;      // index of the record's first packet in the input
  std::array<uint8_t, 16> src_addr{};  // forward sender (IPv4 in the first 4 bytes)
  std::array<uint8_t, 16> dst_addr{};
  uint16_t src_port = 0;     // 0 for ICMP
  uint16_t dst_port = 0;
  uint16_t vlan = 0;         // outer VLAN id of the first packet (0 = untagged)
  uint8_t ip_version = 0;
  uint8_t proto = 0;
  uint8_t icmp_type = 0;     // of the first packet (ICMP/ICMPv6 only)
  uint8_t icmp_code = 0;
  uint16_t icmp_id = 0;      // echo identifier (echo request/reply only)
  uint8_t first_tcp_flags = 0;  // TCP flags of the record's first packet
  EndReason end_reason = EndReason::idle;
  uint32_t ingress_if = 0;   // capture interface of the first packet: pcapng interface id
                             // (0 for classic pcap), or the live interface's ifindex
  // Both directions together: population standard deviation of the IP lengths, and the
  // inter-arrival of consecutive packets in either direction (min, max, population
  // standard deviation; the mean is (end_ns - start_ns) / (packets - 1)). The iat_*
  // values are kept only with MeterConfig::all_packet_iat (--compat flowrecorder), else 0.
  double ip_len_stddev_bytes = 0;
  uint64_t iat_min_ns = 0;
  uint64_t iat_max_ns = 0;
  double iat_stddev_ns = 0;
  std::array<DirStats, 2> dir{};
};

}  // namespace weir
