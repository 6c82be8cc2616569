// SPDX-License-Identifier: Apache-2.0
// weir gen as a library: writes a deterministic synthetic capture plus the exact ground
// truth of what it wrote, for tests and the `weir bench` harness. One call = one file,
// generated on the calling thread (plus one writer thread for the output).
//
// Determinism: the same GenConfig gives byte-identical capture and truth files on any
// machine: one seeded xoshiro256** stream, integer-only variates, no std:: distributions.
//
// Truth semantics are weir's defaults (bidirectional flows keyed by 5-tuple, ICMP echo by
// addresses + identifier, idle 300 s, TCP close grace 1 s): every generated flow has its
// own 5-tuple, no intra-flow gap exceeds 30 s, and at most one ACK (<= 0.11 s later)
// follows a FIN-FIN exchange, nothing follows a RST. So weir's record count for a file is
// flows_bidirectional (or flows_unidirectional with -d u). See doc/gen.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/base/common.hpp"

namespace weir {

enum class GenProfile : uint8_t { mixed, linerate, churn, elephants };
enum class GenFormat : uint8_t { pcap, pcap_ns, pcapng };

std::string_view to_string(GenProfile p) noexcept;
std::string_view to_string(GenFormat f) noexcept;
bool parse_gen_profile(std::string_view s, GenProfile& out) noexcept;
bool parse_gen_format(std::string_view s, GenFormat& out) noexcept;

struct GenConfig {
  GenProfile profile = GenProfile::mixed;
  GenFormat format = GenFormat::pcap;
  std::string output = "-";      // capture file; "-" = stdout
  std::string truth_prefix;      // "" = none; else PREFIX.json and PREFIX.flows.tsv
  uint64_t packets = 1'000'000;  // exactly this many (fewer only if all flows end first)
  uint64_t seed = 1;
  // Profile overrides (unset = the profile's default).
  std::optional<double> flow_rate_per_s;  // new flows per second of trace time
  std::optional<uint64_t> concurrency;    // target concurrent flows (linerate: exact)
  std::optional<double> ipv6_share;       // share of flows, 0..1
  std::optional<double> vlan_share;       // share of flows with an 802.1Q tag, 0..1
};

struct GenClassTotals {
  uint64_t flows_bidirectional = 0;
  uint64_t flows_unidirectional = 0;
  uint64_t packets = 0;
  uint64_t frame_bytes = 0;
  uint64_t ip_bytes = 0;
};

// Ground truth of one run (what PREFIX.json holds), and the parameters used.
struct GenTotals {
  GenClassTotals all;              // every flow
  GenClassTotals tcp, udp, icmp;   // by protocol (icmp = ICMP + ICMPv6)
  GenClassTotals ipv4, ipv6;
  GenClassTotals vlan;             // 802.1Q-tagged flows
  uint64_t first_ns = 0;           // timestamps as stored in the file (µs pcap: truncated)
  uint64_t last_ns = 0;
  uint64_t tcp_end_fin = 0;        // TCP flows by what was written: FIN both ways,
  uint64_t tcp_end_rst = 0;        //   a RST,
  uint64_t tcp_end_open = 0;       //   neither
  uint64_t tcp_syn_seen = 0;       // TCP flows whose SYN is in the file
  uint64_t flows_started = 0;      // flows whose first packet is their opening one
  uint64_t flows_simulated = 0;    // including warm-up flows that ended before the file
  double concurrency_mean = 0;     // generator-active flows, sampled per 4096 packets
  // Effective parameters.
  double flow_rate_per_s = 0;
  uint64_t concurrency = 0;
  double ipv6_share = 0;
  double vlan_share = 0;
  double wall_s = 0;               // generation time (not in the truth file)
};

// Writes cfg.output (and the truth files). Errors: invalid_argument (bad config),
// io_error (output), no_memory.
Status generate(const GenConfig& cfg, GenTotals* totals = nullptr);

}  // namespace weir
