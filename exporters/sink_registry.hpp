// SPDX-License-Identifier: Apache-2.0
// The output formats by name: what `-F NAME` selects. A format turns FlowRecords into
// bytes on a Destination (destination.hpp) of the kinds it supports; open_sink() opens
// the destination, checks the pair and hands it to the format. Adding a format = one
// row in sink_registry.cpp (a format inside exporters/), or register_sink_format() at
// start-up from a module above exporters.
//
// Command-line side (tools/weir/cli.cpp): for each -F NAME / -o DEST pair call
// parse_sink_spec(); --template-refresh, --observation-domain and --mtu go through
// parse_export_option(); check_sink_set() rejects two pairs writing the same file or
// standard output; sink_formats_help() lists the formats for --help.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "exporters/destination.hpp"
#include "exporters/flow_sink.hpp"

namespace weir {

struct SinkFormat {
  std::string_view name;     // -F NAME (also OutputFormat::name)
  std::string_view aliases;  // other accepted names, space-separated ("" = none)
  std::string_view summary;  // one line for --help
  uint8_t kinds;             // destination kinds it writes to: kind_bit() mask
  // Opens the sink on an open destination of a supported kind (the sink owns it).
  Status (*open)(const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                 std::unique_ptr<FlowSink>& out);
};

const std::vector<SinkFormat>& sink_formats();
// At start-up only (not thread-safe); a name already taken is an error.
Status register_sink_format(const SinkFormat& format);
// By name or alias; nullptr if none.
const SinkFormat* find_sink_format(std::string_view name);

// One -F NAME / -o DEST pair into cfg.format and cfg.path (other members untouched).
// Checks the name, the destination's syntax and that the format can write to that kind
// of destination; no I/O. Errors carry Origin::config and say what to use instead, e.g.
// "-F netflow5: NetFlow v5 goes to udp://HOST:PORT, not to the file 'x.nf5'".
Status parse_sink_spec(std::string_view format, std::string_view dest, SinkConfig& cfg);
// Rejects two pairs writing the same path or both writing standard output.
Status check_sink_set(std::span<const SinkConfig> cfgs);
// --template-refresh S, --observation-domain N, --mtu N (option name as given).
Status parse_export_option(std::string_view opt, std::string_view value, ExportOptions& out);

// The -F/-o pairs of a command line, in the order given. -F names the format of the next
// -o; a -F after the last -o applies to it if it had none (`-o x.bin -F bin`); a lone -F
// writes to standard output; no -F/-o at all writes CSV to standard output. Export
// options apply to every pair. Every error has Origin::config and names the option.
class SinkArgs {
 public:
  Status format(std::string_view name);
  Status output(std::string_view dest);
  // --template-refresh, --observation-domain, --mtu.
  Status option(std::string_view opt, std::string_view value) { return parse_export_option(opt, value, exp_); }
  // The pairs, validated (parse_sink_spec, check_sink_set), with bidirectional and the
  // export options set.
  Status finish(bool bidirectional, std::vector<SinkConfig>& out);

 private:
  std::vector<SinkConfig> sinks_;
  std::string pending_;             // a -F waiting for its -o
  bool last_has_format_ = true;     // the last -o came with a -F
  ExportOptions exp_;
};

// Help text: every format with its summary and the destinations it takes.
std::string sink_formats_help();

}  // namespace weir
