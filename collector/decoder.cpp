// SPDX-License-Identifier: Apache-2.0
#include "collector/decoder.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstring>
#include <deque>
#include <unordered_map>

#include "collector/ipfix_ie.hpp"
#include "exporters/field_registry.hpp"
#include "exporters/netflow_v5.hpp"

namespace weir {

namespace {

using namespace ipfix;

inline uint16_t be16(const uint8_t* p) noexcept { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
inline uint32_t be32(const uint8_t* p) noexcept {
  return uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
}
inline uint64_t be64(const uint8_t* p) noexcept { return uint64_t{be32(p)} << 32 | be32(p + 4); }
// Unsigned integer of 1..8 bytes (RFC 7011 6.2: reduced-size encoding).
inline uint64_t be_uint(const uint8_t* p, std::size_t n) noexcept {
  switch (n) {
    case 1: return p[0];
    case 2: return be16(p);
    case 4: return be32(p);
    case 8: return be64(p);
    default: {
      uint64_t v = 0;
      for (std::size_t i = 0; i < n; ++i) v = v << 8 | p[i];
      return v;
    }
  }
}

// What one template field does to the record being decoded.
enum class Op : uint8_t {
  skip,
  src4, dst4, src6, dst6, sport, dport, proto, ipver, ingress, vlan, flow_id, end_reason,
  icmp_tc, icmp_type, icmp_code,
  // per direction (FieldOp::dir)
  packets, bytes, l2bytes, tcp_flags, tos, ttl_min, ttl_max, len_min, len_max,
  // per direction, start or end (FieldOp::end)
  time,
  init_time,  // options: systemInitTimeMilliseconds
  store,      // a registry field (exporters/field_registry.hpp): unsigned, at FieldOp::offset
};

// Time encodings, best precision first (the order a record's time is chosen in).
enum TimeKind : uint8_t { kNs, kUs, kMs, kSec, kSysUp, kDelta, kNumTimeKinds };

struct FieldOp {
  Op op = Op::skip;
  uint8_t dir = 0;   // 0 forward, 1 reverse
  uint8_t end = 0;   // time: 0 start, 1 end
  uint8_t kind = 0;  // time: TimeKind; store: bytes of the FlowRecord member
  uint16_t len = 0;  // bytes, or kVariableLength
  uint32_t offset = 0;  // store: byte offset in FlowRecord
};

// The registry's plain (Enc::be) elements by (pen, id): whatever weir exports as an
// unsigned number comes back into the same FlowRecord member, so a field added to the
// registry is collected without a change here. Elements with their own encodings
// (times, addresses, ICMP, end reason) are the explicit cases of compile_field().
FieldOp registry_field(uint16_t id, uint32_t pen, uint16_t len) {
  using namespace fields;
  const bool reverse = pen == kPenReverse;
  for (const Field& f : kFields) {
    if (f.offset == kComputed || f.type == Type::f64 || f.type == Type::bytes16) continue;
    for (const Element& e : f.ipfix) {
      if (!e.present() || e.enc != Enc::be || e.id != id) continue;
      const bool dir = f.scope == Scope::dir;
      const bool match = reverse ? dir && (e.dirs & kRev) && e.pen == 0 : e.pen == pen && (e.dirs & kFwd);
      if (!match || len == kVariableLength || len == 0 || len > 8) continue;
      FieldOp op;
      op.op = Op::store;
      op.len = len;
      op.kind = static_cast<uint8_t>(type_bytes(f.type));
      op.dir = reverse ? 1 : 0;
      op.offset = dir ? static_cast<uint32_t>(offsetof(FlowRecord, dir) + op.dir * sizeof(DirStats) + f.offset)
                      : f.offset;
      return op;
    }
  }
  return FieldOp{.len = len};
}

struct Template {
  bool options = false;
  bool variable = false;
  uint32_t min_bytes = 0;  // fixed fields + 1 byte per variable-length field
  std::vector<FieldOp> ops;
  std::vector<uint64_t> spec;  // (pen << 32 | id << 16 | len) per field: change detection
};

// The op for field (id, pen) of `len` bytes.
FieldOp compile_field(uint16_t id, uint32_t pen, uint16_t len) {
  FieldOp f;
  f.len = len;
  const bool var = len == kVariableLength;
  uint8_t dir = 0;
  if (pen == kReversePen) {
    dir = 1;
  } else if (pen != 0) {
    return registry_field(id, pen, len);  // e.g. CERT initialTCPFlags; else skipped by length
  }
  auto num = [&](Op op, uint16_t max_len = 8) {
    if (!var && len >= 1 && len <= max_len) f.op = op;
    f.dir = dir;
  };
  auto exact = [&](Op op, uint16_t want) {
    if (len == want) f.op = op;
    f.dir = dir;
  };
  auto time = [&](uint8_t end, uint8_t kind, uint16_t want) {
    if (len == want || (kind != kNs && kind != kUs && !var && len >= 1 && len <= want)) {
      f.op = Op::time;
      f.end = end;
      f.kind = kind;
    }
    f.dir = dir;
  };
  switch (id) {
    case kOctetDeltaCount:
    case kOctetTotalCount: num(Op::bytes); break;
    case kPacketDeltaCount:
    case kPacketTotalCount: num(Op::packets); break;
    case kPostOctetDeltaCount: num(Op::bytes), f.dir = 1; break;
    case kPostPacketDeltaCount: num(Op::packets), f.dir = 1; break;
    case kLayer2OctetDeltaCount:
    case kLayer2OctetTotalCount: num(Op::l2bytes); break;
    case kTcpControlBits: num(Op::tcp_flags, 2); break;
    case kIpClassOfService: num(Op::tos, 1); break;
    case kMinimumTTL: num(Op::ttl_min, 1); break;
    case kMaximumTTL: num(Op::ttl_max, 1); break;
    case kMinimumIpTotalLength: num(Op::len_min); break;
    case kMaximumIpTotalLength: num(Op::len_max); break;
    case kFlowStartSeconds: time(0, kSec, 4); break;
    case kFlowEndSeconds: time(1, kSec, 4); break;
    case kFlowStartMilliseconds: time(0, kMs, 8); break;
    case kFlowEndMilliseconds: time(1, kMs, 8); break;
    case kFlowStartMicroseconds: time(0, kUs, 8); break;
    case kFlowEndMicroseconds: time(1, kUs, 8); break;
    case kFlowStartNanoseconds: time(0, kNs, 8); break;
    case kFlowEndNanoseconds: time(1, kNs, 8); break;
    case kFlowStartSysUpTime: time(0, kSysUp, 4); break;
    case kFlowEndSysUpTime: time(1, kSysUp, 4); break;
    case kFlowStartDeltaMicroseconds: time(0, kDelta, 4); break;
    case kFlowEndDeltaMicroseconds: time(1, kDelta, 4); break;
    default:
      if (dir == 1) return registry_field(id, pen, len);
      switch (id) {
        case kSourceIPv4Address: exact(Op::src4, 4); break;
        case kDestinationIPv4Address: exact(Op::dst4, 4); break;
        case kSourceIPv6Address: exact(Op::src6, 16); break;
        case kDestinationIPv6Address: exact(Op::dst6, 16); break;
        case kSourceTransportPort:
        case kUdpSourcePort:
        case kTcpSourcePort: num(Op::sport, 2); break;
        case kDestinationTransportPort:
        case kUdpDestinationPort:
        case kTcpDestinationPort: num(Op::dport, 2); break;
        case kProtocolIdentifier: num(Op::proto, 1); break;
        case kIpVersion: num(Op::ipver, 1); break;
        case kIngressInterface: num(Op::ingress, 4); break;
        case kVlanId:
        case kDot1qVlanId: num(Op::vlan, 2); break;
        case kFlowId: num(Op::flow_id); break;
        case kFlowEndReason: num(Op::end_reason, 1); break;
        case kIcmpTypeCodeIPv4:
        case kIcmpTypeCodeIPv6: num(Op::icmp_tc, 2); break;
        case kIcmpTypeIPv4:
        case kIcmpTypeIPv6: num(Op::icmp_type, 1); break;
        case kIcmpCodeIPv4:
        case kIcmpCodeIPv6: num(Op::icmp_code, 1); break;
        case kSystemInitTimeMilliseconds: exact(Op::init_time, 8); break;
        default: return registry_field(id, pen, len);
      }
  }
  return f;
}

EndReason end_reason_from_ipfix(uint64_t code) noexcept {
  switch (code) {
    case kEndActive: return EndReason::active;
    case kEndOfFlow: return EndReason::tcp_close;
    case kEndForced: return EndReason::eof;
    case kEndLackOfResources: return EndReason::evicted;
    default: return EndReason::idle;
  }
}

// NTP timestamp (RFC 5905: seconds since 1900 . fraction) -> ns since 1970, rounded.
inline uint64_t ntp_to_ns(uint64_t v) noexcept {
  const uint64_t sec = v >> 32;
  const uint64_t frac = v & 0xFFFFFFFFu;
  const uint64_t ns = (frac * 1'000'000'000ull + (1ull << 31)) >> 32;
  if (sec < kNtpToUnixSeconds) return 0;
  return (sec - kNtpToUnixSeconds) * 1'000'000'000ull + ns;
}

struct DomainKey {
  std::array<uint8_t, 16> addr{};
  uint32_t domain = 0;
  uint16_t version = 0;
  uint8_t v6 = 0;
  friend bool operator==(const DomainKey& a, const DomainKey& b) noexcept {
    return a.addr == b.addr && a.domain == b.domain && a.version == b.version && a.v6 == b.v6;
  }
};
struct DomainKeyHash {
  std::size_t operator()(const DomainKey& k) const noexcept {
    uint64_t h = 0xcbf29ce484222325ull;
    auto mix = [&](uint64_t v) { h = (h ^ v) * 0x100000001b3ull; };
    uint64_t a, b;
    std::memcpy(&a, k.addr.data(), 8);
    std::memcpy(&b, k.addr.data() + 8, 8);
    mix(a), mix(b), mix(uint64_t{k.domain} << 24 | uint64_t{k.version} << 8 | k.v6);
    return static_cast<std::size_t>(h ^ h >> 29);
  }
};

// A data set that came before its template.
struct PendingSet {
  uint16_t template_id;
  uint64_t export_ns;
  uint32_t sys_uptime_ms;
  std::vector<uint8_t> data;
};

struct Domain {
  ExporterStats st;
  std::unordered_map<uint16_t, Template> templates;
  bool have_init_time = false;
  uint64_t init_time_ms = 0;
  bool have_seq = false;
  uint32_t next_seq = 0;
  std::deque<PendingSet> pending;
  std::size_t pending_bytes = 0;
};

// Where a message's times are anchored.
struct MsgCtx {
  uint16_t version = 0;
  uint64_t export_ns = 0;       // header export time
  uint32_t sys_uptime_ms = 0;   // v9 header
};

struct RecordScratch {
  uint64_t t[2][2][kNumTimeKinds];
  uint8_t tmask[2][2];
  bool ipver = false, v4 = false, v6 = false, icmp = false, flow_id = false;
};

}  // namespace

std::string exporter_address_text(const ExporterAddress& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.addr.data(), buf, sizeof buf);
  return buf;
}

struct MessageDecoder::Impl {
  Limits limits;
  DecodeCounters total;
  std::unordered_map<DomainKey, Domain, DomainKeyHash> domains;
  uint64_t next_flow_id = 0;

