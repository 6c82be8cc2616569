// SPDX-License-Identifier: Apache-2.0
// Tests for `weir gen`. The capture is re-read here by a parser that shares no code with
// the generator (classic pcap and pcapng, Ethernet / 802.1Q / IPv4 / IPv6 / TCP / UDP /
// ICMP), and everything the truth files claim is recounted from the bytes.
#include <arpa/inet.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "gen/gen_main.hpp"
#include "gen/traffic_gen.hpp"

namespace weir {
namespace {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base && *base ? base : "/tmp") + "/weir_gen_test.XXXXXX";
    std::vector<char> buf(templ.begin(), templ.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) != nullptr) path_ = buf.data();
  }
  ~TempDir() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

// The first `"key": <integer>` in a JSON text (top-level keys come before by_class).
uint64_t json_u64(const std::string& json, const std::string& key) {
  const std::string pat = "\"" + key + "\": ";
  const size_t at = json.find(pat);
  if (at == std::string::npos) {
    ADD_FAILURE() << "no " << key << " in truth json";
    return 0;
  }
  return std::stoull(json.substr(at + pat.size(), 24));
}
double json_double(const std::string& json, const std::string& key) {
  const std::string pat = "\"" + key + "\": ";
  const size_t at = json.find(pat);
  if (at == std::string::npos) return -1;
  return std::stod(json.substr(at + pat.size(), 32));
}

// ---- an independent capture reader -------------------------------------------------

struct Frame {
  uint64_t ts_ns;
  uint32_t wire_len;
  std::string data;
};

uint16_t rd16be(const unsigned char* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }
uint32_t rd32le(const std::string& s, size_t off) {
  uint32_t v;
  std::memcpy(&v, s.data() + off, 4);
  return v;
}

std::vector<Frame> read_capture(const std::string& path) {
  const std::string f = slurp(path);
  std::vector<Frame> out;
  if (f.size() < 24) {
    ADD_FAILURE() << path << ": too short";
    return out;
  }
  const uint32_t magic = rd32le(f, 0);
  if (magic == 0xA1B2C3D4 || magic == 0xA1B23C4D) {
    const uint64_t unit = magic == 0xA1B2C3D4 ? 1000 : 1;
    EXPECT_EQ(rd32le(f, 20), 1u) << "linktype";
    size_t off = 24;
    while (off + 16 <= f.size()) {
      const uint32_t cap = rd32le(f, off + 8);
      Frame fr{rd32le(f, off) * 1'000'000'000ull + rd32le(f, off + 4) * unit, rd32le(f, off + 12),
               f.substr(off + 16, cap)};
      EXPECT_EQ(cap, fr.wire_len);
      out.push_back(std::move(fr));
      off += 16 + cap;
    }
    EXPECT_EQ(off, f.size()) << "trailing bytes";
    return out;
  }
  EXPECT_EQ(magic, 0x0A0D0D0Au) << "neither pcap nor pcapng";
  size_t off = 0;
  int resol = 6;
  while (off + 12 <= f.size()) {
    const uint32_t type = rd32le(f, off), len = rd32le(f, off + 4);
    EXPECT_EQ(rd32le(f, off + len - 4), len);
    if (type == 1) {  // IDB: look for if_tsresol
      EXPECT_EQ(f[off + 8], 1);
      size_t o = off + 16;
      while (o + 4 <= off + len - 4) {
        const uint16_t code = static_cast<uint16_t>(rd32le(f, o)), olen = static_cast<uint16_t>(rd32le(f, o) >> 16);
        if (code == 0) break;
        if (code == 9) resol = static_cast<unsigned char>(f[o + 4]);
        o += 4 + ((olen + 3u) & ~3u);
      }
    } else if (type == 6) {
      EXPECT_EQ(resol, 9);
      const uint64_t ts = (uint64_t{rd32le(f, off + 12)} << 32) | rd32le(f, off + 16);
      const uint32_t cap = rd32le(f, off + 20);
      out.push_back({ts, rd32le(f, off + 24), f.substr(off + 28, cap)});
    }
    off += len;
  }
  return out;
}

// One's-complement sum of big-endian 16-bit words (RFC 1071).
uint32_t ones_sum(const unsigned char* p, size_t n, uint32_t s = 0) {
  for (size_t i = 0; i + 1 < n; i += 2) s += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
  if (n & 1) s += static_cast<uint32_t>(p[n - 1] << 8);
  while (s >> 16) s = (s & 0xFFFF) + (s >> 16);
  return s;
}

