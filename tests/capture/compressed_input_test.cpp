// SPDX-License-Identifier: Apache-2.0
// Compressed captures (gzip, zstd) read directly by the capture-file source: real
// captures compressed here give the same packets as the plain file through every path
// (read, mmap request, FIFO, standard input, tiny buffers); multi-member gzip and
// multi-frame zstd; corrupt, truncated and trailing data give a clear "malformed" error
// after the packets that decompressed cleanly, never a crash; offsets in errors count
// decompressed bytes.
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "capture/file_source_support.hpp"
#include "capture/pcap_file/file_source.hpp"
#include "support/captures.hpp"
#include "support/pcap_writer.hpp"

namespace weir {
namespace {

namespace fs = std::filesystem;
using test::Pkt;
using test::read_mapped;
using test::read_path;
using test::read_via_fifo;
using test::ReadOut;
using test::slurp;
using test::TempDir;

std::string gzip(const std::string& in, int level = 6) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, in.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::string zstd(const std::string& in, bool checksum = false) {
  ZSTD_CCtx* c = ZSTD_createCCtx();
  ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
  ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum ? 1 : 0);
  std::string out(ZSTD_compressBound(in.size()), '\0');
  const size_t n = ZSTD_compress2(c, out.data(), out.size(), in.data(), in.size());
  EXPECT_FALSE(ZSTD_isError(n));
  out.resize(ZSTD_isError(n) ? 0 : n);
  ZSTD_freeCCtx(c);
  return out;
}

std::string cap(const std::string& rel) { return (fs::path(test::captures_dir()) / rel).string(); }

// A synthetic capture with records of many sizes (crossing every buffer edge).
std::string synthetic_pcap(const TempDir& dir, int n = 1000) {
  std::vector<test::PcapRecord> recs;
  uint32_t x = 7;
  for (int i = 0; i < n; ++i) {
    x = x * 1103515245u + 12345u;
    std::vector<uint8_t> data((x >> 8) % 3000);
    for (size_t k = 0; k < data.size(); ++k) data[k] = static_cast<uint8_t>(i + k * 13);
    recs.push_back({1'700'000'000'000'000'000ull + uint64_t(i) * 1'000'017, data, 0});
  }
  const std::string path = dir.file("synthetic.pcap");
  EXPECT_TRUE(test::write_pcap(path, recs));
  return slurp(path);
}

void expect_same(const ReadOut& got, const ReadOut& want) {
  ASSERT_TRUE(got.open) << got.open.message;
  EXPECT_EQ(got.last, want.last) << got.err.message;
  ASSERT_EQ(got.pkts.size(), want.pkts.size());
  for (size_t i = 0; i < want.pkts.size(); ++i) ASSERT_EQ(got.pkts[i], want.pkts[i]) << "packet " << i;
  EXPECT_EQ(got.stats.non_packet_blocks, want.stats.non_packet_blocks);
}

// Every capture of the corpus that reads cleanly, compressed both ways: same packets as
// the plain file through read(), a 1-byte buffer, an mmap request and a FIFO; progress
// counts compressed bytes.
TEST(CompressedInput, RealCapturesGiveTheSamePacketsAsThePlainFile) {
  WEIR_REQUIRE_CAPTURES();
  TempDir dir;
  int files = 0;
  for (const auto& e : fs::recursive_directory_iterator(test::captures_dir())) {
    const std::string path = e.path().string();
    if (!e.is_regular_file() || path.find(".pcap") == std::string::npos) continue;
    const ReadOut plain = read_path(path);
    if (!plain.open || plain.last != RxStatus::end_of_file) continue;  // malformed/: below
    SCOPED_TRACE(path);
    ++files;
    const std::string content = slurp(path);
    for (const bool gz : {true, false}) {
      SCOPED_TRACE(gz ? "gzip" : "zstd");
      const std::string packed = gz ? gzip(content) : zstd(content);
      const std::string z = dir.file(gz ? "c.gz" : "c.zst");
      std::ofstream(z, std::ios::binary).write(packed.data(), static_cast<std::streamsize>(packed.size()));
      const ReadOut a = read_path(z);
      expect_same(a, plain);
      EXPECT_EQ(a.bytes_total, packed.size());
      EXPECT_EQ(a.bytes_read, packed.size());
      expect_same(read_path(z, 1, 7), plain);
      expect_same(read_mapped(z), plain);  // mmap makes no sense here: read() it is
      expect_same(read_via_fifo(dir, packed, 13), plain);
    }
  }
  EXPECT_GT(files, 70);
}

TEST(CompressedInput, DescribeSaysCompressed) {
  TempDir dir;
  const std::string plain = synthetic_pcap(dir, 10);
  const std::string z = dir.file("x.bin");
  std::ofstream(z, std::ios::binary) << zstd(plain);
  std::unique_ptr<PacketSource> src;
  ASSERT_TRUE(open_file_source({{z}}, src));
  EXPECT_NE(src->describe().find("zstd"), std::string::npos) << src->describe();
}

// pigz and bgzip write several gzip members; zstd may write several frames.
TEST(CompressedInput, SeveralMembersAndFramesAreOneStream) {
  TempDir dir;
  const std::string plain = synthetic_pcap(dir);
  const ReadOut want = read_path(dir.file("synthetic.pcap"));
  ASSERT_EQ(want.pkts.size(), 1000u);
  const size_t cut = plain.size() / 3 + 5;  // mid-record: members split anywhere
  for (const bool gz : {true, false}) {
    const std::string packed = gz ? gzip(plain.substr(0, cut)) + gzip(plain.substr(cut), 1)
                                  : zstd(plain.substr(0, cut)) + zstd(plain.substr(cut), true);
    const std::string z = dir.file("multi");
    std::ofstream(z, std::ios::binary).write(packed.data(), static_cast<std::streamsize>(packed.size()));
    expect_same(read_path(z), want);
    expect_same(read_path(z, 100, 3), want);
  }
}

TEST(CompressedInput, StandardInput) {
  TempDir dir;
  const std::string plain = synthetic_pcap(dir);
  const ReadOut want = read_path(dir.file("synthetic.pcap"));
  const std::string packed = zstd(plain);
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const int saved = ::dup(STDIN_FILENO);
  ASSERT_GE(saved, 0);
  ASSERT_EQ(::dup2(fds[0], STDIN_FILENO), STDIN_FILENO);
  ::close(fds[0]);
  std::signal(SIGPIPE, SIG_IGN);
  std::thread writer([&] {
    size_t off = 0;
    while (off < packed.size()) {
      const ssize_t w = ::write(fds[1], packed.data() + off, std::min<size_t>(packed.size() - off, 1000));
      if (w <= 0) break;
      off += static_cast<size_t>(w);
    }
    ::close(fds[1]);
  });
  FileSourceConfig cfg;
  cfg.paths = {"-"};
  const ReadOut r = test::read_all(cfg);
  writer.join();
  ::dup2(saved, STDIN_FILENO);
  ::close(saved);
  expect_same(r, want);
  EXPECT_EQ(r.bytes_total, 0u);
  EXPECT_EQ(r.bytes_read, packed.size());
}

// A bad checksum at the end: the packets before it, then a malformed error that names
// the file, the decompressed offset and what is wrong. gzip checks its CRC after the
// last byte is out (every packet); zstd holds back its last block until it checked.
TEST(CompressedInput, BadChecksumAtTheEndIsMalformed) {
  TempDir dir;
  const std::string plain = synthetic_pcap(dir);
  const ReadOut want = read_path(dir.file("synthetic.pcap"));
  for (const bool gz : {true, false}) {
    SCOPED_TRACE(gz ? "gzip" : "zstd");
    std::string packed = gz ? gzip(plain) : zstd(plain, true);
    packed[packed.size() - (gz ? 8 : 4)] ^= 0x5a;  // gzip: CRC32 then size; zstd: XXH64 low bits
    const std::string z = dir.file(gz ? "crc.pcap.gz" : "crc.pcap.zst");
    std::ofstream(z, std::ios::binary).write(packed.data(), static_cast<std::streamsize>(packed.size()));
    for (const uint64_t bytes : {uint64_t{0}, uint64_t{1}}) {
      const ReadOut r = read_path(z, bytes);
      ASSERT_TRUE(r.open) << r.open.message;
      if (gz) {
        EXPECT_EQ(r.pkts, want.pkts);
      } else {
        EXPECT_GT(r.pkts.size(), want.pkts.size() / 2);
        ASSERT_LT(r.pkts.size(), want.pkts.size());
        for (size_t i = 0; i < r.pkts.size(); ++i) ASSERT_EQ(r.pkts[i], want.pkts[i]);
      }
      EXPECT_EQ(r.last, RxStatus::error);
      EXPECT_EQ(r.err.code, Errc::malformed);
      uint64_t delivered = 24;
      for (const Pkt& p : r.pkts) delivered += 16 + p.cap_len;
      EXPECT_EQ(r.err.message, z + ": decompressed byte " + std::to_string(delivered) + ": " +
                                   (gz ? "corrupt gzip data (incorrect data check)"
                                       : "corrupt zstd data (Restored data doesn't match checksum)"));
    }
  }
}

// Cut anywhere: the packets that decompressed whole, then "truncated ... data" (or an
// open error when not even the file header came out); never a crash.
TEST(CompressedInput, TruncatedCompressedDataIsMalformed) {
  TempDir dir;
  const std::string plain = synthetic_pcap(dir, 200);
  const ReadOut want = read_path(dir.file("synthetic.pcap"));
  for (const bool gz : {true, false}) {
    const std::string packed = gz ? gzip(plain) : zstd(plain);
    const std::string z = dir.file("cut");
    for (size_t cut = 4; cut < packed.size(); cut += std::max<size_t>(1, packed.size() / 41)) {
      SCOPED_TRACE(std::string(gz ? "gzip" : "zstd") + " cut at " + std::to_string(cut));
      std::ofstream(z, std::ios::binary | std::ios::trunc).write(packed.data(), static_cast<std::streamsize>(cut));
      for (int mode = 0; mode < 2; ++mode) {
        const ReadOut r = mode == 0 ? read_path(z) : read_via_fifo(dir, packed.substr(0, cut), 5);
        const std::string& msg = r.open ? r.err.message : r.open.message;
        const std::string what = gz ? "truncated gzip data" : "truncated zstd data";
        EXPECT_NE(msg.find(what), std::string::npos) << msg;
        EXPECT_EQ(r.open ? r.err.code : r.open.code, Errc::malformed);
        if (!r.open) continue;
        EXPECT_EQ(r.last, RxStatus::error);
        ASSERT_LE(r.pkts.size(), want.pkts.size());
        for (size_t i = 0; i < r.pkts.size(); ++i) ASSERT_EQ(r.pkts[i], want.pkts[i]);
      }
    }
  }
}

// Bytes flipped anywhere: an error (malformed, or unsupported for a header that now
// claims another version) or garbage that still parses -- never a crash or a hang.
TEST(CompressedInput, CorruptCompressedDataNeverCrashes) {
  TempDir dir;
  const std::string plain = synthetic_pcap(dir, 300);
  for (const bool gz : {true, false}) {
    const std::string packed = gz ? gzip(plain) : zstd(plain);
    const std::string z = dir.file("flip");
    int errors = 0;
    for (size_t at = 0; at < packed.size(); at += std::max<size_t>(1, packed.size() / 80)) {
      SCOPED_TRACE(std::string(gz ? "gzip" : "zstd") + " byte " + std::to_string(at));
      std::string bad = packed;
      bad[at] = static_cast<char>(bad[at] ^ 0xff);
      std::ofstream(z, std::ios::binary | std::ios::trunc).write(bad.data(), static_cast<std::streamsize>(bad.size()));
      const ReadOut r = read_path(z, at % 2 ? 1 : 0);
      const Status& s = r.open ? r.err : r.open;
      if (r.open && r.last == RxStatus::end_of_file) continue;
      ++errors;
      EXPECT_TRUE(s.code == Errc::malformed || s.code == Errc::unsupported) << s.message;
      EXPECT_EQ(s.message.rfind(z + ": ", 0), 0u) << s.message;
    }
    EXPECT_GT(errors, 20);
  }
}

TEST(CompressedInput, TrailingBytesAfterGzipAreReported) {
  TempDir dir;
  const std::string plain = synthetic_pcap(dir, 50);
  const ReadOut want = read_path(dir.file("synthetic.pcap"));
  const std::string z = dir.file("trail.gz");
  std::ofstream(z, std::ios::binary) << gzip(plain) << "this is not gzip";
  const ReadOut r = read_path(z);
  EXPECT_EQ(r.pkts, want.pkts);
  EXPECT_EQ(r.last, RxStatus::error);
  EXPECT_EQ(r.err.code, Errc::malformed);
  EXPECT_NE(r.err.message.find("bytes after the end of the gzip data are not gzip"), std::string::npos)
      << r.err.message;
}

TEST(CompressedInput, EmptyAndNonCaptureContent) {
  TempDir dir;
  std::unique_ptr<PacketSource> src;
  const std::string e = dir.file("empty.gz");
  std::ofstream(e, std::ios::binary) << gzip("");
  Status s = open_file_source({{e}}, src);
  EXPECT_EQ(s.code, Errc::malformed);
  EXPECT_EQ(s.message, e + ": empty file (0 bytes after decompression)");
  const std::string t = dir.file("text.zst");
  std::ofstream(t, std::ios::binary) << zstd("hello, this is a text file, not a capture");
  s = open_file_source({{t}}, src);
  EXPECT_EQ(s.code, Errc::malformed);
  EXPECT_NE(s.message.find("text.zst: not a pcap or pcapng file (magic 0x68656c6c)"), std::string::npos) << s.message;
}

// Malformed captures keep their outcome compressed; offsets count decompressed bytes.
TEST(CompressedInput, MalformedCaptureOffsetsAreDecompressedOffsets) {
  WEIR_REQUIRE_CAPTURES();
  TempDir dir;
  const std::string path = cap("malformed/tls_DER-incomplete-header.pcap");
  const std::string z = dir.file("tls.pcap.gz");
  std::ofstream(z, std::ios::binary) << gzip(slurp(path));
  const ReadOut r = read_path(z);
  EXPECT_EQ(r.pkts.size(), 6u);
  EXPECT_EQ(r.last, RxStatus::error);
  EXPECT_EQ(r.err.message,
            z + ": decompressed byte 5035: record claims 4325376 captured bytes, more than the 262144 maximum");
}

// Files written by the gzip and zstd programs (other implementations of the formats).
TEST(CompressedInput, FilesFromTheGzipAndZstdPrograms) {
  TempDir dir;
  synthetic_pcap(dir);
  const std::string plain = dir.file("synthetic.pcap");
  const ReadOut want = read_path(plain);
  int tried = 0;
  for (const std::string tool : {"gzip", "zstd"}) {
    if (std::system(("command -v " + tool + " > /dev/null 2>&1").c_str()) != 0) continue;
    const std::string out = plain + (tool == "gzip" ? ".gz" : ".zst");
    ASSERT_EQ(std::system((tool + " -q -c '" + plain + "' > '" + out + "'").c_str()), 0);
    expect_same(read_path(out), want);
    ++tried;
  }
  if (tried == 0) GTEST_SKIP() << "neither gzip nor zstd on PATH";
}

}  // namespace
}  // namespace weir
