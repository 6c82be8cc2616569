// SPDX-License-Identifier: Apache-2.0
// Binary format: round trip, CSV equivalence through cat_flow_file, field-table-driven
// reading, and detection of truncation and corruption.
#include <cstring>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <xxhash.h>

#include "exporters/binary_format.hpp"
#include "exporters/binary_reader.hpp"
#include "exporters/csv_format.hpp"
#include "exporters_test_util.hpp"

namespace weir {
namespace {

using test::ScratchDir;
namespace bf = binfmt;

std::string write_binary(const ScratchDir& dir, const std::vector<FlowRecord>& recs,
                         bool bidirectional, const std::string& name = "f.bin") {
  const std::string path = dir.file(name);
  test::write_records(
      {.path = path, .format = OutputFormat::binary, .bidirectional = bidirectional}, recs);
  return path;
}

template <typename T>
T get(const std::string& s, std::size_t at) {
  T v;
  std::memcpy(&v, s.data() + at, sizeof v);
  return v;
}
template <typename T>
void put(std::string& s, std::size_t at, T v) {
  std::memcpy(s.data() + at, &v, sizeof v);
}

TEST(BinaryFormat, LayoutIsNaturallyAlignedAndCompact) {
  // 59 fields of format version 1, then ingress_if, first_tcp_flags and per direction
  // ttl_min, ttl_max, tos.
  EXPECT_EQ(bf::kRecordBytes, 424u);
  EXPECT_EQ(bf::kHeaderBytes, 24u + 67u * 48u + 8u);
  EXPECT_EQ(bf::kHeaderBytes % 8, 0u);
  for (const bf::FieldDesc& f : bf::kFields) {
    const uint32_t size = bf::field_type_bytes(f.type);
    EXPECT_EQ(f.file_offset % std::min<uint32_t>(size, 8), 0u) << f.name;
    EXPECT_LE(f.file_offset + size, bf::kRecordBytes) << f.name;
    EXPECT_LT(f.name.size(), bf::kFieldNameBytes);
  }
}

TEST(BinaryFormat, FileStartsWithSelfDescribingHeaderAndEndsWithTrailer) {
  ScratchDir dir;
  const auto recs = test::random_records(3, 1);
  const std::string f = test::read_all(write_binary(dir, recs, true));
  ASSERT_EQ(f.size(), bf::kHeaderBytes + 3 * bf::kRecordBytes + bf::kTrailerBytes);
  EXPECT_EQ(f.substr(0, 8), "WEIRFLOW");
  EXPECT_EQ(get<uint16_t>(f, 8), 1);
  EXPECT_EQ(get<uint16_t>(f, 10), 1);  // bidirectional
  EXPECT_EQ(get<uint32_t>(f, 12), bf::kHeaderBytes);
  EXPECT_EQ(get<uint32_t>(f, 16), 424u);
  EXPECT_EQ(get<uint32_t>(f, 20), 67u);
  EXPECT_EQ(std::string(f.data() + 24), "flow_id");
  EXPECT_EQ(f[24 + 32], 4);  // u64
  EXPECT_EQ(get<uint32_t>(f, 24 + 36), 0u);
  EXPECT_EQ(get<uint32_t>(f, 24 + 40), 8u);
  EXPECT_EQ(get<uint64_t>(f, bf::kHeaderBytes - 8), XXH64(f.data(), bf::kHeaderBytes - 8, 0));
  const std::size_t t = f.size() - 24;
  EXPECT_EQ(f.substr(t, 8), std::string("WEIREND\0", 8));
  EXPECT_EQ(get<uint64_t>(f, t + 8), 3u);
  EXPECT_EQ(get<uint64_t>(f, t + 16), XXH64(f.data() + bf::kHeaderBytes, 3 * 424, 0));
  // First record, first field: flow_id little-endian at offset 0.
  EXPECT_EQ(get<uint64_t>(f, bf::kHeaderBytes), recs[0].flow_id);
}

TEST(BinaryFormat, RoundTripIsExact) {
  for (bool bidi : {false, true}) {
    for (std::size_t n : {0u, 1u, 7u, 5000u}) {
      ScratchDir dir;
      const auto recs = test::random_records(n, 100 + n);
      const std::string path = write_binary(dir, recs, bidi);
      bool got_bidi = !bidi;
      std::vector<FlowRecord> got;
      Status s = read_flow_file(path, got_bidi, got);
      ASSERT_TRUE(s) << s.message;
      EXPECT_EQ(got_bidi, bidi);
      ASSERT_EQ(got.size(), recs.size());
      for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(test::same_record(got[i], recs[i])) << i;
    }
  }
}

TEST(BinaryFormat, WritingIsDeterministic) {
  ScratchDir dir;
  const auto recs = test::random_records(50, 9);
  EXPECT_EQ(test::read_all(write_binary(dir, recs, true, "a.bin")),
            test::read_all(write_binary(dir, recs, true, "b.bin")));
}

TEST(BinaryFormat, CatPrintsTheSameCsvAsTheCsvSink) {
  for (bool bidi : {false, true}) {
    ScratchDir dir;
    const auto recs = test::random_records(3000, 21);
    const std::string bin = write_binary(dir, recs, bidi);
    test::write_records({.path = dir.file("direct.csv"), .format = OutputFormat::csv,
                         .bidirectional = bidi},
                        recs);
    Status s = cat_flow_file(bin, dir.file("cat.csv"));
    ASSERT_TRUE(s) << s.message;
    const std::string direct = test::read_all(dir.file("direct.csv"));
    EXPECT_EQ(direct.substr(0, direct.find('\n') + 1), csv_header(bidi));
    EXPECT_TRUE(test::read_all(dir.file("cat.csv")) == direct);
  }
}

TEST(BinaryFormat, CatOfCorruptFileLeavesNoOutput) {
  ScratchDir dir;
  const std::string bin = write_binary(dir, test::random_records(10, 2), true);
  std::string f = test::read_all(bin);
  f[bf::kHeaderBytes + 100] ^= 0x40;
  test::write_all(bin, f);
  Status s = cat_flow_file(bin, dir.file("out.csv"));
  EXPECT_EQ(s.code, Errc::malformed);
  EXPECT_NE(s.message.find("checksum mismatch"), std::string::npos) << s.message;
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"f.bin"});
}

