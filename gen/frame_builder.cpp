// SPDX-License-Identifier: Apache-2.0
#include "gen/detail/frame_builder.hpp"

#include <bit>
#include <cstring>

namespace weir::gen {

namespace {

// Gateway MAC: every client talks to servers through it (a capture at the client edge).
constexpr uint8_t kGatewayMac[6] = {0x02, 0x00, 0x5E, 0x10, 0x00, 0x01};

inline void put16(uint8_t* p, uint16_t v) noexcept {
  v = __builtin_bswap16(v);
  std::memcpy(p, &v, 2);
}
inline void put32(uint8_t* p, uint32_t v) noexcept {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}
inline uint32_t get32(const uint8_t* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}

// One's-complement sum of big-endian 16-bit words, 4 bytes at a time: a 32-bit word
// hi * 2^16 + lo is congruent to hi + lo modulo 0xFFFF, so the folded result is the same.
// n must be even except for the last chunk summed.
inline uint64_t sum16(uint64_t s, const uint8_t* p, uint32_t n) noexcept {
  for (; n >= 4; p += 4, n -= 4) s += get32(p);
  if (n >= 2) {
    s += static_cast<uint32_t>(p[0]) << 8 | p[1];
    p += 2;
    n -= 2;
  }
  if (n) s += static_cast<uint32_t>(p[0]) << 8;
  return s;
}
inline uint16_t fold(uint64_t s) noexcept {
  s = (s & 0xFFFF'FFFF) + (s >> 32);
  s = (s & 0xFFFF) + (s >> 16);
  s = (s & 0xFFFF) + (s >> 16);
  s = (s & 0xFFFF) + (s >> 16);
  return static_cast<uint16_t>(~s & 0xFFFF);
}

// Keyed bijection on [0, 2^bits): affine map, then xorshift / odd-multiply rounds
// (each step is invertible modulo 2^bits).
inline uint64_t permute(uint64_t x, uint32_t bits, uint64_t key) noexcept {
  const uint64_t mask = (uint64_t{1} << bits) - 1;
  x = (x * 0x9E3779B97F4A7C15ull + key) & mask;
  x ^= x >> ((bits + 1) / 2);
  x = (x * 0xD6E8FEB86659FD93ull) & mask;
  x ^= x >> (bits / 2);
  x = (x * 0xBF58476D1CE4E5B9ull) & mask;
  x ^= x >> ((bits + 1) / 2);
  return x;
}

}  // namespace

Addressing::Addressing(uint32_t client_bits, uint64_t seed) noexcept
    : client_bits_(client_bits), key_(mix64(seed ^ 0x7765'6972'2067'656Eull)) {}

Addressing::Client Addressing::client_of(uint64_t serial) const noexcept {
  const uint64_t x = permute(serial, client_bits_ + kClientPortBits, key_);
  return {static_cast<uint32_t>(x >> kClientPortBits),
          static_cast<uint16_t>(32768 + (x & ((1u << kClientPortBits) - 1)))};
}

uint32_t Addressing::client_ip4(uint32_t client) const noexcept {
  return 0x0A00'0000u | static_cast<uint32_t>(permute(client, 24, key_ >> 7));  // 10.0.0.0/8
}

uint32_t Addressing::server_ip4(uint32_t server) const noexcept {
  // 198.18.0.0/15 (RFC 2544 benchmarking range); server < 2^17.
  return 0xC612'0000u + static_cast<uint32_t>(permute(server, 17, key_ >> 13));
}

void Addressing::client_ip(uint32_t client, bool v6, uint8_t* out) const noexcept {
  if (!v6) {
    put32(out, client_ip4(client));
    return;
  }
  // fd00:7765:6972:SSSS:HHHH:HHHH:CCCC:CCCC, C = the index (so the map is injective).
  static constexpr uint8_t kPrefix[6] = {0xFD, 0x00, 0x77, 0x65, 0x69, 0x72};
  std::memcpy(out, kPrefix, 6);
  put16(out + 6, static_cast<uint16_t>(client >> 12));
  put32(out + 8, static_cast<uint32_t>(mix64(client ^ key_) >> 32));
  put32(out + 12, client);
}

void Addressing::server_ip(uint32_t server, bool v6, uint8_t* out) const noexcept {
  if (!v6) {
    put32(out, server_ip4(server));
    return;
  }
  // 2001:db8:SSSS:HHHH::ss (documentation prefix), injective in the server index.
  static constexpr uint8_t kPrefix[4] = {0x20, 0x01, 0x0D, 0xB8};
  std::memcpy(out, kPrefix, 4);
  put16(out + 4, static_cast<uint16_t>(server >> 8));
  put16(out + 6, static_cast<uint16_t>(mix64(server + key_) >> 48));
  std::memset(out + 8, 0, 8);
  out[15] = static_cast<uint8_t>(server);
}

void FrameBuilder::build(const Flow& f, const Pkt& p, const FrameLayout& l, uint64_t t_ns,
                         uint8_t* out) const noexcept {
  const Addressing::Client cl = addr_.client_of(f.serial);
  const bool v6 = f.v6();
  const bool c2s = p.c2s;
  uint8_t* q = out;

  // Ethernet: the client's MAC is 02:77 + its index.
  uint8_t cmac[6] = {0x02, 0x77, 0, 0, 0, 0};
  put32(cmac + 2, cl.index);
  std::memcpy(q, c2s ? kGatewayMac : cmac, 6);
  std::memcpy(q + 6, c2s ? cmac : kGatewayMac, 6);
  q += 12;
  if (f.vlan) {
    put16(q, 0x8100);
    put16(q + 2, f.vlan);
    q += 4;
  }
  put16(q, v6 ? 0x86DD : 0x0800);
  q += 2;

  // IP. Server-to-client packets crossed 8..23 hops.
  const uint8_t ttl = c2s ? 64 : static_cast<uint8_t>(56 - (f.server & 15));
  const uint32_t ip_hdr = v6 ? 40 : 20;
  const uint32_t l4_len = l.ip_bytes - ip_hdr;
  uint64_t pseudo;  // pseudo-header sum: addresses, protocol, L4 length
  if (!v6) {
    const uint32_t cip = addr_.client_ip4(cl.index), sip = addr_.server_ip4(f.server);
    const uint32_t src = c2s ? cip : sip, dst = c2s ? sip : cip;
    const uint16_t id = static_cast<uint16_t>((mix64(f.serial ^ (c2s ? 0 : 0xABCD)) >> 48) + f.n_sent);
    const uint64_t addr_sum = (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF);
    const uint64_t hdr_sum = 0x4500u + l.ip_bytes + id + 0x4000u + (uint32_t{ttl} << 8 | f.proto) + addr_sum;
    put32(q, 0x4500'0000u | l.ip_bytes);
    put32(q + 4, uint32_t{id} << 16 | 0x4000u);  // DF
    put32(q + 8, uint32_t{ttl} << 24 | uint32_t{f.proto} << 16 | fold(hdr_sum));
    put32(q + 12, src);
    put32(q + 16, dst);
    pseudo = f.proto == 1 ? 0 : addr_sum + f.proto + l4_len;  // ICMPv4: no pseudo header
  } else {
    uint8_t cip[16], sip[16];
    addr_.client_ip(cl.index, true, cip);
    addr_.server_ip(f.server, true, sip);
    const uint32_t label = static_cast<uint32_t>(mix64(f.serial ^ (c2s ? 0 : 0x1234)) & 0xFFFFF);
    put32(q, 0x6000'0000u | label);
    put32(q + 4, l4_len << 16 | uint32_t{f.proto} << 8 | ttl);
    std::memcpy(q + 8, c2s ? cip : sip, 16);
    std::memcpy(q + 24, c2s ? sip : cip, 16);
    pseudo = sum16(sum16(0, cip, 16), sip, 16) + f.proto + l4_len;
  }
  q += ip_hdr;

  uint8_t* l4 = q;
  const uint16_t cport = cl.port;
  const uint16_t src_port = c2s ? cport : f.sport, dst_port = c2s ? f.sport : cport;
  const size_t zero_from = l.l2_bytes + ip_hdr + l.l4_bytes;  // payload and padding
  std::memset(out + zero_from, 0, l.frame_bytes - zero_from);
  switch (f.proto) {
    case 6: {
      const uint16_t window = p.syn_opts ? (c2s ? 64240 : 65160) : (c2s ? 502 : 509);
      const uint32_t off_flags = (l.l4_bytes / 4) << 12 | p.tcp_flags;
      uint64_t s = pseudo + src_port + dst_port + (p.seq >> 16) + (p.seq & 0xFFFF) + (p.ack >> 16) +
                   (p.ack & 0xFFFF) + off_flags + window;
      put32(l4, uint32_t{src_port} << 16 | dst_port);
      put32(l4 + 4, p.seq);
      put32(l4 + 8, p.ack);
      put32(l4 + 12, off_flags << 16 | window);
      uint8_t* o = l4 + 20;
      const uint32_t t_ms = static_cast<uint32_t>(t_ns / 1'000'000);
      const uint32_t my_ts = static_cast<uint32_t>(mix64(f.serial ^ (c2s ? 1 : 2)) >> 32) + t_ms;
      const uint32_t peer_ts = static_cast<uint32_t>(mix64(f.serial ^ (c2s ? 2 : 1)) >> 32) + t_ms -
                               f.rtt_ns / 1'000'000;
      const uint32_t mss = v6 ? 1440 : 1460;
      if (p.syn_opts) {
        put32(o, 0x0204'0000u | mss);  // MSS
        s += 0x0204u + mss;
        if (!compact_tcp_) {
          const uint32_t ecr = c2s ? 0 : peer_ts;
          put32(o + 4, 0x0402'080Au);  // SACK permitted, timestamps
          put32(o + 8, my_ts);
          put32(o + 12, ecr);
          put32(o + 16, 0x0103'0307u);  // NOP, window scale 7
          s += 0x0402u + 0x080Au + (my_ts >> 16) + (my_ts & 0xFFFF) + (ecr >> 16) + (ecr & 0xFFFF) +
               0x0103u + 0x0307u;
        }
      } else if (!compact_tcp_) {
        put32(o, 0x0101'080Au);  // NOP, NOP, timestamps
        put32(o + 4, my_ts);
        put32(o + 8, peer_ts);
        s += 0x0101u + 0x080Au + (my_ts >> 16) + (my_ts & 0xFFFF) + (peer_ts >> 16) + (peer_ts & 0xFFFF);
      }
      put32(l4 + 16, uint32_t{fold(s)} << 16);  // checksum, urgent pointer 0
      break;
    }
    case 17: {
      uint64_t s = pseudo + src_port + dst_port + l4_len;
      put32(l4, uint32_t{src_port} << 16 | dst_port);
      if (f.kind == FlowKind::dns && p.payload_bytes >= 12) {
        const uint16_t id = static_cast<uint16_t>(p.seq);
        const uint16_t flags = c2s ? 0x0100 : 0x8180;  // query, RD / response, RD RA
        const uint16_t answers = c2s ? 0 : 1;
        put32(l4 + 8, uint32_t{id} << 16 | flags);
        put32(l4 + 12, 0x0001'0000u | answers);  // QDCOUNT 1, ANCOUNT
        put32(l4 + 16, 0);
        s += id + flags + 1u + answers;
      }
      const uint16_t c = fold(s);
      put32(l4 + 4, l4_len << 16 | (c == 0 ? 0xFFFFu : c));  // 0 means "no checksum" in UDP
      break;
    }
    default: {  // ICMP / ICMPv6 echo; identifier = the client port
      const uint32_t type = v6 ? (c2s ? 128 : 129) : (c2s ? 8 : 0);
      const uint16_t seq = static_cast<uint16_t>(p.seq);
      const uint16_t c = fold(pseudo + (type << 8) + cport + seq);
      put32(l4, type << 24 | c);
      put32(l4 + 4, uint32_t{cport} << 16 | seq);
      break;
    }
  }
}

}  // namespace weir::gen
