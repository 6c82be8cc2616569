// SPDX-License-Identifier: Apache-2.0
// weir report: interval reports of TCP connections per destination (what SENSS
// flow_collection.py and tcpstat printed), as a table, JSON and pictures. Thin: parse
// the arguments, run report::run_report, map the outcome to an exit status.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "report/run_report.hpp"
#include "tools/weir/cli.hpp"
#include "tools/weir/exit_codes.hpp"
#include "tools/weir/subcommands.hpp"

namespace weir {

namespace {

constexpr const char* kUsage = R"(usage: weir report -r FILE [-r FILE ...] | -i IFACE [options] [expression]

Every interval of trace time, and at the end of the input: per destination address and
port, TCP connections ongoing, closing, half-open and SYN-only; new ones; the ones that
finished (by RST, FIN without SYN, SYN and FIN, or timed out) and their durations;
UDP and ICMP packets, bytes and flows. IPv4 and IPv6. Replaces SENSS flow_collection.py
(see doc/report.md for the option map and what differs).

input
  -r FILE            capture file (pcap or pcapng; '-' = standard input); more files may
                     follow one -r, or repeat -r: all are read in order as one stream
  -i IFACE           live interface (when a live capture backend is built in)
  expression         tcpdump filter expression, applied before anything is counted
report
  --interval S       interval of trace time in seconds (default 60, at least 0.001)
  --align            start intervals at multiples of the interval since the Unix epoch
                     (default: at the first packet read, as tcpstat does)
  --conn-timeout S   a connection (or UDP/ICMP flow) finishes S seconds after its last
                     packet (default 5, SENSS's value)
  --target ADDR|NET  report only destinations inside ADDR or NET (e.g. 10.1.2.3,
                     10.1.0.0/16, 2001:db8::/32); every packet to or from it is kept,
                     so the replies are seen (SENSS's -d lost them)
  --max-conns N      live connections and flows kept at once (default 4194304); when
                     full, new ones are counted in the totals but not tracked
output
  --json FILE        the report as JSON (schema in doc/report.md); '-' = standard
                     output instead of the text report
  --plot DIR         write pictures as SVG into DIR: duration_cdf.svg, traffic.svg,
                     top_destinations.svg, half_open.svg
  --rows N           text report: at most N destinations per interval, those with
                     half-open connections first, then the busiest (default 20; 0 = all)
  -q, --quiet        no summary on standard error
  --progress, --no-progress   progress line on stderr (default: when it is a terminal)
  -h, --help         this text
)";

// Lock-free atomics: safe to touch from a signal handler.
std::atomic<bool> g_stop{false};
std::atomic<int> g_signals{0};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

extern "C" void on_signal(int) {
  if (g_signals.fetch_add(1, std::memory_order_relaxed) > 0) _exit(cli::kExitInterrupted);  // second: now
  g_stop.store(true, std::memory_order_relaxed);      // first: end the report cleanly
}

bool is_file(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && !S_ISDIR(st.st_mode);
}

uint64_t parse_count(const std::string& opt, const std::string& v, uint64_t hi) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || *end || errno || v[0] == '-' || v[0] == '+' || n > hi)
    throw std::invalid_argument(opt + ": expected a whole number from 0 to " + std::to_string(hi) + ", got '" +
                                v + "'");
  return n;
}

struct Parsed {
  report::ReportJob job;
  std::string target_text;
  bool quiet = false;
  int progress = -1;
  bool help = false;
};

Parsed parse(const std::vector<std::string>& args) {
  Parsed p;
  std::vector<std::string> expr;
  auto need = [&](std::size_t& i, const std::string& opt) -> const std::string& {
    if (i + 1 >= args.size()) throw std::invalid_argument(opt + " needs a value");
    return args[++i];
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!expr.empty() || a.empty() || a[0] != '-') {
      expr.push_back(a);
      continue;
    }
    if (a == "-r") {
      p.job.capture.files.push_back(need(i, a));
      while (i + 1 < args.size() && !args[i + 1].empty() && args[i + 1][0] != '-' && is_file(args[i + 1]))
        p.job.capture.files.push_back(args[++i]);
    } else if (a == "-i") {
      if (!p.job.capture.interface.empty()) throw std::invalid_argument("-i: one interface only");
      p.job.capture.interface = need(i, a);
    } else if (a == "--interval") {
      p.job.report.interval_ns = cli::parse_seconds_ns(a, need(i, a));
      if (p.job.report.interval_ns < 1'000'000)
        throw std::invalid_argument("--interval: at least 0.001 s, got '" + args[i] + "'");
    } else if (a == "--align") {
      p.job.report.align_to_interval = true;
    } else if (a == "--conn-timeout") {
      p.job.report.conn_timeout_ns = cli::parse_seconds_ns(a, need(i, a));
    } else if (a == "--target") {
      p.target_text = need(i, a);
      if (p.target_text.empty()) throw std::invalid_argument("--target: empty address");
    } else if (a == "--max-conns") {
      const uint64_t n = parse_count(a, need(i, a), uint64_t{1} << 31);
      if (n == 0) throw std::invalid_argument("--max-conns: at least 1");
      p.job.report.max_conns = static_cast<uint32_t>(n);
    } else if (a == "--json") {
      p.job.json_path = need(i, a);
    } else if (a == "--plot") {
      p.job.plot_dir = need(i, a);
    } else if (a == "--rows") {
      p.job.text_rows = static_cast<uint32_t>(parse_count(a, need(i, a), UINT32_MAX));
    } else if (a == "-q" || a == "--quiet") {
      p.quiet = true;
    } else if (a == "--progress") {
      p.progress = 1;
    } else if (a == "--no-progress") {
      p.progress = 0;
    } else if (a == "-h" || a == "--help") {
      p.help = true;
    } else if (a == "--") {
      for (++i; i < args.size(); ++i) expr.push_back(args[i]);
    } else {
      throw std::invalid_argument("unknown option '" + a + "' (see weir report --help)");
    }
  }
  for (const std::string& e : expr) {
    if (!p.job.filter.empty()) p.job.filter += ' ';
    p.job.filter += e;
  }
  if (p.help) return p;
  const bool files = !p.job.capture.files.empty(), live = !p.job.capture.interface.empty();
  if (files == live)
    throw std::invalid_argument(files ? "give -r FILE or -i IFACE, not both"
                                      : "no input: give a capture file with -r FILE (or -r - for standard "
                                        "input), or an interface with -i IFACE");
  return p;
}

}  // namespace