// Rebuilds `f` (a file this build wrote) with its field table reversed, every field at
// a new offset, and an unknown extra field; fixes both checksums.
std::string permute_fields(const std::string& f) {
  const uint32_t n_fields = get<uint32_t>(f, 20);
  const uint32_t old_rec = get<uint32_t>(f, 16);
  struct Entry {
    std::string name;
    uint8_t type;
    uint32_t old_off, new_off, size;
  };
  std::vector<Entry> entries;
  for (uint32_t i = 0; i < n_fields; ++i) {
    const std::size_t at = 24 + i * 48;
    entries.push_back({std::string(f.data() + at), static_cast<uint8_t>(f[at + 32]),
                       get<uint32_t>(f, at + 36), 0, get<uint32_t>(f, at + 40)});
  }
  std::reverse(entries.begin(), entries.end());
  entries.insert(entries.begin() + 5, {"future_field", 99 /* unknown type */, 0, 0, 3});
  uint32_t off = 1;  // packed and unaligned: readers must not assume alignment
  for (Entry& e : entries) {
    e.new_off = off;
    off += e.size;
  }
  const uint32_t new_rec = off + 5;
  std::string out(24, '\0');
  std::memcpy(out.data(), f.data(), 12);
  put<uint32_t>(out, 12, static_cast<uint32_t>(24 + entries.size() * 48 + 8));
  put<uint32_t>(out, 16, new_rec);
  put<uint32_t>(out, 20, static_cast<uint32_t>(entries.size()));
  for (const Entry& e : entries) {
    std::string ent(48, '\0');
    std::memcpy(ent.data(), e.name.data(), e.name.size());
    ent[32] = static_cast<char>(e.type);
    put<uint32_t>(ent, 36, e.new_off);
    put<uint32_t>(ent, 40, e.size);
    out += ent;
  }
  out += std::string(8, '\0');
  put<uint64_t>(out, out.size() - 8, XXH64(out.data(), out.size() - 8, 0));
  const std::size_t old_hdr = get<uint32_t>(f, 12);
  const std::size_t n_recs = (f.size() - old_hdr - 24) / old_rec;
  std::string records;
  for (std::size_t r = 0; r < n_recs; ++r) {
    std::string rec(new_rec, '\xAA');  // junk in the gaps: readers must ignore it
    for (const Entry& e : entries) {
      if (e.name == "future_field") continue;
      std::memcpy(rec.data() + e.new_off, f.data() + old_hdr + r * old_rec + e.old_off, e.size);
    }
    records += rec;
  }
  out += records;
  std::string trailer("WEIREND\0", 8);
  trailer += std::string(16, '\0');
  put<uint64_t>(trailer, 8, n_recs);
  put<uint64_t>(trailer, 16, XXH64(records.data(), records.size(), 0));
  return out + trailer;
}

