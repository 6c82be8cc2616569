// SPDX-License-Identifier: Apache-2.0
// CSV formatting of FlowRecord: the one implementation behind the CSV sink and
// cat_flow_file(), so both print byte-identical text. Pure functions, thread-safe.
//
// Format: RFC 4180 with '\n' line ends, one header row. The columns are the text
// fields of the field registry (field_registry.hpp) in its order: the flow fields
//   flow_id,start_ns,end_ns,duration_ns,ip_version,proto,src_addr,src_port,dst_addr,
//   dst_port,icmp_type,icmp_code,icmp_id,vlan_id,end_reason,end_reason_ipfix,ingress_if,
//   first_tcp_flags,
// then fwd_<dir column> for each direction field and, bidirectional only, bwd_<dir column>:
//   packets,ip_bytes,l2_bytes,ip_len_min_bytes,ip_len_max_bytes,ip_len_mean_bytes,
//   ip_len_stddev_bytes,iat_min_ns,iat_max_ns,iat_mean_ns,iat_stddev_ns,tcp_flags,
//   fin_count,syn_count,rst_count,psh_count,ack_count,urg_count,ece_count,cwr_count,
//   ttl_min,ttl_max,tos
// (doc/export.md lists them with their meaning.)
// Values: integers in decimal; means and standard deviations fixed with exactly three
// decimals (no locale; the digits of printf("%.3f"): exact value, ties to even; NaN and
// infinities as to_chars spells them); addresses as IPv4 dotted
// quad or RFC 5952 IPv6 text (IPv4-mapped ::ffff:0:0/96 as ::ffff:a.b.c.d), empty when
// ip_version is neither 4 nor 6; tcp_flags as the letters of "FSRPAUEC" that are set
// (SYN+ACK = "SA", empty when none); icmp_type/icmp_code/icmp_id only for proto 1 and
// 58, else empty. No field we print needs quoting; put_csv_field() quotes anyway if one
// ever does.
//
// Speed: everything is written straight into the caller's buffer with inline
// formatters (decimal pairs, integer-exact fixed point, table-driven IPv4, a hand-written
// IPv6 formatter: glibc's inet_ntop runs sprintf per group); no allocation, no locale.
// The row is generated from the registry at compile time (detail/text_format.hpp).
// About 3.5 M bidirectional records/s (~1 GB/s of text) on one core.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/base/flow_record.hpp"

namespace weir {

// Upper bound of one formatted record line, newline included. Worst case: eight
// doubles in fixed notation (-DBL_MAX is 314 characters: 2 512 in all), 52 integers
// of up to 20 digits (1 040), two IPv6 addresses (2 x 45), flags, end_reason quoted and
// commas: about 3 600 bytes (JSON adds keys: about 4 600, kJsonMaxRecordBytes). A test formats such a record and checks the bound.
inline constexpr std::size_t kCsvMaxRecordBytes = 4096;

// Number of columns (header and every row).
std::size_t csv_column_count(bool bidirectional) noexcept;

// The header row, '\n' included.
std::string csv_header(bool bidirectional);

// Writes one record row, '\n' included, at `out`, which must have room for
// kCsvMaxRecordBytes. Returns the number of bytes written.
std::size_t format_csv_record(const FlowRecord& rec, bool bidirectional, char* out) noexcept;

// Building blocks, exposed for tests and benchmarks. Each returns the end of its output.
// Each needs the stated room at `out` (format_ipv4 may scribble inside its 15 bytes
// past the returned end).
char* format_ipv4(const uint8_t* addr4, char* out) noexcept;   // 15 bytes
char* format_ipv6(const uint8_t* addr16, char* out) noexcept;  // 45 bytes
char* format_fixed3(double v, char* out) noexcept;             // 320 bytes
char* format_tcp_flags(uint8_t flags, char* out) noexcept;     // 8 bytes
// RFC 4180: quoted, with '"' doubled, only if it holds ',', '"', '\r' or '\n'.
// At most 2 * s.size() + 2 bytes.
char* put_csv_field(std::string_view s, char* out) noexcept;

}  // namespace weir
