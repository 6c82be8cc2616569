// SPDX-License-Identifier: Apache-2.0
// DPDK backend without a NIC or hugepages (EAL: --no-huge --no-pci --no-shconf): the
// net_pcap vdev on a real capture equals weir's file path, alone and sharded in
// software over 2 queues; the net_af_packet vdev with qpairs=2 on a veth (tcpreplay in a
// network namespace) equals it too, with no flow on both queues. EAL is initialised
// once for the process; each test adds its own --vdev (hot-plugged).
#include <gtest/gtest.h>

#include <chrono>

#include "capture/capture_registry.hpp"
#include "capture/soft_rss.hpp"
#include "live_harness.hpp"

namespace weir {
namespace {

using test::Counts;
using test::file_counts;
using test::receive;
using test::Received;

constexpr const char* kEal = "--no-huge --no-pci --no-shconf --no-telemetry -l 0 -m 512 --log-level=notice";

std::string capture(const std::string& rel) { return test::captures_dir() + "/" + rel; }

// Skips unless DPDK can run here (root; EAL comes up).
#define DPDK_REQUIRE()                                                                        \
  do {                                                                                        \
    WEIR_REQUIRE_CAPTURES();                                                                  \
    if (geteuid() != 0) GTEST_SKIP() << "DPDK test skipped: needs root (EAL, packet sockets)"; \
  } while (0)

CaptureSpec dpdk_spec(const std::string& port, const std::string& vdev, uint32_t queues) {
  CaptureSpec spec;
  spec.interface = "dpdk:" + port;
  spec.eal_args = std::string(kEal) + " --vdev=" + vdev;
  spec.queues = queues;
  spec.poll_timeout_ms = 20;
  spec.dpdk.mbufs = 4095;
  return spec;
}

std::vector<std::unique_ptr<PacketSource>> open_or_skip(const CaptureSpec& spec, std::string& why) {
  std::vector<std::unique_ptr<PacketSource>> sources;
  Status s = open_capture(spec, sources);
  if (!s) why = s.message;
  return sources;
}

void expect_same(const Counts& live, const Counts& file, const std::string& what) {
  EXPECT_EQ(live.packets, file.packets) << what;
  EXPECT_EQ(live.flows.size(), file.flows.size()) << what;
  EXPECT_TRUE(live.flows == file.flows) << what << ": per-flow packets/bytes differ";
  EXPECT_TRUE(live.not_metered == file.not_metered) << what << ": not-metered reasons differ";
}

int g_vdev = 0;  // each test its own device name (a removed vdev name is not reused)

TEST(DpdkCapture, NetPcapVdevEqualsFilePath) {
  DPDK_REQUIRE();
  for (const char* rel : {"mixed/netflix.pcap", "vlan/vlan-collisions.pcap", "tcp/weibo.pcap",
                          "fragments/dns_fragmented.pcap"}) {
    const std::string name = "net_pcap" + std::to_string(g_vdev++);
    CaptureSpec spec = dpdk_spec(name, name + ",rx_pcap=" + capture(rel), 1);
    std::string why;
    auto sources = open_or_skip(spec, why);
    if (sources.empty()) GTEST_SKIP() << "DPDK test skipped: " << why;
    const Counts want = file_counts(capture(rel));
    const Received got = receive(sources, nullptr, want.packets);
    expect_same(got.total(), want, std::string("dpdk net_pcap ") + rel);
  }
}

TEST(DpdkCapture, NetPcapTimestampsAreTheFiles) {
  DPDK_REQUIRE();
  const std::string rel = capture("mixed/iphone.pcap");
  const std::string name = "net_pcap" + std::to_string(g_vdev++);
  std::string why;
  auto sources = open_or_skip(dpdk_spec(name, name + ",rx_pcap=" + rel, 1), why);
  if (sources.empty()) GTEST_SKIP() << "DPDK test skipped: " << why;
  FileSourceConfig cfg;
  cfg.paths = {rel};
  std::unique_ptr<PacketSource> file;
  ASSERT_TRUE(open_file_source(cfg, file));
  PacketView a[64], b[64];
  uint64_t compared = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  uint32_t fa = 0;
  RxResult rf{};
  while (compared < 500 && std::chrono::steady_clock::now() < end) {
    const RxResult r = sources[0]->rx_burst(b);
    for (uint32_t i = 0; i < r.n; ++i, ++fa, ++compared) {
      if (fa == rf.n) {
        rf = file->rx_burst(a);
        fa = 0;
        ASSERT_GT(rf.n, 0u);
      }
      EXPECT_EQ(b[i].ts_ns, a[fa].ts_ns / 1000 * 1000) << "packet " << compared;  // µs file
      ASSERT_EQ(b[i].cap_len, a[fa].cap_len);
      EXPECT_EQ(0, std::memcmp(b[i].data, a[fa].data, a[fa].cap_len));
    }
  }
  EXPECT_EQ(compared, 500u);
}

TEST(DpdkCapture, SoftwareShardingPutsEachPacketOnItsToeplitzQueue) {
  DPDK_REQUIRE();
  for (const char* rel : {"mixed/netflix.pcap", "udp/DnsPackets.pcap", "vlan/vlan-collisions.pcap"}) {
    const std::string name = "net_pcap" + std::to_string(g_vdev++);
    CaptureSpec spec = dpdk_spec(name, name + ",rx_pcap=" + capture(rel), 2);
    std::string why;
    auto sources = open_or_skip(spec, why);
    if (sources.empty()) GTEST_SKIP() << "DPDK test skipped: " << why;
    ASSERT_EQ(sources.size(), 2u);
    EXPECT_NE(sources[0]->describe().find("sharded in software"), std::string::npos)
        << sources[0]->describe();
    // Queue by queue: what the symmetric Toeplitz hash (soft_rss.hpp) assigns in the file.
    const std::vector<Counts> want = test::file_counts_per_queue(capture(rel), 2);
    const Received got = receive(sources, nullptr, want[0].packets + want[1].packets);
    for (int q = 0; q < 2; ++q) {
      expect_same(got.per_queue[q], want[q], std::string("dpdk sharded ") + rel + " queue " + std::to_string(q));
    }
    EXPECT_TRUE(got.split_flows().empty()) << rel << ": " << got.split_flows().size() << " split";
    if (std::string(rel) == "mixed/netflix.pcap") {
      EXPECT_GT(got.per_queue[0].packets, 0u);
      EXPECT_GT(got.per_queue[1].packets, 0u);
    }
  }
  // Sharding by addresses and ports (l3_l4): a finer spread, the same queues as the
  // software hash names; fragments follow their addresses.
  for (const char* rel : {"mixed/netflix.pcap", "fragments/dns_fragmented.pcap"}) {
    const std::string name = "net_pcap" + std::to_string(g_vdev++);
    CaptureSpec spec = dpdk_spec(name, name + ",rx_pcap=" + capture(rel), 2);
    spec.shard = RssFields::l3_l4;
    std::string why;
    auto sources = open_or_skip(spec, why);
    ASSERT_EQ(sources.size(), 2u) << why;
    const std::vector<Counts> want = test::file_counts_per_queue(capture(rel), 2, RssFields::l3_l4);
    const Received got = receive(sources, nullptr, want[0].packets + want[1].packets);
    for (int q = 0; q < 2; ++q) expect_same(got.per_queue[q], want[q], std::string("dpdk sharded l3_l4 ") + rel);
  }
}

TEST(DpdkCapture, IdleQueueReturnsTimeoutPromptly) {
  DPDK_REQUIRE();
  const std::string name = "net_pcap" + std::to_string(g_vdev++);
  CaptureSpec spec = dpdk_spec(name, name + ",rx_pcap=" + capture("tcp/tcp_syn_only.pcap"), 1);
  std::string why;
  auto sources = open_or_skip(spec, why);
  if (sources.empty()) GTEST_SKIP() << "DPDK test skipped: " << why;
  PacketView v[64];
  uint64_t got = 0;
  for (int i = 0; i < 10; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const RxResult r = sources[0]->rx_burst(v);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - t0).count();
    got += r.n;
    if (r.n == 0) {
      EXPECT_EQ(r.status, RxStatus::timeout);
      EXPECT_LT(ms, 20 + 80) << "an idle rx_burst must return within the poll timeout";
    }
  }
  EXPECT_EQ(got, 1u);  // the file's one packet, then idle
}

TEST(DpdkCapture, Errors) {
  DPDK_REQUIRE();
  std::vector<std::unique_ptr<PacketSource>> sources;
  CaptureSpec spec = dpdk_spec("no_such_port", "", 1);
  spec.eal_args = kEal;
  Status s = open_capture(spec, sources);
  if (s.message.find("EAL initialisation failed") != std::string::npos) GTEST_SKIP() << s.message;
  EXPECT_EQ(s.code, Errc::not_found) << s.message;
  EXPECT_NE(s.message.find("no port 'no_such_port'"), std::string::npos) << s.message;
  spec.eal_args = "--no-huge --in-memory";
  s = open_capture(spec, sources);
  EXPECT_EQ(s.code, Errc::invalid_argument) << s.message;
  EXPECT_NE(s.message.find("already initialised"), std::string::npos) << s.message;
  spec.eal_args = "--vdev='unterminated";
  EXPECT_EQ(open_capture(spec, sources).code, Errc::invalid_argument);
  EXPECT_TRUE(sources.empty());
}

TEST(DpdkCapture, AfPacketVdevTwoQueuesEqualsFilePathWithNoFlowSplit) {
  LIVE_REQUIRE_NETNS(ns);  // the vdev's sockets open in this thread's namespace
  for (const char* rel : {"mixed/netflix.pcap", "mixed/iphone.pcap", "udp/DnsPackets.pcap",
                          "vlan/vlan-collisions.pcap", "attacks/synscan.pcap"}) {
    const std::string name = "net_af_packet" + std::to_string(g_vdev++);
    CaptureSpec spec = dpdk_spec(name, name + ",iface=wrx,qpairs=2", 2);
    std::string why;
    auto sources = open_or_skip(spec, why);
    if (sources.empty()) GTEST_SKIP() << "DPDK test skipped: " << why;
    const Counts want = file_counts(capture(rel));
    const Received got = receive(
        sources, [&] { EXPECT_EQ(ns.replay(capture(rel)), 0); }, want.packets);
    expect_same(got.total(), want, std::string("dpdk af_packet ") + rel);
    EXPECT_TRUE(got.split_flows().empty()) << rel << ": " << got.split_flows().size() << " split";
  }
  // qpairs must match the queues asked for.
  const std::string name = "net_af_packet" + std::to_string(g_vdev++);
  std::vector<std::unique_ptr<PacketSource>> sources;
  Status s = open_capture(dpdk_spec(name, name + ",iface=wrx,qpairs=2", 1), sources);
  EXPECT_EQ(s.code, Errc::invalid_argument) << s.message;
  EXPECT_NE(s.message.find("qpairs=2"), std::string::npos) << s.message;
}

class DpdkEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { close_capture_backends(); }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new DpdkEnvironment);

}  // namespace
}  // namespace weir
