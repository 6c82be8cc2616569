// SPDX-License-Identifier: Apache-2.0
// weir extract end to end: packet extraction round trips (every byte and nanosecond of
// the chosen records, both directions, any FlowID, records over 32 KiB), TCP streams
// against tshark's "follow tcp" (an independent reassembler) on real captures, byte
// conservation on captures with gaps, the 32-byte header stream, window scaling, UDP
// streams, few file descriptors, fresh files; and the subcommands' options and exit
// codes through the weir binary.
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "capture/bpf_filter.hpp"
#include "capture/pcap_file/file_source.hpp"
#include "extract/flow_listing.hpp"
#include "extract/frame_fields.hpp"
#include "extract/packet_extract.hpp"
#include "extract/stream_extract.hpp"
#include "support/captures.hpp"
#include "support/packet_builder.hpp"
#include "support/pcap_writer.hpp"

namespace weir::extract {
namespace {

namespace fs = std::filesystem;
using test::PacketBuilder;

std::string cap(const std::string& rel) { return test::captures_dir() + "/" + rel; }

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::path(testing::TempDir()) / ("weir_extract_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Rec {
  uint64_t ts_ns;
  uint32_t wire_len;
  uint32_t linktype;
  std::vector<uint8_t> data;
  bool operator==(const Rec&) const = default;
};

PacketView view_of(const Rec& r) {
  PacketView v;
  v.data = r.data.data();
  v.cap_len = static_cast<uint32_t>(r.data.size());
  v.wire_len = r.wire_len;
  v.ts_ns = r.ts_ns;
  v.linktype = r.linktype;
  return v;
}

std::vector<Rec> read_all(const std::string& path) {
  std::unique_ptr<PacketSource> src;
  FileSourceConfig cfg;
  cfg.paths = {path};
  EXPECT_TRUE(open_file_source(cfg, src)) << path;
  std::vector<Rec> out;
  if (!src) return out;
  std::array<PacketView, 32> v;
  for (;;) {
    const RxResult r = src->rx_burst(v);
    for (uint32_t i = 0; i < r.n; ++i) {
      out.push_back({v[i].ts_ns, v[i].wire_len, v[i].linktype, {v[i].data, v[i].data + v[i].cap_len}});
    }
    EXPECT_NE(r.status, RxStatus::error) << src->error().message;
    if (r.status != RxStatus::ok) break;
  }
  return out;
}

// Every packet of a capture with its FlowID (0: in no flow), as the scan gives them.
struct Tagged {
  Rec rec;
  uint32_t flow_id;
};
class Tagger : public ScanVisitor {
 public:
  Status packet(const ScanPacket& p, FlowIndex&) override {
    const PacketView& v = *p.pv;
    out.push_back({{v.ts_ns, v.wire_len, v.linktype, {v.data, v.data + v.cap_len}}, p.flow_id});
    return Status::ok();
  }
  std::vector<Tagged> out;
};

std::vector<Tagged> tag(const std::string& path, FlowIndex& index, ScanOptions opt = {}) {
  opt.files = {path};
  Tagger t;
  ScanStats st;
  EXPECT_TRUE(scan(opt, index, &t, st));
  return t.out;
}

uint32_t reverse_id(const FlowIndex& index, uint32_t id) {
  const UniKey r = reverse(index.entry(id).key);
  return index.find(r, uni_hash(r));
}

TEST(PacketExtract, EachFlowRoundTripsByteForByteWithNanoseconds) {
  WEIR_REQUIRE_CAPTURES();
  const fs::path d = fresh_dir("roundtrip");
  for (const char* file : {"linktypes/nanosecs_big_endian.pcap", "linktypes/tcp-handshake-nano.pcap",
                           "tcp/http1.pcap", "vlan/http-qinq-0.pcap"}) {
    SCOPED_TRACE(file);
    FlowIndex index;
    const std::vector<Tagged> all = tag(cap(file), index);
    ASSERT_GT(index.size(), 0u);
    bool saw_ns = false;
    for (const Tagged& t : all) saw_ns |= t.rec.ts_ns % 1000 != 0;
    if (std::string(file).find("nano") != std::string::npos) {
      EXPECT_TRUE(saw_ns);
    }
    for (uint32_t id = 1; id <= index.size(); ++id) {
      for (bool both : {false, true}) {
        PacketExtractOptions o;
        o.scan.files = {cap(file)};
        o.sel.ids = {id};
        o.sel.both_directions = both;
        o.output = (d / "out.pcap").string();
        PacketExtractStats st;
        ASSERT_TRUE(extract_packets(o, st));
        const uint32_t rev = both ? reverse_id(index, id) : 0;
        std::vector<Rec> want;
        for (const Tagged& t : all) {
          if (t.flow_id == id || (rev && t.flow_id == rev)) want.push_back(t.rec);
        }
        EXPECT_EQ(read_all(o.output), want) << "flow " << id << (both ? " -d b" : "");
        EXPECT_EQ(st.packets_written, want.size());
      }
    }
  }
}

TEST(PacketExtract, AnyFlowIdAndTheExpressionAlone) {
  WEIR_REQUIRE_CAPTURES();
  const fs::path d = fresh_dir("ids");
  FlowIndex index;
  const std::vector<Tagged> all = tag(cap("tcp/weibo.pcap"), index);
  ASSERT_GT(index.size(), 40u);
  for (uint32_t id : {8u, 40u, index.size()}) {  // pcap_flow refused every ID >= 8
    PacketExtractOptions o;
    o.scan.files = {cap("tcp/weibo.pcap")};
    o.sel.ids = {id};
    o.output = (d / "id.pcap").string();
    PacketExtractStats st;
    ASSERT_TRUE(extract_packets(o, st));
    EXPECT_EQ(st.packets_written, index.entry(id).packets) << id;
    EXPECT_EQ(read_all(o.output).size(), index.entry(id).packets);
  }
  // An expression alone: every packet it passes, counted by libpcap's own matcher.
  std::unique_ptr<BpfFilter> f;
  ASSERT_TRUE(BpfFilter::create("tcp port 80 or udp", f));
  std::vector<Rec> want;
  for (const Tagged& t : all) {
    if (f->match(view_of(t.rec))) want.push_back(t.rec);
  }
  PacketExtractOptions o;
  o.scan.files = {cap("tcp/weibo.pcap")};
  o.scan.filter = "tcp port 80 or udp";
  o.output = (d / "expr.pcap").string();
  PacketExtractStats st;
  ASSERT_TRUE(extract_packets(o, st));
  ASSERT_GT(want.size(), 10u);
  EXPECT_EQ(read_all(o.output), want);
  // A port range: both directions of port-80 flows.
  o.scan.filter.clear();
  o.sel = {};
  parse_port_range("80", o.sel);
  ASSERT_TRUE(extract_packets(o, st));
  uint64_t n80 = 0;
  for (const FlowEntry& e : index.flows()) {
    if ((e.key.flow.proto == 6 || e.key.flow.proto == 17) && (e.key.flow.port_a == 80 || e.key.flow.port_b == 80))
      n80 += e.packets;
  }
  EXPECT_EQ(st.packets_written, n80);
}

TEST(PacketExtract, RecordsOver32KiBAreCopiedWhole) {
  WEIR_REQUIRE_CAPTURES();
  const fs::path d = fresh_dir("large");
  // pcap_flow read records into a 32 KiB buffer: a 60,000-byte record overflowed it.
  const test::Frame big = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).payload(60'000, 0x33).build();
  const test::Frame small = PacketBuilder().eth().ipv4("10.0.0.1", "10.0.0.2").tcp(1, 2).payload(10).build();
  const std::string in = (d / "in.pcap").string();
  ASSERT_TRUE(test::write_pcap(in, std::vector<test::PcapRecord>{{5, small.bytes}, {6, big.bytes}}));
  for (const std::string& file : {in, cap("tcp/bigtcp-ipv4.pcap")}) {
    PacketExtractOptions o;
    o.scan.files = {file};
    o.sel.ids = {1};
    o.output = (d / "out.pcap").string();
    PacketExtractStats st;
    ASSERT_TRUE(extract_packets(o, st));
    EXPECT_EQ(read_all(o.output), read_all(file)) << file;
  }
  EXPECT_GT(read_all(cap("tcp/bigtcp-ipv4.pcap")).at(0).data.size(), 65536u);
}

TEST(PacketExtract, MissingIdsAreReportedAndStdinCannotBeReadTwice) {
  WEIR_REQUIRE_CAPTURES();
  const fs::path d = fresh_dir("missing");
  PacketExtractOptions o;
  o.scan.files = {cap("tcp/http1.pcap")};
  o.sel.ids = {2, 9};
  o.output = (d / "o.pcap").string();
  PacketExtractStats st;
  ASSERT_TRUE(extract_packets(o, st));
  EXPECT_EQ(st.missing_ids, std::vector<uint32_t>{9});
  EXPECT_EQ(st.packets_written, 3u);
  o.sel.both_directions = true;
  ASSERT_TRUE(extract_packets(o, st));
  EXPECT_EQ(st.missing_ids, std::vector<uint32_t>{9});
  EXPECT_EQ(st.packets_written, 7u);
  o.scan.files = {"-"};
  const Status s = extract_packets(o, st);
  EXPECT_FALSE(s);
  EXPECT_EQ(s.code, Errc::invalid_argument);
}

// ---- streams ----

bool have_tshark() { return std::system("tshark -v >/dev/null 2>&1") == 0; }

std::string run(const std::string& cmd) {
  std::string out;
  std::FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[65536];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  pclose(p);
  return out;
}

std::string unhex(const std::string& h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}

bool is_hex(const std::string& s) {
  return !s.empty() && s.size() % 2 == 0 &&
         std::all_of(s.begin(), s.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; });
}

// tshark's "follow tcp" of each TCP conversation: bytes by "addr port -> addr port".
// tshark numbers conversations 0, 1, ...; there are at most as many as TCP uniflows.
std::map<std::string, std::string> tshark_follow(const std::string& pcap, uint32_t tcp_uniflows) {
  std::map<std::string, std::string> out;
  // One tshark run for all conversations: a -z follow per stream, one block each (a
  // number past the last conversation gives a block without addresses).
  std::string z;
  for (uint32_t s = 0; s < tcp_uniflows; ++s) z += " -z follow,tcp,raw," + std::to_string(s);
  std::istringstream in(run("tshark -n -r '" + pcap + "' -q" + z + " 2>/dev/null"));
  const std::regex node(R"(Node ([01]): \[?([^\]]*)\]?:(\d+)$)");
  std::string n[2], data[2];
  const auto close_block = [&] {
    if (!n[0].empty()) {
      out[n[0] + " -> " + n[1]] += data[0];
      out[n[1] + " -> " + n[0]] += data[1];
    }
    n[0].clear();
    n[1].clear();
    data[0].clear();
    data[1].clear();
  };
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (l.rfind("Follow:", 0) == 0) {
      close_block();
    } else if (std::regex_match(l, m, node)) {
      n[m[1] == "0" ? 0 : 1] = std::string(m[2]) + " " + std::string(m[3]);
    } else if (is_hex(l)) {
      data[0] += unhex(l);
    } else if (l.size() > 1 && l[0] == '\t' && is_hex(l.substr(1))) {
      data[1] += unhex(l.substr(1));
    }
  }
  close_block();
  return out;
}

