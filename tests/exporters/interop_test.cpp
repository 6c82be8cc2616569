// SPDX-License-Identifier: Apache-2.0
// weir's exports read by independent implementations: nfcapd/nfdump (IPFIX biflows,
// NetFlow v9 and v5 over UDP) gives the same flows, packets, bytes and first/last times
// (ms) as weir's own output for real captures; tshark dissects IPFIX, v9 and v5 with no
// malformed packet or expert warning; libfixbuf reads the .ipfix file; Python's json
// module reads the JSON lines. Records come from the built `weir` metering the shared
// captures. Each test skips, saying why, when a tool or the captures are missing (CI
// installs them: scripts/deps.sh).
#include <arpa/inet.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "exporters/binary_reader.hpp"
#include "exporters/csv_format.hpp"
#include "exporters/ipfix_format.hpp"
#include "exporters/sink_registry.hpp"
#include "interop_util.hpp"
#include "support/captures.hpp"
#if WEIR_HAVE_FIXBUF
#include "fixbuf_read.hpp"
#endif

namespace weir {
namespace {

using test::ScratchDir;

const std::vector<std::string> kCaptures = {
    "mixed/netflix.pcap",          "mixed/iphone.pcap",   "tcp/workshop_2011_browse.pcap",
    "tcp/weibo.pcap",              "udp/DnsPackets.pcap", "icmp/5-pings.pcap",
    "icmp/communityid-icmp6.pcap", "ipv6/http_ipv6.pcap", "vlan/http-vlan-0.pcap"};

std::string weir_bin() {
  const char* b = std::getenv("WEIR_BIN");
  return b ? b : "";
}

#define REQUIRE_TOOL(var, name)                                                      \
  const std::string var = test::find_program(name);                                  \
  if (var.empty()) GTEST_SKIP() << name << " not installed (scripts/deps.sh installs it)"

// The captures and the built weir that meters them.
#define REQUIRE_METERED_CAPTURES()                                                    \
  WEIR_REQUIRE_CAPTURES();                                                           \
  if (weir_bin().empty()) GTEST_SKIP() << "WEIR_BIN not set (meson sets it)"

// weir's records for a capture, through its binary output; and the check that they
// are what weir's CSV says (weir cat of the binary file == weir -F csv).
struct Metered {
  std::vector<FlowRecord> records;
  bool bidirectional = true;
};

Metered meter(const ScratchDir& dir, const std::string& capture) {
  Metered m;
  const std::string in = test::captures_dir() + "/" + capture;
  const std::string bin = dir.file("m.bin");
  const std::string csv = dir.file("m.csv");
  std::string err;
  EXPECT_EQ(test::run({weir_bin(), "-r", in, "-F", "bin", "-o", bin, "-q", "-w", "1"}, dir, nullptr, &err), 0)
      << err;
  EXPECT_EQ(test::run({weir_bin(), "-r", in, "-F", "csv", "-o", csv, "-q", "-w", "1"}, dir, nullptr, &err), 0)
      << err;
  Status s = read_flow_file(bin, m.bidirectional, m.records);
  EXPECT_TRUE(s) << s.message;
  EXPECT_TRUE(cat_flow_file(bin, dir.file("cat.csv")));
  EXPECT_TRUE(test::read_all(dir.file("cat.csv")) == test::read_all(csv)) << capture;
  return m;
}

// Sends records through a sink in bursts of 16, letting a collector keep up.
void send_paced(const SinkConfig& cfg, const std::vector<FlowRecord>& recs) {
  std::unique_ptr<FlowSink> sink;
  Status s = open_sink(cfg, sink);
  ASSERT_TRUE(s) << s.message;
  for (std::size_t i = 0; i < recs.size(); i += 16) {
    s = sink->write_burst(std::span(recs).subspan(i, std::min<std::size_t>(16, recs.size() - i)));
    ASSERT_TRUE(s) << s.message;
    ASSERT_TRUE(sink->flush());
    std::this_thread::sleep_for(std::chrono::microseconds(300));
  }
  s = sink->finish();
  ASSERT_TRUE(s) << s.message;
  EXPECT_EQ(sink->stats().messages_lost, 0u);
}

std::string addr_text(const std::array<uint8_t, 16>& a, uint8_t ip_version) {
  char buf[64];
  char* end = ip_version == 4 ? format_ipv4(a.data(), buf) : format_ipv6(a.data(), buf);
  return std::string(buf, end);
}

// nfdump's address text back through inet_pton, so both sides print alike.
std::string normalize_addr(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  std::array<uint8_t, 16> a{};
  if (inet_pton(AF_INET, s.c_str(), a.data()) == 1) return addr_text(a, 4);
  if (inet_pton(AF_INET6, s.c_str(), a.data()) == 1) return addr_text(a, 6);
  return "?" + s;
}

std::string trim(const std::string& s) {
  const std::size_t b = s.find_first_not_of(' ');
  const std::size_t e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// "2017-01-13 14:50:32.896" (UTC) -> ms since the epoch.
uint64_t parse_utc_ms(const std::string& t) {
  std::tm tm{};
  const char* rest = strptime(t.c_str(), "%Y-%m-%d %H:%M:%S", &tm);
  if (!rest || *rest != '.') return 0;
  return static_cast<uint64_t>(timegm(&tm)) * 1000 + std::stoull(rest + 1);
}

// One flow as nfdump prints it: first|last|sa|sp|da|dp|proto|ipkt|ibyt|opkt|obyt.
std::string flow_row(uint64_t first_ms, uint64_t last_ms, const std::string& sa, const std::string& sp,
                     const std::string& da, const std::string& dp, unsigned proto, uint64_t ipkt,
                     uint64_t ibyt, uint64_t opkt, uint64_t obyt) {
  return std::to_string(first_ms) + "|" + std::to_string(last_ms) + "|" + sa + "|" + sp + "|" + da +
         "|" + dp + "|" + std::to_string(proto) + "|" + std::to_string(ipkt) + "|" +
         std::to_string(ibyt) + "|" + std::to_string(opkt) + "|" + std::to_string(obyt);
}

// What nfdump must show for weir's records in a format: IPFIX one biflow per record;
// v9 and v5 one flow per direction (v5: IPv4 only). ICMP: nfdump prints type.code as
// the destination port.
std::vector<std::string> expected_rows(const std::vector<FlowRecord>& recs, const std::string& fmt) {
  std::vector<std::string> out;
  auto ports = [](const FlowRecord& r, std::string& sp, std::string& dp) {
    if (r.proto == 1 || r.proto == 58) {
      sp = "0";
      dp = std::to_string(r.icmp_type) + "." + std::to_string(r.icmp_code);
    } else {
      sp = std::to_string(r.src_port);
      dp = std::to_string(r.dst_port);
    }
  };
  for (const FlowRecord& r : recs) {
    std::string sp, dp;
    if (fmt == "ipfix") {
      ports(r, sp, dp);
      out.push_back(flow_row(r.start_ns / 1'000'000, r.end_ns / 1'000'000,
                             addr_text(r.src_addr, r.ip_version), sp,
                             addr_text(r.dst_addr, r.ip_version), dp, r.proto, r.dir[0].packets,
                             r.dir[0].ip_bytes, r.dir[1].packets, r.dir[1].ip_bytes));
      continue;
    }
    if (fmt == "netflow5" && r.ip_version != 4) continue;
    for (const FlowRecord& d : {r, ipfix::backward_as_forward(r)}) {
      if (d.dir[0].packets == 0) continue;
      ports(d, sp, dp);
      out.push_back(flow_row(d.dir[0].first_ns / 1'000'000, d.dir[0].last_ns / 1'000'000,
                             addr_text(d.src_addr, d.ip_version), sp,
                             addr_text(d.dst_addr, d.ip_version), dp, d.proto, d.dir[0].packets,
                             d.dir[0].ip_bytes, 0, 0));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> nfdump_rows(const std::string& nfdump, const ScratchDir& dir,
                                     const std::string& flows_dir) {
  ::setenv("TZ", "UTC", 1);
  std::string out, err;
  const int rc = test::run({nfdump, "-R", flows_dir, "-q", "-N", "-6", "-o",
                            "fmt:%ts|%te|%sa|%sp|%da|%dp|%pr|%ipkt|%ibyt|%opkt|%obyt"},
                           dir, &out, &err);
  EXPECT_EQ(rc, 0) << err;
  std::vector<std::string> rows;
  for (const auto& line : test::read_csv(out)) {  // one column: no commas in this format
    std::vector<std::string> f;
    std::size_t at = 0;
    const std::string& l = line[0];
    if (l.empty() || l == "No matching flows") continue;  // e.g. v5 of an IPv6 capture
    for (;;) {
      const std::size_t bar = l.find('|', at);
      f.push_back(trim(l.substr(at, bar - at)));
      if (bar == std::string::npos) break;
      at = bar + 1;
    }
    if (f.size() != 11) {
      ADD_FAILURE() << "nfdump line: " << l;
      continue;
    }
    rows.push_back(flow_row(parse_utc_ms(f[0]), parse_utc_ms(f[1]), normalize_addr(f[2]), f[3],
                            normalize_addr(f[4]), f[5], static_cast<unsigned>(std::stoul(f[6])),
                            std::stoull(f[7]), std::stoull(f[8]), std::stoull(f[9]),
                            std::stoull(f[10])));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

class NfdumpReads : public ::testing::TestWithParam<const char*> {};

TEST_P(NfdumpReads, TheSameFlowsPacketsBytesAndTimesAsWeir) {
  REQUIRE_METERED_CAPTURES();
  REQUIRE_TOOL(nfcapd, "nfcapd");
  REQUIRE_TOOL(nfdump, "nfdump");
  const std::string fmt = GetParam();
  for (const std::string& capture : kCaptures) {
    SCOPED_TRACE(capture);
    ScratchDir dir;
    const Metered m = meter(dir, capture);
    ASSERT_FALSE(m.records.empty());
    const std::string flows = dir.file("flows");
    ASSERT_EQ(::mkdir(flows.c_str(), 0700), 0);
    const uint16_t port = test::free_port();
    test::Nfcapd collector(nfcapd, flows, port, dir.file("nfcapd.log"));
    ASSERT_TRUE(collector.running()) << test::read_all(dir.file("nfcapd.log.err"));
    SinkConfig cfg;
    ASSERT_TRUE(parse_sink_spec(fmt, "udp://127.0.0.1:" + std::to_string(port), cfg));
    cfg.bidirectional = m.bidirectional;
    send_paced(cfg, m.records);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    collector.stop();
    const std::string log =
        test::read_all(dir.file("nfcapd.log")) + test::read_all(dir.file("nfcapd.log.err"));
    EXPECT_NE(log.find("Sequence Errors: 0, Bad Packets: 0"), std::string::npos) << log;
    const auto want = expected_rows(m.records, fmt);
    const auto got = nfdump_rows(nfdump, dir, flows);
    EXPECT_EQ(got.size(), want.size());
    EXPECT_EQ(got, want);
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, NfdumpReads, ::testing::Values("ipfix", "netflow9", "netflow5"));

std::vector<FlowRecord> all_captures_records(const ScratchDir& dir) {
  std::vector<FlowRecord> all;
  for (const std::string& capture : kCaptures) {
    const Metered m = meter(dir, capture);
    all.insert(all.end(), m.records.begin(), m.records.end());
  }
  return all;
}

class TsharkDissects : public ::testing::TestWithParam<const char*> {};

TEST_P(TsharkDissects, WithoutMalformedPacketsOrExpertWarnings) {
  REQUIRE_METERED_CAPTURES();
  REQUIRE_TOOL(tshark, "tshark");
  const std::string fmt = GetParam();
  ScratchDir dir;
  const std::vector<FlowRecord> recs = all_captures_records(dir);
  test::UdpCollector rx;
  SinkConfig cfg;
  ASSERT_TRUE(parse_sink_spec(fmt, rx.url(), cfg));
  rx.start();
  send_paced(cfg, recs);
  const std::vector<std::string> dgrams = rx.stop();
  ASSERT_FALSE(dgrams.empty());
  const std::string pcap = dir.file("export.pcap");
  ASSERT_TRUE(test::write_datagram_pcap(pcap, dgrams, 2055));
  const std::string decode_as = "udp.port==2055,cflow";

  std::string out, err;
  ASSERT_EQ(test::run({tshark, "-r", pcap, "-d", decode_as, "-q", "-z", "expert"}, dir, &out, &err), 0)
      << err;
  EXPECT_EQ(out.find("Error"), std::string::npos) << out;
  EXPECT_EQ(out.find("Warning"), std::string::npos) << out;
  EXPECT_EQ(out.find("Malformed"), std::string::npos) << out;
  ASSERT_EQ(test::run({tshark, "-r", pcap, "-d", decode_as, "-Y", "_ws.malformed || _ws.expert",
                       "-T", "fields", "-e", "frame.number"},
                      dir, &out, &err),
            0)
      << err;
  EXPECT_EQ(out, "") << "frames with malformed or expert items";

  // Every flow was dissected: packet and byte totals (tshark lists reverse counters
  // under the same fields).
  ASSERT_EQ(test::run({tshark, "-r", pcap, "-d", decode_as, "-T", "fields", "-E", "occurrence=a",
                       "-E", "aggregator=,", "-e", "cflow.packets", "-e", "cflow.octets"},
                      dir, &out, &err),
            0)
      << err;
  uint64_t packets = 0, octets = 0, want_packets = 0, want_octets = 0;
  for (const auto& row : test::read_csv(out)) {
    // Each line: "p1,p2,...\to1,o2,..." -> split on tab, then commas.
    std::string line;
    for (const std::string& cell : row) line += cell + ",";
    const std::size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    auto sum = [](const std::string& s) {
      uint64_t t = 0;
      std::size_t at = 0;
      while (at < s.size()) {
        const std::size_t c = std::min(s.find(',', at), s.size());
        if (c > at) t += std::stoull(s.substr(at, c - at));
        at = c + 1;
      }
      return t;
    };
    packets += sum(line.substr(0, tab));
    octets += sum(line.substr(tab + 1));
  }
  for (const FlowRecord& r : recs) {
    if (fmt == "netflow5" && r.ip_version != 4) continue;
    want_packets += r.dir[0].packets + r.dir[1].packets;
    want_octets += r.dir[0].ip_bytes + r.dir[1].ip_bytes;
  }
  EXPECT_EQ(packets, want_packets);
  EXPECT_EQ(octets, want_octets);
}

INSTANTIATE_TEST_SUITE_P(Formats, TsharkDissects, ::testing::Values("ipfix", "netflow9", "netflow5"));

TEST(Libfixbuf, ReadsEveryRecordOfTheIpfixFile) {
#if !WEIR_HAVE_FIXBUF
  GTEST_SKIP() << "libfixbuf not found at configure time (libfixbuf-dev; scripts/deps.sh)";
#else
  REQUIRE_METERED_CAPTURES();
  ScratchDir dir;
  const std::vector<FlowRecord> recs = all_captures_records(dir);
  for (bool bidi : {true, false}) {
    SCOPED_TRACE(bidi ? "biflows" : "unidirectional");
    const std::string path = dir.file(bidi ? "b.ipfix" : "u.ipfix");
    test::write_records({.path = path, .format = OutputFormat::ipfix, .bidirectional = bidi}, recs);
    const test::FixbufResult res = test::fixbuf_read_file(path);
    ASSERT_EQ(res.error, "");
    ASSERT_EQ(res.records.size(), recs.size());
    for (std::size_t i = 0; i < recs.size(); ++i) {
      const FlowRecord& r = recs[i];
      const test::FixbufRecord& f = res.records[i];
      SCOPED_TRACE("record " + std::to_string(i));
      EXPECT_EQ(f.flow_id, r.flow_id);
      EXPECT_EQ(f.start_ms, r.start_ns / 1'000'000);
      EXPECT_EQ(f.end_ms, r.end_ns / 1'000'000);
      EXPECT_EQ(f.packets, r.dir[0].packets);
      EXPECT_EQ(f.octets, r.dir[0].ip_bytes);
      EXPECT_EQ(f.reverse_packets, bidi ? r.dir[1].packets : 0);
      EXPECT_EQ(f.reverse_octets, bidi ? r.dir[1].ip_bytes : 0);
      EXPECT_EQ(f.tcp_flags, r.dir[0].tcp_flags);
      EXPECT_EQ(f.reverse_tcp_flags, bidi ? r.dir[1].tcp_flags : 0);
      EXPECT_EQ(f.proto, r.proto);
      EXPECT_EQ(f.end_reason, fields::ipfix_end_reason(r.end_reason));
      if (r.proto != 1 && r.proto != 58) {
        EXPECT_EQ(f.src_port, r.src_port);
        EXPECT_EQ(f.dst_port, r.dst_port);
      }
      if (r.ip_version == 4) {
        auto host_order = [](const std::array<uint8_t, 16>& a) {
          return uint32_t{a[0]} << 24 | uint32_t{a[1]} << 16 | uint32_t{a[2]} << 8 | a[3];
        };
        EXPECT_EQ(f.src4, host_order(r.src_addr));
        EXPECT_EQ(f.dst4, host_order(r.dst_addr));
      } else {
        EXPECT_EQ(f.src6, r.src_addr);
        EXPECT_EQ(f.dst6, r.dst_addr);
      }
      if (res.knows_initial_tcp_flags) {
        EXPECT_EQ(f.initial_tcp_flags, r.first_tcp_flags);
      }
    }
  }
#endif
}

TEST(PythonJson, ReadsEveryLineWithTheCsvColumnsAndCounts) {
  REQUIRE_METERED_CAPTURES();
  const std::string python = "/usr/bin/python3";
  if (::access(python.c_str(), X_OK) != 0) GTEST_SKIP() << "/usr/bin/python3 not installed";
  ScratchDir dir;
  const std::vector<FlowRecord> recs = all_captures_records(dir);
  const std::string json = dir.file("f.json");
  test::write_records({.path = json, .format = OutputFormat::json}, recs);
  const std::string script = dir.file("check.py");
  test::write_all(script, R"(import json, sys
n = pk = 0
keys = None
for line in open(sys.argv[1]):
    o = json.loads(line)
    if keys is None:
        keys = list(o)
    assert list(o) == keys, "keys differ between lines"
    assert isinstance(o["fwd_packets"], int) and isinstance(o["src_addr"], str)
    n += 1
    pk += o["fwd_packets"] + o["bwd_packets"]
print(n, pk, ",".join(keys))
)");
  std::string out, err;
  ASSERT_EQ(test::run({python, script, json}, dir, &out, &err), 0) << err;
  uint64_t packets = 0;
  for (const FlowRecord& r : recs) packets += r.dir[0].packets + r.dir[1].packets;
  std::string header = csv_header(true);
  header.pop_back();
  EXPECT_EQ(out, std::to_string(recs.size()) + " " + std::to_string(packets) + " " + header + "\n");
}

}  // namespace
}  // namespace weir
