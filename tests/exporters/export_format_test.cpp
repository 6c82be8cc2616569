// SPDX-License-Identifier: Apache-2.0
// IPFIX, NetFlow v9/v5 and JSON lines as sent: decoded from the wire by the templates the
// wire carries (wire_decode.hpp), over real UDP and TCP sockets on localhost and into
// files. Datagram sizes against the MTU, v5 counter splitting, sequence numbers,
// template refresh, determinism; JSON values against the CSV's.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cfloat>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "exporters/csv_format.hpp"
#include "exporters/ipfix_format.hpp"
#include "exporters/json_format.hpp"
#include "exporters/sink_registry.hpp"
#include "interop_util.hpp"
#include "wire_decode.hpp"

namespace weir {
namespace {

using test::ScratchDir;
using test::WireDecoder;
using test::WireMessage;
using test::WireRecord;

constexpr uint32_t kRev = fields::kPenReverse;

// Random records as a meter makes them: IPv4 or IPv6, ordered times, counts that fit
// their direction, sometimes no backward packets, some ICMP.
std::vector<FlowRecord> meter_like_records(std::size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<FlowRecord> v = test::random_records(n, seed);
  uint64_t t = 1'700'000'000'000'000'000ull;
  for (FlowRecord& r : v) {
    r.ip_version = rng() % 3 == 0 ? 6 : 4;
    if (r.ip_version == 4) {
      std::fill(r.src_addr.begin() + 4, r.src_addr.end(), 0);
      std::fill(r.dst_addr.begin() + 4, r.dst_addr.end(), 0);
    }
    t += rng() % 5'000'000'000;
    r.start_ns = t;
    r.end_ns = t + rng() % 100'000'000'000;
    r.expiry_ns = r.end_ns + 1;
    for (int d = 0; d < 2; ++d) {
      DirStats& s = r.dir[d];
      s.packets = (d == 1 && rng() % 4 == 0) ? 0 : 1 + rng() % 100'000;
      s.ip_bytes = s.packets * (40 + rng() % 1460);
      s.l2_bytes = s.ip_bytes + 14 * s.packets;
      s.ip_len_min_bytes = static_cast<uint32_t>(40 + rng() % 100);
      s.ip_len_max_bytes = static_cast<uint32_t>(1400 + rng() % 100);
      s.first_ns = s.packets ? r.start_ns + (d ? rng() % 1000 : 0) : 0;
      s.last_ns = s.packets ? r.end_ns - (d ? rng() % 1000 : 0) : 0;
      if (s.packets == 0) s = DirStats{};
    }
  }
  return v;
}

std::vector<WireMessage> decode_all(const std::vector<std::string>& msgs) {
  WireDecoder dec;
  std::vector<WireMessage> out;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    WireMessage m;
    EXPECT_TRUE(dec.decode(msgs[i], m)) << "message " << i << ": " << dec.error();
    out.push_back(std::move(m));
  }
  return out;
}

// An IPFIX file cut into its messages by their length fields.
std::vector<std::string> split_ipfix_stream(const std::string& s) {
  std::vector<std::string> out;
  std::size_t at = 0;
  while (at + 4 <= s.size()) {
    const auto len = static_cast<std::size_t>(test::be(s, at + 2, 2));
    if (len < 16 || at + len > s.size()) {
      ADD_FAILURE() << "bad message length " << len << " at byte " << at;
      break;
    }
    out.push_back(s.substr(at, len));
    at += len;
  }
  EXPECT_EQ(at, s.size());
  return out;
}

std::vector<WireRecord> all_records(const std::vector<WireMessage>& msgs) {
  std::vector<WireRecord> out;
  for (const WireMessage& m : msgs) out.insert(out.end(), m.records.begin(), m.records.end());
  return out;
}

SinkConfig config(std::string_view format, const std::string& dest, bool bidi = true) {
  SinkConfig c;
  EXPECT_TRUE(parse_sink_spec(format, dest, c));
  c.bidirectional = bidi;
  return c;
}

// Writes records in bursts of varying size, flushing now and then (as a live run does).
void export_records(const SinkConfig& cfg, const std::vector<FlowRecord>& recs,
                    SinkStats* stats = nullptr, uint64_t seed = 1) {
  std::unique_ptr<FlowSink> sink;
  Status s = open_sink(cfg, sink);
  ASSERT_TRUE(s) << s.message;
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < recs.size();) {
    const std::size_t n = std::min<std::size_t>(1 + rng() % 50, recs.size() - i);
    s = sink->write_burst(std::span(recs).subspan(i, n));
    ASSERT_TRUE(s) << s.message;
    if (rng() % 8 == 0) {
      ASSERT_TRUE(sink->flush());
    }
    i += n;
  }
  s = sink->finish();
  ASSERT_TRUE(s) << s.message;
  if (stats) *stats = sink->stats();
}