std::string direction_name(const FlowEntry& e) {
  const FlowKey& k = e.key.flow;
  return addr_text(k.addr_a, k.ip_version) + " " + std::to_string(k.port_a) + " -> " +
         addr_text(k.addr_b, k.ip_version) + " " + std::to_string(k.port_b);
}

TEST(StreamExtract, TcpStreamsEqualTsharkFollowOnRealCaptures) {
  WEIR_REQUIRE_CAPTURES();
  if (!have_tshark()) GTEST_SKIP() << "tshark not installed: the independent reassembler is missing";
  const fs::path d = fresh_dir("follow");
  // Captures without holes in the sequence space (tshark stops at a hole; weir skips it).
  for (const char* file : {"tcp/http1.pcap", "tcp/missing-syn.pcap", "tcp/ctu-64702-888.pcap",
                           "tcp/ssh-dups.pcap", "tcp/tcp-fast-open.pcap",
                           "tcp/weibo.pcap", "tcp/bigtcp-ipv4.pcap",
                           "ipv6/http_ipv6.pcap", "vlan/http-vlan-0.pcap", "mixed/iphone.pcap"}) {
    SCOPED_TRACE(file);
    fs::remove_all(d);
    fs::create_directories(d);
    StreamExtractOptions o;
    o.scan.files = {cap(file)};
    o.scan.five_tuple = true;  // tshark's conversations ignore MACs
    o.tcp = true;
    o.tcp_sel.all = true;
    o.prefix = (d / "s_").string();
    StreamExtractStats st;
    ASSERT_TRUE(extract_streams(o, st));
    EXPECT_EQ(st.tcp.gaps, 0u);
    FlowIndex index;
    tag(cap(file), index, o.scan);
    uint32_t tcp_flows = 0;
    for (const FlowEntry& e : index.flows()) tcp_flows += e.key.flow.proto == 6;
    const auto want = tshark_follow(cap(file), tcp_flows);
    ASSERT_FALSE(want.empty());
    for (uint32_t id = 1; id <= index.size(); ++id) {
      const FlowEntry& e = index.entry(id);
      if (e.key.flow.proto != 6) continue;
      const auto it = want.find(direction_name(e));
      ASSERT_NE(it, want.end()) << direction_name(e);
      EXPECT_EQ(slurp(d / stream_file_name("s_", id, e)), it->second) << direction_name(e);
    }
  }
}

