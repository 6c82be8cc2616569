// SPDX-License-Identifier: Apache-2.0
// weir collect: receives NetFlow v5, v9 and IPFIX and writes the formats weir exports.
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "collector/collector.hpp"
#include "exporters/flow_sink.hpp"
#include "exporters/sink_registry.hpp"
#include "kafka/kafka_destination.hpp"
#include "tools/weir/cli.hpp"
#include "tools/weir/exit_codes.hpp"
#include "tools/weir/subcommands.hpp"

namespace weir {

namespace {

constexpr const char* kUsage = R"(usage: weir collect -l udp://ADDR:PORT [-l ...] [-F FORMAT] [-o DEST] [options]

Receives NetFlow v5, NetFlow v9 and IPFIX (RFC 7011, biflows RFC 5103) and writes the
flow records in the formats weir exports. Templates are kept per exporter address and
observation domain / source id. Runs until SIGINT/SIGTERM (flushes, prints the summary,
exits 0), -c or --duration.

input
  -l udp://ADDR:PORT  listen for datagrams (repeat -l for more sockets; ADDR numeric,
                      IPv6 in brackets: udp://[::]:4739; port 0 = any free port)
  -l tcp://ADDR:PORT  listen for IPFIX over TCP
  --rcvbuf BYTES      UDP receive buffer to ask for (default 33554432; the kernel caps
                      it at net.core.rmem_max unless run as root)
output (the formats and destinations of 'weir -F/-o'; several pairs fan out)
  -F FORMAT           format of the next -o (default csv); see the list below
  -o DEST             a path, '-' for standard output (default), or a URL the format
                      takes (udp://HOST:PORT, tcp://HOST:PORT, kafka://BROKERS/TOPIC)
  -d u|b              CSV: unidirectional or bidirectional columns (default b)
  --template-refresh S, --observation-domain N, --mtu N
                      as for 'weir' (IPFIX / NetFlow export from the collector)
  --flush-interval S  push buffered records to DEST every S seconds (default 1)
stopping and reporting
  -c N                stop after N flow records
  --duration S        stop after S seconds
  --stats-json FILE   write the summary as JSON to FILE
  -q                  no listening line, no summary on stderr
  -h, --help          this text
)";

std::atomic<bool> g_stop{false};
std::atomic<int> g_signals{0};
int g_wake_fd = -1;

void on_signal(int) {
  if (g_signals.fetch_add(1) >= 1) ::_exit(cli::kExitInterrupted);
  g_stop.store(true);
  const uint64_t one = 1;
  if (g_wake_fd >= 0) (void)!::write(g_wake_fd, &one, sizeof one);
}

struct Args {
  CollectorConfig cfg;
  std::vector<SinkConfig> sinks;
  std::string stats_json;
  bool quiet = false;
  bool help = false;
};

Args parse(const std::vector<std::string>& a) {
  Args o;
  auto need = [&](std::size_t& i) -> const std::string& {
    if (i + 1 >= a.size()) throw std::invalid_argument(a[i] + " needs a value");
    return a[++i];
  };
  auto count = [&](const std::string& opt, const std::string& v, uint64_t lo, uint64_t hi) {
    char* end = nullptr;
    errno = 0;
    const unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || *end || errno || v[0] == '-' || n < lo || n > hi)
      throw std::invalid_argument(opt + ": expected a whole number from " + std::to_string(lo) + " to " +
                                  std::to_string(hi) + ", got '" + v + "'");
    return static_cast<uint64_t>(n);
  };
  auto check = [](Status s) {
    if (!s) throw std::invalid_argument(s.message);
  };
  SinkArgs sinks;  // -F/-o pairs as in the metering command
  bool bidirectional = true;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::string& s = a[i];
    if (s == "-l") {
      ListenSpec spec;
      check(parse_listen(need(i), spec));
      o.cfg.listen.push_back(spec);
    } else if (s == "-F") {
      check(sinks.format(need(i)));
    } else if (s == "-o") {
      check(sinks.output(need(i)));
    } else if (s == "-d") {
      const std::string& d = need(i);
      if (d != "u" && d != "b") throw std::invalid_argument("-d: expected u or b, got '" + d + "'");
      bidirectional = d == "b";
    } else if (s == "--template-refresh" || s == "--observation-domain" || s == "--mtu") {
      check(sinks.option(s, need(i)));
    } else if (s == "-c") {
      o.cfg.max_records = count(s, need(i), 1, UINT64_MAX);
    } else if (s == "--duration") {
      o.cfg.duration_ms = std::max<uint64_t>(1, cli::parse_seconds_ns(s, need(i)) / 1'000'000);
    } else if (s == "--flush-interval") {
      o.cfg.flush_interval_ms = std::max<uint64_t>(1, cli::parse_seconds_ns(s, need(i)) / 1'000'000);
    } else if (s == "--rcvbuf") {
      o.cfg.rcvbuf_bytes = static_cast<int>(count(s, need(i), 4096, 1u << 30));
    } else if (s == "--stats-json") {
      o.stats_json = need(i);
    } else if (s == "-q") {
      o.quiet = true;
    } else if (s == "-h" || s == "--help") {
      o.help = true;
    } else {
      throw std::invalid_argument("unknown option '" + s + "' (weir collect --help)");
    }
  }
  check(sinks.finish(bidirectional, o.sinks));
  if (!o.help && o.cfg.listen.empty()) throw std::invalid_argument("no listener: give -l udp://ADDR:PORT");
  return o;
}

int fail(const Status& s) {
  std::fprintf(stderr, "weir collect: %s\n", s.message.c_str());
  return cli::exit_code(s);
}

}  // namespace

int collect_main(int argc, char** argv) {
  register_kafka_destination();
  Args args;
  try {
    args = parse(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "weir collect: %s\n", e.what());
    return cli::kExitUsage;
  }
  if (args.help) {
    std::fputs(kUsage, stdout);
    std::fputs("formats (-F):\n", stdout);
    std::fputs(sink_formats_help().c_str(), stdout);
    std::fputs(cli::kExitTableText, stdout);
    return cli::kExitOk;
  }
  g_wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  args.cfg.wake_fd = g_wake_fd;
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  Collector col;
  if (Status s = col.open(args.cfg); !s) return fail(s);
  std::unique_ptr<FlowSink> sink;
  if (Status s = open_sinks(args.sinks, sink); !s) return fail(std::move(s).at(Origin::output));
  if (!args.quiet) {
    for (const std::string& b : col.bound())
      std::fprintf(stderr, "weir collect: listening on %s\n", b.c_str());
    if (col.rcvbuf_bytes() > 0)
      std::fprintf(stderr, "weir collect: UDP receive buffer %d bytes\n", col.rcvbuf_bytes());
  }
  Status run = col.run(*sink, g_stop);
  col.finish();
  Status fin = run ? sink->finish() : Status::ok();
  CollectorStats st = col.stats();
  std::string summary = st.format();
  summary += "  output " + sink->summary() + "\n";
  if (!args.quiet) std::fputs(summary.c_str(), stderr);
  if (!args.stats_json.empty()) {
    std::FILE* f = std::fopen(args.stats_json.c_str(), "w");
    const std::string j = st.to_json();
    if (!f || std::fwrite(j.data(), 1, j.size(), f) != j.size() || std::fclose(f) != 0) {
      std::fprintf(stderr, "weir collect: cannot write %s\n", args.stats_json.c_str());
      return cli::kExitOutput;
    }
  }
  if (!run) return fail(std::move(run).at(Origin::output));
  if (!fin) return fail(std::move(fin).at(Origin::output));
  return cli::kExitOk;
}

}  // namespace weir
