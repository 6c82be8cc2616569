// SPDX-License-Identifier: Apache-2.0
// The whole job: run_report on pcap files (synthetic and the shared real captures), its
// JSON checked by Debian's Python against the committed schema, its SVG parsed as XML,
// a file fed slowly through a FIFO giving the same report as read at full speed, and
// the `weir report` command line (exit codes, -r -, --json -, -i).
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "capture/capture_registry.hpp"
#include "report/run_report.hpp"
#include "report_test_util.hpp"
#include "support/captures.hpp"

namespace weir::report::test {
namespace {

namespace fs = std::filesystem;
constexpr uint64_t kMs = 1'000'000;
const char* kPython = "/usr/bin/python3";

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs a shell command; returns its exit status, stdout in *out.
int sh(const std::string& cmd, std::string* out = nullptr) {
  std::FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  std::string s;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) s.append(buf, n);
  const int st = ::pclose(p);
  if (out) *out = s;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/weir_report_test_XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A trace with something in every part of the report: handshakes, half-open, each
// finish class, IPv6, UDP, ICMP, several intervals and a skipped one.
Trace sample_trace() {
  Trace t;
  const Endpoint s{"10.0.0.2", 80}, s6{"2001:db8::2", 443};
  for (uint16_t i = 0; i < 40; ++i) {
    const uint64_t at = i * 500 * kMs;
    const Endpoint c{"10.0.0.1", static_cast<uint16_t>(30000 + i)};
    t.handshake(at, c, s);
    t.tcp(at + 10 * kMs, c, s, kAck | kPsh, 200);
    if (i % 4 == 0) t.tcp(at + 20 * kMs, s, c, kRst);
    if (i % 4 == 1) t.tcp(at + 20 * kMs, c, s, kFin | kAck).tcp(at + 21 * kMs, s, c, kFin | kAck);
  }
  t.tcp(1 * kSec, {"10.0.0.9", 40000}, {"10.0.0.3", 22}, kSyn).tcp(1 * kSec + kMs, {"10.0.0.3", 22}, {"10.0.0.9", 40000}, kSynAck);
  t.handshake(2 * kSec, {"2001:db8::1", 50000}, s6);
  t.udp(3 * kSec, {"10.0.0.1", 5353}, {"10.0.0.53", 53}).udp(3 * kSec + kMs, {"10.0.0.53", 53}, {"10.0.0.1", 5353});
  t.icmp_echo(4 * kSec, "10.0.0.1", "10.0.0.2", false).icmp_echo(4 * kSec + kMs, "10.0.0.2", "10.0.0.1", true);
  t.arp(5 * kSec);
  t.udp(95 * kSec, {"10.0.0.1", 5353}, {"10.0.0.53", 53});  // after an empty stretch
  return t;
}

ReportJob job_for(const std::string& file, uint64_t interval_s = 10) {
  ReportJob j;
  j.capture.files = {file};
  j.text = false;
  j.report.interval_ns = interval_s * kSec;
  j.report.max_conns = 1 << 16;
  return j;
}

bool have_python() { return ::access(kPython, X_OK) == 0; }

TEST(RunReport, JsonSchemaIsStable) {
  if (!have_python()) GTEST_SKIP() << kPython << " not found";
  TempDir d;
  ASSERT_TRUE(sample_trace().write(d / "t.pcap"));
  ReportJob j = job_for(d / "t.pcap");
  j.json_path = d / "r.json";
  ReportSummary sum;
  ASSERT_TRUE(run_report(j, sum));
  EXPECT_TRUE(sum.conserved());
  EXPECT_EQ(sum.decode[static_cast<int>(DecodeOutcome::not_ip)], 1u);
  std::string keys;
  ASSERT_EQ(sh(std::string(kPython) + " " + WEIR_REPORT_TEST_DIR "/check_report.py schema " + (d / "r.json"), &keys), 0);
  const std::string want = slurp(WEIR_REPORT_TEST_DIR "/json_schema_v1.txt");
  EXPECT_EQ(keys, want) << "the JSON layout changed: bump JsonWriter::kSchemaVersion, update "
                           "doc/report.md and tests/report/json_schema_v1.txt";
  const std::string json = slurp(d / "r.json");
  EXPECT_EQ(json.rfind("{\"weir_report\": 1,", 0), 0u);
}

TEST(RunReport, PlotsAreWellFormedSvg) {
  if (!have_python()) GTEST_SKIP() << kPython << " not found";
  TempDir d;
  ASSERT_TRUE(sample_trace().write(d / "t.pcap"));
  ReportJob j = job_for(d / "t.pcap");
  j.plot_dir = d / "plots/sub";  // created
  ReportSummary sum;
  ASSERT_TRUE(run_report(j, sum));
  std::string cmd = std::string(kPython) + " " + WEIR_REPORT_TEST_DIR "/check_report.py svg";
  for (const char* f : {"duration_cdf.svg", "traffic.svg", "top_destinations.svg", "half_open.svg"}) {
    const std::string path = d / ("plots/sub/" + std::string(f));
    const std::string svg = slurp(path);
    ASSERT_FALSE(svg.empty()) << f;
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u) << f;
    EXPECT_LT(svg.size(), 1u << 20) << f;
    cmd += " " + path;
  }
  std::string out;
  ASSERT_EQ(sh(cmd, &out), 0) << out;
  // Every line graph has its series; the bar chart has a bar per destination.
  // all + the 3 classes the trace has (rst, syn_fin, timed_out)
  EXPECT_NE(out.find("duration_cdf.svg 900x520 polylines=4"), std::string::npos) << out;
  EXPECT_NE(out.find("traffic.svg 900x780 polylines=9"), std::string::npos) << out;       // 4 + 4 + 1
  EXPECT_NE(out.find("half_open.svg 900x420 polylines=2"), std::string::npos) << out;
  EXPECT_NE(out.find("top_destinations.svg 900x232 polylines=0 rects=10"), std::string::npos) << out;
}

// SENSS bug: intervals on the wall clock made the report depend on reading speed.
// The same capture through a FIFO written in slow pieces gives the same bytes.
TEST(RunReport, ReadingSlowlyGivesTheSameReport) {
  TempDir d;
  ASSERT_TRUE(sample_trace().write(d / "t.pcap"));
  ReportJob fast = job_for(d / "t.pcap");
  fast.json_path = d / "fast.json";
  ReportSummary s1, s2;
  ASSERT_TRUE(run_report(fast, s1));
  const std::string fifo = d / "slow.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string bytes = slurp(d / "t.pcap");
  std::thread writer([&] {
    std::FILE* f = std::fopen(fifo.c_str(), "wb");
    for (std::size_t off = 0; f && off < bytes.size(); off += 700) {
      std::fwrite(bytes.data() + off, 1, std::min<std::size_t>(700, bytes.size() - off), f);
      std::fflush(f);
      std::this_thread::sleep_for(std::chrono::milliseconds(15));
    }
    if (f) std::fclose(f);
  });
  ReportJob slow = job_for(fifo);
  slow.json_path = d / "slow.json";
  const Status st = run_report(slow, s2);
  writer.join();
  ASSERT_TRUE(st) << st.message;
  const auto body = [](const std::string& j) { return j.substr(j.find("\"intervals\""), j.find("\"input\"") - j.find("\"intervals\"")); };
  const std::string a = slurp(d / "fast.json"), b = slurp(d / "slow.json");
  ASSERT_NE(a.find("\"intervals\""), std::string::npos);
  EXPECT_EQ(body(a), body(b));
  EXPECT_GT(s2.elapsed_s, 0.2);  // it really was slow
}

// SENSS bug: -d TARGET appended "dst TARGET" to the BPF filter, so the server's SYN-ACK
// was filtered out and a half-open connection could never be seen.
TEST(RunReport, DstFilterLosesTheSynAckTargetKeepsIt) {
  TempDir d;
  Trace t;
  t.tcp(0, {"10.0.0.1", 40000}, {"10.0.0.2", 80}, kSyn).tcp(kMs, {"10.0.0.2", 80}, {"10.0.0.1", 40000}, kSynAck);
  ASSERT_TRUE(t.write(d / "t.pcap"));
  Collect senss_like, weir_target;
  ReportJob a = job_for(d / "t.pcap");
  a.filter = "dst host 10.0.0.2";  // what SENSS's -d 10.0.0.2 did
  a.extra = &senss_like;
  ReportJob b = job_for(d / "t.pcap");
  ASSERT_TRUE(Target::parse("10.0.0.2", b.report.target));
  b.extra = &weir_target;
  ReportSummary sa, sb;
  ASSERT_TRUE(run_report(a, sa));
  ASSERT_TRUE(run_report(b, sb));
  ASSERT_EQ(senss_like.reports.size(), 1u);
  ASSERT_EQ(weir_target.reports.size(), 1u);
  EXPECT_EQ(sa.filtered, 1u);
  EXPECT_EQ(senss_like.reports[0].tcp.half_open, 0u);
  EXPECT_EQ(senss_like.reports[0].tcp.syn_only, 1u);
  EXPECT_EQ(weir_target.reports[0].tcp.half_open, 1u);
  EXPECT_EQ(sb.filtered, 0u);
}

TEST(RunReport, TruncatedCaptureReportsWhatCameBeforeTheFault) {
  TempDir d;
  ASSERT_TRUE(sample_trace().write(d / "t.pcap"));
  std::string bytes = slurp(d / "t.pcap");
  bytes.resize(bytes.size() - 30);  // cut inside the last record
  std::ofstream(d / "cut.pcap", std::ios::binary) << bytes;
  ReportJob j = job_for(d / "cut.pcap");
  j.json_path = d / "r.json";
  ReportSummary sum;
  ASSERT_TRUE(run_report(j, sum));
  EXPECT_FALSE(sum.input_error.empty());
  EXPECT_EQ(sum.packets_read, sample_trace().records().size() - 1);
  const std::string json = slurp(d / "r.json");
  EXPECT_NE(json.find("\"input_error\": \"" + (d / "cut.pcap")), std::string::npos);
  EXPECT_EQ(json.back(), '\n');
}

// Real captures (counts checked against MANIFEST.md's tshark conversation counts).
struct CaptureCase {
  const char* path;
  uint64_t timeout_s;
  uint64_t connections;
  std::array<uint64_t, 4> finished;  // rst, fin_no_syn, syn_fin, timed_out
  uint64_t half_open_connections;
};

class RealCaptures : public ::testing::TestWithParam<CaptureCase> {};

TEST_P(RealCaptures, ConnectionsAndHowTheyFinished) {
  WEIR_REQUIRE_CAPTURES();
  const CaptureCase& c = GetParam();
  ReportJob j = job_for(weir::test::captures_dir() + "/" + c.path, 60);
  j.report.conn_timeout_ns = c.timeout_s * kSec;
  ReportSummary sum;
  ASSERT_TRUE(run_report(j, sum));
  ASSERT_TRUE(sum.input_error.empty()) << sum.input_error;
  EXPECT_TRUE(sum.conserved());
  EXPECT_EQ(sum.totals.tcp.new_connections, c.connections);
  EXPECT_EQ(sum.totals.tcp.finished, c.finished);
  EXPECT_EQ(sum.totals.half_open_connections, c.half_open_connections);
}

INSTANTIATE_TEST_SUITE_P(
    Report, RealCaptures,
    ::testing::Values(
        // 1994 probes, 5 answered by RST, 3 open ports answer SYN-ACK (no RST from the
        // scanner): half-open. With SENSS's 5 s, the SYN-ACK retransmissions (3, 9, 21 s)
        // reopen those three twice each: 2000 connections.
        CaptureCase{"attacks/synscan.pcap", 60, 1994, {5, 0, 0, 1989}, 3},
        CaptureCase{"attacks/synscan.pcap", 5, 2000, {5, 0, 0, 1995}, 3},
        CaptureCase{"attacks/sshguess.pcap", 5, 11, {0, 0, 11, 0}, 0},
        // Keep-alive HTTP: the FINs come 15 s after the last data, so with 5 s every
        // connection times out and its FIN starts a "FIN without SYN" one (as in SENSS).
        CaptureCase{"tcp/workshop_2011_browse.pcap", 60, 6, {0, 0, 6, 0}, 0},
        CaptureCase{"tcp/workshop_2011_browse.pcap", 5, 12, {0, 6, 0, 6}, 0},
        CaptureCase{"ipv6/http_ipv6.pcap", 600, 13, {0, 0, 3, 10}, 0},
        CaptureCase{"mixed/iphone.pcap", 600, 15, {0, 0, 3, 12}, 0},
        CaptureCase{"tcp/ftp-ipv4.pcap", 600, 5, {0, 0, 5, 0}, 0}));

TEST(RealCapturesAll, EveryCaptureIsConservedAndNeverCrashes) {
  WEIR_REQUIRE_CAPTURES();
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(weir::test::captures_dir())) {
    const std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".pcap" && ext != ".pcapng")) continue;
    ReportJob j = job_for(e.path().string(), 1);
    ReportSummary sum;
    const Status s = run_report(j, sum);
    if (!s) {  // unreadable header: an input error before anything was read
      EXPECT_EQ(s.origin, Origin::input) << e.path();
      continue;
    }
    EXPECT_TRUE(sum.conserved()) << e.path();
    EXPECT_EQ(sum.totals.tcp.new_connections,
              sum.totals.tcp.finished[0] + sum.totals.tcp.finished[1] + sum.totals.tcp.finished[2] +
                  sum.totals.tcp.finished[3])
        << e.path();
    ++files;
  }
  EXPECT_GT(files, 60);
}

