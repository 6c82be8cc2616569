// SPDX-License-Identifier: Apache-2.0
#include "tools/weir/cli.hpp"

#include <sys/stat.h>

#include <cmath>
#include <cstdlib>
#include <stdexcept>

namespace weir::cli {

namespace {

bool is_file(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

uint64_t parse_count(const std::string& opt, const std::string& v, uint64_t lo, uint64_t hi) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end || errno || v[0] == '-' || n < lo || n > hi) {
    throw std::invalid_argument(opt + ": expected a whole number from " + std::to_string(lo) + " to " +
                                std::to_string(hi) + ", got '" + v + "'");
  }
  return n;
}

}  // namespace

uint64_t parse_seconds_ns(const std::string& opt, const std::string& v) {
  char* end = nullptr;
  const double s = std::strtod(v.c_str(), &end);
  if (v.empty() || *end || !std::isfinite(s) || s < 0 || s > 1e9) {
    throw std::invalid_argument(opt + ": expected seconds (e.g. 300 or 0.5), got '" + v + "'");
  }
  return static_cast<uint64_t>(std::llround(s * 1e9));
}

std::string usage() {
  return R"(usage: weir [options] -r FILE [-r FILE ...] [expression]
       weir cat FILE.bin [-o OUT]
       weir gen [options]          (weir gen --help)
       weir bench [options]        (weir bench --help)

Meters packet flows in pcap/pcapng files and writes one record per flow.

input
  -r FILE            capture file (pcap or pcapng, plain or gzip/zstd compressed;
                     '-' = standard input). Repeat -r, or list more files right after
                     it: all are read in order as one stream of packets.
  expression         tcpdump filter expression (libpcap syntax), applied before
                     metering; rejected packets are reported as 'filtered'.
metering
  -d u|b             unidirectional or bidirectional flows (default b). In a biflow
                     the forward direction is the sender of the first packet.
  --vlan-key         put the outer VLAN id into the flow key
  --idle-timeout S   end a flow after S seconds without packets (default 300)
  --active-timeout S cut a record after S seconds; the flow continues in a new one
                     (default 1800, at most 259200)
  --tcp-close-grace S  after FIN both ways or RST, end the flow S seconds after its
                     last packet (default 1), so final ACKs stay in the record
  --max-flows N      flow table size for the whole process (default 2000000); when
                     full, the least recently seen flow is exported early ('evicted')
  -w N               metering worker threads (default: one per core but one, plus a
                     reader thread); -w 1 runs everything in one thread, -w N > 1
                     adds a reader thread. Output is identical for any N.
  --reader-thread    read and decode in a thread of their own even with -w 1
output
  -o OUT             output file (default '-' = standard output); written to a
                     temporary name and renamed when complete
  -F csv|bin         CSV with a header row (default) or weir's binary format
                     (doc/binary-format.md; 'weir cat' prints it as CSV)
  -q, --quiet        no summary on stderr
  --stats-json FILE  also write the run summary as JSON to FILE
  --stop-after read|decode   benchmarking: run only the reader (and decoder); no
                     records are written
  --read-method read|mmap   benchmarking: how capture files are read: read() into a
                     small reused buffer (default, fastest where measured) or a
                     sliding memory mapping (doc/performance.md)
  --progress, --no-progress   progress line on stderr (default: when it is a TTY)
  -h, --help         this text;  -V, --version   the version

Records are written in ascending order of (expiry time, flow id): see weir(1).
exit status: 0 ok, 1 internal error, 2 usage, 3 input missing or unreadable,
4 input malformed (records read before the fault are written), 5 output error.
)";
}

Options parse(const std::vector<std::string>& args) {
  Options o;
  std::vector<std::string> expr;
  auto need = [&](std::size_t& i, const std::string& opt) -> const std::string& {
    if (i + 1 >= args.size()) throw std::invalid_argument(opt + " needs a value");
    return args[++i];
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!expr.empty() || a.empty() || a[0] != '-' || a == "-") {
      expr.push_back(a);
      continue;
    }
    if (a == "-r") {
      o.engine.inputs.push_back(need(i, a));
      // tcpdump habit extended: more files may follow one -r.
      while (i + 1 < args.size() && args[i + 1][0] != '-' && is_file(args[i + 1])) {
        o.engine.inputs.push_back(args[++i]);
      }
    } else if (a == "-d") {
      const std::string& v = need(i, a);
      if (v == "u") {
        o.engine.bidirectional = false;
      } else if (v == "b") {
        o.engine.bidirectional = true;
      } else {
        throw std::invalid_argument("-d: expected u or b, got '" + v + "'");
      }
    } else if (a == "-o") {
      o.engine.sink.path = need(i, a);
    } else if (a == "-F") {
      const std::string& v = need(i, a);
      if (v == "csv") {
        o.engine.sink.format = OutputFormat::csv;
      } else if (v == "bin") {
        o.engine.sink.format = OutputFormat::binary;
      } else {
        throw std::invalid_argument("-F: expected csv or bin, got '" + v + "'");
      }
    } else if (a == "-w") {
      o.engine.workers = static_cast<uint32_t>(parse_count(a, need(i, a), 1, 64));
    } else if (a == "--reader-thread") {
      o.engine.reader_thread = true;
    } else if (a == "--idle-timeout") {
      o.engine.idle_timeout_ns = parse_seconds_ns(a, need(i, a));
    } else if (a == "--active-timeout") {
      o.engine.active_timeout_ns = parse_seconds_ns(a, need(i, a));
      if (o.engine.active_timeout_ns > 259200ull * 1'000'000'000) {
        throw std::invalid_argument("--active-timeout: at most 259200 s (72 h)");
      }
    } else if (a == "--tcp-close-grace") {
      o.engine.tcp_close_grace_ns = parse_seconds_ns(a, need(i, a));
    } else if (a == "--max-flows") {
      o.engine.max_flows = parse_count(a, need(i, a), 1, 1ull << 32);
    } else if (a == "--stats-json") {
      o.stats_json = need(i, a);
    } else if (a == "--stop-after") {
      const std::string& v = need(i, a);
      if (v == "read") {
        o.engine.stop_after = EngineConfig::Stage::read;
      } else if (v == "decode") {
        o.engine.stop_after = EngineConfig::Stage::decode;
      } else {
        throw std::invalid_argument("--stop-after: expected read or decode, got '" + v + "'");
      }
    } else if (a == "--read-method") {
      const std::string& v = need(i, a);
      if (!parse_read_method(v, o.engine.read_method)) {
        throw std::invalid_argument("--read-method: expected read or mmap, got '" + v + "'");
      }
    } else if (a == "--vlan-key") {
      o.engine.vlan_key = true;
    } else if (a == "-q" || a == "--quiet") {
      o.quiet = true;
    } else if (a == "--progress") {
      o.progress = 1;
    } else if (a == "--no-progress") {
      o.progress = 0;
    } else if (a == "-h" || a == "--help") {
      o.help = true;
    } else if (a == "-V" || a == "--version") {
      o.version = true;
    } else if (a == "--") {
      for (++i; i < args.size(); ++i) expr.push_back(args[i]);
    } else {
      throw std::invalid_argument("unknown option '" + a + "' (see weir --help)");
    }
  }
  for (const std::string& e : expr) {
    if (!o.engine.filter.empty()) o.engine.filter += ' ';
    o.engine.filter += e;
  }
  if (!o.help && !o.version && o.engine.inputs.empty()) {
    throw std::invalid_argument("no input: give a capture file with -r FILE (or -r - for standard input)");
  }
  return o;
}

}  // namespace weir::cli