  // The exporter domain's state, or nullptr (counted) when a new one would pass the
  // limit: a flood of spoofed source addresses cannot grow the collector without bound.
  Domain* domain(const ExporterAddress& from, uint16_t version, uint32_t id) {
    DomainKey k{from.addr, id, version, static_cast<uint8_t>(from.v6)};
    if (domains.size() >= limits.max_exporters && !domains.count(k)) {
      ++total.malformed[static_cast<std::size_t>(Malformed::exporter_limit)];
      return nullptr;
    }
    auto [it, fresh] = domains.try_emplace(k);
    if (fresh) {
      it->second.st.address = exporter_address_text(from);
      it->second.st.version = version;
      it->second.st.domain = id;
    }
    return &it->second;
  }

  void bad(DecodeCounters* d, Malformed m) {
    ++total.malformed[static_cast<std::size_t>(m)];
    if (d) ++d->malformed[static_cast<std::size_t>(m)];
  }

  void sequence(Domain& d, uint32_t seq, uint32_t advance) {
    if (d.have_seq && seq != d.next_seq) {
      const uint32_t gap = seq - d.next_seq;
      if (gap < 0x80000000u) {
        d.st.c.sequence_lost += gap;
        total.sequence_lost += gap;
      } else {
        ++d.st.c.sequence_resets;
        ++total.sequence_resets;
      }
    }
    d.have_seq = true;
    d.next_seq = seq + advance;
  }