// TCP payload bytes (per the IP length) of every flow, located independently of the
// reassembler.
class PayloadCounter : public ScanVisitor {
 public:
  Status packet(const ScanPacket& p, FlowIndex&) override {
    if (!p.flow_id || p.meta->key.proto != 6) return Status::ok();
    TcpSegment s;
    if (locate_tcp(*p.pv, p.layout, s) == L4Status::ok) bytes += s.payload_len;
    return Status::ok();
  }
  uint64_t bytes = 0;
};

TEST(StreamExtract, EveryPayloadByteIsWrittenOrCountedEvenWithGaps) {
  WEIR_REQUIRE_CAPTURES();
  const fs::path d = fresh_dir("conserve");
  for (const char* file : {"mixed/netflix.pcap", "tcp/retransmit-fast009.pcap", "tcp/ssh-dups.pcap",
                           "mixed/iphone.pcap", "tcp/workshop_2011_browse.pcap"}) {
    SCOPED_TRACE(file);
    StreamExtractOptions o;
    o.scan.files = {cap(file)};
    o.tcp = true;
    o.tcp_sel.all = true;
    o.prefix = (d / "s_").string();
    StreamExtractStats st;
    ASSERT_TRUE(extract_streams(o, st));
    FlowIndex index;
    PayloadCounter pc;
    ScanStats ss;
    ASSERT_TRUE(scan(o.scan, index, &pc, ss));
    // Each payload byte is written, dropped as a duplicate, not captured, or before a
    // mid-stream start: none is lost silently.
    EXPECT_EQ(st.tcp.bytes_written + st.tcp.duplicate_bytes + st.tcp.truncated_bytes + st.tcp.before_start_bytes,
              pc.bytes);
    uint64_t on_disk = 0;
    for (const auto& f : fs::directory_iterator(d)) on_disk += fs::file_size(f);
    EXPECT_EQ(on_disk, st.tcp.bytes_written);
    if (std::string(file) == "mixed/netflix.pcap") {
      EXPECT_GT(st.tcp.gaps, 0u);  // holes that never fill; the rest is still written
      EXPECT_GT(st.tcp.out_of_order_segments, 0u);
    }
    fs::remove_all(d);
    fs::create_directories(d);
  }
}

