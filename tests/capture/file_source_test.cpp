// SPDX-License-Identifier: Apache-2.0
// Capture-file source (capture/pcap_file): real captures from ../shared/captures (counts
// from capinfos, timestamps from tshark) and synthetic files written here -- both byte
// orders, µs/ns, pcapng sections/interfaces/options, truncation at every byte, streams
// through a FIFO and standard input, several files in sequence, tiny mmap windows.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "capture/file_source_support.hpp"
#include "capture/pcap_file/file_source.hpp"
#include "support/captures.hpp"

namespace weir {
namespace {

namespace fs = std::filesystem;
using test::FifoFeeder;
using test::Pkt;
using test::read_all;
using test::read_mapped;
using test::read_path;
using test::read_via_fifo;
using test::ReadOut;
using test::slurp;
using test::TempDir;

// ---------------------------------------------------------------------------------
// Synthetic capture writers

void put16(std::string& s, uint16_t v, bool be) {
  for (int i = 0; i < 2; ++i) s += static_cast<char>(be ? v >> (8 * (1 - i)) : v >> (8 * i));
}
void put32(std::string& s, uint32_t v, bool be) {
  for (int i = 0; i < 4; ++i) s += static_cast<char>(be ? v >> (8 * (3 - i)) : v >> (8 * i));
}
void put64(std::string& s, uint64_t v, bool be) {
  for (int i = 0; i < 8; ++i) s += static_cast<char>(be ? v >> (8 * (7 - i)) : v >> (8 * i));
}

struct Rec {
  uint32_t sec = 0;
  uint32_t frac = 0;  // µs or ns
  std::string data;
  uint32_t orig = 0;  // 0: same as data.size()
};

std::string payload(size_t n, uint8_t seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(seed * 31 + i * 7);
  return s;
}

struct PcapSpec {
  bool be = false;
  bool ns = false;
  bool modified = false;  // a1b2cd34, 24-byte record headers
  uint32_t linktype_field = 1;
  uint32_t snaplen = 262144;
  uint16_t major = 2, minor = 4;
};

std::string pcap_header(const PcapSpec& sp) {
  std::string s;
  put32(s, sp.modified ? 0xA1B2CD34 : sp.ns ? 0xA1B23C4D : 0xA1B2C3D4, sp.be);
  put16(s, sp.major, sp.be);
  put16(s, sp.minor, sp.be);
  put32(s, 0, sp.be);  // thiszone
  put32(s, 0, sp.be);  // sigfigs
  put32(s, sp.snaplen, sp.be);
  put32(s, sp.linktype_field, sp.be);
  return s;
}

std::string pcap_record(const PcapSpec& sp, const Rec& r, uint32_t claimed_cap = UINT32_MAX) {
  std::string s;
  put32(s, r.sec, sp.be);
  put32(s, r.frac, sp.be);
  put32(s, claimed_cap != UINT32_MAX ? claimed_cap : static_cast<uint32_t>(r.data.size()), sp.be);
  put32(s, r.orig ? r.orig : static_cast<uint32_t>(r.data.size()), sp.be);
  if (sp.modified) {
    put32(s, 7, sp.be);   // ifindex
    put16(s, 0x0800, sp.be);  // protocol
    s += '\x00';          // pkt_type
    s += '\x00';          // pad
  }
  return s + r.data;
}

std::string make_pcap(const PcapSpec& sp, const std::vector<Rec>& recs) {
  std::string s = pcap_header(sp);
  for (const Rec& r : recs) s += pcap_record(sp, r);
  return s;
}

std::vector<Pkt> expected_pcap(const PcapSpec& sp, const std::vector<Rec>& recs) {
  std::vector<Pkt> out;
  for (const Rec& r : recs) {
    const uint32_t cap = static_cast<uint32_t>(r.data.size());
    const uint32_t orig = r.orig ? r.orig : cap;
    out.push_back({uint64_t{r.sec} * 1'000'000'000ull + uint64_t{r.frac} * (sp.ns ? 1 : 1000), cap,
                   std::max(cap, orig), sp.linktype_field & 0x03FFFFFF, 0, r.data});
  }
  return out;
}

// pcapng writer: one section at a time, in either byte order.
struct Ng {
  bool be = false;
  std::string s;

