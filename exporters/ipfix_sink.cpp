// SPDX-License-Identifier: Apache-2.0
// IPFIX and NetFlow v9 sinks (formats: ipfix_format.hpp, doc/export.md). Merger thread
// only.
//
// Messages are built in place in the destination's buffer: a header, the templates when
// due, then data sets, closed when the next record would pass the message limit (the
// datagram size under --mtu, or 65535 bytes on a stream), on flush() and on finish().
//
// Exporter state is a function of the records alone, so the same records give the same
// bytes (files are deterministic): the export clock (detail/export_clock.hpp), IPFIX
// sequence numbers counting data records, v9 ones counting packets. Templates go first
// on every stream and, on UDP, again once --template-refresh seconds of that clock have
// passed.
#include <algorithm>
#include <array>
#include <cstring>

#include "exporters/detail/dest_sink.hpp"
#include "exporters/detail/export_clock.hpp"
#include "exporters/detail/sinks.hpp"
#include "exporters/ipfix_format.hpp"

namespace weir::detail {

namespace {

using namespace ipfix;

class TemplateSink final : public DestSink {
 public:
  TemplateSink(Protocol proto, const SinkConfig& cfg, std::unique_ptr<Destination> dest)
      : DestSink(cfg.format, std::move(dest)),
        proto_(proto),
        opt_(cfg.exp),
        templates_{make_template(proto, false, cfg.bidirectional),
                   make_template(proto, true, cfg.bidirectional)} {
    max_msg_ = dest_->kind() == DestKind::stream
                   ? kMaxMessageBytes
                   : std::min(kMaxMessageBytes, dest_->max_message_bytes());
    header_bytes_ = proto == Protocol::ipfix ? kIpfixHeaderBytes : kNetflow9HeaderBytes;
  }

  Status open() {
    const std::size_t need = header_bytes_ + kSetHeaderBytes +
                             std::max(templates_[1].template_bytes, templates_[1].record_bytes);
    if (need > max_msg_)
      return {Errc::invalid_argument, Origin::config,
              dest_->name() + ": datagrams of " + std::to_string(max_msg_) +
                  " bytes cannot hold a template or record (" + std::to_string(need) +
                  " bytes): raise --mtu"};
    return {};
  }

  Status write_burst(std::span<const FlowRecord> recs) override {
    if (Status s = writable(); !s) return s;
    for (const FlowRecord& r : recs) {
      if (r.ip_version != 4 && r.ip_version != 6) {
        ++counters_.not_exported;
        continue;
      }
      clock_.observe(r);
      const Template& t = templates_[r.ip_version == 6 ? 1 : 0];
      if (proto_ == Protocol::ipfix) {
        if (Status s = add_record(t, r); !s) return s;
      } else {
        // v9 is unidirectional: one record per direction with packets.
        if (r.dir[0].packets != 0 || r.dir[1].packets == 0) {
          if (Status s = add_record(t, r); !s) return s;
        }
        if (r.dir[1].packets != 0) {
          if (Status s = add_record(t, backward_as_forward(r)); !s) return s;
        }
      }
      ++n_records_;
    }
    return {};
  }

  Status flush() override {
    if (finished_) return {};
    if (Status s = close_message(); !s) return s;
    return dest_->flush();
  }

  Status finish() override {
    if (finished_) return finish_dest();
    finished_ = true;
    if (Status s = dest_->status(); !s) return s;
    // A stream with no records still gets its templates: a valid, empty IPFIX file.
    if (!templates_sent_ && dest_->kind() == DestKind::stream) {
      if (Status s = open_message(); !s) return s;
    }
    if (Status s = close_message(); !s) return s;
    return finish_dest();
  }

 private:
  uint8_t* msg() noexcept { return reinterpret_cast<uint8_t*>(dest_->cursor()); }

  bool templates_due() const noexcept {
    if (!templates_sent_) return true;
    if (dest_->kind() == DestKind::stream) return false;
    return clock_.export_s() >= last_template_s_ + opt_.template_refresh_s;
  }