struct ParsedStream {
  std::vector<StreamHeader> headers;
  std::string payload;
  bool ok = true;
};

ParsedStream parse_headers(const std::string& bytes) {
  ParsedStream p;
  std::size_t pos = 0;
  while (pos < bytes.size()) {
    StreamHeader h;
    if (bytes.size() - pos < kStreamHeaderBytes ||
        !decode_stream_header(reinterpret_cast<const uint8_t*>(bytes.data() + pos), h)) {
      p.ok = false;
      break;
    }
    pos += kStreamHeaderBytes;
    if (bytes.size() - pos < h.length) {
      p.ok = false;
      break;
    }
    p.payload += bytes.substr(pos, h.length);
    pos += h.length;
    p.headers.push_back(h);
  }
  return p;
}

TEST(StreamExtract, HeaderStreamParsesLikeAPacketStream) {
  WEIR_REQUIRE_CAPTURES();
  const fs::path plain = fresh_dir("plain"), framed = fresh_dir("framed");
  for (const char* file : {"tcp/http1.pcap", "tcp/weibo.pcap", "tcp/ctu-64702-888.pcap"}) {
    SCOPED_TRACE(file);
    StreamExtractOptions o;
    o.scan.files = {cap(file)};
    o.tcp = true;
    o.tcp_sel.all = true;
    o.prefix = (plain / "s_").string();
    StreamExtractStats st;
    ASSERT_TRUE(extract_streams(o, st));
    o.tcp_header = true;
    o.prefix = (framed / "s_").string();
    ASSERT_TRUE(extract_streams(o, st));
    FlowIndex index;
    const std::vector<Tagged> all = tag(cap(file), index);
    for (uint32_t id = 1; id <= index.size(); ++id) {
      const FlowEntry& e = index.entry(id);
      if (e.key.flow.proto != 6) continue;
      const std::string name = stream_file_name("s_", id, e);
      const ParsedStream p = parse_headers(slurp(framed / name));
      ASSERT_TRUE(p.ok) << name;
      EXPECT_EQ(p.payload, slurp(plain / name));
      // Every segment without payload (SYN, pure ACK, FIN, RST) gives one header of length 0.
      std::size_t empty_segments = 0, empty_headers = 0;
      for (const Tagged& t : all) {
        if (t.flow_id != id) continue;
        const PacketView v = view_of(t.rec);
        Decoder dec(DecodeConfig{.bidirectional = false});
        PacketMeta m;
        TcpSegment seg;
        if (dec.decode(v, 1, m) == DecodeOutcome::flow && locate_tcp(v, dec.layout(v), seg) == L4Status::ok) {
          empty_segments += seg.payload_len == 0;
        }
      }
      for (const StreamHeader& h : p.headers) empty_headers += h.length == 0;
      EXPECT_EQ(empty_headers, empty_segments);
      uint64_t prev_ts = 0;
      for (const StreamHeader& h : p.headers) {
        EXPECT_EQ(h.stream_id, static_cast<uint16_t>(id));
        EXPECT_GE(h.ts_ns, e.first_ns);
        EXPECT_LE(h.ts_ns, e.last_ns);
        if (h.length && !(h.flags & kStreamFlagReassembled)) {
          EXPECT_GE(h.ts_ns, prev_ts);
        }
        if (h.length) prev_ts = h.ts_ns;
      }
      if (std::string(file) == "tcp/http1.pcap" && id == 1) {
        ASSERT_EQ(p.headers.size(), 4u);
        EXPECT_EQ(p.headers[0].flags, 0x02 | kStreamFlagReset);  // the SYN
        EXPECT_EQ(p.headers[0].seq, 3279048914u);                  // tcpdump: seq 3279048914
        EXPECT_EQ(p.headers[2].length, 5);                         // "GET\r\n"
        EXPECT_EQ(p.headers[2].seq, 3279048915u);
        EXPECT_EQ(p.headers[2].ack, 2656869786u);
        // win 457 with the client's window scale 6 (both SYNs carry wscale 6).
        EXPECT_EQ(p.headers[2].window, 457u << 6);
        EXPECT_EQ(p.headers[0].window, 29200u);  // a SYN's window is never scaled
      }
    }
  }
}

