// SPDX-License-Identifier: Apache-2.0
// End-to-end: the Engine on real captures (conservation, malformed inputs, the
// flowRecorder oracles) and on generated traffic (determinism across -w, ground truth).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gen/traffic_gen.hpp"
#include "capture/pcap_file/chunk_reader.hpp"
#include "engine/engine.hpp"
#include "engine_test_util.hpp"
#include "support/captures.hpp"
#include "support/packet_builder.hpp"
#include "support/pcap_writer.hpp"
#include <random>

namespace weir {
namespace {

TEST(Engine, EveryRealCaptureRunsToCompletionAndConservesPackets) {
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

TEST(Engine, FlowRecorderOracleHttp1Unidirectional) {
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

TEST(Engine, FlowRecorderOraclePing1IsOneBiflowOfTwoEachWay) {
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

TEST(Engine, FlowRecorderOracleSynOnlyAndSynExpiration) {
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

TEST(Engine, OutputIsByteIdenticalForAnyWorkerCountOnRealCaptures) {
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

TEST(Engine, OutputIsByteIdenticalForOneTwoAndThreeWorkersWithEveryExpiryRule) {
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
        c.outputs[0].format = fmt;
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

TEST(Engine, MissingInputIsAnOpenError) {
  TempDir tmp;
  Status st;
  run(config_for((tmp.path / "nope.pcap").string(), tmp.path / "o.csv", 1), &st);
  EXPECT_FALSE(st);
  EXPECT_NE(st.message.find("nope.pcap"), std::string::npos) << st.message;
  EXPECT_FALSE(fs::exists(tmp.path / "o.csv"));
}

TEST(Engine, CorruptRecordKeepsTheFlowsReadBeforeIt) {
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

TEST(Engine, SummaryNamesTheThreadLayoutThatRan) {
  TempDir tmp;
  const std::string in = (tmp.path / "s.pcap").string();
  ASSERT_TRUE(test::write_pcap(in, synthetic_traffic(500, 3)));
  EngineConfig c = config_for(in, tmp.path / "o.csv", 1);
  EXPECT_FALSE(run(c).reader_thread);  // -w 1: one thread
  c.reader_thread = true;
  EXPECT_TRUE(run(c).reader_thread);
  c.workers = 2;
  c.reader_thread = false;
  const RunSummary split = run(c);  // -w 2 on one classic pcap: every worker reads a share
  EXPECT_TRUE(split.split_reader);
  EXPECT_FALSE(split.reader_thread);
  c.reader_thread = true;
  EXPECT_TRUE(run(c).reader_thread);  // asked for: reader + 2 workers
  c.reader_thread = false;
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


// The rows of a CSV output without its header, sorted: the per-queue shape writes records
// in export order, ordered replay in (expiry, flow id) order; the sets must be equal.
std::vector<std::string> sorted_rows(const fs::path& p) {
  std::istringstream in(slurp(p));
  std::vector<std::string> rows;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) rows.push_back(line);
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST(EngineShapes, PerQueueShapeMetersTheSameRecordsAsOrderedReplay) {
  TempDir tmp;
  const std::string in = (tmp.path / "syn.pcap").string();
  ASSERT_TRUE(test::write_pcap(in, synthetic_traffic(30000, 11)));
  for (bool bidir : {true, false}) {
    EngineConfig c = config_for(in, tmp.path / "ordered.csv", 1);
    c.bidirectional = bidir;
    c.idle_timeout_ns = 15'000'000'000;
    c.active_timeout_ns = 30'000'000'000;
    c.tcp_close_grace_ns = 500'000'000;
    const RunSummary ordered = run(c);
    const auto expect = sorted_rows(tmp.path / "ordered.csv");
    ASSERT_GT(expect.size(), 1000u);
    for (uint32_t q : {2u, 3u}) {
      c.per_queue = true;
      c.workers = q;
      c.outputs[0].path = (tmp.path / "pq.csv").string();
      const RunSummary pq = run(c);
      EXPECT_TRUE(pq.per_queue);
      ASSERT_EQ(pq.queues.size(), q);
      EXPECT_TRUE(pq.conserved()) << pq.format();
      EXPECT_EQ(pq.packets_read, ordered.packets_read);
      EXPECT_EQ(pq.records, ordered.records);
      uint64_t received = 0;
      for (const QueueSummary& qs : pq.queues) {
        EXPECT_GT(qs.packets_received, 0u) << "an idle queue: the RSS split is not spreading flows";
        received += qs.packets_received;
      }
      EXPECT_EQ(received, ordered.packets_read);
      EXPECT_EQ(sorted_rows(tmp.path / "pq.csv"), expect) << q << " queues" << (bidir ? " -d b" : " -d u");
    }
  }
}

TEST(EngineShapes, PerQueueKeepsFragmentsWithTheirFlowOnRealCaptures) {
  WEIR_REQUIRE_CAPTURES();
  TempDir tmp;
  for (const char* f : {"fragments/ip4_fragments.pcap", "fragments/ipv6-fragmented-dns.pcap",
                        "fragments/dns_fragmented.pcap", "tunnels/gtp1_gn_normal_incl_fragmentation.pcap",
                        "mixed/netflix.pcap"}) {
    const std::string in = test::captures_dir() + "/" + f;
    const RunSummary ordered = run(config_for(in, tmp.path / "o.csv", 1));
    EngineConfig c = config_for(in, tmp.path / "pq.csv", 2);
    c.per_queue = true;
    const RunSummary pq = run(c);
    EXPECT_EQ(pq.fragments_attributed, ordered.fragments_attributed) << f;
    EXPECT_EQ(pq.decode, ordered.decode) << f;
    EXPECT_EQ(sorted_rows(tmp.path / "pq.csv"), sorted_rows(tmp.path / "o.csv")) << f;
  }
}

TEST(EngineShapes, PacketCountStopsAfterExactlyThatManyPackets) {
  TempDir tmp;
  const std::string in = (tmp.path / "s.pcap").string();
  ASSERT_TRUE(test::write_pcap(in, synthetic_traffic(5000, 5)));
  for (const auto& [workers, per_queue] : std::vector<std::pair<uint32_t, bool>>{{1, false}, {2, false}, {2, true}}) {
    EngineConfig c = config_for(in, tmp.path / "o.csv", workers);
    c.per_queue = per_queue;
    c.packet_limit = 1234;
    const RunSummary sum = run(c);
    EXPECT_EQ(sum.packets_read, 1234u) << workers << (per_queue ? " per queue" : "");
    EXPECT_TRUE(sum.conserved()) << sum.format();
    EXPECT_EQ(sum.records[static_cast<std::size_t>(EndReason::shutdown)], 0u);
    EXPECT_FALSE(sum.interrupted);
  }
}

TEST(EngineShapes, DurationStopsAtThatMuchPacketTime) {
  TempDir tmp;
  std::vector<test::PcapRecord> recs;
  const uint64_t t0 = 1'700'000'000ull * 1'000'000'000;
  for (uint32_t i = 0; i < 100; ++i) {  // one packet every 100 ms: 10 s
    const test::Frame f = test::PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000 + i % 5, 53).build();
    recs.push_back({t0 + i * 100'000'000ull, f.bytes, f.wire_len});
  }
  const std::string in = (tmp.path / "d.pcap").string();
  ASSERT_TRUE(test::write_pcap(in, recs));
  for (uint32_t workers : {1u, 2u}) {
    EngineConfig c = config_for(in, tmp.path / "o.csv", workers);
    c.duration_ns = 2'500'000'000;  // packets at 0.0 .. 2.4 s
    const RunSummary sum = run(c);
    EXPECT_EQ(sum.packets_read, 25u);
    EXPECT_TRUE(sum.conserved()) << sum.format();
  }
}

TEST(EngineShapes, MaxFlowsOutOfRangeIsAUsageErrorNotATinyTableOrAHang) {
  TempDir tmp;
  const std::string in = (tmp.path / "s.pcap").string();
  ASSERT_TRUE(test::write_pcap(in, synthetic_traffic(200, 5)));
  for (uint64_t bad : {uint64_t{0}, kMaxFlowsLimit + 1, uint64_t{3'000'000'000}, uint64_t{4'294'967'296}}) {
    EngineConfig c = config_for(in, tmp.path / "o.csv", 1);
    c.max_flows = bad;
    Status st;
    run(c, &st);
    EXPECT_EQ(st.code, Errc::invalid_argument) << bad;
    EXPECT_EQ(st.origin, Origin::config) << bad;
    EXPECT_NE(st.message.find("--max-flows"), std::string::npos) << st.message;
    EXPECT_FALSE(fs::exists(tmp.path / "o.csv"));
  }
  // The largest accepted size maps (address space only) and meters as usual.
  EngineConfig c = config_for(in, tmp.path / "o.csv", 2);
  c.max_flows = kMaxFlowsLimit;
  Status st;
  const RunSummary sum = run(c, &st);
  if (st) {
    EXPECT_TRUE(sum.conserved());
    EXPECT_EQ(sum.records[static_cast<std::size_t>(EndReason::evicted)], 0u);
  } else {
    EXPECT_EQ(st.code, Errc::no_memory) << st.message;  // a machine that refuses the mapping says so
  }
}

TEST(EngineShapes, PerQueueNeedsFilesNotStandardInput) {
  EngineConfig c;
  c.capture.files = {"-"};
  c.per_queue = true;
  Status st;
  run(c, &st);
  EXPECT_EQ(st.origin, Origin::config);
  EXPECT_NE(st.message.find("--per-queue"), std::string::npos) << st.message;
}

// Everything a run reports about its packets; split replay must agree with -w 1 on all of it.
std::string packet_figures(const RunSummary& s) {
  std::ostringstream o;
  o << s.packets_read << " " << s.wire_bytes_read << " " << s.filtered << " " << s.packets_metered << " "
    << s.records_total << " " << s.record_packets << " " << s.caplen_over_wire << " " << s.ts_backwards << " "
    << s.fragments_attributed << " " << s.ip_len_from_frame << " [" << s.input_error << "]";
  for (uint64_t d : s.decode) o << " " << d;
  for (uint64_t r : s.records) o << " " << r;
  return o.str();
}

TEST(SplitReplay, IsByteIdenticalToOneThreadOnEveryRealClassicPcap) {
  WEIR_REQUIRE_CAPTURES();
  TempDir tmp;
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(test::captures_dir())) {
    if (!e.is_regular_file() || e.path().extension() != ".pcap") continue;
    PcapFileInfo info;
    if (!probe_classic_pcap(e.path().string(), info)) continue;
    ++files;
    Status st1;
    const RunSummary one = run(config_for(e.path().string(), tmp.path / "one.csv", 1), &st1);
    if (!st1) continue;  // a header the engine refuses: nothing to compare
    const std::string want = slurp(tmp.path / "one.csv");
    for (uint64_t chunk : {uint64_t{200}, uint64_t{4096}, uint64_t{1} << 20}) {
      for (uint32_t w : {2u, 3u}) {
        EngineConfig c = config_for(e.path().string(), tmp.path / "split.csv", w);
        c.split_chunk_bytes = chunk;
        const RunSummary split = run(c);
        ASSERT_TRUE(split.split_reader) << e.path();
        EXPECT_EQ(packet_figures(split), packet_figures(one)) << e.path() << " chunk " << chunk << " -w " << w;
        EXPECT_EQ(slurp(tmp.path / "split.csv"), want) << e.path() << " chunk " << chunk << " -w " << w;
        EXPECT_TRUE(split.conserved()) << split.format();
      }
    }
  }
  EXPECT_GT(files, 40);
}

TEST(SplitReplay, IsByteIdenticalWithEveryExpiryRuleFilterAndDirection) {
  TempDir tmp;
  const std::string in = (tmp.path / "syn.pcap").string();
  ASSERT_TRUE(test::write_pcap(in, synthetic_traffic(30000, 17)));
  for (bool bidir : {true, false}) {
    for (const char* filter : {"", "not icmp and not port 53"}) {
      EngineConfig c = config_for(in, tmp.path / "one.bin", 1);
      c.bidirectional = bidir;
      c.filter = filter;
      c.outputs[0].format = OutputFormat::binary;
      c.idle_timeout_ns = 15'000'000'000;
      c.active_timeout_ns = 30'000'000'000;
      c.tcp_close_grace_ns = 500'000'000;
      const RunSummary one = run(c);
      for (uint32_t w : {2u, 4u}) {
        c.workers = w;
        c.split_chunk_bytes = 10'000;
        c.outputs[0].path = (tmp.path / "split.bin").string();
        const RunSummary split = run(c);
        ASSERT_TRUE(split.split_reader);
        EXPECT_EQ(packet_figures(split), packet_figures(one));
        EXPECT_EQ(slurp(tmp.path / "split.bin"), slurp(tmp.path / "one.bin")) << "-w " << w << " " << filter;
        c.outputs[0].path = (tmp.path / "one.bin").string();
        c.workers = 1;
      }
    }
  }
}

// Payloads that look like pcap records make a chunk's guessed first record wrong; the
// guess is checked against where the chunk before really ended, and the chunk re-read.
TEST(SplitReplay, AWrongGuessOfAChunksFirstRecordIsCaughtAndReadAgain) {
  TempDir tmp;
  std::vector<test::PcapRecord> recs;
  const uint64_t t0 = 1'700'000'000ull * 1'000'000'000;
  for (uint32_t i = 0; i < 3000; ++i) {
    // A payload of 12 fake record headers (caplen 0, same second as the capture).
    std::vector<uint8_t> fake;
    for (int k = 0; k < 12; ++k) {
      const uint32_t h[4] = {static_cast<uint32_t>(t0 / 1'000'000'000), 5, 0, 0};
      const auto* b = reinterpret_cast<const uint8_t*>(h);
      fake.insert(fake.end(), b, b + 16);
    }
    const test::Frame f = test::PacketBuilder()
                              .eth()
                              .ipv4("10.5.0." + std::to_string(i % 200 + 1), "10.6.0.1")
                              .udp(static_cast<uint16_t>(3000 + i % 50), 4789)
                              .payload(fake)
                              .build();
    recs.push_back({t0 + i * 1000ull, f.bytes, f.wire_len});
  }
  const std::string in = (tmp.path / "fake.pcap").string();
  ASSERT_TRUE(test::write_pcap(in, recs));
  const RunSummary one = run(config_for(in, tmp.path / "one.csv", 1));
  EngineConfig c = config_for(in, tmp.path / "split.csv", 2);
  c.split_chunk_bytes = 1000;
  const RunSummary split = run(c);
  EXPECT_GT(split.chunks_reread, 0u) << "the fake records never fooled the guess: the test tests nothing";
  EXPECT_EQ(packet_figures(split), packet_figures(one));
  EXPECT_EQ(slurp(tmp.path / "split.csv"), slurp(tmp.path / "one.csv"));
}
}  // namespace
}  // namespace weir
