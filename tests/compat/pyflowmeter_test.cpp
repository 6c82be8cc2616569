// SPDX-License-Identifier: Apache-2.0
// --compat pyflowmeter / -F pyflowmeter: PyFlowMeter's 48 columns with its units (seconds,
// frame bytes), its bugs fixed (flag columns, per-direction IAT, direction by address and
// port, fragments, expiry, FIN/RST), UDP and IPv6; skewness and kurtosis as scipy computes
// them; -r DIR end to end through the weir binary; usage errors exit 2.
// GCC 12 at -O3 reports a false -Warray-bounds inside std::vector<uint8_t> copies of the
// packet builder's frames (the same family as GCC bug 105329); the code is in bounds.
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "compat/compat_profile.hpp"
#include "compat/pyflowmeter_profile.hpp"
#include "compat/python_float.hpp"
#include "flowtable/flow_moments.hpp"
#include "support/captures.hpp"
#include "support/csv_table.hpp"
#include "support/packet_builder.hpp"
#include "support/pcap_writer.hpp"
#include "support/process.hpp"
#include "tools/weir/cli.hpp"

namespace weir {
namespace {

namespace fs = std::filesystem;
using test::PacketBuilder;
using test::PcapRecord;

constexpr const char* kPython = "/usr/bin/python3";

std::string weir_bin() {
  const char* w = std::getenv("WEIR_BIN");
  return w ? w : "";
}

#define REQUIRE_WEIR()                                                  \
  do {                                                                  \
    if (weir_bin().empty()) GTEST_SKIP() << "WEIR_BIN not set (meson test sets it)"; \
  } while (0)

class TempDir {
 public:
  TempDir() {
    char t[] = "/tmp/weir-pyfm-XXXXXX";
    path_ = ::mkdtemp(t);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string operator/(const std::string& n) const { return (fs::path(path_) / n).string(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Runs weir with args; stdout/stderr into files in dir; returns the exit code.
int run_weir(const TempDir& dir, std::vector<std::string> args, std::string* out = nullptr,
             std::string* err = nullptr) {
  args.insert(args.begin(), weir_bin());
  test::Process p(args, dir / "stdout", dir / "stderr");
  const int rc = p.wait(std::chrono::milliseconds(60000));
  if (out) *out = test::slurp(dir / "stdout");
  if (err) *err = test::slurp(dir / "stderr");
  return rc;
}

double num(const std::string& s) { return std::stod(s); }  // stod reads "nan" too

const std::vector<std::string> kColumns = {
    "duration", "protocol", "src_port", "dst_port", "fwd_tot_pkt", "fwd_tot_byte", "bwd_tot_pkt",
    "bwd_tot_byte", "fwd_pkt_size_mean", "fwd_pkt_size_std", "fwd_pkt_size_skewness",
    "fwd_pkt_size_kurtosis", "fwd_pkt_size_min", "fwd_pkt_size_max", "bwd_pkt_size_mean",
    "bwd_pkt_size_std", "bwd_pkt_size_skewness", "bwd_pkt_size_kurtosis", "bwd_pkt_size_min",
    "bwd_pkt_size_max", "fwd_iat_mean", "fwd_iat_std", "fwd_iat_skewness", "fwd_iat_kurtosis",
    "fwd_iat_min", "fwd_iat_max", "bwd_iat_mean", "bwd_iat_std", "bwd_iat_skewness",
    "bwd_iat_kurtosis", "bwd_iat_min", "bwd_iat_max", "fwd_FIN_cnt", "fwd_SYN_cnt", "fwd_RST_cnt",
    "fwd_PUSH_cnt", "fwd_ACK_cnt", "fwd_URG_cnt", "fwd_CWE_cnt", "fwd_ECE_cnt", "bwd_FIN_cnt",
    "bwd_SYN_cnt", "bwd_RST_cnt", "bwd_PUSH_cnt", "bwd_ACK_cnt", "bwd_URG_cnt", "bwd_CWE_cnt",
    "bwd_ECE_cnt"};

constexpr uint64_t kT0 = 1'700'000'000'000'000'000ull;  // ns since the epoch

PcapRecord tcp_pkt(uint64_t ts, bool fwd, uint8_t flags, std::size_t payload,
                   std::string_view a = "10.0.0.1", std::string_view b = "10.0.0.2",
                   uint16_t pa = 40000, uint16_t pb = 80) {
  PacketBuilder pb_;
  pb_.eth();
  if (fwd) {
    pb_.ipv4(a, b).tcp(pa, pb, flags);
  } else {
    pb_.ipv4(b, a).tcp(pb, pa, flags);
  }
  const test::Frame f = pb_.payload(payload).build();
  return PcapRecord{ts, f.bytes, f.wire_len};
}

// ---------------------------------------------------------------------------------------
// Format

TEST(PyFlowMeterFormat, HeaderHasTheTools48ColumnsInItsOrder) {
  ASSERT_EQ(compat::pyflowmeter_columns().size(), 48u);
  std::string want;
  for (const std::string& c : kColumns) want += (want.empty() ? "" : ",") + c;
  EXPECT_EQ(compat::pyflowmeter_header(), want + "\n");
}

TEST(PyFlowMeterFormat, FloatsArePrintedAsPythonReprPrintsThem) {
  // What Python 3 prints for str(float) -- how PyFlowMeter wrote every float.
  const std::vector<std::pair<double, std::string>> cases = {
      {60.0, "60.0"}, {0.0, "0.0"}, {0.1, "0.1"}, {1e-05, "1e-05"}, {0.0001, "0.0001"},
      {4.0531158447265625e-06, "4.0531158447265625e-06"}, {1e16, "1e+16"},
      {123456789012345.6, "123456789012345.6"}, {-2.5, "-2.5"}, {1244.546583850932, "1244.546583850932"},
      {39.36734414100647, "39.36734414100647"}, {9999999999999998.0, "9999999999999998.0"},
      {NAN, "nan"}, {INFINITY, "inf"}, {-INFINITY, "-inf"}, {1.5e300, "1.5e+300"}};
  for (const auto& [v, want] : cases) {
    EXPECT_EQ(compat::python_float(v), want) << v;
  }
}

TEST(PyFlowMeterFormat, RowHas48FieldsAndEmptyDirectionsHaveNoShape) {
  FlowRecord r;
  r.proto = 17;
  r.src_port = 5353;
  r.dst_port = 53;
  r.start_ns = 1'000'000'000;
  r.end_ns = 1'500'000'000;
  r.dir[0].packets = 1;
  r.dir[0].l2_bytes = 80;
  r.dir[0].l2_len_min_bytes = r.dir[0].l2_len_max_bytes = 80;
  r.dir[0].l2_len_mean_bytes = 80;
  r.dir[0].l2_len_skewness = r.dir[0].l2_len_kurtosis = NAN;
  char buf[compat::kPyFlowMeterMaxRowBytes];
  const std::string row(buf, compat::format_pyflowmeter_row(r, buf));
  EXPECT_EQ(row,
            "0.5,UDP,5353,53,1,80,0,0,80.0,0.0,nan,nan,80,80,0.0,0.0,nan,nan,0,0,"
            "0.0,0.0,nan,nan,0.0,0.0,0.0,0.0,nan,nan,0.0,0.0,"
            "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0\n");
  r.proto = 1;
  EXPECT_FALSE(compat::pyflowmeter_carries(r));
}

// Central moments from shifted power sums stay exact where raw power sums lose every
// digit: IATs of 1 s with a spread of a microsecond.
TEST(PyFlowMeterMoments, ShiftedSumsSurviveALargeMeanAndATinySpread) {
  std::vector<double> x;
  for (int i = 0; i < 1000; ++i) x.push_back(1e9 + ((i * 7919) % 1000) + (i % 3 == 0 ? 900 : 0));
  const double K = x.front();
  double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  long double mean = 0;
  for (double v : x) {
    const double d = v - K;
    s1 += d, s2 += d * d, s3 += d * d * d, s4 += d * d * d * d;
    mean += v;
  }
  mean /= x.size();
  long double m2 = 0, m3 = 0, m4 = 0;  // two-pass reference in long double
  for (double v : x) {
    const long double d = v - mean;
    m2 += d * d, m3 += d * d * d, m4 += d * d * d * d;
  }
  m2 /= x.size(), m3 /= x.size(), m4 /= x.size();
  const Shape sh = shape_from_sums(static_cast<double>(x.size()), s1, s2, s3, s4,
                                   static_cast<double>(mean));
  EXPECT_NEAR(sh.stddev, std::sqrt(static_cast<double>(m2)), 1e-9 * std::sqrt(static_cast<double>(m2)));
  const double skew = static_cast<double>(m3 / std::pow(m2, 1.5L));
  const double kurt = static_cast<double>(m4 / (m2 * m2) - 3);
  EXPECT_NEAR(sh.skewness, skew, 1e-9);
  EXPECT_NEAR(sh.kurtosis, kurt, 1e-9);
  // Constant values: undefined, NaN as scipy.
  const Shape c = shape_from_sums(5, 0, 0, 0, 0, 1514);
  EXPECT_EQ(c.stddev, 0);
  EXPECT_TRUE(std::isnan(c.skewness));
  EXPECT_TRUE(std::isnan(c.kurtosis));
}

// ---------------------------------------------------------------------------------------
// Profile and options

TEST(PyFlowMeterProfile, CompatSetsTheFormatAndRulesAndLaterOptionsOverride) {
  cli::Options o = cli::parse({"-r", "x.pcap", "--compat", "pyflowmeter", "--idle-timeout", "30"});
  ASSERT_EQ(o.engine.outputs.size(), 1u);
  EXPECT_EQ(o.engine.outputs[0].format.name, "pyflowmeter");
  EXPECT_EQ(o.engine.outputs[0].path, "-");
  EXPECT_TRUE(o.engine.bidirectional);
  EXPECT_TRUE(o.engine.higher_moments);
  EXPECT_EQ(o.engine.idle_timeout_ns, 30'000'000'000ull);  // the option wins
  o = cli::parse({"--idle-timeout", "30", "-r", "x.pcap", "--compat", "pyflowmeter", "-o", "o.csv"});
  EXPECT_EQ(o.engine.idle_timeout_ns, 30'000'000'000ull);  // wherever --compat is
  EXPECT_EQ(o.engine.outputs[0].path, "o.csv");
  o = cli::parse({"-r", "x.pcap", "--compat", "pyflowmeter"});
  EXPECT_EQ(o.engine.idle_timeout_ns, 600'000'000'000ull);  // PyFlowMeter's -t default
  o = cli::parse({"-r", "x.pcap", "-F", "pyflowmeter"});
  EXPECT_EQ(o.engine.outputs[0].format.name, "pyflowmeter");
  EXPECT_FALSE(o.engine.higher_moments);  // the sink asks the engine itself
  o = cli::parse({"-r", "x.pcap", "--compat", "pyflowmeter", "-F", "csv", "-o", "o.csv"});
  EXPECT_EQ(o.engine.outputs[0].format, OutputFormat::csv);  // -F replaces the profile's
  EXPECT_EQ(o.engine.idle_timeout_ns, 600'000'000'000ull);  // its rules stay
  EXPECT_NE(compat::find_compat_profile("pyflowmeter"), nullptr);
  EXPECT_EQ(compat::find_compat_profile("pyflowmeterx"), nullptr);
}

TEST(PyFlowMeterCli, BadOptionsExit2WithAMessage) {
  REQUIRE_WEIR();
  TempDir t;
  const std::string pcap = t / "a.pcap";
  ASSERT_TRUE(test::write_pcap(pcap, std::vector<PcapRecord>{tcp_pkt(kT0, true, test::kSyn, 0)}));
  const std::vector<std::pair<std::vector<std::string>, std::string>> bad = {
      {{"--compat", "nope", "-r", pcap}, "unknown profile 'nope'"},
      {{"-r", pcap, "--compat"}, "--compat needs a value"},
      {{"-r", pcap, "-F", "pyflowmeterx"}, "unknown format"},
      {{"--compat", "pyflowmeter", "-r", pcap, "-o", "udp://127.0.0.1:9"}, "cannot write to"},
      {{"-r", t.path()}, "-r DIR needs one output directory"},
      {{"-r", t.path(), "-o", "-"}, "-r DIR needs one output directory"},
      {{"-r", t.path(), "-F", "ipfix", "-o", "udp://127.0.0.1:9"}, "-r DIR needs one output directory"},
      {{"-r", t.path(), "-r", pcap, "-o", t / "out"}, "cannot be combined"},
      {{"-r", t.path(), "-r", t.path(), "-o", t / "out"}, "one directory per run"},
      {{"--compat", "pyflowmeter", "--compat", "pyflowmeter", "-r", pcap}, "one profile per run"},
  };
  for (const auto& [args, msg] : bad) {
    std::string err;
    EXPECT_EQ(run_weir(t, args, nullptr, &err), 2) << args[0] << " " << args[1];
    EXPECT_NE(err.find(msg), std::string::npos) << err;
  }
}

// ---------------------------------------------------------------------------------------
// Metering, on synthetic captures with known answers

// One TCP connection with every flag in its own packet, both ways.
TEST(PyFlowMeterMeter, FlagColumnsHoldTheFlagsTheyAreNamedForAndUnitsAreSecondsAndFrameBytes) {
  REQUIRE_WEIR();
  TempDir t;
  constexpr uint8_t kUrg = 0x20, kEce = 0x40, kCwr = 0x80;
  std::vector<PcapRecord> p;
  uint64_t ts = kT0;
  // fwd: SYN, ACK, PSH|ACK, URG|ACK, ECE|ACK, CWR|ACK, CWR|ACK, FIN|ACK; bwd: SYN|ACK,
  // ACK x2, ECE|ACK x3, FIN|ACK. The bogus-order bug would put CWR in "FIN", ECE in "SYN".
  for (const uint8_t f : {test::kSyn, test::kAck, uint8_t(test::kPsh | test::kAck),
                          uint8_t(kUrg | test::kAck), uint8_t(kEce | test::kAck),
                          uint8_t(kCwr | test::kAck), uint8_t(kCwr | test::kAck)}) {
    p.push_back(tcp_pkt(ts, true, f, 10));
    ts += 250'000'000;  // 0.25 s
  }
  for (const uint8_t f : {uint8_t(test::kSyn | test::kAck), test::kAck, test::kAck,
                          uint8_t(kEce | test::kAck), uint8_t(kEce | test::kAck),
                          uint8_t(kEce | test::kAck)}) {
    p.push_back(tcp_pkt(ts, false, f, 100));
    ts += 500'000'000;  // 0.5 s
  }
  p.push_back(tcp_pkt(ts, true, test::kFin | test::kAck, 0));
  p.push_back(tcp_pkt(ts + 1000, false, test::kFin | test::kAck, 0));
  ASSERT_TRUE(test::write_pcap(t / "flags.pcap", p));
  ASSERT_EQ(run_weir(t, {"--compat", "pyflowmeter", "-r", t / "flags.pcap", "-o", t / "o.csv", "-q"}), 0);
  const test::CsvTable tab = test::read_csv_table(t / "o.csv");
  ASSERT_EQ(tab.header, kColumns);
  ASSERT_EQ(tab.rows.size(), 1u);
  auto& r = tab.rows[0];
  EXPECT_EQ(r.at("protocol"), "TCP");
  EXPECT_EQ(r.at("src_port"), "40000");
  EXPECT_EQ(r.at("dst_port"), "80");
  const std::map<std::string, std::string> want = {
      {"fwd_FIN_cnt", "1"}, {"fwd_SYN_cnt", "1"}, {"fwd_RST_cnt", "0"}, {"fwd_PUSH_cnt", "1"},
      {"fwd_ACK_cnt", "7"}, {"fwd_URG_cnt", "1"}, {"fwd_CWE_cnt", "2"}, {"fwd_ECE_cnt", "1"},
      {"bwd_FIN_cnt", "1"}, {"bwd_SYN_cnt", "1"}, {"bwd_RST_cnt", "0"}, {"bwd_PUSH_cnt", "0"},
      {"bwd_ACK_cnt", "7"}, {"bwd_URG_cnt", "0"}, {"bwd_CWE_cnt", "0"}, {"bwd_ECE_cnt", "3"},
      {"fwd_tot_pkt", "8"}, {"bwd_tot_pkt", "7"},
      // frame bytes: 14 Ethernet + 20 IP + 20 TCP + payload
      {"fwd_tot_byte", std::to_string(7 * 64 + 54)}, {"bwd_tot_byte", std::to_string(6 * 154 + 54)},
      {"fwd_pkt_size_min", "54"}, {"fwd_pkt_size_max", "64"},
      {"bwd_pkt_size_min", "54"}, {"bwd_pkt_size_max", "154"}};
  for (const auto& [col, v] : want) EXPECT_EQ(r.at(col), v) << col;
  // Seconds: 7 * 0.25 + 6 * 0.5 = 4.75 s to the last FIN, +1 µs for its answer.
  EXPECT_DOUBLE_EQ(num(r.at("duration")), 4.750001);
  // IAT per direction: forward gaps are 0.25 s but the last (FIN after the bwd packets,
  // 3.25 s); backward gaps 0.5 s and the FIN 0.5 s + 1 µs after.
  EXPECT_DOUBLE_EQ(num(r.at("fwd_iat_min")), 0.25);
  EXPECT_DOUBLE_EQ(num(r.at("fwd_iat_max")), 3.25);
  EXPECT_NEAR(num(r.at("fwd_iat_mean")), (6 * 0.25 + 3.25) / 7, 1e-12);
  EXPECT_DOUBLE_EQ(num(r.at("bwd_iat_min")), 0.5);
  EXPECT_DOUBLE_EQ(num(r.at("bwd_iat_max")), 0.500001);
  EXPECT_NEAR(num(r.at("bwd_iat_mean")), 3.000001 / 6, 1e-12);
  EXPECT_NEAR(num(r.at("fwd_pkt_size_mean")), (7.0 * 64 + 54) / 8, 1e-12);
}

// Two clients on one host using the same source port towards two servers port 80, and a
// server answering from port 80 to two ports: PyFlowMeter decided direction by source port
// only; weir by address and port (the flow key).
TEST(PyFlowMeterMeter, DirectionIsByAddressAndPortAndFinOrRstEndsTheFlow) {
  REQUIRE_WEIR();
  TempDir t;
  std::vector<PcapRecord> p;
  uint64_t ts = kT0;
  auto add = [&](bool fwd, uint8_t fl, std::string_view a, std::string_view b, uint16_t pa, uint16_t pb) {
    p.push_back(tcp_pkt(ts, fwd, fl, 0, a, b, pa, pb));
    ts += 1'000'000;
  };
  // Flow 1: 10.0.0.1:80 -> 10.0.0.2:80 (same port both sides), 2 fwd + 1 bwd.
  add(true, test::kSyn, "10.0.0.1", "10.0.0.2", 80, 80);
  add(false, test::kSyn | test::kAck, "10.0.0.1", "10.0.0.2", 80, 80);
  add(true, test::kAck, "10.0.0.1", "10.0.0.2", 80, 80);
  // Flow 2: ended by RST, then the same 5-tuple again 10 s later: a new row (within 600 s).
  add(true, test::kSyn, "10.0.0.3", "10.0.0.4", 5000, 443);
  add(false, test::kRst | test::kAck, "10.0.0.3", "10.0.0.4", 5000, 443);
  ts += 10'000'000'000ull;
  add(true, test::kSyn, "10.0.0.3", "10.0.0.4", 5000, 443);
  ASSERT_TRUE(test::write_pcap(t / "dir.pcap", p));
  ASSERT_EQ(run_weir(t, {"--compat", "pyflowmeter", "-r", t / "dir.pcap", "-o", t / "o.csv", "-q"}), 0);
  const test::CsvTable tab = test::read_csv_table(t / "o.csv");
  ASSERT_EQ(tab.rows.size(), 3u);
  // Records leave in (expiry, first packet) order: the RST-ended flow first.
  EXPECT_EQ(tab.rows[0].at("src_port"), "5000");
  EXPECT_EQ(tab.rows[0].at("bwd_RST_cnt"), "1");
  EXPECT_EQ(tab.rows[1].at("src_port"), "80");
  EXPECT_EQ(tab.rows[1].at("fwd_tot_pkt"), "2");
  EXPECT_EQ(tab.rows[1].at("bwd_tot_pkt"), "1");
  EXPECT_EQ(tab.rows[1].at("bwd_SYN_cnt"), "1");
  EXPECT_EQ(tab.rows[2].at("src_port"), "5000");
  EXPECT_EQ(tab.rows[2].at("fwd_tot_pkt"), "1");
  EXPECT_EQ(tab.rows[2].at("bwd_tot_pkt"), "0");
}

// Idle expiry is on packet time only: a gap above the timeout splits, below it does not,
// however many other packets come in between (no check cadence).
TEST(PyFlowMeterMeter, ExpiryIsOnPacketTimeNotOnACheckCadence) {
  REQUIRE_WEIR();
  TempDir t;
  std::vector<PcapRecord> p;
  p.push_back(tcp_pkt(kT0, true, test::kAck, 0));  // flow A
  for (int i = 0; i < 2000; ++i)                  // busy other flow B for 599 s
    p.push_back(tcp_pkt(kT0 + 1 + i * 299'500'000ull, true, test::kAck, 0, "10.1.0.1", "10.1.0.2", 1, 2));
  p.push_back(tcp_pkt(kT0 + 599'000'000'000ull, true, test::kAck, 0));  // A after 599 s: same row
  p.push_back(tcp_pkt(kT0 + 1200'000'000'000ull, true, test::kAck, 0));  // A after 601 s: new row
  std::sort(p.begin(), p.end(), [](const PcapRecord& a, const PcapRecord& b) { return a.ts_ns < b.ts_ns; });
  ASSERT_TRUE(test::write_pcap(t / "idle.pcap", p));
  ASSERT_EQ(run_weir(t, {"--compat", "pyflowmeter", "-r", t / "idle.pcap", "-o", t / "o.csv", "-q"}), 0);
  const test::CsvTable tab = test::read_csv_table(t / "o.csv");
  std::vector<std::string> a_pkts;
  for (const auto& r : tab.rows)
    if (r.at("src_port") == "40000") a_pkts.push_back(r.at("fwd_tot_pkt"));
  EXPECT_EQ(a_pkts, (std::vector<std::string>{"2", "1"}));
}

// Skewness and kurtosis against scipy.stats (biased, excess: its defaults) on the same
// frame lengths and inter-arrival times, for a flow with a wide spread of both.
TEST(PyFlowMeterMeter, SkewnessAndKurtosisMatchScipy) {
  REQUIRE_WEIR();
  TempDir t;
  if (std::system((std::string(kPython) + " -c 'import scipy.stats' 2>/dev/null").c_str()) != 0)
    GTEST_SKIP() << kPython << " with scipy not available: the scipy comparison is skipped";
  std::vector<PcapRecord> p;
  std::vector<uint64_t> len[2], ts_of[2];
  uint64_t ts = kT0, x = 12345;
  for (int i = 0; i < 600; ++i) {
    x = x * 6364136223846793005ull + 1442695040888963407ull;
    const bool fwd = (x >> 60) % 3 != 0;
    const std::size_t payload = (x >> 33) % 7 == 0 ? 1460 : (x >> 40) % 200;
    // IATs around 1 s with a spread from nanoseconds to milliseconds.
    ts += 1'000'000'000ull + ((x >> 20) % 5'000'000) * ((x >> 50) % 4 == 0 ? 1 : 0) + (x >> 55);
    p.push_back(tcp_pkt(ts, fwd, test::kAck, payload));
    len[fwd ? 0 : 1].push_back(54 + payload);
    ts_of[fwd ? 0 : 1].push_back(ts);
  }
  ASSERT_TRUE(test::write_pcap(t / "m.pcap", p));
  ASSERT_EQ(run_weir(t, {"--compat", "pyflowmeter", "-r", t / "m.pcap", "-o", t / "o.csv", "-q"}), 0);
  const test::CsvTable tab = test::read_csv_table(t / "o.csv");
  ASSERT_EQ(tab.rows.size(), 1u);
  // The values, one sample per line, for scipy.
  {
    std::ofstream f(t / "samples.txt");
    f.precision(17);
    for (int d = 0; d < 2; ++d) {
      for (uint64_t v : len[d]) f << v << ' ';
      f << '\n';
      for (std::size_t i = 1; i < ts_of[d].size(); ++i)
        f << static_cast<double>(ts_of[d][i] - ts_of[d][i - 1]) / 1e9 << ' ';
      f << '\n';
    }
  }
  const std::string script =
      "import sys, numpy as np\n"
      "from scipy.stats import skew, kurtosis\n"
      "for line in open(sys.argv[1]):\n"
      "    a = np.array([float(v) for v in line.split()])\n"
      "    print(repr(a.mean()), repr(a.std()), repr(skew(a)), repr(kurtosis(a)), repr(a.min()), repr(a.max()))\n";
  std::ofstream(t / "s.py") << script;
  test::Process py({kPython, t / "s.py", t / "samples.txt"}, t / "scipy.txt", t / "scipy.err");
  ASSERT_EQ(py.wait(std::chrono::milliseconds(60000)), 0) << test::slurp(t / "scipy.err");
  std::istringstream in(test::slurp(t / "scipy.txt"));
  const char* groups[] = {"fwd_pkt_size", "fwd_iat", "bwd_pkt_size", "bwd_iat"};
  const char* stats[] = {"mean", "std", "skewness", "kurtosis", "min", "max"};
  for (const char* g : groups) {
    for (const char* s : stats) {
      std::string v;
      ASSERT_TRUE(in >> v);
      const double want = num(v);
      const double got = num(tab.rows[0].at(std::string(g) + "_" + s));
      EXPECT_NEAR(got, want, 1e-9 * std::max(1.0, std::fabs(want))) << g << "_" << s;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Real captures

std::string capture(const std::string& rel) { return (fs::path(test::captures_dir()) / rel).string(); }

// Per direction (src port, dst port): packets, frame bytes and each flag's count as tshark
// (an independent dissector) sees them.
using Counts = std::map<std::pair<std::string, std::string>, std::vector<uint64_t>>;
bool tshark_counts(const TempDir& t, const std::string& pcap, Counts& out) {
  const std::string tshark = test::find_program("tshark");
  if (tshark.empty()) return false;
  test::Process p({tshark, "-r", pcap, "-Y", "tcp", "-T", "fields", "-e", "tcp.srcport", "-e",
                   "tcp.dstport", "-e", "frame.len", "-e", "tcp.flags"},
                  t / "tshark.txt", t / "tshark.err");
  if (p.wait(std::chrono::milliseconds(60000)) != 0) return false;
  std::istringstream in(test::slurp(t / "tshark.txt"));
  std::string sp, dp, len, flags;
  while (in >> sp >> dp >> len >> flags) {
    auto& c = out[{sp, dp}];
    c.resize(10);
    c[0] += 1;
    c[1] += std::stoull(len);
    const unsigned f = static_cast<unsigned>(std::stoul(flags, nullptr, 16));
    for (int b = 0; b < 8; ++b) c[2 + b] += (f >> b) & 1;
  }
  return !out.empty();
}

TEST(PyFlowMeterCaptures, FlagsPacketsAndFrameBytesMatchTsharkOnARealTcpCapture) {
  REQUIRE_WEIR();
  WEIR_REQUIRE_CAPTURES();
  const std::string pcap = capture("tcp/weibo.pcap");
  if (!fs::exists(pcap)) GTEST_SKIP() << pcap << " not found";
  TempDir t;
  Counts ts;
  if (!tshark_counts(t, pcap, ts)) GTEST_SKIP() << "tshark not available";
  ASSERT_EQ(run_weir(t, {"--compat", "pyflowmeter", "-r", pcap, "-o", t / "o.csv", "-q"}), 0);
  const test::CsvTable tab = test::read_csv_table(t / "o.csv");
  std::map<std::pair<std::string, std::string>, int> seen;
  for (const auto& r : tab.rows) seen[std::minmax(r.at("src_port"), r.at("dst_port"))]++;
  // Column -> tshark flag bit (FIN 0 ... ECE 6, CWR 7: "CWE" is CWR).
  const std::vector<std::pair<std::string, int>> flag_cols = {
      {"FIN", 0}, {"SYN", 1}, {"RST", 2}, {"PUSH", 3}, {"ACK", 4}, {"URG", 5}, {"CWE", 7}, {"ECE", 6}};
  int compared = 0;
  for (const auto& r : tab.rows) {
    if (r.at("protocol") != "TCP") continue;
    const std::string& sp = r.at("src_port");
    const std::string& dp = r.at("dst_port");
    if (sp == dp || seen[std::minmax(sp, dp)] != 1) continue;  // ports alone identify it
    for (const auto& [dir, key] : {std::pair{"fwd", std::pair{sp, dp}}, std::pair{"bwd", std::pair{dp, sp}}}) {
      std::vector<uint64_t> c = ts.count(key) ? ts.at(key) : std::vector<uint64_t>(10, 0);
      const std::string d(dir);
      EXPECT_EQ(r.at(d + "_tot_pkt"), std::to_string(c[0])) << sp << "->" << dp;
      EXPECT_EQ(r.at(d + "_tot_byte"), std::to_string(c[1])) << sp << "->" << dp;
      for (const auto& [name, bit] : flag_cols)
        EXPECT_EQ(r.at(d + "_" + name + "_cnt"), std::to_string(c[2 + bit])) << d << " " << name << " " << sp;
    }
    ++compared;
  }
  EXPECT_GE(compared, 10) << "too few TCP flows with unique ports to compare";
}

TEST(PyFlowMeterCaptures, Ipv6AndUdpFlowsArePresentAndFragmentsMakeNoFlowOfTheirOwn) {
  REQUIRE_WEIR();
  WEIR_REQUIRE_CAPTURES();
  TempDir t;
  struct Case {
    std::string file, proto;
  };
  for (const Case& c : {Case{"ipv6/http_ipv6.pcap", "TCP"}, Case{"udp/DnsPackets.pcap", "UDP"},
                        Case{"fragments/ipv6-fragmented-dns.pcap", "UDP"},
                        Case{"fragments/ip4_fragments.pcap", "UDP"}}) {
    const std::string pcap = capture(c.file);
    if (!fs::exists(pcap)) GTEST_SKIP() << pcap << " not found";
    ASSERT_EQ(run_weir(t, {"--compat", "pyflowmeter", "-r", pcap, "-o", t / "o.csv", "-q"}), 0) << c.file;
    const test::CsvTable tab = test::read_csv_table(t / "o.csv");
    ASSERT_FALSE(tab.rows.empty()) << c.file;
    bool found = false;
    for (const auto& r : tab.rows) {
      found |= r.at("protocol") == c.proto;
      // PyFlowMeter's bogus fragment flow had no ports.
      EXPECT_FALSE(r.at("src_port") == "0" && r.at("dst_port") == "0") << c.file;
    }
    EXPECT_TRUE(found) << c.file << " has no " << c.proto << " row";
  }
  // ip4_fragments: one UDP datagram of 50 fragments (and 3 replies) is one row, all counted.
  const test::CsvTable tab = test::read_csv_table(t / "o.csv");
  ASSERT_EQ(tab.rows.size(), 1u);
  EXPECT_EQ(tab.rows[0].at("fwd_tot_pkt"), "50");
}

// ICMP records are metered but have no row; the summary names them.
TEST(PyFlowMeterCaptures, RecordsNeitherTcpNorUdpAreCountedInTheSummary) {
  REQUIRE_WEIR();
  WEIR_REQUIRE_CAPTURES();
  const std::string pcap = capture("icmp/PING1.pcap");
  if (!fs::exists(pcap)) GTEST_SKIP() << pcap << " not found";
  TempDir t;
  std::string err;
  ASSERT_EQ(run_weir(t, {"--compat", "pyflowmeter", "-r", pcap, "-o", t / "o.csv"}, nullptr, &err), 0);
  EXPECT_TRUE(test::read_csv_table(t / "o.csv").rows.empty());
  EXPECT_NE(err.find("not exported:  pyflowmeter " + (t / "o.csv") + ": 0 rows, 1 records not written"),
            std::string::npos)
      << err;
}

// ---------------------------------------------------------------------------------------
// -r DIR

TEST(PyFlowMeterInputDir, EveryCaptureOfADirectoryGetsItsOwnFlowFile) {
  REQUIRE_WEIR();
  TempDir t;
  fs::create_directory(t / "in");
  ASSERT_TRUE(test::write_pcap(t / "in/b.pcap", std::vector<PcapRecord>{tcp_pkt(kT0, true, test::kSyn, 0)}));
  ASSERT_TRUE(test::write_pcap(t / "in/a.pcap", std::vector<PcapRecord>{
      tcp_pkt(kT0, true, test::kSyn, 0), tcp_pkt(kT0 + 5, false, test::kSyn | test::kAck, 0)}));
  std::ofstream(t / "in/README.txt") << "not a capture\n";
  std::string err;
  ASSERT_EQ(run_weir(t, {"--compat", "pyflowmeter", "-r", t / "in", "-o", t / "out/sub", "-q"}, nullptr, &err), 0)
      << err;
  // Sorted by name, a line per file, the non-capture named and skipped.
  const std::size_t a = err.find("1/2 " + (t / "in/a.pcap"));
  const std::size_t b = err.find("2/2 " + (t / "in/b.pcap"));
  EXPECT_NE(a, std::string::npos) << err;
  EXPECT_NE(b, std::string::npos) << err;
  EXPECT_LT(a, b);
  EXPECT_NE(err.find("skipping " + (t / "in/README.txt")), std::string::npos) << err;
  const test::CsvTable ta = test::read_csv_table(t / "out/sub/a_flow.csv");
  const test::CsvTable tb = test::read_csv_table(t / "out/sub/b_flow.csv");
  EXPECT_EQ(ta.header, kColumns);
  ASSERT_EQ(ta.rows.size(), 1u);
  EXPECT_EQ(ta.rows[0].at("bwd_tot_pkt"), "1");
  ASSERT_EQ(tb.rows.size(), 1u);
  EXPECT_EQ(tb.rows[0].at("bwd_tot_pkt"), "0");
  EXPECT_FALSE(fs::exists(t / "out/sub/README_flow.csv"));

  // Plain weir too: its own CSV, each file its own run.
  ASSERT_EQ(run_weir(t, {"-r", t / "in", "-o", t / "plain", "-q"}), 0);
  const test::CsvTable pa = test::read_csv_table(t / "plain/a_flow.csv");
  ASSERT_FALSE(pa.header.empty());
  EXPECT_EQ(pa.header[0], "flow_id");
  ASSERT_EQ(pa.rows.size(), 1u);
  EXPECT_EQ(pa.rows[0].at("bwd_packets"), "1");
  EXPECT_TRUE(fs::exists(t / "plain/b_flow.csv"));
}

TEST(PyFlowMeterInputDir, ABadFileIsReportedAndTheOthersAreStillMetered) {
  REQUIRE_WEIR();
  TempDir t;
  fs::create_directory(t / "in");
  ASSERT_TRUE(test::write_pcap(t / "in/good.pcap", std::vector<PcapRecord>{tcp_pkt(kT0, true, test::kSyn, 0)}));
  // A pcap magic followed by a truncated header: malformed.
  std::ofstream(t / "in/bad.pcap", std::ios::binary) << std::string("\xd4\xc3\xb2\xa1\x02\x00", 6);
  std::string err;
  const int rc = run_weir(t, {"-F", "pyflowmeter", "-r", t / "in", "-o", t / "out", "-q"}, nullptr, &err);
  EXPECT_TRUE(rc == 3 || rc == 4) << rc << " " << err;
  EXPECT_NE(err.find("bad.pcap"), std::string::npos) << err;
  EXPECT_EQ(test::read_csv_table(t / "out/good_flow.csv").rows.size(), 1u);
  // An empty directory, or one without captures, is an input error.
  fs::create_directory(t / "empty");
  EXPECT_EQ(run_weir(t, {"-r", t / "empty", "-o", t / "out2", "-q"}, nullptr, &err), 3) << err;
}

}  // namespace
}  // namespace weir