std::string temp_capture(const fs::path& d, const std::vector<test::Frame>& frames) {
  std::vector<test::PcapRecord> recs;
  uint64_t ts = 1'600'000'000'000'000'001ull;
  for (const test::Frame& f : frames) recs.push_back({ts += 1000, f.bytes, 0});
  const std::string path = (d / "in.pcap").string();
  EXPECT_TRUE(test::write_pcap(path, recs));
  return path;
}

TEST(StreamExtract, WindowScaleNeedsBothSynsAndSkipsTheSyn) {
  const fs::path d = fresh_dir("wscale");
  const auto syn = [](const char* s, const char* t, uint16_t sp, uint16_t dp, uint8_t flags, std::vector<uint8_t> opts) {
    return PacketBuilder().eth().ipv4(s, t).tcp(sp, dp, flags).tcp_seq(100).tcp_window(5000).tcp_options(std::move(opts)).build();
  };
  const auto data = [](const char* s, const char* t, uint16_t sp, uint16_t dp) {
    return PacketBuilder().eth().ipv4(s, t).tcp(sp, dp, test::kAck).tcp_seq(101).tcp_window(100).payload(4).build();
  };
  for (bool peer_scales : {true, false}) {
    SCOPED_TRACE(peer_scales);
    const std::string in = temp_capture(d, {
        syn("10.0.0.1", "10.0.0.2", 1000, 80, test::kSyn, {3, 3, 7}),
        syn("10.0.0.2", "10.0.0.1", 80, 1000, test::kSyn | test::kAck,
            peer_scales ? std::vector<uint8_t>{3, 3, 2} : std::vector<uint8_t>{1, 1, 1, 1}),
        data("10.0.0.1", "10.0.0.2", 1000, 80),
        data("10.0.0.2", "10.0.0.1", 80, 1000),
    });
    StreamExtractOptions o;
    o.scan.files = {in};
    o.tcp = true;
    o.tcp_sel.all = true;
    o.tcp_header = true;
    o.prefix = (d / "s_").string();
    StreamExtractStats st;
    ASSERT_TRUE(extract_streams(o, st));
    FlowIndex index;
    tag(in, index);
    const ParsedStream a = parse_headers(slurp(d / stream_file_name("s_", 1, index.entry(1))));
    const ParsedStream b = parse_headers(slurp(d / stream_file_name("s_", 2, index.entry(2))));
    ASSERT_EQ(a.headers.size(), 2u);
    ASSERT_EQ(b.headers.size(), 2u);
    EXPECT_EQ(a.headers[0].window, 5000u);
    EXPECT_EQ(b.headers[0].window, 5000u);
    EXPECT_EQ(a.headers[1].window, peer_scales ? 100u << 7 : 100u);
    EXPECT_EQ(b.headers[1].window, peer_scales ? 100u << 2 : 100u);  // b's own shift is 2
  }
}

