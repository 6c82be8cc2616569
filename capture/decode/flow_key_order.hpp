// SPDX-License-Identifier: Apache-2.0
// Canonical endpoint order of a FlowKey (see engine/base/flow_key.hpp): both directions
// of a conversation get one key, so one hash, one shard and one table slot.
//
// Order: endpoint a <= endpoint b, comparing the 16 address bytes as a big-endian number,
// then the port. ICMP/ICMPv6 keys swap only the addresses: their "ports" describe the
// message (echo identifier twice, or 0 and type << 8 | code), not an endpoint, so moving
// them would break the NetFlow convention the key follows.
//
// Header only and branch-light: the decoder calls it once per packet; the engine and
// tools may call it to build lookup keys. Pure function, any thread.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "engine/base/flow_key.hpp"

namespace weir {

namespace detail {
// Big-endian 8-byte load: comparing these as integers is comparing the bytes in order,
// without a call to memcmp (which GCC does not inline when the sign of the result is used).
inline uint64_t load_be64(const uint8_t* p) noexcept {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
  return v;
}
}  // namespace detail

inline bool is_icmp_key(const FlowKey& k) noexcept {
  return (k.proto == 1 && k.ip_version == 4) || (k.proto == 58 && k.ip_version == 6);
}

// Puts k in canonical order. reversed = true when the endpoints were swapped, i.e. the
// packet's source (endpoint a on entry) is endpoint b of the canonical key.
//
// Branch-free: on real traffic the order of two endpoints is a coin toss per packet, so a
// branch on it would mispredict about half the time; masks and selects cost a few cycles.
// The decoder applies the same order inline to the packet bytes (Decoder::Impl::finish,
// avoiding a reload of the key it just wrote); decoder_test holds both to one result.
inline void canonicalize(FlowKey& k, bool& reversed) noexcept {
  uint8_t* const a = k.addr_a.data();
  uint8_t* const b = k.addr_b.data();
  const uint64_t a0 = detail::load_be64(a), a1 = detail::load_be64(a + 8);
  const uint64_t b0 = detail::load_be64(b), b1 = detail::load_be64(b + 8);
  const bool icmp = is_icmp_key(k);
  const bool ports_gt = !icmp & (k.port_a > k.port_b);
  const bool swap = (a0 > b0) | ((a0 == b0) & ((a1 > b1) | ((a1 == b1) & ports_gt)));
  reversed = swap;
  // Native-order words are swapped whole, so their byte order does not matter here.
  uint64_t w[4];
  std::memcpy(w, a, 16);
  std::memcpy(w + 2, b, 16);
  const uint64_t m = 0 - static_cast<uint64_t>(swap);
  const uint64_t d0 = (w[0] ^ w[2]) & m, d1 = (w[1] ^ w[3]) & m;
  w[0] ^= d0;
  w[2] ^= d0;
  w[1] ^= d1;
  w[3] ^= d1;
  std::memcpy(a, w, 16);
  std::memcpy(b, w + 2, 16);
  // ICMP "ports" describe the message and stay put.
  const uint16_t pm = static_cast<uint16_t>(0 - static_cast<uint16_t>(swap & !icmp));
  const uint16_t dp = static_cast<uint16_t>((k.port_a ^ k.port_b) & pm);
  k.port_a = static_cast<uint16_t>(k.port_a ^ dp);
  k.port_b = static_cast<uint16_t>(k.port_b ^ dp);
}

}  // namespace weir
