// SPDX-License-Identifier: Apache-2.0
// FrameScratch: a per-source arena, reused every burst, for the few frames whose bytes
// must be rebuilt before weir sees them -- an 802.1Q tag the kernel or the NIC moved
// into metadata (AF_PACKET tp_vlan_tci, a DPDK mbuf with VLAN_STRIPPED), a chained
// (multi-segment) mbuf. Untagged, contiguous frames are handed out in place; only these
// are copied, and never with an allocation: when the arena is full the burst ends early
// and the frame is taken first in the next burst.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>

namespace weir {

class FrameScratch {
 public:
  explicit FrameScratch(std::size_t bytes) : buf_(new uint8_t[bytes]), size_(bytes) {}

  void reset() noexcept { used_ = 0; }
  // n bytes valid until reset(), or nullptr when they do not fit (end the burst).
  uint8_t* take(std::size_t n) noexcept {
    if (n > size_ - used_) return nullptr;
    uint8_t* p = buf_.get() + used_;
    used_ += (n + 7) & ~std::size_t{7};
    if (used_ > size_) used_ = size_;
    return p;
  }
  std::size_t size() const noexcept { return size_; }
  std::size_t remaining() const noexcept { return size_ - used_; }

 private:
  std::unique_ptr<uint8_t[]> buf_;
  std::size_t size_;
  std::size_t used_ = 0;
};

// Writes `frame` (cap_len bytes, an Ethernet frame whose outer tag was removed) to dst
// with the tag <tpid, tci> back after the two MAC addresses, as it was on the wire.
// dst holds cap_len + 4 bytes. A frame shorter than the MAC addresses is copied as is
// and 0 returned (the caller keeps its length); otherwise 4 (the bytes added).
inline uint32_t insert_vlan_tag(uint8_t* dst, const uint8_t* frame, uint32_t cap_len,
                                uint16_t tpid, uint16_t tci) noexcept {
  if (cap_len < 12) {
    std::memcpy(dst, frame, cap_len);
    return 0;
  }
  std::memcpy(dst, frame, 12);
  const uint8_t tag[4] = {static_cast<uint8_t>(tpid >> 8), static_cast<uint8_t>(tpid),
                          static_cast<uint8_t>(tci >> 8), static_cast<uint8_t>(tci)};
  std::memcpy(dst + 12, tag, 4);
  std::memcpy(dst + 16, frame + 12, cap_len - 12);
  return 4;
}

}  // namespace weir