TEST(StreamExtract, UdpPayloadsWithHeadersAndDirections) {
  WEIR_REQUIRE_CAPTURES();
  const fs::path d = fresh_dir("udp");
  const std::string file = cap("udp/snmpwalk-short.pcap");
  FlowIndex index;
  const std::vector<Tagged> all = tag(file, index);
  uint32_t udp_flow = 0;
  for (uint32_t id = 1; id <= index.size(); ++id) {
    if (index.entry(id).key.flow.proto == 17) {
      udp_flow = id;
      break;
    }
  }
  ASSERT_NE(udp_flow, 0u);
  StreamExtractOptions o;
  o.scan.files = {file};
  o.udp = true;
  o.udp_sel.ids = {udp_flow};
  o.udp_sel.both_directions = true;
  o.udp_header = true;
  o.prefix = (d / "u_").string();
  StreamExtractStats st;
  ASSERT_TRUE(extract_streams(o, st));
  const uint32_t rev = reverse_id(index, udp_flow);
  ASSERT_NE(rev, 0u);
  EXPECT_EQ(st.udp_streams, 2u);
  for (uint32_t id : {udp_flow, rev}) {
    const ParsedStream p = parse_headers(slurp(d / stream_file_name("u_", id, index.entry(id))));
    ASSERT_TRUE(p.ok);
    std::string want;
    std::size_t n = 0;
    for (const Tagged& t : all) {
      if (t.flow_id != id) continue;
      const PacketView v = view_of(t.rec);
      Decoder dec(DecodeConfig{.bidirectional = false});
      PacketMeta m;
      ASSERT_EQ(dec.decode(v, 1, m), DecodeOutcome::flow);
      UdpDatagram u;
      ASSERT_EQ(locate_udp(v, dec.layout(v), u), L4Status::ok);
      want.append(reinterpret_cast<const char*>(u.payload), u.payload_cap);
      ASSERT_LT(n, p.headers.size());
      EXPECT_EQ(p.headers[n].length, u.payload_cap);
      EXPECT_EQ(p.headers[n].ts_ns, t.rec.ts_ns);
      EXPECT_EQ(p.headers[n].seq, 0u);
      EXPECT_EQ(p.headers[n].window, 0u);
      ++n;
    }
    EXPECT_EQ(p.headers.size(), n);
    EXPECT_EQ(p.payload, want);
    EXPECT_EQ(n, index.entry(id).packets);
  }
}

