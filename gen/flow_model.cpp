// SPDX-License-Identifier: Apache-2.0
#include "gen/detail/flow_model.hpp"

#include <algorithm>

namespace weir::gen {

namespace {

enum Phase : uint8_t {
  kSyn, kSynAck, kAck3, kData, kFin1, kFin2, kLastAck, kRst,
  kDnsQuery, kDnsReply, kBulk, kEchoReq, kEchoReply, kDone_,
};

// Header bytes the line-rate fill subtracts: TCP without options (the frame builder
// drops them when fill_frame_bytes is set), UDP and ICMP echo 8.
constexpr uint16_t kTcpBareHeader = 20;
constexpr uint16_t kUdpHeader = 8;
// Client-side capture point: the client's ACK follows the SYN-ACK almost at once.
constexpr uint64_t kAck3DelayNs = 20'000;
constexpr uint64_t kAck3JitterNs = 30'000;
constexpr uint64_t kMinGapNs = 1'000;

uint16_t server_port_tcp(Rng& rng) noexcept {
  const uint32_t r = rng.below(100);
  if (r < 60) return 443;
  if (r < 85) return 80;
  if (r < 88) return 22;
  if (r < 90) return 25;
  if (r < 93) return 8080;
  return static_cast<uint16_t>(rng.range(1024, 32767));
}

}  // namespace

uint64_t FlowModel::data_packets(const SizeDist& d, Rng& rng) const noexcept {
  switch (d.kind) {
    case SizeDist::pareto: return std::max<uint64_t>(1, rng.pareto(d.scale, d.inv_alpha_q16, d.cap));
    case SizeDist::expo: return std::min<uint64_t>(1 + rng.expo(d.scale > 1 ? d.scale - 1 : 0), kEndless - 1);
    case SizeDist::endless: return kEndless;
    case SizeDist::by_duration: {
      const uint64_t dur = std::min(rng.expo(p_.mean_duration_ns), kMaxDurationNs);
      return std::clamp<uint64_t>(dur / std::max<uint64_t>(d.scale, 1), 2, kEndless - 1);
    }
  }
  return 1;
}

uint16_t FlowModel::payload(const Flow& f, uint16_t wanted, uint16_t l4_header_bytes) const noexcept {
  if (p_.fill_frame_bytes == 0) return wanted;
  const uint32_t hdrs = 14u + (f.vlan ? 4u : 0u) + (f.v6() ? 40u : 20u) + l4_header_bytes;
  return static_cast<uint16_t>(p_.fill_frame_bytes > hdrs ? p_.fill_frame_bytes - hdrs : 0);
}

uint64_t FlowModel::gap(const Flow& f, Rng& rng) const noexcept {
  if (f.gap_ns == 0) return 0;  // line rate: the round robin sets the pace
  return std::min(rng.expo(f.gap_ns), kMaxGapNs);
}

uint8_t FlowModel::end_phase(const Flow& f) const noexcept {
  switch (f.tcp_end) {
    case TcpEnd::fin: return kFin1;
    case TcpEnd::rst:
    case TcpEnd::refused: return kRst;
    case TcpEnd::open: break;
  }
  return kDone_;
}

void FlowModel::spawn(Flow& f, uint64_t serial, Rng& rng) const noexcept {
  f = Flow{};
  f.serial = serial;
  const uint32_t k = rng.u32();
  f.kind = k < p_.kind_cdf[0] ? FlowKind::tcp
           : k < p_.kind_cdf[1] ? FlowKind::dns
           : k < p_.kind_cdf[2] ? FlowKind::udp_bulk
                                : FlowKind::icmp;
  if (rng.chance(p_.ipv6_share)) f.bits |= kBitV6;
  if (rng.chance(p_.vlan_share)) f.vlan = static_cast<uint16_t>(rng.range(100, 131));
  f.rtt_ns = static_cast<uint32_t>(std::min<uint64_t>(rng.log_uniform(p_.rtt_lo_ns, p_.rtt_span_q32),
                                                      1'000'000'000));
  // Zipf-like popularity: P(server <= s) = log(s + 2) / log(n + 1).
  const uint64_t z = exp2_q32((static_cast<u128>(rng.u32()) * p_.server_span_q32) >> 32) >> 32;
  f.server = static_cast<uint32_t>(std::min<uint64_t>(z - 1, p_.n_servers - 1));

  uint64_t planned = 0;  // gaps over the flow's life that use gap_ns
  const SizeDist* size = nullptr;
  switch (f.kind) {
    case FlowKind::tcp: {
      f.proto = 6;
      f.sport = server_port_tcp(rng);
      const uint32_t e = rng.u32();
      f.tcp_end = e < p_.end_cdf[0] ? TcpEnd::fin
                  : e < p_.end_cdf[1] ? TcpEnd::rst
                  : e < p_.end_cdf[2] ? TcpEnd::open
                                      : TcpEnd::refused;
      if (rng.chance(prob_percent(50))) f.bits |= kBitRstServer;
      if (rng.chance(prob_percent(30))) f.bits |= kBitCloserServer;
      if (rng.chance(p_.upload_share)) f.bits |= kBitUpload;
      f.data_left = static_cast<uint32_t>(data_packets(p_.tcp_data, rng));
      f.cseq = rng.u32();
      f.sseq = rng.u32();
      f.phase = kSyn;
      size = &p_.tcp_data;
      planned = uint64_t{f.data_left} + 1;  // gaps drawn from gap_ns: after the ACK and each data packet
      break;
    }
    case FlowKind::dns:
      f.proto = 17;
      f.sport = 53;
      f.sseq = rng.u32() & 0xFFFF;
      if (!rng.chance(p_.dns_answered)) f.bits |= kBitUnanswered;
      f.phase = kDnsQuery;
      break;
    case FlowKind::udp_bulk:
      f.proto = 17;
      if (rng.chance(p_.unidir_share)) {
        f.bits |= kBitUnidir;
        f.sport = static_cast<uint16_t>(rng.range(8192, 16383) * 2);  // RTP: even ports
      } else {
        f.sport = 443;
      }
      if (rng.chance(p_.upload_share)) f.bits |= kBitUpload;
      f.data_left = static_cast<uint32_t>(data_packets(p_.bulk, rng));
      f.phase = kBulk;
      size = &p_.bulk;
      planned = f.data_left > 1 ? f.data_left - 1 : 1;
      break;
    case FlowKind::icmp:
      f.proto = f.v6() ? 58 : 1;
      f.data_left = rng.range(1, p_.echo_max_exchanges);
      if (rng.chance(p_.echo_unanswered)) f.bits |= kBitUnanswered;
      f.sseq = 1;
      f.phase = kEchoReq;
      break;
  }
  if (size != nullptr) {
    if (size->kind == SizeDist::endless || size->kind == SizeDist::by_duration) {
      f.gap_ns = p_.fixed_gap_ns;
    } else if (p_.mean_duration_ns != 0) {
      const uint64_t dur = std::min({rng.expo(p_.mean_duration_ns), 8 * p_.mean_duration_ns,
                                     kMaxDurationNs});
      f.gap_ns = std::max(dur / std::max<uint64_t>(planned, 1), kMinGapNs);
    }
  }
}

uint64_t FlowModel::step(Flow& f, Pkt& o, Rng& rng) const noexcept {
  o = Pkt{};
  ++f.n_sent;
  const bool v6 = f.v6();
  // seq/ack of a TCP segment from one side, advancing that side by `consumed`.
  auto tcp_side = [&f, &o](bool c2s, uint32_t consumed) {
    o.c2s = c2s;
    uint32_t& mine = c2s ? f.cseq : f.sseq;
    o.seq = mine;
    o.ack = c2s ? f.sseq : f.cseq;
    mine += consumed;
  };
  auto after_data = [&]() -> uint64_t {
    f.phase = end_phase(f);
    if (f.phase == kDone_) return kDone;
    return std::min<uint64_t>(f.rtt_ns / 2 + gap(f, rng), kMaxGapNs);
  };
  switch (f.phase) {
    case kSyn:
      o.tcp_flags = kTcpSyn;
      o.syn_opts = true;
      tcp_side(true, 1);
      o.ack = 0;
      if (f.tcp_end == TcpEnd::refused) {
        f.bits |= kBitRstServer;
        f.phase = kRst;
      } else {
        f.phase = kSynAck;
      }
      return f.rtt_ns;
    case kSynAck:
      o.tcp_flags = kTcpSyn | kTcpAck;
      o.syn_opts = true;
      tcp_side(false, 1);
      f.phase = kAck3;
      return p_.fill_frame_bytes ? 0 : kAck3DelayNs + rng.expo(kAck3JitterNs);
    case kAck3:
      o.tcp_flags = kTcpAck;
      tcp_side(true, 0);
      if (f.data_left == 0) return after_data();
      f.phase = kData;
      return gap(f, rng);
    case kData: {
      const bool bulk_c2s = f.bits & kBitUpload;
      const uint16_t mss = static_cast<uint16_t>(p_.mss_v4 - (v6 ? 20 : 0));
      if (f.bits & kBitAckPending) {
        f.bits &= static_cast<uint8_t>(~kBitAckPending);
        o.tcp_flags = kTcpAck;
        tcp_side(!bulk_c2s, 0);
      } else if (f.burst_left > 0) {
        const bool last = f.burst_left == 1;
        if (f.burst_left != kEndless) --f.burst_left;
        o.tcp_flags = last ? kTcpAck | kTcpPsh : kTcpAck;
        const uint16_t want = last ? static_cast<uint16_t>(rng.range(1, mss)) : mss;
        const uint16_t len = payload(f, want, kTcpBareHeader);
        tcp_side(bulk_c2s, len);
        o.payload_bytes = len;
        if (++f.unacked >= 2 || last) {
          f.bits |= kBitAckPending;
          f.unacked = 0;
        }
      } else {  // a new request; the answer is a burst of segments
        o.tcp_flags = kTcpAck | kTcpPsh;
        const uint16_t len = payload(f, static_cast<uint16_t>(rng.range(60, 700)), kTcpBareHeader);
        tcp_side(!bulk_c2s, len);
        o.payload_bytes = len;
        f.burst_left = static_cast<uint32_t>(std::max<uint64_t>(data_packets(p_.burst, rng), 1));
      }
      if (f.data_left != kEndless && --f.data_left == 0) return after_data();
      return gap(f, rng);
    }
    case kFin1: {
      o.tcp_flags = kTcpFin | kTcpAck;
      tcp_side(!(f.bits & kBitCloserServer), 1);
      f.phase = kFin2;
      return f.rtt_ns;
    }
    case kFin2:
      o.tcp_flags = kTcpFin | kTcpAck;
      tcp_side((f.bits & kBitCloserServer) != 0, 1);
      if (p_.skip_last_ack) return kDone;
      f.phase = kLastAck;
      return f.rtt_ns / 2 + 10'000;  // <= 0.11 s: inside weir's close grace
    case kLastAck:
      o.tcp_flags = kTcpAck;
      tcp_side(!(f.bits & kBitCloserServer), 0);
      return kDone;
    case kRst:
      o.tcp_flags = kTcpRst | kTcpAck;
      tcp_side(!(f.bits & kBitRstServer), 0);
      return kDone;
    case kDnsQuery:
      o.c2s = true;
      o.seq = f.sseq;
      o.payload_bytes = std::max<uint16_t>(12, payload(f, static_cast<uint16_t>(12 + rng.range(16, 48)), kUdpHeader));
      if (f.bits & kBitUnanswered) return kDone;
      f.phase = kDnsReply;
      return f.rtt_ns;
    case kDnsReply:
      o.c2s = false;
      o.seq = f.sseq;
      o.payload_bytes = std::max<uint16_t>(12, payload(f, static_cast<uint16_t>(12 + rng.range(32, 468)), kUdpHeader));
      return kDone;
    case kBulk: {
      const bool up = f.bits & kBitUpload;
      if (f.bits & kBitUnidir) {
        o.c2s = true;
        o.payload_bytes = payload(f, 172, kUdpHeader);
      } else if (rng.chance(p_.bulk_big_share)) {
        o.c2s = up;
        const uint16_t cut = v6 ? 20 : 0;
        o.payload_bytes = payload(
            f, static_cast<uint16_t>(rng.range(p_.bulk_lo - cut, p_.bulk_hi - cut)), kUdpHeader);
      } else {
        o.c2s = !up;
        o.payload_bytes = payload(f, static_cast<uint16_t>(rng.range(25, 60)), kUdpHeader);
      }
      if (f.data_left != kEndless && --f.data_left == 0) return kDone;
      return gap(f, rng);
    }
    case kEchoReq:
      o.c2s = true;
      o.seq = f.sseq;
      o.payload_bytes = payload(f, 56, kUdpHeader);
      if (f.data_left == 1 && (f.bits & kBitUnanswered)) return kDone;
      f.phase = kEchoReply;
      return f.rtt_ns;
    case kEchoReply:
      o.c2s = false;
      o.seq = f.sseq;
      o.payload_bytes = payload(f, 56, kUdpHeader);
      if (--f.data_left == 0) return kDone;
      ++f.sseq;
      f.phase = kEchoReq;
      return p_.echo_interval_ns > f.rtt_ns + kMinGapNs ? p_.echo_interval_ns - f.rtt_ns : kMinGapNs;
    default: break;
  }
  return kDone;
}

}  // namespace weir::gen
