// SPDX-License-Identifier: Apache-2.0
// Reporter behaviour on traces built in code: half-open detection, the finish classes,
// interval boundaries and connection timeouts on trace time, the target filter, IPv6,
// UDP/ICMP totals, the destination rule, and no allocation per packet. Each SENSS bug of
// SEEDS.md section 3 has a test named for it.
#include <gtest/gtest.h>


#include "report/format.hpp"
#include "report_test_util.hpp"

namespace weir::report::test {
uint64_t allocations();  // alloc_counter.cpp: operator new calls so far
namespace {

const Endpoint C{"10.0.0.1", 40000};
const Endpoint S{"10.0.0.2", 80};
constexpr uint64_t kMs = 1'000'000;

ReportConfig cfg(uint64_t interval_s, uint64_t timeout_s) {
  ReportConfig c;
  c.interval_ns = interval_s * kSec;
  c.conn_timeout_ns = timeout_s * kSec;
  c.max_conns = 1 << 16;
  return c;
}

Endpoint client(uint16_t port) { return {"10.0.0.1", port}; }
Endpoint server(uint16_t port) { return {"10.0.0.2", port}; }

// SENSS bug: "half-open lists never reset" -- a connection half-open across three
// intervals counts once in each of them, never accumulating.
TEST(ReporterHalfOpen, CountedOnceInEachIntervalItIsSeenHalfOpen) {
  Trace t;
  t.tcp(1 * kSec, C, S, kSyn).tcp(1 * kSec + kMs, S, C, kSynAck).tcp(12 * kSec, S, C, kSynAck);
  t.udp(25 * kSec, {"10.9.9.9", 53}, {"10.9.9.8", 53});
  const TraceRun r = run_trace(t, cfg(10, 30));
  ASSERT_EQ(r.reports().size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const DestRow* row = r.row(i, "10.0.0.2", 80);
    ASSERT_NE(row, nullptr) << i;
    EXPECT_EQ(row->half_open, 1u) << i;
    EXPECT_EQ(row->ongoing, 0u) << i;
    EXPECT_EQ(r.reports()[i].tcp.half_open, 1u) << i;
  }
  EXPECT_EQ(r.row(0, "10.0.0.2", 80)->new_connections, 1u);
  EXPECT_EQ(r.row(2, "10.0.0.2", 80)->finished[static_cast<int>(FinishClass::timed_out)], 1u);  // end of input
  EXPECT_EQ(r.rep->totals().half_open_connections, 1u);
  EXPECT_EQ(r.rep->totals().tcp.half_open, 1u);  // peak
}

// A half-open connection that times out inside an interval is counted there, even
// though it is gone when the interval ends (a SYN flood shorter than the interval).
TEST(ReporterHalfOpen, TimedOutHalfOpenCountsInTheIntervalItEnds) {
  Trace t;
  t.tcp(1 * kSec, C, S, kSyn).tcp(1 * kSec + kMs, S, C, kSynAck);
  t.udp(70 * kSec, {"10.9.9.9", 53}, {"10.9.9.8", 53});
  const TraceRun r = run_trace(t, cfg(60, 5));
  ASSERT_EQ(r.reports().size(), 2u);
  const DestRow* row = r.row(0, "10.0.0.2", 80);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->half_open, 1u);
  EXPECT_EQ(row->finished[static_cast<int>(FinishClass::timed_out)], 1u);
  EXPECT_EQ(row->durations.max_ns, kMs);
  EXPECT_TRUE(r.reports()[1].rows.empty());
  EXPECT_EQ(r.rep->totals().half_open_connections, 1u);
}

// The half-open test needs the client's SYN, the server's SYN-ACK and then no plain ACK
// and no payload (SENSS's ACK/data event); payload counts even without ACK or PSH.
TEST(ReporterHalfOpen, AckPushOrPayloadMakesItOngoing) {
  Trace t;
  for (uint16_t port : {81, 82, 83, 84}) {
    t.tcp(port * kMs, client(40000), server(port), kSyn);
    t.tcp(port * kMs + 100, server(port), client(40000), kSynAck);
  }
  t.tcp(200 * kMs, client(40000), server(81), kAck);          // plain ACK
  t.tcp(200 * kMs, client(40000), server(82), kPsh, 10);      // data with PSH, no ACK
  t.tcp(200 * kMs, client(40000), server(83), 0, 10);         // payload, no flags at all
  t.tcp(200 * kMs, client(40000), server(84), kSynAck);       // a retransmitted SYN-ACK: still half-open
  t.udp(61 * kSec, {"10.9.9.9", 53}, {"10.9.9.8", 53});       // closes interval 0
  const TraceRun r = run_trace(t, cfg(60, 300));
  for (uint16_t port : {81, 82, 83}) {
    ASSERT_NE(r.row(0, "10.0.0.2", port), nullptr) << port;
    EXPECT_EQ(r.row(0, "10.0.0.2", port)->ongoing, 1u) << port;
    EXPECT_EQ(r.row(0, "10.0.0.2", port)->half_open, 0u) << port;
  }
  EXPECT_EQ(r.row(0, "10.0.0.2", 84)->half_open, 1u);
  EXPECT_EQ(r.reports()[0].tcp.half_open, 1u);
  EXPECT_EQ(r.reports()[0].tcp.ongoing, 3u);
}

// The server's SYN-ACK without the client's SYN (capture started late, or backscatter of
// a spoofed SYN flood) is not half-open: the handshake's first half was not seen.
TEST(ReporterHalfOpen, SynAckWithoutTheClientsSynIsSynOnly) {
  Trace t;
  t.tcp(0, S, C, kSynAck);
  const TraceRun r = run_trace(t, cfg(60, 5));
  const DestRow* row = r.row(0, "10.0.0.2", 80);  // the SYN-ACK's sender is the server
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->half_open, 0u);
  EXPECT_EQ(row->syn_only, 1u);
}

