// SPDX-License-Identifier: Apache-2.0
// What the collector counts: every datagram is decoded, or counted as malformed with a
// named reason; every data set is decoded, or counted as waiting for / missing its
// template. Totals and per exporter (address, protocol version, observation domain /
// source id: the scope of templates and sequence numbers).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace weir {

enum class Malformed : uint8_t {
  zero_length,        // empty datagram
  too_short,          // shorter than its version's header
  bad_version,        // not 5, 9 or 10
  truncated,          // oversized: cut by the receive buffer (MSG_TRUNC)
  length_mismatch,    // IPFIX length field differs from the datagram; v5 count past the end
  set_too_short,      // a set (flowset) length below 4
  set_past_end,       // a set runs past the message
  template_truncated, // a template record runs past its set
  template_bad_id,    // template id below 256
  template_no_fields, // NetFlow v9 template with zero fields (IPFIX: withdrawal)
  template_bad_field, // field length 0, or variable length in NetFlow v9
  record_past_set,    // a variable-length record runs past its set
  tcp_framing,        // IPFIX over TCP: message length < 16 or version not 10
  exporter_limit,     // from a new exporter domain past MessageDecoder::Limits::max_exporters
};
inline constexpr std::size_t kNumMalformed = 14;

constexpr std::string_view malformed_name(Malformed m) noexcept {
  constexpr std::array<std::string_view, kNumMalformed> names = {
      "zero_length",        "too_short",       "bad_version",        "truncated",
      "length_mismatch",    "set_too_short",   "set_past_end",       "template_truncated",
      "template_bad_id",    "template_no_fields", "template_bad_field", "record_past_set",
      "tcp_framing",        "exporter_limit"};
  return names[static_cast<std::size_t>(m)];
}

// Counters shared by the totals and each exporter.
struct DecodeCounters {
  uint64_t messages = 0;           // datagrams / TCP messages / file messages decoded
  uint64_t bytes = 0;
  uint64_t records = 0;            // flow records produced
  uint64_t options_records = 0;    // options data records (read for systemInitTime, else skipped)
  uint64_t templates = 0;          // template records received (new or refreshed)
  uint64_t templates_changed = 0;  // an id redefined with different fields
  uint64_t templates_withdrawn = 0;
  uint64_t sets_without_template = 0;  // data sets that arrived before their template
  uint64_t sets_decoded_late = 0;      // ... and were decoded when it came (out of order)
  uint64_t sets_dropped = 0;           // ... and never were (evicted, or pending at the end)
  uint64_t sequence_lost = 0;      // records (IPFIX, v5) or messages (v9) the sequence skipped
  uint64_t sequence_resets = 0;    // sequence went backwards or jumped > 2^31
  uint64_t missing_init_time = 0;  // IPFIX records with sysUpTime times, no systemInitTime yet
  std::array<uint64_t, kNumMalformed> malformed{};

  uint64_t malformed_total() const noexcept {
    uint64_t n = 0;
    for (uint64_t m : malformed) n += m;
    return n;
  }
};

struct ExporterStats {
  std::string address;     // "192.0.2.1" or "2001:db8::1"
  uint16_t version = 0;    // 5, 9, 10
  uint32_t domain = 0;     // IPFIX observation domain / v9 source id / v5 engine type<<8|id
  DecodeCounters c;
};

struct CollectorStats {
  DecodeCounters total;
  uint64_t socket_drops = 0;  // datagrams the kernel dropped (SO_RXQ_OVFL)
  uint64_t tcp_connections = 0;
  std::vector<ExporterStats> exporters;  // sorted by address, version, domain

  // The summary block printed at the end of `weir collect`.
  std::string format() const;
  std::string to_json() const;
};

}  // namespace weir
