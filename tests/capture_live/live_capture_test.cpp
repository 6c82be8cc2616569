// SPDX-License-Identifier: Apache-2.0
// Live capture (libpcap and AF_PACKET) against weir's file path: real captures replayed
// with tcpreplay into a veth pair inside a private network namespace; the per-flow
// packets and bytes received equal those of FileSource + Decoder on the same file.
#include <gtest/gtest.h>

#include <net/if.h>

#include <chrono>

#include "capture/capture_registry.hpp"
#include "live_harness.hpp"
#include "weir_config.h"

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

// Fragments: the kernel's flow hash has no ports for them, so a flow whose datagrams are
// sometimes fragmented may see those on the other socket (counts stay exact); host-pair
// fanout (shard l3) keeps everything together; DEFRAG makes the kernel reassemble IPv4
// datagrams, so fewer packets arrive than were sent (why it is off by default).
const char* const kFragmentCaptures[] = {
    "fragments/ip4_fragments.pcap", "fragments/dns_fragmented.pcap",
    "fragments/ipv6-fragmented-dns.pcap", "tunnels/gtp1_gn_normal_incl_fragmentation.pcap"};

TEST(LiveCapture, AfPacketFragmentsExactInBothShardModesWholeInHostPairMode) {
  LIVE_REQUIRE_NETNS(ns);
  for (const char* rel : kFragmentCaptures) {
    const Counts want = file_counts(capture(rel));
    for (RssFields fields : {RssFields::l3_l4, RssFields::l3}) {
      CaptureSpec spec;
      spec.interface = "afpacket:wrx";
      spec.queues = 2;
      spec.shard = fields;
      const Received got = replay_and_receive(ns, spec, capture(rel), want.packets);
      const std::string what = std::string(rel) + (fields == RssFields::l3 ? " l3" : " l3_l4");
      expect_same(got.total(), want, what);
      if (fields == RssFields::l3) {
        EXPECT_TRUE(got.split_flows().empty()) << what;
      }
    }
  }
}

TEST(LiveCapture, AfPacketDefragDeliversReassembledDatagrams) {
  LIVE_REQUIRE_NETNS(ns);
  const std::string rel = capture("fragments/ip4_fragments.pcap");
  const Counts want = file_counts(rel);
  CaptureSpec spec;
  spec.interface = "afpacket:wrx";
  spec.queues = 2;
  spec.afpacket.defrag = true;
  auto sources = open_or_fail(spec);
  ASSERT_EQ(sources.size(), 2u);
  EXPECT_NE(sources[0]->describe().find("+defrag"), std::string::npos);
  const Counts got = receive(sources, [&] { ns.replay(rel); }, 0).total();
  // 53 fragments of 9 UDP datagrams (one flow): 9 packets arrive, the flow is whole.
  EXPECT_EQ(want.packets, 53u);
  EXPECT_EQ(got.packets, 9u);
  ASSERT_EQ(got.flows.size(), 1u);
  EXPECT_EQ(got.flows.begin()->first, want.flows.begin()->first);
}

// The filter runs in the kernel and means what tcpdump -i means by it (VLAN tags the
// kernel moved out of the frame are tested through ancillary data).
TEST(LiveCapture, KernelFilterEqualsFileFilter) {
  LIVE_REQUIRE_NETNS(ns);
  struct Case {
    const char* rel;
    const char* filter;
  };
  for (const Case& c : {Case{"mixed/netflix.pcap", "tcp port 443"}, Case{"mixed/iphone.pcap", "udp or icmp6"},
                        Case{"vlan/vlan-collisions.pcap", "vlan and tcp"},
                        Case{"vlan/vlan-collisions.pcap", "vlan 42"}}) {
    const Counts want = file_counts(capture(c.rel), c.filter);
    ASSERT_GT(want.packets, 0u) << c.filter;
    for (const char* iface : {"wrx", "afpacket:wrx"}) {
      CaptureSpec spec;
      spec.interface = iface;
      spec.filter = c.filter;
      auto sources = open_or_fail(spec);
      ASSERT_EQ(sources.size(), 1u);
      EXPECT_TRUE(sources[0]->applies_filter());
      const Received got = receive(sources, [&] { ns.replay(capture(c.rel)); }, want.packets);
      expect_same(got.total(), want, std::string(iface) + " " + c.rel + " '" + c.filter + "'");
    }
  }
}

TEST(LiveCapture, IdleSourceReturnsTimeoutWithinThePollTimeout) {
  LIVE_REQUIRE_NETNS(ns);
  for (const char* iface : {"wrx", "afpacket:wrx"}) {
    for (uint32_t poll_ms : {20u, 100u}) {
      CaptureSpec spec;
      spec.interface = iface;
      spec.queues = 2;
      if (std::string(iface) == "wrx") spec.queues = 1;
      spec.poll_timeout_ms = poll_ms;
      auto sources = open_or_fail(spec);
      ASSERT_FALSE(sources.empty());
      PacketView v[64];
      for (int i = 0; i < 3; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        const RxResult r = sources.back()->rx_burst(v);
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - t0).count();
        EXPECT_EQ(r.status, RxStatus::timeout) << iface;
        EXPECT_EQ(r.n, 0u);
        EXPECT_LE(ms, poll_ms + 50) << iface << ": idle rx_burst took " << ms << " ms";
        EXPECT_GE(ms + 2, static_cast<long>(poll_ms)) << iface << ": returned before the timeout";
      }
    }
  }
}

