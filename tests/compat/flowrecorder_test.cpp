// SPDX-License-Identifier: Apache-2.0
// --compat flowrecorder and `weir flowrecorder`: flowRecorder's columns, values on its
// own oracle captures (tests/http1.py and groundtruth_*.py of flowRecorder, with IP
// lengths as SEEDS.md section 1 gives them), its expiry and record order, its key,
// length and direction rules, and the drop-in command line through the built binary.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "compat/compat_profile.hpp"
#include "compat/flowrecorder_csv.hpp"
#include "compat/flowrecorder_profile.hpp"
#include "engine/engine.hpp"
#include "support/captures.hpp"
#include "support/packet_builder.hpp"
#include "support/pcap_writer.hpp"

namespace weir::compat {
namespace {

namespace fs = std::filesystem;

// flowRecorder's own test margin for float columns (tests/test_system.py: MARGIN).
constexpr double kMargin = 0.0001;
constexpr uint64_t kSec = 1'000'000'000;

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  std::string raw;
  const std::string& at(std::size_t row, const std::string& col) const {
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (header[i] == col) return rows.at(row).at(i);
    }
    throw std::out_of_range("no column " + col);
  }
  double num(std::size_t row, const std::string& col) const { return std::stod(at(row, col)); }
};

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Rows end in "\r\n" (Python's csv module); a line without it fails the test.
Table read_table(const fs::path& p) {
  Table t;
  t.raw = slurp(p);
  std::size_t pos = 0;
  bool first = true;
  while (pos < t.raw.size()) {
    const std::size_t end = t.raw.find("\r\n", pos);
    EXPECT_NE(end, std::string::npos) << "line without \\r\\n in " << p;
    if (end == std::string::npos) break;
    std::vector<std::string> cols;
    std::stringstream ss(t.raw.substr(pos, end - pos));
    for (std::string c; std::getline(ss, c, ',');) cols.push_back(c);
    (first ? t.header : t.rows.emplace_back()) = cols;
    if (first) t.rows.clear();
    first = false;
    pos = end + 2;
  }
  return t;
}

struct Tmp {
  fs::path path;
  Tmp() {
    static int n = 0;
    path = fs::temp_directory_path() / ("weir-compat-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    fs::create_directories(path);
  }
  ~Tmp() { fs::remove_all(path); }
};

class FlowRecorder : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(register_compat_formats()); }

  // Meters `in` with --compat flowrecorder into out.csv; returns the table.
  Table meter(const std::string& in, bool bidirectional, uint32_t workers = 1, RunSummary* sum_out = nullptr) {
    EngineConfig c;
    c.capture.files = {in};
    c.workers = workers;
    c.bidirectional = bidirectional;
    c.outputs = {SinkConfig{.path = (tmp_.path / "out.csv").string()}};
    find_compat_profile("flowrecorder")->apply(c);
    RunSummary sum;
    const Status s = run_engine(c, sum);
    EXPECT_TRUE(s) << s.message;
    EXPECT_TRUE(sum.conserved()) << sum.format();
    if (sum_out) *sum_out = sum;
    return read_table(tmp_.path / "out.csv");
  }
  Table meter_records(const std::vector<test::PcapRecord>& recs, bool bidirectional) {
    const std::string in = (tmp_.path / "in.pcap").string();
    EXPECT_TRUE(test::write_pcap(in, recs));
    return meter(in, bidirectional);
  }
  Tmp tmp_;
};

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  for (std::string c; std::getline(ss, c, ',');) v.push_back(c);
  return v;
}

const char* const kUniHeader =
    "src_ip,src_port,dst_ip,dst_port,proto,pktTotalCount,octetTotalCount,min_ps,max_ps,avg_ps,std_dev_ps,"
    "flowStart,flowEnd,flowDuration,min_piat,max_piat,avg_piat,std_dev_piat";
const char* const kStats =
    "pktTotalCount,octetTotalCount,min_ps,max_ps,avg_ps,std_dev_ps,flowStart,flowEnd,flowDuration,"
    "min_piat,max_piat,avg_piat,std_dev_piat";

