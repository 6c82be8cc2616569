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

// The elements the test reads from every record: libfixbuf transcodes each record of
// the file into this layout (the internal template, same order and sizes; elements the
// file lacks read as zero, reduced-size integers are widened, IPv4 addresses arrive as
// host-order integers).
struct __attribute__((packed)) FixbufRecord {
  uint64_t flow_id;
  uint64_t start_ms;
  uint64_t end_ms;
  uint64_t octets;
  uint64_t packets;
  uint64_t reverse_octets;
  uint64_t reverse_packets;
  std::array<uint8_t, 16> src6;
  std::array<uint8_t, 16> dst6;
  uint32_t src4;
  uint32_t dst4;
  uint16_t src_port;
  uint16_t dst_port;
  uint16_t tcp_flags;
  uint16_t reverse_tcp_flags;
  uint8_t proto;
  uint8_t end_reason;
  uint8_t initial_tcp_flags;  // CERT element; only if libfixbuf's model knows it
};

struct FixbufResult {
  std::string error;  // empty: read to the end without error
  bool knows_initial_tcp_flags = false;
  std::vector<FixbufRecord> records;
};

FixbufResult fixbuf_read_file(const std::string& path);

}  // namespace weir::test
