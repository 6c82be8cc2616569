// SPDX-License-Identifier: Apache-2.0
// Flow model of `weir gen`: the per-flow state machine that decides, packet by packet,
// who sends what and how long until the next packet. Owned by one generator run.
//
// Design: a Flow is one cache line (64 bytes) and holds only what the state machine
// needs; addresses are not stored but derived from `serial` (a bijection onto client
// address + port, see addressing.hpp), so 1M concurrent flows cost 64 MB. The same
// machine drives both schedulers: the timed one (mixed, churn, elephants) uses the
// returned delay, the line-rate round robin ignores it. Kinds and their packets:
//   tcp       SYN, SYN-ACK, ACK, request/response exchanges (receiver ACKs every second
//             segment), then FIN/FIN/ACK, RST, nothing (left open), or SYN -> RST (refused)
//   dns       query (c2s), usually a reply (s2c) one RTT later
//   udp_bulk  bidirectional (QUIC-like, mostly s2c) or one-way (RTP-like, c2s only)
//   icmp      echo request/reply pairs, one identifier (= the client port), 1 s apart
// Invariants the ground truth relies on (weir: idle 300 s, tcp-close-grace 1 s):
// every delay is <= kMaxGapNs (30 s); after the second FIN only the last ACK follows,
// within RTT/2 + 10 us <= 0.11 s; nothing follows a RST.
#pragma once

#include <cstdint>

#include "gen/detail/fixed_math.hpp"

