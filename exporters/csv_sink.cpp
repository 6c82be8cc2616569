// SPDX-License-Identifier: Apache-2.0
// CsvSink: FlowRecords as CSV text (format: csv_format.hpp). Merger thread only.
#include <algorithm>
#include <cstring>

#include "exporters/csv_format.hpp"
#include "exporters/detail/output_file.hpp"
#include "exporters/detail/sinks.hpp"

namespace weir::detail {

namespace {

class CsvSink final : public FlowSink {
 public:
  explicit CsvSink(bool bidirectional) : bidirectional_(bidirectional) {}

  Status open(const std::string& path) {
    if (Status s = out_.open(path); !s) return s;
    const std::string header = csv_header(bidirectional_);
    std::memcpy(out_.cursor(), header.data(), header.size());  // ~1 KiB of 1 MiB
    out_.commit(header.size());
    return {};
  }

  Status write_burst(std::span<const FlowRecord> recs) override {
    if (finished_) return {Errc::invalid_argument, "write_burst after finish"};
    if (out_.failed()) return out_.error();
    for (const FlowRecord& r : recs) {
      if (out_.space() < kCsvMaxRecordBytes) {
        if (Status s = out_.flush(); !s) return s;
      }
      out_.commit(format_csv_record(r, bidirectional_, out_.cursor()));
      ++n_records_;
    }
    return {};
  }

  Status flush() override {
    if (finished_) return {};
    return out_.flush();
  }

  Status finish() override {
    finished_ = true;
    return out_.finish();
  }

  uint64_t records_written() const noexcept override { return n_records_; }

 private:
  OutputFile out_;
  bool bidirectional_;
  bool finished_ = false;
  uint64_t n_records_ = 0;
};

}  // namespace

Status open_csv_sink(const SinkConfig& cfg, std::unique_ptr<FlowSink>& out) {
  auto sink = std::make_unique<CsvSink>(cfg.bidirectional);
  if (Status s = sink->open(cfg.path); !s) return s;
  out = std::move(sink);
  return {};
}

}  // namespace weir::detail