uint64_t ms(uint64_t ns) { return ns / 1'000'000; }

std::string addr_bytes(const FlowRecord& r, bool src) {
  const auto& a = src ? r.src_addr : r.dst_addr;
  return std::string(reinterpret_cast<const char*>(a.data()), r.ip_version == 4 ? 4 : 16);
}

TEST(IpfixExport, EveryRecordDecodesToItsFields) {
  ScratchDir dir;
  auto recs = meter_like_records(3000, 1);
  recs[5].proto = 1;
  recs[5].icmp_type = 8;
  recs[5].icmp_code = 3;
  export_records(config("ipfix", dir.file("f.ipfix")), recs);
  const auto msgs = decode_all(split_ipfix_stream(test::read_all(dir.file("f.ipfix"))));
  const auto got = all_records(msgs);
  ASSERT_EQ(got.size(), recs.size());
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const FlowRecord& r = recs[i];
    const WireRecord& w = got[i];
    SCOPED_TRACE("record " + std::to_string(i));
    const bool v6 = r.ip_version == 6;
    EXPECT_EQ(w.template_id, v6 ? 257 : 256);
    EXPECT_EQ(w.u(148), r.flow_id);
    EXPECT_EQ(w.u(152), ms(r.start_ns));
    EXPECT_EQ(w.u(153), ms(r.end_ns));
    EXPECT_EQ(w.u(156), ipfix::ntp_from_ns(r.start_ns));
    EXPECT_EQ(w.u(157), ipfix::ntp_from_ns(r.end_ns));
    EXPECT_EQ(w.bytes(v6 ? 27 : 8), addr_bytes(r, true));
    EXPECT_EQ(w.bytes(v6 ? 28 : 12), addr_bytes(r, false));
    EXPECT_FALSE(w.has(v6 ? 8 : 27));
    EXPECT_EQ(w.u(7), r.src_port);
    EXPECT_EQ(w.u(11), r.dst_port);
    EXPECT_EQ(w.u(4), r.proto);
    EXPECT_EQ(w.u(60), r.ip_version);
    EXPECT_EQ(w.u(58), r.vlan);
    EXPECT_EQ(w.u(10), r.ingress_if);
    EXPECT_EQ(w.u(136), fields::ipfix_end_reason(r.end_reason));
    EXPECT_EQ(w.u(14, fields::kPenCert), r.first_tcp_flags);
    const bool icmp = r.proto == 1 || r.proto == 58;
    EXPECT_EQ(w.u(v6 ? 139 : 32), icmp ? (r.icmp_type * 256u + r.icmp_code) : 0u);
    for (int d = 0; d < 2; ++d) {
      const uint32_t pen = d ? kRev : 0;
      const DirStats& s = r.dir[d];
      EXPECT_EQ(w.u(1, pen), s.ip_bytes);
      EXPECT_EQ(w.u(2, pen), s.packets);
      EXPECT_EQ(w.u(352, pen), s.l2_bytes);
      EXPECT_EQ(w.u(6, pen), s.tcp_flags);
      EXPECT_EQ(w.u(5, pen), s.tos);
      EXPECT_EQ(w.u(52, pen), s.ttl_min);
      EXPECT_EQ(w.u(53, pen), s.ttl_max);
      EXPECT_EQ(w.u(25, pen), s.ip_len_min_bytes);
      EXPECT_EQ(w.u(26, pen), s.ip_len_max_bytes);
    }
    // Backward first/last packet: reverse nanosecond elements only.
    EXPECT_EQ(w.u(156, kRev), ipfix::ntp_from_ns(r.dir[1].first_ns));
    EXPECT_EQ(w.u(157, kRev), ipfix::ntp_from_ns(r.dir[1].last_ns));
    EXPECT_FALSE(w.has(152, kRev));
    EXPECT_EQ(w.values.size(), 36u);  // 16 flow, 11 reverse, 9 forward elements
  }
  // A file: templates once, in the first message.
  EXPECT_EQ(msgs.front().set_ids.front(), 2);
  for (std::size_t i = 1; i < msgs.size(); ++i) {
    EXPECT_EQ(std::count(msgs[i].set_ids.begin(), msgs[i].set_ids.end(), 2), 0) << i;
  }
}

