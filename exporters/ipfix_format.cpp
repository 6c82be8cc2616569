// SPDX-License-Identifier: Apache-2.0
#include "exporters/ipfix_format.hpp"

#include <cstring>
#include <utility>

namespace weir::ipfix {

namespace {

inline uint8_t* put_be(uint8_t* p, uint64_t v, unsigned n_bytes) noexcept {
  // Reduced-size encoding saturates (RFC 7011 6.2 keeps the value's meaning; the
  // registry test makes sure no stored value is wider than its element).
  if (n_bytes < 8) {
    const uint64_t max = (uint64_t{1} << (8 * n_bytes)) - 1;
    if (v > max) v = max;
  }
  for (unsigned i = n_bytes; i-- > 0;) {
    p[i] = static_cast<uint8_t>(v);
    v >>= 8;
  }
  return p + n_bytes;
}

inline uint16_t reverse_icmp_type(uint8_t proto, uint8_t type) noexcept {
  if (proto == 1) {
    switch (type) {
      case 8: return 0;    // echo request -> reply
      case 0: return 8;
      case 13: return 14;  // timestamp
      case 14: return 13;
      default: return type;
    }
  }
  if (proto == 58) {
    if (type == 128) return 129;  // echo request -> reply
    if (type == 129) return 128;
  }
  return type;
}

void add(Template& t, const fields::Element& e, const fields::Field& f, int dir, uint32_t pen) {
  const uint16_t bytes = e.bytes_for(t.v6);
  t.elements.push_back({e.id_for(t.v6), bytes, pen, e.enc, &f, dir});
  t.record_bytes += bytes;
  t.template_bytes += pen ? 8 : 4;
}

}  // namespace

uint64_t ntp_from_ns(uint64_t ns) noexcept {
  if (ns == 0) return 0;
  constexpr uint64_t kNtpToUnixS = 2'208'988'800;  // 1900-01-01 to 1970-01-01
  const uint64_t s = ns / 1'000'000'000 + kNtpToUnixS;
  const uint64_t frac = ((ns % 1'000'000'000) << 32) / 1'000'000'000;
  return (s << 32) | frac;
}

Template make_template(Protocol p, bool v6, bool bidirectional) {
  Template t;
  t.id = v6 ? kTemplateIdV6 : kTemplateIdV4;
  t.v6 = v6;
  t.template_bytes = 4;  // template id, field count
  using fields::Scope;
  if (p == Protocol::netflow9) {
    for (const fields::Field& f : fields::kFields)
      if (f.nf9.present()) add(t, f.nf9, f, f.scope == Scope::dir ? 0 : -1, 0);
    return t;
  }
  for (const fields::Field& f : fields::kFields) {
    if (f.scope != Scope::flow) continue;
    for (const fields::Element& e : f.ipfix)
      if (e.present()) add(t, e, f, -1, e.pen);
  }
  // Backward before forward: see the header comment (nfdump shows the later one).
  for (int dir : {1, 0}) {
    if (dir == 1 && !bidirectional) continue;
    for (const fields::Field& f : fields::kFields) {
      if (f.scope != Scope::dir) continue;
      for (const fields::Element& e : f.ipfix) {
        if (!e.present() || (e.dirs & (dir == 0 ? fields::kFwd : fields::kRev)) == 0) continue;
        // RFC 5103: the reverse of an IANA element is the same id under PEN 29305; the
        // reverse of an enterprise element is the enterprise's to define (CERT: id | 0x4000).
        uint32_t pen = e.pen;
        fields::Element re = e;
        if (dir == 1) {
          if (pen == 0) {
            pen = fields::kPenReverse;
          } else {
            re.id = static_cast<uint16_t>(e.id | 0x4000);
          }
        }
        add(t, re, f, dir, pen);
      }
    }
  }
  return t;
}

uint8_t* write_template_record(const Template& t, uint8_t* out) noexcept {
  out = put_be(out, t.id, 2);
  out = put_be(out, t.elements.size(), 2);
  for (const TemplateElement& e : t.elements) {
    out = put_be(out, e.pen ? (e.id | 0x8000u) : e.id, 2);
    out = put_be(out, e.bytes, 2);
    if (e.pen) out = put_be(out, e.pen, 4);
  }
  return out;
}

uint8_t* encode_record(const Template& t, const FlowRecord& r, uint64_t uptime_base_ms,
                       uint8_t* out) noexcept {
  using fields::Enc;
  for (const TemplateElement& e : t.elements) {
    const fields::FieldRef ref{e.field, e.dir};
    switch (e.enc) {
      case Enc::be: out = put_be(out, fields::load_uint(r, ref), e.bytes); break;
      case Enc::millis: out = put_be(out, fields::load_uint(r, ref) / 1'000'000, e.bytes); break;
      case Enc::ntp: out = put_be(out, ntp_from_ns(fields::load_uint(r, ref)), e.bytes); break;
      case Enc::uptime_millis: {
        const uint64_t ms = fields::load_uint(r, ref) / 1'000'000;
        out = put_be(out, ms > uptime_base_ms ? (ms - uptime_base_ms) & 0xFFFFFFFFu : 0, e.bytes);
        break;
      }
      case Enc::addr: {
        const auto* a = reinterpret_cast<const uint8_t*>(&r) + e.field->offset;
        std::memcpy(out, a, e.bytes);  // 4 (IPv4, first bytes) or 16
        out += e.bytes;
        break;
      }
      case Enc::end_reason:
        out = put_be(out, fields::ipfix_end_reason(r.end_reason), e.bytes);
        break;
      case Enc::icmp_type_code: {
        const bool icmp = r.proto == 1 || r.proto == 58;
        out = put_be(out, icmp ? (uint32_t{r.icmp_type} << 8 | r.icmp_code) : 0, e.bytes);
        break;
      }
    }
  }
  return out;
}

FlowRecord backward_as_forward(const FlowRecord& r) noexcept {
  FlowRecord b = r;
  std::swap(b.src_addr, b.dst_addr);
  std::swap(b.src_port, b.dst_port);
  b.dir[0] = r.dir[1];
  b.dir[1] = DirStats{};
  b.icmp_type = static_cast<uint8_t>(reverse_icmp_type(r.proto, r.icmp_type));
  b.first_tcp_flags = 0;  // the first packet was forward
  b.start_ns = r.dir[1].first_ns;
  b.end_ns = r.dir[1].last_ns;
  return b;
}

}  // namespace weir::ipfix