namespace weir::gen {

inline constexpr uint64_t kMaxGapNs = 30'000'000'000ull;     // < weir's idle timeout / 10
inline constexpr uint64_t kMaxDurationNs = 1'500'000'000'000ull;  // < weir's active timeout
inline constexpr uint64_t kDone = UINT64_MAX;                // step(): flow finished
inline constexpr uint32_t kEndless = UINT32_MAX;             // data_left: never runs out

enum class FlowKind : uint8_t { tcp, dns, udp_bulk, icmp };
enum class TcpEnd : uint8_t { fin, rst, open, refused };

// Packet count distribution of one kind.
struct SizeDist {
  enum Kind : uint8_t { pareto, expo, endless, by_duration } kind = pareto;
  uint64_t scale = 1;               // pareto: xm; expo: mean; by_duration: ns per packet
  uint32_t inv_alpha_q16 = 65536;   // pareto: 65536 / alpha
  uint64_t cap = 1;                 // pareto: largest value
};

// Everything the state machine reads from the profile; fixed for a run.
struct ModelParams {
  ProbQ32 kind_cdf[4] = {};          // cumulative shares of tcp, dns, udp_bulk, icmp
  ProbQ32 ipv6_share = 0;
  ProbQ32 vlan_share = 0;
  ProbQ32 end_cdf[4] = {};           // cumulative shares of TcpEnd fin, rst, open, refused
  ProbQ32 upload_share = 0;          // tcp: the client sends the bulk
  ProbQ32 unidir_share = 0;          // udp_bulk: one-way (RTP-like)
  ProbQ32 bulk_big_share = 0;        // udp_bulk two-way: share of big datagrams (bulk side)
  ProbQ32 dns_answered = 0;
  ProbQ32 echo_unanswered = 0;       // the last echo request gets no reply
  SizeDist tcp_data;                 // data-phase packets of a tcp flow
  SizeDist bulk;                     // packets of a udp_bulk flow
  SizeDist burst;                    // segments per response
  uint64_t rtt_lo_ns = 200'000;      // RTT is log-uniform in [lo, lo * 2^span)
  uint64_t rtt_span_q32 = 0;
  uint64_t mean_duration_ns = 0;     // tcp / udp_bulk lifetime (exponential), 0 = use gap
  uint64_t fixed_gap_ns = 0;         // mean packet spacing when sizes are endless/by_duration
  uint64_t echo_interval_ns = 1'000'000'000;
  uint32_t echo_max_exchanges = 6;
  uint16_t mss_v4 = 1448;            // TCP payload per full segment (v6: 20 less)
  uint16_t bulk_lo = 1200, bulk_hi = 1350;  // udp_bulk big datagrams (v6: 20 less)
  uint16_t fill_frame_bytes = 0;     // line rate: data packets sized to fill this frame
  bool skip_last_ack = false;        // line rate with a long round: stop after FIN-FIN
  uint32_t n_servers = 40'000;       // server popularity is Zipf-like over this many
  uint64_t server_span_q32 = 0;      // log2(n_servers + 1)
};

// Flow::bits
enum : uint8_t {
  kBitV6 = 1,
  kBitUpload = 2,        // tcp: client is the bulk sender
  kBitCloserServer = 4,  // tcp: server sends the first FIN
  kBitRstServer = 8,     // tcp: server sends the RST
  kBitUnidir = 16,       // udp_bulk: one-way
  kBitUnanswered = 32,   // dns: no reply; icmp: last request unanswered
  kBitAckPending = 64,   // tcp: receiver owes an ACK
};

// Flow::wrote: what reached the capture (ground truth of this flow).
enum : uint8_t {
  kWroteC2s = 1,
  kWroteS2c = 2,
  kWroteSyn = 4,
  kWroteFinC = 8,
  kWroteFinS = 16,
  kWroteRst = 32,
};

struct alignas(64) Flow {
  uint64_t serial = 0;       // unique per file: the client endpoint, hashes
  uint64_t gap_ns = 0;       // mean spacing of data packets
  uint32_t server = 0;       // server index
  uint32_t rtt_ns = 0;
  uint32_t data_left = 0;    // tcp/bulk: data packets left; icmp: exchanges left
  uint32_t burst_left = 0;   // tcp: segments left in the current response
  uint32_t cseq = 0;         // tcp: client's next sequence number
  uint32_t sseq = 0;         // tcp: server's next seq; dns: id; icmp: echo sequence
  uint32_t n_sent = 0;       // packets produced (written or not)
  uint16_t sport = 0;
  uint16_t vlan = 0;         // 0 = untagged
  FlowKind kind = FlowKind::tcp;
  uint8_t phase = 0;
  TcpEnd tcp_end = TcpEnd::open;
  uint8_t bits = 0;
  uint8_t unacked = 0;
  uint8_t wrote = 0;
  uint8_t proto = 0;         // IP protocol number
  bool v6() const noexcept { return bits & kBitV6; }
};
static_assert(sizeof(Flow) == 64, "a Flow must stay one cache line");

// One packet as decided by the state machine; the frame builder turns it into bytes.
struct Pkt {
  uint32_t seq = 0;          // tcp: seq; icmp: echo sequence; dns: id
  uint32_t ack = 0;          // tcp
  uint16_t payload_bytes = 0;
  uint8_t tcp_flags = 0;
  bool c2s = true;
  bool syn_opts = false;
};

inline constexpr uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpPsh = 0x08,
                         kTcpAck = 0x10;

class FlowModel {
 public:
  explicit FlowModel(const ModelParams& p) noexcept : p_(p) {}

  // Sets up a new flow; its first packet is due now.
  void spawn(Flow& f, uint64_t serial, Rng& rng) const noexcept;
  // Produces the flow's next packet into out and returns the delay to the one after it,
  // or kDone when this was the last packet.
  uint64_t step(Flow& f, Pkt& out, Rng& rng) const noexcept;

  const ModelParams& params() const noexcept { return p_; }

 private:
  uint64_t data_packets(const SizeDist& d, Rng& rng) const noexcept;
  uint16_t payload(const Flow& f, uint16_t wanted, uint16_t l4_header_bytes) const noexcept;
  uint64_t gap(const Flow& f, Rng& rng) const noexcept;
  uint8_t end_phase(const Flow& f) const noexcept;

  ModelParams p_;
};

}  // namespace weir::gen