  void decode_v5(const ExporterAddress& from, std::span<const uint8_t> m, std::vector<FlowRecord>& out);
  void decode_templated(const ExporterAddress& from, std::span<const uint8_t> m, std::vector<FlowRecord>& out);
  void template_set(Domain& d, uint16_t set_id, const uint8_t* p, std::size_t n, std::vector<FlowRecord>& out);
  // Returns the number of data records decoded (flow and options records).
  uint64_t data_set(Domain& d, const Template& t, const uint8_t* p, std::size_t n, const MsgCtx& ctx,
                    std::vector<FlowRecord>& out);
  void park(Domain& d, uint16_t id, const uint8_t* p, std::size_t n, const MsgCtx& ctx);
  void record_done(Domain& d, RecordScratch& s, FlowRecord& r, const MsgCtx& ctx);
};

MessageDecoder::MessageDecoder() : MessageDecoder(Limits{}) {}
MessageDecoder::MessageDecoder(const Limits& limits) : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
}
MessageDecoder::~MessageDecoder() = default;

const DecodeCounters& MessageDecoder::totals() const noexcept { return impl_->total; }

void MessageDecoder::count_malformed(const ExporterAddress& from, Malformed why) {
  // Attributed to the exporter's address alone: no header was read.
  if (Domain* d = impl_->domain(from, 0, 0)) impl_->bad(&d->st.c, why);
}

void MessageDecoder::decode(const ExporterAddress& from, std::span<const uint8_t> m,
                            std::vector<FlowRecord>& out) {
  Impl& s = *impl_;
  if (m.empty()) return count_malformed(from, Malformed::zero_length);
  if (m.size() < 2) return count_malformed(from, Malformed::too_short);
  switch (be16(m.data())) {
    case kVersionV5: return s.decode_v5(from, m, out);
    case kVersionV9:
    case kVersionIpfix: return s.decode_templated(from, m, out);
    default: return count_malformed(from, Malformed::bad_version);
  }
}

void MessageDecoder::Impl::decode_v5(const ExporterAddress& from, std::span<const uint8_t> m,
                                     std::vector<FlowRecord>& out) {
  if (m.size() < nfv5::kHeaderBytes) {
    if (Domain* d = domain(from, kVersionV5, 0)) bad(&d->st.c, Malformed::too_short);
    return;
  }
  const uint8_t* h = m.data();
  const uint16_t count = be16(h + 2);
  const uint32_t uptime = be32(h + 4);
  const uint64_t export_ns = uint64_t{be32(h + 8)} * 1'000'000'000ull + be32(h + 12);
  const uint32_t seq = be32(h + 16);
  Domain* dp = domain(from, kVersionV5, uint32_t{h[20]} << 8 | h[21]);
  if (!dp) return;
  Domain& d = *dp;
  if (nfv5::kHeaderBytes + std::size_t{count} * nfv5::kRecordBytes > m.size())
    return bad(&d.st.c, Malformed::length_mismatch);
  ++d.st.c.messages, ++total.messages;
  d.st.c.bytes += m.size(), total.bytes += m.size();
  sequence(d, seq, count);
  for (uint16_t i = 0; i < count; ++i) {
    const nfv5::Record v = nfv5::decode_record(h + nfv5::kHeaderBytes + std::size_t{i} * nfv5::kRecordBytes);
    FlowRecord& r = out.emplace_back();
    const nfv5::UptimeSpan t = nfv5::uptime_span(export_ns, uptime, v.first, v.last);
    nfv5::to_flow_record(v, t.first_ns, t.last_ns, r);
    r.flow_id = next_flow_id++;
    r.expiry_ns = export_ns;
  }
  d.st.c.records += count, total.records += count;
}

void MessageDecoder::Impl::decode_templated(const ExporterAddress& from, std::span<const uint8_t> m,
                                            std::vector<FlowRecord>& out) {
  const uint8_t* h = m.data();
  const uint16_t version = be16(h);
  const bool v9 = version == kVersionV9;
  const std::size_t hdr = v9 ? kV9HeaderBytes : kIpfixHeaderBytes;
  if (m.size() < hdr) {
    if (Domain* d = domain(from, version, 0)) bad(&d->st.c, Malformed::too_short);
    return;
  }
  MsgCtx ctx;
  ctx.version = version;
  uint32_t seq, dom;
  std::size_t end = m.size();
  if (v9) {
    ctx.sys_uptime_ms = be32(h + 4);
    ctx.export_ns = uint64_t{be32(h + 8)} * 1'000'000'000ull;
    seq = be32(h + 12);
    dom = be32(h + 16);
  } else {
    ctx.export_ns = uint64_t{be32(h + 4)} * 1'000'000'000ull;
    seq = be32(h + 8);
    dom = be32(h + 12);
  }
  Domain* dp = domain(from, version, dom);
  if (!dp) return;
  Domain& d = *dp;
  if (!v9 && be16(h + 2) != m.size()) return bad(&d.st.c, Malformed::length_mismatch);
  ++d.st.c.messages, ++total.messages;
  d.st.c.bytes += m.size(), total.bytes += m.size();

  uint64_t data_records = 0;
  bool unknown_sets = false;
  std::size_t at = hdr;
  while (end - at >= kSetHeaderBytes) {
    const uint16_t id = be16(h + at);
    const uint16_t len = be16(h + at + 2);
    if (len < kSetHeaderBytes) {
      // NetFlow v9 may pad the packet; a zero tail is padding, not a set.
      if (v9 && id == 0 && len == 0 && std::all_of(h + at, h + end, [](uint8_t b) { return b == 0; })) break;
      bad(&d.st.c, Malformed::set_too_short);
      break;
    }
    if (len > end - at) {
      bad(&d.st.c, Malformed::set_past_end);
      break;
    }
    const uint8_t* body = h + at + kSetHeaderBytes;
    const std::size_t n = len - kSetHeaderBytes;
    const bool tmpl = v9 ? id == kV9TemplateSet || id == kV9OptionsTemplateSet
                         : id == kIpfixTemplateSet || id == kIpfixOptionsTemplateSet;
    if (tmpl) {
      template_set(d, id, body, n, out);
    } else if (id >= kMinDataSetId) {
      const auto it = d.templates.find(id);
      if (it == d.templates.end()) {
        park(d, id, body, n, ctx);
        unknown_sets = true;
      } else {
        data_records += data_set(d, it->second, body, n, ctx, out);
      }
    }
    // Set ids 4..255 are reserved: skipped.
    at += len;
  }
  // IPFIX sequence numbers count data records, v9 ones export packets. Records in sets
  // we could not decode are unknown, so such a message does not advance the check.
  if (unknown_sets) {
    d.have_seq = false;
  } else {
    sequence(d, seq, v9 ? 1 : static_cast<uint32_t>(data_records));
  }
}

void MessageDecoder::Impl::template_set(Domain& d, uint16_t set_id, const uint8_t* p, std::size_t n,
                                        std::vector<FlowRecord>& out) {
  const bool v9 = d.st.version == kVersionV9;
  const bool options = v9 ? set_id == kV9OptionsTemplateSet : set_id == kIpfixOptionsTemplateSet;
  std::size_t at = 0;
  // A record needs at least id + count; shorter tails are padding.
  while (n - at >= 4) {
    const uint16_t tid = be16(p + at);
    const uint16_t count = be16(p + at + 2);  // v9 options: scope length in bytes
    if (tid == 0 && count == 0) break;        // zero padding
    if (!v9 && count == 0) {
      // IPFIX withdrawal: one template, or all of this set's kind when tid == set id.
      if (tid == set_id) {
        for (auto it = d.templates.begin(); it != d.templates.end();) {
          if (it->second.options == options) {
            it = d.templates.erase(it);
            ++d.st.c.templates_withdrawn, ++total.templates_withdrawn;
          } else {
            ++it;
          }
        }
      } else if (d.templates.erase(tid)) {
        ++d.st.c.templates_withdrawn, ++total.templates_withdrawn;
      }
      at += 4;
      continue;
    }
    std::size_t fields_at = at + 4;
    uint16_t n_fields = count;
    uint16_t n_scope = 0;
    if (options) {
      if (n - at < 6) {
        bad(&d.st.c, Malformed::template_truncated);
        return;
      }
      if (v9) {
        // v9 options: scope length, option length (bytes, 4 per field).
        const uint16_t scope_len = count, opt_len = be16(p + at + 4);
        n_scope = static_cast<uint16_t>(scope_len / 4);
        n_fields = static_cast<uint16_t>(n_scope + opt_len / 4);
      } else {
        n_scope = be16(p + at + 4);
      }
      fields_at = at + 6;
    }
    if (n_fields == 0) {
      bad(&d.st.c, Malformed::template_no_fields);
      return;
    }
    if (tid < kMinDataSetId) {
      bad(&d.st.c, Malformed::template_bad_id);
      return;
    }
    Template t;
    t.options = options;
    t.ops.reserve(n_fields);
    t.spec.reserve(n_fields);
    std::size_t q = fields_at;
    bool bad_field = false;
    for (uint16_t i = 0; i < n_fields; ++i) {
      if (n - q < 4) {
        bad(&d.st.c, Malformed::template_truncated);
        return;
      }
      uint16_t id = be16(p + q);
      const uint16_t len = be16(p + q + 2);
      q += 4;
      uint32_t pen = 0;
      if (!v9 && (id & kEnterpriseBit)) {
        if (n - q < 4) {
          bad(&d.st.c, Malformed::template_truncated);
          return;
        }
        pen = be32(p + q);
        q += 4;
        id &= static_cast<uint16_t>(~kEnterpriseBit);
      }
      if (len == 0 || (v9 && len == kVariableLength)) bad_field = true;
      t.spec.push_back(uint64_t{pen} << 32 | uint64_t{id} << 16 | len);
      // Scope fields of options templates are never flow fields.
      FieldOp f = options && i < n_scope ? FieldOp{.len = len} : compile_field(id, pen, len);
      if (options && f.op != Op::init_time) f.op = Op::skip;
      if (len == kVariableLength) {
        t.variable = true;
        t.min_bytes += 1;
      } else {
        t.min_bytes += len;
      }
      t.ops.push_back(f);
    }
    if (bad_field || t.min_bytes == 0) {
      bad(&d.st.c, Malformed::template_bad_field);
      return;
    }
    ++d.st.c.templates, ++total.templates;
    auto [it, fresh] = d.templates.try_emplace(tid);
    if (!fresh && it->second.spec != t.spec) ++d.st.c.templates_changed, ++total.templates_changed;
    it->second = std::move(t);
    // Data that came first: decode it now, in arrival order.
    for (auto pi = d.pending.begin(); pi != d.pending.end();) {
      if (pi->template_id != tid) {
        ++pi;
        continue;
      }
      MsgCtx ctx{d.st.version, pi->export_ns, pi->sys_uptime_ms};
      data_set(d, it->second, pi->data.data(), pi->data.size(), ctx, out);
      ++d.st.c.sets_decoded_late, ++total.sets_decoded_late;
      d.pending_bytes -= pi->data.size();
      pi = d.pending.erase(pi);
    }
    at = q;
  }
}

void MessageDecoder::Impl::park(Domain& d, uint16_t id, const uint8_t* p, std::size_t n, const MsgCtx& ctx) {
  ++d.st.c.sets_without_template, ++total.sets_without_template;
  if (n > limits.max_pending_bytes || limits.max_pending_sets == 0) {
    ++d.st.c.sets_dropped, ++total.sets_dropped;
    return;
  }
  while (!d.pending.empty() &&
         (d.pending.size() >= limits.max_pending_sets || d.pending_bytes + n > limits.max_pending_bytes)) {
    d.pending_bytes -= d.pending.front().data.size();
    d.pending.pop_front();
    ++d.st.c.sets_dropped, ++total.sets_dropped;
  }
  d.pending.push_back({id, ctx.export_ns, ctx.sys_uptime_ms, std::vector<uint8_t>(p, p + n)});
  d.pending_bytes += n;
}

uint64_t MessageDecoder::Impl::data_set(Domain& d, const Template& t, const uint8_t* p, std::size_t n,
                                        const MsgCtx& ctx, std::vector<FlowRecord>& out) {
  uint64_t produced = 0, produced_options = 0;
  std::size_t at = 0;
  while (n - at >= t.min_bytes) {
    RecordScratch s;
    std::memset(&s.tmask, 0, sizeof s.tmask);
    FlowRecord* r = nullptr;
    if (!t.options) r = &out.emplace_back();
    bool ok = true;
    for (const FieldOp& f : t.ops) {
      std::size_t len = f.len;
      if (len == kVariableLength) {
        if (n - at < 1) {
          ok = false;
          break;
        }
        len = p[at++];
        if (len == 255) {
          if (n - at < 2) {
            ok = false;
            break;
          }
          len = be16(p + at);
          at += 2;
        }
      }
      if (n - at < len) {
        ok = false;
        break;
      }
      const uint8_t* v = p + at;
      at += len;
      if (f.op == Op::skip) continue;
      if (f.op == Op::init_time) {
        d.have_init_time = true;
        d.init_time_ms = be64(v);
        continue;
      }
      FlowRecord& rec = *r;
      DirStats& ds = rec.dir[f.dir];
      const uint64_t x = f.op == Op::src6 || f.op == Op::dst6 || f.op == Op::src4 || f.op == Op::dst4
                             ? 0
                             : be_uint(v, len);
      switch (f.op) {
        case Op::src4: std::memcpy(rec.src_addr.data(), v, 4), s.v4 = true; break;
        case Op::dst4: std::memcpy(rec.dst_addr.data(), v, 4), s.v4 = true; break;
        case Op::src6: std::memcpy(rec.src_addr.data(), v, 16), s.v6 = true; break;
        case Op::dst6: std::memcpy(rec.dst_addr.data(), v, 16), s.v6 = true; break;
        case Op::sport: rec.src_port = static_cast<uint16_t>(x); break;
        case Op::dport: rec.dst_port = static_cast<uint16_t>(x); break;
        case Op::proto: rec.proto = static_cast<uint8_t>(x); break;
        case Op::ipver: rec.ip_version = static_cast<uint8_t>(x), s.ipver = true; break;
        case Op::ingress: rec.ingress_if = static_cast<uint32_t>(x); break;
        case Op::vlan: rec.vlan = static_cast<uint16_t>(x & 0x0FFF); break;
        case Op::flow_id: rec.flow_id = x, s.flow_id = true; break;
        case Op::end_reason: rec.end_reason = end_reason_from_ipfix(x); break;
        case Op::icmp_tc:
          rec.icmp_type = static_cast<uint8_t>(x >> 8), rec.icmp_code = static_cast<uint8_t>(x), s.icmp = true;
          break;
        case Op::icmp_type: rec.icmp_type = static_cast<uint8_t>(x), s.icmp = true; break;
        case Op::icmp_code: rec.icmp_code = static_cast<uint8_t>(x), s.icmp = true; break;
        case Op::packets: ds.packets = x; break;
        case Op::bytes: ds.ip_bytes = x; break;
        case Op::l2bytes: ds.l2_bytes = x; break;
        case Op::tcp_flags: ds.tcp_flags = static_cast<uint8_t>(x); break;
        case Op::tos: ds.tos = static_cast<uint8_t>(x); break;
        case Op::ttl_min: ds.ttl_min = static_cast<uint8_t>(x); break;
        case Op::ttl_max: ds.ttl_max = static_cast<uint8_t>(x); break;
        case Op::len_min: ds.ip_len_min_bytes = static_cast<uint32_t>(x); break;
        case Op::len_max: ds.ip_len_max_bytes = static_cast<uint32_t>(x); break;
        case Op::time:
          s.t[f.dir][f.end][f.kind] = x;
          s.tmask[f.dir][f.end] |= static_cast<uint8_t>(1u << f.kind);
          break;
        case Op::store: {
          // Little-endian host: the low f.kind bytes of x are the member's value.
          static_assert(std::endian::native == std::endian::little);
          std::memcpy(reinterpret_cast<char*>(&rec) + f.offset, &x, f.kind);
          break;
        }
        case Op::skip:
        case Op::init_time: break;
      }
    }
    if (!ok) {
      // A variable-length field ran past the set: this record is lost, the set ends.
      if (r) out.pop_back();
      bad(&d.st.c, Malformed::record_past_set);
      break;
    }
    if (t.options) {
      ++d.st.c.options_records, ++total.options_records;
      ++produced_options;
      continue;
    }
    record_done(d, s, *r, ctx);
    ++produced;
  }
  d.st.c.records += produced, total.records += produced;
  return produced + produced_options;
}

void MessageDecoder::Impl::record_done(Domain& d, RecordScratch& s, FlowRecord& r, const MsgCtx& ctx) {
  bool have[2][2] = {};
  uint64_t tns[2][2] = {};
  bool no_init = false;
  for (int dir = 0; dir < 2; ++dir) {
    for (int e = 0; e < 2; ++e) {
      const uint8_t m = s.tmask[dir][e];
      if (!m) continue;
      const int k = __builtin_ctz(m);  // best precision present
      const uint64_t v = s.t[dir][e][k];
      uint64_t ns = 0;
      switch (k) {
        case kNs:
        case kUs: ns = ntp_to_ns(v); break;
        case kMs: ns = v * 1'000'000ull; break;
        case kSec: ns = v * 1'000'000'000ull; break;
        case kSysUp:
          if (ctx.version == kVersionV9) {
            // boot + value, without v5's wrap corrections: as nfdump reads v9.
            ns = static_cast<uint64_t>(std::max<int64_t>(
                0, static_cast<int64_t>(ctx.export_ns) - int64_t{ctx.sys_uptime_ms} * 1'000'000 +
                       static_cast<int64_t>(v) * 1'000'000));
          } else {
            if (!d.have_init_time) no_init = true;
            ns = (d.init_time_ms + v) * 1'000'000ull;
          }
          break;
        case kDelta: ns = ctx.export_ns >= v * 1000 ? ctx.export_ns - v * 1000 : 0; break;
        default: break;
      }
      // 0 is "no packet in this direction" (weir's reverse times of a one-way flow).
      have[dir][e] = ns != 0;
      tns[dir][e] = ns;
    }
  }
  if (no_init) ++d.st.c.missing_init_time, ++total.missing_init_time;
  for (int dir = 0; dir < 2; ++dir) {
    r.dir[dir].first_ns = tns[dir][0];
    r.dir[dir].last_ns = tns[dir][1];
  }
  // The record spans both directions.
  bool any_start = false, any_end = false;
  for (int dir = 0; dir < 2; ++dir) {
    if (have[dir][0]) {
      r.start_ns = any_start ? std::min(r.start_ns, tns[dir][0]) : tns[dir][0];
      any_start = true;
    }
    if (have[dir][1]) {
      r.end_ns = any_end ? std::max(r.end_ns, tns[dir][1]) : tns[dir][1];
      any_end = true;
    }
  }
  if (!s.ipver) r.ip_version = s.v6 ? 6 : s.v4 ? 4 : 0;
  if ((r.proto == 1 || r.proto == 58) && !s.icmp && r.dst_port != 0) {
    // ICMP type and code in the destination port (NetFlow convention).
    r.icmp_type = static_cast<uint8_t>(r.dst_port >> 8);
    r.icmp_code = static_cast<uint8_t>(r.dst_port);
    r.src_port = r.dst_port = 0;
  }
  if (!s.flow_id) r.flow_id = next_flow_id;
  ++next_flow_id;
  r.expiry_ns = ctx.export_ns;
}

void MessageDecoder::finish() {
  Impl& s = *impl_;
  for (auto& [k, d] : s.domains) {
    d.st.c.sets_dropped += d.pending.size();
    s.total.sets_dropped += d.pending.size();
    d.pending.clear();
    d.pending_bytes = 0;
  }
}

CollectorStats MessageDecoder::stats() const {
  CollectorStats out;
  out.total = impl_->total;
  for (const auto& [k, d] : impl_->domains) out.exporters.push_back(d.st);
  std::sort(out.exporters.begin(), out.exporters.end(), [](const ExporterStats& a, const ExporterStats& b) {
    return std::tie(a.address, a.version, a.domain) < std::tie(b.address, b.version, b.domain);
  });
  return out;
}

}  // namespace weir
