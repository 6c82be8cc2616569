// SPDX-License-Identifier: Apache-2.0
#include "capture/soft_rss.hpp"

namespace weir {

uint32_t toeplitz_hash_reference(const uint8_t* data, std::size_t n,
                                 const std::array<uint8_t, kRssKeyBytes>& key) noexcept {
  // The 32-bit window of the key starting at bit i is XORed in for every set input bit i.
  uint32_t result = 0;
  uint32_t window = uint32_t{key[0]} << 24 | uint32_t{key[1]} << 16 | uint32_t{key[2]} << 8 | key[3];
  for (std::size_t byte = 0; byte < n; ++byte) {
    const uint8_t next = key[byte + 4];
    for (int bit = 7; bit >= 0; --bit) {
      if (data[byte] & (1u << bit)) result ^= window;
      window = window << 1 | ((next >> bit) & 1u);
    }
  }
  return result;
}

namespace {

// table[i][v]: the hash contribution of byte value v at input position i.
struct Tables {
  uint32_t t[36][256];
  Tables() {
    for (std::size_t i = 0; i < 36; ++i) {
      for (uint32_t v = 0; v < 256; ++v) {
        uint8_t data[36] = {};
        data[i] = static_cast<uint8_t>(v);
        t[i][v] = toeplitz_hash_reference(data, i + 1);
      }
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

uint32_t toeplitz_symmetric(const uint8_t* data, std::size_t n) noexcept {
  const Tables& t = tables();
  uint32_t h = 0;
  for (std::size_t i = 0; i < n && i < 36; ++i) h ^= t.t[i][data[i]];
  return h;
}

}  // namespace weir
