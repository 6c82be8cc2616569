// SPDX-License-Identifier: Apache-2.0
// flow-tools files: the reader against fixtures written byte by byte from flow-tools'
// published layout (lib/ftlib.h, ftio.c, fttlv.c: fts3rec_v5, header TLVs), in both
// byte orders, compressed with zlib directly (not by our writer); the writer's output
// parsed field by field the same way; round trips; malformed files.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "exporters/destination.hpp"
#include "exporters/flowtools.hpp"
#include "exporters/sink_registry.hpp"
#include "exporters_test_util.hpp"

namespace weir {
namespace {

using test::ScratchDir;

constexpr OutputFormat kFlowTools{"flowtools"};

std::unique_ptr<Destination> open_file(const std::string& path) {
  std::unique_ptr<Destination> d;
  EXPECT_TRUE(open_destination(path, {}, d));
  return d;
}

// Bytes in a chosen order, written field by field.
struct Bytes {
  bool big = false;
  std::vector<uint8_t> b;
  Bytes& u8(uint8_t v) {
    b.push_back(v);
    return *this;
  }
  Bytes& u16(uint16_t v) {
    if (big) {
      b.push_back(static_cast<uint8_t>(v >> 8));
      b.push_back(static_cast<uint8_t>(v));
    } else {
      b.push_back(static_cast<uint8_t>(v));
      b.push_back(static_cast<uint8_t>(v >> 8));
    }
    return *this;
  }
  Bytes& u32(uint32_t v) {
    if (big) {
      u16(static_cast<uint16_t>(v >> 16));
      u16(static_cast<uint16_t>(v));
    } else {
      u16(static_cast<uint16_t>(v));
      u16(static_cast<uint16_t>(v >> 16));
    }
    return *this;
  }
  Bytes& str(const char* s) {
    b.insert(b.end(), s, s + std::strlen(s) + 1);
    return *this;
  }
};

uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return uint32_t{a} << 24 | uint32_t{b} << 16 | uint32_t{c} << 8 | d;
}

// One fts3rec_v5, field by field in struct order.
struct V5 {
  uint32_t unix_secs, unix_nsecs, sysuptime, exaddr, srcaddr, dstaddr, nexthop;
  uint16_t input, output;
  uint32_t dpkts, doctets, first, last;
  uint16_t srcport, dstport;
  uint8_t prot, tos, tcp_flags, engine_type, engine_id, src_mask, dst_mask;
  uint16_t src_as, dst_as;
};

void put_record(Bytes& o, const V5& r) {
  o.u32(r.unix_secs).u32(r.unix_nsecs).u32(r.sysuptime).u32(r.exaddr);
  o.u32(r.srcaddr).u32(r.dstaddr).u32(r.nexthop);
  o.u16(r.input).u16(r.output);
  o.u32(r.dpkts).u32(r.doctets).u32(r.first).u32(r.last);
  o.u16(r.srcport).u16(r.dstport);
  o.u8(r.prot).u8(r.tos).u8(r.tcp_flags).u8(0 /* pad */);
  o.u8(r.engine_type).u8(r.engine_id).u8(r.src_mask).u8(r.dst_mask);
  o.u16(r.src_as).u16(r.dst_as);
}

const V5 kRec1{1700000000, 250'000'000, 5'000'000, ip(192, 0, 2, 1), ip(10, 1, 2, 3),
               ip(10, 4, 5, 6), ip(10, 0, 0, 254), 3, 7, 12, 3400, 4'990'000, 4'999'500,
               43210, 443, 6, 0x28, 0x1b, 1, 2, 24, 16, 64512, 65001};
const V5 kRec2{1700000001, 0, 5'001'000, ip(192, 0, 2, 1), ip(10, 9, 9, 9), ip(8, 8, 8, 8),
               0, 1, 0, 1, 84, 5'000'900, 5'000'900, 0, 0x0800, 1, 0, 0, 0, 0, 0, 0, 0, 0};

// A header the way ftio_write_header() lays it out; TLVs chosen by the caller.
std::vector<uint8_t> header(bool big, uint32_t flags, uint32_t count, bool with_version = true) {
  Bytes t{big, {}};
  if (with_version) t.u16(0x2).u16(2).u16(5);                  // FT_TLV_EX_VER
  t.u16(0x5).u16(4).u32(ip(192, 0, 2, 1));                     // FT_TLV_EXPORTER_IP
  t.u16(0x6).u16(4).u32(1699999990);                           // FT_TLV_CAP_START
  t.u16(0x7).u16(4).u32(1700000010);                           // FT_TLV_CAP_END
  t.u16(0x8).u16(4).u32(flags);                                // FT_TLV_HEADER_FLAGS
  t.u16(0xA).u16(4).u32(count);                                // FT_TLV_FLOW_COUNT
  t.u16(0xF).u16(10).str("router-17");                         // FT_TLV_CAP_HOSTNAME
  t.u16(0x10).u16(7).str("lab #3");                            // FT_TLV_COMMENTS
  Bytes h{big, {0xCF, 0x10, static_cast<uint8_t>(big ? 2 : 1), 3}};
  const std::size_t len = (8 + t.b.size() + 3) & ~std::size_t{3};
  h.u32(static_cast<uint32_t>(len));
  h.b.insert(h.b.end(), t.b.begin(), t.b.end());
  h.b.resize(len, 0);
  return h.b;
}

std::string as_string(const std::vector<uint8_t>& v) { return {v.begin(), v.end()}; }

std::vector<uint8_t> zlib_compress(const std::vector<uint8_t>& raw) {
  uLongf n = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> out(n);
  EXPECT_EQ(compress(out.data(), &n, raw.data(), static_cast<uLong>(raw.size())), Z_OK);
  out.resize(n);
  return out;
}

std::vector<uint8_t> zlib_uncompress(const uint8_t* p, std::size_t n, std::size_t expect) {
  std::vector<uint8_t> out(expect + 1);
  uLongf got = static_cast<uLongf>(out.size());
  EXPECT_EQ(uncompress(out.data(), &got, p, static_cast<uLong>(n)), Z_OK);
  out.resize(got);
  return out;
}

std::string fixture(bool big, bool compressed) {
  Bytes recs{big, {}};
  put_record(recs, kRec1);
  put_record(recs, kRec2);
  std::vector<uint8_t> f = header(big, 0x1 | (compressed ? 0x2 : 0), 2);
  const std::vector<uint8_t> body = compressed ? zlib_compress(recs.b) : recs.b;
  f.insert(f.end(), body.begin(), body.end());
  return as_string(f);
}

void expect_rec1(const ftfmt::Record& r) {
  EXPECT_EQ(r.unix_secs, kRec1.unix_secs);
  EXPECT_EQ(r.unix_nsecs, kRec1.unix_nsecs);
  EXPECT_EQ(r.sys_uptime, kRec1.sysuptime);
  EXPECT_EQ(r.exaddr, kRec1.exaddr);
  EXPECT_EQ(r.engine_type, 1);
  EXPECT_EQ(r.engine_id, 2);
  EXPECT_EQ(r.v5.srcaddr, kRec1.srcaddr);
  EXPECT_EQ(r.v5.dstaddr, kRec1.dstaddr);
  EXPECT_EQ(r.v5.nexthop, kRec1.nexthop);
  EXPECT_EQ(r.v5.input, 3);
  EXPECT_EQ(r.v5.output, 7);
  EXPECT_EQ(r.v5.packets, 12u);
  EXPECT_EQ(r.v5.octets, 3400u);
  EXPECT_EQ(r.v5.first, kRec1.first);
  EXPECT_EQ(r.v5.last, kRec1.last);
  EXPECT_EQ(r.v5.srcport, 43210);
  EXPECT_EQ(r.v5.dstport, 443);
  EXPECT_EQ(r.v5.prot, 6);
  EXPECT_EQ(r.v5.tos, 0x28);
  EXPECT_EQ(r.v5.tcp_flags, 0x1b);
  EXPECT_EQ(r.v5.src_mask, 24);
  EXPECT_EQ(r.v5.dst_mask, 16);
  EXPECT_EQ(r.v5.src_as, 64512);
  EXPECT_EQ(r.v5.dst_as, 65001);
}

class FlowToolsFixture : public ::testing::TestWithParam<std::tuple<bool, bool>> {};

TEST_P(FlowToolsFixture, ReaderDecodesHandWrittenFile) {
  const auto [big, compressed] = GetParam();
  ScratchDir dir;
  const std::string path = dir.file("f.ft");
  test::write_all(path, fixture(big, compressed));
  FlowToolsHeader h;
  std::vector<ftfmt::Record> recs;
  Status s = read_flowtools_file(path, h, recs);
  ASSERT_TRUE(s) << s.message;
  EXPECT_EQ(h.byte_order, big ? 2 : 1);
  EXPECT_EQ(h.stream_version, 3);
  EXPECT_EQ(h.export_version, 5);
  EXPECT_EQ(h.exporter_ip, ip(192, 0, 2, 1));
  EXPECT_EQ(h.cap_start, 1699999990u);
  EXPECT_EQ(h.cap_end, 1700000010u);
  EXPECT_EQ(h.flow_count, 2u);
  EXPECT_EQ(h.hostname, "router-17");
  EXPECT_EQ(h.comments, "lab #3");
  ASSERT_EQ(recs.size(), 2u);
  expect_rec1(recs[0]);
  EXPECT_EQ(recs[1].v5.dstport, 0x0800);
  EXPECT_EQ(recs[1].v5.prot, 1);

  // As FlowRecords: times from unix_secs/nsecs - (sysUpTime - First/Last).
  FlowToolsReader r;
  ASSERT_TRUE(r.open(path));
  std::vector<FlowRecord> fr(8);
  std::size_t n = 0;
  ASSERT_TRUE(r.read_burst(fr, n));
  ASSERT_EQ(n, 2u);
  const uint64_t exp = 1700000000ull * 1'000'000'000 + 250'000'000;
  EXPECT_EQ(fr[0].start_ns, exp - (5'000'000ull - 4'990'000) * 1'000'000);
  EXPECT_EQ(fr[0].end_ns, exp - (5'000'000ull - 4'999'500) * 1'000'000);
  EXPECT_EQ(fr[0].expiry_ns, exp);
  EXPECT_EQ(fr[0].ip_version, 4);
  EXPECT_EQ(fr[0].src_addr, test::v4(10, 1, 2, 3));
  EXPECT_EQ(fr[0].dst_addr, test::v4(10, 4, 5, 6));
  EXPECT_EQ(fr[0].src_port, 43210);
  EXPECT_EQ(fr[0].dst_port, 443);
  EXPECT_EQ(fr[0].dir[0].packets, 12u);
  EXPECT_EQ(fr[0].dir[0].ip_bytes, 3400u);
  EXPECT_EQ(fr[0].dir[0].tcp_flags, 0x1b);
  EXPECT_EQ(fr[0].dir[0].tos, 0x28);
  EXPECT_EQ(fr[0].ingress_if, 3u);
  EXPECT_EQ(fr[0].dir[1].packets, 0u);
  // ICMP: type/code from dstport, ports 0.
  EXPECT_EQ(fr[1].icmp_type, 8);
  EXPECT_EQ(fr[1].icmp_code, 0);
  EXPECT_EQ(fr[1].dst_port, 0);
  EXPECT_EQ(fr[1].flow_id, 1u);
  ASSERT_TRUE(r.read_burst(fr, n));
  EXPECT_EQ(n, 0u);
}

INSTANTIATE_TEST_SUITE_P(ByteOrderAndCompression, FlowToolsFixture,
                         ::testing::Combine(::testing::Bool(), ::testing::Bool()),
                         [](const auto& info) {
                           return std::string(std::get<0>(info.param) ? "Big" : "Little") +
                                  (std::get<1>(info.param) ? "Compressed" : "Plain");
                         });

// The writer's file, read back with nothing but the published layout and zlib.
struct ParsedFile {
  std::map<uint16_t, std::vector<uint8_t>> tlv;
  uint32_t header_bytes = 0;
  std::vector<uint8_t> records;  // decompressed
};

uint32_t le32(const uint8_t* p) { return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24; }
uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

ParsedFile parse_le_file(const std::string& data, std::size_t expect_records) {
  ParsedFile pf;
  const auto* p = reinterpret_cast<const uint8_t*>(data.data());
  EXPECT_GE(data.size(), 8u);
  EXPECT_EQ(p[0], 0xCF);
  EXPECT_EQ(p[1], 0x10);
  EXPECT_EQ(p[2], 1);  // little endian
  EXPECT_EQ(p[3], 3);  // stream version
  pf.header_bytes = le32(p + 4);
  EXPECT_EQ(pf.header_bytes % 4, 0u);
  EXPECT_LE(pf.header_bytes, data.size());
  for (std::size_t at = 8; at + 4 <= pf.header_bytes;) {
    const uint16_t t = le16(p + at), l = le16(p + at + 2);
    if (t == 0 && l == 0) break;  // padding
    EXPECT_LE(at + 4 + l, pf.header_bytes);
    pf.tlv[t].assign(p + at + 4, p + at + 4 + l);
    at += 4 + l;
  }
  pf.records = zlib_uncompress(p + pf.header_bytes, data.size() - pf.header_bytes,
                               expect_records * 64);
  return pf;
}

FlowRecord tcp_biflow() {
  FlowRecord r;
  r.ip_version = 4;
  r.proto = 6;
  r.src_addr = test::v4(10, 0, 0, 1);
  r.dst_addr = test::v4(10, 0, 0, 2);
  r.src_port = 40000;
  r.dst_port = 80;
  r.ingress_if = 2;
  r.start_ns = 1'700'000'000'123'456'789ull;
  r.end_ns = 1'700'000'002'987'654'321ull;
  r.dir[0] = {.packets = 5, .ip_bytes = 500, .first_ns = r.start_ns, .last_ns = r.end_ns - 1'000'000,
              .tcp_flags = 0x1b, .tos = 0x10};
  r.dir[1] = {.packets = 4, .ip_bytes = 3000, .first_ns = r.start_ns + 20'000'000,
              .last_ns = r.end_ns, .tcp_flags = 0x12, .tos = 0x20};
  return r;
}

TEST(FlowToolsWriter, FileFollowsThePublishedLayout) {
  ScratchDir dir;
  const std::string path = dir.file("out.ft");
  FlowRecord v6 = tcp_biflow();
  v6.ip_version = 6;
  const std::vector<FlowRecord> recs = {tcp_biflow(), v6};
  std::unique_ptr<FlowSink> sink;
  ASSERT_TRUE(open_flowtools_sink(open_file(path), {.hostname = "probe-a", .comments = "weir test",
                                                    .exporter_ip = ip(192, 0, 2, 9)}, sink));
  ASSERT_TRUE(sink->write_burst(recs));
  ASSERT_TRUE(sink->finish());
  EXPECT_EQ(sink->records_written(), 1u);
  EXPECT_EQ(sink->stats().not_exported, 1u);
  EXPECT_EQ(sink->stats().export_records, 2u);

  const ParsedFile pf = parse_le_file(test::read_all(path), 2);
  ASSERT_TRUE(pf.tlv.count(0x2));
  EXPECT_EQ(le16(pf.tlv.at(0x2).data()), 5);              // export version
  EXPECT_EQ(le32(pf.tlv.at(0x8).data()), 0x1u | 0x2u);    // DONE | COMPRESS
  EXPECT_EQ(le32(pf.tlv.at(0xA).data()), 2u);             // flow count: two directions
  EXPECT_EQ(le32(pf.tlv.at(0xB).data()), 1u);             // lost: the IPv6 record
  EXPECT_EQ(le32(pf.tlv.at(0x5).data()), ip(192, 0, 2, 9));
  EXPECT_EQ(le32(pf.tlv.at(0x6).data()), 1'700'000'000u);  // capture start (s)
  EXPECT_EQ(le32(pf.tlv.at(0x7).data()), 1'700'000'002u);  // capture end (s)
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(pf.tlv.at(0xF).data())), "probe-a");
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(pf.tlv.at(0x10).data())), "weir test");
  EXPECT_EQ(pf.tlv.at(0xF).back(), 0);  // NUL counted in the length, as fttlv_enc_str

  ASSERT_EQ(pf.records.size(), 128u);
  const uint8_t* f = pf.records.data();
  const uint8_t* b = f + 64;
  // Forward: last packet at ...002.986 s, duration 2863 ms.
  EXPECT_EQ(le32(f + 0), 1'700'000'002u);       // unix_secs
  EXPECT_EQ(le32(f + 4), 986'000'000u);         // unix_nsecs (ms precision)
  EXPECT_EQ(le32(f + 8), 2'863u);               // sysUpTime
  EXPECT_EQ(le32(f + 12), ip(192, 0, 2, 9));    // exaddr
  EXPECT_EQ(le32(f + 16), ip(10, 0, 0, 1));     // srcaddr
  EXPECT_EQ(le32(f + 20), ip(10, 0, 0, 2));     // dstaddr
  EXPECT_EQ(le16(f + 28), 2);                   // input
  EXPECT_EQ(le32(f + 32), 5u);                  // dPkts
  EXPECT_EQ(le32(f + 36), 500u);                // dOctets
  EXPECT_EQ(le32(f + 40), 0u);                  // First
  EXPECT_EQ(le32(f + 44), 2'863u);              // Last
  EXPECT_EQ(le16(f + 48), 40000);               // srcport
  EXPECT_EQ(le16(f + 50), 80);                  // dstport
  EXPECT_EQ(f[52], 6);                          // prot
  EXPECT_EQ(f[53], 0x10);                       // tos
  EXPECT_EQ(f[54], 0x1b);                       // tcp_flags
  // Backward: swapped endpoints, its own counters and times.
  EXPECT_EQ(le32(b + 16), ip(10, 0, 0, 2));
  EXPECT_EQ(le32(b + 20), ip(10, 0, 0, 1));
  EXPECT_EQ(le16(b + 48), 80);
  EXPECT_EQ(le16(b + 50), 40000);
  EXPECT_EQ(le32(b + 32), 4u);
  EXPECT_EQ(le32(b + 36), 3000u);
  EXPECT_EQ(b[53], 0x20);
  EXPECT_EQ(b[54], 0x12);
  EXPECT_EQ(le32(b + 0) * 1000ull + le32(b + 4) / 1'000'000 - (le32(b + 8) - le32(b + 40)),
            1'700'000'000'143ull);  // first packet of the reverse direction, ms
}

TEST(FlowToolsWriter, RoundTripKeepsEveryV5Field) {
  std::mt19937_64 rng(7);
  std::vector<FlowRecord> recs;
  for (int i = 0; i < 5000; ++i) {
    FlowRecord r;
    r.ip_version = 4;
    r.proto = std::array<uint8_t, 4>{6, 17, 1, 47}[rng() % 4];
    for (int k = 0; k < 4; ++k) r.src_addr[k] = static_cast<uint8_t>(rng()), r.dst_addr[k] = static_cast<uint8_t>(rng());
    if (r.proto != 1) r.src_port = static_cast<uint16_t>(rng()), r.dst_port = static_cast<uint16_t>(rng());
    r.icmp_type = r.proto == 1 ? 3 : 0;
    r.icmp_code = r.proto == 1 ? static_cast<uint8_t>(rng() % 16) : 0;
    r.ingress_if = static_cast<uint32_t>(rng() % 70000);
    r.start_ns = 1'600'000'000'000'000'000ull + rng() % 100'000'000'000'000ull;
    r.end_ns = r.start_ns + rng() % 4'000'000'000'000ull;
    r.dir[0] = {.packets = 1 + rng() % 100000, .ip_bytes = rng() % 4'000'000'000ull,
                .first_ns = r.start_ns, .last_ns = r.end_ns, .tcp_flags = static_cast<uint8_t>(rng()),
                .tos = static_cast<uint8_t>(rng())};
    recs.push_back(r);
  }
  ScratchDir dir;
  const std::string path = dir.file("rt.ft");
  test::write_records({.path = path, .format = kFlowTools}, recs);
  FlowToolsReader rd;
  ASSERT_TRUE(rd.open(path));
  std::vector<FlowRecord> got(recs.size() + 1);
  std::size_t total = 0;
  for (std::size_t n = 1; n > 0;) {
    Status s = rd.read_burst(std::span(got).subspan(total), n);
    ASSERT_TRUE(s) << s.message;
    total += n;
  }
  ASSERT_EQ(total, recs.size());
  for (std::size_t i = 0; i < recs.size(); ++i) {
    const FlowRecord& a = recs[i];
    const FlowRecord& b = got[i];
    ASSERT_EQ(b.src_addr, a.src_addr) << i;
    ASSERT_EQ(b.dst_addr, a.dst_addr) << i;
    ASSERT_EQ(b.src_port, a.src_port) << i;
    ASSERT_EQ(b.dst_port, a.dst_port) << i;
    ASSERT_EQ(b.proto, a.proto) << i;
    ASSERT_EQ(b.icmp_type, a.icmp_type) << i;
    ASSERT_EQ(b.icmp_code, a.icmp_code) << i;
    ASSERT_EQ(b.ingress_if, std::min<uint32_t>(a.ingress_if, 65535)) << i;
    ASSERT_EQ(b.start_ns, a.start_ns / 1'000'000 * 1'000'000) << i;
    ASSERT_EQ(b.end_ns, a.end_ns / 1'000'000 * 1'000'000) << i;
    ASSERT_EQ(b.dir[0].packets, a.dir[0].packets) << i;
    ASSERT_EQ(b.dir[0].ip_bytes, a.dir[0].ip_bytes) << i;
    ASSERT_EQ(b.dir[0].tcp_flags, a.dir[0].tcp_flags) << i;
    ASSERT_EQ(b.dir[0].tos, a.dir[0].tos) << i;
  }
  EXPECT_EQ(rd.header().flow_count, recs.size());
}

TEST(FlowToolsWriter, RawRecordsAreWrittenAsTheyAre) {
  // flowtools_write_raw (Python's FlowSet.write): every fts3rec_v5 field survives,
  // including those a FlowRecord has no place for (nexthop, output, AS numbers, masks,
  // the exporter's own header fields).
  std::mt19937_64 rng(11);
  std::vector<ftfmt::Record> recs(3000);
  for (ftfmt::Record& r : recs) {
    r.unix_secs = 1'700'000'000u + static_cast<uint32_t>(rng() % 1000);
    r.unix_nsecs = static_cast<uint32_t>(rng() % 1'000'000'000);
    r.sys_uptime = 10'000'000u + static_cast<uint32_t>(rng() % 1000);
    r.exaddr = static_cast<uint32_t>(rng());
    r.engine_type = static_cast<uint8_t>(rng());
    r.engine_id = static_cast<uint8_t>(rng());
    nfv5::Record& v = r.v5;
    v.srcaddr = static_cast<uint32_t>(rng()), v.dstaddr = static_cast<uint32_t>(rng());
    v.nexthop = static_cast<uint32_t>(rng());
    v.input = static_cast<uint16_t>(rng()), v.output = static_cast<uint16_t>(rng());
    v.packets = static_cast<uint32_t>(rng()), v.octets = static_cast<uint32_t>(rng());
    v.first = 9'000'000u + static_cast<uint32_t>(rng() % 1000), v.last = v.first + 500;
    v.srcport = static_cast<uint16_t>(rng()), v.dstport = static_cast<uint16_t>(rng());
    v.prot = static_cast<uint8_t>(rng()), v.tos = static_cast<uint8_t>(rng());
    v.tcp_flags = static_cast<uint8_t>(rng());
    v.src_as = static_cast<uint16_t>(rng()), v.dst_as = static_cast<uint16_t>(rng());
    v.src_mask = static_cast<uint8_t>(rng() % 33), v.dst_mask = static_cast<uint8_t>(rng() % 33);
  }
  ScratchDir dir;
  const std::string path = dir.file("raw.ft");
  std::unique_ptr<FlowSink> sink;
  ASSERT_TRUE(open_flowtools_sink(open_file(path), {}, sink));
  ASSERT_TRUE(flowtools_write_raw(*sink, std::span(recs).first(1000)));
  ASSERT_TRUE(flowtools_write_raw(*sink, std::span(recs).subspan(1000)));
  ASSERT_TRUE(sink->finish());
  EXPECT_EQ(sink->records_written(), recs.size());

  FlowToolsHeader h;
  std::vector<ftfmt::Record> got;
  ASSERT_TRUE(read_flowtools_file(path, h, got));
  ASSERT_EQ(got.size(), recs.size());
  EXPECT_EQ(h.flow_count, recs.size());
  for (std::size_t i = 0; i < recs.size(); ++i) {
    auto fields = [](const nfv5::Record& v) {
      return std::tuple(v.srcaddr, v.dstaddr, v.nexthop, v.input, v.output, v.packets, v.octets,
                        v.first, v.last, v.srcport, v.dstport, v.tcp_flags, v.prot, v.tos, v.src_as,
                        v.dst_as, v.src_mask, v.dst_mask);
    };
    ASSERT_EQ(fields(got[i].v5), fields(recs[i].v5)) << i;
    ASSERT_EQ(got[i].exaddr, recs[i].exaddr) << i;
    ASSERT_EQ(got[i].unix_nsecs, recs[i].unix_nsecs) << i;
    ASSERT_EQ(got[i].sys_uptime, recs[i].sys_uptime) << i;
    ASSERT_EQ(got[i].engine_id, recs[i].engine_id) << i;
  }
  // Capture start/end: the earliest First and latest Last, in seconds.
  EXPECT_GE(h.cap_start, 1'700'000'000u - 1'001u);
  EXPECT_LE(h.cap_start, h.cap_end);
  EXPECT_LE(h.cap_end, 1'700'001'000u);

  std::unique_ptr<FlowSink> csv;
  ASSERT_TRUE(open_sink({.path = dir.file("x.csv")}, csv));
  EXPECT_FALSE(flowtools_write_raw(*csv, recs));
}

TEST(FlowToolsWriter, CountersBeyond32BitsAreSplitExactly) {
  FlowRecord r = tcp_biflow();
  r.dir[1] = {};
  r.dir[0].packets = 3 * nfv5::kMaxCounter + 5;    // needs 4 records
  r.dir[0].ip_bytes = 9 * nfv5::kMaxCounter + 1;   // needs 10 records
  ScratchDir dir;
  const std::string path = dir.file("big.ft");
  test::write_records({.path = path, .format = kFlowTools}, std::span(&r, 1));
  FlowToolsHeader h;
  std::vector<ftfmt::Record> got;
  ASSERT_TRUE(read_flowtools_file(path, h, got));
  ASSERT_EQ(got.size(), 10u);
  EXPECT_EQ(h.flow_count, 10u);
  uint64_t p = 0, o = 0;
  for (const auto& g : got) {
    p += g.v5.packets;
    o += g.v5.octets;
    EXPECT_EQ(g.v5.srcport, 40000);
  }
  EXPECT_EQ(p, r.dir[0].packets);
  EXPECT_EQ(o, r.dir[0].ip_bytes);
}

TEST(FlowToolsWriter, IcmpEchoBiflowGivesRequestAndReply) {
  FlowRecord r = tcp_biflow();
  r.proto = 1;
  r.src_port = r.dst_port = 0;
  r.icmp_type = 8;
  r.icmp_code = 0;
  ScratchDir dir;
  const std::string path = dir.file("icmp.ft");
  test::write_records({.path = path, .format = kFlowTools}, std::span(&r, 1));
  FlowToolsHeader h;
  std::vector<ftfmt::Record> got;
  ASSERT_TRUE(read_flowtools_file(path, h, got));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].v5.dstport, 0x0800);  // echo request
  EXPECT_EQ(got[1].v5.dstport, 0x0000);  // echo reply
  EXPECT_EQ(got[0].v5.srcport, 0);
}

TEST(FlowToolsWriter, PipeGetsAStreamingHeader) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string data;
  std::thread reader([&] {
    char buf[4096];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) data.append(buf, static_cast<std::size_t>(n));
  });
  {
    const FlowRecord r = tcp_biflow();
    test::write_records({.path = "/dev/fd/" + std::to_string(fds[1]), .format = kFlowTools},
                        std::span(&r, 1));
  }
  ::close(fds[1]);
  reader.join();
  ::close(fds[0]);
  const ParsedFile pf = parse_le_file(data, 2);
  EXPECT_EQ(le32(pf.tlv.at(0x8).data()), 0x2u | 0x8u);  // COMPRESS | STREAMING, not DONE
  EXPECT_FALSE(pf.tlv.count(0xA));                      // no totals in a stream
  EXPECT_EQ(pf.records.size(), 128u);
  ScratchDir dir;
  test::write_all(dir.file("s.ft"), data);
  FlowToolsHeader h;
  std::vector<ftfmt::Record> got;
  ASSERT_TRUE(read_flowtools_file(dir.file("s.ft"), h, got));
  EXPECT_EQ(got.size(), 2u);
}

