// SPDX-License-Identifier: Apache-2.0
// Options `weir flows` and `weir extract` share (input, flow key, progress), so the two
// read an input alike and number its flows alike. Header-only; throws
// std::invalid_argument with a user-facing message on a usage error.
#pragma once

#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "extract/flow_scan.hpp"
#include "tools/weir/exit_codes.hpp"

namespace weir::flowtool {

struct CommonArgs {
  extract::ScanOptions scan;
  int progress = -1;  // -1 auto (stderr is a TTY), 0 off, 1 on
  bool quiet = false;
  bool help = false;
  std::vector<std::string> expression;  // words of the BPF expression
};

inline const std::string& value_of(const std::vector<std::string>& a, std::size_t& i) {
  if (i + 1 >= a.size()) throw std::invalid_argument(a[i] + " needs a value");
  return a[++i];
}

// A whole number, optionally with k, M or G (powers of 1000 for counts, 1024 for
// byte sizes when binary is set).
inline uint64_t parse_number(const std::string& opt, const std::string& v, bool binary = false) {
  uint64_t n = 0;
  const char* end = v.data() + v.size();
  const auto [p, ec] = std::from_chars(v.data(), end, n);
  bool ok = ec == std::errc();
  uint64_t mul = 1;
  if (ok && p != end) {
    const uint64_t k = binary ? 1024 : 1000;
    mul = p + 1 != end ? 0 : *p == 'k' || *p == 'K' ? k : *p == 'M' ? k * k : *p == 'G' ? k * k * k : 0;
    ok = mul != 0;
  }
  if (!ok || n > UINT64_MAX / mul) {
    throw std::invalid_argument(opt + ": expected a whole number (k, M, G allowed), got '" + v + "'");
  }
  return n * mul;
}

// Consumes a[i] (and its value) if it is a shared option.
inline bool common_option(const std::vector<std::string>& a, std::size_t& i, CommonArgs& c) {
  const std::string& o = a[i];
  if (o == "-r") {
    c.scan.files.push_back(value_of(a, i));
  } else if (o == "--stdin") {  // pcap_flow's spelling of -r -
    c.scan.files.emplace_back("-");
  } else if (o == "--vlan") {
    c.scan.vlan_key = true;
  } else if (o == "--flow-5tuple") {
    c.scan.five_tuple = true;
  } else if (o == "--packet-max") {
    c.scan.packet_max = parse_number(o, value_of(a, i));
    if (c.scan.packet_max == 0) throw std::invalid_argument("--packet-max: must be at least 1");
  } else if (o == "--progress") {
    c.progress = 1;
  } else if (o == "--no-progress") {
    c.progress = 0;
  } else if (o == "-q" || o == "--quiet") {
    c.quiet = true;
  } else if (o == "-h" || o == "--help") {
    c.help = true;
  } else if (o.size() > 1 && o[0] == '-') {
    return false;
  } else {
    c.expression.push_back(o);  // tcpdump habit: the expression follows the options
  }
  return true;
}

// Checks the input and settles the expression and the progress line.
inline void finish_common(CommonArgs& c, const char* name) {
  if (c.scan.files.empty()) throw std::invalid_argument("no input: give -r FILE (or -r - for standard input)");
  for (const std::string& w : c.expression) c.scan.filter += (c.scan.filter.empty() ? "" : " ") + w;
  c.scan.progress = c.progress == 1 || (c.progress == -1 && isatty(STDERR_FILENO));
  c.scan.progress_name = name;
}

inline constexpr const char* kCommonHelp =
    "  -r FILE            capture file (pcap or pcapng; '-' or --stdin = standard input);\n"
    "                     repeat -r to read several files as one stream\n"
    "  --vlan             the outer VLAN id is part of the flow key\n"
    "  --flow-5tuple      MAC addresses are not part of the flow key (default: they are,\n"
    "                     as in pcap_flow)\n"
    "  --packet-max N     read only the first N packets\n"
    "  --progress, --no-progress   progress line on stderr (default: when it is a TTY)\n"
    "  -q, --quiet        no summary on stderr\n"
    "  -h, --help         this text\n"
    "  expression         tcpdump filter expression (libpcap syntax)\n";

// Parses a subcommand's arguments: the shared options, then own(a, i) for the others
// (false: unknown option), then check() for combinations; prints usage (a printf format
// taking kCommonHelp and the exit table) for --help. Returns -1 to go on, else the exit
// status.
template <typename Own, typename Check>
int parse_args(int argc, char** argv, const char* name, const char* usage, CommonArgs& c, Own&& own,
               Check&& check) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  try {
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (common_option(a, i, c)) continue;
      if (!own(a, i)) throw std::invalid_argument("unknown option '" + a[i] + "' (" + name + " --help)");
    }
    if (c.help) {
      std::printf(usage, kCommonHelp, cli::kExitTableText);
      return cli::kExitOk;
    }
    finish_common(c, name);
    check();
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "%s: %s\n", name, e.what());
    return cli::kExitUsage;
  }
  return -1;
}

}  // namespace weir::flowtool