// The command line.
class ReportCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* b = std::getenv("WEIR_BIN");
    if (!b || !*b) GTEST_SKIP() << "WEIR_BIN not set (run through meson test)";
    bin_ = b;
    ASSERT_TRUE(sample_trace().write(dir_ / "t.pcap"));
  }
  int weir(const std::string& args, std::string* out = nullptr) {
    return sh(bin_ + " report " + args + " 2>" + (dir_ / "stderr"), out);
  }
  std::string err() { return slurp(dir_ / "stderr"); }
  std::string bin_;
  TempDir dir_;
};

TEST_F(ReportCli, HelpListsEveryOptionAndExitsZero) {
  std::string out;
  ASSERT_EQ(weir("--help", &out), 0);
  for (const char* opt : {"-r FILE", "-i IFACE", "--interval", "--align", "--conn-timeout", "--target", "--json",
                          "--plot", "--rows", "--max-conns", "--progress", "exit status"})
    EXPECT_NE(out.find(opt), std::string::npos) << opt;
}

TEST_F(ReportCli, ExitCodesFollowTheTable) {
  EXPECT_EQ(weir("--bogus -r " + (dir_ / "t.pcap")), 2);
  EXPECT_EQ(weir("-r " + (dir_ / "t.pcap") + " --interval 0"), 2);
  EXPECT_EQ(weir("-r " + (dir_ / "t.pcap") + " --target 10.0.0.300"), 2);
  EXPECT_NE(err().find("--target"), std::string::npos);
  EXPECT_EQ(weir("-r " + (dir_ / "t.pcap") + " 'tcp port'"), 2);  // bad filter expression
  EXPECT_EQ(weir(""), 2);
  EXPECT_EQ(weir("-r " + (dir_ / "missing.pcap")), 3);
  EXPECT_EQ(weir("-r " + (dir_ / "t.pcap") + " --json /nonexistent/dir/r.json"), 5);
  std::string bytes = slurp(dir_ / "t.pcap");
  bytes.resize(bytes.size() - 30);
  std::ofstream(dir_ / "cut.pcap", std::ios::binary) << bytes;
  std::string out;
  EXPECT_EQ(weir("-r " + (dir_ / "cut.pcap"), &out), 4);
  EXPECT_NE(out.find("interval 0"), std::string::npos);  // reports up to the fault
}