TEST_F(FlowRecorder, HeaderHasItsEighteenAndFortyFourColumnsInItsOrder) {
  EXPECT_EQ(flowrecorder_header(false), std::string(kUniHeader) + "\r\n");
  std::string bi = kUniHeader;
  for (const char* p : {"f_", "b_"}) {
    for (const std::string& c : split(kStats)) {
      bi += ',';
      bi += p;
      bi += c;
    }
  }
  EXPECT_EQ(flowrecorder_header(true), bi + "\r\n");
  EXPECT_EQ(split(kUniHeader).size(), kFlowRecorderUniColumns);
  EXPECT_EQ(split(bi).size(), kFlowRecorderBiColumns);
}

// flowRecorder's tests/http1.py values (times; sizes as IP total lengths 60+52+57+52 and
// 60+52+148), within its own MARGIN; start and end times exactly as it prints them.
TEST_F(FlowRecorder, Http1UnidirectionalMatchesItsOracle) {
  WEIR_REQUIRE_CAPTURES();
  const Table t = meter(test::captures_dir() + "/tcp/http1.pcap", false);
  ASSERT_EQ(t.header.size(), 18u);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.at(0, "src_ip"), "10.1.0.1");
  EXPECT_EQ(t.at(0, "src_port"), "43297");
  EXPECT_EQ(t.at(0, "dst_port"), "80");
  EXPECT_EQ(t.at(0, "proto"), "6");
  EXPECT_EQ(t.at(0, "pktTotalCount"), "4");
  EXPECT_EQ(t.at(0, "octetTotalCount"), "221");
  EXPECT_EQ(t.at(0, "min_ps"), "52");
  EXPECT_EQ(t.at(0, "max_ps"), "60");
  EXPECT_EQ(t.at(0, "avg_ps"), "55.25");
  EXPECT_NEAR(t.num(0, "std_dev_ps"), 3.418698583, kMargin);
  EXPECT_EQ(t.at(0, "flowStart"), "1458782847.829442");
  EXPECT_EQ(t.at(0, "flowEnd"), "1458782852.091702");
  EXPECT_NEAR(t.num(0, "flowDuration"), 4.262260, kMargin);
  EXPECT_NEAR(t.num(0, "min_piat"), 0.000980, kMargin);
  EXPECT_NEAR(t.num(0, "max_piat"), 4.260270, kMargin);
  EXPECT_NEAR(t.num(0, "avg_piat"), 1.420753, kMargin);
  EXPECT_NEAR(t.num(0, "std_dev_piat"), 2.007841, kMargin);
  EXPECT_EQ(t.at(1, "src_ip"), "10.1.0.2");
  EXPECT_EQ(t.at(1, "pktTotalCount"), "3");
  EXPECT_EQ(t.at(1, "octetTotalCount"), "260");
  EXPECT_NEAR(t.num(1, "std_dev_ps"), 43.49201715, kMargin);
  EXPECT_EQ(t.at(1, "flowStart"), "1458782847.830399");
  EXPECT_EQ(t.at(1, "flowEnd"), "1458782852.091692");
  EXPECT_NEAR(t.num(1, "min_piat"), 0.000149965, kMargin);
  EXPECT_NEAR(t.num(1, "max_piat"), 4.261150, kMargin);
  EXPECT_NEAR(t.num(1, "avg_piat"), 2.130650, kMargin);
  EXPECT_NEAR(t.num(1, "std_dev_piat"), 2.130500078, kMargin);
}