TEST(FlowToolsWriter, LiveFlushMakesRecordsReadableBeforeFinish) {
  ScratchDir dir;
  const std::string path = dir.file("live.ft");
  std::unique_ptr<FlowSink> sink;
  ASSERT_TRUE(open_flowtools_sink(open_file(path), {}, sink));
  const FlowRecord r = tcp_biflow();
  ASSERT_TRUE(sink->write_burst(std::span(&r, 1)));
  ASSERT_TRUE(sink->flush());
  // The temporary file already holds a decodable prefix of the zlib stream.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const std::string part = test::read_all(tmp);
  ASSERT_GT(part.size(), 8u);
  const uint32_t hb = le32(reinterpret_cast<const uint8_t*>(part.data()) + 4);
  z_stream zs{};
  ASSERT_EQ(inflateInit(&zs), Z_OK);
  std::vector<uint8_t> out(256);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(part.data() + hb));
  zs.avail_in = static_cast<uInt>(part.size() - hb);
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  inflate(&zs, Z_SYNC_FLUSH);
  EXPECT_EQ(zs.total_out, 128u);
  inflateEnd(&zs);
  ASSERT_TRUE(sink->finish());
}

Status read_status(const std::string& path) {
  FlowToolsHeader h;
  std::vector<ftfmt::Record> got;
  return read_flowtools_file(path, h, got);
}

