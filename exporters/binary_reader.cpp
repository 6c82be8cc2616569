// SPDX-License-Identifier: Apache-2.0
#include "exporters/binary_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <system_error>

#define XXH_STATIC_LINKING_ONLY  // XXH64_state_t by value
#include <xxhash.h>

#include "exporters/binary_format.hpp"
#include "exporters/flow_sink.hpp"

namespace weir {


namespace {

using namespace binfmt;

// Reads stay large (like the writer's) but must hold a whole record plus the trailer
// that is always held back; records are at most kMaxRecordBytes.
constexpr std::size_t kReadBufferBytes = std::size_t{1} << 20;
static_assert(kReadBufferBytes >= 2 * (kMaxRecordBytes + kTrailerBytes));
static_assert(kReadBufferBytes >= kPrefixBytes + kMaxFields * kFieldEntryBytes + kHeaderHashBytes);

template <typename T>
T get_le(const uint8_t* p) noexcept {
  T v;
  std::memcpy(&v, p, sizeof v);  // little-endian host (static_assert in binary_format.hpp)
  return v;
}

std::string hex64(uint64_t v) {
  std::array<char, 16> buf;
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v, 16);
  (void)ec;  // 16 hex digits always fit
  return "0x" + std::string(buf.data(), end);
}

// A file field mapped onto a FlowRecord member. Fields of this build that the file lacks
// (added after it was written) stay zero.
struct FieldMap {
  uint32_t file_offset;
  uint32_t record_offset;
  uint32_t size;
};

}  // namespace

struct FlowFileReader::Impl {
  int fd = -1;
  bool own_fd = false;
  std::string name;  // the path as given, or "<stdin>"
  // Not a vector: a zero-filled 1 MiB per open() dominated reading small files.
  std::unique_ptr<uint8_t[]> buf;
  std::size_t buf_bytes = 0;
  std::size_t begin = 0;   // first unconsumed byte in buf
  std::size_t end = 0;     // one past the last valid byte in buf
  uint64_t begin_offset = 0;  // file offset of buf[begin]
  bool eof = false;
  bool done = false;  // trailer checked, or an error returned
  bool bidirectional = false;
  uint32_t record_bytes = 0;
  std::vector<FieldMap> fields;
  XXH64_state_t hash;
  uint64_t n_records = 0;

  ~Impl() {
    if (own_fd && fd >= 0) ::close(fd);
  }

  std::size_t avail() const noexcept { return end - begin; }

  Status malformed(const std::string& what) const {
    return {Errc::malformed, name + ": " + what};
  }
  Status truncated(const std::string& what) const {
    return malformed("truncated at byte " + std::to_string(begin_offset + avail()) + ": " +
                     what);
  }

  // Reads until `want` bytes are buffered or the input ends. want <= buf_bytes (the
  // static_asserts above bound every caller's want).
  Status fill(std::size_t want) {
    while (avail() < want && !eof) {
      if (buf_bytes - begin < want || end == buf_bytes) {
        std::memmove(buf.get(), buf.get() + begin, avail());
        end -= begin;
        begin = 0;
      }
      const ssize_t r = ::read(fd, buf.get() + end, buf_bytes - end);
      if (r < 0) {
        if (errno == EINTR) continue;
        return {Errc::io_error, "read " + name + ": " + std::generic_category().message(errno)};
      }
      if (r == 0) eof = true;
      end += static_cast<std::size_t>(r);
    }
    return {};
  }

  void consume(std::size_t n) noexcept {
    begin += n;
    begin_offset += n;
  }

  Status read_header();
  Status check_trailer();

  void decode(const uint8_t* src, FlowRecord& r) const noexcept {
    r = FlowRecord{};
    auto* dst = reinterpret_cast<uint8_t*>(&r);
    for (const FieldMap& f : fields) {
      // Constant-size copies: each case compiles to one load and one store.
      switch (f.size) {
        case 1: std::memcpy(dst + f.record_offset, src + f.file_offset, 1); break;
        case 2: std::memcpy(dst + f.record_offset, src + f.file_offset, 2); break;
        case 4: std::memcpy(dst + f.record_offset, src + f.file_offset, 4); break;
        case 8: std::memcpy(dst + f.record_offset, src + f.file_offset, 8); break;
        default: std::memcpy(dst + f.record_offset, src + f.file_offset, 16); break;
      }
    }
  }
};

