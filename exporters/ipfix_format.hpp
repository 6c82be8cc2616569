// SPDX-License-Identifier: Apache-2.0
// IPFIX (RFC 7011, biflows RFC 5103) and NetFlow v9 (RFC 3954) as weir writes them:
// message constants and the templates, generated from the field registry. The sinks
// (ipfix_sink.cpp) and tests use these; a collector can map a template's elements back
// to registry fields with the same table.
//
// Templates: 256 for IPv4 records, 257 for IPv6 (both protocols). An IPFIX biflow
// template lists the flow fields, then the backward direction's elements as RFC 5103
// reverse elements (PEN 29305), then the forward direction's: nfdump keeps reverse
// elements other than bytes and packets under their forward id, so the forward value,
// written later, is the one it shows. NetFlow v9 records are unidirectional: a biflow
// becomes one record per direction that has packets, the backward one with addresses
// and ports swapped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "exporters/field_registry.hpp"

namespace weir::ipfix {

enum class Protocol : uint8_t { ipfix, netflow9 };

inline constexpr uint16_t kIpfixVersion = 10;
inline constexpr uint16_t kNetflow9Version = 9;
inline constexpr std::size_t kIpfixHeaderBytes = 16;  // version length export_time seq domain
inline constexpr std::size_t kNetflow9HeaderBytes = 20;  // version count uptime secs seq source
inline constexpr std::size_t kSetHeaderBytes = 4;
inline constexpr uint16_t kIpfixTemplateSet = 2;
inline constexpr uint16_t kNetflow9TemplateFlowset = 0;
inline constexpr uint16_t kTemplateIdV4 = 256;
inline constexpr uint16_t kTemplateIdV6 = 257;
inline constexpr std::size_t kMaxMessageBytes = 65535;  // the IPFIX length field
// NetFlow v9 sysUptime counts from a virtual boot this long before the first exported
// record's start, so records that started earlier still get a positive First.
inline constexpr uint64_t kUptimeMarginMs = 4ull * 24 * 3600 * 1000;

struct TemplateElement {
  uint16_t id;
  uint16_t bytes;
  uint32_t pen;  // enterprise number (0 = IANA); on the wire: id | 0x8000, then pen
  fields::Enc enc;
  const fields::Field* field;
  int dir;  // -1 flow field; 0 forward; 1 backward (IPFIX reverse element)
};

struct Template {
  uint16_t id = 0;
  bool v6 = false;
  std::vector<TemplateElement> elements;
  std::size_t record_bytes = 0;   // one data record
  std::size_t template_bytes = 0;  // the template record (header + field specifiers)
};

Template make_template(Protocol p, bool v6, bool bidirectional);

// Writes the template record (id, count, specifiers) at out; returns the end.
uint8_t* write_template_record(const Template& t, uint8_t* out) noexcept;

// Encodes r's data record at out (record_bytes). uptime_base_ms: NetFlow v9 sysUptime
// origin in ms since the epoch. Returns the end.
uint8_t* encode_record(const Template& t, const FlowRecord& r, uint64_t uptime_base_ms,
                       uint8_t* out) noexcept;

// ns since the Unix epoch as an NTP timestamp (dateTimeNanoseconds): seconds since
// 1900 in the high 32 bits, binary fraction in the low 32. 0 stays 0 (no time).
uint64_t ntp_from_ns(uint64_t ns) noexcept;

// The backward direction of a biflow as a forward record of its own: addresses and
// ports swapped, dir[1] moved to dir[0] (dir[1] cleared), ICMP echo request/reply types
// swapped. NetFlow v9 and v5 export each direction this way.
FlowRecord backward_as_forward(const FlowRecord& r) noexcept;

}  // namespace weir::ipfix
