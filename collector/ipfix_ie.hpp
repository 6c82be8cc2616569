// SPDX-License-Identifier: Apache-2.0
// IPFIX information elements (RFC 7012 / IANA registry) and NetFlow v9 field types
// (RFC 3954) the collector maps onto FlowRecord. v9 field types 1..127 share numbers
// and meaning with the IPFIX elements, which is why one table serves both.
// Reverse elements (RFC 5103) carry the enterprise bit with PEN 29305 and the forward
// element's number.
#pragma once

#include <cstdint>

namespace weir::ipfix {

inline constexpr uint16_t kVersionV5 = 5;
inline constexpr uint16_t kVersionV9 = 9;
inline constexpr uint16_t kVersionIpfix = 10;

inline constexpr std::size_t kIpfixHeaderBytes = 16;  // version, length, time, seq, domain
inline constexpr std::size_t kV9HeaderBytes = 20;     // version, count, uptime, secs, seq, source id
inline constexpr std::size_t kSetHeaderBytes = 4;     // id, length
inline constexpr uint16_t kIpfixTemplateSet = 2;
inline constexpr uint16_t kIpfixOptionsTemplateSet = 3;
inline constexpr uint16_t kV9TemplateSet = 0;
inline constexpr uint16_t kV9OptionsTemplateSet = 1;
inline constexpr uint16_t kMinDataSetId = 256;
inline constexpr uint16_t kVariableLength = 0xFFFF;
inline constexpr uint16_t kEnterpriseBit = 0x8000;
inline constexpr uint32_t kReversePen = 29305;  // RFC 5103 reverse information elements

// Seconds from the NTP epoch (1900) to the Unix epoch (dateTimeMicro/Nanoseconds).
inline constexpr uint64_t kNtpToUnixSeconds = 2'208'988'800ull;

enum Ie : uint16_t {
  kOctetDeltaCount = 1,
  kPacketDeltaCount = 2,
  kProtocolIdentifier = 4,
  kIpClassOfService = 5,
  kTcpControlBits = 6,
  kSourceTransportPort = 7,
  kSourceIPv4Address = 8,
  kIngressInterface = 10,
  kDestinationTransportPort = 11,
  kDestinationIPv4Address = 12,
  kFlowEndSysUpTime = 21,    // v9 LAST_SWITCHED
  kFlowStartSysUpTime = 22,  // v9 FIRST_SWITCHED
  kPostOctetDeltaCount = 23,   // v9 OUT_BYTES
  kPostPacketDeltaCount = 24,  // v9 OUT_PKTS
  kMinimumIpTotalLength = 25,
  kMaximumIpTotalLength = 26,
  kSourceIPv6Address = 27,
  kDestinationIPv6Address = 28,
  kIcmpTypeCodeIPv4 = 32,
  kMinimumTTL = 52,
  kMaximumTTL = 53,
  kVlanId = 58,
  kIpVersion = 60,
  kOctetTotalCount = 85,
  kPacketTotalCount = 86,
  kIcmpTypeCodeIPv6 = 139,
  kFlowEndReason = 136,
  kFlowId = 148,
  kFlowStartSeconds = 150,
  kFlowEndSeconds = 151,
  kFlowStartMilliseconds = 152,
  kFlowEndMilliseconds = 153,
  kFlowStartMicroseconds = 154,
  kFlowEndMicroseconds = 155,
  kFlowStartNanoseconds = 156,
  kFlowEndNanoseconds = 157,
  kFlowStartDeltaMicroseconds = 158,
  kFlowEndDeltaMicroseconds = 159,
  kSystemInitTimeMilliseconds = 160,
  kIcmpTypeIPv4 = 176,
  kIcmpCodeIPv4 = 177,
  kIcmpTypeIPv6 = 178,
  kIcmpCodeIPv6 = 179,
  kUdpSourcePort = 180,
  kUdpDestinationPort = 181,
  kTcpSourcePort = 182,
  kTcpDestinationPort = 183,
  kDot1qVlanId = 243,
  kLayer2OctetDeltaCount = 352,
  kLayer2OctetTotalCount = 353,
};

// flowEndReason values (RFC 5102).
enum EndReasonCode : uint8_t {
  kEndIdle = 1,
  kEndActive = 2,
  kEndOfFlow = 3,
  kEndForced = 4,
  kEndLackOfResources = 5,
};

}  // namespace weir::ipfix