struct Decoded {
  bool ok = false;
  bool checksums_ok = false;
  bool v6 = false;
  uint16_t vlan = 0;
  uint8_t proto = 0;
  std::string src, dst;  // address bytes
  uint16_t sport = 0, dport = 0;
  uint32_t ip_len = 0;
  uint8_t tcp_flags = 0;
};

Decoded decode(const std::string& d) {
  Decoded r;
  const auto* p = reinterpret_cast<const unsigned char*>(d.data());
  size_t off = 12;
  uint16_t et = rd16be(p + off);
  if (et == 0x8100) {
    r.vlan = rd16be(p + off + 2) & 0xFFF;
    off += 4;
    et = rd16be(p + off);
  }
  off += 2;
  size_t l4;
  if (et == 0x0800) {
    r.ip_len = rd16be(p + off + 2);
    r.proto = p[off + 9];
    r.src.assign(d, off + 12, 4);
    r.dst.assign(d, off + 16, 4);
    l4 = off + (p[off] & 15) * 4u;
  } else if (et == 0x86DD) {
    r.v6 = true;
    r.ip_len = 40u + rd16be(p + off + 4);
    r.proto = p[off + 6];
    r.src.assign(d, off + 8, 16);
    r.dst.assign(d, off + 24, 16);
    l4 = off + 40;
  } else {
    return r;
  }
  // Checksums: IPv4 header, then L4 over the pseudo header (none for ICMPv4).
  const size_t l4_len = r.ip_len - (l4 - off);
  bool ok = l4 + l4_len <= d.size();
  if (ok && !r.v6) ok = ones_sum(p + off, l4 - off) == 0xFFFF;
  if (ok) {
    uint32_t s = 0;
    if (r.proto != 1) {
      s = ones_sum(reinterpret_cast<const unsigned char*>(r.src.data()), r.src.size(), s);
      s = ones_sum(reinterpret_cast<const unsigned char*>(r.dst.data()), r.dst.size(), s);
      s += r.proto + static_cast<uint32_t>(l4_len);
    }
    ok = ones_sum(p + l4, l4_len, s) == 0xFFFF;
  }
  r.checksums_ok = ok;
  if (r.proto == 6 || r.proto == 17) {
    r.sport = rd16be(p + l4);
    r.dport = rd16be(p + l4 + 2);
    if (r.proto == 6) r.tcp_flags = p[l4 + 13];
  } else if (r.proto == 1 || r.proto == 58) {
    r.sport = r.dport = rd16be(p + l4 + 4);  // echo identifier
  }
  r.ok = true;
  return r;
}

std::string ip_text(const std::string& a) {
  char s[INET6_ADDRSTRLEN];
  inet_ntop(a.size() == 16 ? AF_INET6 : AF_INET, a.data(), s, sizeof s);
  return s;
}

struct DirCount {
  uint64_t pkts = 0, l2 = 0, ip = 0;
};
struct FlowCount {
  std::string client, server;  // "proto addr port" of the first packet's sender / receiver
  uint16_t vlan = 0;
  DirCount dir[2];              // [0] = from the first packet's sender
  uint64_t first_ns = 0, last_ns = 0;
  bool fin[2] = {false, false}, rst = false;
  uint64_t closed_ns = 0;       // when FIN-FIN or RST completed
  uint64_t max_gap_ns = 0;
  uint64_t after_close_ns = 0;  // latest packet time minus closed_ns
};

struct Recount {
  uint64_t packets = 0, frame_bytes = 0, ip_bytes = 0;
  std::set<std::string> uni;
  std::map<std::string, FlowCount> bi;  // canonical key
  bool ts_sorted = true;
  uint64_t first_ns = 0, last_ns = 0;
};