TEST_F(FlowRecorder, Http1BidirectionalMatchesItsOracle) {
  WEIR_REQUIRE_CAPTURES();
  const Table t = meter(test::captures_dir() + "/tcp/http1.pcap", true);
  ASSERT_EQ(t.header.size(), 44u);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.at(0, "src_ip"), "10.1.0.1");
  EXPECT_EQ(t.at(0, "pktTotalCount"), "7");
  EXPECT_EQ(t.at(0, "octetTotalCount"), "481");
  EXPECT_EQ(t.at(0, "min_ps"), "52");
  EXPECT_EQ(t.at(0, "max_ps"), "148");
  EXPECT_NEAR(t.num(0, "avg_ps"), 481.0 / 7, 1e-12);
  EXPECT_NEAR(t.num(0, "std_dev_ps"), 32.54322087, kMargin);
  EXPECT_EQ(t.at(0, "flowStart"), "1458782847.829442");
  EXPECT_EQ(t.at(0, "flowEnd"), "1458782852.091702");
  // Either direction: the 10 us between packets 6 and 7 is the smallest gap.
  EXPECT_NEAR(t.num(0, "min_piat"), 0.000010014, kMargin);
  EXPECT_NEAR(t.num(0, "max_piat"), 4.260269880, kMargin);
  EXPECT_NEAR(t.num(0, "avg_piat"), 0.710376660, kMargin);
  EXPECT_NEAR(t.num(0, "std_dev_piat"), 1.587560556, kMargin);
  EXPECT_EQ(t.at(0, "f_pktTotalCount"), "4");
  EXPECT_EQ(t.at(0, "f_octetTotalCount"), "221");
  EXPECT_NEAR(t.num(0, "f_avg_piat"), 1.420753, kMargin);
  EXPECT_EQ(t.at(0, "b_pktTotalCount"), "3");
  EXPECT_EQ(t.at(0, "b_octetTotalCount"), "260");
  EXPECT_EQ(t.at(0, "b_flowStart"), "1458782847.830399");
  EXPECT_NEAR(t.num(0, "b_std_dev_piat"), 2.130500078, kMargin);
}

TEST_F(FlowRecorder, Ping1IsTwoEachWayAndIcmpHasNoPorts) {
  WEIR_REQUIRE_CAPTURES();
  const Table b = meter(test::captures_dir() + "/icmp/PING1.pcap", true);
  ASSERT_EQ(b.rows.size(), 1u);
  EXPECT_EQ(b.at(0, "proto"), "1");
  EXPECT_EQ(b.at(0, "src_port"), "0");
  EXPECT_EQ(b.at(0, "f_pktTotalCount"), "2");
  EXPECT_EQ(b.at(0, "f_octetTotalCount"), "168");
  EXPECT_EQ(b.at(0, "b_pktTotalCount"), "2");
  EXPECT_EQ(b.at(0, "b_octetTotalCount"), "168");
  const Table u = meter(test::captures_dir() + "/icmp/PING1.pcap", false);
  ASSERT_EQ(u.rows.size(), 2u);
  EXPECT_EQ(u.at(0, "octetTotalCount"), "168");
  EXPECT_EQ(u.at(1, "octetTotalCount"), "168");
}

// groundtruth_tcp_syn_only.py / groundtruth_tcp_syn_flow_expiration.py: a one-packet
// flow prints integer 0 durations and piat, avg_ps as the integer length, and all 13
// b_ columns 0.
TEST_F(FlowRecorder, SinglePacketAndNoBackwardPacketConventions) {
  WEIR_REQUIRE_CAPTURES();
  const Table t = meter(test::captures_dir() + "/tcp/tcp_syn_flow_expiration.pcap", true);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_EQ(t.raw.substr(t.raw.find("\r\n") + 2),
            "10.0.2.15,40508,10.0.2.2,443,6,1,40,40,40,40,0.0,1538857982.30135,1538857982.30135,0,0,0,0,0,"
            "1,40,40,40,40,0.0,1538857982.30135,1538857982.30135,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\r\n"
            "10.0.2.15,40508,10.0.2.2,443,6,1,40,40,40,40,0.0,1538861583.416666,1538861583.416666,0,0,0,0,0,"
            "1,40,40,40,40,0.0,1538861583.416666,1538861583.416666,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\r\n");
  const Table s = meter(test::captures_dir() + "/tcp/tcp_syn_only.pcap", false);
  ASSERT_EQ(s.rows.size(), 1u);
  EXPECT_EQ(s.at(0, "octetTotalCount"), "60");
  EXPECT_EQ(s.at(0, "avg_ps"), "60");
}

