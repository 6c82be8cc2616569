// SPDX-License-Identifier: Apache-2.0
// NetFlow v5 datagram layout (Cisco; what nfdump, softflowd and flow-tools use): a
// 24-byte header {u16 version 5, u16 count, u32 sysUptime ms, u32 unix_secs,
// u32 unix_nsecs, u32 flow_sequence, u8 engine_type, u8 engine_id, u16 sampling} and
// `count` 48-byte records {u32 srcaddr, dstaddr, nexthop; u16 input, output; u32 dPkts,
// dOctets, First, Last (ms of sysUptime); u16 srcport, dstport; u8 pad, tcp_flags, prot,
// tos; u16 src_as, dst_as; u8 src_mask, dst_mask; u16 pad}, all big-endian.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weir::netflow5 {

inline constexpr uint16_t kVersion = 5;
inline constexpr std::size_t kHeaderBytes = 24;
inline constexpr std::size_t kRecordBytes = 48;
inline constexpr std::size_t kMaxRecordsPerDatagram = 30;
inline constexpr uint64_t kMaxCounter = 0xFFFFFFFFu;  // dPkts, dOctets

}  // namespace weir::netflow5
