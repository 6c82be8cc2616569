// SPDX-License-Identifier: Apache-2.0
// Software RSS: the Toeplitz hash a NIC computes to pick a receive queue, with the
// symmetric key (0x6d5a repeated), so both directions of a conversation land on the same
// queue -- the same function as DPDK's rte_softrss over the same input.
//
// Input: the IP source and destination addresses only (what DPDK's RTE_ETH_RSS_IP hashes
// and what weir configures on a NIC): fragments carry no ports, so hashing addresses
// keeps a datagram's fragments on the queue of its flow with no cross-queue fragment
// cache. Symmetric because the key repeats every 16 bits and the two addresses have the
// same length, so swapping them shifts each by a multiple of 16 bits.
//
// Speed: table-driven, one 32-bit XOR per input byte (36 KiB of tables, built once).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace weir {

inline constexpr std::size_t kRssKeyBytes = 40;

// 0x6d, 0x5a repeated: the symmetric key of Woo and Park, used by Suricata and ipfixprobe.
inline constexpr std::array<uint8_t, kRssKeyBytes> kSymmetricRssKey = [] {
  std::array<uint8_t, kRssKeyBytes> k{};
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = i % 2 ? 0x5a : 0x6d;
  return k;
}();

// Reference Toeplitz (bit by bit) over data[0, n), n <= kRssKeyBytes - 4.
uint32_t toeplitz_hash_reference(const uint8_t* data, std::size_t n,
                                 const std::array<uint8_t, kRssKeyBytes>& key = kSymmetricRssKey) noexcept;

// Table-driven Toeplitz with the symmetric key, n <= 36.
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

// Queue for a hash with a NIC's default redirection table (128 entries, entry i -> queue
// i mod queues).
inline uint32_t rss_queue(uint32_t hash, uint32_t queues) noexcept { return (hash & 127u) % queues; }

}  // namespace weir
