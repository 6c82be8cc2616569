// SPDX-License-Identifier: Apache-2.0
// Decoder: frame bytes -> PacketMeta (flow key, lengths, TCP flags), or a named reason
// why the frame is not metered. Runs on the reader thread, in input order, so its
// fragment cache is deterministic.
//
// Every length is checked against the captured bytes before it is read; nothing is
// read past cap_len. A frame that is short or inconsistent gets a reason, never a
// guess.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string_view>

#include "engine/base/packet_meta.hpp"
#include "engine/base/packet_view.hpp"

namespace weir {

// Outcome of decoding one frame. `flow` means metered; every other value is a reason
// the packet is counted as not metered. Keep kDecodeOutcomeNames in step.
enum class DecodeOutcome : uint8_t {
  flow = 0,
  not_ip,                // valid frame carrying no IP (ARP, LLDP, STP, ...)
  unsupported_linktype,  // link type weir does not parse
  truncated_l2,          // link-layer / VLAN / MPLS / PPPoE header cut by the snap length
  truncated_l3,          // IP header (or IPv6 extension header) not fully captured
  bad_ip_header,         // wrong version, IHL < 5, extension header length past the packet
  bad_ip_length,         // IP total / payload length smaller than the header or larger than the frame
  truncated_l4,          // TCP/UDP/SCTP ports or ICMP type/code not captured
  bad_l4_header,         // e.g. TCP data offset < 5, UDP length inconsistent with IP payload
  fragment_orphan,       // non-first fragment whose first fragment was not seen (or timed out)
  kCount
};
inline constexpr std::size_t kNumDecodeOutcomes = static_cast<std::size_t>(DecodeOutcome::kCount);
std::string_view decode_outcome_name(DecodeOutcome o) noexcept;

struct DecodeConfig {
  bool bidirectional = true;   // store keys in canonical order (see flow_key.hpp)
  bool vlan_key = false;       // put the outer VLAN id into the key
  // Compatibility rules (compat/, e.g. --compat flowrecorder); all off = weir's own.
  bool ports_tcp_udp_only = false;  // only TCP/UDP keys carry ports; others are 3-tuples
  bool ipv6_len_after_ext = false;  // IPv6 ip_bytes = bytes after the extension headers
  bool same_address_forward = false;  // PacketMeta::kSameAddress when source == destination
  uint64_t frag_timeout_ns = 30'000'000'000ull;
  uint32_t frag_cache_entries = 4096;  // power of two
};

struct DecoderStats {
  uint64_t ip_len_from_frame = 0;  // IPv4 total length 0 (TSO/GSO, BIG TCP): taken from the frame
  uint64_t fragments_first = 0;    // first fragments stored in the cache
  uint64_t fragments_attributed = 0;  // non-first fragments given their flow's ports
  uint64_t frag_cache_overwrites = 0; // entries displaced before timing out
};

// Where the layers of the frame last decoded as `flow` are: offsets into its PacketView's
// data, for tools that read past the key (weir extract: MACs, TCP sequence numbers,
// payload). Only the offsets are kept; the bytes are the caller's.
struct FrameLayout {
  uint32_t l3_offset = 0;  // the IP header that gave the key (the outer one)
  uint32_t l4_offset = 0;  // first byte after the IP header and its extension headers
  uint32_t l4_bytes = 0;   // IP payload from l4_offset per the IP header (may exceed cap_len)
  bool fragment = false;   // an IP fragment: the bytes are one piece of the datagram, and a
                           // non-first fragment (PacketMeta::kFragment) has no L4 header
};

class Decoder {
 public:
  explicit Decoder(const DecodeConfig& cfg);  // allocates the fragment cache up front
  ~Decoder();
  Decoder(const Decoder&) = delete;
  Decoder& operator=(const Decoder&) = delete;

  // Decodes pv. On `flow`, out.key / ip_bytes / wire_bytes / ingress_if / vlan / tcp_flags /
  // bits / ttl / tos are set (ts_ns, index and hash are the caller's). now_ns drives
  // fragment timeouts.
  DecodeOutcome decode(const PacketView& pv, uint64_t now_ns, PacketMeta& out) noexcept;

  // The layout of pv, which the last decode() call must have returned `flow` for
  // (otherwise the values are meaningless; the offsets never exceed pv.cap_len).
  FrameLayout layout(const PacketView& pv) const noexcept;

  const DecoderStats& stats() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir
