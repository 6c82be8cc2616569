// SPDX-License-Identifier: Apache-2.0
// CsvSink: FlowRecords as CSV text (format: csv_format.hpp). Merger thread only.
#include "exporters/csv_format.hpp"
#include "exporters/detail/dest_sink.hpp"
#include "exporters/detail/sinks.hpp"

namespace weir::detail {

namespace {

class CsvSink final : public DestSink {
 public:
  CsvSink(const SinkConfig& cfg, std::unique_ptr<Destination> dest)
      : DestSink(cfg.format, std::move(dest)), bidirectional_(cfg.bidirectional) {}

  Status open() {
    const std::string header = csv_header(bidirectional_);
    return append(header.data(), header.size());
  }

  Status write_burst(std::span<const FlowRecord> recs) override {
    if (Status s = writable(); !s) return s;
    for (const FlowRecord& r : recs) {
      if (dest_->space() < kCsvMaxRecordBytes) {
        if (Status s = dest_->reserve(kCsvMaxRecordBytes); !s) return s;
      }
      dest_->commit(format_csv_record(r, bidirectional_, dest_->cursor()));
      ++n_records_;
    }
    return {};
  }

  Status finish() override { return finish_dest(); }

 private:
  bool bidirectional_;
};

}  // namespace

Status open_csv_sink(const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                     std::unique_ptr<FlowSink>& out) {
  auto sink = std::make_unique<CsvSink>(cfg, std::move(dest));
  if (Status s = sink->open(); !s) return s;
  out = std::move(sink);
  return {};
}

}  // namespace weir::detail
