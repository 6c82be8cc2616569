// SPDX-License-Identifier: Apache-2.0
// FragCache: remembers the ports of fragmented datagrams so that non-first fragments
// (which carry no L4 header) can be metered with their flow. Private to the decoder;
// owned by one Decoder, used on the reader thread only.
//
// Design: a set-associative array of kWays 64-byte entries per set, allocated once in the
// constructor (no allocation per packet). Key = (src, dst, IP version, protocol, IP id);
// for IPv6 the protocol is the fragment header's next header and the id its 32-bit
// identification. An entry lives frag_timeout_ns of packet time after its first fragment
// (RFC 791 / Linux reassembly semantics: not refreshed by later fragments). Insert picks,
// in order: the same key, an empty or expired way, a way whose last fragment was seen
// (done), else the oldest live way -- the only case counted as an overwrite. Done entries
// stay usable until replaced, so duplicated or reordered trailing fragments still match.
//
// Sizes: 4096 entries = 256 KiB, enough for 4096 datagrams in flight per timeout; a
// fragment lookup touches one set (4 lines). Fragments are rare on real links, so this
// path is out of line and never on the plain TCP/UDP path.
#pragma once

#include <array>
#include <cstdint>
#include <memory>

namespace weir::detail {

struct FragKey {
  std::array<uint8_t, 16> src{};  // IPv4 uses the first 4 bytes
  std::array<uint8_t, 16> dst{};
  uint32_t id = 0;
  uint8_t proto = 0;
  uint8_t ip_version = 0;
};

// What a non-first fragment inherits from its first fragment, in packet direction.
struct FragValue {
  uint16_t port_src = 0;
  uint16_t port_dst = 0;
  uint8_t l4_proto = 0;  // final upper-layer protocol (IPv6: after any extension headers)
  uint8_t bits = 0;      // PacketMeta::kIcmpEcho / kIcmpReply of the first fragment
};

class FragCache {
 public:
  static constexpr uint32_t kWays = 4;

  // entries is rounded up to a power of two, at least kWays.
  FragCache(uint32_t entries, uint64_t timeout_ns);
  ~FragCache();
  FragCache(const FragCache&) = delete;
  FragCache& operator=(const FragCache&) = delete;

  // Stores the first fragment's value. Returns true if a live entry of another datagram
  // was displaced (counted by the caller as an overwrite).
  bool insert(const FragKey& key, const FragValue& value, uint64_t now_ns) noexcept;

  // Finds a live entry for key. last = this fragment has MF clear (the datagram's end):
  // its entry becomes the preferred victim for the next insert into the set.
  bool lookup(const FragKey& key, uint64_t now_ns, bool last, FragValue& out) noexcept;

  // Forgets key (a new first fragment reused the id but had no usable L4 header: its
  // later fragments must not inherit the previous datagram's ports).
  void erase(const FragKey& key) noexcept;

  uint32_t capacity() const noexcept { return (set_mask_ + 1) * kWays; }

 private:
  struct alignas(64) Entry {
    std::array<uint8_t, 16> src;
    std::array<uint8_t, 16> dst;
    uint64_t stored_ns;   // packet time of the first fragment
    uint32_t id;
    uint8_t proto;
    uint8_t ip_version;   // 0 = empty
    uint8_t done;         // last fragment seen
    uint8_t pad;
    FragValue value;
  };
  static_assert(sizeof(Entry) == 64, "one cache line per entry");

  Entry* set_for(const FragKey& key) noexcept;
  bool live(const Entry& e, uint64_t now_ns) const noexcept;
  static bool matches(const Entry& e, const FragKey& key) noexcept;

  std::unique_ptr<Entry[]> entries_;
  uint32_t set_mask_ = 0;
  uint64_t timeout_ns_ = 0;
};

}  // namespace weir::detail
