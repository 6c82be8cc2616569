// SPDX-License-Identifier: Apache-2.0
// FlowSink: where finished flow records go. Batches in, one virtual call per batch.
// Used only by the merger thread.
//
// A sink is a format (how records become bytes: csv, bin, json, ipfix, netflow9,
// netflow5, ... -- sink_registry.hpp) writing to a destination (where the bytes go: a
// path, "-", udp://HOST:PORT, tcp://HOST:PORT, ... -- destination.hpp). open_sink()
// takes one -F/-o pair; open_sinks() several, fanned out to every sink in order.
//
// Files are written under a temporary name (<path>.tmp.<pid>) and renamed to <path> by
// finish(); on any error the temporary file is removed and the Status says what failed
// (e.g. "write out.csv: No space left"). A path that exists and is not a regular file
// (/dev/null, a FIFO, /dev/fd/N) is written in place, like "-". A sink destroyed
// without finish() removes its temporary file.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/common.hpp"
#include "engine/base/flow_record.hpp"

namespace weir {

// The name of a registered output format (sink_registry.hpp). The constants below name
// the built-in ones; find_sink_format() turns user text into one. Holds a view of a
// name with static storage: the registry's, or a literal.
struct OutputFormat {
  std::string_view name;

  static const OutputFormat csv, binary, json, ipfix, netflow9, netflow5;

  friend constexpr bool operator==(OutputFormat a, OutputFormat b) noexcept {
    return a.name == b.name;
  }
};
inline constexpr OutputFormat OutputFormat::csv{"csv"};
inline constexpr OutputFormat OutputFormat::binary{"bin"};
inline constexpr OutputFormat OutputFormat::json{"json"};
inline constexpr OutputFormat OutputFormat::ipfix{"ipfix"};
inline constexpr OutputFormat OutputFormat::netflow9{"netflow9"};
inline constexpr OutputFormat OutputFormat::netflow5{"netflow5"};

// Exporter settings shared by every -F/-o pair of a run.
struct ExportOptions {
  uint32_t template_refresh_s = 600;  // --template-refresh: IPFIX/v9 templates resent on UDP
  uint32_t observation_domain = 0;    // --observation-domain: IPFIX domain, v9 source id,
                                      // v5 engine id (low 8 bits)
  uint32_t mtu_bytes = 1500;          // --mtu: datagrams stay within it (minus IP/UDP headers)
  bool files_in_place = false;        // files written under their own name (DestinationOptions)
  // -G S: a file output is closed (complete, trailer written) and a new one opened every
  // S seconds of wall time; the -o path is a strftime(3) pattern (tcpdump's -G).
  uint64_t rotate_ns = 0;
  uint32_t rotate_keep = 0;           // -W N: at most N rotated files; the oldest is removed
};

struct SinkConfig {
  std::string path = "-";  // destination: a path, "-" = standard output, udp://HOST:PORT,
                           // tcp://HOST:PORT, or a registered scheme (destination.hpp)
  OutputFormat format = OutputFormat::csv;
  bool bidirectional = true;  // biflows (CSV: unidirectional output has no bwd_* columns)
  ExportOptions exp{};
};

// What a sink did, for the run summary. Records: FlowRecords handed to write_burst.
struct SinkStats {
  uint64_t records = 0;       // FlowRecords exported (fully or as their parts)
  uint64_t not_exported = 0;  // FlowRecords the format cannot carry (NetFlow v5: IPv6)
  uint64_t export_records = 0;  // records on the wire: v9/v5 write one per direction, and
                                // v5 splits counters past 2^32 into several
  uint64_t split_records = 0;   // extra records made by such splits
  uint64_t messages = 0;        // datagrams, IPFIX messages, broker messages (0: a stream)
  uint64_t bytes = 0;           // bytes handed to the destination
  uint64_t messages_lost = 0;   // UDP datagrams refused (no collector listening)

  SinkStats& operator+=(const SinkStats& o) noexcept {
    records += o.records;
    not_exported += o.not_exported;
    export_records += o.export_records;
    split_records += o.split_records;
    messages += o.messages;
    bytes += o.bytes;
    messages_lost += o.messages_lost;
    return *this;
  }
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
  virtual SinkStats stats() const { return {.records = records_written()}; }
  // True when the format prints DirStats' shape fields (l2_len_*, *_skewness,
  // *_kurtosis): the engine then meters them (MeterConfig::higher_moments).
  virtual bool needs_higher_moments() const noexcept { return false; }
  // One line per -F/-o pair for the run summary, e.g.
  // "ipfix udp://127.0.0.1:4739: 1200 records, 56 messages, 93 KiB".
  virtual std::string summary() const;
};

// Opens one -F/-o pair (a rotating_sink.hpp when cfg.exp.rotate_ns is set).
Status open_sink(const SinkConfig& cfg, std::unique_ptr<FlowSink>& out);
// The same without rotation: what a rotating sink opens for each of its files.
Status open_plain_sink(const SinkConfig& cfg, std::unique_ptr<FlowSink>& out);
// Opens every pair; more than one gives a sink that hands each burst to all of them in
// order. A failure closes (and removes the files of) those already opened.
Status open_sinks(std::span<const SinkConfig> cfgs, std::unique_ptr<FlowSink>& out);

}  // namespace weir