std::vector<uint8_t> tcp4(const char* src, const char* dst, uint16_t sp, uint16_t dp, std::size_t payload = 0) {
  return test::PacketBuilder().eth().ipv4(src, dst).tcp(sp, dp).payload(payload).build().bytes;
}

TEST_F(FlowRecorder, AGapEqualToTheTimeoutDoesNotExpireOneMicrosecondMoreDoes) {
  const uint64_t t0 = 1'600'000'000 * kSec;
  const Table same = meter_records({{t0, tcp4("10.0.0.1", "10.0.0.2", 1000, 80)},
                                    {t0 + 3600 * kSec, tcp4("10.0.0.1", "10.0.0.2", 1000, 80)}},
                                   true);
  ASSERT_EQ(same.rows.size(), 1u);
  EXPECT_EQ(same.at(0, "pktTotalCount"), "2");
  EXPECT_EQ(same.at(0, "flowDuration"), "3600.0");
  const Table split = meter_records({{t0, tcp4("10.0.0.1", "10.0.0.2", 1000, 80)},
                                     {t0 + 3600 * kSec + 1000, tcp4("10.0.0.1", "10.0.0.2", 1000, 80)}},
                                    true);
  ASSERT_EQ(split.rows.size(), 2u);
  EXPECT_EQ(split.at(0, "flowStart"), "1600000000.0");
  EXPECT_EQ(split.at(1, "flowStart"), "1600003600.000001");
}

TEST_F(FlowRecorder, FinAndRstDoNotEndAFlow) {
  const uint64_t t0 = 1'600'000'000 * kSec;
  auto pkt = [](uint8_t flags) {
    return test::PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1000, 80, flags).build().bytes;
  };
  const Table t = meter_records({{t0, pkt(test::kRst)}, {t0 + 100 * kSec, pkt(test::kFin | test::kAck)},
                                 {t0 + 200 * kSec, pkt(test::kAck)}},
                                true);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.at(0, "pktTotalCount"), "3");
}

// flowRecorder prints the records a later packet of their key ended (in the order of
// those packets), then the last record of every key (in order of first packet) -- not
// weir's expiry order. A: 0 s and 6000 s; B: 1 s and 5000 s; D: 2 s only.
TEST_F(FlowRecorder, RecordOrderIsFlowRecordersArchiveThenCache) {
  const uint64_t t0 = 1'600'000'000 * kSec;
  const Table t = meter_records({{t0, tcp4("10.0.0.1", "10.0.0.2", 1, 80)},
                                 {t0 + 1 * kSec, tcp4("10.0.0.1", "10.0.0.2", 2, 80)},
                                 {t0 + 2 * kSec, tcp4("10.0.0.1", "10.0.0.2", 4, 80)},
                                 {t0 + 5000 * kSec, tcp4("10.0.0.1", "10.0.0.2", 2, 80)},
                                 {t0 + 6000 * kSec, tcp4("10.0.0.1", "10.0.0.2", 1, 80)}},
                                true);
  ASSERT_EQ(t.rows.size(), 5u);
  std::vector<std::string> got;
  for (std::size_t i = 0; i < t.rows.size(); ++i) got.push_back(t.at(i, "src_port") + "@" + t.at(i, "flowStart"));
  const std::vector<std::string> want = {"2@1600000001.0", "1@1600000000.0", "4@1600000002.0",
                                         "2@1600005000.0", "1@1600006000.0"};
  EXPECT_EQ(got, want);
}

TEST_F(FlowRecorder, KeyIsFiveTupleForTcpUdpAndThreeTupleForTheRest) {
  const uint64_t t0 = 1'600'000'000 * kSec;
  auto echo = [](uint16_t id) {
    return test::PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").icmp(8, 0, id, 1).payload(8).build().bytes;
  };
  const Table t = meter_records({{t0, echo(7)}, {t0 + kSec, echo(9)},
                                 {t0 + 2 * kSec, tcp4("10.0.0.1", "10.0.0.2", 5, 80)},
                                 {t0 + 3 * kSec, tcp4("10.0.0.1", "10.0.0.2", 6, 80)}},
                                false);
  ASSERT_EQ(t.rows.size(), 3u);  // both echoes in one 3-tuple flow; two TCP flows
  EXPECT_EQ(t.at(0, "proto"), "1");
  EXPECT_EQ(t.at(0, "pktTotalCount"), "2");
}