TEST(FlowToolsReader, MalformedFilesGiveClearErrors) {
  ScratchDir dir;
  const std::string good = fixture(false, true);
  const std::string plain = fixture(false, false);
  struct Case {
    std::string name, data, expect;
    Errc code;
  };
  std::string v1 = good;
  v1[3] = 1;
  std::string order = good;
  order[2] = 9;
  std::string hugehdr = good;
  hugehdr[4] = '\xff', hugehdr[5] = '\xff', hugehdr[6] = '\x0f';
  std::vector<uint8_t> nover = header(false, 0x1, 2, false);
  std::vector<uint8_t> v7hdr = header(false, 0x1, 2);
  v7hdr[12] = 7;  // export version value
  std::vector<uint8_t> badtlv = header(false, 0x1, 0);
  badtlv[10] = 0xff;  // first TLV length 0x00ff: past the header
  std::string corrupt = good;
  corrupt[corrupt.size() - 20] ^= 0x55;
  const std::vector<Case> cases = {
      {"empty", "", "empty file", Errc::malformed},
      {"magic", "hello world, this is text", "not a flow-tools file", Errc::malformed},
      {"short", good.substr(0, 6), "truncated header", Errc::malformed},
      {"v1", v1, "stream version 1", Errc::unsupported},
      {"order", order, "byte order 9", Errc::malformed},
      {"hugehdr", hugehdr, "header length", Errc::malformed},
      {"hdrcut", good.substr(0, 30), "header of", Errc::malformed},
      {"nover", as_string(nover), "no export version TLV", Errc::unsupported},
      {"v7", as_string(v7hdr), "export version 7", Errc::unsupported},
      {"badtlv", as_string(badtlv), "runs past the header end", Errc::malformed},
      {"ztrunc", good.substr(0, good.size() - 10), "compressed stream truncated", Errc::malformed},
      {"zcorrupt", corrupt, "", Errc::malformed},
      {"ztrailing", good + "xyz", "data after the end of the compressed stream", Errc::malformed},
      {"rectrunc", plain.substr(0, plain.size() - 5), "truncated record: 59 of 64 bytes", Errc::malformed},
      {"count", plain.substr(0, plain.size() - 64), "header says 2 flows, file holds 1", Errc::malformed},
  };
  for (const Case& c : cases) {
    const std::string path = dir.file(c.name + ".ft");
    test::write_all(path, c.data);
    const Status s = read_status(path);
    EXPECT_FALSE(s) << c.name;
    EXPECT_EQ(s.code, c.code) << c.name << ": " << s.message;
    EXPECT_EQ(s.origin, Origin::input) << c.name;
    EXPECT_NE(s.message.find(path), std::string::npos) << c.name << ": " << s.message;
    EXPECT_NE(s.message.find(c.expect), std::string::npos) << c.name << ": " << s.message;
  }
  EXPECT_EQ(read_status(dir.file("missing.ft")).code, Errc::not_found);
}

TEST(FlowToolsReader, RandomDamageNeverCrashes) {
  ScratchDir dir;
  std::mt19937_64 rng(11);
  const std::string path = dir.file("fuzz.ft");
  for (const bool compressed : {false, true}) {
    const std::string good = fixture(rng() % 2, compressed);
    for (int i = 0; i < 400; ++i) {
      std::string d = good;
      switch (i % 3) {
        case 0: d.resize(rng() % d.size()); break;
        case 1:
          for (int k = 0; k < 3; ++k) d[rng() % d.size()] = static_cast<char>(rng());
          break;
        default: d.insert(rng() % d.size(), std::string(rng() % 100, static_cast<char>(rng()))); break;
      }
      test::write_all(path, d);
      FlowToolsHeader h;
      std::vector<ftfmt::Record> got;
      const Status s = read_flowtools_file(path, h, got);
      if (!s) {
        EXPECT_NE(s.message.find(path), std::string::npos) << s.message;
      }
      // Never more records than the bytes allow (deflate expands at most 1032:1).
      EXPECT_LE(got.size(), d.size() * (compressed ? 1032 : 1) / 64);
    }
  }
}

}  // namespace
}  // namespace weir
