// SPDX-License-Identifier: Apache-2.0
// JsonSink: FlowRecords as JSON lines (format: json_format.hpp). Merger thread only.
#include <cstring>

#include "exporters/detail/dest_sink.hpp"
#include "exporters/detail/sinks.hpp"
#include "exporters/detail/text_format.hpp"
#include "exporters/json_format.hpp"

namespace weir {

std::size_t format_json_record(const FlowRecord& r, bool bidirectional, char* out) noexcept {
  return detail::format_text_record<detail::TextStyle::json>(r, bidirectional, out);
}

FlowKeyBytes canonical_flow_key(const FlowRecord& r) noexcept {
  FlowKeyBytes k{};
  k[0] = r.ip_version;
  k[1] = r.proto;
  const std::size_t n = r.ip_version == 4 ? 4 : 16;
  auto endpoint = [&](const std::array<uint8_t, 16>& a, uint16_t port, uint8_t* out) {
    std::memcpy(out, a.data(), n);
    out[16] = static_cast<uint8_t>(port >> 8);
    out[17] = static_cast<uint8_t>(port);
  };
  std::array<uint8_t, 18> s{};
  std::array<uint8_t, 18> d{};
  endpoint(r.src_addr, r.src_port, s.data());
  endpoint(r.dst_addr, r.dst_port, d.data());
  if (d < s) std::swap(s, d);
  std::memcpy(k.data() + 2, s.data(), 18);
  std::memcpy(k.data() + 20, d.data(), 18);
  return k;
}

namespace detail {

namespace {

class JsonSink final : public DestSink {
 public:
  JsonSink(const SinkConfig& cfg, std::unique_ptr<Destination> dest)
      : DestSink(cfg.format, std::move(dest)), bidirectional_(cfg.bidirectional) {
    per_message_ = dest_->kind() == DestKind::message;
  }

  Status write_burst(std::span<const FlowRecord> recs) override {
    if (Status s = writable(); !s) return s;
    for (const FlowRecord& r : recs) {
      if (dest_->space() < kJsonMaxRecordBytes) {
        if (Status s = dest_->reserve(kJsonMaxRecordBytes); !s) return s;
      }
      dest_->commit(format_json_record(r, bidirectional_, dest_->cursor()));
      ++n_records_;
      if (per_message_) {
        const FlowKeyBytes key = canonical_flow_key(r);
        if (Status s = dest_->end_message(key); !s) return s;
        ++counters_.messages;
      }
    }
    return {};
  }

  Status finish() override { return finish_dest(); }

 private:
  bool bidirectional_;
  bool per_message_;
};

}  // namespace

Status open_json_sink(const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                      std::unique_ptr<FlowSink>& out) {
  if (dest->kind() == DestKind::message && dest->max_message_bytes() < kJsonMaxRecordBytes)
    return {Errc::invalid_argument, Origin::output,
            dest->name() + ": messages of " + std::to_string(dest->max_message_bytes()) +
                " bytes cannot hold a JSON record (up to " + std::to_string(kJsonMaxRecordBytes) +
                ")"};
  out = std::make_unique<JsonSink>(cfg, std::move(dest));
  return {};
}

}  // namespace detail
}  // namespace weir