TEST(StreamExtract, FewDescriptorsGiveTheSameFilesAndFilesAreFresh) {
  WEIR_REQUIRE_CAPTURES();
  const fs::path a = fresh_dir("fd_default"), b = fresh_dir("fd_two");
  StreamExtractOptions o;
  o.scan.files = {cap("tcp/weibo.pcap")};
  o.tcp = o.udp = true;
  o.tcp_sel.all = o.udp_sel.all = true;
  o.tcp_header = true;
  o.prefix = (a / "s_").string();
  StreamExtractStats st;
  ASSERT_TRUE(extract_streams(o, st));
  ASSERT_TRUE(extract_streams(o, st));  // again over the same files: fresh, not appended
  o.prefix = (b / "s_").string();
  o.files.max_open = 2;
  o.files.buffer_bytes = 64;
  StreamExtractStats st2;
  ASSERT_TRUE(extract_streams(o, st2));
  EXPECT_GT(st2.files.reopened, 0u);
  EXPECT_LE(st2.files.peak_open, 2u);
  std::size_t n = 0;
  for (const auto& f : fs::directory_iterator(a)) {
    EXPECT_EQ(slurp(f.path()), slurp(b / f.path().filename())) << f.path();
    ++n;
  }
  EXPECT_EQ(n, st.tcp_streams + st.udp_streams);
  EXPECT_EQ(st.files.bytes, st2.files.bytes);
}

// ---- the subcommands through the binary ----

struct RunResult {
  int code = -1;
  std::string out, err;
};

RunResult weir(const std::string& args, const fs::path& tmp, const std::string& stdin_file = "") {
  const char* bin = std::getenv("WEIR_BIN");
  std::string cmd = std::string("'") + bin + "' " + args + " >'" + (tmp / "out.txt").string() + "' 2>'" +
                    (tmp / "err.txt").string() + "'";
  if (!stdin_file.empty()) cmd += " <'" + stdin_file + "'";
  const int st = std::system(cmd.c_str());
  RunResult r;
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  r.out = slurp(tmp / "out.txt");
  r.err = slurp(tmp / "err.txt");
  return r;
}

class Subcommands : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::getenv("WEIR_BIN")) GTEST_SKIP() << "WEIR_BIN not set (meson test sets it)";
    if (!test::have_captures()) GTEST_SKIP() << "real captures not found at " << test::captures_dir();
    tmp_ = fresh_dir("cli");
    http1_ = "'" + cap("tcp/http1.pcap") + "'";
  }
  fs::path tmp_;
  std::string http1_;
};

TEST_F(Subcommands, FlowsListsFromAFileAndFromStandardInput) {
  const RunResult a = weir("flows -r " + http1_ + " --csv", tmp_);
  ASSERT_EQ(a.code, 0) << a.err;
  const RunResult b = weir("flows -r - --csv", tmp_, cap("tcp/http1.pcap"));
  ASSERT_EQ(b.code, 0) << b.err;
  EXPECT_EQ(a.out, b.out);
  EXPECT_NE(a.out.find(",2,TCP,08:00:27:c8:db:91,08:00:27:2a:d6:dd,10.1.0.2,10.1.0.1,80,43297,3,302,"),
            std::string::npos) << a.out;
  EXPECT_NE(a.err.find("7 packets"), std::string::npos) << a.err;
}

TEST_F(Subcommands, EveryFlowsOptionInHelpIsAccepted) {
  const RunResult h = weir("flows --help", tmp_);
  ASSERT_EQ(h.code, 0);
  std::istringstream in(h.out);
  int checked = 0;
  for (std::string line; std::getline(in, line);) {
    const auto p = line.find_first_not_of(' ');
    if (p == std::string::npos || line[p] != '-' || p > 4) continue;
    std::istringstream ls(line.substr(p));
    for (std::string tok; ls >> tok && tok[0] == '-';) {
      if (tok.back() == ',') tok.pop_back();
      if (tok == "-r" || tok == "-h" || tok == "--help") continue;
      bool ok = false;
      const std::string listing = (tmp_ / "listing.txt").string();
      for (const std::string& v : {std::string(), std::string("2"), listing}) {
        const RunResult r = weir("flows -r " + http1_ + " " + tok + " '" + v + "'", tmp_);
        const RunResult r2 = weir("flows -r " + http1_ + " " + tok, tmp_);
        if (r.code == 0 || r2.code == 0) {
          ok = true;
          break;
        }
      }
      EXPECT_TRUE(ok) << tok;
      ++checked;
    }
  }
  EXPECT_GE(checked, 10);
}