// libpcap on `any`: Linux SLL2 frames, the interface index of each packet delivered.
TEST(LiveCapture, PcapAnyCarriesTheInterfaceOfEachPacket) {
  LIVE_REQUIRE_NETNS(ns);
  const std::string rel = capture("mixed/netflix.pcap");
  const Counts want = file_counts(rel);
  CaptureSpec spec;
  spec.interface = "any";
  auto sources = open_or_fail(spec);
  ASSERT_EQ(sources.size(), 1u);
  const unsigned rx = if_nametoindex("wrx"), tx = if_nametoindex("wtx");
  ASSERT_NE(rx, 0u);
  uint32_t linktype = 0;
  const auto on = [&](unsigned ifindex) {
    return [&, ifindex](const PacketView& v) {
      linktype = v.linktype;
      return v.interface_id == ifindex;
    };
  };
  // Sent on wtx (outgoing) and received on wrx: each once, per interface.
  for (unsigned ifindex : {rx, tx}) {
    auto src = open_or_fail(spec);
    ASSERT_EQ(src.size(), 1u);
    const Counts got = receive(src, [&] { ns.replay(rel); }, want.packets, on(ifindex)).total();
    EXPECT_EQ(linktype, 276u) << "LINKTYPE_LINUX_SLL2";
    EXPECT_EQ(got.packets, want.packets) << "ifindex " << ifindex;
    ASSERT_EQ(got.flows.size(), want.flows.size());
    auto w = want.flows.begin();
    for (const auto& [key, c] : got.flows) {  // SLL2 header instead of Ethernet: IP bytes compare
      EXPECT_EQ(key, w->first);
      EXPECT_EQ(c.packets, w->second.packets);
      EXPECT_EQ(c.ip_bytes, w->second.ip_bytes);
      ++w;
    }
  }
}

// Conservation: what the kernel had for a socket was either received or counted as a
// kernel drop (ring full because nobody read it).
TEST(LiveCapture, RingOverflowIsCountedAsKernelDrops) {
  LIVE_REQUIRE_NETNS(ns);
  const std::string rel = capture("mixed/netflix.pcap");
  const uint64_t sent = file_counts(rel).packets;
  struct Case {
    const char* iface;
    uint32_t buffer_kib;
  };
  for (const Case& c : {Case{"afpacket:wrx", 0}, Case{"wrx", 64}}) {
    CaptureSpec spec;
    spec.interface = c.iface;
    spec.snaplen = 2000;
    spec.buffer_kib = c.buffer_kib;
    spec.afpacket.block_kib = 4;
    spec.afpacket.blocks = 4;
    auto sources = open_or_fail(spec);
    ASSERT_EQ(sources.size(), 1u);
    ASSERT_EQ(ns.replay(rel, "--topspeed"), 0);  // nobody reads meanwhile
    const Received got = receive(sources, nullptr, 0);
    const uint64_t received = got.total().packets;
    EXPECT_GT(got.kernel_drops(), 0u) << c.iface;
    EXPECT_EQ(received + got.kernel_drops(), sent) << c.iface << ": received " << received;
  }
}

TEST(LiveCapture, OpenErrorsSayWhatAndWhere) {
  if (geteuid() != 0) GTEST_SKIP() << "live capture test skipped: needs root";
  std::vector<std::unique_ptr<PacketSource>> sources;
  CaptureSpec spec;
  spec.interface = "weir-no-such0";
  Status s = open_capture(spec, sources);
  EXPECT_EQ(s.code, Errc::not_found) << s.message;
  EXPECT_EQ(s.origin, Origin::input);
  EXPECT_NE(s.message.find("weir-no-such0"), std::string::npos) << s.message;
  spec.interface = "afpacket:weir-no-such0";
  s = open_capture(spec, sources);
  EXPECT_EQ(s.code, Errc::not_found) << s.message;
  spec.interface = "afpacket:any";
  EXPECT_EQ(open_capture(spec, sources).code, Errc::invalid_argument);
  spec.interface = "lo";
  spec.filter = "tcp port";
  s = open_capture(spec, sources);
  EXPECT_EQ(s.code, Errc::invalid_argument) << s.message;
  EXPECT_EQ(s.origin, Origin::config);
  EXPECT_NE(s.message.find("tcp port"), std::string::npos) << s.message;
  spec.interface = "afpacket:lo";
  s = open_capture(spec, sources);
  EXPECT_EQ(s.code, Errc::invalid_argument) << s.message;
  spec.filter.clear();
  spec.afpacket.block_kib = 100;  // not a power of two
  s = open_capture(spec, sources);
  EXPECT_EQ(s.code, Errc::invalid_argument) << s.message;
  EXPECT_NE(s.message.find("power of two"), std::string::npos) << s.message;
  spec.afpacket.block_kib = 64;  // smaller than the 256 KiB snap length
  s = open_capture(spec, sources);
  EXPECT_NE(s.message.find("snap length"), std::string::npos) << s.message;
  spec.afpacket.block_kib = 1024;
  spec.afpacket.blocks = 1;
  EXPECT_EQ(open_capture(spec, sources).code, Errc::invalid_argument);
  EXPECT_TRUE(sources.empty());
#if !WEIR_HAVE_DPDK
  spec.interface = "dpdk:0";
  s = open_capture(spec, sources);
  EXPECT_EQ(s.code, Errc::unsupported);
  EXPECT_NE(s.message.find("without DPDK"), std::string::npos) << s.message;
#endif
}

}  // namespace
}  // namespace weir
