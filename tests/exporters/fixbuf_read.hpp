// SPDX-License-Identifier: Apache-2.0
// Reading an IPFIX file with libfixbuf (CERT's IPFIX library, the one YAF and
// super_mediator use), for the interoperability test. Built only when meson finds
// libfixbuf (WEIR_HAVE_FIXBUF).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace weir::test {

// The elements the test reads from every record, as libfixbuf transcodes them.
struct FixbufRecord {
  uint64_t flow_id = 0;
  uint64_t start_ms = 0;
  uint64_t end_ms = 0;
  uint64_t octets = 0;
  uint64_t packets = 0;
  uint64_t reverse_octets = 0;
  uint64_t reverse_packets = 0;
  std::array<uint8_t, 16> src6{};
  std::array<uint8_t, 16> dst6{};
  uint32_t src4 = 0;  // libfixbuf hands IPv4 addresses over as host-order integers
  uint32_t dst4 = 0;
  uint16_t src_port = 0;
  uint16_t dst_port = 0;
  uint16_t tcp_flags = 0;
  uint16_t reverse_tcp_flags = 0;
  uint8_t proto = 0;
  uint8_t end_reason = 0;
  uint8_t initial_tcp_flags = 0;  // CERT element; only if libfixbuf's model knows it
};

struct FixbufResult {
  std::string error;  // empty: read to the end without error
  bool knows_initial_tcp_flags = false;
  std::vector<FixbufRecord> records;
};

FixbufResult fixbuf_read_file(const std::string& path);

}  // namespace weir::test