TEST_F(Subcommands, ExtractOptionsWork) {
  const std::string o = "'" + (tmp_ / "x").string() + "'";
  for (const std::string& args : {
           "--flow 1 -o " + o, "--extract 1,2 -d b -o " + o + " --format pcap-us", "-o " + o + " tcp port 80",
           "--port 80 -o " + o, "--extract-port 80 80 -o " + o, "--flow 1 -o " + o + " --format pcap --packet-max 3",
           "--tcp-stream all -o " + o + " --tcpheader --stream-buffer 1M --stream-buffer-total 8M --max-open-files 4",
           "--tcp-stream 1 -d b --port 80-80 -o " + o, "--extract-tcp 2 -o " + o, "--extract-tcp-all -o " + o,
           "--extract-tcp-port 80 80 -o " + o, "--udp-stream all -o " + o + " --udpheader",
           "--extract-udp-all -o " + o, "--extract-udp-port 53 53 -o " + o,
           "--tcp-stream all --vlan --flow-5tuple -q --no-progress -o " + o}) {
    const RunResult r = weir("extract -r " + http1_ + " " + args, tmp_);
    EXPECT_EQ(r.code, 0) << args << ": " << r.err;
  }
  const RunResult h = weir("extract --help", tmp_);
  EXPECT_EQ(h.code, 0);
  for (const char* opt : {"--flow", "--tcp-stream", "--udp-stream", "--port", "--tcpheader", "--udpheader",
                          "--format", "--stream-buffer", "--max-open-files", "-d u|b"}) {
    EXPECT_NE(h.out.find(opt), std::string::npos) << opt;
  }
}

TEST_F(Subcommands, ExitCodesFollowTheTable) {
  const std::string o = "'" + (tmp_ / "x").string() + "'";
  EXPECT_EQ(weir("flows", tmp_).code, 2);
  EXPECT_EQ(weir("flows -r " + http1_ + " --bogus", tmp_).code, 2);
  EXPECT_EQ(weir("flows -r " + http1_ + " --min-packets x", tmp_).code, 2);
  EXPECT_EQ(weir("flows -r " + http1_ + " 'not a filter ('", tmp_).code, 2);
  EXPECT_EQ(weir("flows -r /nonexistent.pcap", tmp_).code, 3);
  EXPECT_EQ(weir("extract -r " + http1_ + " -o " + o, tmp_).code, 2);  // nothing chosen
  EXPECT_EQ(weir("extract -r " + http1_ + " --flow 1", tmp_).code, 2);  // no -o
  EXPECT_EQ(weir("extract -r " + http1_ + " --flow 1 --tcp-stream 1 -o " + o, tmp_).code, 2);
  EXPECT_EQ(weir("extract -r " + http1_ + " --flow 0 -o " + o, tmp_).code, 2);
  EXPECT_EQ(weir("extract -r " + http1_ + " -d x --flow 1 -o " + o, tmp_).code, 2);
  const RunResult missing = weir("extract -r " + http1_ + " --flow 99 -o " + o, tmp_);
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("FlowID 99 does not exist (the input has 2 flows)"), std::string::npos) << missing.err;
  const RunResult udp = weir("extract -r " + http1_ + " --udp-stream 1 -o " + o, tmp_);
  EXPECT_EQ(udp.code, 2);
  EXPECT_NE(udp.err.find("FlowID 1 is not a flow of the stream's protocol"), std::string::npos) << udp.err;
  EXPECT_EQ(weir("extract -r - --flow 1 -d b -o " + o, tmp_, cap("tcp/http1.pcap")).code, 2);
  EXPECT_EQ(weir("extract -r - --flow 1 -o " + o, tmp_, cap("tcp/http1.pcap")).code, 0);
  EXPECT_EQ(weir("extract -r " + http1_ + " --flow 1 -o /nonexistent/dir/x.pcap", tmp_).code, 5);
  EXPECT_EQ(weir("extract -r " + http1_ + " --tcp-stream all -o /nonexistent/dir/s_", tmp_).code, 5);
  // A capture that turns bad midway: what came before is listed, exit 4.
  const RunResult bad = weir("flows --csv -r '" + cap("malformed/tls_DER-incomplete-header.pcap") + "'", tmp_);
  EXPECT_EQ(bad.code, 4);
  EXPECT_NE(bad.err.find("byte 5035"), std::string::npos) << bad.err;
  EXPECT_NE(bad.out.find("\n1,"), std::string::npos) << bad.out;
  const RunResult badx = weir("extract --tcp-stream all -o " + o + " -r '" +
                              cap("malformed/tls_DER-incomplete-header.pcap") + "'", tmp_);
  EXPECT_EQ(badx.code, 4);
}

}  // namespace
}  // namespace weir::extract