TEST(IpfixExport, ReverseElementsComeBeforeForwardOnesAndUnidirectionalHasNone) {
  for (bool bidi : {true, false}) {
    const ipfix::Template t = ipfix::make_template(ipfix::Protocol::ipfix, false, bidi);
    bool seen_forward_dir = false;
    std::size_t reverse = 0;
    for (const ipfix::TemplateElement& e : t.elements) {
      if (e.dir == 0) seen_forward_dir = true;
      if (e.dir == 1) {
        ++reverse;
        EXPECT_FALSE(seen_forward_dir) << e.id << ": nfdump would show the reverse value";
        EXPECT_EQ(e.pen, kRev);
      }
    }
    EXPECT_EQ(reverse, bidi ? 11u : 0u);
  }
}

TEST(IpfixExport, FileIsDeterministicAndAnEmptyOneHoldsTheTemplates) {
  ScratchDir dir;
  const auto recs = meter_like_records(500, 2);
  export_records(config("ipfix", dir.file("a.ipfix")), recs, nullptr, 1);
  export_records(config("ipfix", dir.file("b.ipfix")), recs, nullptr, 2);  // other bursts
  // Burst boundaries and flushes may end messages elsewhere; the records, templates
  // and headers derived from them must not depend on the run.
  const auto a = decode_all(split_ipfix_stream(test::read_all(dir.file("a.ipfix"))));
  const auto b = decode_all(split_ipfix_stream(test::read_all(dir.file("b.ipfix"))));
  ASSERT_EQ(all_records(a).size(), all_records(b).size());
  const auto ra = all_records(a);
  const auto rb = all_records(b);
  for (std::size_t i = 0; i < ra.size(); ++i) EXPECT_EQ(ra[i].values, rb[i].values) << i;
  export_records(config("ipfix", dir.file("c.ipfix")), recs, nullptr, 1);
  EXPECT_TRUE(test::read_all(dir.file("a.ipfix")) == test::read_all(dir.file("c.ipfix")));

  export_records(config("ipfix", dir.file("empty.ipfix")), {});
  const auto e = decode_all(split_ipfix_stream(test::read_all(dir.file("empty.ipfix"))));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].template_records, 2u);
  EXPECT_TRUE(e[0].records.empty());
}

struct DatagramCase {
  const char* format;
  uint32_t mtu;
};

class DatagramExport : public ::testing::TestWithParam<DatagramCase> {};