Status FlowFileReader::Impl::read_header() {
  if (Status s = fill(kPrefixBytes); !s) return s;
  const uint8_t* h = buf.get() + begin;
  if (std::memcmp(h, kMagic.data(), std::min<std::size_t>(avail(), 8)) != 0)
    return malformed("not a weir flow file (bad magic at byte 0)");
  if (avail() < kPrefixBytes) return truncated("header incomplete");

  const auto version = get_le<uint16_t>(h + 8);
  const auto flags = get_le<uint16_t>(h + 10);
  const auto header_bytes = get_le<uint32_t>(h + 12);
  const auto rec_bytes = get_le<uint32_t>(h + 16);
  const auto n_fields = get_le<uint32_t>(h + 20);
  if (version != kVersion)
    return {Errc::unsupported, name + ": format version " + std::to_string(version) +
                                   " at byte 8 is not supported (this reader reads version " +
                                   std::to_string(kVersion) + ")"};
  if (n_fields == 0 || n_fields > kMaxFields ||
      header_bytes != kPrefixBytes + uint64_t{n_fields} * kFieldEntryBytes + kHeaderHashBytes)
    return malformed("header size " + std::to_string(header_bytes) +
                     " at byte 12 does not match the field count " + std::to_string(n_fields) +
                     " at byte 20");
  if (Status s = fill(header_bytes); !s) return s;
  if (avail() < header_bytes)
    return truncated("header incomplete (" + std::to_string(header_bytes) + " bytes)");
  h = buf.get() + begin;  // fill() may have moved the data

  const std::size_t hash_at = header_bytes - kHeaderHashBytes;
  const uint64_t want_hash = get_le<uint64_t>(h + hash_at);
  const uint64_t got_hash = XXH64(h, hash_at, 0);
  if (want_hash != got_hash)
    return malformed("header checksum mismatch at byte " + std::to_string(hash_at) + " (stored " +
                     hex64(want_hash) + ", header hashes to " + hex64(got_hash) + ")");
  if ((flags & ~kKnownFlags) != 0)
    return {Errc::unsupported, name + ": unknown flags " + hex64(flags) + " at byte 10"};
  if (rec_bytes == 0 || rec_bytes > kMaxRecordBytes)
    return malformed("record size " + std::to_string(rec_bytes) + " at byte 16 is out of range");

  // Map the file's fields onto ours by name.
  std::array<bool, kFields.size()> seen{};
  for (uint32_t i = 0; i < n_fields; ++i) {
    const std::size_t at = kPrefixBytes + std::size_t{i} * kFieldEntryBytes;
    const uint8_t* e = h + at;
    const auto* name_begin = reinterpret_cast<const char*>(e);
    const std::size_t name_len = strnlen(name_begin, kFieldNameBytes);
    const std::string where = "field " + std::to_string(i) + " at byte " + std::to_string(at);
    if (name_len == 0 || name_len == kFieldNameBytes)
      return malformed(where + ": name empty or not NUL-terminated");
    const std::string_view fname(name_begin, name_len);
    const auto type = static_cast<FieldType>(e[32]);
    const auto off = get_le<uint32_t>(e + 36);
    const auto size = get_le<uint32_t>(e + 40);
    const std::string what = where + " ('" + std::string(fname) + "')";
    if (uint64_t{off} + size > rec_bytes)
      return malformed(what + ": offset " + std::to_string(off) + " + size " +
                       std::to_string(size) + " exceeds the record size " +
                       std::to_string(rec_bytes));
    // Unknown types are allowed for fields we skip: a later writer may add both.
    if (field_type_bytes(type) != 0 && field_type_bytes(type) != size)
      return malformed(what + ": size " + std::to_string(size) + " does not match type " +
                       std::string(field_type_name(type)));
    const auto known = std::find_if(kFields.begin(), kFields.end(),
                                    [&](const FieldDesc& f) { return f.name == fname; });
    if (known == kFields.end()) continue;
    const auto k = static_cast<std::size_t>(known - kFields.begin());
    if (seen[k]) return malformed(what + ": duplicate field");
    if (type != known->type)
      return {Errc::unsupported, name + ": " + what + ": type " +
                                     std::string(field_type_name(type)) + ", expected " +
                                     std::string(field_type_name(known->type))};
    seen[k] = true;
    fields.push_back({off, known->record_offset, size});
  }
  for (std::size_t k = 0; k < kFields.size(); ++k)
    if (!seen[k] && kFields[k].required)
      return malformed("field '" + std::string(kFields[k].name) + "' missing");
  std::sort(fields.begin(), fields.end(),
            [](const FieldMap& a, const FieldMap& b) { return a.file_offset < b.file_offset; });

  bidirectional = (flags & kFlagBidirectional) != 0;
  record_bytes = rec_bytes;
  consume(header_bytes);
  return {};
}

