// SPDX-License-Identifier: Apache-2.0
// The one registry of flow record fields. Every format is generated from this table:
// the CSV header and row formatter (csv_format), JSON lines (json_sink), the binary
// file's field table (binary_format), the IPFIX and NetFlow v9 templates (ipfix_sink,
// netflow_sink), the field list in doc/export.md (fields_markdown(), checked by a test)
// and, on the other side, what a collector maps IPFIX/v9 elements back to.
//
// Adding a field = one row in kFields (plus the member in FlowRecord/DirStats):
//
//   {"ttl_min", dir, u8, D(ttl_min), Text::uint, Bin::opt, {ie(52, 1)}, ie(52, 1), "..."},
//    name      scope type storage    CSV/JSON    binary    IPFIX        NetFlow v9  doc
//
// * name: CSV column, JSON key and binary field name, with its unit (_ns, _bytes).
//   Direction fields (scope dir) appear as fwd_<name> and bwd_<name>.
// * storage: byte offset in FlowRecord (scope flow) or DirStats (scope dir), read as
//   `type`; kComputed for columns derived from other fields (duration_ns).
// * text: how CSV and JSON print it; Text::none = not a text column.
// * bin: Bin::req fields are required by the reader (the 59 of format version 1),
//   Bin::opt fields are written and read when present (files from older writers lack
//   them: they read as 0), Bin::no fields are not in the file.
// * ipfix: up to two information elements (e.g. start_ns is exported as milliseconds,
//   152, and as nanoseconds, 156). A direction field's element is exported for the
//   forward direction as is and for the backward direction as its RFC 5103 reverse
//   (PEN 29305, same id); Element::dirs limits that (reverse time elements only: nfdump
//   would overwrite the forward times with them, see doc/export.md).
// * nf9: the NetFlow v9 field type (RFC 3954), where one exists. v9 records are
//   unidirectional: a direction field is encoded from the record's own direction.
//
// Design: a constexpr array, so formatters expand it at compile time into straight-line
// code (csv_format.cpp folds over it; no per-field call or branch on the field kind at
// run time), while exporters that build templates walk it as data.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/base/flow_record.hpp"

namespace weir::fields {

enum class Scope : uint8_t { flow, dir };

// Storage type; the numbering is the binary file's type code (doc/binary-format.md).
enum class Type : uint8_t { u8 = 1, u16 = 2, u32 = 3, u64 = 4, f64 = 5, bytes16 = 6 };

constexpr uint32_t type_bytes(Type t) noexcept {
  switch (t) {
    case Type::u8: return 1;
    case Type::u16: return 2;
    case Type::u32: return 4;
    case Type::u64: return 8;
    case Type::f64: return 8;
    case Type::bytes16: return 16;
  }
  return 0;  // unknown type (a reader meets these in files from later writers)
}
std::string_view type_name(Type t) noexcept;

// How CSV and JSON print a field.
enum class Text : uint8_t {
  none,              // not a text column
  uint,              // decimal integer
  fixed3,            // double with exactly three decimals (JSON: null for NaN/inf)
  addr,              // IPv4 dotted quad / RFC 5952 IPv6 by ip_version, else empty (null)
  tcp_flags,         // letters of "FSRPAUEC" that are set
  end_reason,        // end_reason_name()
  end_reason_ipfix,  // computed: ipfix_end_reason() of end_reason
  icmp,              // decimal for ICMP/ICMPv6 records, else empty (null)
  duration,          // computed: end_ns - start_ns (0 if negative)
};

enum class Bin : uint8_t { no, req, opt };

// How an exporter encodes a field's value into an information element.
enum class Enc : uint8_t {
  be,                // unsigned big-endian in Element::bytes (reduced size: saturates)
  millis,            // ns since the epoch -> dateTimeMilliseconds
  ntp,               // ns since the epoch -> dateTimeNanoseconds (NTP format, RFC 7011 6.1.10)
  uptime_millis,     // ns since the epoch -> ms since the exporter's sysUptime base (v9)
  addr,              // first 4 (IPv4) or 16 (IPv6) bytes
  end_reason,        // ipfix_end_reason()
  icmp_type_code,    // icmp_type * 256 + icmp_code for ICMP/ICMPv6 records, else 0
};

inline constexpr uint32_t kPenReverse = 29305;  // RFC 5103 reverse information elements
inline constexpr uint32_t kPenCert = 6871;      // CERT (YAF): initialTCPFlags is its IE 14

inline constexpr uint8_t kFwd = 1;  // Element::dirs
inline constexpr uint8_t kRev = 2;

// One information element (IPFIX) or field type (v9). id 0 = none.
struct Element {
  uint16_t id = 0;
  uint16_t bytes = 0;
  Enc enc = Enc::be;
  uint16_t id_v6 = 0;     // IPv6 template: other element (addresses, ICMP), 0 = same
  uint16_t bytes_v6 = 0;  // 0 = same as bytes
  uint32_t pen = 0;       // enterprise number, 0 = IANA
  uint8_t dirs = kFwd | kRev;