  Status open_message() {
    if (Status s = dest_->reserve(max_msg_); !s) return s;
    open_ = true;
    len_ = header_bytes_;
    set_at_ = 0;
    set_id_ = 0;
    msg_data_records_ = 0;
    msg_all_records_ = 0;
    if (templates_due()) {
      const std::size_t set_at = len_;
      len_ += kSetHeaderBytes;
      for (const Template& t : templates_) {
        write_template_record(t, msg() + len_);
        len_ += t.template_bytes;
        ++msg_all_records_;
      }
      put16(msg() + set_at, proto_ == Protocol::ipfix ? kIpfixTemplateSet : kNetflow9TemplateFlowset);
      put16(msg() + set_at + 2, static_cast<uint32_t>(len_ - set_at));
      templates_sent_ = true;
      last_template_s_ = clock_.export_s();
    }
    return {};
  }

  void close_set() noexcept {
    if (set_id_ == 0) return;
    if (proto_ == Protocol::netflow9) {
      while ((len_ - set_at_) % 4 != 0) msg()[len_++] = 0;  // RFC 3954: pad to 32 bits
    }
    put16(msg() + set_at_ + 2, static_cast<uint32_t>(len_ - set_at_));
    set_id_ = 0;
  }

  Status close_message() {
    if (!open_) return {};
    close_set();
    uint8_t* h = msg();
    if (proto_ == Protocol::ipfix) {
      put16(h, kIpfixVersion);
      put16(h + 2, static_cast<uint32_t>(len_));
      put32(h + 4, static_cast<uint32_t>(clock_.export_s()));
      put32(h + 8, sequence_);  // data records before this message
      put32(h + 12, opt_.observation_domain);
      sequence_ += msg_data_records_;
    } else {
      put16(h, kNetflow9Version);
      put16(h + 2, msg_all_records_);
      put32(h + 4, clock_.header_uptime_ms());
      put32(h + 8, static_cast<uint32_t>(clock_.export_s()));
      put32(h + 12, sequence_);  // export packets before this one
      put32(h + 16, opt_.observation_domain);
      ++sequence_;
    }
    dest_->commit(len_);
    open_ = false;
    ++counters_.messages;
    counters_.export_records += msg_data_records_;
    return dest_->end_message();
  }

  Status add_record(const Template& t, const FlowRecord& r) {
    if (!open_) {
      if (Status s = open_message(); !s) return s;
    }
    std::size_t need = t.record_bytes + (set_id_ == t.id ? 0 : kSetHeaderBytes + 3);
    if (len_ + need > max_msg_) {
      if (Status s = close_message(); !s) return s;
      if (Status s = open_message(); !s) return s;
      need = t.record_bytes + kSetHeaderBytes + 3;
      if (len_ + need > max_msg_) {  // templates filled it: send them alone
        if (Status s = close_message(); !s) return s;
        if (Status s = open_message(); !s) return s;
      }
    }
    if (set_id_ != t.id) {
      close_set();
      set_at_ = len_;
      set_id_ = t.id;
      put16(msg() + len_, t.id);
      len_ += kSetHeaderBytes;
    }
    encode_record(t, r, clock_.uptime_base_ms(), msg() + len_);
    len_ += t.record_bytes;
    ++msg_data_records_;
    ++msg_all_records_;
    return {};
  }

  Protocol proto_;
  ExportOptions opt_;
  std::array<Template, 2> templates_;  // IPv4, IPv6
  std::size_t max_msg_ = 0;
  std::size_t header_bytes_ = 0;
  // The message being built at dest_->cursor().
  bool open_ = false;
  std::size_t len_ = 0;
  std::size_t set_at_ = 0;
  uint16_t set_id_ = 0;
  uint32_t msg_data_records_ = 0;
  uint32_t msg_all_records_ = 0;
  // Exporter state.
  uint32_t sequence_ = 0;
  ExportClock clock_;
  bool templates_sent_ = false;
  uint64_t last_template_s_ = 0;
};

Status open_template_sink(Protocol p, const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                          std::unique_ptr<FlowSink>& out) {
  auto sink = std::make_unique<TemplateSink>(p, cfg, std::move(dest));
  if (Status s = sink->open(); !s) return s;
  out = std::move(sink);
  return {};
}

}  // namespace

Status open_ipfix_sink(const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                       std::unique_ptr<FlowSink>& out) {
  return open_template_sink(Protocol::ipfix, cfg, std::move(dest), out);
}

Status open_netflow9_sink(const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                          std::unique_ptr<FlowSink>& out) {
  return open_template_sink(Protocol::netflow9, cfg, std::move(dest), out);
}

}  // namespace weir::detail
