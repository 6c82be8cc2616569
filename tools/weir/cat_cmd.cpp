// SPDX-License-Identifier: Apache-2.0
// weir cat: prints a flow file as CSV -- weir's binary format, an IPFIX file (RFC 5655)
// or a flow-tools file, told apart by their first bytes.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "collector/ipfix_file.hpp"
#include "exporters/binary_format.hpp"
#include "exporters/binary_reader.hpp"
#include "exporters/detail/input_file.hpp"
#include "exporters/flow_sink.hpp"
#include "exporters/flowtools.hpp"
#include "tools/weir/exit_codes.hpp"
#include "tools/weir/subcommands.hpp"

namespace weir {

namespace {

constexpr const char* kUsage =
    "usage: weir cat FILE [-o OUT] [--input-format bin|ipfix|flowtools]\n"
    "Prints a flow file as CSV (the same CSV 'weir -F csv' writes): weir's binary format\n"
    "(-F bin), an IPFIX file (RFC 5655, as 'weir -F ipfix' or YAF write; biflows keep\n"
    "both directions) or a flow-tools file (stream version 3, NetFlow v5 records; one\n"
    "unidirectional record each). The format is recognised by the file's first bytes;\n"
    "standard input ('-') is read as weir's binary format unless --input-format says\n"
    "otherwise.\n";

enum class InFormat { unknown, bin, ipfix, flowtools };

InFormat parse_format(const std::string& s) {
  if (s == "bin" || s == "binary") return InFormat::bin;
  if (s == "ipfix") return InFormat::ipfix;
  if (s == "flowtools" || s == "flow-tools") return InFormat::flowtools;
  return InFormat::unknown;
}

// By magic: "WEIRFLOW", IPFIX version 10, flow-tools CF 10.
Status sniff(const std::string& path, InFormat& out) {
  detail::InputFile f;
  if (Status s = f.open(path); !s) return s;
  uint8_t head[8] = {};
  std::size_t n = 0;
  if (Status s = f.read_full(head, sizeof head, n); !s) return s;
  if (n >= binfmt::kMagic.size() && std::memcmp(head, binfmt::kMagic.data(), binfmt::kMagic.size()) == 0) {
    out = InFormat::bin;
  } else if (n >= 2 && head[0] == ftfmt::kMagic1 && head[1] == ftfmt::kMagic2) {
    out = InFormat::flowtools;
  } else if (n >= 2 && head[0] == kIpfixFileMagic[0] && head[1] == kIpfixFileMagic[1]) {
    out = InFormat::ipfix;
  } else {
    return {Errc::malformed, Origin::input,
            path + ": not a flow file weir reads (no weir binary, IPFIX or flow-tools magic at byte 0)"};
  }
  return {};
}

Status cat_records(const std::string& in, const std::string& out, InFormat fmt) {
  std::unique_ptr<FlowSink> sink;
  auto open_csv = [&](bool bidirectional) {
    return open_sink({.path = out, .format = OutputFormat::csv, .bidirectional = bidirectional}, sink)
        .at(Origin::output);
  };
  // On a read error `sink` is destroyed unfinished: its temporary file goes away.
  if (fmt == InFormat::flowtools) {
    FlowToolsReader r;
    if (Status s = r.open(in); !s) return s;
    if (Status s = open_csv(false); !s) return s;
    std::vector<FlowRecord> burst(256);
    for (std::size_t n = 1; n > 0;) {
      if (Status s = r.read_burst(burst, n); !s) return s;
      if (Status s = sink->write_burst(std::span(burst).first(n)); !s) return s;
    }
  } else {
    IpfixFileReader r;
    if (Status s = r.open(in); !s) return s;
    if (Status s = open_csv(true); !s) return s;
    std::vector<FlowRecord> burst;
    do {
      if (Status s = r.read_burst(burst); !s) return s;
      if (Status s = sink->write_burst(burst); !s) return s;
    } while (!burst.empty());
  }
  return sink->finish().at(Origin::output);
}

}  // namespace

int cat_main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  std::string in, out = "-";
  InFormat fmt = InFormat::unknown;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-o" && i + 1 < args.size()) {
      out = args[++i];
    } else if (args[i] == "--input-format" && i + 1 < args.size()) {
      fmt = parse_format(args[++i]);
      if (fmt == InFormat::unknown) {
        std::fprintf(stderr, "weir cat: --input-format: expected bin, ipfix or flowtools, got '%s'\n", args[i].c_str());
        return cli::kExitUsage;
      }
    } else if (args[i] == "-h" || args[i] == "--help") {
      std::printf("%s%s", kUsage, cli::kExitTableText);
      return cli::kExitOk;
    } else if (in.empty()) {
      in = args[i];
    } else {
      std::fprintf(stderr, "weir cat: unexpected argument '%s'\n", args[i].c_str());
      return cli::kExitUsage;
    }
  }
  if (in.empty()) {
    std::fprintf(stderr, "weir cat: no input file (usage: weir cat FILE [-o OUT])\n");
    return cli::kExitUsage;
  }
  Status s;
  if (fmt == InFormat::unknown) {
    if (in == "-") {
      fmt = InFormat::bin;
    } else {
      s = sniff(in, fmt);
    }
  }
  if (s) s = fmt == InFormat::bin ? cat_flow_file(in, out) : cat_records(in, out, fmt);
  if (!s) {
    std::fprintf(stderr, "weir cat: %s\n", s.message.c_str());
    return cli::exit_code(s);
  }
  return cli::kExitOk;
}

}  // namespace weir
