// SPDX-License-Identifier: Apache-2.0
// FlowToolsSink: FlowRecords as a flow-tools file (flowtools.hpp). Merger thread only.
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <vector>

#include "exporters/detail/dest_sink.hpp"
#include "exporters/flowtools.hpp"
#include "weir_config.h"

namespace weir {

namespace {

using namespace ftfmt;

// Header TLVs are written in this host's order; the byte-order field says which.
constexpr bool kBig = false;

constexpr OutputFormat kFlowToolsFormat{"flowtools"};

class HeaderWriter {
 public:
  void u16(uint16_t type, uint16_t v) {
    tl(type, 2);
    const std::size_t at = grow(2);
    put16(&buf_[at], v, kBig);
  }
  void u32(uint16_t type, uint32_t v) {
    tl(type, 4);
    const std::size_t at = grow(4);
    put32(&buf_[at], v, kBig);
  }
  void str(uint16_t type, const std::string& s) {
    tl(type, static_cast<uint16_t>(s.size() + 1));
    const std::size_t at = grow(s.size() + 1);
    std::memcpy(&buf_[at], s.c_str(), s.size() + 1);
  }
  // The finished header: prefix with the length, padded to a multiple of 4.
  std::vector<uint8_t> finish() {
    const std::size_t len = (kPrefixBytes + buf_.size() + 3) & ~std::size_t{3};
    std::vector<uint8_t> h(len, 0);
    h[0] = kMagic1;
    h[1] = kMagic2;
    h[2] = kLittleEndian;
    h[3] = kStreamVersion;
    put32(&h[4], static_cast<uint32_t>(len), kBig);
    std::memcpy(h.data() + kPrefixBytes, buf_.data(), buf_.size());
    return h;
  }

 private:
  void tl(uint16_t type, uint16_t len) {
    const std::size_t at = grow(4);
    put16(&buf_[at], type, kBig);
    put16(&buf_[at + 2], len, kBig);
  }
  std::size_t grow(std::size_t n) {
    buf_.resize(buf_.size() + n);
    return buf_.size() - n;
  }
  std::vector<uint8_t> buf_;
};

std::string this_hostname() {
  std::array<char, 256> h{};
  if (::gethostname(h.data(), h.size() - 1) != 0) return "localhost";
  return h.data();
}

class FlowToolsSink final : public detail::DestSink {
 public:
  // Records are staged here and deflated in one call per batch.
  static constexpr std::size_t kStageRecords = 1024;

  FlowToolsSink(std::unique_ptr<Destination> dest, const FlowToolsWriterOptions& opt)
      : DestSink(kFlowToolsFormat, std::move(dest)), opt_(opt) {
    if (opt_.hostname.empty()) opt_.hostname = this_hostname();
    if (opt_.comments.empty()) opt_.comments = std::string("weir ") + WEIR_VERSION;
    // Longer strings would not fit the 16 KiB header flow-tools reads.
    opt_.hostname.resize(std::min<std::size_t>(opt_.hostname.size(), 255));
    opt_.comments.resize(std::min<std::size_t>(opt_.comments.size(), 4096));
  }
  ~FlowToolsSink() override {
    if (z_init_) deflateEnd(&zs_);
  }

  Status open() {
    // A file can have its header rewritten with the totals at the end; a pipe, a device
    // or a TCP stream cannot (an empty patch asks without changing anything).
    streaming_ = !dest_->patch(0, {});
    if (deflateInit(&zs_, std::clamp(opt_.z_level, 1, 9)) != Z_OK)
      return {Errc::no_memory, Origin::output, "flow-tools " + dest_->name() + ": zlib deflateInit failed"};
    z_init_ = true;
    const std::vector<uint8_t> h = header(false);
    header_bytes_ = h.size();
    if (Status s = dest_->reserve(h.size()); !s) return s;
    std::memcpy(dest_->cursor(), h.data(), h.size());
    dest_->commit(h.size());
    stage_.resize(kStageRecords * kRecordBytes);
    return {};
  }

  Status write_burst(std::span<const FlowRecord> recs) override {
    if (Status s = writable(); !s) return s;
    for (const FlowRecord& r : recs) {
      bool any = false;
      for (int d = 0; d < 2; ++d) {
        nfv5::Flow f;
        if (!nfv5::v5_flow(r, d, f)) continue;
        any = true;
        Record ft;
        ft.v5 = f.base;
        ft.exaddr = opt_.exporter_ip;
        ft.unix_secs = static_cast<uint32_t>(f.end_ms / 1000);
        ft.unix_nsecs = static_cast<uint32_t>(f.end_ms % 1000 * 1'000'000);
        const uint64_t dur = f.end_ms >= f.start_ms ? f.end_ms - f.start_ms : 0;
        ft.sys_uptime = static_cast<uint32_t>(std::min<uint64_t>(dur, 0xFFFFFFFFu));
        ft.v5.first = 0;
        ft.v5.last = ft.sys_uptime;
        cap_start_ = std::min(cap_start_, f.start_ms / 1000);
        cap_end_ = std::max(cap_end_, f.end_ms / 1000);
        const uint64_t n = nfv5::v5_pieces(f);
        for (uint64_t i = 0; i < n; ++i) {
          nfv5::v5_piece_counters(f, i, n, ft.v5.packets, ft.v5.octets);
          if (Status s = stage(ft); !s) return s;
        }
        counters_.split_records += n - 1;
      }
      any ? ++n_records_ : ++counters_.not_exported;
    }
    return deflate_stage(Z_NO_FLUSH);
  }