int report_main(int argc, char** argv) {
  Parsed p;
  try {
    p = parse(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "weir report: %s\n", e.what());
    return cli::kExitUsage;
  }
  if (p.help) {
    std::printf("%s\n%s", kUsage, cli::kExitTableText);
    return cli::kExitOk;
  }
  if (Status s = report::Target::parse(p.target_text, p.job.report.target); !s) {
    std::fprintf(stderr, "weir report: %s\n", s.message.c_str());
    return cli::exit_code(s);
  }
  p.job.progress = p.progress == 1 || (p.progress == -1 && isatty(STDERR_FILENO));
  p.job.stop = &g_stop;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  report::ReportSummary sum;
  const Status s = report::run_report(p.job, sum);
  if (!p.quiet && (s || sum.elapsed_s > 0)) std::fputs(sum.format().c_str(), stderr);
  if (!s) {
    std::fprintf(stderr, "weir report: %s\n", s.message.c_str());
    return cli::exit_code(s);
  }
  if (!sum.input_error.empty()) {
    if (p.quiet) std::fprintf(stderr, "weir report: %s\n", sum.input_error.c_str());
    return cli::kExitMalformed;
  }
  if (!sum.conserved()) {
    std::fprintf(stderr, "weir report: internal error: packet conservation check failed\n");
    return cli::kExitInternal;
  }
  return cli::kExitOk;
}

}  // namespace weir
