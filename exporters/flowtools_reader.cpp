// SPDX-License-Identifier: Apache-2.0
// FlowToolsReader: flow-tools stream version 3 files with NetFlow v5 records.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "exporters/detail/input_file.hpp"
#include "exporters/flowtools.hpp"

namespace weir {

namespace {

using namespace ftfmt;

constexpr std::size_t kInBytes = 256 * 1024;
constexpr std::size_t kOutRecords = 1024;  // records decoded per inflate round

}  // namespace

struct FlowToolsReader::Impl {
  detail::InputFile in;
  FlowToolsHeader hdr;
  bool big = false;
  bool compressed = false;
  z_stream zs{};
  bool z_init = false;
  bool z_end = false;    // Z_STREAM_END seen
  bool eof = false;      // input exhausted
  bool done = false;     // finished (end reached or error returned)
  std::vector<uint8_t> inbuf = std::vector<uint8_t>(kInBytes);
  std::size_t in_begin = 0, in_end = 0;
  uint64_t in_offset = 0;     // file offset of inbuf[in_end] (bytes read so far)
  std::vector<uint8_t> raw = std::vector<uint8_t>(kOutRecords * kRecordBytes);
  std::size_t raw_n = 0;      // decoded (inflated or copied) bytes waiting in raw
  uint64_t n_records = 0;

  ~Impl() {
    if (z_init) inflateEnd(&zs);
  }

  Status malformed(uint64_t at, const std::string& what) const {
    return {Errc::malformed, Origin::input, in.name() + ": " + what + " at byte " + std::to_string(at)};
  }
  Status unsupported(const std::string& what) const {
    return {Errc::unsupported, Origin::input, in.name() + ": " + what};
  }

  Status refill() {
    if (in_begin < in_end || eof) return {};
    std::size_t got = 0;
    if (Status s = in.read(inbuf.data(), inbuf.size(), got); !s) return s;
    in_begin = 0;
    in_end = got;
    in_offset += got;
    if (got == 0) eof = true;
    return {};
  }
  uint64_t consumed_offset() const noexcept { return in_offset - (in_end - in_begin); }