  static std::string pad4(std::string v) {
    while (v.size() % 4) v += '\0';
    return v;
  }
  std::string opt(uint16_t code, const std::string& val) const {
    std::string o;
    put16(o, code, be);
    put16(o, static_cast<uint16_t>(val.size()), be);
    return o + pad4(val);
  }
  std::string end_opt() const { return opt(0, ""); }
  size_t block(uint32_t type, const std::string& body) {
    const size_t at = s.size();
    const std::string b = pad4(body);
    put32(s, type, be);
    put32(s, static_cast<uint32_t>(12 + b.size()), be);
    s += b;
    put32(s, static_cast<uint32_t>(12 + b.size()), be);
    return at;
  }
  size_t shb(const std::string& opts = "", uint16_t major = 1, uint16_t minor = 0) {
    std::string b;
    put32(b, 0x1A2B3C4D, be);
    put16(b, major, be);
    put16(b, minor, be);
    put64(b, ~0ull, be);  // section length unknown
    return block(0x0A0D0D0A, b + opts);
  }
  size_t idb(uint16_t linktype, uint32_t snaplen, const std::string& opts = "") {
    std::string b;
    put16(b, linktype, be);
    put16(b, 0, be);
    put32(b, snaplen, be);
    return block(1, b + opts);
  }
  size_t epb(uint32_t ifid, uint64_t units, const std::string& data, uint32_t orig = 0,
             const std::string& opts = "") {
    std::string b;
    put32(b, ifid, be);
    put32(b, static_cast<uint32_t>(units >> 32), be);
    put32(b, static_cast<uint32_t>(units), be);
    put32(b, static_cast<uint32_t>(data.size()), be);
    put32(b, orig ? orig : static_cast<uint32_t>(data.size()), be);
    return block(6, b + pad4(data) + opts);
  }
  size_t spb(const std::string& data, uint32_t orig) {
    std::string b;
    put32(b, orig, be);
    return block(3, b + pad4(data));
  }
  size_t opb(uint16_t ifid, uint64_t units, const std::string& data, uint32_t orig = 0) {
    std::string b;
    put16(b, ifid, be);
    put16(b, 0, be);  // drops
    put32(b, static_cast<uint32_t>(units >> 32), be);
    put32(b, static_cast<uint32_t>(units), be);
    put32(b, static_cast<uint32_t>(data.size()), be);
    put32(b, orig ? orig : static_cast<uint32_t>(data.size()), be);
    return block(2, b + pad4(data));
  }
  std::string tsresol(uint8_t v) const { return opt(9, std::string(1, static_cast<char>(v))); }
  std::string tsoffset(int64_t sec) const {
    std::string v;
    put64(v, static_cast<uint64_t>(sec), be);
    return opt(14, v);
  }
};

constexpr uint64_t kSec = 1'000'000'000ull;

// ---------------------------------------------------------------------------------
// Real captures

std::string cap(const std::string& rel) { return (fs::path(test::captures_dir()) / rel).string(); }

std::map<std::pair<uint32_t, uint32_t>, int> by_interface(const std::vector<Pkt>& pkts) {
  std::map<std::pair<uint32_t, uint32_t>, int> m;  // (interface, linktype) -> packets
  for (const Pkt& p : pkts) ++m[{p.interface_id, p.linktype}];
  return m;
}

TEST(FileSourceReal, LinktypesCountsAndLinkTypes) {
  WEIR_REQUIRE_CAPTURES();
  using M = std::map<std::pair<uint32_t, uint32_t>, int>;
  const std::vector<std::pair<std::string, M>> cases = {
      {"KakaoTalk_chat.pcap", {{{0, 113}, 347}}},
      {"LINKTYPE_IPV6.pcap", {{{0, 229}, 1}}},
      {"dlt_ppp.pcap", {{{0, 9}, 1}}},
      {"four_ipv6_http_streams.pcap", {{{0, 12}, 81}}},
      {"hdlc-http_1tx.pcap", {{{0, 104}, 17}}},
      {"linux_dlt_sll2.pcap", {{{0, 276}, 6}}},
      {"many_interfaces-1.pcapng", {{{0, 1}, 62}, {{10, 0}, 2}}},
      {"nano.pcapng", {{{0, 1}, 6}}},
      {"nanosecs_big_endian.pcap", {{{0, 1}, 10}}},
      {"pcapng-be-multisection-test202.pcapng", {{{0, 1}, 6}, {{1, 0}, 2}}},
      {"pcapng-example.pcapng", {{{0, 1}, 59}, {{1, 113}, 100}}},
      {"pcapng-multi-interface.pcapng", {{{0, 1}, 2}, {{1, 1}, 4}}},
      {"quic_handshake.pcap", {{{0, 0}, 18}}},
      {"radiotap.pcap", {{{0, 127}, 3}}},
      {"raw_ip.pcap", {{{0, 101}, 100}}},
      {"tcp-handshake-nano.pcap", {{{0, 113}, 3}}},
  };
  size_t n_files = 0;
  for (const auto& e : fs::directory_iterator(cap("linktypes"))) n_files += e.is_regular_file();
  EXPECT_EQ(n_files, cases.size()) << "a file was added to linktypes/: add it here";
  for (const auto& [name, want] : cases) {
    SCOPED_TRACE(name);
    const ReadOut r = read_path(cap("linktypes/" + name));
    ASSERT_TRUE(r.open) << r.open.message;
    EXPECT_EQ(r.last, RxStatus::end_of_file) << r.err.message;
    EXPECT_EQ(by_interface(r.pkts), want);
    EXPECT_EQ(r.stats.packets, r.pkts.size());
    EXPECT_EQ(r.bytes_read, r.bytes_total);
    EXPECT_EQ(r.bytes_total, fs::file_size(cap("linktypes/" + name)));
  }
}

// Every non-malformed capture: the packet count capinfos gives in MANIFEST.md.
TEST(FileSourceReal, PacketCountsMatchManifest) {
  WEIR_REQUIRE_CAPTURES();
  std::ifstream man(cap("MANIFEST.md"));
  ASSERT_TRUE(man.good());
  std::string line;
  int checked = 0;
  while (std::getline(man, line)) {
    if (line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '|');) cols.push_back(c);
    if (cols.size() < 9 || cols[1].find(".pcap") == std::string::npos) continue;
    const std::string path = cols[1].substr(cols[1].find('`') + 1, cols[1].rfind('`') - cols[1].find('`') - 1);
    if (path.rfind("malformed/", 0) == 0) continue;  // see MalformedOutcomes
    const std::string count = cols[7].substr(1, cols[7].size() - 2);
    SCOPED_TRACE(path);
    const ReadOut r = read_path(cap(path));
    ASSERT_TRUE(r.open) << r.open.message;
    EXPECT_EQ(r.last, RxStatus::end_of_file) << r.err.message;
    EXPECT_EQ(std::to_string(r.pkts.size()), count);
    ++checked;
  }
  EXPECT_GE(checked, 60);
}

TEST(FileSourceReal, TimestampsInNanoseconds) {
  WEIR_REQUIRE_CAPTURES();
  struct Case {
    const char* path;
    uint64_t first_ns, last_ns;
  };
  // From `tshark -T fields -e frame.time_epoch`.
  const Case cases[] = {
      {"linktypes/tcp-handshake-nano.pcap", 1418145369'924505488ull, 1418145370'052115157ull},
      {"linktypes/nanosecs_big_endian.pcap", 1766361926'167647291ull, 1766361926'168451894ull},
      {"linktypes/nano.pcapng", 1721295318'976755289ull, 1721295319'083277243ull},
      {"linktypes/many_interfaces-1.pcapng", 1439753725'701607000ull, 1439753728'292345000ull},
      // Two interfaces, one in ns and one in µs (if_tsresol per interface).
      {"linktypes/pcapng-multi-interface.pcapng", 1767663089'500330493ull, 1767663437'140942000ull},
      {"linktypes/KakaoTalk_chat.pcap", 1430069021'959113000ull, 1430069073'299933000ull},
      {"tcp/443-curl.pcap", 1581113120'474299000ull, 1581113121'570392000ull},
      {"vlan/QinQ_802.1_AD.pcapng", 1430378523'814664000ull, 1430378523'814664000ull},
      // 2^32 s: past the 32-bit seconds of 2106, still fine in 64-bit ns.
      {"malformed/time_2106_overflow.pcapng", 4294967296'000000000ull, 4294967296'000000000ull},
      // Its SLL interface's µs timestamps exceed 2^64 ns (tshark: 18446744073204 s): saturated.
      {"linktypes/pcapng-example.pcapng", 1422527998'578402281ull, UINT64_MAX},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.path);
    const ReadOut r = read_path(cap(c.path));
    ASSERT_TRUE(r.open) << r.open.message;
    ASSERT_FALSE(r.pkts.empty());
    EXPECT_EQ(r.pkts.front().ts_ns, c.first_ns);
    EXPECT_EQ(r.pkts.back().ts_ns, c.last_ns);
  }
}

TEST(FileSourceReal, BigEndianMultiSectionWithSimplePacketBlocks) {
  WEIR_REQUIRE_CAPTURES();
  const ReadOut r = read_path(cap("linktypes/pcapng-be-multisection-test202.pcapng"));
  ASSERT_TRUE(r.open) << r.open.message;
  ASSERT_EQ(r.pkts.size(), 8u);
  // tshark: cap/len per packet; SPBs (4th and 6th packets) have no time of their own
  // and take the previous packet's.
  const uint64_t t0 = 1340954905'298858000ull, t1 = 1340954905'301858000ull;
  const std::vector<std::tuple<uint64_t, uint32_t, uint32_t, uint32_t, uint32_t>> want = {
      {t0, 96, 314, 0, 1}, {t0, 96, 342, 0, 1},   {t1, 168, 168, 1, 0}, {t1, 128, 314, 0, 1},
      {t0, 128, 342, 0, 1}, {t0, 128, 314, 0, 1}, {t0, 128, 342, 0, 1}, {t1, 168, 168, 1, 0}};
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(i);
    const auto& [ts, c, w, ifid, lt] = want[i];
    EXPECT_EQ(r.pkts[i].ts_ns, ts);
    EXPECT_EQ(r.pkts[i].cap_len, c);
    EXPECT_EQ(r.pkts[i].wire_len, w);
    EXPECT_EQ(r.pkts[i].interface_id, ifid);
    EXPECT_EQ(r.pkts[i].linktype, lt);
  }
  EXPECT_EQ(r.stats.ts_backwards, 1u);  // t1 -> t0 after the third packet's SPB
  EXPECT_GT(r.stats.non_packet_blocks, 0u);  // custom blocks, NRB, ISB
}

// Each file of malformed/: the outcome it must have, and nothing read out of bounds
// (the stream path reads into a heap buffer, so ASan watches it too).
TEST(FileSourceReal, MalformedOutcomes) {
  WEIR_REQUIRE_CAPTURES();
  struct Case {
    const char* file;
    bool opens;
    size_t packets;
    RxStatus last;
    const char* message;  // substring of the open or rx error ("" when none)
  };
  const Case cases[] = {
      {"empty.pcapng", true, 0, RxStatus::end_of_file, ""},
      {"fuzz-2021-10-13.pcap", true, 0, RxStatus::error,
       "byte 24: record claims 524501 captured bytes, more than the 262144 maximum"},
      {"ipv4_invalid_hdr_length.pcap", true, 1, RxStatus::end_of_file, ""},
      {"ipv6_invalid_length.pcap", true, 1, RxStatus::end_of_file, ""},
      {"pcap-invalid-version-1.pcap", false, 0, RxStatus::error,
       "byte 4: unsupported pcap version 1.4"},
      {"pcapng-invalid-vers-1.pcapng", false, 0, RxStatus::error,
       "byte 0: unsupported pcapng version 0.1"},
      {"pim_header_asan-2.pcap", true, 3, RxStatus::end_of_file, ""},
      {"shb-option-too-long.pcapng", false, 0, RxStatus::error,
       "byte 0: option length 12336 (at byte 24) runs past the end of the "
       "Section Header Block"},
      {"suricata-bug-6875-01-fuzz.pcap", true, 1, RxStatus::error,
       "byte 228: record claims 1409179648 captured bytes, more than the 262144 maximum"},
      {"tcp_header_heapoverflow.pcap", true, 1, RxStatus::end_of_file, ""},
      {"time_2106_overflow.pcapng", true, 1, RxStatus::end_of_file, ""},
      {"timestamp_invalid_nano.pcap", true, 3, RxStatus::end_of_file, ""},
      {"tls_DER-incomplete-header.pcap", true, 6, RxStatus::error,
       "byte 5035: record claims 4325376 captured bytes, more than the 262144 maximum"},
      {"udp-length-heapoverflow.pcap", true, 1, RxStatus::end_of_file, ""},
  };
  size_t n_files = 0;
  for (const auto& e : fs::directory_iterator(cap("malformed"))) n_files += e.is_regular_file();
  EXPECT_EQ(n_files, std::size(cases)) << "a file was added to malformed/: add it here";
  TempDir dir;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string path = cap(std::string("malformed/") + c.file);
    // read(), read() with a 1-byte buffer, FIFO, mmap, mmap with a one-page window
    for (int mode = 0; mode < 5; ++mode) {
      SCOPED_TRACE(mode);
      const ReadOut r = mode == 2   ? read_via_fifo(dir, slurp(path))
                        : mode < 2  ? read_path(path, mode == 0 ? 0 : 1)
                                    : read_mapped(path, mode == 3 ? 0 : 1);
      EXPECT_EQ(bool(r.open), c.opens) << r.open.message;
      const std::string& msg = c.opens ? r.err.message : r.open.message;
      if (c.opens) {
        EXPECT_EQ(r.pkts.size(), c.packets);
        EXPECT_EQ(r.last, c.last) << r.err.message;
        if (c.last == RxStatus::error) {
          EXPECT_EQ(r.err.code, Errc::malformed);
        }
      }
      if (c.last != RxStatus::error) continue;
      EXPECT_NE(msg.find(c.message), std::string::npos) << msg;
      // "<file>: ..." (the FIFO's name for the FIFO).
      EXPECT_EQ(msg.find(": "), msg.find(c.message) - 2) << msg;
      if (mode != 2) {
        EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << "message must name the file: " << msg;
      }
    }
  }
}