TEST(BinaryFormat, ReaderMapsFieldsByNameNotPosition) {
  ScratchDir dir;
  const auto recs = test::random_records(40, 77);
  const std::string path = write_binary(dir, recs, false);
  test::write_all(dir.file("perm.bin"), permute_fields(test::read_all(path)));
  bool bidi = true;
  std::vector<FlowRecord> got;
  Status s = read_flow_file(dir.file("perm.bin"), bidi, got);
  ASSERT_TRUE(s) << s.message;
  EXPECT_FALSE(bidi);
  ASSERT_EQ(got.size(), recs.size());
  for (std::size_t i = 0; i < recs.size(); ++i) EXPECT_TRUE(test::same_record(got[i], recs[i]));
}

Status read_status(const std::string& path) {
  bool bidi = false;
  std::vector<FlowRecord> got;
  Status s = read_flow_file(path, bidi, got);
  if (!s) {
    EXPECT_TRUE(got.empty());
  }
  return s;
}

TEST(BinaryFormat, EveryTruncationIsReportedWithItsOffset) {
  ScratchDir dir;
  const std::string full = test::read_all(write_binary(dir, test::random_records(4, 5), true));
  const std::string path = dir.file("cut.bin");
  for (std::size_t len = 0; len < full.size(); ++len) {
    test::write_all(path, full.substr(0, len));
    Status s = read_status(path);
    ASSERT_EQ(s.code, Errc::malformed) << len << ": " << s.message;
    ASSERT_EQ(s.message.rfind(path + ": truncated at byte " + std::to_string(len) + ": ", 0), 0u)
        << len << ": " << s.message;
  }
  EXPECT_EQ(read_status(dir.file("f.bin")).code, Errc::ok);
}

TEST(BinaryFormat, TruncationMessageNamesTheMissingPart) {
  ScratchDir dir;
  const std::string full = test::read_all(write_binary(dir, test::random_records(2, 5), true));
  const std::string path = dir.file("flows.bin");
  test::write_all(path, full.substr(0, full.size() - 24));
  EXPECT_EQ(read_status(path).message,
            path + ": truncated at byte " + std::to_string(full.size() - 24) +
                ": trailer missing");
  test::write_all(path, full.substr(0, 100));
  EXPECT_EQ(read_status(path).message,
            path + ": truncated at byte 100: header incomplete (" +
                std::to_string(bf::kHeaderBytes) + " bytes)");
}

TEST(BinaryFormat, EveryFlippedByteIsDetected) {
  ScratchDir dir;
  const std::string full = test::read_all(write_binary(dir, test::random_records(3, 6), true));
  const std::string path = dir.file("flip.bin");
  const std::size_t records_end = full.size() - bf::kTrailerBytes;
  for (std::size_t at = 0; at < full.size(); ++at) {
    {
      const uint8_t mask = at % 2 ? 0x80 : 0x01;  // low and high bits, half the runs
      std::string f = full;
      f[at] = static_cast<char>(f[at] ^ mask);
      test::write_all(path, f);
      Status s = read_status(path);
      ASSERT_FALSE(s) << "flip at byte " << at << " went unnoticed";
      ASSERT_EQ(s.message.rfind(path + ": ", 0), 0u) << s.message;
      if (at >= bf::kHeaderBytes && at < records_end) {
        ASSERT_NE(s.message.find("checksum mismatch: trailer at byte " +
                                 std::to_string(records_end)),
                  std::string::npos)
            << s.message;
      }
    }
  }
}

TEST(BinaryFormat, TrailerCountMustMatch) {
  ScratchDir dir;
  std::string f = test::read_all(write_binary(dir, test::random_records(3, 6), true));
  put<uint64_t>(f, f.size() - 16, 4);
  test::write_all(dir.file("c.bin"), f);
  EXPECT_EQ(read_status(dir.file("c.bin")).message,
            dir.file("c.bin") + ": trailer at byte " + std::to_string(f.size() - 24) +
                " counts 4 records, the file holds 3");
}