  constexpr bool present() const noexcept { return id != 0; }
  constexpr uint16_t id_for(bool v6) const noexcept { return v6 && id_v6 ? id_v6 : id; }
  constexpr uint16_t bytes_for(bool v6) const noexcept { return v6 && bytes_v6 ? bytes_v6 : bytes; }
};

constexpr Element ie(uint16_t id, uint16_t bytes, Enc enc = Enc::be) noexcept {
  return {id, bytes, enc};
}
constexpr Element ie46(uint16_t id4, uint16_t id6, uint16_t bytes4, uint16_t bytes6,
                       Enc enc) noexcept {
  return {id4, bytes4, enc, id6, bytes6};
}
constexpr Element ie_pen(uint32_t pen, uint16_t id, uint16_t bytes) noexcept {
  return {id, bytes, Enc::be, 0, 0, pen};
}
constexpr Element reverse_only(Element e) noexcept {
  e.dirs = kRev;
  return e;
}

inline constexpr uint32_t kComputed = UINT32_MAX;

struct Field {
  std::string_view name;
  Scope scope;
  Type type;
  uint32_t offset;  // in FlowRecord (flow) or DirStats (dir); kComputed
  Text text;
  Bin bin;
  std::array<Element, 2> ipfix;
  Element nf9;
  std::string_view doc;
};

// IPFIX flowEndReason (RFC 5102 / IANA): weir's finer reasons fold into its five codes.
// counter_limit: the record was cut because a counter would overflow and the flow goes
// on in a new record -- what an active timeout does to a long-lived flow, so 2.
constexpr uint8_t ipfix_end_reason(EndReason r) noexcept {
  switch (r) {
    case EndReason::idle: return 1;           // idle timeout
    case EndReason::active: return 2;         // active timeout
    case EndReason::counter_limit: return 2;  // long-lived flow cut, continues
    case EndReason::tcp_close: return 3;      // end of flow detected
    case EndReason::eof: return 4;            // forced end
    case EndReason::shutdown: return 4;       // forced end
    case EndReason::evicted: return 5;        // lack of resources
  }
  return 0;
}

// Shorthands for the table below.
using enum Scope;
using enum Type;
inline constexpr Element kNoElement{};
#define WEIR_F(m) static_cast<uint32_t>(offsetof(::weir::FlowRecord, m))
#define WEIR_D(m) static_cast<uint32_t>(offsetof(::weir::DirStats, m))
#define WEIR_FLAG(i) \
  static_cast<uint32_t>(offsetof(::weir::DirStats, tcp_flag_count) + 8 * (i))

// CSV column order is the table order (flow fields, then fwd_ and bwd_ direction fields).
// IPFIX/v9 templates follow it too. Binary files lay fields out widest first.
// clang-format off
inline constexpr Field kFields[] = {
    // name, scope, type, storage, text (CSV/JSON), binary, IPFIX elements, NetFlow v9, doc
    {"flow_id",          flow, u64, WEIR_F(flow_id), Text::uint, Bin::req,
     {ie(148, 8)}, kNoElement, "index of the record's first packet in the input (unique per record; IPFIX flowId)"},
    {"start_ns",         flow, u64, WEIR_F(start_ns), Text::uint, Bin::req,
     {ie(152, 8, Enc::millis), ie(156, 8, Enc::ntp)}, kNoElement, "first packet of the record, ns since the Unix epoch"},
    {"end_ns",           flow, u64, WEIR_F(end_ns), Text::uint, Bin::req,
     {ie(153, 8, Enc::millis), ie(157, 8, Enc::ntp)}, kNoElement, "last packet of the record, ns since the Unix epoch"},
    {"expiry_ns",        flow, u64, WEIR_F(expiry_ns), Text::none, Bin::req,
     {}, kNoElement, "when the record ended, ns (ordering key; 2^64-1 for end of input)"},
    {"duration_ns",      flow, u64, kComputed, Text::duration, Bin::no,
     {}, kNoElement, "end_ns - start_ns"},
    {"ip_version",       flow, u8, WEIR_F(ip_version), Text::uint, Bin::req,
     {ie(60, 1)}, ie(60, 1), "4 or 6"},
    {"proto",            flow, u8, WEIR_F(proto), Text::uint, Bin::req,
     {ie(4, 1)}, ie(4, 1), "IP protocol (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, ...)"},
    {"src_addr",         flow, bytes16, WEIR_F(src_addr), Text::addr, Bin::req,
     {ie46(8, 27, 4, 16, Enc::addr)}, ie46(8, 27, 4, 16, Enc::addr), "forward sender (the initiator); binary: IPv4 in the first 4 bytes"},
    {"src_port",         flow, u16, WEIR_F(src_port), Text::uint, Bin::req,
     {ie(7, 2)}, ie(7, 2), "source transport port; 0 for ICMP"},
    {"dst_addr",         flow, bytes16, WEIR_F(dst_addr), Text::addr, Bin::req,
     {ie46(12, 28, 4, 16, Enc::addr)}, ie46(12, 28, 4, 16, Enc::addr), "forward receiver"},
    {"dst_port",         flow, u16, WEIR_F(dst_port), Text::uint, Bin::req,
     {ie(11, 2)}, ie(11, 2), "destination transport port; 0 for ICMP"},
    {"icmp_type",        flow, u8, WEIR_F(icmp_type), Text::icmp, Bin::req,
     {ie46(32, 139, 2, 2, Enc::icmp_type_code)}, ie(32, 2, Enc::icmp_type_code), "ICMP/ICMPv6 type of the first packet (exported as type * 256 + code)"},
    {"icmp_code",        flow, u8, WEIR_F(icmp_code), Text::icmp, Bin::req,
     {}, kNoElement, "ICMP/ICMPv6 code of the first packet"},
    {"icmp_id",          flow, u16, WEIR_F(icmp_id), Text::icmp, Bin::req,
     {}, kNoElement, "ICMP echo identifier (echo request/reply only)"},
    {"vlan_id",          flow, u16, WEIR_F(vlan), Text::uint, Bin::req,
     {ie(58, 2)}, ie(58, 2), "outer VLAN id of the first packet, 0 = untagged"},
    {"end_reason",       flow, u8, WEIR_F(end_reason), Text::end_reason, Bin::req,
     {ie(136, 1, Enc::end_reason)}, kNoElement, "why the record ended: idle, active, tcp_close, evicted, eof, counter_limit, shutdown (binary: 0..6 in that order)"},
    {"end_reason_ipfix", flow, u8, kComputed, Text::end_reason_ipfix, Bin::no,
     {}, kNoElement, "end_reason as IPFIX flowEndReason: 1 idle, 2 active or counter_limit, 3 tcp_close, 4 eof or shutdown, 5 evicted"},
    {"ingress_if",       flow, u32, WEIR_F(ingress_if), Text::uint, Bin::opt,
     {ie(10, 4)}, ie(10, 4), "capture interface of the first packet: pcapng interface id (0 for pcap) or live ifindex"},
    {"first_tcp_flags",  flow, u8, WEIR_F(first_tcp_flags), Text::tcp_flags, Bin::opt,
     {ie_pen(kPenCert, 14, 1)}, kNoElement, "TCP flags of the record's first packet (IPFIX: CERT initialTCPFlags)"},

    {"packets",          dir, u64, WEIR_D(packets), Text::uint, Bin::req,
     {ie(2, 8)}, ie(2, 8), "packets (IPFIX packetDeltaCount)"},
    {"ip_bytes",         dir, u64, WEIR_D(ip_bytes), Text::uint, Bin::req,
     {ie(1, 8)}, ie(1, 8), "sum of IP lengths: IPv4 total length, IPv6 40 + payload length (octetDeltaCount)"},
    {"l2_bytes",         dir, u64, WEIR_D(l2_bytes), Text::uint, Bin::req,
     {ie(352, 8)}, kNoElement, "sum of frame lengths on the wire (layer2OctetDeltaCount)"},
    {"ip_len_min_bytes", dir, u32, WEIR_D(ip_len_min_bytes), Text::uint, Bin::req,
     {ie(25, 4)}, ie(25, 4), "smallest IP length"},
    {"ip_len_max_bytes", dir, u32, WEIR_D(ip_len_max_bytes), Text::uint, Bin::req,
     {ie(26, 4)}, ie(26, 4), "largest IP length"},
    {"ip_len_mean_bytes", dir, f64, WEIR_D(ip_len_mean_bytes), Text::fixed3, Bin::req,
     {}, kNoElement, "mean IP length"},
    {"ip_len_stddev_bytes", dir, f64, WEIR_D(ip_len_stddev_bytes), Text::fixed3, Bin::req,
     {}, kNoElement, "population standard deviation of the IP length"},
    {"iat_min_ns",       dir, u64, WEIR_D(iat_min_ns), Text::uint, Bin::req,
     {}, kNoElement, "smallest inter-arrival time of consecutive packets"},
    {"iat_max_ns",       dir, u64, WEIR_D(iat_max_ns), Text::uint, Bin::req,
     {}, kNoElement, "largest inter-arrival time"},
    {"iat_mean_ns",      dir, f64, WEIR_D(iat_mean_ns), Text::fixed3, Bin::req,
     {}, kNoElement, "mean inter-arrival time"},
    {"iat_stddev_ns",    dir, f64, WEIR_D(iat_stddev_ns), Text::fixed3, Bin::req,
     {}, kNoElement, "population standard deviation of the inter-arrival time"},
    {"tcp_flags",        dir, u8, WEIR_D(tcp_flags), Text::tcp_flags, Bin::req,
     {ie(6, 1)}, ie(6, 1), "OR of all TCP flags (bit 0 FIN .. 7 CWR; tcpControlBits)"},
    {"fin_count",        dir, u64, WEIR_FLAG(0), Text::uint, Bin::req, {}, kNoElement, "packets with FIN"},
    {"syn_count",        dir, u64, WEIR_FLAG(1), Text::uint, Bin::req, {}, kNoElement, "packets with SYN"},
    {"rst_count",        dir, u64, WEIR_FLAG(2), Text::uint, Bin::req, {}, kNoElement, "packets with RST"},
    {"psh_count",        dir, u64, WEIR_FLAG(3), Text::uint, Bin::req, {}, kNoElement, "packets with PSH"},
    {"ack_count",        dir, u64, WEIR_FLAG(4), Text::uint, Bin::req, {}, kNoElement, "packets with ACK"},
    {"urg_count",        dir, u64, WEIR_FLAG(5), Text::uint, Bin::req, {}, kNoElement, "packets with URG"},
    {"ece_count",        dir, u64, WEIR_FLAG(6), Text::uint, Bin::req, {}, kNoElement, "packets with ECE"},
    {"cwr_count",        dir, u64, WEIR_FLAG(7), Text::uint, Bin::req, {}, kNoElement, "packets with CWR"},
    {"ttl_min",          dir, u8, WEIR_D(ttl_min), Text::uint, Bin::opt,
     {ie(52, 1)}, ie(52, 1), "smallest IPv4 TTL / IPv6 hop limit (minimumTTL)"},
    {"ttl_max",          dir, u8, WEIR_D(ttl_max), Text::uint, Bin::opt,
     {ie(53, 1)}, ie(53, 1), "largest IPv4 TTL / IPv6 hop limit (maximumTTL)"},
    {"tos",              dir, u8, WEIR_D(tos), Text::uint, Bin::opt,
     {ie(5, 1)}, ie(5, 1), "IPv4 ToS / IPv6 traffic class of the direction's first packet (DSCP = tos >> 2; ipClassOfService)"},
    {"first_ns",         dir, u64, WEIR_D(first_ns), Text::none, Bin::req,
     {reverse_only(ie(156, 8, Enc::ntp))}, ie(22, 4, Enc::uptime_millis), "first packet of this direction, ns (0 if none)"},
    {"last_ns",          dir, u64, WEIR_D(last_ns), Text::none, Bin::req,
     {reverse_only(ie(157, 8, Enc::ntp))}, ie(21, 4, Enc::uptime_millis), "last packet of this direction, ns"},
};
// clang-format on
#undef WEIR_F
#undef WEIR_D
#undef WEIR_FLAG

inline constexpr std::size_t kNumFields = std::size(kFields);

// Direction prefixes of scope-dir fields.
inline constexpr std::array<std::string_view, 2> kDirPrefix = {"fwd_", "bwd_"};

// Full names in table order ("flow_id", ..., "fwd_packets", ..., "bwd_packets", ...).
// With include_backward = false, the bwd_ names are left out.
struct FieldRef {
  const Field* field;
  int dir;  // 0 or 1 for scope dir, -1 for scope flow
  std::string full_name() const;
};

// Reads a stored field of a record as an unsigned integer (u8..u64; f64 and bytes16: 0).
uint64_t load_uint(const FlowRecord& r, const FieldRef& ref) noexcept;

// Names of the elements the registry uses ("" for others): IANA/CERT names for IPFIX,
// RFC 3954 names for NetFlow v9.
std::string_view ipfix_element_name(uint32_t pen, uint16_t id) noexcept;
std::string_view nf9_field_name(uint16_t type) noexcept;

// The field list as a Markdown table (doc/export.md embeds it; a test keeps it in step).
std::string fields_markdown();

}  // namespace weir::fields
