// SPDX-License-Identifier: Apache-2.0
// DestSink: what every sink writing to a Destination shares -- the destination, the
// record count, finished-state checks and the summary line ("FORMAT DEST: ...").
#pragma once

#include <cstring>
#include <memory>
#include <string>

#include "exporters/destination.hpp"
#include "exporters/flow_sink.hpp"

namespace weir::detail {

class DestSink : public FlowSink {
 public:
  uint64_t records_written() const noexcept override { return n_records_; }
  SinkStats stats() const override {
    SinkStats s = counters_;
    s.records = n_records_;
    const DestinationStats d = dest_->stats();
    s.bytes = d.bytes + dest_->used();
    if (s.messages == 0) s.messages = d.messages;
    s.messages_lost = d.messages_lost;
    return s;
  }
  std::string summary() const override {
    return std::string(format_) + " " + dest_->name() + ": " + FlowSink::summary();
  }
  Status flush() override {
    if (finished_) return {};
    return dest_->flush();
  }

 protected:
  DestSink(OutputFormat format, std::unique_ptr<Destination> dest)
      : dest_(std::move(dest)), format_(format.name) {}

  // write_burst's precondition.
  Status writable() const {
    if (finished_) return {Errc::invalid_argument, Origin::output, "write_burst after finish"};
    return dest_->status();  // errors are sticky
  }
  // Appends bytes to the output (a header or trailer).
  Status append(const void* bytes, std::size_t n) {
    if (Status s = dest_->reserve(n); !s) return s;
    std::memcpy(dest_->cursor(), bytes, n);
    dest_->commit(n);
    return {};
  }
  // Marks the sink finished and closes the destination (idempotent: ok, or the first
  // error again).
  Status finish_dest() {
    finished_ = true;
    return dest_->finish();
  }

  std::unique_ptr<Destination> dest_;
  std::string_view format_;
  bool finished_ = false;
  uint64_t n_records_ = 0;
  SinkStats counters_;  // export_records, split_records, not_exported, messages
};

}  // namespace weir::detail