TEST_P(DatagramExport, StaysWithinTheMtuAndCountsEverything) {
  const DatagramCase c = GetParam();
  const std::string fmt = c.format;
  test::UdpCollector rx;
  SinkConfig cfg = config(fmt, rx.url());
  cfg.exp.mtu_bytes = c.mtu;
  cfg.exp.observation_domain = 0x1234;
  const auto recs = meter_like_records(1500, c.mtu);
  SinkStats st;
  rx.start();
  export_records(cfg, recs, &st, c.mtu);
  const std::vector<std::string> dgrams = rx.stop();
  ASSERT_EQ(dgrams.size(), st.messages);
  EXPECT_EQ(st.messages_lost, 0u);
  std::size_t bytes = 0;
  for (const std::string& d : dgrams) {
    EXPECT_LE(d.size(), c.mtu - 28u);
    bytes += d.size();
  }
  EXPECT_EQ(bytes, st.bytes);
  const auto msgs = decode_all(dgrams);
  const auto got = all_records(msgs);
  EXPECT_EQ(got.size(), st.export_records);
  std::size_t want_records = 0;
  uint64_t want_packets = 0;
  for (const FlowRecord& r : recs) {
    if (fmt == "netflow5" && r.ip_version != 4) continue;
    want_packets += r.dir[0].packets + r.dir[1].packets;
    want_records += fmt == "ipfix" ? 1 : (r.dir[0].packets != 0) + (r.dir[1].packets != 0);
  }
  EXPECT_EQ(got.size(), want_records);
  uint64_t packets = 0;
  for (const WireRecord& w : got) packets += w.u(2) + (w.has(2, kRev) ? w.u(2, kRev) : 0);
  EXPECT_EQ(packets, want_packets);
  // Sequence numbers: IPFIX counts data records, v9 packets, v5 flows.
  uint64_t before = 0;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    const uint64_t want = fmt == "netflow9" ? i : before;
    EXPECT_EQ(msgs[i].sequence, want) << "message " << i;
    before += msgs[i].records.size();
    if (fmt == "netflow5") {
      EXPECT_LE(msgs[i].records.size(), 30u);
      EXPECT_EQ(msgs[i].domain, 0x1234u);  // engine_type 0x12, engine_id 0x34
    } else {
      EXPECT_EQ(msgs[i].domain, 0x1234u);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Mtus, DatagramExport,
    ::testing::Values(DatagramCase{"ipfix", 576}, DatagramCase{"ipfix", 1500},
                      DatagramCase{"ipfix", 9000}, DatagramCase{"netflow9", 576},
                      DatagramCase{"netflow9", 1500}, DatagramCase{"netflow9", 9000},
                      DatagramCase{"netflow5", 576}, DatagramCase{"netflow5", 1500}),
    [](const auto& info) {
      return std::string(info.param.format) + "_" + std::to_string(info.param.mtu);
    });

// Arbitrary field values (random bits: any ip_version, huge counters and times, NaN
// doubles) at odd MTUs: every datagram within the MTU and decodable, every record
// either on the wire or counted as not exportable.
TEST(DatagramExport, ArbitraryRecordsNeverBreakTheEncoders) {
  const uint32_t mtus[] = {576, 577, 701, 1001, 1500, 4003, 9000};
  uint64_t seed = 100;
  for (const char* fmt : {"ipfix", "netflow9", "netflow5"}) {
    for (uint32_t mtu : mtus) {
      SCOPED_TRACE(std::string(fmt) + " mtu " + std::to_string(mtu));
      auto recs = test::random_records(300, ++seed);
      for (FlowRecord& r : recs) {
        for (DirStats& d : r.dir) {  // v5 splits per 2^32: keep the record count sane
          d.packets %= uint64_t{1} << 36;
          d.ip_bytes %= uint64_t{1} << 36;
        }
      }
      test::UdpCollector rx;
      SinkConfig cfg = config(fmt, rx.url());
      cfg.exp.mtu_bytes = mtu;
      SinkStats st;
      rx.start();
      export_records(cfg, recs, &st, seed);
      const std::vector<std::string> dgrams = rx.stop();
      ASSERT_EQ(dgrams.size(), st.messages);
      for (const std::string& d : dgrams) ASSERT_LE(d.size(), mtu - 28u);
      EXPECT_EQ(all_records(decode_all(dgrams)).size(), st.export_records);
      std::size_t not_ip = 0;
      for (const FlowRecord& r : recs) {
        const bool carried = std::string(fmt) == "netflow5" ? r.ip_version == 4
                                                            : r.ip_version == 4 || r.ip_version == 6;
        not_ip += !carried;
      }
      EXPECT_EQ(st.not_exported, not_ip);
      EXPECT_EQ(st.records + st.not_exported, recs.size());
    }
  }
}

TEST(DatagramExport, TemplatesAreResentOnceTheRefreshHasPassed) {
  for (const char* fmt : {"ipfix", "netflow9"}) {
    SCOPED_TRACE(fmt);
    test::UdpCollector rx;
    SinkConfig cfg = config(fmt, rx.url());
    cfg.exp.template_refresh_s = 60;
    // One record per 10 s of record time over 10 minutes, sent one per message.
    std::vector<FlowRecord> recs = meter_like_records(60, 3);
    for (std::size_t i = 0; i < recs.size(); ++i) {
      recs[i].start_ns = 1'700'000'000'000'000'000ull + i * 10'000'000'000ull;
      recs[i].end_ns = recs[i].start_ns + 1'000'000;
      for (DirStats& d : recs[i].dir) {
        if (d.packets == 0) continue;
        d.first_ns = recs[i].start_ns;
        d.last_ns = recs[i].end_ns;
      }
    }
    std::unique_ptr<FlowSink> sink;
    ASSERT_TRUE(open_sink(cfg, sink));
    rx.start();
    for (const FlowRecord& r : recs) {
      ASSERT_TRUE(sink->write_burst(std::span(&r, 1)));
      ASSERT_TRUE(sink->flush());
    }
    ASSERT_TRUE(sink->finish());
    const std::vector<std::string> dgrams = rx.stop();
    const auto msgs = decode_all(dgrams);
    std::vector<uint32_t> template_times;
    for (const WireMessage& m : msgs)
      if (m.template_records) template_times.push_back(m.export_time_s);
    ASSERT_EQ(template_times.size(), 10u);  // at 0 s, then every 60 s of 600
    for (std::size_t i = 1; i < template_times.size(); ++i)
      EXPECT_GE(template_times[i] - template_times[i - 1], 60u);
  }
}

TEST(Netflow9Export, OneRecordPerDirectionWithSwappedEndpoints) {
  test::UdpCollector rx;
  FlowRecord r = meter_like_records(1, 4)[0];
  r.proto = 1;
  r.icmp_type = 8;  // echo request: the backward record is the reply
  r.icmp_code = 0;
  r.dir[1] = r.dir[0];
  r.dir[1].packets = 3;
  r.dir[1].first_ns = r.start_ns + 5'000'000;
  rx.start();
  export_records(config("netflow9", rx.url()), {r});
  const std::vector<std::string> dgrams = rx.stop();
  const auto msgs = decode_all(dgrams);
  const auto got = all_records(msgs);
  ASSERT_EQ(got.size(), 2u);
  const bool v6 = r.ip_version == 6;
  EXPECT_EQ(got[0].bytes(v6 ? 27 : 8), addr_bytes(r, true));
  EXPECT_EQ(got[1].bytes(v6 ? 27 : 8), addr_bytes(r, false));
  EXPECT_EQ(got[1].u(7), r.dst_port);
  EXPECT_EQ(got[0].u(2), r.dir[0].packets);
  EXPECT_EQ(got[1].u(2), 3u);
  EXPECT_EQ(got[0].u(32), 8u * 256);
  EXPECT_EQ(got[1].u(32), 0u);  // echo reply
  // First/Last: ms of sysUptime; absolute = export time - uptime + value.
  const uint64_t boot_ms = uint64_t{msgs[0].export_time_s} * 1000 - msgs[0].uptime_ms;
  EXPECT_EQ(boot_ms + got[0].u(22), ms(r.dir[0].first_ns));
  EXPECT_EQ(boot_ms + got[0].u(21), ms(r.dir[0].last_ns));
  EXPECT_EQ(boot_ms + got[1].u(22), ms(r.dir[1].first_ns));
}

TEST(Netflow5Export, CountersPastTwoToThe32AreSplitIntoCountedRecords) {
  test::UdpCollector rx;
  FlowRecord r = meter_like_records(1, 5)[0];
  r.ip_version = 4;
  r.dir[0].packets = 3 * (uint64_t{1} << 32) + 7;  // 4 records by packets
  r.dir[0].ip_bytes = 9 * (uint64_t{1} << 32);      // 10 records by bytes (> 2^32-1 each)
  r.dir[1] = DirStats{};
  SinkStats st;
  rx.start();
  export_records(config("netflow5", rx.url()), {r}, &st);
  const std::vector<std::string> dgrams = rx.stop();
  const auto got = all_records(decode_all(dgrams));
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(st.split_records, 9u);
  EXPECT_EQ(st.export_records, 10u);
  EXPECT_EQ(st.records, 1u);
  uint64_t p = 0;
  uint64_t b = 0;
  for (const WireRecord& w : got) {
    EXPECT_LE(w.u(2), 0xFFFFFFFFu);
    EXPECT_LE(w.u(1), 0xFFFFFFFFu);
    EXPECT_GE(w.u(2), 1u);
    p += w.u(2);
    b += w.u(1);
    EXPECT_EQ(w.u(22), got[0].u(22));  // same First/Last
  }
  EXPECT_EQ(p, r.dir[0].packets);
  EXPECT_EQ(b, r.dir[0].ip_bytes);
}

TEST(Netflow5Export, Ipv6RecordsAreCountedNotExported) {
  test::UdpCollector rx;
  auto recs = meter_like_records(200, 6);
  std::size_t v6 = 0;
  for (const FlowRecord& r : recs) v6 += r.ip_version == 6;
  rx.start();
  std::unique_ptr<FlowSink> sink;
  ASSERT_TRUE(open_sink(config("netflow5", rx.url()), sink));
  ASSERT_TRUE(sink->write_burst(recs));
  ASSERT_TRUE(sink->finish());
  rx.stop();
  const SinkStats st = sink->stats();
  ASSERT_GT(v6, 0u);
  EXPECT_EQ(st.not_exported, v6);
  EXPECT_EQ(st.records, recs.size() - v6);
  EXPECT_NE(sink->summary().find(std::to_string(v6) + " records not exported (IPv6 in NetFlow v5)"),
            std::string::npos)
      << sink->summary();
}

TEST(UdpDestination, DatagramsNobodyReceivesAreCountedNotAnError) {
  const uint16_t port = test::free_port();  // nothing listens: ICMP port unreachable
  std::unique_ptr<FlowSink> sink;
  ASSERT_TRUE(open_sink(config("netflow5", "udp://127.0.0.1:" + std::to_string(port)), sink));
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(sink->write_burst(meter_like_records(40, 7 + i)));
    ASSERT_TRUE(sink->flush());
  }
  Status s = sink->finish();
  EXPECT_TRUE(s) << s.message;
  EXPECT_GT(sink->stats().messages_lost, 0u);
  EXPECT_NE(sink->summary().find("datagrams refused (no collector listening)"), std::string::npos);
}