Recount recount(const std::vector<Frame>& frames) {
  Recount r;
  uint64_t prev = 0;
  for (const Frame& f : frames) {
    const Decoded d = decode(f.data);
    EXPECT_TRUE(d.ok);
    if (!d.ok) continue;
    EXPECT_TRUE(d.checksums_ok) << "packet " << r.packets;
    if (f.ts_ns < prev) r.ts_sorted = false;
    prev = f.ts_ns;
    if (r.packets == 0) r.first_ns = f.ts_ns;
    r.last_ns = f.ts_ns;
    ++r.packets;
    r.frame_bytes += f.wire_len;
    r.ip_bytes += d.ip_len;
    const std::string proto = std::to_string(d.proto) + " ";
    const std::string a = proto + ip_text(d.src) + " " + std::to_string(d.sport);
    const std::string b = proto + ip_text(d.dst) + " " + std::to_string(d.dport);
    const std::string sa = d.src + char(d.sport >> 8) + char(d.sport);
    const std::string sb = d.dst + char(d.dport >> 8) + char(d.dport);
    r.uni.insert(proto + sa + "|" + sb);
    const std::string key = proto + (sa < sb ? sa + "|" + sb : sb + "|" + sa);
    auto [it, fresh] = r.bi.try_emplace(key);
    FlowCount& fc = it->second;
    if (fresh) {
      fc.client = a;
      fc.server = b;
      fc.vlan = d.vlan;
      fc.first_ns = f.ts_ns;
    } else {
      fc.max_gap_ns = std::max(fc.max_gap_ns, f.ts_ns - fc.last_ns);
    }
    fc.last_ns = f.ts_ns;
    const int dir = a == fc.client ? 0 : 1;
    ++fc.dir[dir].pkts;
    fc.dir[dir].l2 += f.wire_len;
    fc.dir[dir].ip += d.ip_len;
    if (fc.closed_ns) fc.after_close_ns = std::max(fc.after_close_ns, f.ts_ns - fc.closed_ns);
    if (d.tcp_flags & 1) fc.fin[dir] = true;
    if (d.tcp_flags & 4) fc.rst = true;
    if (!fc.closed_ns && (fc.rst || (fc.fin[0] && fc.fin[1]))) fc.closed_ns = f.ts_ns;
  }
  return r;
}

struct TsvRow {
  std::map<std::string, std::string> col;
  uint64_t u(const std::string& c) const { return std::stoull(col.at(c)); }
};

std::vector<TsvRow> read_tsv(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::vector<std::string> header;
  std::vector<TsvRow> rows;
  auto split = [](const std::string& s) {
    std::vector<std::string> v;
    std::stringstream ss(s);
    std::string x;
    while (std::getline(ss, x, '\t')) v.push_back(x);
    return v;
  };
  if (!std::getline(in, line)) return rows;
  header = split(line);
  while (std::getline(in, line)) {
    const auto v = split(line);
    EXPECT_EQ(v.size(), header.size());
    TsvRow r;
    for (size_t i = 0; i < v.size() && i < header.size(); ++i) r.col[header[i]] = v[i];
    rows.push_back(std::move(r));
  }
  return rows;
}

GenConfig config(const TempDir& dir, GenProfile p, uint64_t packets, const std::string& name) {
  GenConfig c;
  c.profile = p;
  c.packets = packets;
  c.output = dir / (name + ".pcap");
  c.truth_prefix = dir / name;
  return c;
}

// ---- tests ---------------------------------------------------------------------------