TEST_F(FlowRecorder, Ipv6LengthIsTheBytesAfterTheIpv6Header) {
  const uint64_t t0 = 1'600'000'000 * kSec;
  const auto syn = test::PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::2").tcp(1000, 80, test::kSyn).build().bytes;
  const auto data = test::PacketBuilder().eth().ipv6("2001:db8::1", "2001:db8::2").tcp(1000, 80).payload(100).build().bytes;
  const Table t = meter_records({{t0, syn}, {t0 + kSec, data}}, false);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.at(0, "src_ip"), "2001:db8::1");
  EXPECT_EQ(t.at(0, "min_ps"), "20");   // a bare TCP header
  EXPECT_EQ(t.at(0, "max_ps"), "120");
  EXPECT_EQ(t.at(0, "octetTotalCount"), "140");
}

TEST_F(FlowRecorder, OneAddressTalkingToItselfIsAllForward) {
  const uint64_t t0 = 1'600'000'000 * kSec;
  const Table t = meter_records({{t0, tcp4("10.0.0.1", "10.0.0.1", 3000, 80)},
                                 {t0 + kSec, tcp4("10.0.0.1", "10.0.0.1", 80, 3000)},
                                 {t0 + 2 * kSec, tcp4("10.0.0.1", "10.0.0.1", 3000, 80)}},
                                true);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.at(0, "src_port"), "3000");  // the first packet's
  EXPECT_EQ(t.at(0, "dst_port"), "80");
  EXPECT_EQ(t.at(0, "f_pktTotalCount"), "3");
  EXPECT_EQ(t.at(0, "b_pktTotalCount"), "0");
}

TEST_F(FlowRecorder, OneBackwardPacketPrintsItsAverageAsAFloat) {
  const uint64_t t0 = 1'600'000'000 * kSec;
  const Table t = meter_records({{t0, tcp4("10.0.0.1", "10.0.0.2", 3000, 80)},
                                 {t0 + kSec / 2, tcp4("10.0.0.2", "10.0.0.1", 80, 3000)}},
                                true);
  ASSERT_EQ(t.rows.size(), 1u);
  EXPECT_EQ(t.at(0, "f_avg_ps"), "40");
  EXPECT_EQ(t.at(0, "b_avg_ps"), "40.0");
  EXPECT_EQ(t.at(0, "b_flowDuration"), "0");
  EXPECT_EQ(t.at(0, "avg_ps"), "40.0");
  EXPECT_EQ(t.at(0, "flowDuration"), "0.5");
}

// Every real capture: right column count on every row, every metered packet in a row,
// same bytes for one and three workers.
TEST_F(FlowRecorder, RealCapturesKeepEveryPacketAndAreIdenticalForAnyWorkerCount) {
  WEIR_REQUIRE_CAPTURES();
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(test::captures_dir())) {
    const std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".pcap" && ext != ".pcapng")) continue;
    if (e.path().string().find("malformed") != std::string::npos) continue;
    if (fs::file_size(e.path()) > (8u << 20)) continue;  // keep the suite fast
    ++files;
    for (bool bidir : {false, true}) {
      RunSummary sum;
      const Table one = meter(e.path().string(), bidir, 1, &sum);
      uint64_t packets = 0;
      for (std::size_t r = 0; r < one.rows.size(); ++r) {
        ASSERT_EQ(one.rows[r].size(), bidir ? 44u : 18u) << e.path() << " row " << r;
        packets += std::stoull(one.at(r, "pktTotalCount"));
      }
      EXPECT_EQ(packets, sum.packets_metered) << e.path();
      const Table three = meter(e.path().string(), bidir, 3);
      EXPECT_EQ(three.raw, one.raw) << e.path() << (bidir ? " -d b" : " -d u");
    }
  }
  EXPECT_GT(files, 30);
}

// ---- the drop-in command line, through the built binary ----

struct CmdResult {
  int code = -1;
  std::string err;
};