// A local TCP listener that keeps everything it receives.
class TcpCollector {
 public:
  TcpCollector() {
    fd_ = test::bind_loopback(SOCK_STREAM, port_);
    ::listen(fd_, 1);
    thread_ = std::thread([this] {
      const int c = ::accept(fd_, nullptr, nullptr);
      char buf[65536];
      for (ssize_t n; (n = ::recv(c, buf, sizeof buf, 0)) > 0;) got_.append(buf, static_cast<std::size_t>(n));
      ::close(c);
    });
  }
  ~TcpCollector() {
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "tcp://127.0.0.1:" + std::to_string(port_); }
  std::string wait() {
    thread_.join();
    return got_;
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::string got_;
};

TEST(TcpExport, IpfixOverTcpIsTheFileStream) {
  ScratchDir dir;
  const auto recs = meter_like_records(4000, 8);
  TcpCollector rx;
  export_records(config("ipfix", rx.url()), recs);
  export_records(config("ipfix", dir.file("f.ipfix")), recs);
  EXPECT_TRUE(rx.wait() == test::read_all(dir.file("f.ipfix")));
}

TEST(TcpExport, CsvOverTcpIsTheFile) {
  ScratchDir dir;
  const auto recs = test::random_records(3000, 9);
  TcpCollector rx;
  export_records(config("csv", rx.url()), recs);
  export_records(config("csv", dir.file("f.csv")), recs);
  EXPECT_TRUE(rx.wait() == test::read_all(dir.file("f.csv")));
}

TEST(TcpDestination, NoListenerIsAClearOutputError) {
  const std::string url = "tcp://127.0.0.1:" + std::to_string(test::free_port(SOCK_STREAM));
  std::unique_ptr<FlowSink> sink;
  Status s = open_sink(config("ipfix", url), sink);
  EXPECT_EQ(s.code, Errc::io_error);
  EXPECT_EQ(s.origin, Origin::output);
  EXPECT_EQ(s.message, "connect " + url + ": Connection refused");
}

TEST(UdpDestination, AnUnresolvableHostIsAClearOutputError) {
  std::unique_ptr<FlowSink> sink;
  Status s = open_sink(config("ipfix", "udp://no-such-host.invalid:4739"), sink);
  EXPECT_EQ(s.code, Errc::io_error);
  EXPECT_EQ(s.message.rfind("udp://no-such-host.invalid:4739: cannot resolve 'no-such-host.invalid'", 0), 0u)
      << s.message;
}

TEST(DatagramExport, AnMtuTooSmallForARecordIsRefusedAtOpen) {
  SinkConfig cfg = config("ipfix", "udp://127.0.0.1:4739");
  cfg.exp.mtu_bytes = 200;  // parse_export_option refuses this; a direct config may not
  std::unique_ptr<FlowSink> sink;
  Status s = open_sink(cfg, sink);
  EXPECT_FALSE(s);
  EXPECT_NE(s.message.find("raise --mtu"), std::string::npos) << s.message;
}

// JSON lines: every key a CSV column in order, every value the CSV's (strings without
// their quotes, null where CSV is empty). A flat object with no escapes is all weir
// writes; the interoperability test checks it with Python's json module as well.
std::vector<std::pair<std::string, std::string>> json_pairs(const std::string& line) {
  std::vector<std::pair<std::string, std::string>> out;
  EXPECT_EQ(line.front(), '{');
  EXPECT_EQ(line.back(), '}');
  std::size_t at = 1;
  while (at < line.size() - 1) {
    const std::size_t kq = line.find('"', at + 1);
    const std::string key = line.substr(at + 1, kq - at - 1);
    at = kq + 2;  // past ':'
    std::string value;
    if (line[at] == '"') {
      const std::size_t vq = line.find('"', at + 1);
      value = line.substr(at + 1, vq - at - 1);
      at = vq + 1;
    } else {
      const std::size_t end = std::min(line.find(',', at), line.size() - 1);
      value = line.substr(at, end - at);
      if (value == "null") value.clear();
      at = end;
    }
    out.emplace_back(key, value);
    if (line[at] == ',') ++at;
  }
  return out;
}

TEST(JsonExport, LinesCarryTheCsvColumnsAndValues) {
  for (bool bidi : {true, false}) {
    ScratchDir dir;
    auto recs = test::random_records(2000, 10);
    recs[0].ip_version = 0;  // non-IP: null addresses
    test::write_records({.path = dir.file("f.csv"), .format = OutputFormat::csv, .bidirectional = bidi}, recs);
    test::write_records({.path = dir.file("f.json"), .format = OutputFormat::json, .bidirectional = bidi}, recs);
    const auto csv = test::read_csv(test::read_all(dir.file("f.csv")));
    const std::string json = test::read_all(dir.file("f.json"));
    std::size_t at = 0;
    for (std::size_t i = 1; i < csv.size(); ++i) {
      const std::size_t eol = json.find('\n', at);
      ASSERT_NE(eol, std::string::npos);
      const auto pairs = json_pairs(json.substr(at, eol - at));
      at = eol + 1;
      ASSERT_EQ(pairs.size(), csv[0].size());
      for (std::size_t c = 0; c < pairs.size(); ++c) {
        EXPECT_EQ(pairs[c].first, csv[0][c]);
        const std::string& want = csv[i][c];
        const bool non_finite = want == "nan" || want == "-nan" || want == "inf" || want == "-inf";
        EXPECT_EQ(pairs[c].second, non_finite ? "" : want) << csv[0][c] << " row " << i;
      }
    }
    EXPECT_EQ(at, json.size());
  }
}

TEST(JsonExport, WorstCaseRecordFitsTheBound) {
  const FlowRecord r = test::worst_case_record();
  std::string buf(2 * kJsonMaxRecordBytes, '\x7f');
  const std::size_t n = format_json_record(r, true, buf.data());
  EXPECT_GT(n, 4000u);
  EXPECT_LE(n, kJsonMaxRecordBytes);
  EXPECT_EQ(buf.find_first_not_of('\x7f', kJsonMaxRecordBytes), std::string::npos);
}

TEST(JsonExport, CanonicalKeyIsTheSameBothWays) {
  FlowRecord r = meter_like_records(1, 11)[0];
  const FlowKeyBytes k = canonical_flow_key(r);
  EXPECT_EQ(canonical_flow_key(ipfix::backward_as_forward(r)), k);
  r.src_port ^= 1;
  EXPECT_NE(canonical_flow_key(r), k);
}

}  // namespace
}  // namespace weir