// SENSS bug: uninitialised flag bits made every flow look established. A lone SYN is an
// unanswered attempt, never ongoing.
TEST(ReporterSennsBugs, UninitialisedFlagsNoLongerMakeASynOngoing) {
  Trace t;
  for (uint16_t port = 1; port <= 50; ++port) t.tcp(port * kMs, client(40000), server(port), kSyn);
  t.udp(61 * kSec, {"10.9.9.9", 53}, {"10.9.9.8", 53});
  const TraceRun r = run_trace(t, cfg(60, 300));
  EXPECT_EQ(r.reports()[0].tcp.ongoing, 0u);
  EXPECT_EQ(r.reports()[0].tcp.syn_only, 50u);
  EXPECT_EQ(r.reports()[0].tcp.half_open, 0u);
  EXPECT_EQ(r.reports()[0].tcp.new_connections, 50u);
}

// Finish classes, first match wins: RST (whatever else), FIN without SYN, SYN and FIN,
// timed out.
TEST(ReporterFinish, EachClassFromItsFlags) {
  Trace t;
  // 1: full connection torn down by RST after FIN.
  t.handshake(0, client(40001), server(1));
  t.tcp(10 * kMs, client(40001), server(1), kFin | kAck).tcp(11 * kMs, server(1), client(40001), kRst);
  // 2: mid-stream (no SYN seen), FIN.
  t.tcp(0, client(40002), server(2), kAck, 100).tcp(10 * kMs, client(40002), server(2), kFin | kAck);
  // 3: handshake, FIN both ways.
  t.handshake(0, client(40003), server(3));
  t.tcp(10 * kMs, client(40003), server(3), kFin | kAck).tcp(11 * kMs, server(3), client(40003), kFin | kAck);
  // 4: handshake and data, never closed.
  t.handshake(0, client(40004), server(4));
  t.tcp(10 * kMs, client(40004), server(4), kAck | kPsh, 500);
  // 5: SYN answered by RST (a closed port).
  t.tcp(0, client(40005), server(5), kSyn).tcp(1 * kMs, server(5), client(40005), kRst | kAck);
  t.udp(30 * kSec, {"10.9.9.9", 53}, {"10.9.9.8", 53});
  const TraceRun r = run_trace(t, cfg(60, 5));
  ASSERT_EQ(r.reports().size(), 1u);
  const auto fin = [&](uint16_t port, FinishClass c) {
    const DestRow* row = r.row(0, "10.0.0.2", port);
    return row ? row->finished[static_cast<int>(c)] : 999;
  };
  EXPECT_EQ(fin(1, FinishClass::rst), 1u);
  EXPECT_EQ(fin(2, FinishClass::fin_no_syn), 1u);
  EXPECT_EQ(fin(3, FinishClass::syn_fin), 1u);
  EXPECT_EQ(fin(4, FinishClass::timed_out), 1u);
  EXPECT_EQ(fin(5, FinishClass::rst), 1u);
  const TcpTotals& tot = r.reports()[0].tcp;
  EXPECT_EQ(tot.finished, (std::array<uint64_t, 4>{2, 1, 1, 1}));
  EXPECT_EQ(r.rep->durations(FinishClass::rst).count(), 2u);
  EXPECT_EQ(r.row(0, "10.0.0.2", 4)->durations.max_ns, 10 * kMs);
}