  Status write_raw(std::span<const Record> recs) {
    if (Status s = writable(); !s) return s;
    for (const Record& r : recs) {
      const nfv5::UptimeSpan t = nfv5::uptime_span(export_ns(r), r.sys_uptime, r.v5.first, r.v5.last);
      cap_start_ = std::min(cap_start_, t.first_ns / 1'000'000'000);
      cap_end_ = std::max(cap_end_, t.last_ns / 1'000'000'000);
      if (Status s = stage(r); !s) return s;
      ++n_records_;
    }
    return deflate_stage(Z_NO_FLUSH);
  }

  Status flush() override {
    if (finished_) return {};
    if (Status s = deflate_stage(Z_SYNC_FLUSH); !s) return s;
    return dest_->flush();
  }

  Status finish() override {
    if (finished_) return dest_->status();
    if (Status s = deflate_stage(Z_FINISH); !s) {
      finished_ = true;
      return s;
    }
    if (!streaming_) {
      const std::vector<uint8_t> h = header(true);
      if (h.size() != header_bytes_)  // every TLV has a fixed size: cannot happen
        return {Errc::io_error, Origin::output, "flow-tools header changed size"};
      const std::span<const char> bytes(reinterpret_cast<const char*>(h.data()), h.size());
      if (Status s = dest_->patch(0, bytes); !s) {
        finished_ = true;
        return s;
      }
    }
    return finish_dest();
  }

 private:
  // The header: the same TLVs, at the same sizes, before and after the records.
  std::vector<uint8_t> header(bool done) const {
    HeaderWriter w;
    w.u16(kTlvExportVersion, kExportVersionV5);
    if (opt_.exporter_ip) w.u32(kTlvExporterIp, opt_.exporter_ip);
    const uint32_t flags = kFlagCompress | (streaming_ ? kFlagStreaming : 0) | (done ? kFlagDone : 0);
    if (!streaming_) {
      const bool any = cap_end_ != 0 || cap_start_ != kNoTime;
      w.u32(kTlvCapStart, any ? clamp32(cap_start_) : 0);
      w.u32(kTlvCapEnd, any ? clamp32(cap_end_) : 0);
    }
    w.u32(kTlvHeaderFlags, flags);
    if (!streaming_) {
      w.u32(kTlvFlowCount, clamp32(counters_.export_records));
      w.u32(kTlvFlowLost, clamp32(counters_.not_exported));
    }
    w.str(kTlvCapHostname, opt_.hostname);
    w.str(kTlvComments, opt_.comments);
    return w.finish();
  }

  static uint32_t clamp32(uint64_t v) noexcept {
    return static_cast<uint32_t>(std::min<uint64_t>(v, std::numeric_limits<uint32_t>::max()));
  }

  Status stage(const Record& r) {
    encode_record(r, &stage_[staged_ * kRecordBytes], kBig);
    ++counters_.export_records;
    if (++staged_ == kStageRecords) return deflate_stage(Z_NO_FLUSH);
    return {};
  }

  // Deflates the staged records into the output buffer; `mode` Z_SYNC_FLUSH / Z_FINISH
  // also drains zlib's internal state.
  Status deflate_stage(int mode) {
    zs_.next_in = stage_.data();
    zs_.avail_in = static_cast<uInt>(staged_ * kRecordBytes);
    staged_ = 0;
    for (;;) {
      if (Status s = dest_->reserve(kMinOut); !s) return s;
      const std::size_t room = std::min<std::size_t>(dest_->space(), std::numeric_limits<uInt>::max());
      zs_.next_out = reinterpret_cast<Bytef*>(dest_->cursor());
      zs_.avail_out = static_cast<uInt>(room);
      const int rc = deflate(&zs_, mode);
      dest_->commit(room - zs_.avail_out);
      if (rc == Z_STREAM_END) return {};
      if (rc != Z_OK && rc != Z_BUF_ERROR)
        return {Errc::io_error, Origin::output, std::string("flow-tools: zlib deflate failed: ") +
                                                    (zs_.msg ? zs_.msg : "error " + std::to_string(rc))};
      if (zs_.avail_in == 0 && zs_.avail_out != 0 && mode != Z_FINISH) return {};
    }
  }

  static constexpr std::size_t kMinOut = 64 * 1024;
  static constexpr uint64_t kNoTime = std::numeric_limits<uint64_t>::max();

  FlowToolsWriterOptions opt_;
  z_stream zs_{};
  bool z_init_ = false;
  bool streaming_ = false;
  std::size_t header_bytes_ = 0;
  std::vector<uint8_t> stage_;
  std::size_t staged_ = 0;
  uint64_t cap_start_ = kNoTime;  // seconds
  uint64_t cap_end_ = 0;
};

}  // namespace

Status open_flowtools_sink(std::unique_ptr<Destination> dest, const FlowToolsWriterOptions& opt,
                           std::unique_ptr<FlowSink>& out) {
  auto sink = std::make_unique<FlowToolsSink>(std::move(dest), opt);
  if (Status s = sink->open(); !s) return std::move(s).at(Origin::output);
  out = std::move(sink);
  return {};
}

Status flowtools_write_raw(FlowSink& sink, std::span<const ftfmt::Record> recs) {
  auto* ft = dynamic_cast<FlowToolsSink*>(&sink);
  if (!ft) return {Errc::invalid_argument, Origin::output, "not a flow-tools sink"};
  return ft->write_raw(recs);
}

Status open_flowtools_sink(const SinkConfig&, std::unique_ptr<Destination> dest,
                           std::unique_ptr<FlowSink>& out) {
  return open_flowtools_sink(std::move(dest), FlowToolsWriterOptions{}, out);
}

}  // namespace weir
