// SPDX-License-Identifier: Apache-2.0
// MessageDecoder: NetFlow v5, v9 and IPFIX messages written byte by byte from the RFCs
// (tests/support/netflow_builder.hpp) become the FlowRecords they describe; templates
// are scoped per exporter and domain; data before its template is decoded when it
// comes; every malformed message is counted under its reason and never crashes.
#include <random>
#include <span>
#include <vector>

#include <gtest/gtest.h>

#include "collector/decoder.hpp"
#include "collector/ipfix_ie.hpp"
#include "exporters/field_registry.hpp"
#include "support/netflow_builder.hpp"

namespace weir {
namespace {

using test::NfMsg;

ExporterAddress addr(uint8_t last) {
  ExporterAddress a;
  a.addr[0] = 192, a.addr[1] = 0, a.addr[2] = 2, a.addr[3] = last;
  return a;
}

std::array<uint8_t, 16> v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return {a, b, c, d}; }

std::vector<FlowRecord> run(MessageDecoder& d, const std::vector<uint8_t>& m, uint8_t from = 1) {
  std::vector<FlowRecord> out;
  d.decode(addr(from), m, out);
  return out;
}

uint64_t bad(const MessageDecoder& d, Malformed m) { return d.totals().malformed[static_cast<std::size_t>(m)]; }

constexpr uint64_t kS = 1'000'000'000ull;
constexpr uint64_t kMs = 1'000'000ull;

TEST(DecoderV5, RecordsTimesAndSequence) {
  MessageDecoder d;
  NfMsg m = NfMsg::v5(2, 100'000, 1'700'000'000, 500'000'000, 1000, 1, 7);
  test::v5_record(m, {10, 0, 0, 1}, {10, 0, 0, 2}, 10, 1500, 90'000, 99'000, 1234, 80, 0x1b, 6, 0x10, 3);
  test::v5_record(m, {10, 0, 0, 3}, {10, 0, 0, 4}, 1, 84, 99'500, 99'500, 0, 0x0303, 0, 1, 0);
  const auto recs = run(d, m.done());
  ASSERT_EQ(recs.size(), 2u);
  const uint64_t exp = 1'700'000'000 * kS + 500'000'000;
  EXPECT_EQ(recs[0].start_ns, exp - 10'000 * kMs);
  EXPECT_EQ(recs[0].end_ns, exp - 1'000 * kMs);
  EXPECT_EQ(recs[0].src_addr, v4(10, 0, 0, 1));
  EXPECT_EQ(recs[0].dst_addr, v4(10, 0, 0, 2));
  EXPECT_EQ(recs[0].src_port, 1234);
  EXPECT_EQ(recs[0].dst_port, 80);
  EXPECT_EQ(recs[0].proto, 6);
  EXPECT_EQ(recs[0].ip_version, 4);
  EXPECT_EQ(recs[0].dir[0].packets, 10u);
  EXPECT_EQ(recs[0].dir[0].ip_bytes, 1500u);
  EXPECT_EQ(recs[0].dir[0].tcp_flags, 0x1b);
  EXPECT_EQ(recs[0].dir[0].tos, 0x10);
  EXPECT_EQ(recs[0].ingress_if, 3u);
  EXPECT_EQ(recs[0].expiry_ns, exp);
  EXPECT_EQ(recs[1].icmp_type, 3);  // port unreachable, from dstport 0x0303
  EXPECT_EQ(recs[1].icmp_code, 3);
  EXPECT_EQ(recs[1].dst_port, 0);
  // Next datagram skips 5 flows.
  NfMsg m2 = NfMsg::v5(1, 101'000, 1'700'000'001, 0, 1007, 1, 7);
  test::v5_record(m2, {10, 0, 0, 1}, {10, 0, 0, 2}, 1, 40, 100'000, 100'000, 1, 2, 0, 17, 0);
  run(d, m2.done());
  EXPECT_EQ(d.totals().sequence_lost, 5u);
  EXPECT_EQ(d.totals().records, 3u);
  const CollectorStats st = d.stats();
  ASSERT_EQ(st.exporters.size(), 1u);
  EXPECT_EQ(st.exporters[0].address, "192.0.2.1");
  EXPECT_EQ(st.exporters[0].version, 5);
  EXPECT_EQ(st.exporters[0].domain, 1u << 8 | 7);
  EXPECT_EQ(st.exporters[0].c.messages, 2u);
}

TEST(DecoderV5, CountPastTheDatagramIsMalformed) {
  MessageDecoder d;
  NfMsg m = NfMsg::v5(3, 1, 1, 0, 0);
  test::v5_record(m, {1, 1, 1, 1}, {2, 2, 2, 2}, 1, 1, 1, 1, 1, 1, 0, 6, 0);
  EXPECT_TRUE(run(d, m.done()).empty());
  EXPECT_EQ(bad(d, Malformed::length_mismatch), 1u);
}

NfMsg v9_ipv4_template(uint32_t uptime, uint32_t secs, uint32_t seq) {
  NfMsg m = NfMsg::v9(2, uptime, secs, seq, 42);
  m.set(0).tmpl(256, {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {6, 1}, {5, 1}, {1, 4}, {2, 4},
                      {22, 4}, {21, 4}, {10, 2}}).end_set();
  return m;
}
void v9_ipv4_record(NfMsg& m, uint8_t last_octet, uint32_t bytes, uint32_t first, uint32_t last) {
  m.ipv4(10, 1, 1, last_octet).ipv4(10, 2, 2, 2).u16(5555).u16(53).u8(17).u8(0).u8(0xb8);
  m.u32(bytes).u32(3).u32(first).u32(last).u16(9);
}

TEST(DecoderV9, TemplateThenDataWithUptimeRelativeTimes) {
  MessageDecoder d;
  NfMsg m = v9_ipv4_template(600'000, 1'700'000'000, 1);
  m.set(256);
  v9_ipv4_record(m, 1, 300, 590'000, 599'000);
  v9_ipv4_record(m, 2, 301, 595'000, 595'500);
  m.end_set(2);  // padding to a 4-byte boundary
  const auto recs = run(d, m.done());
  ASSERT_EQ(recs.size(), 2u);
  const uint64_t boot = 1'700'000'000 * kS - 600'000 * kMs;
  EXPECT_EQ(recs[0].start_ns, boot + 590'000 * kMs);
  EXPECT_EQ(recs[0].end_ns, boot + 599'000 * kMs);
  EXPECT_EQ(recs[0].dir[0].ip_bytes, 300u);
  EXPECT_EQ(recs[0].dir[0].packets, 3u);
  EXPECT_EQ(recs[0].dir[0].tos, 0xb8);
  EXPECT_EQ(recs[0].ingress_if, 9u);
  EXPECT_EQ(recs[0].src_port, 5555);
  EXPECT_EQ(recs[0].proto, 17);
  EXPECT_EQ(recs[1].src_addr, v4(10, 1, 1, 2));
  EXPECT_EQ(d.totals().templates, 1u);
  EXPECT_EQ(d.totals().malformed_total(), 0u);
  // v9 sequence numbers count packets: 1 -> 3 lost one.
  NfMsg m2 = NfMsg::v9(1, 601'000, 1'700'000'001, 3, 42);
  m2.set(256);
  v9_ipv4_record(m2, 3, 1, 600'000, 600'000);
  m2.end_set();
  EXPECT_EQ(run(d, m2.done()).size(), 1u);
  EXPECT_EQ(d.totals().sequence_lost, 1u);
}

TEST(DecoderV9, OptionsTemplateAndRecordsAreSkipped) {
  MessageDecoder d;
  NfMsg m = NfMsg::v9(2, 1000, 1'700'000'000, 0, 1);
  // Options template 257: scope system (1) 4 bytes; options sampling interval (34) 4 bytes.
  m.set(1).u16(257).u16(4).u16(4).u16(1).u16(4).u16(34).u16(4).end_set(2);
  m.set(257).u32(0x0a000001).u32(100).end_set();
  EXPECT_TRUE(run(d, m.done()).empty());
  EXPECT_EQ(d.totals().options_records, 1u);
  EXPECT_EQ(d.totals().malformed_total(), 0u);
}

// IPFIX template 300: a weir-style biflow with ms and ns times and reverse elements.
NfMsg ipfix_biflow_template(uint32_t seq = 0) {
  NfMsg m = NfMsg::ipfix(1'700'000'100, seq, 5);
  m.set(2).tmpl(300, {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {60, 1}, {152, 8}, {153, 8},
                      {156, 8}, {157, 8}, {1, 8}, {2, 8}, {6, 2}, {5, 1}, {52, 1}, {53, 1},
                      {136, 1}, {10, 4}, {58, 2}, {148, 8},
                      {1, 8, 29305}, {2, 8, 29305}, {6, 2, 29305}, {156, 8, 29305}, {157, 8, 29305},
                      {9999, 4, 12345}})
      .end_set();
  return m;
}
uint64_t ntp(uint64_t unix_ns) {
  const uint64_t s = unix_ns / kS + 2'208'988'800ull;
  const uint64_t frac = ((unix_ns % kS) << 32) / kS;
  return s << 32 | frac;
}
void ipfix_biflow_record(NfMsg& m, uint64_t start_ns, uint64_t end_ns) {
  m.ipv4(10, 0, 0, 1).ipv4(10, 0, 0, 2).u16(40000).u16(443).u8(6).u8(4);
  m.u64(start_ns / kMs).u64(end_ns / kMs).u64(ntp(start_ns)).u64(ntp(end_ns));
  m.u64(5000).u64(7).u16(0x1b).u8(0x20).u8(60).u8(64).u8(3).u32(2).u16(100).u64(77);
  m.u64(90000).u64(70).u16(0x12).u64(ntp(start_ns + 1'000'001)).u64(ntp(end_ns - 999));
  m.u32(0xdeadbeef);  // the unknown enterprise field
}

TEST(DecoderIpfix, BiflowWithReverseElementsAndNanosecondTimes) {
  MessageDecoder d;
  NfMsg m = ipfix_biflow_template();
  const uint64_t start = 1'700'000'000 * kS + 123'456'789, end = start + 2 * kS + 987'654'321;
  m.set(300);
  ipfix_biflow_record(m, start, end);
  m.end_set();
  const auto recs = run(d, m.done());
  ASSERT_EQ(recs.size(), 1u);
  const FlowRecord& r = recs[0];
  EXPECT_EQ(r.start_ns, start);  // nanoseconds win over milliseconds
  EXPECT_EQ(r.end_ns, end);
  EXPECT_EQ(r.ip_version, 4);
  EXPECT_EQ(r.proto, 6);
  EXPECT_EQ(r.src_port, 40000);
  EXPECT_EQ(r.dst_port, 443);
  EXPECT_EQ(r.dir[0].ip_bytes, 5000u);
  EXPECT_EQ(r.dir[0].packets, 7u);
  EXPECT_EQ(r.dir[0].tcp_flags, 0x1b);
  EXPECT_EQ(r.dir[0].tos, 0x20);
  EXPECT_EQ(r.dir[0].ttl_min, 60);
  EXPECT_EQ(r.dir[0].ttl_max, 64);
  EXPECT_EQ(r.dir[1].ip_bytes, 90000u);
  EXPECT_EQ(r.dir[1].packets, 70u);
  EXPECT_EQ(r.dir[1].tcp_flags, 0x12);
  EXPECT_EQ(r.dir[1].first_ns, start + 1'000'001);
  EXPECT_EQ(r.dir[1].last_ns, end - 999);
  EXPECT_EQ(r.end_reason, EndReason::tcp_close);  // IPFIX 3: end of flow
  EXPECT_EQ(r.ingress_if, 2u);
  EXPECT_EQ(r.vlan, 100);
  EXPECT_EQ(r.flow_id, 77u);
  EXPECT_EQ(r.expiry_ns, 1'700'000'100 * kS);
}

TEST(DecoderIpfix, MillisecondsAloneGiveMillisecondTimes) {
  MessageDecoder d;
  NfMsg m = NfMsg::ipfix(1'700'000'100, 0, 1);
  m.set(2).tmpl(256, {{27, 16}, {28, 16}, {4, 1}, {152, 8}, {153, 8}, {2, 4}, {1, 4}, {139, 2}}).end_set();
  m.set(256).bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  m.bytes({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2});
  m.u8(58).u64(1'700'000'000'123ull).u64(1'700'000'000'456ull).u32(2).u32(208).u16(128 << 8).end_set();
  const auto recs = run(d, m.done());
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].ip_version, 6);
  EXPECT_EQ(recs[0].start_ns, 1'700'000'000'123ull * kMs);
  EXPECT_EQ(recs[0].end_ns, 1'700'000'000'456ull * kMs);
  EXPECT_EQ(recs[0].icmp_type, 128);
  EXPECT_EQ(recs[0].dst_addr[15], 2);
}

TEST(DecoderIpfix, SysUpTimeTimesUseTheOptionsSystemInitTime) {
  MessageDecoder d;
  // Like softflowd: data template with 22/21, options template with 160.
  NfMsg m = NfMsg::ipfix(1'700'000'100, 0, 0);
  m.set(2).tmpl(1024, {{8, 4}, {12, 4}, {22, 4}, {21, 4}, {1, 4}, {2, 4}, {4, 1}}).end_set();
  m.set(3).options_tmpl(256, 1, {{143, 4}, {160, 8}}).end_set(2);
  m.set(256).u32(17).u64(1'699'990'000'000ull).end_set();
  m.set(1024).ipv4(1, 1, 1, 1).ipv4(2, 2, 2, 2).u32(5'000).u32(6'500).u32(100).u32(2).u8(17).end_set();
  const auto recs = run(d, m.done());
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].start_ns, (1'699'990'000'000ull + 5'000) * kMs);
  EXPECT_EQ(recs[0].end_ns, (1'699'990'000'000ull + 6'500) * kMs);
  EXPECT_EQ(d.totals().options_records, 1u);
  EXPECT_EQ(d.totals().missing_init_time, 0u);
  // Sequence counts data records, options records included: 2 so far.
  NfMsg m2 = NfMsg::ipfix(1'700'000'101, 5, 0);
  m2.set(1024).ipv4(1, 1, 1, 1).ipv4(2, 2, 2, 2).u32(7'000).u32(7'000).u32(1).u32(1).u8(17).end_set();
  run(d, m2.done());
  EXPECT_EQ(d.totals().sequence_lost, 3u);
}

TEST(DecoderIpfix, SysUpTimeWithoutInitTimeIsCounted) {
  MessageDecoder d;
  NfMsg m = NfMsg::ipfix(1'700'000'100, 0, 0);
  m.set(2).tmpl(1024, {{8, 4}, {12, 4}, {22, 4}, {21, 4}}).end_set();
  m.set(1024).ipv4(1, 1, 1, 1).ipv4(2, 2, 2, 2).u32(5'000).u32(6'500).end_set();
  EXPECT_EQ(run(d, m.done()).size(), 1u);
  EXPECT_EQ(d.totals().missing_init_time, 1u);
}

TEST(DecoderIpfix, DataBeforeTemplateIsDecodedWhenTheTemplateComes) {
  MessageDecoder d;
  const uint64_t start = 1'700'000'000 * kS;
  NfMsg data = NfMsg::ipfix(1'700'000'100, 0, 5);
  data.set(300);
  ipfix_biflow_record(data, start, start + kS);
  ipfix_biflow_record(data, start, start + 2 * kS);
  data.end_set();
  EXPECT_TRUE(run(d, data.done()).empty());
  EXPECT_EQ(d.totals().sets_without_template, 1u);
  NfMsg t = ipfix_biflow_template(2);
  const auto recs = run(d, t.done());
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[1].end_ns, start + 2 * kS);
  EXPECT_EQ(recs[0].expiry_ns, 1'700'000'100 * kS);  // the data's own export time
  EXPECT_EQ(d.totals().sets_decoded_late, 1u);
  d.finish();
  EXPECT_EQ(d.totals().sets_dropped, 0u);
}

TEST(DecoderIpfix, MissingTemplateIsDroppedAndCountedAtTheEnd) {
  MessageDecoder d;
  NfMsg data = NfMsg::ipfix(1, 0, 5);
  data.set(999).u32(1).u32(2).end_set();
  EXPECT_TRUE(run(d, data.done()).empty());
  d.finish();
  EXPECT_EQ(d.totals().sets_without_template, 1u);
  EXPECT_EQ(d.totals().sets_dropped, 1u);
}

TEST(DecoderMalformed, ExporterDomainsAreBounded) {
  MessageDecoder d(MessageDecoder::Limits{.max_exporters = 3});
  for (uint8_t a = 0; a < 5; ++a) {
    NfMsg m = NfMsg::ipfix(1, 0, 0);
    m.set(2).tmpl(256, {{7, 2}}).end_set();
    run(d, m.done(), a);
  }
  EXPECT_EQ(d.stats().exporters.size(), 3u);
  EXPECT_EQ(bad(d, Malformed::exporter_limit), 2u);
  EXPECT_EQ(d.totals().messages, 3u);
}

TEST(DecoderIpfix, PendingSetsAreBounded) {
  MessageDecoder d(MessageDecoder::Limits{.max_pending_sets = 3, .max_pending_bytes = 1 << 20});
  for (int i = 0; i < 10; ++i) {
    NfMsg data = NfMsg::ipfix(1, 0, 5);
    data.set(999).u32(1).end_set();
    run(d, data.done());
  }
  EXPECT_EQ(d.totals().sets_without_template, 10u);
  EXPECT_EQ(d.totals().sets_dropped, 7u);
}

TEST(DecoderIpfix, TemplatesAreScopedPerExporterAndDomain) {
  MessageDecoder d;
  // Same id 256, different layouts: exporter .1 domain 1, exporter .1 domain 2, exporter .2.
  auto tmpl_msg = [](uint32_t dom, uint16_t port_len) {
    NfMsg m = NfMsg::ipfix(1, 0, dom);
    m.set(2).tmpl(256, {{7, port_len}, {2, 4}}).end_set();
    return m.done();
  };
  run(d, tmpl_msg(1, 2), 1);
  run(d, tmpl_msg(2, 1), 1);  // a one-byte port: reduced-size encoding
  auto data = [](uint32_t dom, bool wide) {
    NfMsg m = NfMsg::ipfix(1, 0, dom);
    m.set(256);
    wide ? m.u16(1000) : m.u8(200);
    m.u32(3).end_set();
    return m.done();
  };
  auto a = run(d, data(1, true), 1);
  auto b = run(d, data(2, false), 1);
  auto c = run(d, data(1, true), 2);  // exporter .2 never sent a template
  ASSERT_EQ(a.size(), 1u);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(a[0].src_port, 1000);
  EXPECT_EQ(b[0].src_port, 200);
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(d.stats().exporters.size(), 3u);
}

TEST(DecoderIpfix, TemplateChangingMidStreamAppliesToLaterData) {
  MessageDecoder d;
  NfMsg m1 = NfMsg::ipfix(1, 0, 0);
  m1.set(2).tmpl(256, {{7, 2}, {11, 2}}).end_set();
  m1.set(256).u16(1).u16(2).end_set();
  auto r1 = run(d, m1.done());
  NfMsg m2 = NfMsg::ipfix(2, 1, 0);
  m2.set(2).tmpl(256, {{11, 2}, {7, 2}, {2, 4}}).end_set();
  m2.set(256).u16(3).u16(4).u32(9).end_set();
  auto r2 = run(d, m2.done());
  ASSERT_EQ(r1.size(), 1u);
  ASSERT_EQ(r2.size(), 1u);
  EXPECT_EQ(r1[0].src_port, 1);
  EXPECT_EQ(r2[0].src_port, 4);
  EXPECT_EQ(r2[0].dst_port, 3);
  EXPECT_EQ(r2[0].dir[0].packets, 9u);
  EXPECT_EQ(d.totals().templates_changed, 1u);
  EXPECT_EQ(d.totals().sequence_lost, 0u);
}

TEST(DecoderIpfix, WithdrawalRemovesOneOrAllTemplates) {
  MessageDecoder d;
  NfMsg m = NfMsg::ipfix(1, 0, 0);
  m.set(2).tmpl(256, {{7, 2}}).tmpl(257, {{11, 2}}).tmpl(258, {{4, 1}}).end_set();
  run(d, m.done());
  NfMsg w = NfMsg::ipfix(1, 0, 0);
  w.set(2).u16(256).u16(0).end_set();  // withdraw 256
  run(d, w.done());
  EXPECT_EQ(d.totals().templates_withdrawn, 1u);
  NfMsg w2 = NfMsg::ipfix(1, 0, 0);
  w2.set(2).u16(2).u16(0).end_set();  // withdraw all data templates
  run(d, w2.done());
  EXPECT_EQ(d.totals().templates_withdrawn, 3u);
  NfMsg data = NfMsg::ipfix(1, 0, 0);
  data.set(257).u16(1).end_set();
  EXPECT_TRUE(run(d, data.done()).empty());
  EXPECT_EQ(d.totals().sets_without_template, 1u);
}

TEST(DecoderIpfix, VariableLengthFieldsAreSkipped) {
  MessageDecoder d;
  NfMsg m = NfMsg::ipfix(1, 0, 0);
  m.set(2).tmpl(256, {{7, 2}, {82, 0xFFFF}, {11, 2}, {96, 0xFFFF}, {2, 4}}).end_set();
  m.set(256);
  m.u16(1).u8(4).bytes({'e', 't', 'h', '0'}).u16(2).u8(0).u32(5);           // short form
  m.u16(3).u8(255).u16(300).zeros(300).u16(4).u8(1).u8('x').u32(6);          // long form
  m.end_set();
  const auto recs = run(d, m.done());
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].dst_port, 2);
  EXPECT_EQ(recs[0].dir[0].packets, 5u);
  EXPECT_EQ(recs[1].src_port, 3);
  EXPECT_EQ(recs[1].dst_port, 4);
  EXPECT_EQ(recs[1].dir[0].packets, 6u);
  EXPECT_EQ(d.totals().malformed_total(), 0u);
}

TEST(DecoderIpfix, VariableLengthRecordPastTheSetIsMalformed) {
  MessageDecoder d;
  NfMsg m = NfMsg::ipfix(1, 0, 0);
  m.set(2).tmpl(256, {{7, 2}, {82, 0xFFFF}}).end_set();
  m.set(256).u16(1).u8(3).bytes({'a', 'b', 'c'}).u16(2).u8(200).bytes({'a'}).end_set();
  EXPECT_EQ(run(d, m.done()).size(), 1u);
  EXPECT_EQ(bad(d, Malformed::record_past_set), 1u);
}

struct BadCase {
  const char* name;
  std::vector<uint8_t> msg;
  Malformed why;
};

TEST(DecoderMalformed, EveryReasonIsCountedAndNothingIsDecoded) {
  auto ipfix_with = [](auto body) {
    NfMsg m = NfMsg::ipfix(1, 0, 0);
    body(m);
    return m.done();
  };
  std::vector<uint8_t> wrong_len = ipfix_with([](NfMsg& m) { m.set(2).tmpl(256, {{7, 2}}).end_set(); });
  wrong_len[3] += 4;
  std::vector<uint8_t> v9_zero = [] {
    NfMsg m = NfMsg::v9(1, 0, 0, 0, 0);
    m.set(0).u16(256).u16(0).end_set();
    return m.done();
  }();
  std::vector<uint8_t> v9_var = [] {
    NfMsg m = NfMsg::v9(1, 0, 0, 0, 0);
    m.set(0).tmpl(256, {{82, 0xFFFF}}).end_set();
    return m.done();
  }();
  const std::vector<BadCase> cases = {
      {"zero", {}, Malformed::zero_length},
      {"one byte", {0}, Malformed::too_short},
      {"version 7", {0, 7, 0, 0, 0, 0}, Malformed::bad_version},
      {"garbage", {0xde, 0xad, 0xbe, 0xef, 1, 2, 3}, Malformed::bad_version},
      {"short ipfix", {0, 10, 0, 12, 0, 0, 0, 0, 0, 0, 0, 0}, Malformed::too_short},
      {"short v9", {0, 9, 0, 1, 0, 0}, Malformed::too_short},
      {"short v5", {0, 5, 0, 1, 0, 0}, Malformed::too_short},
      {"ipfix length", wrong_len, Malformed::length_mismatch},
      {"set length 2", ipfix_with([](NfMsg& m) { m.u16(2).u16(2); }), Malformed::set_too_short},
      {"set past end", ipfix_with([](NfMsg& m) { m.u16(256).u16(40).u32(0); }), Malformed::set_past_end},
      {"template cut", ipfix_with([](NfMsg& m) { m.set(2).u16(256).u16(3).u16(7).u16(2).end_set(); }),
       Malformed::template_truncated},
      {"enterprise cut", ipfix_with([](NfMsg& m) { m.set(2).u16(256).u16(1).u16(0x8007).u16(2).end_set(); }),
       Malformed::template_truncated},
      {"template id 5", ipfix_with([](NfMsg& m) { m.set(2).tmpl(5, {{7, 2}}).end_set(); }),
       Malformed::template_bad_id},
      {"zero-length field", ipfix_with([](NfMsg& m) { m.set(2).tmpl(256, {{7, 0}}).end_set(); }),
       Malformed::template_bad_field},
      {"v9 zero fields", v9_zero, Malformed::template_no_fields},
      {"v9 variable length", v9_var, Malformed::template_bad_field},
  };
  for (const BadCase& c : cases) {
    MessageDecoder d;
    EXPECT_TRUE(run(d, c.msg).empty()) << c.name;
    EXPECT_EQ(bad(d, c.why), 1u) << c.name;
    EXPECT_EQ(d.totals().malformed_total(), 1u) << c.name;
    EXPECT_EQ(d.totals().templates, 0u) << c.name;
  }
}

TEST(DecoderMalformed, EnterpriseBitOnKnownNumbersIsNotTheStandardElement) {
  MessageDecoder d;
  NfMsg m = NfMsg::ipfix(1, 0, 0);
  // IE 7 with enterprise 9 (not the reverse PEN): not the source port.
  m.set(2).tmpl(256, {{7, 2, 9}, {11, 2}}).end_set();
  m.set(256).u16(1234).u16(80).end_set();
  const auto recs = run(d, m.done());
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].src_port, 0);
  EXPECT_EQ(recs[0].dst_port, 80);
}

TEST(DecoderMalformed, RandomDamageIsAlwaysAccountedAndNeverCrashes) {
  std::vector<std::vector<uint8_t>> seeds;
  {
    NfMsg m = ipfix_biflow_template();
    m.set(300);
    ipfix_biflow_record(m, 1'700'000'000 * kS, 1'700'000'001 * kS);
    m.end_set();
    seeds.push_back(m.done());
    NfMsg v = v9_ipv4_template(1000, 1'700'000'000, 1);
    v.set(256);
    v9_ipv4_record(v, 1, 1, 1, 1);
    v.end_set();
    seeds.push_back(v.done());
    NfMsg v5m = NfMsg::v5(1, 1, 1, 1, 1);
    test::v5_record(v5m, {1, 2, 3, 4}, {5, 6, 7, 8}, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    seeds.push_back(v5m.done());
    NfMsg var = NfMsg::ipfix(1, 0, 0);
    var.set(2).tmpl(256, {{7, 2}, {82, 0xFFFF}}).end_set();
    var.set(256).u16(1).u8(255).u16(20).zeros(20).end_set();
    seeds.push_back(var.done());
  }
  std::mt19937_64 rng(5);
  MessageDecoder d;
  std::vector<FlowRecord> out;
  for (int i = 0; i < 20000; ++i) {
    std::vector<uint8_t> m = seeds[rng() % seeds.size()];
    switch (rng() % 4) {
      case 0: m.resize(rng() % (m.size() + 1)); break;
      case 1:
        for (int k = 0; k < 1 + static_cast<int>(rng() % 4); ++k) m[rng() % m.size()] = static_cast<uint8_t>(rng());
        break;
      case 2: m.insert(m.begin() + static_cast<long>(rng() % m.size()), rng() % 64, static_cast<uint8_t>(rng())); break;
      default: {
        const std::size_t n = rng() % 70000;  // garbage, up to oversized
        m.resize(n);
        for (auto& b : m) b = static_cast<uint8_t>(rng());
        if (n >= 2 && rng() % 2) m[0] = 0, m[1] = static_cast<uint8_t>(std::array{5, 9, 10}[rng() % 3]);
      }
    }
    const uint64_t before = d.totals().messages + d.totals().malformed_total();
    out.clear();
    d.decode(addr(static_cast<uint8_t>(rng() % 4)), m, out);
    ASSERT_GT(d.totals().messages + d.totals().malformed_total(), before) << "datagram not accounted";
    ASSERT_LE(out.size(), 70000u);
  }
  d.finish();
}

TEST(DecoderIpfix, LargestMessageDecodesEveryRecord) {
  MessageDecoder d;
  NfMsg m = NfMsg::ipfix(1, 0, 0);
  m.set(2).tmpl(256, {{2, 4}}).end_set();
  m.set(256);
  const std::size_t n = (65535 - m.size() - 4) / 4;
  for (std::size_t i = 0; i < n; ++i) m.u32(i + 1);
  m.end_set();
  const auto recs = run(d, m.done());
  ASSERT_EQ(recs.size(), n);
  EXPECT_EQ(recs.back().dir[0].packets, n);
}

// Every information element the field registry exports (exporters/field_registry.hpp),
// forward and reverse, in one IPFIX template encoded here from the registry's own
// element list: each comes back into the FlowRecord member it was exported from.
TEST(DecoderIpfix, EveryElementTheRegistryExportsComesBack) {
  using namespace fields;
  struct Item {
    const Field* f;
    Element e;
    int dir;
    uint64_t value;
  };
  std::vector<Item> items;
  uint64_t next = 3;
  for (const Field& f : kFields) {
    for (const Element& e : f.ipfix) {
      if (!e.present()) continue;
      for (int dir = 0; dir < (f.scope == Scope::dir ? 2 : 1); ++dir) {
        if (!(e.dirs & (dir == 0 ? kFwd : kRev))) continue;
        uint64_t v = next++ * 0x0101;
        const uint32_t width = std::min<uint32_t>(e.bytes, type_bytes(f.type));
        if (width < 8) v &= (uint64_t{1} << (8 * width)) - 1;
        items.push_back({&f, e, dir, v});
      }
    }
  }
  ASSERT_GT(items.size(), 20u);
  const uint64_t t0 = 1'700'000'000'000'000'000ull + 123'456'789;
  NfMsg m = NfMsg::ipfix(1'700'000'100, 0, 0);
  m.set(2).u16(400).u16(items.size());
  for (const Item& it : items) {
    const uint32_t pen = it.dir == 1 ? kPenReverse : it.e.pen;
    if (pen) {
      m.u16(it.e.id | 0x8000).u16(it.e.bytes).u32(pen);
    } else {
      m.u16(it.e.id).u16(it.e.bytes);
    }
  }
  m.end_set();
  m.set(400);
  for (const Item& it : items) {
    const bool is_start = it.f->name == "start_ns" || it.f->name == "first_ns";
    const uint64_t t = is_start ? t0 + it.dir * 1000 : t0 + 5'000'000'000ull + it.dir * 1000;
    switch (it.e.enc) {
      case Enc::millis: m.u64(t / 1'000'000); break;
      case Enc::ntp: m.u64(ntp(t)); break;
      case Enc::addr: m.ipv4(10, 0, 0, it.f->name == "src_addr" ? 1 : 2); break;
      case Enc::end_reason: m.u8(5); break;           // lack of resources
      case Enc::icmp_type_code: m.u16(0x0b01); break;  // time exceeded, reassembly
      default:
        for (int b = it.e.bytes - 1; b >= 0; --b) m.u8(it.value >> (8 * b));
    }
  }
  m.end_set();
  MessageDecoder d;
  const auto recs = run(d, m.done());
  ASSERT_EQ(recs.size(), 1u);
  ASSERT_EQ(d.totals().malformed_total(), 0u);
  const FlowRecord& r = recs[0];
  for (const Item& it : items) {
    if (it.e.enc != Enc::be) continue;
    const FieldRef ref{it.f, it.f->scope == Scope::dir ? it.dir : -1};
    EXPECT_EQ(load_uint(r, ref), it.value) << ref.full_name() << " (IE " << it.e.id << ", pen " << it.e.pen << ")";
  }
  EXPECT_EQ(r.start_ns, t0);
  EXPECT_EQ(r.end_ns, t0 + 5'000'001'000ull);  // the later of both directions' ends
  EXPECT_EQ(r.dir[0].first_ns, t0);
  EXPECT_EQ(r.dir[1].first_ns, t0 + 1000);
  EXPECT_EQ(r.dir[1].last_ns, t0 + 5'000'001'000ull);
  EXPECT_EQ(r.src_addr, v4(10, 0, 0, 1));
  EXPECT_EQ(r.dst_addr, v4(10, 0, 0, 2));
  EXPECT_EQ(r.end_reason, EndReason::evicted);
  EXPECT_EQ(r.icmp_type, 11);
  EXPECT_EQ(r.icmp_code, 1);
}

}  // namespace
}  // namespace weir