TEST(BinaryFormat, RejectsForeignAndNewerFiles) {
  ScratchDir dir;
  test::write_all(dir.file("x.csv"), "flow_id,start_ns\n1,2\n");
  Status s = read_status(dir.file("x.csv"));
  EXPECT_EQ(s.code, Errc::malformed);
  EXPECT_EQ(s.message, dir.file("x.csv") + ": not a weir flow file (bad magic at byte 0)");

  std::string f = test::read_all(write_binary(dir, test::random_records(1, 6), true));
  std::string v2 = f;
  put<uint16_t>(v2, 8, 2);
  test::write_all(dir.file("v2.bin"), v2);
  s = read_status(dir.file("v2.bin"));
  EXPECT_EQ(s.code, Errc::unsupported);
  EXPECT_NE(s.message.find("format version 2 at byte 8 is not supported"), std::string::npos);

  s = read_status(dir.file("missing.bin"));
  EXPECT_EQ(s.code, Errc::not_found);
  EXPECT_EQ(s.message, "open " + dir.file("missing.bin") + ": No such file or directory");
}

// Rewrites field `index` of the header (and the header checksum) through `edit`.
std::string edit_field(std::string f, std::size_t index, void (*edit)(char* entry)) {
  edit(f.data() + 24 + index * 48);
  put<uint64_t>(f, bf::kHeaderBytes - 8, XXH64(f.data(), bf::kHeaderBytes - 8, 0));
  return f;
}

TEST(BinaryFormat, RejectsBadFieldTables) {
  ScratchDir dir;
  const std::string f = test::read_all(write_binary(dir, test::random_records(1, 6), true));
  const std::string path = dir.file("t.bin");
  auto status_of = [&](const std::string& data) {
    test::write_all(path, data);
    return read_status(path);
  };
  // Field 0 (flow_id) renamed: it is then an unknown field, and flow_id is missing.
  Status s = status_of(edit_field(f, 0, [](char* e) { e[0] = 'F'; }));
  EXPECT_EQ(s.message, path + ": field 'flow_id' missing");
  s = status_of(edit_field(f, 0, [](char* e) { e[32] = 3; }));  // u64 -> u32
  EXPECT_EQ(s.code, Errc::malformed);
  EXPECT_NE(s.message.find("size 8 does not match type u32"), std::string::npos) << s.message;
  s = status_of(edit_field(f, 0, [](char* e) {
    e[32] = 3;
    e[40] = 4;
  }));
  EXPECT_EQ(s.code, Errc::unsupported);
  EXPECT_NE(s.message.find("type u32, expected u64"), std::string::npos) << s.message;
  s = status_of(edit_field(f, 1, [](char* e) { e[37] = 0x10; }));  // offset 4104
  EXPECT_NE(s.message.find("exceeds the record size 424"), std::string::npos) << s.message;
  s = status_of(edit_field(f, 1, [](char* e) { std::memcpy(e, "flow_id", 8); }));
  EXPECT_NE(s.message.find("duplicate field"), std::string::npos) << s.message;
  s = status_of(edit_field(f, 1, [](char* e) { std::memset(e, 'x', 32); }));
  EXPECT_NE(s.message.find("field 1 at byte 72: name empty or not NUL-terminated"),
            std::string::npos)
      << s.message;
}

TEST(BinaryFormat, StreamingReaderDeliversBurstsThenVerifies) {
  ScratchDir dir;
  const auto recs = test::random_records(1000, 8);
  const std::string path = write_binary(dir, recs, true);
  FlowFileReader reader;
  ASSERT_TRUE(reader.open(path));
  EXPECT_TRUE(reader.bidirectional());
  std::vector<FlowRecord> burst(64);
  std::size_t total = 0;
  for (;;) {
    std::size_t n = 0;
    Status s = reader.read_burst(burst, n);
    ASSERT_TRUE(s) << s.message;
    if (n == 0) break;
    for (std::size_t i = 0; i < n; ++i) ASSERT_TRUE(test::same_record(burst[i], recs[total + i]));
    total += n;
  }
  EXPECT_EQ(total, recs.size());
  EXPECT_EQ(reader.records_read(), recs.size());
  std::size_t n = 1;
  EXPECT_TRUE(reader.read_burst(burst, n));  // stays at the end
  EXPECT_EQ(n, 0u);
}

}  // namespace
}  // namespace weir