TEST(Gen, SameSeedGivesIdenticalBytesOtherSeedDoesNot) {
  TempDir dir;
  GenConfig a = config(dir, GenProfile::mixed, 20'000, "a");
  GenConfig b = config(dir, GenProfile::mixed, 20'000, "b");
  GenConfig c = config(dir, GenProfile::mixed, 20'000, "c");
  c.seed = 2;
  ASSERT_TRUE(generate(a));
  ASSERT_TRUE(generate(b));
  ASSERT_TRUE(generate(c));
  EXPECT_EQ(fnv1a(slurp(a.output)), fnv1a(slurp(b.output)));
  EXPECT_EQ(fnv1a(slurp(dir / "a.flows.tsv")), fnv1a(slurp(dir / "b.flows.tsv")));
  EXPECT_EQ(slurp(dir / "a.json"), slurp(dir / "b.json"));
  EXPECT_NE(fnv1a(slurp(a.output)), fnv1a(slurp(c.output)));
  EXPECT_GT(slurp(a.output).size(), 20'000u * 60);
}

TEST(Gen, TruthTotalsEqualTheSumsOfTheFlowTable) {
  TempDir dir;
  GenConfig cfg = config(dir, GenProfile::mixed, 20'000, "m");
  GenTotals t;
  ASSERT_TRUE(generate(cfg, &t));
  const std::string json = slurp(dir / "m.json");
  const auto rows = read_tsv(dir / "m.flows.tsv");
  uint64_t pk = 0, l2 = 0, ip = 0, uni = 0, first = UINT64_MAX, last = 0, tcp = 0;
  for (const auto& r : rows) {
    pk += r.u("pkts_c2s") + r.u("pkts_s2c");
    l2 += r.u("l2_bytes_c2s") + r.u("l2_bytes_s2c");
    ip += r.u("ip_bytes_c2s") + r.u("ip_bytes_s2c");
    uni += (r.u("pkts_c2s") > 0) + (r.u("pkts_s2c") > 0);
    first = std::min(first, r.u("first_ns"));
    last = std::max(last, r.u("last_ns"));
    tcp += r.col.at("proto") == "6";
    EXPECT_EQ(r.col.at("tcp_end") == "none", r.col.at("proto") != "6");
  }
  EXPECT_EQ(pk, json_u64(json, "packets"));
  EXPECT_EQ(pk, 20'000u);
  EXPECT_EQ(l2, json_u64(json, "frame_bytes"));
  EXPECT_EQ(ip, json_u64(json, "ip_bytes"));
  EXPECT_EQ(rows.size(), json_u64(json, "flows_bidirectional"));
  EXPECT_EQ(uni, json_u64(json, "flows_unidirectional"));
  EXPECT_EQ(first, json_u64(json, "first_ns"));
  EXPECT_EQ(last, json_u64(json, "last_ns"));
  EXPECT_EQ(tcp, t.tcp.flows_bidirectional);
  EXPECT_EQ(t.all.packets, pk);
  EXPECT_EQ(t.tcp.packets + t.udp.packets + t.icmp.packets, pk);
  EXPECT_EQ(t.ipv4.packets + t.ipv6.packets, pk);
  EXPECT_EQ(t.tcp_end_fin + t.tcp_end_rst + t.tcp_end_open, t.tcp.flows_bidirectional);
  EXPECT_GT(t.tcp_end_fin, 0u);
  EXPECT_GT(t.tcp_end_rst, 0u);
  EXPECT_GT(t.tcp_syn_seen, 0u);
  EXPECT_LT(t.tcp_syn_seen, t.tcp.flows_bidirectional);  // steady state: some mid-stream
  EXPECT_GT(t.ipv6.flows_bidirectional, 0u);
  EXPECT_GT(t.vlan.flows_bidirectional, 0u);
  EXPECT_GT(t.icmp.flows_bidirectional, 0u);
}

struct ProfileCase {
  GenProfile profile;
  std::optional<uint64_t> concurrency;
  GenFormat format;
  friend void PrintTo(const ProfileCase& c, std::ostream* os) {
    *os << to_string(c.profile) << " " << to_string(c.format);
  }
};

class GenProfileTest : public ::testing::TestWithParam<ProfileCase> {};

TEST_P(GenProfileTest, RereadCaptureMatchesTruth) {
  TempDir dir;
  GenConfig cfg = config(dir, GetParam().profile, 20'000, "p");
  cfg.concurrency = GetParam().concurrency;
  cfg.format = GetParam().format;
  cfg.seed = 7;
  ASSERT_TRUE(generate(cfg));
  const std::string json = slurp(dir / "p.json");
  const Recount rc = recount(read_capture(cfg.output));

  EXPECT_TRUE(rc.ts_sorted);
  EXPECT_EQ(rc.packets, 20'000u);
  EXPECT_EQ(rc.packets, json_u64(json, "packets"));
  EXPECT_EQ(rc.frame_bytes, json_u64(json, "frame_bytes"));
  EXPECT_EQ(rc.ip_bytes, json_u64(json, "ip_bytes"));
  EXPECT_EQ(rc.bi.size(), json_u64(json, "flows_bidirectional"));
  EXPECT_EQ(rc.uni.size(), json_u64(json, "flows_unidirectional"));
  EXPECT_EQ(rc.first_ns, json_u64(json, "first_ns"));
  EXPECT_EQ(rc.last_ns, json_u64(json, "last_ns"));

  // Per flow: every row is one re-read biflow with the same counts, and weir's timeouts
  // cannot split or merge it.
  for (const auto& [k, fc] : rc.bi) {
    EXPECT_LE(fc.max_gap_ns, 60'000'000'000ull);
    EXPECT_LE(fc.after_close_ns, 500'000'000ull);
  }
  const auto rows = read_tsv(dir / "p.flows.tsv");
  ASSERT_EQ(rows.size(), rc.bi.size());
  std::map<std::string, const FlowCount*> seen;
  for (const auto& [k, fc] : rc.bi) seen[fc.client + "|" + fc.server] = &fc, seen[fc.server + "|" + fc.client] = &fc;
  for (const auto& r : rows) {
    const std::string c = r.col.at("proto") + " " + r.col.at("client") + " " + r.col.at("cport");
    const std::string s = r.col.at("proto") + " " + r.col.at("server") + " " + r.col.at("sport");
    const auto it = seen.find(c + "|" + s);
    ASSERT_NE(it, seen.end()) << c << " -> " << s;
    const FlowCount& fc = *it->second;
    const int c2s = fc.client == c ? 0 : 1;  // index of the client's direction
    EXPECT_EQ(r.u("pkts_c2s"), fc.dir[c2s].pkts);
    EXPECT_EQ(r.u("pkts_s2c"), fc.dir[1 - c2s].pkts);
    EXPECT_EQ(r.u("l2_bytes_c2s"), fc.dir[c2s].l2);
    EXPECT_EQ(r.u("l2_bytes_s2c"), fc.dir[1 - c2s].l2);
    EXPECT_EQ(r.u("ip_bytes_c2s"), fc.dir[c2s].ip);
    EXPECT_EQ(r.u("ip_bytes_s2c"), fc.dir[1 - c2s].ip);
    EXPECT_EQ(r.u("first_ns"), fc.first_ns);
    EXPECT_EQ(r.u("last_ns"), fc.last_ns);
    EXPECT_EQ(r.u("vlan"), fc.vlan);
    const std::string end = r.col.at("tcp_end");
    const bool fin_both = fc.fin[0] && fc.fin[1];
    EXPECT_EQ(end == "fin", r.col.at("proto") == "6" && !fc.rst && fin_both);
    EXPECT_EQ(end == "rst", fc.rst);
    EXPECT_EQ(end == "open", r.col.at("proto") == "6" && !fc.rst && !fin_both);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Profiles, GenProfileTest,
    ::testing::Values(ProfileCase{GenProfile::mixed, std::nullopt, GenFormat::pcap},
                      ProfileCase{GenProfile::churn, 5'000, GenFormat::pcap_ns},
                      ProfileCase{GenProfile::linerate, 3'000, GenFormat::pcapng},
                      ProfileCase{GenProfile::elephants, std::nullopt, GenFormat::pcap}),
    [](const auto& info) { return std::string(to_string(info.param.profile)); });

TEST(Gen, AllFormatsCarryTheSamePackets) {
  TempDir dir;
  std::vector<std::vector<Frame>> got;
  for (GenFormat f : {GenFormat::pcap, GenFormat::pcap_ns, GenFormat::pcapng}) {
    GenConfig cfg = config(dir, GenProfile::mixed, 5'000, std::string(to_string(f)));
    cfg.format = f;
    ASSERT_TRUE(generate(cfg));
    got.push_back(read_capture(cfg.output));
    ASSERT_EQ(got.back().size(), 5'000u);
  }
  bool some_sub_us = false;
  for (size_t i = 0; i < 5'000; ++i) {
    EXPECT_EQ(got[0][i].data, got[1][i].data);
    EXPECT_EQ(got[1][i].data, got[2][i].data);
    EXPECT_EQ(got[1][i].ts_ns, got[2][i].ts_ns);
    EXPECT_EQ(got[0][i].ts_ns, got[1][i].ts_ns / 1000 * 1000);
    some_sub_us |= got[1][i].ts_ns % 1000 != 0;
  }
  EXPECT_TRUE(some_sub_us);  // ns formats really carry ns
}

TEST(Gen, LinerateIsSixtyByteFramesAt67Point2Ns) {
  TempDir dir;
  GenConfig cfg = config(dir, GenProfile::linerate, 20'000, "lr");
  cfg.format = GenFormat::pcap_ns;
  cfg.concurrency = 2'000;
  ASSERT_TRUE(generate(cfg));
  const auto frames = read_capture(cfg.output);
  ASSERT_EQ(frames.size(), 20'000u);
  for (const Frame& f : frames) ASSERT_EQ(f.wire_len, 60u);
  const double spacing = static_cast<double>(frames.back().ts_ns - frames.front().ts_ns) / (frames.size() - 1);
  EXPECT_NEAR(spacing, 67.2, 1.0);
  const Recount rc = recount(frames);
  EXPECT_GE(rc.bi.size(), 2'000u);  // every slot holds a flow
}

TEST(Gen, ChurnStartsAtLeastOneMillionFlowsPerSecond) {
  TempDir dir;
  GenConfig cfg = config(dir, GenProfile::churn, 20'000, "ch");
  cfg.format = GenFormat::pcap_ns;
  cfg.concurrency = 5'000;
  GenTotals t;
  ASSERT_TRUE(generate(cfg, &t));
  const double dur_s = static_cast<double>(t.last_ns - t.first_ns) / 1e9;
  ASSERT_GT(dur_s, 0);
  EXPECT_GE(static_cast<double>(t.flows_started) / dur_s, 1e6);
  EXPECT_GE(json_double(slurp(dir / "ch.json"), "flows_started_per_s"), 1e6);
  // Independently: the capture holds more distinct flows than 1M per second.
  const Recount rc = recount(read_capture(cfg.output));
  EXPECT_GE(static_cast<double>(rc.bi.size()) / dur_s, 1e6);
}

TEST(Gen, ElephantsAreFewLargeFlows) {
  TempDir dir;
  GenConfig cfg = config(dir, GenProfile::elephants, 20'000, "el");
  GenTotals t;
  ASSERT_TRUE(generate(cfg, &t));
  EXPECT_EQ(t.all.flows_bidirectional, 16u);
  EXPECT_GT(static_cast<double>(t.all.frame_bytes) / static_cast<double>(t.all.packets), 900.0);
}

TEST(Gen, OptionsOverrideProfileDefaults) {
  TempDir dir;
  GenConfig cfg = config(dir, GenProfile::mixed, 10'000, "o");
  cfg.ipv6_share = 1.0;
  cfg.vlan_share = 1.0;
  GenTotals t;
  ASSERT_TRUE(generate(cfg, &t));
  EXPECT_EQ(t.ipv6.packets, 10'000u);
  EXPECT_EQ(t.vlan.packets, 10'000u);
  EXPECT_EQ(t.ipv6_share, 1.0);
}

TEST(Gen, RejectsBadConfiguration) {
  TempDir dir;
  GenConfig cfg = config(dir, GenProfile::mixed, 10, "bad");
  cfg.ipv6_share = 1.5;
  EXPECT_EQ(generate(cfg).code, Errc::invalid_argument);
  cfg = config(dir, GenProfile::mixed, 10, "bad");
  cfg.flow_rate_per_s = 0.0;
  EXPECT_EQ(generate(cfg).code, Errc::invalid_argument);
  cfg = config(dir, GenProfile::linerate, 10, "bad");
  cfg.concurrency = 0;
  EXPECT_EQ(generate(cfg).code, Errc::invalid_argument);
}

int run_cli(std::vector<std::string> args) {
  args.insert(args.begin(), "gen");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return gen_main(static_cast<int>(args.size()), argv.data());
}

TEST(GenCli, ExitCodes) {
  TempDir dir;
  testing::internal::CaptureStdout();
  EXPECT_EQ(run_cli({"--help"}), 0);
  EXPECT_NE(testing::internal::GetCapturedStdout().find("--profile"), std::string::npos);
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_cli({"--bogus"}), 2);
  EXPECT_EQ(run_cli({"-n", "ten", "-o", dir / "x.pcap"}), 2);
  EXPECT_EQ(run_cli({"--profile", "nope", "-o", dir / "x.pcap"}), 2);
  EXPECT_EQ(run_cli({"--format", "erf", "-o", dir / "x.pcap"}), 2);
  EXPECT_EQ(run_cli({"--vlan-share", "2", "-o", dir / "x.pcap"}), 2);
  EXPECT_EQ(run_cli({"-o"}), 2);
  // Output errors exit 5, as for every weir subcommand (tools/weir/exit_codes.hpp).
  EXPECT_EQ(run_cli({"-n", "100", "-o", dir / "no/such/dir/x.pcap"}), 5);
  EXPECT_EQ(run_cli({"-n", "100", "-o", dir / "x.pcap", "--truth", dir / "no/such/t"}), 5);
  if (access("/dev/full", W_OK) == 0) {
    EXPECT_EQ(run_cli({"-n", "100k", "-o", "/dev/full"}), 5);
  }
  testing::internal::GetCapturedStderr();
  testing::internal::CaptureStderr();
  EXPECT_EQ(run_cli({"-q", "--profile=churn", "-n", "2k", "--seed=3", "-o", dir / "c.pcap", "--truth",
                     dir / "c", "--concurrency", "1000", "--flow-rate", "1.5e6"}),
            0);
  EXPECT_EQ(testing::internal::GetCapturedStderr(), "");
  const std::string json = slurp(dir / "c.json");
  EXPECT_EQ(json_u64(json, "packets"), 2'000u);
  EXPECT_EQ(json_u64(json, "concurrency"), 1'000u);
}

}  // namespace
}  // namespace weir