// While FIN or RST is seen but the connection has not timed out, it is "closing"
// (SENSS listed it as ongoing).
TEST(ReporterFinish, FinOrRstBeforeTheTimeoutIsClosing) {
  Trace t;
  t.handshake(0, C, S);
  t.tcp(10 * kMs, C, S, kFin | kAck);
  t.udp(10 * kSec + 1, {"10.9.9.9", 53}, {"10.9.9.8", 53});
  const TraceRun r = run_trace(t, cfg(10, 30));
  EXPECT_EQ(r.row(0, "10.0.0.2", 80)->closing, 1u);
  EXPECT_EQ(r.row(0, "10.0.0.2", 80)->ongoing, 0u);
}

// SENSS bug: intervals on the wall clock. Here every boundary is a packet timestamp:
// [anchor + k * interval, anchor + (k + 1) * interval), anchored at the first packet.
TEST(ReporterTime, IntervalsAreHalfOpenRangesOfTraceTime) {
  Trace t;
  const Endpoint a{"10.9.9.9", 53}, b{"10.9.9.8", 53};
  t.udp(0, a, b).udp(60 * kSec - 1, a, b).udp(60 * kSec, a, b).udp(600 * kSec + 5, a, b);
  const TraceRun r = run_trace(t, cfg(60, 5));
  ASSERT_EQ(r.reports().size(), 3u);
  EXPECT_EQ(r.reports()[0].index, 0u);
  EXPECT_EQ(r.reports()[0].start_ns, kT0);
  EXPECT_EQ(r.reports()[0].end_ns, kT0 + 60 * kSec);
  EXPECT_EQ(r.reports()[0].udp.packets, 2u);
  EXPECT_EQ(r.reports()[1].index, 1u);
  EXPECT_EQ(r.reports()[1].udp.packets, 1u);
  EXPECT_EQ(r.reports()[2].index, 10u);  // 2..9 had nothing: skipped
  EXPECT_TRUE(r.reports()[2].final);
  EXPECT_EQ(r.rep->totals().intervals, 3u);
  EXPECT_EQ(r.rep->totals().interval_span, 11u);
}

TEST(ReporterTime, AlignedIntervalsStartAtMultiplesOfTheInterval) {
  Trace t;
  t.udp(7 * kSec, {"10.9.9.9", 53}, {"10.9.9.8", 53}).udp(54 * kSec, {"10.9.9.9", 53}, {"10.9.9.8", 53});
  ReportConfig c = cfg(60, 5);
  c.align_to_interval = true;
  const TraceRun r = run_trace(t, c);
  ASSERT_EQ(r.reports().size(), 2u);  // kT0 + 7 s and + 54 s straddle a minute boundary
  EXPECT_EQ(r.reports()[0].start_ns % (60 * kSec), 0u);
  EXPECT_EQ(r.reports()[1].start_ns, r.reports()[0].end_ns);
}

