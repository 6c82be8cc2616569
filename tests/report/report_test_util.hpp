// SPDX-License-Identifier: Apache-2.0
// Helpers for the report tests: a trace built in code (TCP/UDP/ICMP packets between
// named endpoints at given trace times), run through the Decoder and a Reporter, or
// written as a pcap file for run_report and the weir binary.
#pragma once

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capture/decode/decoder.hpp"
#include "report/reporter.hpp"
#include "support/packet_builder.hpp"
#include "support/pcap_writer.hpp"

namespace weir::report::test {

using weir::test::kAck;
using weir::test::kFin;
using weir::test::kPsh;
using weir::test::kRst;
using weir::test::kSyn;
inline constexpr uint8_t kSynAck = kSyn | kAck;

inline constexpr uint64_t kSec = 1'000'000'000;
inline constexpr uint64_t kT0 = 1'700'000'000 * kSec;  // trace start of every synthetic trace

struct Endpoint {
  std::string addr;
  uint16_t port;
};

class Trace {
 public:
  // t_ns: offset from kT0.
  Trace& tcp(uint64_t t_ns, const Endpoint& src, const Endpoint& dst, uint8_t flags, std::size_t payload = 0) {
    weir::test::PacketBuilder b;
    ip(b.eth(), src.addr, dst.addr).tcp(src.port, dst.port, flags);
    if (payload) b.payload(payload);
    return add(t_ns, b);
  }
  Trace& udp(uint64_t t_ns, const Endpoint& src, const Endpoint& dst, std::size_t payload = 20) {
    weir::test::PacketBuilder b;
    ip(b.eth(), src.addr, dst.addr).udp(src.port, dst.port).payload(payload);
    return add(t_ns, b);
  }
  Trace& icmp_echo(uint64_t t_ns, const std::string& src, const std::string& dst, bool reply, uint16_t id = 7) {
    weir::test::PacketBuilder b;
    const bool v6 = src.find(':') != std::string::npos;
    ip(b.eth(), src, dst);
    if (v6) {
      b.icmp6(reply ? 129 : 128, 0, id, 1);
    } else {
      b.icmp(reply ? 0 : 8, 0, id, 1);
    }
    b.payload(56);
    return add(t_ns, b);
  }
  // A frame that is not IP (ARP): read, decoded as not_ip.
  Trace& arp(uint64_t t_ns) {
    weir::test::PacketBuilder b;
    b.eth().ethertype(0x0806).payload(28);
    return add(t_ns, b);
  }
  // Client SYN, server SYN-ACK, client ACK at t, t + 1 ms, t + 2 ms.
  Trace& handshake(uint64_t t_ns, const Endpoint& c, const Endpoint& s) {
    tcp(t_ns, c, s, kSyn);
    tcp(t_ns + 1'000'000, s, c, kSynAck);
    return tcp(t_ns + 2'000'000, c, s, kAck);
  }

  // The same packets in time order (stable).
  Trace sorted() const {
    std::vector<std::size_t> order(recs_.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return recs_[a].ts_ns < recs_[b].ts_ns; });
    Trace t;
    for (std::size_t i : order) {
      t.recs_.push_back(recs_[i]);
      t.frames_.push_back(frames_[i]);
    }
    return t;
  }

  const std::vector<weir::test::PcapRecord>& records() const { return recs_; }
  std::vector<weir::test::Frame>& frames() { return frames_; }
  const std::vector<weir::test::Frame>& frames() const { return frames_; }
  bool write(const std::string& path) const { return weir::test::write_pcap(path, sorted().recs_); }

 private:
  static weir::test::PacketBuilder& ip(weir::test::PacketBuilder& b, const std::string& s, const std::string& d) {
    return s.find(':') != std::string::npos ? b.ipv6(s, d) : b.ipv4(s, d);
  }
  Trace& add(uint64_t t_ns, const weir::test::PacketBuilder& b) {
    weir::test::Frame f = b.build();
    recs_.push_back({kT0 + t_ns, f.bytes, f.wire_len});
    frames_.push_back(std::move(f));
    return *this;
  }
  std::vector<weir::test::PcapRecord> recs_;
  std::vector<weir::test::Frame> frames_;
};

struct Collect final : ReportSink {
  std::vector<IntervalReport> reports;
  void interval(const IntervalReport& r) override { reports.push_back(r); }
};

struct TraceRun {
  std::unique_ptr<Collect> sink = std::make_unique<Collect>();
  std::unique_ptr<Reporter> rep;
  const std::vector<IntervalReport>& reports() const { return sink->reports; }
  // The row of dest (address text, port) in report i, or nullptr.
  const DestRow* row(std::size_t i, std::string_view addr, uint16_t port) const;
};

// Decodes every frame (in time order) and feeds the Reporter in bursts of `burst`,
// then finish().
TraceRun run_trace(const Trace& t, const ReportConfig& cfg = {}, std::size_t burst = 64);

}  // namespace weir::report::test
