// SPDX-License-Identifier: Apache-2.0
// PcapWriter (capture/pcap_file/pcap_writer.hpp): files read back through the capture-
// file reader and, when tshark is on PATH, through Wireshark's reader; in-place records,
// buffers smaller than a record, the writer thread, standard output, write errors.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "capture/file_source_support.hpp"
#include "capture/pcap_file/file_source.hpp"
#include "capture/pcap_file/pcap_writer.hpp"

namespace weir {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

struct Rec {
  uint64_t ts_ns = 0;
  std::vector<uint8_t> data;
  uint32_t wire_len = 0;
  uint32_t linktype = 1;
  uint32_t interface = 0;
  bool operator==(const Rec&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Rec& r) {
  return os << "{ts " << r.ts_ns << " cap " << r.data.size() << " wire " << r.wire_len << " lt " << r.linktype
            << " if " << r.interface << "}";
}

std::vector<uint8_t> bytes(size_t n, uint8_t seed) {
  std::vector<uint8_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed * 31 + i * 7);
  return v;
}

// Every packet of path, through open_file_source. Fails the test on a read error.
std::vector<Rec> read_back(const std::string& path) {
  std::vector<Rec> out;
  std::unique_ptr<PacketSource> src;
  const Status s = open_file_source({{path}}, src);
  EXPECT_TRUE(s) << s.message;
  if (!s) return out;
  std::vector<PacketView> views(64);
  for (;;) {
    const RxResult r = src->rx_burst(views);
    for (uint32_t i = 0; i < r.n; ++i) {
      const PacketView& v = views[i];
      out.push_back({v.ts_ns, std::vector<uint8_t>(v.data, v.data + v.cap_len), v.wire_len, v.linktype,
                     v.interface_id});
    }
    if (r.status == RxStatus::error) ADD_FAILURE() << src->error().message;
    if (r.status != RxStatus::ok) break;
  }
  return out;
}

// Records of every size class: empty, a few bytes, a full frame, cut frames (cap < wire),
// odd lengths (pcapng padding), one larger than the small test buffers.
std::vector<Rec> varied(uint32_t linktype) {
  std::vector<Rec> v;
  const uint64_t t0 = 1'700'000'000'123'456'789ull;
  const size_t sizes[] = {0, 1, 2, 3, 5, 60, 64, 1514, 97, 9000, 70'000, 61};
  uint32_t i = 0;
  for (size_t n : sizes) {
    const uint32_t cap = static_cast<uint32_t>(n);
    const uint32_t wire = i % 3 == 1 ? cap + 100 : cap;  // every third record is cut
    v.push_back({t0 + uint64_t{i} * 1'000'003'007ull, bytes(n, static_cast<uint8_t>(i)), wire, linktype, 0});
    ++i;
  }
  return v;
}

Status write_all(const std::string& path, const PcapWriterConfig& cfg, const std::vector<Rec>& recs,
                 bool in_place) {
  PcapWriter w;
  if (Status s = w.open(path, cfg); !s) return s;
  for (const Rec& r : recs) {
    const uint32_t cap = static_cast<uint32_t>(r.data.size());
    if (in_place) {
      uint8_t* p = w.reserve(r.ts_ns, cap, r.wire_len, r.interface);
      EXPECT_NE(p, nullptr);
      if (p != nullptr && cap != 0) std::memcpy(p, r.data.data(), cap);
    } else {
      EXPECT_TRUE(w.write(r.ts_ns, r.data.data(), cap, r.wire_len, r.interface));
    }
  }
  return w.close();
}

TEST(PcapWriter, ClassicPcapRoundTripsInMicroAndNanoseconds) {
  TempDir dir;
  const std::vector<Rec> recs = varied(113);
  for (const PcapFormat fmt : {PcapFormat::pcap_us, PcapFormat::pcap_ns}) {
    for (const size_t buffer : {size_t{4096}, size_t{1} << 20}) {
      for (const bool thread : {false, true}) {
        for (const bool in_place : {false, true}) {
          SCOPED_TRACE(std::to_string(int(fmt)) + "/" + std::to_string(buffer) + "/" +
                       std::to_string(thread) + "/" + std::to_string(in_place));
          const std::string path = dir.file("c.pcap");
          PcapWriterConfig cfg{.format = fmt,
                               .linktype = 113,
                               .snaplen = 65535,
                               .writer_thread = thread,
                               .buffer_bytes = buffer};
          const Status s = write_all(path, cfg, recs, in_place);
          ASSERT_TRUE(s) << s.message;
          std::vector<Rec> want = recs;
          for (Rec& r : want) {
            if (fmt == PcapFormat::pcap_us) r.ts_ns = r.ts_ns / 1000 * 1000;  // µs: truncated
          }
          EXPECT_EQ(read_back(path), want);
          size_t data = 0;
          for (const Rec& r : recs) data += 16 + r.data.size();
          EXPECT_EQ(fs::file_size(path), 24 + data);
        }
      }
    }
  }
}

TEST(PcapWriter, StoredTimestampIsWhatTheReaderSees) {
  PcapWriter us, ns;
  TempDir dir;
  ASSERT_TRUE(us.open(dir.file("u.pcap"), {.format = PcapFormat::pcap_us}));
  ASSERT_TRUE(ns.open(dir.file("n.pcapng"), {.format = PcapFormat::pcapng}));
  EXPECT_EQ(us.stored_ts(1'234'567'899ull), 1'234'567'000ull);
  EXPECT_EQ(ns.stored_ts(1'234'567'899ull), 1'234'567'899ull);
}

// Two link types in one pcapng section: the second IDB follows packets of the first.
std::vector<Rec> two_linktypes(PcapWriter& w) {
  std::vector<Rec> recs = varied(1);
  uint32_t sll = 99, eth = 99;
  EXPECT_TRUE(w.interface_of(1, eth));
  EXPECT_EQ(eth, 0u);
  for (size_t i = 0; i < recs.size(); ++i) {
    if (i == 4) {
      EXPECT_TRUE(w.interface_of(113, sll));
      EXPECT_EQ(sll, 1u);
    }
    if (i >= 4 && i % 2 == 0) {
      recs[i].interface = sll;
      recs[i].linktype = 113;
    }
    const Rec& r = recs[i];
    EXPECT_TRUE(
        w.write(r.ts_ns, r.data.data(), static_cast<uint32_t>(r.data.size()), r.wire_len, r.interface));
  }
  uint32_t again = 99;
  EXPECT_TRUE(w.interface_of(113, again));
  EXPECT_EQ(again, 1u);
  return recs;
}

TEST(PcapWriter, PcapngWithTwoLinkTypesRoundTripsInNanoseconds) {
  TempDir dir;
  for (const bool thread : {false, true}) {
    const std::string path = dir.file("two.pcapng");
    PcapWriter w;
    ASSERT_TRUE(w.open(path, {.format = PcapFormat::pcapng, .writer_thread = thread, .buffer_bytes = 4096}));
    const std::vector<Rec> recs = two_linktypes(w);
    ASSERT_TRUE(w.close());
    EXPECT_EQ(read_back(path), recs);
  }
}

// Wireshark's own reader (an independent implementation) sees the same packets.
TEST(PcapWriter, TsharkReadsPcapAndPcapng) {
  if (std::system("command -v tshark > /dev/null 2>&1") != 0) GTEST_SKIP() << "tshark not on PATH";
  TempDir dir;
  auto tshark = [&](const std::string& path) {
    const std::string out = dir.file("tshark.txt");
    const std::string cmd =
        "tshark -n -r '" + path +
        "' -T fields -e frame.interface_id -e frame.cap_len -e frame.len -e frame.time_epoch"
        " > '" +
        out + "' 2>/dev/null";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
    std::ifstream f(out);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
  };
  auto expect = [](const std::vector<Rec>& recs, bool pcapng) {
    std::string s;
    for (const Rec& r : recs) {
      char line[128];
      std::snprintf(line, sizeof line, "%s%zu\t%u\t%llu.%09llu\n",
                    pcapng ? (std::to_string(r.interface) + "\t").c_str() : "\t", r.data.size(), r.wire_len,
                    static_cast<unsigned long long>(r.ts_ns / 1'000'000'000),
                    static_cast<unsigned long long>(r.ts_ns % 1'000'000'000));
      s += line;
    }
    return s;
  };
  const std::string ng = dir.file("two.pcapng");
  PcapWriter w;
  ASSERT_TRUE(w.open(ng, {.format = PcapFormat::pcapng}));
  const std::vector<Rec> recs = two_linktypes(w);
  ASSERT_TRUE(w.close());
  EXPECT_EQ(tshark(ng), expect(recs, true));
  const std::string ns = dir.file("ns.pcap");
  const std::vector<Rec> classic = varied(1);
  ASSERT_TRUE(write_all(ns, {.format = PcapFormat::pcap_ns}, classic, true));
  const std::string t = tshark(ns);
  // tshark leaves frame.interface_id empty for classic pcap, or says 0.
  EXPECT_TRUE(t == expect(classic, false) || t == expect(classic, true)) << t;
}

TEST(PcapWriter, FilesAreCreatedAfresh) {
  TempDir dir;
  const std::string path = dir.file("f.pcap");
  ASSERT_TRUE(write_all(path, {}, varied(1), false));
  const std::vector<Rec> one = {{5, bytes(10, 1), 10, 1, 0}};
  ASSERT_TRUE(write_all(path, {}, one, false));
  EXPECT_EQ(fs::file_size(path), 24u + 16u + 10u);
  EXPECT_EQ(read_back(path), one);
}

TEST(PcapWriter, LargeRecordsGrowTheBufferUpToTheReadersLimit) {
  TempDir dir;
  const std::string path = dir.file("big.pcap");
  const std::vector<Rec> recs = {
      {1, bytes(100, 1), 100, 1, 0}, {2, bytes(3u << 20, 2), 3u << 20, 1, 0}, {3, bytes(50, 3), 50, 1, 0}};
  for (const bool thread : {false, true}) {
    ASSERT_TRUE(
        write_all(path, {.snaplen = 8u << 20, .writer_thread = thread, .buffer_bytes = 4096}, recs, true));
    EXPECT_EQ(read_back(path), recs);
  }
  // Over the limit the reader would apply (max(snaplen, 262144)): refused, clearly.
  PcapWriter w;
  ASSERT_TRUE(w.open(path, {.snaplen = 1000}));
  EXPECT_NE(w.reserve(1, 262144, 262144), nullptr);
  EXPECT_FALSE(w.failed());
  EXPECT_EQ(w.reserve(1, 262145, 262145), nullptr);
  EXPECT_TRUE(w.failed());
  const Status s = w.close();
  EXPECT_EQ(s.code, Errc::invalid_argument);
  EXPECT_EQ(s.origin, Origin::output);
  EXPECT_NE(s.message.find("big.pcap: a record of 262145 captured bytes is more than the 262144"),
            std::string::npos)
      << s.message;
}

TEST(PcapWriter, InterfacesAreCheckedPerFormat) {
  TempDir dir;
  PcapWriter w;
  ASSERT_TRUE(w.open(dir.file("c.pcap"), {.format = PcapFormat::pcap_us, .linktype = 101}));
  uint32_t id = 9;
  EXPECT_TRUE(w.interface_of(101, id));
  EXPECT_EQ(id, 0u);
  const Status other = w.interface_of(1, id);
  EXPECT_EQ(other.code, Errc::unsupported);
  EXPECT_NE(
      other.message.find("c.pcap: a classic pcap file holds one link type (101); link type 1 needs pcapng"),
      std::string::npos)
      << other.message;
  EXPECT_EQ(w.reserve(1, 10, 10, 1), nullptr);  // no interface 1
  const Status s = w.close();
  EXPECT_EQ(s.code, Errc::invalid_argument);
  EXPECT_NE(s.message.find("a record for interface 1, but the file has 1"), std::string::npos) << s.message;

  PcapWriter ng;
  ASSERT_TRUE(ng.open(dir.file("n.pcapng"), {.format = PcapFormat::pcapng}));
  EXPECT_EQ(ng.interface_of(70000, id).code, Errc::invalid_argument);  // 16-bit field
  EXPECT_TRUE(ng.close());
  EXPECT_EQ(ng.open(dir.file("n.pcapng"), {.format = PcapFormat::pcapng, .linktype = 70000}).code,
            Errc::invalid_argument);
}

TEST(PcapWriter, OpenErrorsNameThePath) {
  TempDir dir;
  PcapWriter w;
  const std::string path = dir.file("no/such/dir/x.pcap");
  const Status s = w.open(path, {});
  EXPECT_EQ(s.code, Errc::io_error);
  EXPECT_EQ(s.origin, Origin::output);
  EXPECT_EQ(s.message, "cannot create " + path + ": No such file or directory");
  EXPECT_EQ(w.reserve(1, 10, 10), nullptr);  // not open: refused, no crash
  EXPECT_EQ(w.close().code, Errc::invalid_argument);
}

TEST(PcapWriter, WriteErrorsAreReportedByClose) {
  if (::access("/dev/full", W_OK) != 0) GTEST_SKIP() << "/dev/full not writable";
  for (const bool thread : {false, true}) {
    SCOPED_TRACE(thread);
    PcapWriter w;
    ASSERT_TRUE(w.open("/dev/full", {.writer_thread = thread, .buffer_bytes = 4096}));
    const std::vector<uint8_t> frame = bytes(1000, 1);
    // Keeps accepting records (they are discarded) until the producer notices.
    for (int i = 0; i < 100; ++i) EXPECT_TRUE(w.write(uint64_t(i), frame.data(), 1000, 1000));
    const Status s = w.close();
    EXPECT_TRUE(w.failed());
    EXPECT_EQ(s.code, Errc::io_error);
    EXPECT_EQ(s.origin, Origin::output);
    EXPECT_EQ(s.message, "cannot write /dev/full: No space left on device");
  }
  // An error that only shows at close: the header alone is buffered.
  PcapWriter w;
  ASSERT_TRUE(w.open("/dev/full", {}));
  EXPECT_FALSE(w.failed());
  EXPECT_EQ(w.close().message, "cannot write /dev/full: No space left on device");
}

TEST(PcapWriter, DashIsStandardOutputAndStaysOpen) {
  TempDir dir;
  const std::string path = dir.file("stdout.pcapng");
  std::fflush(stdout);
  const int saved = ::dup(STDOUT_FILENO);
  ASSERT_GE(saved, 0);
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::dup2(fd, STDOUT_FILENO), STDOUT_FILENO);
  ::close(fd);
  const std::vector<Rec> recs = varied(1);
  const Status s = write_all("-", {.format = PcapFormat::pcapng, .writer_thread = true}, recs, true);
  const bool still_open = ::fcntl(STDOUT_FILENO, F_GETFD) != -1;
  ::dup2(saved, STDOUT_FILENO);
  ::close(saved);
  ASSERT_TRUE(s) << s.message;
  EXPECT_TRUE(still_open);
  EXPECT_EQ(read_back(path), recs);
}

}  // namespace
}  // namespace weir