// A connection finishes when more than the timeout passes after its last packet (SENSS:
// last < now - timeout): a packet exactly timeout later continues it.
TEST(ReporterTime, ConnectionTimeoutIsStrict) {
  Trace t;
  t.tcp(0, C, S, kAck).tcp(5 * kSec, C, S, kAck).tcp(10 * kSec + 1, C, S, kAck);
  const TraceRun r = run_trace(t, cfg(60, 5));
  const DestRow* row = r.row(0, "10.0.0.2", 80);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->new_connections, 2u);
  EXPECT_EQ(row->finished[static_cast<int>(FinishClass::timed_out)], 2u);
  EXPECT_EQ(row->durations.max_ns, 5 * kSec);
  EXPECT_EQ(row->durations.min_ns, 0u);
}

// A finish belongs to the interval holding last packet + timeout, found exactly at
// interval ends (not by a scan, and not one tick late).
TEST(ReporterTime, FinishIsCountedInTheIntervalOfLastPacketPlusTimeout) {
  for (const uint64_t last_ms : {4'999u, 5'000u, 5'001u}) {
    Trace t;
    t.tcp(0, C, S, kAck).tcp(last_ms * kMs, C, S, kAck);
    t.udp(25 * kSec, {"10.9.9.9", 53}, {"10.9.9.8", 53});
    const TraceRun r = run_trace(t, cfg(10, 5));
    // Finish at last + 5 s: 9.999 s -> interval 0; 10.000 s and 10.001 s -> interval 1.
    const std::size_t want = last_ms < 5'000 ? 0 : 1;
    const DestRow* row = r.row(want, "10.0.0.2", 80);
    ASSERT_NE(row, nullptr) << last_ms;
    EXPECT_EQ(row->finished[static_cast<int>(FinishClass::timed_out)], 1u) << last_ms;
    if (want == 1) {
      EXPECT_EQ(r.row(0, "10.0.0.2", 80)->ongoing, 1u) << last_ms;
    }
  }
}

// The burst size (how fast packets arrive in the reader) changes nothing.
TEST(ReporterTime, BurstSizeDoesNotChangeTheReport) {
  Trace t;
  for (uint16_t i = 0; i < 200; ++i) {
    const uint64_t at = i * 700 * kMs;
    t.handshake(at, client(static_cast<uint16_t>(20000 + i)), server(static_cast<uint16_t>(80 + i % 7)));
    if (i % 3) t.tcp(at + 5 * kMs, client(static_cast<uint16_t>(20000 + i)), server(static_cast<uint16_t>(80 + i % 7)), kFin | kAck);
  }
  const TraceRun a = run_trace(t, cfg(10, 5), 1);
  const TraceRun b = run_trace(t, cfg(10, 5), 256);
  ASSERT_EQ(a.reports().size(), b.reports().size());
  for (std::size_t i = 0; i < a.reports().size(); ++i) {
    const IntervalReport &x = a.reports()[i], &y = b.reports()[i];
    EXPECT_EQ(x.index, y.index);
    ASSERT_EQ(x.rows.size(), y.rows.size());
    for (std::size_t k = 0; k < x.rows.size(); ++k) {
      EXPECT_EQ(x.rows[k].dest, y.rows[k].dest);
      EXPECT_EQ(x.rows[k].ongoing, y.rows[k].ongoing);
      EXPECT_EQ(x.rows[k].half_open, y.rows[k].half_open);
      EXPECT_EQ(x.rows[k].finished, y.rows[k].finished);
      EXPECT_EQ(x.rows[k].durations.cdf.size(), y.rows[k].durations.cdf.size());
    }
  }
}

// SENSS put a flow seen without its SYN under whichever side had the higher port (the
// client's ephemeral port, usually). The server is the side with the lower port.
TEST(ReporterDestination, WithoutASynTheLowerPortIsTheServer) {
  Trace t;
  t.tcp(0, {"10.0.0.2", 443}, {"10.0.0.1", 50000}, kAck, 1000);  // server speaks first
  t.tcp(1 * kMs, {"10.0.0.1", 50000}, {"10.0.0.2", 443}, kAck);
  const TraceRun r = run_trace(t, cfg(60, 5));
  ASSERT_EQ(r.reports()[0].rows.size(), 1u);
  EXPECT_EQ(address_text(r.reports()[0].rows[0].dest), "10.0.0.2");
  EXPECT_EQ(r.reports()[0].rows[0].dest.port, 443);
  EXPECT_EQ(r.reports()[0].rows[0].packets, 2u);
}

// SENSS bug: -d appended "dst <target>" to the filter and lost the replies. --target keeps
// both directions (the SYN-ACK makes the connection half-open, the ACK ongoing) and lists
// only destinations inside the target.
TEST(ReporterTarget, KeepsBothDirectionsAndListsOnlyTheTarget) {
  Trace t;
  t.tcp(0, C, S, kSyn).tcp(1 * kMs, S, C, kSynAck);                    // to the target: half-open
  t.handshake(2 * kMs, {"10.0.0.2", 50000}, {"10.7.7.7", 443});        // the target as client
  t.handshake(3 * kMs, {"10.9.9.9", 1234}, {"10.8.8.8", 22});          // unrelated
  ReportConfig c = cfg(60, 5);
  ASSERT_TRUE(Target::parse("10.0.0.2", c.target));
  const TraceRun r = run_trace(t, c);
  ASSERT_EQ(r.reports().size(), 1u);
  ASSERT_EQ(r.reports()[0].rows.size(), 1u);
  const DestRow& row = r.reports()[0].rows[0];
  EXPECT_EQ(address_text(row.dest), "10.0.0.2");
  EXPECT_EQ(row.half_open, 1u);  // in the final interval's live count
  EXPECT_EQ(row.packets, 2u);
  EXPECT_EQ(r.rep->stats().outside_target, 3u);
  EXPECT_EQ(r.reports()[0].tcp.packets, 5u);  // to or from the target, either role
}

TEST(ReporterTarget, NetworksAndIpv6) {
  Trace t;
  t.handshake(0, {"2001:db8:1::1", 50000}, {"2001:db8:2::5", 443});
  t.handshake(0, {"2001:db8:1::1", 50001}, {"2001:db9::5", 443});
  ReportConfig c = cfg(60, 5);
  ASSERT_TRUE(Target::parse("2001:db8:2::/48", c.target));
  const TraceRun r = run_trace(t, c);
  ASSERT_EQ(r.reports()[0].rows.size(), 1u);
  EXPECT_EQ(address_text(r.reports()[0].rows[0].dest), "2001:db8:2::5");
  EXPECT_EQ(r.reports()[0].rows[0].dest.ip_version, 6);
}

// SENSS bug: IPv4 only.
TEST(ReporterIpv6, ConnectionsAndIcmpv6AreReported) {
  Trace t;
  const Endpoint c6{"2001:db8::1", 50000}, s6{"2001:db8::2", 443};
  t.handshake(0, c6, s6);
  t.tcp(10 * kMs, c6, s6, kAck | kPsh, 300);
  t.icmp_echo(20 * kMs, "2001:db8::1", "2001:db8::2", false).icmp_echo(21 * kMs, "2001:db8::2", "2001:db8::1", true);
  const TraceRun r = run_trace(t, cfg(60, 5));
  const DestRow* row = r.row(0, "2001:db8::2", 443);
  ASSERT_NE(row, nullptr);
  EXPECT_EQ(row->dest.ip_version, 6);
  EXPECT_EQ(row->ongoing, 1u);
  EXPECT_EQ(r.reports()[0].icmp.packets, 2u);
  EXPECT_EQ(r.reports()[0].icmp.flows, 1u);  // request and reply are one flow
}

TEST(ReporterTotals, UdpAndIcmpFlowsPerInterval) {
  Trace t;
  const Endpoint a{"10.1.0.1", 5000}, b{"10.1.0.2", 53}, c{"10.1.0.3", 53};
  t.udp(0, a, b).udp(1 * kMs, b, a).udp(2 * kMs, a, c).udp(3 * kMs, {"10.1.0.1", 5001}, b);
  t.icmp_echo(4 * kMs, "10.1.0.1", "10.1.0.2", false);
  t.udp(11 * kSec, a, b);  // same flow, next interval
  const TraceRun r = run_trace(t, cfg(10, 30));
  ASSERT_EQ(r.reports().size(), 2u);
  EXPECT_EQ(r.reports()[0].udp.packets, 4u);
  EXPECT_EQ(r.reports()[0].udp.flows, 3u);
  EXPECT_EQ(r.reports()[0].udp.new_flows, 3u);
  EXPECT_EQ(r.reports()[0].icmp.flows, 1u);
  EXPECT_EQ(r.reports()[1].udp.flows, 1u);
  EXPECT_EQ(r.reports()[1].udp.new_flows, 0u);
  EXPECT_EQ(r.rep->totals().udp.flows, 3u);
  EXPECT_GT(r.reports()[0].udp.ip_bytes, 4u * 28);
}

TEST(ReporterTotals, IntervalsAddUpToTheRunAndRowsToTheInterval) {
  Trace t;
  for (uint16_t i = 0; i < 300; ++i) {
    const uint64_t at = i * 97 * kMs;
    const Endpoint c = client(static_cast<uint16_t>(10000 + i)), s = server(static_cast<uint16_t>(80 + i % 5));
    t.handshake(at, c, s);
    if (i % 4 == 0) t.tcp(at + 3 * kMs, s, c, kRst);
    if (i % 4 == 1) t.tcp(at + 3 * kMs, c, s, kFin | kAck).tcp(at + 4 * kMs, s, c, kFin | kAck);
  }
  const TraceRun r = run_trace(t, cfg(3, 5));
  uint64_t fresh = 0;
  std::array<uint64_t, 4> finished{};
  for (const IntervalReport& rep : r.reports()) {
    uint64_t row_new = 0;
    for (const DestRow& row : rep.rows) row_new += row.new_connections;
    EXPECT_EQ(row_new, rep.tcp.new_connections);
    fresh += rep.tcp.new_connections;
    for (int k = 0; k < 4; ++k) finished[k] += rep.tcp.finished[k];
  }
  EXPECT_EQ(fresh, 300u);
  EXPECT_EQ(finished, (std::array<uint64_t, 4>{75, 0, 75, 150}));
  EXPECT_EQ(r.rep->totals().tcp.new_connections, 300u);
  EXPECT_EQ(r.rep->totals().tcp.finished, finished);
  uint64_t per_dest = 0;
  for (const DestRunRow& d : r.rep->destinations()) per_dest += d.new_connections;
  EXPECT_EQ(per_dest, 300u);
  EXPECT_EQ(r.rep->durations().count(), 300u);
}

// Packets of live connections in steady state allocate nothing (SENSS: a shelve database
// write per packet).
TEST(ReporterCost, NoAllocationPerPacketInSteadyState) {
  Trace warm;
  for (uint16_t i = 0; i < 1000; ++i) warm.handshake(i * kMs, client(static_cast<uint16_t>(10000 + i)), server(80));
  Trace steady;
  for (int round = 0; round < 20; ++round)
    for (uint16_t i = 0; i < 1000; ++i)
      steady.tcp(2 * kSec + static_cast<uint64_t>(round) * 100 * kMs + i * 10'000,
                 client(static_cast<uint16_t>(10000 + i)), server(80), kAck | kPsh, 100);
  Collect sink;
  Reporter rep(cfg(60, 30), sink);
  Decoder dec(DecodeConfig{});
  const auto metas_of = [&](Trace& t) {
    std::vector<PacketMeta> v(t.records().size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      EXPECT_EQ(dec.decode(t.frames()[i].view(t.records()[i].ts_ns), 0, v[i]), DecodeOutcome::flow);
      v[i].ts_ns = t.records()[i].ts_ns;
    }
    return v;
  };
  Trace warm_sorted = warm.sorted();
  const std::vector<PacketMeta> w = metas_of(warm_sorted), s = metas_of(steady);
  rep.process_burst(w);
  const uint64_t before = allocations();
  for (std::size_t i = 0; i < s.size(); i += 256)
    rep.process_burst(std::span<const PacketMeta>(s.data() + i, std::min<std::size_t>(256, s.size() - i)));
  EXPECT_EQ(allocations() - before, 0u) << "allocations while metering 20000 packets of live connections";
  rep.finish();
  EXPECT_EQ(sink.reports.at(0).tcp.packets, 23000u);
}

}  // namespace
}  // namespace weir::report::test