  Status read_header();
  // Fills raw with decoded bytes until it holds `want` bytes or the data ends.
  Status fill_raw(std::size_t want);
};

Status FlowToolsReader::Impl::read_header() {
  std::vector<uint8_t> h(kPrefixBytes);
  std::size_t got = 0;
  if (Status s = in.read_full(h.data(), h.size(), got); !s) return s;
  in_offset = got;
  if (got < 2 || h[0] != kMagic1 || h[1] != kMagic2)
    return got == 0 ? malformed(0, "empty file, not a flow-tools file")
                    : malformed(0, "not a flow-tools file (no magic CF 10)");
  if (got < kPrefixBytes) return malformed(got, "truncated header");
  if (h[2] != kLittleEndian && h[2] != kBigEndian)
    return malformed(2, "byte order " + std::to_string(h[2]) + " is neither 1 (little) nor 2 (big)");
  big = h[2] == kBigEndian;
  hdr.byte_order = h[2];
  hdr.stream_version = h[3];
  if (h[3] != kStreamVersion)
    return unsupported("stream version " + std::to_string(h[3]) +
                       " at byte 3 is not supported (weir reads stream version 3)");
  const uint32_t len = get32(&h[4], big);
  hdr.header_bytes = len;
  if (len < kPrefixBytes || len > kMaxHeaderBytes)
    return malformed(4, "header length " + std::to_string(len) + " out of range 8.." +
                            std::to_string(kMaxHeaderBytes));
  h.resize(len);
  if (Status s = in.read_full(h.data() + kPrefixBytes, len - kPrefixBytes, got); !s) return s;
  in_offset += got;
  if (got < len - kPrefixBytes)
    return malformed(in_offset, "header of " + std::to_string(len) + " bytes truncated");

  // TLVs; like flow-tools, a tail shorter than a TLV head is padding.
  std::size_t at = kPrefixBytes;
  while (len - at >= 4) {
    const uint16_t t = get16(&h[at], big);
    const uint16_t l = get16(&h[at + 2], big);
    const std::size_t v = at + 4;
    if (v + l > len)
      return malformed(at, "header TLV type " + std::to_string(t) + " length " + std::to_string(l) +
                               " runs past the header end (" + std::to_string(len) + ")");
    auto want = [&](std::size_t n) -> Status {
      if (l < n)
        return malformed(at, "header TLV type " + std::to_string(t) + " has length " + std::to_string(l) +
                                 ", needs " + std::to_string(n));
      return {};
    };
    auto str = [&]() {
      const auto* c = reinterpret_cast<const char*>(&h[v]);
      return std::string(c, strnlen(c, l));
    };
    Status s;
    switch (t) {
      case kTlvExportVersion:
        if (s = want(2); s) hdr.export_version = get16(&h[v], big);
        break;
      case kTlvExporterIp:
        if (s = want(4); s) hdr.exporter_ip = get32(&h[v], big);
        break;
      case kTlvCapStart:
        if (s = want(4); s) hdr.cap_start = get32(&h[v], big);
        break;
      case kTlvCapEnd:
        if (s = want(4); s) hdr.cap_end = get32(&h[v], big);
        break;
      case kTlvHeaderFlags:
        if (s = want(4); s) hdr.flags = get32(&h[v], big);
        break;
      case kTlvFlowCount:
        if (s = want(4); s) hdr.flow_count = get32(&h[v], big), hdr.has_flow_count = true;
        break;
      case kTlvFlowLost:
        if (s = want(4); s) hdr.flows_lost = get32(&h[v], big);
        break;
      case kTlvCapHostname: hdr.hostname = str(); break;
      case kTlvComments: hdr.comments = str(); break;
      default: break;  // vendor, aggregation, rotation, interface names: not needed
    }
    if (!s) return s;
    at = v + l;
  }
  if (hdr.export_version != kExportVersionV5)
    return unsupported(hdr.export_version == 0
                           ? "no export version TLV (0x2) in the header"
                           : "export version " + std::to_string(hdr.export_version) +
                                 " is not supported (weir reads NetFlow v5 records)");
  compressed = (hdr.flags & kFlagCompress) != 0;
  if (compressed) {
    if (inflateInit(&zs) != Z_OK) return {Errc::no_memory, Origin::input, in.name() + ": zlib inflateInit failed"};
    z_init = true;
  }
  return {};
}

Status FlowToolsReader::Impl::fill_raw(std::size_t want) {
  while (raw_n < want) {
    if (Status s = refill(); !s) return s;
    const std::size_t avail = in_end - in_begin;
    if (!compressed) {
      if (eof) return {};
      const std::size_t n = std::min(avail, want - raw_n);
      std::memcpy(raw.data() + raw_n, inbuf.data() + in_begin, n);
      raw_n += n;
      in_begin += n;
      continue;
    }
    if (z_end) {
      if (avail > 0) return malformed(consumed_offset(), "data after the end of the compressed stream");
      if (eof) return {};
      continue;
    }
    if (eof) return malformed(in_offset, "compressed stream truncated (no end)");
    zs.next_in = inbuf.data() + in_begin;
    zs.avail_in = static_cast<uInt>(avail);
    zs.next_out = raw.data() + raw_n;
    zs.avail_out = static_cast<uInt>(want - raw_n);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    in_begin = in_end - zs.avail_in;
    raw_n = want - zs.avail_out;
    if (rc == Z_STREAM_END) {
      z_end = true;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return malformed(consumed_offset(),
                       std::string("compressed data corrupt (zlib: ") + (zs.msg ? zs.msg : "error") + ")");
    }
  }
  return {};
}

FlowToolsReader::FlowToolsReader() : impl_(std::make_unique<Impl>()) {}
FlowToolsReader::~FlowToolsReader() = default;

Status FlowToolsReader::open(const std::string& path) {
  if (Status s = impl_->in.open(path); !s) return s;
  Status s = impl_->read_header();
  if (!s) impl_->done = true;
  return s;
}

const FlowToolsHeader& FlowToolsReader::header() const noexcept { return impl_->hdr; }
uint64_t FlowToolsReader::records_read() const noexcept { return impl_->n_records; }

Status FlowToolsReader::read_raw(std::span<ftfmt::Record> out, std::size_t& n_out) {
  Impl& m = *impl_;
  n_out = 0;
  if (m.done || out.empty()) return {};
  const std::size_t want = std::min(out.size(), kOutRecords) * kRecordBytes;
  Status s = m.fill_raw(want);
  const std::size_t whole = m.raw_n / kRecordBytes;
  for (std::size_t i = 0; i < whole; ++i) out[i] = decode_record(&m.raw[i * kRecordBytes], m.big);
  n_out = whole;
  m.n_records += whole;
  const std::size_t rest = m.raw_n - whole * kRecordBytes;
  std::memmove(m.raw.data(), m.raw.data() + whole * kRecordBytes, rest);
  m.raw_n = rest;
  if (!s) {
    m.done = true;
    return s;
  }
  if (whole > 0) return {};
  // Nothing more decoded: the end. A partial record or a wrong count is an error.
  m.done = true;
  const uint64_t data_bytes = m.n_records * kRecordBytes + rest;
  if (rest != 0)
    return {Errc::malformed, Origin::input,
            m.in.name() + ": truncated record: " + std::to_string(rest) + " of " +
                std::to_string(kRecordBytes) + " bytes at the end of the " +
                (m.compressed ? "decompressed data (offset " : "data (offset ") +
                std::to_string(data_bytes - rest) + " after the header)"};
  const FlowToolsHeader& h = m.hdr;
  if ((h.flags & kFlagDone) && h.has_flow_count && h.flow_count != m.n_records)
    return {Errc::malformed, Origin::input,
            m.in.name() + ": header says " + std::to_string(h.flow_count) + " flows, file holds " +
                std::to_string(m.n_records)};
  return {};
}

void flowtools_to_flow_record(const ftfmt::Record& r, uint64_t index, FlowRecord& out) noexcept {
  const uint64_t exp = export_ns(r);
  const nfv5::UptimeSpan t = nfv5::uptime_span(exp, r.sys_uptime, r.v5.first, r.v5.last);
  nfv5::to_flow_record(r.v5, t.first_ns, t.last_ns, out);
  out.flow_id = index;
  out.expiry_ns = exp;
}

Status FlowToolsReader::read_burst(std::span<FlowRecord> out, std::size_t& n_out) {
  std::array<ftfmt::Record, 256> raw;
  const std::size_t want = std::min(out.size(), raw.size());
  const uint64_t first = impl_->n_records;
  Status s = read_raw(std::span(raw.data(), want), n_out);
  for (std::size_t i = 0; i < n_out; ++i) flowtools_to_flow_record(raw[i], first + i, out[i]);
  return s;
}

Status read_flowtools_file(const std::string& path, FlowToolsHeader& header,
                           std::vector<ftfmt::Record>& out) {
  out.clear();
  FlowToolsReader r;
  Status s = r.open(path);
  header = r.header();
  if (!s) return s;
  std::vector<ftfmt::Record> buf(1024);
  for (;;) {
    std::size_t n = 0;
    s = r.read_raw(buf, n);
    out.insert(out.end(), buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
    if (!s || n == 0) return s;
  }
}

}  // namespace weir
