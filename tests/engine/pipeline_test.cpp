// SPDX-License-Identifier: Apache-2.0
// End-to-end: run_pipeline on real captures (conservation, malformed inputs, the
// flowRecorder oracles) and on generated traffic (determinism across -w, ground truth).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gen/traffic_gen.hpp"
#include "engine/pipeline.hpp"
#include "support/captures.hpp"
#include "support/packet_builder.hpp"
#include "support/pcap_writer.hpp"
#include <random>

namespace weir {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Rows of a delimited text file (weir's CSV has no quoted fields); sep ',' or '\t'.
std::vector<std::vector<std::string>> read_csv(const fs::path& p, char sep = ',') {
  std::vector<std::vector<std::string>> rows;
  std::ifstream f(p);
  std::string line;
  while (std::getline(f, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, sep)) cols.push_back(c);
    if (!line.empty() && line.back() == sep) cols.emplace_back();
    rows.push_back(cols);
  }
  return rows;
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("weir-engine-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter()++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

RunSummary run(EngineConfig cfg, Status* st = nullptr) {
  RunSummary sum;
  Status s = run_pipeline(cfg, sum);
  if (st) *st = s;
  else EXPECT_TRUE(s) << s.message;
  return sum;
}

EngineConfig config_for(const std::string& in, const fs::path& out, uint32_t workers) {
  EngineConfig c;
  c.inputs = {in};
  c.workers = workers;
  c.sink.path = out.string();
  return c;
}

// Column index by header name.
std::size_t col(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  ADD_FAILURE() << "no column " << name;
  return 0;
}

TEST(Pipeline, EveryRealCaptureRunsToCompletionAndConservesPackets) {
  WEIR_REQUIRE_CAPTURES();
  TempDir tmp;
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(test::captures_dir())) {
    const std::string ext = e.path().extension().string();
    if (!e.is_regular_file() || (ext != ".pcap" && ext != ".pcapng")) continue;
    ++files;
    for (uint32_t w : {1u, 2u}) {
      Status st;
      const RunSummary sum = run(config_for(e.path().string(), tmp.path / "out.csv", w), &st);
      if (!st) {
        // Only a bad file header may stop a run before it starts.
        EXPECT_NE(e.path().string().find("malformed"), std::string::npos) << e.path() << ": " << st.message;
        continue;
      }
      EXPECT_TRUE(sum.conserved()) << e.path() << "\n" << sum.format();
      EXPECT_TRUE(sum.output_error.empty()) << sum.output_error;
      if (e.path().string().find("malformed") == std::string::npos) {
        EXPECT_TRUE(sum.input_error.empty()) << e.path() << ": " << sum.input_error;
      }
    }
  }
  EXPECT_GT(files, 50);
}

TEST(Pipeline, FlowRecorderOracleHttp1Unidirectional) {
  WEIR_REQUIRE_CAPTURES();
  TempDir tmp;
  EngineConfig c = config_for(test::captures_dir() + "/tcp/http1.pcap", tmp.path / "u.csv", 1);
  c.bidirectional = false;
  const RunSummary sum = run(c);
  ASSERT_EQ(sum.records_total, 2u);
  const auto rows = read_csv(tmp.path / "u.csv");
  ASSERT_EQ(rows.size(), 3u);
  const auto& h = rows[0];
  std::vector<std::pair<std::string, std::string>> got;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    got.emplace_back(rows[i][col(h, "fwd_packets")], rows[i][col(h, "fwd_ip_bytes")]);
  }
  std::sort(got.begin(), got.end());
  // flowRecorder's own oracle: 4 packets / 221 bytes and 3 / 260 (IPv4 total lengths).
  EXPECT_EQ(got[0], std::make_pair(std::string("3"), std::string("260")));
  EXPECT_EQ(got[1], std::make_pair(std::string("4"), std::string("221")));
}

TEST(Pipeline, FlowRecorderOraclePing1IsOneBiflowOfTwoEachWay) {
  WEIR_REQUIRE_CAPTURES();
  TempDir tmp;
  const RunSummary sum = run(config_for(test::captures_dir() + "/icmp/PING1.pcap", tmp.path / "b.csv", 1));
  const auto rows = read_csv(tmp.path / "b.csv");
  ASSERT_GE(rows.size(), 2u);
  const auto& h = rows[0];
  // Two echo exchanges with one identifier: one biflow, 2 packets / 168 bytes each way.
  ASSERT_EQ(sum.records_total, 1u);
  EXPECT_EQ(rows[1][col(h, "fwd_packets")], "2");
  EXPECT_EQ(rows[1][col(h, "fwd_ip_bytes")], "168");
  EXPECT_EQ(rows[1][col(h, "bwd_packets")], "2");
  EXPECT_EQ(rows[1][col(h, "bwd_ip_bytes")], "168");
}

TEST(Pipeline, FlowRecorderOracleSynOnlyAndSynExpiration) {
  WEIR_REQUIRE_CAPTURES();
  TempDir tmp;
  const RunSummary one = run(config_for(test::captures_dir() + "/tcp/tcp_syn_only.pcap", tmp.path / "a.csv", 1));
  EXPECT_EQ(one.records_total, 1u);
  const auto rows = read_csv(tmp.path / "a.csv");
  EXPECT_EQ(rows[1][col(rows[0], "fwd_ip_bytes")], "60");
  EngineConfig c = config_for(test::captures_dir() + "/tcp/tcp_syn_flow_expiration.pcap", tmp.path / "b.csv", 2);
  c.idle_timeout_ns = 3600ull * 1'000'000'000;
  c.active_timeout_ns = 7200ull * 1'000'000'000;  // flowRecorder has no active timeout
  const RunSummary two = run(c);
  EXPECT_EQ(two.records_total, 2u);
  EXPECT_EQ(two.records[static_cast<std::size_t>(EndReason::idle)], 1u);
}

TEST(Pipeline, OutputIsByteIdenticalForAnyWorkerCountOnRealCaptures) {
  WEIR_REQUIRE_CAPTURES();
  TempDir tmp;
  for (const char* f : {"mixed/netflix.pcap", "mixed/iphone.pcap", "udp/DnsPackets.pcap"}) {
    std::string first;
    for (uint32_t w : {1u, 2u, 3u}) {
      run(config_for(test::captures_dir() + "/" + f, tmp.path / "o.csv", w));
      const std::string out = slurp(tmp.path / "o.csv");
      if (w == 1) {
        first = out;
        EXPECT_GT(out.size(), 100u);
      } else {
        EXPECT_EQ(out, first) << f << " differs with -w " << w;
      }
    }
  }
}

// Synthetic traffic that exercises every expiry rule: short idle and active timeouts,
// FIN and RST closes, ICMP echo, IPv6, VLAN tags and both directions.
std::vector<test::PcapRecord> synthetic_traffic(uint32_t n_packets, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<test::PcapRecord> recs;
  uint64_t t = 1'700'000'000ull * 1'000'000'000;
  for (uint32_t i = 0; i < n_packets; ++i) {
    t += rng() % 20'000'000;  // up to 20 ms between packets
    const uint32_t flow = static_cast<uint32_t>(rng() % 400);
    const bool rev = rng() % 2;
    const std::string a = "10.0." + std::to_string(flow / 200) + "." + std::to_string(flow % 200 + 1);
    const std::string b = "192.168.1.1";
    test::PacketBuilder pb;
    pb.eth();
    if (flow % 7 == 0) pb.vlan(static_cast<uint16_t>(100 + flow % 3));
    const uint16_t cport = static_cast<uint16_t>(20000 + flow);
    switch (flow % 5) {
      case 0:
      case 1: {
        pb.ipv4(rev ? b : a, rev ? a : b);
        const uint8_t fl = rng() % 40 == 0 ? test::kFin | test::kAck
                           : rng() % 80 == 0 ? test::kRst
                                             : test::kAck;
        pb.tcp(rev ? 443 : cport, rev ? cport : 443, fl).payload(rng() % 1400);
        break;
      }
      case 2:
        pb.ipv4(rev ? b : a, rev ? a : b).udp(rev ? 53 : cport, rev ? cport : 53).payload(rng() % 500);
        break;
      case 3:
        pb.ipv4(rev ? b : a, rev ? a : b).icmp(rev ? 0 : 8, 0, static_cast<uint16_t>(flow)).payload(56);
        break;
      default: {
        const std::string a6 = "fd00::" + std::to_string(flow), b6 = "2001:db8::1";
        pb.ipv6(rev ? b6 : a6, rev ? a6 : b6).udp(rev ? 443 : cport, rev ? cport : 443).payload(rng() % 1200);
      }
    }
    const test::Frame f = pb.build();
    recs.push_back({t, f.bytes, f.wire_len});
  }
  return recs;
}

TEST(Pipeline, OutputIsByteIdenticalForOneTwoAndThreeWorkersWithEveryExpiryRule) {
  TempDir tmp;
  const auto recs = synthetic_traffic(30000, 7);
  const std::string in = (tmp.path / "syn.pcap").string();
  ASSERT_TRUE(test::write_pcap(in, recs));
  for (bool bidir : {true, false}) {
    for (OutputFormat fmt : {OutputFormat::csv, OutputFormat::binary}) {
      std::string first;
      RunSummary first_sum;
      for (uint32_t w : {1u, 2u, 3u}) {
        EngineConfig c = config_for(in, tmp.path / "o", w);
        c.bidirectional = bidir;
        c.sink.format = fmt;
        c.idle_timeout_ns = 15'000'000'000;    // 15 s: ~4 s mean gap per flow, some exceed it
        c.active_timeout_ns = 30'000'000'000;  // 30 s: long flows get cut
        c.tcp_close_grace_ns = 500'000'000;
        const RunSummary sum = run(c);
        ASSERT_TRUE(sum.conserved()) << sum.format();
        const std::string out = slurp(tmp.path / "o");
        if (w == 1) {
          first = out;
          first_sum = sum;
          for (std::size_t r : {0u, 1u, 2u}) EXPECT_GT(sum.records[r], 0u) << "end reason " << r;
        } else {
          EXPECT_EQ(out, first) << "-w " << w << (bidir ? " -d b" : " -d u");
          EXPECT_EQ(sum.records, first_sum.records);
        }
      }
    }
  }
}

TEST(Pipeline, MissingInputIsAnOpenError) {
  TempDir tmp;
  Status st;
  run(config_for((tmp.path / "nope.pcap").string(), tmp.path / "o.csv", 1), &st);
  EXPECT_FALSE(st);
  EXPECT_NE(st.message.find("nope.pcap"), std::string::npos) << st.message;
  EXPECT_FALSE(fs::exists(tmp.path / "o.csv"));
}

TEST(Pipeline, CorruptRecordKeepsTheFlowsReadBeforeIt) {
  WEIR_REQUIRE_CAPTURES();
  TempDir tmp;
  // 6 good TLS packets, then a garbage record header.
  const RunSummary sum =
      run(config_for(test::captures_dir() + "/malformed/tls_DER-incomplete-header.pcap", tmp.path / "o.csv", 2));
  EXPECT_FALSE(sum.input_error.empty());
  EXPECT_EQ(sum.packets_read, 6u);
  EXPECT_EQ(sum.records_written, 1u);
  EXPECT_TRUE(sum.conserved());
  EXPECT_TRUE(fs::exists(tmp.path / "o.csv"));
  // The machine-readable summary carries the message itself (file, byte offset, what).
  const std::string j = sum.to_json();
  EXPECT_NE(j.find("\"input_error\": \"" + sum.input_error), std::string::npos) << j;
  EXPECT_NE(sum.input_error.find("byte 5035"), std::string::npos) << sum.input_error;
}

TEST(Pipeline, SummaryNamesTheThreadLayoutThatRan) {
  TempDir tmp;
  const std::string in = (tmp.path / "s.pcap").string();
  ASSERT_TRUE(test::write_pcap(in, synthetic_traffic(500, 3)));
  EngineConfig c = config_for(in, tmp.path / "o.csv", 1);
  EXPECT_FALSE(run(c).reader_thread);  // -w 1: one thread
  c.reader_thread = true;
  EXPECT_TRUE(run(c).reader_thread);
  c.workers = 2;
  c.reader_thread = false;
  EXPECT_TRUE(run(c).reader_thread);  // -w 2: the reader always has its own thread
  c.stop_after = EngineConfig::Stage::decode;
  EXPECT_FALSE(run(c).reader_thread);  // stage timing runs the reader inline
}

TEST(Summary, JsonEscapesMessages) {
  RunSummary s;
  s.output_error = "disk \"full\"\n";
  const std::string j = s.to_json();
  EXPECT_NE(j.find(R"("output_error": "disk \"full\"\u000a")"), std::string::npos) << j;
  EXPECT_NE(j.find(R"("input_error": null)"), std::string::npos) << j;
}

// weir gen's per-flow ground truth against weir's own output: with timeouts longer than
// the trace, every generated flow is exactly one biflow (or one record per direction that
// carried packets), with the truth's packets and IP / L2 bytes per direction.
class GenTruth : public ::testing::TestWithParam<GenProfile> {};

TEST_P(GenTruth, EveryGeneratedFlowIsOneRecordWithItsExactCounts) {
  TempDir tmp;
  GenConfig g;
  g.profile = GetParam();
  g.packets = 40'000;
  g.seed = 11;
  g.output = (tmp.path / "g.pcap").string();
  g.truth_prefix = (tmp.path / "g").string();
  if (g.profile == GenProfile::linerate) g.concurrency = 5'000;
  GenTotals totals;
  ASSERT_TRUE(generate(g, &totals));
  // Truth: key -> {client endpoint, packets, ip bytes, l2 bytes per direction}.
  struct Flow {
    std::string client;
    uint64_t pkts[2], ip[2], l2[2];
  };
  std::map<std::string, Flow> truth;
  uint64_t uni = 0;
  {
    const auto rows = read_csv(tmp.path / "g.flows.tsv", '\t');
    ASSERT_GT(rows.size(), 1u);
    const auto& h = rows[0];
    for (std::size_t i = 1; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const std::string a = r[col(h, "client")] + "/" + r[col(h, "cport")];
      const std::string b = r[col(h, "server")] + "/" + r[col(h, "sport")];
      const std::string key = r[col(h, "proto")] + "|" + r[col(h, "vlan")] + "|" + std::min(a, b) + "|" + std::max(a, b);
      Flow f{a, {}, {}, {}};
      const char* dirs[2] = {"c2s", "s2c"};
      for (int d = 0; d < 2; ++d) {
        f.pkts[d] = std::stoull(r[col(h, std::string("pkts_") + dirs[d])]);
        f.ip[d] = std::stoull(r[col(h, std::string("ip_bytes_") + dirs[d])]);
        f.l2[d] = std::stoull(r[col(h, std::string("l2_bytes_") + dirs[d])]);
        uni += f.pkts[d] > 0;
      }
      ASSERT_TRUE(truth.emplace(key, f).second) << "truth keys must be unique: " << key;
    }
  }
  for (bool bidir : {true, false}) {
    SCOPED_TRACE(bidir ? "-d b" : "-d u");
    EngineConfig c = config_for(g.output, tmp.path / "o.csv", 2);
    c.bidirectional = bidir;
    c.idle_timeout_ns = c.active_timeout_ns = 72ull * 3600 * 1'000'000'000;
    c.max_flows = 4'000'000;
    const RunSummary sum = run(c);
    ASSERT_TRUE(sum.conserved());
    EXPECT_EQ(sum.packets_read, totals.all.packets);
    EXPECT_EQ(sum.records_total, bidir ? truth.size() : uni);
    const auto rows = read_csv(tmp.path / "o.csv");
    const auto& h = rows[0];
    std::map<std::string, Flow> got;
    for (std::size_t i = 1; i < rows.size(); ++i) {
      const auto& r = rows[i];
      const bool icmp = r[col(h, "proto")] == "1" || r[col(h, "proto")] == "58";
      const std::string sp = icmp ? r[col(h, "icmp_id")] : r[col(h, "src_port")];
      const std::string dp = icmp ? r[col(h, "icmp_id")] : r[col(h, "dst_port")];
      const std::string a = r[col(h, "src_addr")] + "/" + sp, b = r[col(h, "dst_addr")] + "/" + dp;
      const std::string key = r[col(h, "proto")] + "|" + r[col(h, "vlan_id")] + "|" + std::min(a, b) + "|" + std::max(a, b);
      auto it = truth.find(key);
      ASSERT_NE(it, truth.end()) << "record not in the truth: " << key;
      Flow& f = got.try_emplace(key, Flow{it->second.client, {}, {}, {}}).first->second;
      const int fwd = a == f.client ? 0 : 1;  // truth direction of this record's forward side
      f.pkts[fwd] += std::stoull(r[col(h, "fwd_packets")]);
      f.ip[fwd] += std::stoull(r[col(h, "fwd_ip_bytes")]);
      f.l2[fwd] += std::stoull(r[col(h, "fwd_l2_bytes")]);
      if (bidir) {
        f.pkts[1 - fwd] += std::stoull(r[col(h, "bwd_packets")]);
        f.ip[1 - fwd] += std::stoull(r[col(h, "bwd_ip_bytes")]);
        f.l2[1 - fwd] += std::stoull(r[col(h, "bwd_l2_bytes")]);
      }
    }
    ASSERT_EQ(got.size(), truth.size());
    std::size_t mismatched = 0;
    for (const auto& [key, t] : truth) {
      const Flow& w = got.at(key);
      for (int d = 0; d < 2; ++d) {
        if (w.pkts[d] != t.pkts[d] || w.ip[d] != t.ip[d] || w.l2[d] != t.l2[d]) {
          if (++mismatched <= 5) ADD_FAILURE() << key << " direction " << d << ": weir " << w.pkts[d] << " pkts "
                                               << w.ip[d] << " B, truth " << t.pkts[d] << " pkts " << t.ip[d] << " B";
        }
      }
    }
    EXPECT_EQ(mismatched, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, GenTruth,
                         ::testing::Values(GenProfile::mixed, GenProfile::linerate, GenProfile::churn,
                                           GenProfile::elephants));

}  // namespace
}  // namespace weir