CmdResult weir(const std::string& args, const fs::path& tmp) {
  const std::string cmd = std::string("'") + std::getenv("WEIR_BIN") + "' " + args + " >/dev/null 2>'" +
                          (tmp / "err.txt").string() + "'";
  const int st = std::system(cmd.c_str());
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, slurp(tmp / "err.txt")};
}

class FlowRecorderCommand : public FlowRecorder {
 protected:
  void SetUp() override {
    if (!std::getenv("WEIR_BIN")) GTEST_SKIP() << "WEIR_BIN not set (meson test sets it)";
    if (!test::have_captures()) GTEST_SKIP() << "real captures not found at " << test::captures_dir();
  }
  std::string cap(const char* rel) {
    std::string q = "'";
    q += test::captures_dir();
    q += '/';
    q += rel;
    q += '\'';
    return q;
  }
  std::string out(const char* name) { return (tmp_.path / name).string(); }
};

TEST_F(FlowRecorderCommand, DropInWritesTheSameAsCompatAndNamesTheFileAsGiven) {
  for (const char* d : {"u", "b"}) {
    const CmdResult a = weir(std::string("flowrecorder -d ") + d + " -f " + cap("mixed/iphone.pcap") + " -o '" +
                           out("a.csv") + "' -q",
                       tmp_.path);
    ASSERT_EQ(a.code, 0) << a.err;
    const CmdResult b = weir(std::string("--compat flowrecorder -d ") + d + " -r " + cap("mixed/iphone.pcap") + " -o '" +
                           out("b.csv") + "' -q -w 2",
                       tmp_.path);
    ASSERT_EQ(b.code, 0) << b.err;
    const Table t = read_table(out("a.csv"));
    EXPECT_EQ(t.header.size(), std::string(d) == "u" ? 18u : 44u);
    EXPECT_GT(t.rows.size(), 5u);
    EXPECT_EQ(t.raw, slurp(out("b.csv")));
    EXPECT_FALSE(fs::exists(out("a.csv.csv")));
  }
  // Long options as flowRecorder's getopt takes them.
  const CmdResult l = weir("flowrecorder --direction=u --file " + cap("tcp/http1.pcap") + " --out='" + out("l.csv") + "' -q",
                     tmp_.path);
  ASSERT_EQ(l.code, 0) << l.err;
  EXPECT_EQ(read_table(out("l.csv")).rows.size(), 2u);
  // -F flowrecorder alone: the format with weir's rules (same answer on this capture).
  const CmdResult f = weir("-d u -r " + cap("tcp/http1.pcap") + " -F flowrecorder -o '" + out("f.csv") + "' -q", tmp_.path);
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_EQ(slurp(out("f.csv")), slurp(out("l.csv")));
}

TEST_F(FlowRecorderCommand, BadOptionsExitTwoWithAClearMessage) {
  const std::string in = cap("tcp/http1.pcap");
  const std::string o = " -o '" + out("x.csv") + "'";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"flowrecorder -d x -f " + in + o, "-d: expected u or b"},
      {"flowrecorder -f " + in, "no output"},
      {"flowrecorder" + o, "no input"},
      {"flowrecorder -f " + in + " -i lo" + o, "choose one input"},
      {"flowrecorder --bogus -f " + in + o, "unknown option '--bogus'"},
      {"flowrecorder -f" , "-f needs a value"},
      {"--compat nope -r " + in + o, "--compat: unknown profile 'nope' (known: flowrecorder"},
      {"-F nope -r " + in + o, "nope"},
  };
  for (const auto& [args, msg] : cases) {
    const CmdResult r = weir(args, tmp_.path);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_NE(r.err.find(msg), std::string::npos) << args << "\n" << r.err;
  }
  const CmdResult missing = weir("flowrecorder -f /nonexistent/x.pcap" + o, tmp_.path);
  EXPECT_EQ(missing.code, 3) << missing.err;
  const CmdResult help = weir("flowrecorder --help", tmp_.path);
  EXPECT_EQ(help.code, 0);
}

}  // namespace
}  // namespace weir::compat