TEST_F(ReportCli, StdinTextAndJsonOnStdout) {
  std::string text, json;
  ASSERT_EQ(sh("cat " + (dir_ / "t.pcap") + " | " + bin_ + " report -q -r - --interval 10 'tcp or udp'", &text), 0);
  EXPECT_NE(text.find("interval 0"), std::string::npos);
  EXPECT_NE(text.find("10.0.0.2"), std::string::npos);
  EXPECT_NE(text.find("run "), std::string::npos);
  ASSERT_EQ(weir("-q -r " + (dir_ / "t.pcap") + " --json -", &json), 0);
  EXPECT_EQ(json.rfind("{\"weir_report\": 1,", 0), 0u);  // JSON only: no text mixed in
  EXPECT_EQ(json.find("interval 0 "), std::string::npos);
  // The summary on stderr accounts for every packet.
  ASSERT_EQ(weir("-r " + (dir_ / "t.pcap")), 0);
  EXPECT_NE(err().find("packets read"), std::string::npos);
}

TEST_F(ReportCli, LiveInterfaceWhenABackendIsBuiltIn) {
  bool live = false;
  for (const CaptureBackend& b : capture_backends()) live = live || b.live;
  if (!live)
    GTEST_SKIP() << "no live capture backend in this build (capture_registry lists only files): -i cannot be tested";
  if (::geteuid() != 0) GTEST_SKIP() << "live capture needs root";
  // Loopback with a filter that matches nothing: starts, ends on SIGINT, exit 0.
  std::string out;
  EXPECT_EQ(sh("timeout --preserve-status -s INT 2 " + bin_ + " report -i lo --interval 1 'tcp port 9' 2>/dev/null", &out), 0);
}

}  // namespace
}  // namespace weir::report::test
