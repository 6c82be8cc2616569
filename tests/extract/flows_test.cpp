// SPDX-License-Identifier: Apache-2.0
// weir flows: the flow index and listing on real captures (counts checked against tshark:
// `tshark -n -r F -T fields -e eth.src -e eth.dst -e ip.src -e ipv6.src -e ip.dst
// -e ipv6.dst -e ip.proto -e ipv6.nxt -e tcp.srcport -e tcp.dstport -e udp.srcport
// -e udp.dstport -e frame.len`, grouped), stable FlowIDs, the key (protocol, MACs, VLAN),
// no flow cap, UTC times, and the table/CSV formats.
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "extract/flow_listing.hpp"
#include "extract/flow_scan.hpp"
#include "extract/time_format.hpp"
#include "support/captures.hpp"
#include "support/packet_builder.hpp"
#include "support/pcap_writer.hpp"

namespace weir::extract {
namespace {

using test::PacketBuilder;

std::string cap(const std::string& rel) { return test::captures_dir() + "/" + rel; }

struct Scanned {
  FlowIndex index;
  ScanStats st;
};

void scan_file(const std::string& path, Scanned& out, ScanOptions opt = {}) {
  opt.files = {path};
  ASSERT_TRUE(scan(opt, out.index, nullptr, out.st)) << path;
  ASSERT_TRUE(out.st.input_error.empty()) << out.st.input_error;
}

std::string listing(const FlowIndex& index, const ListingOptions& lo) {
  char* buf = nullptr;
  size_t len = 0;
  std::FILE* f = open_memstream(&buf, &len);
  EXPECT_TRUE(write_listing(f, index, lo));
  std::fclose(f);
  std::string s(buf, len);
  std::free(buf);
  return s;
}

std::vector<std::vector<std::string>> csv_rows(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    rows.emplace_back();
    std::istringstream ls(line);
    std::string cell;
    while (std::getline(ls, cell, ',')) rows.back().push_back(cell);
  }
  return rows;
}

std::string temp_pcap(const std::string& name, const std::vector<test::PcapRecord>& recs) {
  const std::string path = testing::TempDir() + "/weir_flows_" + name + ".pcap";
  EXPECT_TRUE(test::write_pcap(path, recs));
  return path;
}

TEST(FlowsListing, Http1HasTwoUniflowsWithFrameBytes) {
  WEIR_REQUIRE_CAPTURES();
  Scanned s;
  scan_file(cap("tcp/http1.pcap"), s);
  ASSERT_EQ(s.index.size(), 2u);
  const FlowEntry& c = s.index.entry(1);  // the client's SYN comes first
  EXPECT_EQ(addr_text(c.key.flow.addr_a, 4), "10.1.0.1");
  EXPECT_EQ(c.key.flow.port_a, 43297);
  EXPECT_EQ(c.key.flow.port_b, 80);
  EXPECT_EQ(c.packets, 4u);
  EXPECT_EQ(c.wire_bytes, 277u);
  const FlowEntry& r = s.index.entry(2);
  EXPECT_EQ(r.key.flow.port_a, 80);
  EXPECT_EQ(r.packets, 3u);
  EXPECT_EQ(r.wire_bytes, 302u);
  EXPECT_EQ(mac_text(c.src_mac), "08:00:27:2a:d6:dd");
  EXPECT_EQ(mac_text(c.dst_mac), mac_text(r.src_mac));

  const auto rows = csv_rows(listing(s.index, {.csv = true}));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"rank", "flow_id", "proto", "src_mac", "dst_mac", "src_addr",
                                                "dst_addr", "src_port", "dst_port", "packets", "wire_bytes",
                                                "first_ns", "last_ns", "duration_ns"}));
  // Fewest packets first, as pcap_flow lists them.
  EXPECT_EQ(rows[1][1], "2");
  EXPECT_EQ(rows[1][9], "3");
  EXPECT_EQ(rows[1][10], "302");
  EXPECT_EQ(rows[2][1], "1");
  EXPECT_EQ(rows[2][10], "277");
  // tshark: frames 1 and 7 of the client flow at 1458782847.829442 and 1458782852.091702.
  EXPECT_EQ(rows[2][11], "1458782847829442000");
  EXPECT_EQ(rows[2][12], "1458782852091702000");
  EXPECT_EQ(rows[2][13], "4262260000");

  const auto desc = csv_rows(listing(s.index, {.csv = true, .descending = true}));
  EXPECT_EQ(desc[1][1], "1");
}

