// SPDX-License-Identifier: Apache-2.0
// Software RSS: the Toeplitz hash a NIC computes to pick a receive queue, with the
// symmetric key (0x6d5a repeated), so both directions of a conversation land on the same
// queue -- the same function as DPDK's rte_softrss over the same input. Used wherever
// weir puts packets on N queues the way a NIC would: files in the per-queue shape
// (shard_source.hpp) and the DPDK backend on a port without RSS.
//
// Symmetry. The key has a period of 16 bits, so the key window a 16-bit-aligned input
// word meets is the same for every word; Toeplitz is linear over GF(2), hence
// hash(tuple) = F(XOR of the tuple's 16-bit words) for one fixed linear map F. Swapping
// source and destination (addresses, and ports) leaves the XOR -- and the hash --
// unchanged. The same identity makes the fast path a fold plus two table lookups; the
// price is that the hash carries 16 bits of the tuple, ample for picking a queue.
//
// Which tuple (RssFields): l3 -- source and destination address only (what DPDK's
// RTE_ETH_RSS_IP hashes): all fragments of a datagram and every packet of a host pair
// share a queue, so no flow is ever split and no fragment needs another queue's cache.
// l3_l4 -- plus the TCP/UDP/SCTP ports of packets that are not fragments (RTE_ETH_RSS_IP
// | TCP | UDP | SCTP): a finer spread, but a flow whose datagrams are sometimes
// fragmented sees those on the queue of its address pair.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "engine/base/packet_view.hpp"

namespace weir {

enum class RssFields : uint8_t {
  l3,     // addresses only: a host pair, fragments included, never splits (default)
  l3_l4,  // addresses + TCP/UDP/SCTP ports (fragments: addresses)
};

inline constexpr std::size_t kRssKeyBytes = 40;

// 0x6d, 0x5a repeated: the symmetric key of Woo and Park, used by Suricata and ipfixprobe.
inline constexpr std::array<uint8_t, kRssKeyBytes> kSymmetricRssKey = [] {
  std::array<uint8_t, kRssKeyBytes> k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = i % 2 ? 0x5a : 0x6d;
  return k;
}();

// Reference Toeplitz (bit by bit) over data[0, n), n <= kRssKeyBytes - 4, any key (the
// one Microsoft's RSS verification vectors are given for, too).
uint32_t toeplitz_hash_reference(const uint8_t* data, std::size_t n,
                                 const std::array<uint8_t, kRssKeyBytes>& key = kSymmetricRssKey) noexcept;

// Toeplitz with the symmetric key, from the XOR fold described above (n <= 36 to agree
// with a NIC's 40-byte key).
uint32_t toeplitz_symmetric(const uint8_t* data, std::size_t n) noexcept;

// The RSS hash of a packet from its addresses (IPv4: 4 bytes each, IPv6: 16).
inline uint32_t rss_hash_addresses(const uint8_t* src, const uint8_t* dst, std::size_t addr_bytes) noexcept {
  uint8_t buf[32];
  for (std::size_t i = 0; i < addr_bytes; ++i) {
    buf[i] = src[i];
    buf[addr_bytes + i] = dst[i];
  }
  return toeplitz_symmetric(buf, 2 * addr_bytes);
}

// The hash a NIC computes for a captured frame, from its headers: Ethernet with any
// stack of 802.1Q/802.1ad tags, Linux SLL/SLL2, raw IP link types. Frames that are not
// IP, or cut before the addresses, hash to 0 (queue 0, like a NIC that hashes nothing);
// so do IP packets behind MPLS or PPPoE (a NIC does not look there either).
uint32_t rss_hash(const PacketView& pv, RssFields fields = RssFields::l3) noexcept;

// Queue for a hash with a NIC's default redirection table (128 entries, entry i -> queue
// i mod queues).
inline uint32_t rss_queue(uint32_t hash, uint32_t queues) noexcept { return (hash & 127u) % queues; }

}  // namespace weir
