// SPDX-License-Identifier: Apache-2.0
// Live capture (libpcap and AF_PACKET) against weir's file path: real captures replayed
// with tcpreplay into a veth pair inside a private network namespace; the per-flow
// packets and bytes received equal those of FileSource + Decoder on the same file.
#include <gtest/gtest.h>

#include <chrono>

#include "capture/capture_registry.hpp"
#include "live_harness.hpp"

namespace weir {
namespace {

using test::Counts;
using test::file_counts;
using test::receive;
using test::Received;

std::string capture(const std::string& rel) { return test::captures_dir() + "/" + rel; }

std::vector<std::unique_ptr<PacketSource>> open_or_fail(const CaptureSpec& spec) {
  std::vector<std::unique_ptr<PacketSource>> sources;
  Status s = open_capture(spec, sources);
  EXPECT_TRUE(s) << s.message;
  return sources;
}

// Every packet of `file` replayed into wrx, received by `spec` (interface set here).
Received replay_and_receive(test::VethNetns& ns, CaptureSpec spec, const std::string& file,
                            uint64_t expected) {
  auto sources = open_or_fail(spec);
  if (sources.empty()) return {};
  return receive(sources, [&] { EXPECT_EQ(ns.replay(file), 0) << "tcpreplay " << file; },
                 expected);
}

void expect_same(const Counts& live, const Counts& file, const std::string& what) {
  EXPECT_EQ(live.packets, file.packets) << what;
  EXPECT_EQ(live.flows.size(), file.flows.size()) << what;
  EXPECT_TRUE(live.flows == file.flows) << what << ": per-flow packets/bytes differ";
  EXPECT_TRUE(live.not_metered == file.not_metered) << what << ": not-metered reasons differ";
}

// Captures whose frames tcpreplay sends unchanged: Ethernet, not cut by a snap length.
const char* const kCaptures[] = {
    "mixed/netflix.pcap",       "mixed/iphone.pcap",       "vlan/vlan-collisions.pcap",
    "vlan/http-qinq-0.pcap",    "udp/DnsPackets.pcap",     "tcp/weibo.pcap",
    "tunnels/mixed-vlan-mpls.pcap", "ipv6/http_ipv6.pcap", "attacks/synscan.pcap",
};

TEST(LiveCapture, PcapPerFlowCountsEqualFilePath) {
  LIVE_REQUIRE_NETNS(ns);
  for (const char* rel : kCaptures) {
    const Counts want = file_counts(capture(rel));
    CaptureSpec spec;
    spec.interface = "wrx";
    const Received got = replay_and_receive(ns, spec, capture(rel), want.packets);
    ASSERT_EQ(got.per_queue.size(), 1u);
    expect_same(got.total(), want, std::string("pcap ") + rel);
    EXPECT_EQ(got.kernel_drops(), 0u) << rel;
  }
}

TEST(LiveCapture, AfPacketPerFlowCountsEqualFilePathAndNoFlowSplits) {
  LIVE_REQUIRE_NETNS(ns);
  for (const char* rel : kCaptures) {
    const Counts want = file_counts(capture(rel));
    CaptureSpec spec;
    spec.interface = "afpacket:wrx";
    spec.queues = 2;
    const Received got = replay_and_receive(ns, spec, capture(rel), want.packets);
    ASSERT_EQ(got.per_queue.size(), 2u);
    expect_same(got.total(), want, std::string("afpacket ") + rel);
    EXPECT_TRUE(got.split_flows().empty()) << rel << ": " << got.split_flows().size()
                                           << " flows seen on both queues";
    EXPECT_EQ(got.kernel_drops(), 0u) << rel;
  }
}

TEST(LiveCapture, FragmentsExperiment) {
  LIVE_REQUIRE_NETNS(ns);
  for (const char* rel : {"fragments/ip4_fragments.pcap", "fragments/dns_fragmented.pcap",
                          "fragments/ipv6-fragmented-dns.pcap",
                          "tunnels/gtp1_gn_normal_incl_fragmentation.pcap"}) {
    const Counts want = file_counts(capture(rel));
    for (int mode = 0; mode < 3; ++mode) {
      CaptureSpec spec;
      spec.interface = "afpacket:wrx";
      spec.queues = 2;
      spec.afpacket.defrag = mode == 1;
      spec.shard = mode == 2 ? RssFields::l3 : RssFields::l3_l4;
      const Received got = replay_and_receive(ns, spec, capture(rel), want.packets);
      const Counts t = got.total();
      std::printf("%s mode %d: file %lu pkts %zu flows; live %lu pkts %zu flows, %zu split, q0 %lu q1 %lu\n",
                  rel, mode, (unsigned long)want.packets, want.flows.size(),
                  (unsigned long)t.packets, t.flows.size(), got.split_flows().size(),
                  (unsigned long)got.per_queue[0].packets, (unsigned long)got.per_queue[1].packets);
    }
  }
}

}  // namespace
}  // namespace weir
