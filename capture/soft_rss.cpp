// SPDX-License-Identifier: Apache-2.0
#include "capture/soft_rss.hpp"

namespace weir {

uint32_t toeplitz_hash_reference(const uint8_t* data, std::size_t n,
                                 const std::array<uint8_t, kRssKeyBytes>& key) noexcept {
  // The 32-bit window of the key starting at bit i is XORed in for every set input bit i.
  uint32_t result = 0;
  uint32_t window = uint32_t{key[0]} << 24 | uint32_t{key[1]} << 16 | uint32_t{key[2]} << 8 | key[3];
  for (std::size_t byte = 0; byte < n && byte + 4 < key.size(); ++byte) {
    const uint8_t next = key[byte + 4];
    for (int bit = 7; bit >= 0; --bit) {
      if (data[byte] & (1u << bit)) result ^= window;
      window = window << 1 | ((next >> bit) & 1u);
    }
  }
  return result;
}

namespace {

// F(w): the hash of any tuple whose 16-bit XOR fold is w, as two byte tables.
struct FoldTables {
  uint32_t hi[256];
  uint32_t lo[256];
};

constexpr FoldTables make_fold_tables() noexcept {
  // Key bits t .. t+31 for a set bit t (0 = most significant) of a 16-bit word.
  constexpr uint64_t kPattern = 0x6d5a6d5a6d5a6d5aull;
  auto f = [](uint32_t w) {
    uint32_t h = 0;
    for (int t = 0; t < 16; ++t) {
      if (w & (0x8000u >> t)) h ^= static_cast<uint32_t>(kPattern >> (32 - t));
    }
    return h;
  };
  FoldTables t{};
  for (uint32_t v = 0; v < 256; ++v) {
    t.hi[v] = f(v << 8);
    t.lo[v] = f(v);
  }
  return t;
}

constexpr FoldTables kFold = make_fold_tables();

inline uint32_t fold_hash(uint32_t w) noexcept { return kFold.hi[(w >> 8) & 0xff] ^ kFold.lo[w & 0xff]; }

inline uint16_t be16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

// XOR of the 16-bit words of data[0, n); an odd last byte is the high half of a word.
inline uint32_t fold(const uint8_t* p, std::size_t n) noexcept {
  uint32_t x = 0;
  std::size_t i = 0;
  for (; i + 1 < n; i += 2) x ^= be16(p + i);
  if (i < n) x ^= static_cast<uint32_t>(p[i]) << 8;
  return x;
}

constexpr uint8_t kTcp = 6, kUdp = 17, kSctp = 132;

inline bool has_ports(uint8_t proto) noexcept { return proto == kTcp || proto == kUdp || proto == kSctp; }

uint32_t hash_ipv4(const uint8_t* p, uint32_t avail, RssFields fields) noexcept {
  if (avail < 20 || (p[0] >> 4) != 4) return 0;
  const uint32_t ihl = (p[0] & 0x0f) * 4u;
  uint32_t x = fold(p + 12, 8);                       // source, destination
  const bool fragment = (be16(p + 6) & 0x3fff) != 0;  // MF or an offset
  if (fields == RssFields::l3_l4 && !fragment && has_ports(p[9]) && ihl >= 20 && avail >= ihl + 4) {
    x ^= fold(p + ihl, 4);
  }
  return fold_hash(x);
}

uint32_t hash_ipv6(const uint8_t* p, uint32_t avail, RssFields fields) noexcept {
  if (avail < 40 || (p[0] >> 4) != 6) return 0;
  uint32_t x = fold(p + 8, 32);
  // Ports only right after the fixed header: behind any extension header (a fragment
  // header among them) the packet keeps to its address pair.
  if (fields == RssFields::l3_l4 && has_ports(p[6]) && avail >= 44) x ^= fold(p + 40, 4);
  return fold_hash(x);
}

uint32_t hash_ethertype(uint16_t et, const uint8_t* p, uint32_t avail, RssFields f) noexcept {
  if (et == 0x0800) return hash_ipv4(p, avail, f);
  if (et == 0x86DD) return hash_ipv6(p, avail, f);
  return 0;
}

uint32_t hash_raw_ip(const uint8_t* p, uint32_t avail, RssFields f) noexcept {
  if (avail < 1) return 0;
  const uint8_t v = p[0] >> 4;
  return v == 4 ? hash_ipv4(p, avail, f) : v == 6 ? hash_ipv6(p, avail, f) : 0;
}

}  // namespace

uint32_t toeplitz_symmetric(const uint8_t* data, std::size_t n) noexcept { return fold_hash(fold(data, n)); }

uint32_t rss_hash(const PacketView& pv, RssFields fields) noexcept {
  const uint8_t* p = pv.data;
  const uint32_t n = pv.cap_len;
  switch (pv.linktype & 0x0FFFFFFF) {
    case 1: {  // Ethernet, with any stack of 802.1Q / 802.1ad / QinQ tags
      if (n < 14) return 0;
      uint32_t off = 12;
      uint16_t et = be16(p + off);
      while ((et == 0x8100 || et == 0x88A8 || et == 0x9100) && off + 6 <= n) {
        off += 4;
        et = be16(p + off);
      }
      off += 2;
      return off <= n ? hash_ethertype(et, p + off, n - off, fields) : 0;
    }
    case 113:  // Linux SLL: protocol in the last 2 of 16 bytes
      return n < 16 ? 0 : hash_ethertype(be16(p + 14), p + 16, n - 16, fields);
    case 276:  // Linux SLL2: protocol first, 20 bytes
      return n < 20 ? 0 : hash_ethertype(be16(p), p + 20, n - 20, fields);
    case 12:
    case 14:
    case 101:  // raw IP
      return hash_raw_ip(p, n, fields);
    case 228:
      return hash_ipv4(p, n, fields);
    case 229:
      return hash_ipv6(p, n, fields);
    default:
      return 0;
  }
}

}  // namespace weir
