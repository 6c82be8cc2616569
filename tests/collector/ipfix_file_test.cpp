// SPDX-License-Identifier: Apache-2.0
// IPFIX files (RFC 5655): a file written by libfixbuf (CERT's IPFIX library, Debian's
// libfixbuf-dev) -- biflow counters under the reverse PEN, a variable-length string,
// several messages -- reads back record for record; broken files give clear errors.
#include <fixbuf/public.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "collector/ipfix_file.hpp"
#include "support/netflow_builder.hpp"

namespace weir {
namespace {

namespace fs = std::filesystem;

struct TempFile {
  fs::path path = fs::temp_directory_path() / ("weir-ipfix-" + std::to_string(::getpid()) + "-" +
                                               std::to_string(counter++) + ".ipfix");
  ~TempFile() { fs::remove(path); }
  static inline int counter = 0;
};

// The internal template's record: fixbuf copies fields in spec order, no padding, so
// the members are ordered widest first.
struct FbRec {
  uint64_t start_ms, end_ms, octets, packets, rev_octets, rev_packets;
  fbVarfield_t ifname;
  uint32_t src, dst;
  uint16_t sport, dport, flags;
  uint8_t proto, tos;
};
static_assert(sizeof(FbRec) == 80);

fbInfoElementSpec_t kSpec[] = {
    {const_cast<char*>("flowStartMilliseconds"), 8, 0},
    {const_cast<char*>("flowEndMilliseconds"), 8, 0},
    {const_cast<char*>("octetDeltaCount"), 8, 0},
    {const_cast<char*>("packetDeltaCount"), 8, 0},
    {const_cast<char*>("reverseOctetDeltaCount"), 8, 0},
    {const_cast<char*>("reversePacketDeltaCount"), 8, 0},
    {const_cast<char*>("interfaceName"), FB_IE_VARLEN, 0},
    {const_cast<char*>("sourceIPv4Address"), 4, 0},
    {const_cast<char*>("destinationIPv4Address"), 4, 0},
    {const_cast<char*>("sourceTransportPort"), 2, 0},
    {const_cast<char*>("destinationTransportPort"), 2, 0},
    {const_cast<char*>("tcpControlBits"), 2, 0},
    {const_cast<char*>("protocolIdentifier"), 1, 0},
    {const_cast<char*>("ipClassOfService"), 1, 0},
    FB_IESPEC_NULL};

FbRec make(uint32_t i) {
  FbRec r{};
  r.start_ms = 1'700'000'000'000ull + i * 7;
  r.end_ms = r.start_ms + 1000 + i % 50;
  r.octets = 1000ull * i + 1;
  r.packets = i + 1;
  r.rev_octets = 3 * i;
  r.rev_packets = i % 5;
  r.src = 0x0a000000u + i;  // host order: fixbuf writes network order
  r.dst = 0xc0a80001u;
  r.sport = static_cast<uint16_t>(1024 + i);
  r.dport = 443;
  r.flags = static_cast<uint16_t>(i & 0x3f);
  r.proto = i % 2 ? 6 : 17;
  r.tos = static_cast<uint8_t>(i);
  return r;
}

// Writes n records with libfixbuf; returns false (and says why) on a fixbuf error.
bool write_with_fixbuf(const std::string& path, uint32_t n, std::string& why) {
  GError* err = nullptr;
  fbInfoModel_t* model = fbInfoModelAlloc();
  fbSession_t* session = fbSessionAlloc(model);
  fbSessionSetDomain(session, 7);
  fbExporter_t* exporter = fbExporterAllocFile(path.c_str());
  fBuf_t* buf = fBufAllocForExport(session, exporter);
  fbTemplate_t* tmpl = fbTemplateAlloc(model);
  bool ok = fbTemplateAppendSpecArray(tmpl, kSpec, UINT32_MAX, &err);
  uint16_t tid = 0;
  if (ok) ok = (tid = fbSessionAddTemplate(session, TRUE, FB_TID_AUTO, tmpl, &err)) != 0;
  if (ok) ok = fbSessionAddTemplate(session, FALSE, tid, tmpl, &err) != 0;
  if (ok) ok = fbSessionExportTemplates(session, &err);
  if (ok) ok = fBufSetInternalTemplate(buf, tid, &err) && fBufSetExportTemplate(buf, tid, &err);
  std::string name;
  for (uint32_t i = 0; ok && i < n; ++i) {
    FbRec r = make(i);
    name = "eth" + std::to_string(i % 300) + std::string(i % 3 == 0 ? 300 : 0, 'x');  // long form too
    r.ifname.buf = reinterpret_cast<uint8_t*>(name.data());
    r.ifname.len = name.size();
    ok = fBufAppend(buf, reinterpret_cast<uint8_t*>(&r), sizeof r, &err);
  }
  if (ok) ok = fBufEmit(buf, &err);
  if (!ok) why = err ? err->message : "fixbuf error";
  if (err) g_clear_error(&err);
  fBufFree(buf);  // also frees the session and the exporter (closes the file)
  fbInfoModelFree(model);
  return ok;
}

TEST(IpfixFile, ReadsWhatLibfixbufWrites) {
  TempFile f;
  constexpr uint32_t kN = 3000;  // several messages
  std::string why;
  ASSERT_TRUE(write_with_fixbuf(f.path.string(), kN, why)) << why;
  IpfixFileReader rd;
  ASSERT_TRUE(rd.open(f.path.string()));
  std::vector<FlowRecord> all, burst;
  for (;;) {
    Status s = rd.read_burst(burst);
    ASSERT_TRUE(s) << s.message;
    if (burst.empty()) break;
    all.insert(all.end(), burst.begin(), burst.end());
  }
  ASSERT_EQ(all.size(), kN);
  EXPECT_GT(rd.messages_read(), 2u);
  EXPECT_GE(rd.decoder().totals().templates, 1u);  // fixbuf may repeat it
  EXPECT_EQ(rd.decoder().totals().templates_changed, 0u);
  for (uint32_t i = 0; i < kN; ++i) {
    const FbRec w = make(i);
    const FlowRecord& r = all[i];
    ASSERT_EQ(r.start_ns, w.start_ms * 1'000'000) << i;
    ASSERT_EQ(r.end_ns, w.end_ms * 1'000'000) << i;
    ASSERT_EQ(r.dir[0].ip_bytes, w.octets) << i;
    ASSERT_EQ(r.dir[0].packets, w.packets) << i;
    ASSERT_EQ(r.dir[1].ip_bytes, w.rev_octets) << i;
    ASSERT_EQ(r.dir[1].packets, w.rev_packets) << i;
    ASSERT_EQ(r.ip_version, 4) << i;
    ASSERT_EQ(r.src_addr[0], 10) << i;
    ASSERT_EQ(r.src_addr[3], static_cast<uint8_t>(i)) << i;
    ASSERT_EQ(r.dst_addr[0], 192) << i;
    ASSERT_EQ(r.src_port, w.sport) << i;
    ASSERT_EQ(r.dst_port, 443) << i;
    ASSERT_EQ(r.dir[0].tcp_flags, w.flags) << i;
    ASSERT_EQ(r.proto, w.proto) << i;
    ASSERT_EQ(r.dir[0].tos, w.tos) << i;
  }
}

// Unlinks first: truncating a file with data makes ext4 start its writeback
// (auto_da_alloc), which made this loop wait on the disk.
void write_bytes(const fs::path& p, const std::vector<uint8_t>& b) {
  fs::remove(p);
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

std::vector<uint8_t> small_file() {
  test::NfMsg m = test::NfMsg::ipfix(1'700'000'000, 0, 1);
  m.set(2).tmpl(256, {{7, 2}, {2, 4}}).end_set();
  m.set(256).u16(1).u32(2).u16(3).u32(4).end_set();
  std::vector<uint8_t> a = m.done();
  test::NfMsg m2 = test::NfMsg::ipfix(1'700'000'001, 2, 1);
  m2.set(256).u16(5).u32(6).end_set();
  const std::vector<uint8_t> b = m2.done();
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(IpfixFile, MessagesBackToBackDecode) {
  TempFile f;
  write_bytes(f.path, small_file());
  std::vector<FlowRecord> recs;
  ASSERT_TRUE(read_ipfix_file(f.path.string(), recs));
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_EQ(recs[2].src_port, 5);
}

TEST(IpfixFile, BrokenFilesGiveClearErrors) {
  const std::vector<uint8_t> good = small_file();
  std::vector<uint8_t> bad_len = good;
  bad_len[2] = 0, bad_len[3] = 8;
  std::vector<uint8_t> v9 = good;
  v9[1] = 9;
  std::vector<uint8_t> later_version = good;
  later_version[good.size() - 26 + 1] = 11;  // second message's version
  test::NfMsg orphan = test::NfMsg::ipfix(1, 0, 1);
  orphan.set(300).u32(1).end_set();
  std::vector<uint8_t> bad_set = good;
  bad_set[18] = 0, bad_set[19] = 200;  // template set length past the message
  struct Case {
    const char* name;
    std::vector<uint8_t> data;
    const char* expect;
  };
  const std::vector<Case> cases = {
      {"empty", {}, "empty file"},
      {"garbage", {0x47, 0x45, 0x54, 0x20, 0x2f}, "not an IPFIX file"},
      {"v9", v9, "not an IPFIX file (version 9"},
      {"short header", std::vector<uint8_t>(good.begin(), good.begin() + 9), "truncated message header"},
      {"length 8", bad_len, "message length 8 below 16"},
      {"cut", std::vector<uint8_t>(good.begin(), good.end() - 3), "truncated at byte"},
      {"later version", later_version, "message version 11, not 10 at byte"},
      {"orphan data", orphan.done(), "data sets whose template is not in the file"},
      {"set past end", bad_set, "set_past_end"},
  };
  for (const Case& c : cases) {
    TempFile f;
    write_bytes(f.path, c.data);
    std::vector<FlowRecord> recs;
    const Status s = read_ipfix_file(f.path.string(), recs);
    EXPECT_FALSE(s) << c.name;
    EXPECT_EQ(s.code, Errc::malformed) << c.name;
    EXPECT_NE(s.message.find(f.path.string()), std::string::npos) << c.name << ": " << s.message;
    EXPECT_NE(s.message.find(c.expect), std::string::npos) << c.name << ": " << s.message;
  }
}

TEST(IpfixFile, RandomDamageNeverCrashes) {
  const std::vector<uint8_t> good = small_file();
  std::mt19937_64 rng(3);
  TempFile f;
  for (int i = 0; i < 2000; ++i) {
    std::vector<uint8_t> d = good;
    if (i % 2) {
      d.resize(rng() % d.size());
    } else {
      for (int k = 0; k < 3; ++k) d[rng() % d.size()] = static_cast<uint8_t>(rng());
    }
    write_bytes(f.path, d);
    std::vector<FlowRecord> recs;
    const Status s = read_ipfix_file(f.path.string(), recs);
    EXPECT_LE(recs.size(), d.size() / 2);
    if (!s) {
      EXPECT_EQ(s.origin, Origin::input);
    }
  }
}

}  // namespace
}  // namespace weir
