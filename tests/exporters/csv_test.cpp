// SPDX-License-Identifier: Apache-2.0
// CSV format: exact text for hand-made records (expected strings written by hand from
// the column spec, not produced by the code), RFC 5952 addresses, fixed decimals.
#include <arpa/inet.h>

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "exporters/csv_format.hpp"
#include "exporters_test_util.hpp"

namespace weir {
namespace {

using test::ScratchDir;

std::string fmt(const FlowRecord& r, bool bidirectional) {
  std::string s(kCsvMaxRecordBytes, '\0');
  s.resize(format_csv_record(r, bidirectional, s.data()));
  return s;
}

std::string v6(const char* text) {
  std::array<uint8_t, 16> a{};
  EXPECT_EQ(inet_pton(AF_INET6, text, a.data()), 1) << text;
  char out[64];
  return std::string(out, format_ipv6(a.data(), out));
}

std::string fixed3(double v) {
  char out[400];
  return std::string(out, format_fixed3(v, out));
}

std::size_t count_columns(std::string_view line) {
  return static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
}

FlowRecord tcp4_bidirectional() {
  FlowRecord r;
  r.flow_id = 7;
  r.start_ns = 1'000'000'000;
  r.end_ns = 1'500'000'000;
  r.expiry_ns = 9'000'000'000;
  r.ip_version = 4;
  r.proto = 6;
  r.src_addr = test::v4(192, 168, 1, 10);
  r.dst_addr = test::v4(10, 0, 0, 1);
  r.src_port = 51234;
  r.dst_port = 443;
  r.icmp_type = 3;  // garbage: must not be printed for TCP
  r.icmp_code = 4;
  r.icmp_id = 5;
  r.vlan = 100;
  r.end_reason = EndReason::tcp_close;
  r.ingress_if = 2;
  r.first_tcp_flags = 0x02;
  DirStats& f = r.dir[0];
  f.ttl_min = 60;
  f.ttl_max = 64;
  f.tos = 0x10;
  f.packets = 3;
  f.ip_bytes = 180;
  f.l2_bytes = 222;
  f.ip_len_min_bytes = 40;
  f.ip_len_max_bytes = 100;
  f.ip_len_mean_bytes = 60.0;
  f.ip_len_stddev_bytes = std::sqrt(800.0);  // 28.2842712...
  f.iat_min_ns = 1000;
  f.iat_max_ns = 2000;
  f.iat_mean_ns = 1500.0;
  f.iat_stddev_ns = 500.0;
  f.tcp_flags = 0x01 | 0x02 | 0x08 | 0x10;  // FIN SYN PSH ACK
  f.tcp_flag_count = {1, 1, 0, 1, 2, 0, 0, 0};
  DirStats& b = r.dir[1];
  b.packets = 2;
  b.ip_bytes = 1540;
  b.l2_bytes = 1568;
  b.ip_len_min_bytes = 40;
  b.ip_len_max_bytes = 1500;
  b.ip_len_mean_bytes = 770.0;
  b.ip_len_stddev_bytes = 730.0;
  b.iat_min_ns = 3000;
  b.iat_max_ns = 3000;
  b.iat_mean_ns = 3000.0;
  b.iat_stddev_ns = 0.0;
  b.tcp_flags = 0x02 | 0x10;  // SYN ACK
  b.tcp_flag_count = {0, 1, 0, 0, 2, 0, 0, 0};
  b.ttl_min = b.ttl_max = 52;
  return r;
}

FlowRecord udp6_unidirectional() {
  FlowRecord r;
  r.flow_id = 42;
  r.start_ns = 5;
  r.end_ns = 5;
  r.ip_version = 6;
  r.proto = 17;
  r.src_addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
  r.dst_addr = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x53};
  r.src_port = 5353;
  r.dst_port = 53;
  r.end_reason = EndReason::idle;
  DirStats& f = r.dir[0];
  f.packets = 1;
  f.ip_bytes = 76;
  f.l2_bytes = 90;
  f.ip_len_min_bytes = 76;
  f.ip_len_max_bytes = 76;
  f.ip_len_mean_bytes = 76.0;
  return r;
}

FlowRecord icmp4_echo() {
  FlowRecord r;
  r.flow_id = 3;
  r.start_ns = 100;
  r.end_ns = 1'000'000'100;
  r.ip_version = 4;
  r.proto = 1;
  r.src_addr = test::v4(10, 1, 2, 3);
  r.dst_addr = test::v4(8, 8, 8, 8);
  r.icmp_type = 8;
  r.icmp_code = 0;
  r.icmp_id = 0x1234;
  r.end_reason = EndReason::idle;
  for (DirStats& d : r.dir) {
    d.packets = 2;
    d.ip_bytes = 168;
    d.l2_bytes = 196;
    d.ip_len_min_bytes = 84;
    d.ip_len_max_bytes = 84;
    d.ip_len_mean_bytes = 84.0;
    d.iat_min_ns = 1'000'000'000;
    d.iat_max_ns = 1'000'000'000;
    d.iat_mean_ns = 1e9;
  }
  return r;
}

FlowRecord syn_without_answer() {
  FlowRecord r;
  r.flow_id = 9;
  r.start_ns = 1;
  r.end_ns = 1;
  r.ip_version = 4;
  r.proto = 6;
  r.src_addr = test::v4(1, 2, 3, 4);
  r.dst_addr = test::v4(5, 6, 7, 8);
  r.src_port = 1024;
  r.dst_port = 80;
  r.end_reason = EndReason::eof;
  DirStats& f = r.dir[0];
  f.packets = 1;
  f.ip_bytes = 60;
  f.l2_bytes = 74;
  f.ip_len_min_bytes = 60;
  f.ip_len_max_bytes = 60;
  f.ip_len_mean_bytes = 60.0;
  f.tcp_flags = 0x02;
  f.tcp_flag_count[1] = 1;
  return r;
}

FlowRecord icmp6_echo_reply() {
  FlowRecord r;
  r.flow_id = 11;
  r.start_ns = 10;
  r.end_ns = 30;
  r.ip_version = 6;
  r.proto = 58;
  // fe80::1 -> ff02::1:ff00:2 (link-local to solicited-node multicast)
  r.src_addr = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  r.dst_addr = {0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2};
  r.icmp_type = 129;
  r.icmp_code = 0;
  r.icmp_id = 65535;
  r.vlan = 4094;
  r.end_reason = EndReason::evicted;
  DirStats& f = r.dir[0];
  f.packets = 3;
  f.ip_bytes = 3 * 104;
  f.l2_bytes = 3 * 122;
  f.ip_len_min_bytes = 104;
  f.ip_len_max_bytes = 104;
  f.ip_len_mean_bytes = 104.0;
  f.iat_min_ns = 5;
  f.iat_max_ns = 15;
  f.iat_mean_ns = 10.0;
  f.iat_stddev_ns = 5.0;
  return r;
}

constexpr const char* kBidirectionalHeader =
    "flow_id,start_ns,end_ns,duration_ns,ip_version,proto,src_addr,src_port,dst_addr,dst_port,"
    "icmp_type,icmp_code,icmp_id,vlan_id,end_reason,end_reason_ipfix,ingress_if,first_tcp_flags,"
    "fwd_packets,fwd_ip_bytes,fwd_l2_bytes,fwd_ip_len_min_bytes,fwd_ip_len_max_bytes,"
    "fwd_ip_len_mean_bytes,fwd_ip_len_stddev_bytes,fwd_iat_min_ns,fwd_iat_max_ns,"
    "fwd_iat_mean_ns,fwd_iat_stddev_ns,fwd_tcp_flags,fwd_fin_count,fwd_syn_count,"
    "fwd_rst_count,fwd_psh_count,fwd_ack_count,fwd_urg_count,fwd_ece_count,fwd_cwr_count,"
    "fwd_ttl_min,fwd_ttl_max,fwd_tos,"
    "bwd_packets,bwd_ip_bytes,bwd_l2_bytes,bwd_ip_len_min_bytes,bwd_ip_len_max_bytes,"
    "bwd_ip_len_mean_bytes,bwd_ip_len_stddev_bytes,bwd_iat_min_ns,bwd_iat_max_ns,"
    "bwd_iat_mean_ns,bwd_iat_stddev_ns,bwd_tcp_flags,bwd_fin_count,bwd_syn_count,"
    "bwd_rst_count,bwd_psh_count,bwd_ack_count,bwd_urg_count,bwd_ece_count,bwd_cwr_count,"
    "bwd_ttl_min,bwd_ttl_max,bwd_tos\n";

constexpr const char* kUnidirectionalHeader =
    "flow_id,start_ns,end_ns,duration_ns,ip_version,proto,src_addr,src_port,dst_addr,dst_port,"
    "icmp_type,icmp_code,icmp_id,vlan_id,end_reason,end_reason_ipfix,ingress_if,first_tcp_flags,"
    "fwd_packets,fwd_ip_bytes,fwd_l2_bytes,fwd_ip_len_min_bytes,fwd_ip_len_max_bytes,"
    "fwd_ip_len_mean_bytes,fwd_ip_len_stddev_bytes,fwd_iat_min_ns,fwd_iat_max_ns,"
    "fwd_iat_mean_ns,fwd_iat_stddev_ns,fwd_tcp_flags,fwd_fin_count,fwd_syn_count,"
    "fwd_rst_count,fwd_psh_count,fwd_ack_count,fwd_urg_count,fwd_ece_count,fwd_cwr_count,"
    "fwd_ttl_min,fwd_ttl_max,fwd_tos\n";

TEST(CsvFormat, HeaderListsTheSpecifiedColumns) {
  EXPECT_EQ(csv_header(true), kBidirectionalHeader);
  EXPECT_EQ(csv_header(false), kUnidirectionalHeader);
  EXPECT_EQ(count_columns(csv_header(true)), 64u);
  EXPECT_EQ(count_columns(csv_header(false)), 41u);
  EXPECT_EQ(csv_column_count(true), 64u);
  EXPECT_EQ(csv_column_count(false), 41u);
}

TEST(CsvFormat, Ipv4TcpBidirectional) {
  EXPECT_EQ(fmt(tcp4_bidirectional(), true),
            "7,1000000000,1500000000,500000000,4,6,192.168.1.10,51234,10.0.0.1,443,,,,100,"
            "tcp_close,3,2,S,"
            "3,180,222,40,100,60.000,28.284,1000,2000,1500.000,500.000,FSPA,1,1,0,1,2,0,0,0,"
            "60,64,16,"
            "2,1540,1568,40,1500,770.000,730.000,3000,3000,3000.000,0.000,SA,0,1,0,0,2,0,0,0,"
            "52,52,0\n");
}

TEST(CsvFormat, Ipv6UdpUnidirectional) {
  EXPECT_EQ(fmt(udp6_unidirectional(), false),
            "42,5,5,0,6,17,2001:db8::1,5353,2001:db8:0:1::53,53,,,,0,idle,1,0,,"
            "1,76,90,76,76,76.000,0.000,0,0,0.000,0.000,,0,0,0,0,0,0,0,0,0,0,0\n");
}

TEST(CsvFormat, IcmpEchoPrintsTypeCodeAndId) {
  EXPECT_EQ(fmt(icmp4_echo(), true),
            "3,100,1000000100,1000000000,4,1,10.1.2.3,0,8.8.8.8,0,8,0,4660,0,idle,1,0,,"
            "2,168,196,84,84,84.000,0.000,1000000000,1000000000,1000000000.000,0.000,,"
            "0,0,0,0,0,0,0,0,0,0,0,"
            "2,168,196,84,84,84.000,0.000,1000000000,1000000000,1000000000.000,0.000,,"
            "0,0,0,0,0,0,0,0,0,0,0\n");
}

TEST(CsvFormat, Icmpv6WithCompressedAddresses) {
  EXPECT_EQ(fmt(icmp6_echo_reply(), false),
            "11,10,30,20,6,58,fe80::1,0,ff02::1:ff00:2,0,129,0,65535,4094,evicted,5,0,,"
            "3,312,366,104,104,104.000,0.000,5,15,10.000,5.000,,0,0,0,0,0,0,0,0,0,0,0\n");
}

TEST(CsvFormat, ZeroBackwardPacketsPrintsZeros) {
  EXPECT_EQ(fmt(syn_without_answer(), true),
            "9,1,1,0,4,6,1.2.3.4,1024,5.6.7.8,80,,,,0,eof,4,0,,"
            "1,60,74,60,60,60.000,0.000,0,0,0.000,0.000,S,0,1,0,0,0,0,0,0,0,0,0,"
            "0,0,0,0,0,0.000,0.000,0,0,0.000,0.000,,0,0,0,0,0,0,0,0,0,0,0\n");
}

TEST(CsvFormat, NonIpRecordHasEmptyAddresses) {
  FlowRecord r;
  r.ip_version = 0;
  r.src_addr = test::v4(1, 2, 3, 4);
  const std::string line = fmt(r, false);
  EXPECT_EQ(line.substr(0, 24), "0,0,0,0,0,0,,0,,0,,,,0,i");
}

TEST(CsvFormat, HeaderAndDataColumnCountsAgree) {
  const std::vector<FlowRecord> recs = {tcp4_bidirectional(), udp6_unidirectional(),
                                        icmp4_echo(), syn_without_answer(), icmp6_echo_reply()};
  std::vector<FlowRecord> all = recs;
  for (const FlowRecord& r : test::random_records(200, 1)) all.push_back(r);
  for (bool bidi : {false, true}) {
    const std::size_t want = count_columns(csv_header(bidi));
    for (const FlowRecord& r : all) {
      const std::string line = fmt(r, bidi);
      ASSERT_EQ(line.back(), '\n');
      EXPECT_EQ(line.find('\n'), line.size() - 1);
      EXPECT_EQ(count_columns(line), want) << line;
    }
  }
}

TEST(CsvFormat, IntegersAtEveryDigitCountBoundary) {
  std::vector<uint64_t> values = {0, 1, 9, UINT64_MAX, UINT64_MAX - 1};
  for (uint64_t p = 10; p <= 10'000'000'000'000'000'000u; p *= 10) {
    values.insert(values.end(), {p - 1, p, p + 1});
    if (p > UINT64_MAX / 10) break;
  }
  for (uint64_t v : values) {
    FlowRecord r;
    r.flow_id = v;
    r.dir[0].packets = v;
    const std::string line = fmt(r, false);
    EXPECT_EQ(line.substr(0, line.find(',')), std::to_string(v));
    EXPECT_NE(line.find(",idle,1,0,," + std::to_string(v) + ","), std::string::npos) << line;
  }
}

TEST(CsvFormat, TcpFlagLettersInFixedOrder) {
  auto flags = [](uint8_t f) {
    char out[8];
    return std::string(out, format_tcp_flags(f, out));
  };
  EXPECT_EQ(flags(0), "");
  EXPECT_EQ(flags(0x12), "SA");
  EXPECT_EQ(flags(0x04), "R");
  EXPECT_EQ(flags(0xFF), "FSRPAUEC");
  EXPECT_EQ(flags(0xC0), "EC");
  EXPECT_EQ(flags(0x29), "FPU");
}

TEST(CsvFormat, EveryEndReasonHasItsName) {
  for (std::size_t i = 0; i < kNumEndReasons; ++i) {
    FlowRecord r;
    r.end_reason = static_cast<EndReason>(i);
    const std::string line = fmt(r, false);
    std::string needle = ",";  // built stepwise: GCC 12 -Wrestrict misfires on "," + s
    needle += end_reason_name(r.end_reason);
    needle += ',';
    EXPECT_NE(line.find(needle), std::string::npos);
  }
}

TEST(CsvFormat, Ipv6FollowsRfc5952) {
  EXPECT_EQ(v6("::"), "::");
  EXPECT_EQ(v6("::1"), "::1");
  EXPECT_EQ(v6("1::"), "1::");
  EXPECT_EQ(v6("::2"), "::2");  // not the deprecated IPv4-compatible ::0.0.0.2
  EXPECT_EQ(v6("2001:DB8:0:0:0:0:0:ABCD"), "2001:db8::abcd");          // 4.3 lower case
  EXPECT_EQ(v6("2001:0db8:0000:0000:0000:0000:0000:0001"), "2001:db8::1");  // 4.1
  EXPECT_EQ(v6("2001:db8:0:1:1:1:1:1"), "2001:db8:0:1:1:1:1:1");  // 4.2.2 single zero
  EXPECT_EQ(v6("2001:0:0:1:0:0:0:1"), "2001:0:0:1::1");           // 4.2.3 longest run
  EXPECT_EQ(v6("2001:db8:0:0:1:0:0:1"), "2001:db8::1:0:0:1");     // 4.2.3 first on a tie
  EXPECT_EQ(v6("::ffff:192.0.2.1"), "::ffff:192.0.2.1");          // 5 IPv4-mapped
  EXPECT_EQ(v6("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
  EXPECT_EQ(v6("fe80::1:0:0:0"), "fe80::1:0:0:0");
  EXPECT_EQ(v6("0:0:1::"), "0:0:1::");
}

TEST(CsvFormat, Ipv6MatchesInetNtopOutsideIpv4CompatibleRange) {
  // glibc prints ::a.b.c.d for the deprecated IPv4-compatible range (first 96 bits
  // zero); RFC 5952 only keeps the dotted form for IPv4-mapped, so skip that range.
  std::mt19937_64 rng(5);
  for (int i = 0; i < 200000; ++i) {
    std::array<uint8_t, 16> a{};
    for (int g = 0; g < 8; ++g) {
      const uint64_t x = rng();
      const uint16_t w = (x & 1) ? 0 : static_cast<uint16_t>(x >> 8 & ((x & 2) ? 0xF : 0xFFFF));
      a[2 * g] = static_cast<uint8_t>(w >> 8);
      a[2 * g + 1] = static_cast<uint8_t>(w);
    }
    if (rng() % 16 == 0) {  // IPv4-mapped
      std::fill(a.begin(), a.begin() + 10, 0);
      a[10] = a[11] = 0xFF;
    }
    if (std::all_of(a.begin(), a.begin() + 12, [](uint8_t b) { return b == 0; })) continue;
    char want[INET6_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET6, a.data(), want, sizeof want), nullptr);
    char got[64];
    ASSERT_EQ(std::string(got, format_ipv6(a.data(), got)), want);
  }
}

TEST(CsvFormat, Ipv4MatchesInetNtop) {
  for (uint32_t i = 0; i < (1u << 20); ++i) {
    const uint32_t x = i * 2654435761u;
    const uint8_t a[4] = {uint8_t(x >> 24), uint8_t(x >> 16), uint8_t(x >> 8), uint8_t(x)};
    char want[INET_ADDRSTRLEN];
    ASSERT_NE(inet_ntop(AF_INET, a, want, sizeof want), nullptr);
    char got[16];
    ASSERT_EQ(std::string(got, format_ipv4(a, got)), want);
  }
}

TEST(CsvFormat, FixedThreeDecimals) {
  EXPECT_EQ(fixed3(0.0), "0.000");
  EXPECT_EQ(fixed3(-0.0), "-0.000");
  EXPECT_EQ(fixed3(1.0), "1.000");
  EXPECT_EQ(fixed3(2.0 / 3.0), "0.667");
  EXPECT_EQ(fixed3(0.0625), "0.062");   // exact tie: round half to even, as printf
  EXPECT_EQ(fixed3(0.1875), "0.188");
  EXPECT_EQ(fixed3(1e9), "1000000000.000");
  EXPECT_EQ(fixed3(1.5e15), "1500000000000000.000");  // beyond the fast path
  EXPECT_EQ(fixed3(-2.5), "-2.500");
  EXPECT_EQ(fixed3(0.0004999), "0.000");
  EXPECT_EQ(fixed3(0.9996), "1.000");
}

TEST(CsvFormat, FixedThreeDecimalsMatchesToCharsAndPrintf) {
  std::mt19937_64 rng(11);
  auto check = [](double v) {
    char want[400];
    char* end = std::to_chars(want, want + sizeof want, v, std::chars_format::fixed, 3).ptr;
    ASSERT_EQ(fixed3(v), std::string(want, end)) << v;
    if (std::isfinite(v)) {
      char pf[400];
      std::snprintf(pf, sizeof pf, "%.3f", v);
      ASSERT_EQ(fixed3(v), pf);
    }
  };
  for (double v : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::quiet_NaN(), DBL_MAX, -DBL_MAX, DBL_MIN,
                   DBL_TRUE_MIN, 0x1p42 / 1000.0, std::nextafter(0x1p42 / 1000.0, 0.0)})
    check(v);
  for (int i = 0; i < 1'000'000; ++i) {
    const uint64_t x = rng();
    double v;
    switch (i % 5) {
      case 0: v = static_cast<double>(x % 100'000'000) / 1000.0 + 0.0005; break;  // near ties
      case 1: v = std::ldexp(static_cast<double>(x % (1u << 20)), -static_cast<int>(x >> 59));
              break;  // dyadic: exact ties
      case 2: v = static_cast<double>(x % 1'000'000'000'000) / 3.0; break;
      case 3: v = std::bit_cast<double>(x); break;
      default: v = std::sqrt(static_cast<double>(x % 1'000'000'000)); break;
    }
    check(v);
  }
}

TEST(CsvFormat, WorstCaseRecordFitsTheBound) {
  const FlowRecord r = test::worst_case_record();
  std::string buf(2 * kCsvMaxRecordBytes, '\x7f');
  const std::size_t n = format_csv_record(r, true, buf.data());
  EXPECT_GT(n, 3000u);
  EXPECT_LE(n, kCsvMaxRecordBytes);
  EXPECT_EQ(buf.find_first_not_of('\x7f', kCsvMaxRecordBytes), std::string::npos);
}

TEST(CsvFormat, QuotesFieldsOnlyWhenNeeded) {
  auto q = [](std::string_view s) {
    std::string out(2 * s.size() + 2, '\0');
    out.resize(static_cast<std::size_t>(put_csv_field(s, out.data()) - out.data()));
    return out;
  };
  EXPECT_EQ(q("idle"), "idle");
  EXPECT_EQ(q(""), "");
  EXPECT_EQ(q("a,b"), "\"a,b\"");
  EXPECT_EQ(q("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(q("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(q("cr\r"), "\"cr\r\"");
}

TEST(CsvSink, WritesHeaderThenRecords) {
  ScratchDir dir;
  const std::vector<FlowRecord> recs = {tcp4_bidirectional(), icmp4_echo(),
                                        syn_without_answer()};
  test::write_records({.path = dir.file("f.csv"), .format = OutputFormat::csv,
                       .bidirectional = true},
                      recs);
  std::string want = kBidirectionalHeader;
  for (const FlowRecord& r : recs) want += fmt(r, true);
  EXPECT_EQ(test::read_all(dir.file("f.csv")), want);
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"f.csv"});
}

TEST(CsvSink, UnidirectionalOmitsBackwardColumns) {
  ScratchDir dir;
  const std::vector<FlowRecord> recs = {udp6_unidirectional(), icmp6_echo_reply()};
  test::write_records({.path = dir.file("u.csv"), .format = OutputFormat::csv,
                       .bidirectional = false},
                      recs);
  EXPECT_EQ(test::read_all(dir.file("u.csv")),
            std::string(kUnidirectionalHeader) + fmt(recs[0], false) + fmt(recs[1], false));
}

TEST(CsvSink, LargeOutputSpansManyBuffers) {
  ScratchDir dir;
  const auto recs = test::random_records(6000, 3);  // several MiB: many flushes
  test::write_records({.path = dir.file("big.csv"), .format = OutputFormat::csv}, recs);
  std::string want = kBidirectionalHeader;
  for (const FlowRecord& r : recs) want += fmt(r, true);
  const std::string got = test::read_all(dir.file("big.csv"));
  EXPECT_GT(got.size(), 2u << 20);
  EXPECT_TRUE(got == want);
}

}  // namespace
}  // namespace weir
