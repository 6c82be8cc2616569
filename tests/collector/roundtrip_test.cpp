// SPDX-License-Identifier: Apache-2.0
// Round trips through IPFIX: weir meters real captures; the same records go out as IPFIX
// (weir's IPFIX sink) over UDP and over TCP into `weir collect`, and into an .ipfix file
// that `weir cat` reads; each CSV equals weir's direct CSV in every column IPFIX carries
// (the registry says which: fields with an information element, plus duration_ns,
// icmp_code, and end_reason as its IPFIX code -- IPFIX has five reasons, weir seven).
#include <filesystem>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "exporters/binary_reader.hpp"
#include "exporters/field_registry.hpp"
#include "exporters/flow_sink.hpp"
#include "support/captures.hpp"
#include "support/csv_table.hpp"
#include "support/process.hpp"

namespace weir {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::Process;

// CSV columns an IPFIX export keeps.
std::set<std::string> ipfix_columns() {
  using namespace fields;
  std::set<std::string> out = {"duration_ns", "icmp_code", "end_reason_ipfix"};
  for (const Field& f : kFields) {
    for (const Element& e : f.ipfix) {
      if (!e.present() || f.text == Text::none) continue;
      if (f.scope == Scope::flow) {
        if (f.name != "end_reason") out.insert(std::string(f.name));  // compared as end_reason_ipfix
      } else {
        if (e.dirs & kFwd) out.insert("fwd_" + std::string(f.name));
        if (e.dirs & kRev) out.insert("bwd_" + std::string(f.name));
      }
    }
  }
  return out;
}

class RoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* w = std::getenv("WEIR_BIN");
    if (!w) GTEST_SKIP() << "WEIR_BIN not set (meson test sets it)";
    weir_ = w;
    WEIR_REQUIRE_CAPTURES();
    dir_ = fs::temp_directory_path() / ("weir-roundtrip-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty() && !HasFailure()) fs::remove_all(dir_);
  }
  std::string file(const std::string& n) const { return (dir_ / n).string(); }

  // Writes recs as IPFIX to dest (udp://, tcp:// or a path) through weir's sink.
  static void export_ipfix(const std::string& dest, const std::vector<FlowRecord>& recs) {
    std::unique_ptr<FlowSink> sink;
    Status s = open_sink({.path = dest, .format = OutputFormat::ipfix}, sink);
    ASSERT_TRUE(s) << s.message;
    for (std::size_t i = 0; i < recs.size(); i += 32) {
      ASSERT_TRUE(sink->write_burst(std::span(recs).subspan(i, std::min<std::size_t>(32, recs.size() - i))));
      ASSERT_TRUE(sink->flush());
      if (dest.rfind("udp://", 0) == 0) std::this_thread::sleep_for(1ms);  // loopback pacing
    }
    s = sink->finish();
    ASSERT_TRUE(s) << s.message;
  }

  // Collects what export_ipfix sends to `proto`://127.0.0.1 into a CSV file.
  void collect(const std::string& proto, const std::vector<FlowRecord>& recs, const std::string& csv) {
    const uint16_t port = test::free_port(proto == "tcp" ? SOCK_STREAM : SOCK_DGRAM);
    const std::string url = proto + "://127.0.0.1:" + std::to_string(port);
    // -c: the collector stops by itself once every record is in.
    Process p({weir_, "collect", "-l", url, "-o", csv, "-c", std::to_string(recs.size())}, "", csv + ".err");
    ASSERT_TRUE(test::wait_bound(port, proto == "tcp" ? SOCK_STREAM : SOCK_DGRAM)) << test::slurp(csv + ".err");
    export_ipfix(url, recs);
    ASSERT_EQ(p.wait(30s), 0) << "not all records arrived: " << test::slurp(csv + ".err");
  }

  static void expect_same_columns(const std::string& want_csv, const std::string& got_csv, const std::string& what) {
    const test::CsvTable want = test::read_csv_table(want_csv);
    const test::CsvTable got = test::read_csv_table(got_csv);
    ASSERT_FALSE(want.rows.empty()) << what;
    ASSERT_EQ(got.header, want.header) << what;
    ASSERT_EQ(got.rows.size(), want.rows.size()) << what;
    const std::set<std::string> cols = ipfix_columns();
    std::size_t compared = 0;
    for (std::size_t i = 0; i < want.rows.size(); ++i) {
      for (const std::string& c : want.header) {
        if (!cols.count(c)) continue;
        ++compared;
        ASSERT_EQ(got.rows[i].at(c), want.rows[i].at(c)) << what << ": row " << i << " column " << c;
      }
    }
    EXPECT_GE(compared, want.rows.size() * 30) << what << ": too few columns compared";
  }

  std::string weir_;
  fs::path dir_;
};

TEST_F(RoundTrip, IpfixOverUdpTcpAndFileEqualsTheDirectCsv) {
  for (const char* cap : {"mixed/iphone.pcap", "mixed/netflix.pcap", "tcp/weibo.pcap", "ipv6/http_ipv6.pcap",
                          "tcp/workshop_2011_browse.pcap"}) {
    SCOPED_TRACE(cap);
    const std::string in = (fs::path(test::captures_dir()) / cap).string();
    ASSERT_EQ(Process({weir_, "-r", in, "-o", file("direct.csv"), "-q"}).wait(), 0);
    ASSERT_EQ(Process({weir_, "-r", in, "-F", "bin", "-o", file("records.bin"), "-q"}).wait(), 0);
    bool bidir = false;
    std::vector<FlowRecord> recs;
    ASSERT_TRUE(read_flow_file(file("records.bin"), bidir, recs));
    ASSERT_TRUE(bidir);
    collect("udp", recs, file("udp.csv"));
    expect_same_columns(file("direct.csv"), file("udp.csv"), std::string("IPFIX over UDP, ") + cap);
    collect("tcp", recs, file("tcp.csv"));
    expect_same_columns(file("direct.csv"), file("tcp.csv"), std::string("IPFIX over TCP, ") + cap);
    export_ipfix(file("records.ipfix"), recs);
    ASSERT_EQ(Process({weir_, "cat", file("records.ipfix"), "-o", file("file.csv")}).wait(), 0);
    expect_same_columns(file("direct.csv"), file("file.csv"), std::string("IPFIX file, ") + cap);
  }
}

}  // namespace
}  // namespace weir
