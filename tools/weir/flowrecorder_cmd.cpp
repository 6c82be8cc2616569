// SPDX-License-Identifier: Apache-2.0
// weir flowrecorder: flowRecorder's command line as a drop-in (doc/flowrecorder.md):
// -d u|b, -f FILE or -i IFACE, -o OUT, metered with the flowrecorder compat profile.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "compat/flowrecorder_profile.hpp"
#include "tools/weir/cli.hpp"
#include "tools/weir/exit_codes.hpp"
#include "tools/weir/subcommands.hpp"
#include "weir_config.h"

namespace weir {

namespace {

const char* const kUsage =
    "usage: weir flowrecorder [-d u|b] -f FILE|-i IFACE -o OUT [options] [expression]\n"
    "\n"
    "flowRecorder's command line, run by weir: packets into flow records written as\n"
    "flowRecorder's CSV (18 columns with -d u, 44 with -d b), with its rules: idle\n"
    "expiry only (a gap of more than 3600 s starts a new record), TCP/UDP 5-tuple and\n"
    "3-tuple keys, IP lengths. What differs from flowRecorder and why: doc/flowrecorder.md.\n"
    "\n"
    "flowRecorder's options\n"
    "  -d, --direction u|b   unidirectional or bidirectional flows (default b)\n"
    "  -f, --file FILE       capture file (pcap or pcapng, plain or gzip/zstd; '-' = stdin)\n"
    "  -i, --interface IFACE live capture from IFACE until Ctrl-C (as weir -i)\n"
    "  -o, --out OUT         the CSV file, written exactly as named (flowRecorder adds\n"
    "                        '.csv' to the name it is given: give -o NAME.csv.csv to get\n"
    "                        its file name)\n"
    "  -h, --help            this text;  -v, --version   the version\n"
    "weir's additions\n"
    "  --idle-timeout S      flowRecorder's flow_expiration (config.yaml; default 3600)\n"
    "  -w N                  metering threads (output identical for any N)\n"
    "  -q, --quiet           no summary on stderr\n"
    "  --progress, --no-progress   progress line on stderr (default: when it is a TTY)\n"
    "  expression            tcpdump filter expression, applied before metering\n"
    "\n"
    "Exit status: 0 ok, 2 usage, 3 input missing or unreadable, 4 input malformed,\n"
    "5 output error, 1 internal, 130 second signal.\n";

// "--opt=value", "--opt value", "-xvalue" or "-x value".
bool take(const std::vector<std::string>& a, std::size_t& i, const char* shrt, const char* lng,
          std::string& value) {
  const std::string& o = a[i];
  const std::string l = std::string("--") + lng;
  if (o == shrt || o == l) {
    if (i + 1 >= a.size()) throw std::invalid_argument(o + " needs a value");
    value = a[++i];
    return true;
  }
  if (o.rfind(l + "=", 0) == 0) {
    value = o.substr(l.size() + 1);
    return true;
  }
  if (o.size() > 2 && o.compare(0, 2, shrt) == 0 && o[1] != '-') {
    value = o.substr(2);
    return true;
  }
  return false;
}

cli::Options parse(const std::vector<std::string>& a, bool& help, bool& version) {
  cli::Options opt;
  EngineConfig& e = opt.engine;
  std::string dir, file, iface, out, v;
  bool idle_given = false;
  std::vector<std::string> expr;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string& o = a[i];
    if (o == "-h" || o == "--help") {
      help = true;
    } else if (o == "-v" || o == "--version") {
      version = true;
    } else if (take(a, i, "-d", "direction", v)) {
      if (v != "u" && v != "b") throw std::invalid_argument("-d: expected u or b, got '" + v + "'");
      dir = v;
    } else if (take(a, i, "-f", "file", v)) {
      if (!file.empty()) throw std::invalid_argument("-f: one capture file per run");
      file = v;
    } else if (take(a, i, "-i", "interface", v)) {
      if (!iface.empty()) throw std::invalid_argument("-i: one interface per run");
      iface = v;
    } else if (take(a, i, "-o", "out", v)) {
      out = v;
    } else if (o == "--idle-timeout") {
      if (i + 1 >= a.size()) throw std::invalid_argument(o + " needs a value");
      e.idle_timeout_ns = cli::parse_seconds_ns(o, a[++i]);
      idle_given = true;
    } else if (take(a, i, "-w", "workers", v)) {
      char* end = nullptr;
      const unsigned long n = std::strtoul(v.c_str(), &end, 10);
      if (v.empty() || *end || n < 1 || n > kMaxWorkers) {
        throw std::invalid_argument("-w: expected a whole number from 1 to " + std::to_string(kMaxWorkers) +
                                    ", got '" + v + "'");
      }
      e.workers = static_cast<uint32_t>(n);
    } else if (o == "-q" || o == "--quiet") {
      opt.quiet = true;
    } else if (o == "--progress") {
      opt.progress = 1;
    } else if (o == "--no-progress") {
      opt.progress = 0;
    } else if (o.size() >= 2 && o[0] == '-') {
      throw std::invalid_argument("unknown option '" + o + "' (see weir flowrecorder --help)");
    } else {
      expr.push_back(o);
    }
  }
  if (help || version) return opt;
  if (!file.empty() && !iface.empty()) {
    throw std::invalid_argument("-f and -i given: choose one input (a capture file or an interface)");
  }
  if (file.empty() && iface.empty()) {
    throw std::invalid_argument("no input: give a capture file with -f FILE or an interface with -i IFACE");
  }
  if (out.empty()) throw std::invalid_argument("no output: give the CSV file with -o OUT");
  if (!file.empty()) e.capture.files = {file};
  e.capture.interface = iface;
  e.bidirectional = dir != "u";
  for (const std::string& x : expr) e.filter += (e.filter.empty() ? "" : " ") + x;
  e.outputs = {SinkConfig{.path = out}};
  const uint64_t idle = e.idle_timeout_ns;
  compat::apply_flowrecorder(e);
  if (idle_given) e.idle_timeout_ns = idle;
  return opt;
}

}  // namespace

int flowrecorder_main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  bool help = false, version = false;
  cli::Options opt;
  try {
    opt = parse(args, help, version);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "weir flowrecorder: %s\n", e.what());
    return cli::kExitUsage;
  }
  if (help) {
    std::fputs(kUsage, stdout);
    return cli::kExitOk;
  }
  if (version) {
    std::printf("weir %s (flowrecorder)\n", WEIR_VERSION);
    return cli::kExitOk;
  }
  return run_meter(opt, "weir flowrecorder");
}

}  // namespace weir
