// SPDX-License-Identifier: Apache-2.0
#include "extract/frame_fields.hpp"

#include <algorithm>
#include <cstring>

namespace weir::extract {

namespace {

inline uint16_t be16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t be32(const uint8_t* p) noexcept {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}

enum : uint32_t { kLtEthernet = 1, kLtSll = 113, kLtSll2 = 276 };

// Window-scale option (kind 3, length 3) in the options area [p, p + n), or -1. Options
// are walked by their lengths; a malformed list ends the walk (RFC 9293 3.1).
int8_t find_wscale(const uint8_t* p, uint32_t n) noexcept {
  uint32_t i = 0;
  while (i < n) {
    const uint8_t kind = p[i];
    if (kind == 0) break;  // end of option list
    if (kind == 1) {       // no-operation
      ++i;
      continue;
    }
    if (n - i < 2) break;
    const uint8_t len = p[i + 1];
    if (len < 2 || len > n - i) break;
    if (kind == 3 && len == 3) return static_cast<int8_t>(std::min<uint8_t>(p[i + 2], 14));
    i += len;
  }
  return -1;
}

// The transport header of a decoded frame: at least min_header bytes of it per the IP
// length, cap = bytes readable from it (captured and inside the IP datagram).
L4Status l4_at(const PacketView& pv, const FrameLayout& lay, uint32_t min_header, uint32_t& cap) noexcept {
  if (lay.fragment) return L4Status::fragment;
  if (lay.l4_bytes < min_header) return L4Status::bad_header;
  cap = std::min(pv.cap_len - lay.l4_offset, lay.l4_bytes);
  return cap < min_header ? L4Status::truncated : L4Status::ok;
}

}  // namespace

LinkAddrs link_addresses(const PacketView& pv) noexcept {
  LinkAddrs a;
  const uint32_t lt = pv.linktype & 0x0FFFFFFF;
  if (lt == kLtEthernet && pv.cap_len >= 12) {
    std::memcpy(a.dst.data(), pv.data, 6);
    std::memcpy(a.src.data(), pv.data + 6, 6);
  } else if (lt == kLtSll && pv.cap_len >= 16 && be16(pv.data + 4) == 6) {
    std::memcpy(a.src.data(), pv.data + 6, 6);
  } else if (lt == kLtSll2 && pv.cap_len >= 20 && pv.data[11] == 6) {
    std::memcpy(a.src.data(), pv.data + 12, 6);
  }
  return a;
}

L4Status locate_tcp(const PacketView& pv, const FrameLayout& lay, TcpSegment& out) noexcept {
  out = TcpSegment{};
  uint32_t cap = 0;
  if (const L4Status s = l4_at(pv, lay, 20, cap); s != L4Status::ok) return s;
  const uint8_t* t = pv.data + lay.l4_offset;
  const uint32_t hdr = (uint32_t{t[12]} >> 4) * 4;
  if (hdr < 20 || hdr > lay.l4_bytes) return L4Status::bad_header;
  if (cap < hdr) return L4Status::truncated;
  out.seq = be32(t + 4);
  out.ack = be32(t + 8);
  out.flags = t[13];
  out.window = be16(t + 14);
  if (out.flags & 0x02) out.wscale = find_wscale(t + 20, hdr - 20);
  out.payload = t + hdr;
  out.payload_cap = cap - hdr;
  out.payload_len = lay.l4_bytes - hdr;
  return L4Status::ok;
}

L4Status locate_udp(const PacketView& pv, const FrameLayout& lay, UdpDatagram& out) noexcept {
  out = UdpDatagram{};
  uint32_t cap = 0;
  if (const L4Status s = l4_at(pv, lay, 8, cap); s != L4Status::ok) return s;
  const uint8_t* u = pv.data + lay.l4_offset;
  uint32_t len = be16(u + 4);
  if (len == 0 && lay.l4_bytes > 0xFFFF) len = lay.l4_bytes;  // RFC 2675 jumbogram
  if (len < 8 || len > lay.l4_bytes) return L4Status::bad_header;
  out.payload = u + 8;
  out.payload_len = len - 8;
  out.payload_cap = std::min(cap, len) - 8;
  return L4Status::ok;
}

}  // namespace weir::extract