Status FlowFileReader::Impl::check_trailer() {
  // Precondition: input ended and less than one record plus a trailer is left.
  const uint8_t* tail = buf.get() + end - std::min(avail(), kTrailerBytes);
  if (avail() < kTrailerBytes || std::memcmp(tail, kTrailerMagic.data(), 8) != 0)
    return truncated("trailer missing");
  const uint64_t trailer_at = begin_offset + avail() - kTrailerBytes;
  if (avail() > kTrailerBytes)
    return malformed(std::to_string(avail() - kTrailerBytes) + " bytes at byte " +
                     std::to_string(begin_offset) + " before the trailer are not a whole record (" +
                     std::to_string(record_bytes) + " bytes): truncated record");
  const auto count = get_le<uint64_t>(tail + 8);
  if (count != n_records)
    return malformed("trailer at byte " + std::to_string(trailer_at) + " counts " +
                     std::to_string(count) + " records, the file holds " +
                     std::to_string(n_records));
  const auto want = get_le<uint64_t>(tail + 16);
  const uint64_t got = XXH64_digest(&hash);
  if (want != got)
    return malformed("checksum mismatch: trailer at byte " + std::to_string(trailer_at) +
                     " has " + hex64(want) + ", the records hash to " + hex64(got));
  consume(kTrailerBytes);
  return {};
}

FlowFileReader::FlowFileReader() = default;
FlowFileReader::~FlowFileReader() = default;

Status FlowFileReader::open(const std::string& path) {
  if (impl_) return {Errc::invalid_argument, path + ": reader already open"};
  auto impl = std::make_unique<Impl>();
  if (path == "-") {
    impl->fd = STDIN_FILENO;
    impl->name = "<stdin>";
  } else {
    impl->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    impl->name = path;
    if (impl->fd < 0) {
      const int err = errno;
      return {err == ENOENT ? Errc::not_found : Errc::io_error,
              "open " + path + ": " + std::generic_category().message(err)};
    }
    impl->own_fd = true;
  }
  impl->buf = std::make_unique_for_overwrite<uint8_t[]>(kReadBufferBytes);
  impl->buf_bytes = kReadBufferBytes;
  XXH64_reset(&impl->hash, 0);
  if (Status s = impl->read_header(); !s) return s;
  impl_ = std::move(impl);
  return {};
}

bool FlowFileReader::bidirectional() const noexcept { return impl_ && impl_->bidirectional; }

uint64_t FlowFileReader::records_read() const noexcept { return impl_ ? impl_->n_records : 0; }

Status FlowFileReader::read_burst(std::span<FlowRecord> out, std::size_t& n_out) {
  n_out = 0;
  if (!impl_) return {Errc::invalid_argument, "read_burst: reader not open"};
  Impl& m = *impl_;
  if (m.done) return {};
  // Always keep the last kTrailerBytes buffered: until the input ends we cannot tell
  // the trailer from record bytes.
  const std::size_t need = m.record_bytes + kTrailerBytes;
  while (n_out < out.size()) {
    if (m.avail() < need) {
      if (Status s = m.fill(std::max(need, kReadBufferBytes / 2)); !s) {
        m.done = true;
        return s;
      }
      if (m.avail() < need) {
        m.done = true;
        return m.check_trailer();
      }
    }
    const uint8_t* src = m.buf.get() + m.begin;
    m.decode(src, out[n_out++]);
    XXH64_update(&m.hash, src, m.record_bytes);
    m.consume(m.record_bytes);
    ++m.n_records;
  }
  return {};
}

Status read_flow_file(const std::string& path, bool& bidirectional_out,
                      std::vector<FlowRecord>& out) {
  out.clear();
  FlowFileReader reader;
  if (Status s = reader.open(path); !s) return s;
  bidirectional_out = reader.bidirectional();
  constexpr std::size_t kBurst = 1024;
  for (;;) {
    const std::size_t old = out.size();
    out.resize(old + kBurst);
    std::size_t n = 0;
    Status s = reader.read_burst(std::span(out).subspan(old), n);
    out.resize(old + n);
    if (!s) {
      out.clear();
      return s;
    }
    if (n == 0) return {};
  }
}

Status cat_flow_file(const std::string& in_path, const std::string& out_path_or_dash) {
  FlowFileReader reader;
  if (Status s = reader.open(in_path); !s) return std::move(s).at(Origin::input);
  std::unique_ptr<FlowSink> sink;
  if (Status s = open_sink({.path = out_path_or_dash,
                            .format = OutputFormat::csv,
                            .bidirectional = reader.bidirectional()},
                           sink);
      !s)
    return std::move(s).at(Origin::output);
  std::vector<FlowRecord> burst(256);
  for (;;) {
    std::size_t n = 0;
    // On a read error `sink` is destroyed unfinished: its temporary file goes away.
    if (Status s = reader.read_burst(burst, n); !s) return std::move(s).at(Origin::input);
    if (n == 0) break;
    if (Status s = sink->write_burst(std::span(burst).first(n)); !s) return std::move(s).at(Origin::output);
  }
  return sink->finish().at(Origin::output);
}

}  // namespace weir