TEST(FlowsListing, TableHasUnitsInColumnNamesAndUtcTimes) {
  WEIR_REQUIRE_CAPTURES();
  Scanned s;
  scan_file(cap("tcp/http1.pcap"), s);
  const std::string t = listing(s.index, {});
  std::istringstream in(t);
  std::string header, row1, row2;
  std::getline(in, header);
  std::getline(in, row1);
  std::getline(in, row2);
  for (const char* col : {"wire_bytes", "first_utc", "last_utc", "duration_s", "packets", "flow_id"}) {
    EXPECT_NE(header.find(col), std::string::npos) << col;
  }
  EXPECT_NE(row2.find("01:27:27.829442000"), std::string::npos) << row2;
  EXPECT_NE(row2.find("4.262260000"), std::string::npos) << row2;
  EXPECT_EQ(header.size(), row1.size());  // aligned
}

TEST(TimeFormat, TimeOfDayIsUtcWhateverTheTimeZone) {
  // 1458782847 s = 2016-03-24 01:27:27 UTC.
  const char* old = std::getenv("TZ");
  const std::string saved = old ? old : "";
  setenv("TZ", "IST-5:30", 1);  // POSIX form: no tzdata needed
  tzset();
  EXPECT_EQ(time_of_day(1458782847829442123ull), "01:27:27.829442123");
  EXPECT_EQ(seconds(4'262'260'000ull), "4.262260000");
  if (old) setenv("TZ", saved.c_str(), 1); else unsetenv("TZ");
  tzset();
}

struct Expect {
  const char* file;
  uint32_t flows;
  uint64_t packets;
  uint64_t wire_bytes;
};

TEST(FlowsListing, RealCapturesMatchTsharkUniflows) {
  WEIR_REQUIRE_CAPTURES();
  const Expect cases[] = {
      {"ipv6/http_ipv6.pcap", 30, 193, 66327},
      {"udp/DnsPackets.pcap", 429, 464, 57942},
      {"tcp/weibo.pcap", 76, 498, 267555},
      {"vlan/vlan-collisions.pcap", 2, 42, 18429},
  };
  for (const Expect& e : cases) {
    SCOPED_TRACE(e.file);
    Scanned s;
    scan_file(cap(e.file), s);
    EXPECT_EQ(s.index.size(), e.flows);
    uint64_t pk = 0, by = 0;
    for (const FlowEntry& f : s.index.flows()) {
      pk += f.packets;
      by += f.wire_bytes;
    }
    EXPECT_EQ(pk, e.packets);
    EXPECT_EQ(by, e.wire_bytes);
  }
  Scanned v6;
  scan_file(cap("ipv6/http_ipv6.pcap"), v6);
  for (const FlowEntry& f : v6.index.flows()) EXPECT_EQ(f.key.flow.ip_version, 6);
}

TEST(FlowsListing, VlanOptionSplitsFlowsByVlan) {
  WEIR_REQUIRE_CAPTURES();
  // The same HTTP session on VLAN 0, 42 and 10 (QinQ outer 10): one flow per VLAN.
  Scanned s;
  ScanOptions o;
  o.vlan_key = true;
  scan_file(cap("vlan/vlan-collisions.pcap"), s, o);
  ASSERT_EQ(s.index.size(), 6u);
  std::vector<uint16_t> vlans;
  for (const FlowEntry& f : s.index.flows()) {
    EXPECT_EQ(f.packets, 7u);
    vlans.push_back(f.key.flow.vlan);
  }
  EXPECT_EQ(vlans, (std::vector<uint16_t>{0, 42, 0, 10, 42, 10}));
  const std::string t = listing(s.index, {.vlan = true});
  EXPECT_NE(t.find("vlan"), std::string::npos);
}

TEST(FlowsIds, FilterAndMinimumsNeverRenumber) {
  WEIR_REQUIRE_CAPTURES();
  Scanned all, filtered;
  scan_file(cap("tcp/weibo.pcap"), all);
  ScanOptions o;
  o.filter = "udp";
  scan_file(cap("tcp/weibo.pcap"), filtered, o);
  ASSERT_EQ(all.index.size(), filtered.index.size());
  uint32_t listed = 0;
  for (uint32_t id = 1; id <= all.index.size(); ++id) {
    const FlowEntry& a = all.index.entry(id);
    const FlowEntry& f = filtered.index.entry(id);
    EXPECT_EQ(a.key, f.key) << id;
    if (a.key.flow.proto == 17) {
      EXPECT_EQ(f.packets, a.packets);
      ++listed;
    } else {
      EXPECT_EQ(f.packets, 0u);
    }
  }
  EXPECT_GT(listed, 0u);
  const auto rows = csv_rows(listing(filtered.index, {.csv = true}));
  EXPECT_EQ(rows.size(), listed + 1);
  // Every packet is counted once: rejected, in a flow, or in no flow with a reason.
  const ScanStats& st = filtered.st;
  EXPECT_EQ(st.packets, st.filtered_out + st.matched +
                            std::accumulate(st.not_in_flow.begin(), st.not_in_flow.end(), uint64_t{0}));
  // Minimums only hide rows.
  const auto big = csv_rows(listing(all.index, {.min_packets = 10, .csv = true}));
  for (std::size_t r = 1; r < big.size(); ++r) EXPECT_GE(std::stoull(big[r][9]), 10u);
  const auto bytes = csv_rows(listing(all.index, {.min_bytes = 5000, .csv = true}));
  for (std::size_t r = 1; r < bytes.size(); ++r) EXPECT_GE(std::stoull(bytes[r][10]), 5000u);
  EXPECT_LT(bytes.size(), all.index.size() + 1);
}

TEST(FlowsIds, PacketMaxKeepsThePrefix) {
  WEIR_REQUIRE_CAPTURES();
  Scanned all, head;
  scan_file(cap("tcp/weibo.pcap"), all);
  ScanOptions o;
  o.packet_max = 100;
  scan_file(cap("tcp/weibo.pcap"), head, o);
  EXPECT_EQ(head.st.packets, 100u);
  EXPECT_TRUE(head.st.stopped_at_max);
  ASSERT_LT(head.index.size(), all.index.size());
  for (uint32_t id = 1; id <= head.index.size(); ++id) EXPECT_EQ(head.index.entry(id).key, all.index.entry(id).key);
}

TEST(FlowsKey, ProtocolMacsAndVlanAreInTheKey) {
  using test::PcapRecord;
  const auto frame = [](auto&& build) { return build().bytes; };
  std::vector<PcapRecord> recs;
  uint64_t ts = 1'000'000'000;
  // TCP and UDP on the same addresses and ports: two flows (pcap_flow merged them).
  recs.push_back({ts++, frame([] { return PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(53, 53).build(); })});
  recs.push_back({ts++, frame([] { return PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").udp(53, 53).build(); })});
  // Same 5-tuple, another source MAC: a third flow unless --flow-5tuple.
  recs.push_back({ts++, frame([] {
                    return PacketBuilder().eth({2, 0, 0, 0, 0, 2}, {2, 0, 0, 0, 0, 9}).ipv4("10.0.0.1", "10.0.0.2")
                        .tcp(53, 53).build();
                  })});
  // Same as the first, VLAN 7: the same flow unless --vlan.
  recs.push_back({ts++, frame([] { return PacketBuilder().eth().vlan(7).ipv4("10.0.0.1", "10.0.0.2").tcp(53, 53).build(); })});
  // ARP: in no flow.
  recs.push_back({ts++, frame([] { return PacketBuilder().eth().ethertype(0x0806).payload(28).build(); })});
  const std::string path = temp_pcap("key", recs);

  Scanned a;
  scan_file(path, a);
  EXPECT_EQ(a.index.size(), 3u);
  EXPECT_EQ(a.index.entry(1).packets, 2u);
  EXPECT_EQ(a.index.entry(2).key.flow.proto, 17);
  EXPECT_EQ(a.st.not_in_flow[static_cast<std::size_t>(DecodeOutcome::not_ip)], 1u);
  Scanned b;
  ScanOptions five;
  five.five_tuple = true;
  scan_file(path, b, five);
  EXPECT_EQ(b.index.size(), 2u);
  EXPECT_EQ(b.index.entry(1).packets, 3u);
  EXPECT_EQ(mac_text(b.index.entry(1).src_mac), "02:00:00:00:00:01");  // the first packet's
  Scanned c;
  ScanOptions vlan;
  vlan.vlan_key = true;
  scan_file(path, c, vlan);
  EXPECT_EQ(c.index.size(), 4u);
  std::filesystem::remove(path);
}

TEST(FlowsIndex, NoFlowCapAndIdsByFirstAppearance) {
  // 150,000 flows (pcap_flow aborts at 100,000), each seen twice, in reverse order the
  // second time: IDs follow the first appearance only.
  constexpr uint32_t kFlows = 150'000;
  FlowIndex index;
  for (int pass = 0; pass < 2; ++pass) {
    for (uint32_t i = 0; i < kFlows; ++i) {
      const uint32_t n = pass == 0 ? i : kFlows - 1 - i;
      UniKey k;
      k.flow.proto = 17;
      k.flow.ip_version = 4;
      k.flow.addr_a = {10, static_cast<uint8_t>(n >> 16), static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
      k.flow.port_a = static_cast<uint16_t>(n);
      bool is_new = false;
      const uint32_t id = index.find_or_add(k, uni_hash(k), is_new);
      ASSERT_EQ(id, n + 1);
      ASSERT_EQ(is_new, pass == 0);
      count_packet(index.entry(id), 100, 5);
    }
  }
  EXPECT_EQ(index.size(), kFlows);
  EXPECT_EQ(index.entry(kFlows).packets, 2u);
  UniKey missing;
  EXPECT_EQ(index.find(missing, uni_hash(missing)), 0u);
  EXPECT_LT(index.memory_bytes(), uint64_t{kFlows} * 300);
}

TEST(FlowsKey, ReverseSwapsEndpointsButNotIcmpMessage) {
  UniKey k;
  k.flow.ip_version = 4;
  k.flow.proto = 6;
  k.flow.addr_a = {1, 1, 1, 1};
  k.flow.addr_b = {2, 2, 2, 2};
  k.flow.port_a = 10;
  k.flow.port_b = 20;
  k.src_mac = {1, 0, 0, 0, 0, 0};
  const UniKey r = reverse(k);
  EXPECT_EQ(r.flow.addr_a, k.flow.addr_b);
  EXPECT_EQ(r.flow.port_a, 20);
  EXPECT_EQ(r.dst_mac, k.src_mac);
  EXPECT_EQ(reverse(r), k);
  k.flow.proto = 1;  // ICMP destination unreachable: port_b = type 3 << 8 | code 1
  k.flow.port_a = 0;
  k.flow.port_b = 0x0301;
  EXPECT_EQ(reverse(k).flow.port_b, 0x0301);
}

TEST(FlowsListing, ProtocolNames) {
  EXPECT_EQ(proto_name(6, 4), "TCP");
  EXPECT_EQ(proto_name(58, 6), "ICMPv6");
  EXPECT_EQ(proto_name(1, 4), "ICMP");
  EXPECT_EQ(proto_name(253, 4), "253");
}

}  // namespace
}  // namespace weir::extract
