// SPDX-License-Identifier: Apache-2.0
// The engine in the live shape, with fake live sources (no NIC): flow time follows the
// wall clock on a quiet link, records reach the output while the run goes on, and a stop
// ends every live flow with reason shutdown and completes the output.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <chrono>
#include <thread>

#include "engine/engine.hpp"
#include "engine_test_util.hpp"
#include "exporters/binary_reader.hpp"
#include "support/fake_live_source.hpp"

namespace weir {
namespace {

using namespace std::chrono_literals;
using test::FakeLiveSource;

std::vector<test::Frame> one_flow(uint32_t packets, uint16_t sport = 40000) {
  std::vector<test::Frame> f;
  for (uint32_t i = 0; i < packets; ++i) {
    f.push_back(test::PacketBuilder().eth().ipv4("10.1.0.1", "10.1.0.2").udp(sport, 53).payload(20).build());
  }
  return f;
}

std::vector<test::Frame> many_flows(uint32_t flows) {
  std::vector<test::Frame> f;
  for (uint32_t i = 0; i < flows; ++i) {
    f.push_back(test::PacketBuilder()
                    .eth()
                    .ipv4("10.2." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1), "10.9.9.9")
                    .tcp(static_cast<uint16_t>(1024 + i), 80)
                    .payload(100)
                    .build());
  }
  return f;
}

EngineConfig live_config(const fs::path& out) {
  EngineConfig c;
  c.outputs = {SinkConfig{.path = out.string()}};
  c.flush_interval_ns = 100'000'000;
  return c;
}

bool wait_for(const std::function<bool()>& cond, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return cond();
}

std::size_t data_rows(const fs::path& p) {
  const auto rows = read_csv(p);
  return rows.empty() ? 0 : rows.size() - 1;
}

TEST(EngineLive, QuietLinkExpiresFlowsByWallClockWhileRunning) {
  TempDir tmp;
  const fs::path out = tmp.path / "live.csv";
  EngineConfig c = live_config(out);
  c.idle_timeout_ns = 500'000'000;  // 0.5 s
  Engine e(c);
  auto* src = new FakeLiveSource(one_flow(3));
  e.add_source(std::unique_ptr<PacketSource>(src));
  // The sink writes to a temporary name until the end; its bytes show up in the file
  // whose name starts with "live.csv.tmp".
  RunSummary sum;
  std::thread runner([&] { EXPECT_TRUE(e.run(sum)); });
  auto tmp_rows = [&] {
    for (const auto& f : fs::directory_iterator(tmp.path)) {
      if (f.path().filename().string().rfind("live.csv", 0) == 0) return data_rows(f.path());
    }
    return std::size_t{0};
  };
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(wait_for([&] { return tmp_rows() == 1; }, 4000ms)) << "the idle flow's record never reached the output";
  const auto waited = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(waited, 3s);  // idle 0.5 s + flush 0.1 s + poll slack, far below 4 s
  e.stop();
  runner.join();
  EXPECT_EQ(sum.records[static_cast<std::size_t>(EndReason::idle)], 1u) << sum.format();
  EXPECT_EQ(sum.records[static_cast<std::size_t>(EndReason::shutdown)], 0u);
  EXPECT_TRUE(sum.live);
  EXPECT_TRUE(sum.interrupted);
  EXPECT_TRUE(sum.conserved()) << sum.format();
  EXPECT_EQ(sum.kernel_drops, 7u);  // refresh_stats() was called and reported beside conservation
  const auto rows = read_csv(out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][col(rows[0], "end_reason")], "idle");
  EXPECT_EQ(rows[1][col(rows[0], "fwd_packets")], "3");
}

TEST(EngineLive, StopEndsEveryLiveFlowWithShutdownAndCompletesTheOutput) {
  for (uint32_t queues : {1u, 2u}) {
    TempDir tmp;
    EngineConfig c = live_config(tmp.path / "o.bin");
    c.outputs[0].format = OutputFormat::binary;
    Engine e(c);
    std::vector<FakeLiveSource*> srcs;
    for (uint32_t q = 0; q < queues; ++q) {
      auto* s = new FakeLiveSource(many_flows(500), /*endless=*/true);
      srcs.push_back(s);
      e.add_source(std::unique_ptr<PacketSource>(s));
    }
    RunSummary sum;
    std::thread runner([&] { EXPECT_TRUE(e.run(sum)); });
    ASSERT_TRUE(wait_for([&] { return srcs[0]->delivered.load() > 20000; }, 5000ms));
    e.stop();
    runner.join();
    EXPECT_TRUE(sum.interrupted);
    EXPECT_TRUE(sum.conserved()) << sum.format();
    EXPECT_EQ(sum.queues.size(), queues);
    // Every flow was live at the stop: each ends with reason shutdown, none is lost.
    EXPECT_EQ(sum.records[static_cast<std::size_t>(EndReason::shutdown)], sum.records_total);
    EXPECT_EQ(sum.records_written, sum.records_total);
    EXPECT_EQ(sum.record_packets, sum.packets_metered);
    // The binary file is complete: trailer and checksum verified by the reader.
    bool bidir = false;
    std::vector<FlowRecord> recs;
    ASSERT_TRUE(read_flow_file((tmp.path / "o.bin").string(), bidir, recs));
    EXPECT_EQ(recs.size(), sum.records_total);
    uint64_t packets = 0;
    for (const FlowRecord& r : recs) packets += r.dir[0].packets + r.dir[1].packets;
    EXPECT_EQ(packets, sum.packets_metered);
  }
}