TEST(FileSourceReal, MalformedDetails) {
  WEIR_REQUIRE_CAPTURES();
  // caplen > orig len raises wire_len and is counted; a timestamp going back is counted.
  const ReadOut pim = read_path(cap("malformed/pim_header_asan-2.pcap"));
  ASSERT_EQ(pim.pkts.size(), 3u);
  EXPECT_EQ(pim.pkts[2].cap_len, 4u);
  EXPECT_EQ(pim.pkts[2].wire_len, 4u);  // orig len 0 in the file
  EXPECT_EQ(pim.pkts[1].cap_len, 0u);   // a zero-length record is still a packet
  EXPECT_EQ(pim.stats.caplen_over_wire, 1u);
  EXPECT_EQ(pim.stats.ts_backwards, 1u);
  // Link-type field 0x30000001: the upper bits are FCS information.
  const ReadOut udp = read_path(cap("malformed/udp-length-heapoverflow.pcap"));
  ASSERT_EQ(udp.pkts.size(), 1u);
  EXPECT_EQ(udp.pkts[0].linktype, 1u);
  // Packets before a bad record are delivered, in the same burst as the error.
  const ReadOut tls = read_path(cap("malformed/tls_DER-incomplete-header.pcap"));
  EXPECT_EQ(tls.n_in_error_burst, 6u);
  // Sub-second fields >= 1e9 are added as they are (normalised into the seconds).
  const ReadOut nano = read_path(cap("malformed/timestamp_invalid_nano.pcap"));
  ASSERT_EQ(nano.pkts.size(), 3u);
  EXPECT_EQ(nano.pkts[0].ts_ns, 1418145369'999999999ull);
  EXPECT_EQ(nano.pkts[1].ts_ns, 1418145371'000000000ull);
  EXPECT_EQ(nano.pkts[2].ts_ns, 1418145372'147483648ull);
}

// An independent, simple reader of classic pcap (whole file in memory) to check the
// bytes of every packet of every classic file in the corpus.
std::vector<Pkt> reference_pcap(const std::string& f) {
  std::vector<Pkt> out;
  auto rd32 = [&](size_t o, bool be) {
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      const uint32_t b = static_cast<uint8_t>(f[o + (be ? i : 3 - i)]);
      v = v << 8 | b;
    }
    return v;
  };
  const uint32_t m = rd32(0, false);
  const bool be = m == 0xD4C3B2A1 || m == 0x4D3CB2A1;
  const bool ns = m == 0xA1B23C4D || m == 0x4D3CB2A1;
  const uint32_t lt = rd32(20, be) & 0x03FFFFFF;
  for (size_t o = 24; o + 16 <= f.size();) {
    const uint32_t c = rd32(o + 8, be), w = rd32(o + 12, be);
    if (c > 262144 || o + 16 + c > f.size()) break;
    out.push_back({uint64_t{rd32(o, be)} * kSec + uint64_t{rd32(o + 4, be)} * (ns ? 1 : 1000), c, std::max(c, w),
                   lt, 0, f.substr(o + 16, c)});
    o += 16 + c;
  }
  return out;
}

// Every capture: read() == read() with a 1-byte buffer and bursts of 7 == FIFO stream ==
// mmap == mmap with a one-page window; classic files match the reference reader byte
// for byte.
TEST(FileSourceReal, AllPathsGiveIdenticalPackets) {
  WEIR_REQUIRE_CAPTURES();
  TempDir dir;
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(test::captures_dir())) {
    const std::string path = e.path().string();
    if (!e.is_regular_file() || path.find(".pcap") == std::string::npos) continue;
    SCOPED_TRACE(path);
    const ReadOut a = read_path(path);
    if (!a.open) continue;  // bad header (malformed/), covered above
    ++files;
    const ReadOut b = read_path(path, 1, 7);
    const ReadOut c = read_via_fifo(dir, slurp(path), 13);
    const ReadOut d = read_mapped(path);
    const ReadOut m = read_mapped(path, 1, 7);
    for (const ReadOut* x : {&b, &c, &d, &m}) {
      ASSERT_TRUE(x->open) << x->open.message;
      EXPECT_EQ(x->last, a.last);
      ASSERT_EQ(x->pkts.size(), a.pkts.size());
      for (size_t i = 0; i < a.pkts.size(); ++i) ASSERT_EQ(x->pkts[i], a.pkts[i]) << "packet " << i;
      EXPECT_EQ(x->stats.cap_bytes, a.stats.cap_bytes);
      EXPECT_EQ(x->stats.non_packet_blocks, a.stats.non_packet_blocks);
    }
    EXPECT_EQ(c.bytes_total, 0u);  // a stream: size unknown
    const std::string content = slurp(path);
    if (content.size() >= 24 && content.compare(0, 4, "\x0a\x0d\x0d\x0a") != 0) {
      const std::vector<Pkt> ref = reference_pcap(content);
      ASSERT_EQ(a.pkts.size(), ref.size());
      for (size_t i = 0; i < ref.size(); ++i) ASSERT_EQ(a.pkts[i], ref[i]) << "packet " << i;
    }
  }
  EXPECT_GT(files, 70);
}

// ---------------------------------------------------------------------------------
// Synthetic files

std::vector<Rec> three_records() {
  return {{1'700'000'000, 1, payload(60, 1), 0}, {1'700'000'001, 999'999, payload(1, 2), 1514},
          {1'700'000'001, 5, payload(100, 3), 0}};
}

TEST(FileSource, ClassicPcapBothByteOrdersMicroAndNano) {
  TempDir dir;
  for (int variant = 0; variant < 6; ++variant) {
    PcapSpec sp;
    sp.be = variant & 1;
    sp.ns = variant == 2 || variant == 3;
    sp.modified = variant >= 4;
    sp.linktype_field = 0x30000000u | 113;  // FCS bits set: masked away
    SCOPED_TRACE(variant);
    const auto recs = three_records();
    std::string name = std::to_string(variant);  // not "v" + ...: GCC 12 -Wrestrict false positive
    name += ".pcap";
    const std::string path = dir.write(name, make_pcap(sp, recs));
    const ReadOut r = read_path(path);
    ASSERT_TRUE(r.open) << r.open.message;
    EXPECT_EQ(r.last, RxStatus::end_of_file);
    EXPECT_EQ(r.pkts, expected_pcap(sp, recs));
    EXPECT_EQ(r.stats.packets, 3u);
    EXPECT_EQ(r.stats.cap_bytes, 161u);
    EXPECT_EQ(r.stats.wire_bytes, 60u + 1514u + 100u);
    EXPECT_EQ(r.stats.ts_backwards, 1u);  // third record is older than the second
    EXPECT_EQ(r.stats.caplen_over_wire, 0u);
    EXPECT_EQ(r.bytes_read, fs::file_size(path));
    std::unique_ptr<PacketSource> src;
    ASSERT_TRUE(open_file_source({{path}}, src));
    EXPECT_NE(src->describe().find(sp.modified ? "modified" : sp.ns ? "ns" : "us"), std::string::npos)
        << src->describe();
  }
}

TEST(FileSource, HeaderErrors) {
  TempDir dir;
  std::unique_ptr<PacketSource> src;
  Status s = open_file_source({{dir.file("missing.pcap")}}, src);
  EXPECT_EQ(s.code, Errc::not_found);
  EXPECT_NE(s.message.find("missing.pcap"), std::string::npos);

  s = open_file_source({{dir.write("empty.pcap", "")}}, src);
  EXPECT_EQ(s.code, Errc::malformed);
  EXPECT_NE(s.message.find("empty.pcap: empty file"), std::string::npos) << s.message;

  s = open_file_source({{dir.write("magic.pcap", std::string("\x12\x34\x56\x78", 4) + std::string(40, '\0'))}}, src);
  EXPECT_EQ(s.code, Errc::malformed);
  EXPECT_NE(s.message.find("magic.pcap: not a pcap or pcapng file (magic 0x12345678)"), std::string::npos)
      << s.message;

  s = open_file_source({{dir.write("short.pcap", "\xd4\xc3")}}, src);
  EXPECT_EQ(s.code, Errc::malformed) << s.message;

  PcapSpec v3;
  v3.major = 3;
  v3.minor = 1;
  s = open_file_source({{dir.write("v3.pcap", pcap_header(v3))}}, src);
  EXPECT_EQ(s.code, Errc::unsupported);
  EXPECT_NE(s.message.find("v3.pcap: byte 4: unsupported pcap version 3.1"), std::string::npos) << s.message;

  Ng ng;
  ng.shb("", 2, 0);
  s = open_file_source({{dir.write("v2.pcapng", ng.s)}}, src);
  EXPECT_NE(s.message.find("unsupported pcapng version 2.0"), std::string::npos) << s.message;

  s = open_file_source({{dir.write("trunc_hdr.pcap", pcap_header({}).substr(0, 20))}}, src);
  EXPECT_EQ(s.code, Errc::malformed);
  EXPECT_NE(s.message.find("truncated pcap file header"), std::string::npos) << s.message;

  s = open_file_source({{"/"}}, src);
  EXPECT_FALSE(s);
  s = open_file_source(FileSourceConfig{}, src);
  EXPECT_EQ(s.code, Errc::invalid_argument);

  // Header only: a valid, empty capture.
  const ReadOut r = read_path(dir.write("hdr.pcap", pcap_header({})));
  ASSERT_TRUE(r.open);
  EXPECT_EQ(r.last, RxStatus::end_of_file);
  EXPECT_TRUE(r.pkts.empty());
}

TEST(FileSource, RecordLimits) {
  TempDir dir;
  PcapSpec sp;
  // caplen above max(snaplen, 262144): an error naming file, offset and numbers.
  std::string f = pcap_header(sp) + pcap_record(sp, {1, 0, payload(10, 1), 0}) +
                  pcap_record(sp, {2, 0, "", 0}, 4325376) + std::string(64, 'x');
  ReadOut r = read_path(dir.write("bad.pcap", f));
  ASSERT_TRUE(r.open);
  EXPECT_EQ(r.pkts.size(), 1u);
  EXPECT_EQ(r.n_in_error_burst, 1u);
  EXPECT_EQ(r.last, RxStatus::error);
  EXPECT_EQ(r.err.code, Errc::malformed);
  EXPECT_NE(r.err.message.find("bad.pcap: byte 50: record claims 4325376 captured bytes, more than the 262144 maximum"),
            std::string::npos)
      << r.err.message;

  // A larger snaplen allows larger records, to 256 MiB at most.
  sp.snaplen = 1u << 20;
  const std::vector<Rec> big = {{1, 0, payload(300'000, 4), 0}, {2, 0, payload(70, 5), 0}};
  r = read_path(dir.write("big.pcap", make_pcap(sp, big)));
  EXPECT_EQ(r.last, RxStatus::end_of_file) << r.err.message;
  EXPECT_EQ(r.pkts, expected_pcap(sp, big));
  sp.snaplen = 0xFFFFFFFF;
  r = read_path(dir.write("huge.pcap", pcap_header(sp) + pcap_record(sp, {1, 0, "", 0}, 300u << 20)));
  EXPECT_EQ(r.last, RxStatus::error);
  EXPECT_NE(r.err.message.find("more than the 268435456 maximum"), std::string::npos) << r.err.message;
  // Stream: the claim is rejected before anything is allocated for it.
  r = read_via_fifo(dir, pcap_header(sp) + pcap_record(sp, {1, 0, "", 0}, 300u << 20));
  EXPECT_EQ(r.last, RxStatus::error);

  // caplen > orig len: wire_len raised to caplen, counted.
  sp = PcapSpec{};
  std::string g = pcap_header(sp) + pcap_record(sp, {1, 0, payload(80, 6), 40});
  r = read_path(dir.write("over.pcap", g));
  ASSERT_EQ(r.pkts.size(), 1u);
  EXPECT_EQ(r.pkts[0].wire_len, 80u);
  EXPECT_EQ(r.stats.caplen_over_wire, 1u);
}

// Cut a small file at every byte: an open error (header cut), a clean end of file
// (cut between records) or a "truncated" error, never a crash; the packets before the
// cut are delivered. Through read(), a FIFO and mmap.
void check_every_cut(const TempDir& dir, const std::string& whole, size_t header_end,
                     const std::vector<size_t>& block_ends, const std::vector<bool>& is_packet,
                     const std::vector<Pkt>& want) {
  for (size_t cut = 0; cut < whole.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    const std::string part = whole.substr(0, cut);
    const std::string path = dir.write("cut.bin", part);
    for (int mode = 0; mode < 3; ++mode) {
      const ReadOut r = mode == 0 ? read_path(path) : mode == 1 ? read_via_fifo(dir, part, 2) : read_mapped(path);
      if (cut < header_end) {
        EXPECT_FALSE(r.open);
        EXPECT_EQ(r.open.code, Errc::malformed) << r.open.message;
        continue;
      }
      ASSERT_TRUE(r.open) << r.open.message;
      size_t n_whole = 0;
      bool at_boundary = cut == header_end;
      for (size_t i = 0; i < block_ends.size(); ++i) {
        if (block_ends[i] <= cut) n_whole += is_packet[i];
        at_boundary |= block_ends[i] == cut;
      }
      ASSERT_EQ(r.pkts.size(), n_whole);
      for (size_t i = 0; i < n_whole; ++i) EXPECT_EQ(r.pkts[i], want[i]);
      if (at_boundary) {
        EXPECT_EQ(r.last, RxStatus::end_of_file) << r.err.message;
      } else {
        EXPECT_EQ(r.last, RxStatus::error);
        EXPECT_EQ(r.err.code, Errc::malformed);
        EXPECT_NE(r.err.message.find("truncated"), std::string::npos) << r.err.message;
      }
    }
  }
}

TEST(FileSource, TruncatedAtEveryOffsetPcap) {
  TempDir dir;
  PcapSpec sp;
  const auto recs = three_records();
  const std::string f = make_pcap(sp, recs);
  std::vector<size_t> ends;
  size_t o = 24;
  for (const Rec& r : recs) ends.push_back(o += 16 + r.data.size());
  check_every_cut(dir, f, 24, ends, {true, true, true}, expected_pcap(sp, recs));
}

TEST(FileSource, TruncatedAtEveryOffsetPcapng) {
  TempDir dir;
  Ng ng;
  ng.be = true;
  ng.shb(ng.opt(4, "weir test") + ng.end_opt());
  const size_t shb_end = ng.s.size();
  std::vector<size_t> ends;
  ng.idb(1, 0, ng.tsresol(9) + ng.end_opt());
  ends.push_back(ng.s.size());
  ng.epb(0, 5 * kSec, payload(33, 1));
  ends.push_back(ng.s.size());
  ng.block(4, std::string(8, 'n'));  // NRB
  ends.push_back(ng.s.size());
  ng.spb(payload(20, 2), 64);
  ends.push_back(ng.s.size());
  const std::vector<Pkt> want = {{5 * kSec, 33, 33, 1, 0, payload(33, 1)},
                                 {5 * kSec, 20, 64, 1, 0, payload(20, 2)}};
  check_every_cut(dir, ng.s, shb_end, ends, {false, true, false, true}, want);
}

TEST(FileSource, PcapngInterfacesResolutionsAndBlocks) {
  TempDir dir;
  for (const bool be : {false, true}) {
    SCOPED_TRACE(be);
    Ng ng;
    ng.be = be;
    ng.shb();
    ng.idb(1, 0);                                              // 0: default µs
    ng.idb(113, 0, ng.tsresol(9) + ng.end_opt());              // 1: ns
    ng.idb(101, 0, ng.tsresol(0x80 | 10) + ng.end_opt());      // 2: 2^-10 s
    ng.idb(0, 0, ng.tsresol(3) + ng.tsoffset(1000) + ng.end_opt());  // 3: ms, +1000 s
    ng.idb(228, 0, ng.tsresol(12) + ng.tsoffset(-5) + ng.end_opt());  // 4: ps, -5 s
    ng.idb(1, 0, ng.tsresol(0));                               // 5: whole seconds
    ng.epb(0, 1'500'000, payload(10, 1));
    ng.epb(1, 7 * kSec + 3, payload(11, 2), 0, ng.opt(2, "flags") + ng.end_opt());
    ng.epb(2, 3 * 1024 + 512, payload(12, 3));                 // 3.5 s
    ng.epb(3, 2'500, payload(13, 4));                          // 2.5 s + 1000 s
    ng.epb(4, 7'000'000'000'000ull, payload(14, 5));           // 7 s - 5 s
    ng.epb(4, 1'000, payload(15, 6));                          // 1 ns - 5 s: clamps at 0
    ng.epb(5, 1ull << 62, payload(16, 7));                     // 2^62 s: saturates
    ng.opb(1, 9 * kSec, payload(17, 8), 100);
    ng.block(5, std::string(12, 's'));                         // ISB
    ng.block(0x00000BAD, std::string(20, 'c'));                // custom
    ng.block(0x12345678, std::string(4, 'u'));                 // unknown
    ng.spb(payload(50, 9), 30);                                // caplen = min(orig, block)
    const ReadOut r = read_path(dir.write("ifaces.pcapng", ng.s));
    ASSERT_TRUE(r.open) << r.open.message;
    EXPECT_EQ(r.last, RxStatus::end_of_file) << r.err.message;
    const std::vector<Pkt> want = {
        {1'500'000'000ull, 10, 10, 1, 0, payload(10, 1)},
        {7 * kSec + 3, 11, 11, 113, 1, payload(11, 2)},
        {3'500'000'000ull, 12, 12, 101, 2, payload(12, 3)},
        {1002'500'000'000ull, 13, 13, 0, 3, payload(13, 4)},
        {2 * kSec, 14, 14, 228, 4, payload(14, 5)},
        {0, 15, 15, 228, 4, payload(15, 6)},
        {UINT64_MAX, 16, 16, 1, 5, payload(16, 7)},
        {9 * kSec, 17, 100, 113, 1, payload(17, 8)},
        {9 * kSec, 30, 30, 1, 0, payload(50, 9).substr(0, 30)},
    };
    EXPECT_EQ(r.pkts, want);
    EXPECT_EQ(r.stats.non_packet_blocks, 3u);
    EXPECT_EQ(r.stats.ts_backwards, 4u);  // 3.5 s, 2 s, 0 and the OPB's 9 s
  }
}

TEST(FileSource, PcapngSectionsWithDifferentByteOrders) {
  TempDir dir;
  Ng a;
  a.shb();
  a.idb(1, 0);
  a.idb(105, 0);
  a.epb(1, 1'000'000, payload(40, 1));
  Ng b;
  b.be = true;
  b.shb();
  b.idb(113, 0, b.tsresol(9) + b.end_opt());
  b.epb(0, 2 * kSec, payload(41, 2));
  Ng c;
  c.shb();
  c.idb(12, 0);
  c.epb(0, 3'000'000, payload(42, 3));
  const std::string path = dir.write("sections.pcapng", a.s + b.s + c.s);
  const std::vector<Pkt> want = {{1 * kSec, 40, 40, 105, 1, payload(40, 1)},
                                 {2 * kSec, 41, 41, 113, 0, payload(41, 2)},
                                 {3 * kSec, 42, 42, 12, 0, payload(42, 3)}};
  for (const size_t burst : {1, 2, 256}) {
    const ReadOut r = read_path(path, 0, burst);
    EXPECT_EQ(r.last, RxStatus::end_of_file) << r.err.message;
    EXPECT_EQ(r.pkts, want);
  }
  // Interface ids are per section: the second section has only interface 0.
  Ng d;
  d.shb();
  d.idb(1, 0);
  d.shb();
  d.epb(0, 1, "x");
  const ReadOut r = read_path(dir.write("noif.pcapng", d.s));
  EXPECT_EQ(r.last, RxStatus::error);
  EXPECT_NE(r.err.message.find("byte 76: Enhanced Packet Block refers to interface 0, but the section defines 0"),
            std::string::npos)
      << r.err.message;
}

TEST(FileSource, PcapngBoundsChecks) {
  TempDir dir;
  auto err_of = [&](const std::string& content) {
    const ReadOut r = read_path(dir.write("b.pcapng", content));
    if (!r.open) return r.open.message;
    EXPECT_EQ(r.last, RxStatus::error);
    return r.err.message;
  };
  Ng ng;
  ng.shb();
  const std::string shb = ng.s;
  // An IDB option whose length runs past the block.
  {
    Ng x = ng;
    std::string opts;
    put16(opts, 9, false);
    put16(opts, 200, false);
    opts += "abcd";
    x.idb(1, 0, opts);
    EXPECT_NE(err_of(x.s).find("b.pcapng: byte 28: option length 200 (at byte 44) runs past the end of the Interface "
                               "Description Block"),
              std::string::npos)
        << err_of(x.s);
  }
  // EPB caplen past its block.
  {
    Ng x = ng;
    x.idb(1, 0);
    std::string body;
    put32(body, 0, false);
    put32(body, 0, false);
    put32(body, 0, false);
    put32(body, 1000, false);
    put32(body, 1000, false);
    x.block(6, body + "abcd");
    EXPECT_NE(err_of(x.s).find("byte 48: captured length 1000 runs past the end of the Enhanced Packet Block"),
              std::string::npos)
        << err_of(x.s);
  }
  // Block length: not a multiple of 4, too small, trailer mismatch, past end of file.
  {
    std::string x = shb;
    put32(x, 6, false);
    put32(x, 13, false);
    x += std::string(8, '\0');
    EXPECT_NE(err_of(x).find("block of type 6 claims 13 bytes"), std::string::npos) << err_of(x);
    std::string y = shb;
    put32(y, 6, false);
    put32(y, 16, false);
    put32(y, 0, false);
    put32(y, 20, false);
    EXPECT_NE(err_of(y).find("does not match its trailer"), std::string::npos) << err_of(y);
    std::string z = shb;
    put32(z, 6, false);
    put32(z, 4000, false);
    z += std::string(100, '\0');
    EXPECT_NE(err_of(z).find("byte 28: truncated block: needs 4000 bytes, the file ends after 108"),
              std::string::npos)
        << err_of(z);
  }
  // SHB with a bad byte-order magic in the middle of the file.
  {
    std::string x = shb;
    put32(x, 0x0A0D0D0A, false);
    put32(x, 28, false);
    put32(x, 0x11223344, false);
    x += std::string(16, '\0');
    EXPECT_NE(err_of(x).find("bad byte-order magic"), std::string::npos) << err_of(x);
  }
  // A packet block before any interface.
  {
    Ng x = ng;
    x.spb("abc", 3);
    EXPECT_NE(err_of(x.s).find("Simple Packet Block before any Interface Description Block"), std::string::npos);
  }
  // Unsupported resolution.
  {
    Ng x = ng;
    x.idb(1, 0, x.tsresol(40));
    EXPECT_NE(err_of(x.s).find("if_tsresol"), std::string::npos) << err_of(x.s);
  }
}

std::vector<Rec> varied_records(int n, size_t max_len, uint32_t seed) {
  std::vector<Rec> recs;
  uint32_t x = seed;
  for (int i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    const size_t len = (x >> 8) % max_len;
    recs.push_back({1'600'000'000u + static_cast<uint32_t>(i), (x >> 4) % 1'000'000u,
                    payload(len, static_cast<uint8_t>(i)), 0});
  }
  return recs;
}

// Buffers and windows smaller than records, records crossing every edge: same packets.
TEST(FileSource, TinyBuffersAndWindowsGiveIdenticalPackets) {
  TempDir dir;
  PcapSpec sp;
  const auto recs = varied_records(400, 20'000, 7);
  const std::string path = dir.write("varied.pcap", make_pcap(sp, recs));
  const std::vector<Pkt> want = expected_pcap(sp, recs);
  const uint64_t sizes[] = {1, 4096, 5000, 65536, 32u << 20};
  for (const ReadMethod method : {ReadMethod::read, ReadMethod::mmap}) {
    for (const uint64_t bytes : sizes) {
      for (const size_t burst : {1, 3, 256}) {
        SCOPED_TRACE(std::string(to_string(method)) + "/" + std::to_string(bytes) + "/" + std::to_string(burst));
        const ReadOut r = read_path(path, bytes, burst, method);
        EXPECT_EQ(r.last, RxStatus::end_of_file) << r.err.message;
        ASSERT_EQ(r.pkts.size(), want.size());
        EXPECT_TRUE(r.pkts == want);
        EXPECT_EQ(r.bytes_read, fs::file_size(path));
      }
    }
  }
  // Same through pcapng (blocks crossing window edges).
  Ng ng;
  ng.shb();
  ng.idb(1, 0);
  for (const Rec& r : recs) ng.epb(0, uint64_t{r.sec} * 1'000'000 + r.frac, r.data);
  const std::string ngpath = dir.write("varied.pcapng", ng.s);
  for (const ReadMethod method : {ReadMethod::read, ReadMethod::mmap}) {
    const ReadOut a = read_path(ngpath, 1, 5, method);
    EXPECT_EQ(a.last, RxStatus::end_of_file) << a.err.message;
    EXPECT_TRUE(a.pkts == want);
  }
}

TEST(FileSource, StreamGrowsItsBufferOnlyForLargeRecords) {
  TempDir dir;
  PcapSpec sp;
  sp.snaplen = 16u << 20;
  const std::vector<Rec> recs = {{1, 0, payload(100, 1), 0}, {2, 0, payload(6u << 20, 2), 0},
                                 {3, 0, payload(200, 3), 0}, {4, 0, payload(5u << 20, 4), 0}};
  const std::string f = make_pcap(sp, recs);
  const ReadOut r = read_via_fifo(dir, f);
  EXPECT_EQ(r.last, RxStatus::end_of_file) << r.err.message;
  EXPECT_TRUE(r.pkts == expected_pcap(sp, recs));
  const std::string path = dir.write("large.pcap", f);
  for (const ReadMethod method : {ReadMethod::read, ReadMethod::mmap}) {  // records > buffer
    const ReadOut m = read_path(path, 1u << 20, 256, method);
    EXPECT_TRUE(m.pkts == expected_pcap(sp, recs));
  }
}

TEST(FileSource, StandardInputAsStream) {
  TempDir dir;
  PcapSpec sp;
  sp.ns = true;
  const auto recs = varied_records(300, 3000, 3);
  const std::string f = make_pcap(sp, recs);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int saved = ::dup(STDIN_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_EQ(::dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
  ::close(fds[0]);
  std::signal(SIGPIPE, SIG_IGN);
  std::thread writer([&] {
    size_t off = 0;
    while (off < f.size()) {
      const ssize_t w = ::write(fds[1], f.data() + off, std::min<size_t>(f.size() - off, 4096));
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    ::close(fds[1]);
  });
  FileSourceConfig cfg;
  cfg.paths = {"-"};
  const ReadOut r = read_all(cfg);
  writer.join();
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  ASSERT_TRUE(r.open) << r.open.message;
  EXPECT_EQ(r.last, RxStatus::end_of_file) << r.err.message;
  EXPECT_TRUE(r.pkts == expected_pcap(sp, recs));
  EXPECT_EQ(r.bytes_total, 0u);
  EXPECT_EQ(r.bytes_read, f.size());
}

TEST(FileSource, SeveralFilesReadAsOneStream) {
  TempDir dir;
  PcapSpec a;
  const auto ra = three_records();
  const std::string pa = dir.write("a.pcap", make_pcap(a, ra));
  Ng ng;
  ng.be = true;
  ng.shb();
  ng.idb(101, 0);
  ng.idb(113, 0, ng.tsresol(9) + ng.end_opt());
  ng.epb(1, 7 * kSec, payload(21, 7));
  ng.epb(0, 8'000'000, payload(22, 8));
  const std::string pb = dir.write("b.pcapng", ng.s);
  PcapSpec c;
  c.be = true;
  c.ns = true;
  c.linktype_field = 228;
  const auto rc = varied_records(5, 300, 9);
  const std::string pc = dir.write("c.pcap", make_pcap(c, rc));
  const std::string empty_hdr = dir.write("d.pcap", pcap_header({}));

  std::vector<Pkt> want = expected_pcap(a, ra);
  want.push_back({7 * kSec, 21, 21, 113, 1, payload(21, 7)});
  want.push_back({8 * kSec, 22, 22, 101, 0, payload(22, 8)});
  for (const Pkt& p : expected_pcap(c, rc)) want.push_back(p);

  FileSourceConfig cfg;
  cfg.paths = {pa, empty_hdr, pb, pc, empty_hdr};
  for (const size_t burst : {1, 4, 256}) {
    const ReadOut r = read_all(cfg, burst);
    ASSERT_TRUE(r.open) << r.open.message;
    EXPECT_EQ(r.last, RxStatus::end_of_file) << r.err.message;
    EXPECT_EQ(r.pkts, want);
    const uint64_t total = fs::file_size(pa) + fs::file_size(pb) + fs::file_size(pc) + 2 * fs::file_size(empty_hdr);
    EXPECT_EQ(r.bytes_total, total);
    EXPECT_EQ(r.bytes_read, total);
  }
  // With a stream among them the total is unknown; packets are the same.
  {
    const std::string fifo = dir.file("mid.fifo");
    FifoFeeder feeder(fifo, slurp(pb));
    cfg.paths = {pa, fifo, pc};
    const ReadOut r = read_all(cfg);
    EXPECT_EQ(r.last, RxStatus::end_of_file) << r.err.message;
    EXPECT_EQ(r.pkts, want);
    EXPECT_EQ(r.bytes_total, 0u);
  }
  // A bad later file: the earlier packets, then an error naming that file.
  {
    const std::string bad = dir.write("bad.pcap", "not a capture at all");
    cfg.paths = {pa, bad};
    const ReadOut r = read_all(cfg);
    ASSERT_TRUE(r.open);
    EXPECT_EQ(r.pkts.size(), 3u);
    EXPECT_EQ(r.last, RxStatus::error);
    EXPECT_NE(r.err.message.find("bad.pcap: not a pcap or pcapng file (magic 0x6e6f7420)"), std::string::npos)
        << r.err.message;
  }
  // A missing later file is reported at open.
  {
    cfg.paths = {pa, dir.file("nope.pcap")};
    std::unique_ptr<PacketSource> src;
    const Status s = open_file_source(cfg, src);
    EXPECT_EQ(s.code, Errc::not_found);
  }
}

}  // namespace
}  // namespace weir
