// SPDX-License-Identifier: Apache-2.0
// Test fixtures: NetFlow v5, NetFlow v9 and IPFIX messages written byte by byte from the
// RFCs (RFC 3954, RFC 7011) -- independent of weir's encoders, so a decoder test checks
// the wire format, not agreement between two halves of weir.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace weir::test {

// Big-endian byte writer with set framing.
class NfMsg {
 public:
  NfMsg& u8(uint64_t v) {
    b_.push_back(static_cast<uint8_t>(v));
    return *this;
  }
  NfMsg& u16(uint64_t v) { return u8(v >> 8).u8(v); }
  NfMsg& u32(uint64_t v) { return u16(v >> 16).u16(v); }
  NfMsg& u64(uint64_t v) { return u32(v >> 32).u32(v); }
  NfMsg& bytes(std::initializer_list<uint8_t> v) {
    b_.insert(b_.end(), v.begin(), v.end());
    return *this;
  }
  NfMsg& zeros(std::size_t n) {
    b_.insert(b_.end(), n, 0);
    return *this;
  }
  NfMsg& ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return bytes({a, b, c, d}); }

  // IPFIX header (RFC 7011 3.1); length patched by done().
  static NfMsg ipfix(uint32_t export_time, uint32_t seq, uint32_t domain) {
    NfMsg m;
    m.u16(10).u16(0).u32(export_time).u32(seq).u32(domain);
    m.ipfix_ = true;
    return m;
  }
  // NetFlow v9 header (RFC 3954 5.1).
  static NfMsg v9(uint16_t count, uint32_t uptime_ms, uint32_t unix_secs, uint32_t seq, uint32_t source_id) {
    NfMsg m;
    m.u16(9).u16(count).u32(uptime_ms).u32(unix_secs).u32(seq).u32(source_id);
    return m;
  }
  // NetFlow v5 header; records follow (48 bytes each).
  static NfMsg v5(uint16_t count, uint32_t uptime_ms, uint32_t secs, uint32_t nsecs, uint32_t seq,
                  uint8_t engine_type = 0, uint8_t engine_id = 0) {
    NfMsg m;
    m.u16(5).u16(count).u32(uptime_ms).u32(secs).u32(nsecs).u32(seq).u8(engine_type).u8(engine_id).u16(0);
    return m;
  }

  NfMsg& set(uint16_t id) {
    set_at_ = b_.size();
    return u16(id).u16(0);
  }
  NfMsg& end_set(std::size_t pad = 0) {
    zeros(pad);
    const std::size_t len = b_.size() - set_at_;
    b_[set_at_ + 2] = static_cast<uint8_t>(len >> 8);
    b_[set_at_ + 3] = static_cast<uint8_t>(len);
    return *this;
  }
  struct Field {
    uint16_t id;
    uint16_t len;
    uint32_t pen = 0;
  };
  // A template record: id, field count, fields (enterprise bit set when pen != 0).
  NfMsg& tmpl(uint16_t id, std::initializer_list<Field> fields) {
    u16(id).u16(fields.size());
    return specs(fields);
  }
  // IPFIX options template record: id, field count, scope field count, fields.
  NfMsg& options_tmpl(uint16_t id, uint16_t scope, std::initializer_list<Field> fields) {
    u16(id).u16(fields.size()).u16(scope);
    return specs(fields);
  }
  NfMsg& specs(std::initializer_list<Field> fields) {
    for (const Field& f : fields) {
      if (f.pen) {
        u16(f.id | 0x8000).u16(f.len).u32(f.pen);
      } else {
        u16(f.id).u16(f.len);
      }
    }
    return *this;
  }

  std::vector<uint8_t> done() {
    if (ipfix_) {
      b_[2] = static_cast<uint8_t>(b_.size() >> 8);
      b_[3] = static_cast<uint8_t>(b_.size());
    }
    return b_;
  }
  std::size_t size() const { return b_.size(); }

 private:
  std::vector<uint8_t> b_;
  std::size_t set_at_ = 0;
  bool ipfix_ = false;
};

// One NetFlow v5 record (48 bytes) in wire order.
inline void v5_record(NfMsg& m, std::initializer_list<uint8_t> src, std::initializer_list<uint8_t> dst,
                      uint32_t packets, uint32_t octets, uint32_t first, uint32_t last, uint16_t sport,
                      uint16_t dport, uint8_t flags, uint8_t proto, uint8_t tos, uint16_t input = 0) {
  m.bytes(src).bytes(dst).u32(0).u16(input).u16(0).u32(packets).u32(octets).u32(first).u32(last);
  m.u16(sport).u16(dport).u8(0).u8(flags).u8(proto).u8(tos).u16(0).u16(0).u8(0).u8(0).u16(0);
}

}  // namespace weir::test