TEST(EngineLive, StatsCallbackReportsWhileRunning) {
  TempDir tmp;
  EngineConfig c = live_config(tmp.path / "o.csv");
  std::atomic<int> calls{0};
  std::atomic<uint64_t> seen{0};
  c.stats_interval_ns = 50'000'000;
  c.on_stats = [&](const RunSummary& s) {
    EXPECT_TRUE(s.running);
    seen.store(s.packets_read);
    calls.fetch_add(1);
  };
  Engine e(c);
  e.add_source(std::make_unique<FakeLiveSource>(many_flows(100), true));
  RunSummary sum;
  std::thread runner([&] { EXPECT_TRUE(e.run(sum)); });
  EXPECT_TRUE(wait_for([&] { return calls.load() >= 3 && seen.load() > 0; }, 3000ms));
  e.stop();
  runner.join();
  EXPECT_GE(sum.packets_read, seen.load());
  EXPECT_NE(sum.stats_line().find("received"), std::string::npos);
}

TEST(EngineLive, PacketCountEndsALiveRunWithEof) {
  TempDir tmp;
  EngineConfig c = live_config(tmp.path / "o.csv");
  c.packet_limit = 10000;
  Engine e(c);
  e.add_source(std::make_unique<FakeLiveSource>(many_flows(300), true));
  e.add_source(std::make_unique<FakeLiveSource>(many_flows(300), true));
  RunSummary sum;
  ASSERT_TRUE(e.run(sum));  // returns by itself
  EXPECT_EQ(sum.packets_read, 10000u);
  EXPECT_FALSE(sum.interrupted);
  EXPECT_EQ(sum.records[static_cast<std::size_t>(EndReason::eof)], sum.records_total);
  EXPECT_TRUE(sum.conserved()) << sum.format();
}


// For ThreadSanitizer (CI builds the engine tests with -fsanitize=thread): both shapes,
// stopped at random moments, with an idle queue, a trickling one and a busy one.
TEST(EngineStress, StopsAtAnyMomentInBothShapesConserveEveryPacket) {
  std::mt19937 rng(42);
  TempDir tmp;
  for (int round = 0; round < 12; ++round) {
    EngineConfig c = live_config(tmp.path / "o.csv");
    c.idle_timeout_ns = 50'000'000;
    c.flush_interval_ns = 10'000'000;
    Engine e(c);
    e.add_source(std::make_unique<FakeLiveSource>(std::vector<test::Frame>{}));           // idle
    e.add_source(std::make_unique<FakeLiveSource>(many_flows(50), true, /*burst=*/1));   // trickle
    e.add_source(std::make_unique<FakeLiveSource>(many_flows(2000), true));              // busy
    RunSummary sum;
    std::thread runner([&] { EXPECT_TRUE(e.run(sum)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 60));
    e.stop();
    runner.join();
    ASSERT_TRUE(sum.conserved()) << sum.format();
    EXPECT_EQ(sum.records_written, sum.records_total);
    EXPECT_EQ(data_rows(tmp.path / "o.csv"), sum.records_total);
  }
  const std::string in = (tmp.path / "s.pcap").string();
  ASSERT_TRUE(test::write_pcap(in, synthetic_traffic(40000, 9)));
  for (int round = 0; round < 8; ++round) {
    EngineConfig c = config_for(in, tmp.path / "f.csv", 1 + round % 3);
    c.reader_thread = round % 2;
    c.idle_timeout_ns = 15'000'000'000;
    Engine e(c);
    RunSummary sum;
    std::thread runner([&] { EXPECT_TRUE(e.run(sum)); });
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 30));
    e.stop();
    runner.join();
    ASSERT_TRUE(sum.conserved()) << sum.format();
    EXPECT_EQ(data_rows(tmp.path / "f.csv"), sum.records_total);
    if (sum.packets_read < 40000) {
      EXPECT_TRUE(sum.interrupted);
    }
  }
}
}  // namespace
}  // namespace weir
