// SPDX-License-Identifier: Apache-2.0
// FlowSink: where finished flow records go. Batches in, one virtual call per batch.
// Used only by the merger thread. Files are written under a temporary name
// (<path>.tmp.<pid>) and renamed to <path> by finish(); on any error the temporary file
// is removed and the Status says what failed (e.g. "write out.csv: No space left").
// A path that exists and is not a regular file (/dev/null, a FIFO, /dev/fd/N) is written
// in place, like "-". A sink destroyed without finish() removes its temporary file.
// Formats: CSV (csv_format.hpp), binary (doc/binary-format.md, binary_reader.hpp).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "engine/base/common.hpp"
#include "engine/base/flow_record.hpp"

namespace weir {

enum class OutputFormat : uint8_t { csv, binary };

struct SinkConfig {
  std::string path = "-";       // "-" = standard output (no rename)
  OutputFormat format = OutputFormat::csv;
  bool bidirectional = true;    // CSV: unidirectional output omits the bwd_* columns
};

class FlowSink {
 public:
  virtual ~FlowSink() = default;
  virtual Status write_burst(std::span<const FlowRecord> recs) = 0;
  // Pushes buffered records to the destination now (a live run calls it every
  // --flush-interval, so a record is visible soon after its flow ends).
  virtual Status flush() { return Status::ok(); }
  // Flushes, writes any trailer, and renames the temporary file into place.
  virtual Status finish() = 0;
  virtual uint64_t records_written() const noexcept = 0;
};

Status open_sink(const SinkConfig& cfg, std::unique_ptr<FlowSink>& out);

}  // namespace weir
