// SPDX-License-Identifier: Apache-2.0
// `weir gen` argument parsing: builds a GenConfig and calls generate().
#include "gen/gen_main.hpp"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gen/traffic_gen.hpp"
#include "tools/weir/exit_codes.hpp"

namespace weir {

namespace {


constexpr const char* kUsage =
    "usage: weir gen [options]\n"
    "Writes a deterministic synthetic capture and, with --truth, its exact ground truth.\n"
    "\n"
    "  -o FILE                capture file; - = stdout (default; refused on a terminal)\n"
    "  --format F             pcap (µs, default) | pcap-ns | pcapng (one IDB, ns)\n"
    "  --profile P            mixed (default) | linerate | churn | elephants\n"
    "  -n, --packets N        packets to write (default 1M; suffixes k M G = 10^3 10^6 10^9)\n"
    "  --seed N               random seed (default 1); same options => same bytes\n"
    "  --flow-rate R          new flows per second of trace time\n"
    "  --concurrency N        target concurrent flows (linerate: exact)\n"
    "  --ipv6-share F         share of IPv6 flows, 0..1\n"
    "  --vlan-share F         share of 802.1Q-tagged flows, 0..1\n"
    "  --truth PREFIX         write PREFIX.json (totals) and PREFIX.flows.tsv (per flow)\n"
    "  -q, --quiet            no summary line on stderr\n"
    "  -h, --help             this text\n"
    "\n"
    "Profiles (defaults: flow-rate / concurrency / ipv6 / vlan):\n"
    "  mixed      TCP (handshakes, FIN/RST/open), DNS, bulk UDP, ICMP echo; heavy-tailed\n"
    "             sizes; starts in steady state      30k/s / 60k / 0.10 / 0.05\n"
    "  linerate   60-byte frames (64 with FCS) at 10G line rate, 14.88 Mpps\n"
    "                                                500k/s / 1M / 0 / 0\n"
    "  churn      short flows, >= 1M new flows/s     2M/s / 20k / 0.10 / 0.05\n"
    "  elephants  a few endless bulk flows, 1514-byte frames\n"
    "                                                0 / 16 / 0.10 / 0\n"
    "Exit: 0 ok, 2 usage error, 5 output error. Details: doc/gen.md.\n";

struct UsageError {
  std::string message;
};

uint64_t parse_count(std::string_view opt, const std::string& v) {
  if (v.empty() || v[0] == '-' || v[0] == '+') throw UsageError{std::string(opt) + ": not a count: '" + v + "'"};
  errno = 0;
  char* end = nullptr;
  uint64_t x = std::strtoull(v.c_str(), &end, 10);
  uint64_t mul = 1;
  if (*end == 'k' || *end == 'K') mul = 1'000;
  else if (*end == 'M') mul = 1'000'000;
  else if (*end == 'G') mul = 1'000'000'000;
  if (mul != 1) ++end;
  if (end == v.c_str() || *end != '\0' || errno == ERANGE || x > UINT64_MAX / mul) {
    throw UsageError{std::string(opt) + ": not a count: '" + v + "'"};
  }
  return x * mul;
}

double parse_real(std::string_view opt, const std::string& v) {
  errno = 0;
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || errno == ERANGE || !std::isfinite(x) || x < 0) {
    throw UsageError{std::string(opt) + ": not a non-negative number: '" + v + "'"};
  }
  return x;
}

struct Parsed {
  GenConfig cfg;
  bool help = false;
  bool quiet = false;
};

Parsed parse(int argc, char** argv) {
  Parsed p;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string inline_value;
    bool has_inline = false;
    if (a.rfind("--", 0) == 0) {
      if (const size_t eq = a.find('='); eq != std::string::npos) {
        inline_value = a.substr(eq + 1);
        a.resize(eq);
        has_inline = true;
      }
    }
    auto value = [&]() -> std::string {
      if (has_inline) return inline_value;
      if (i + 1 >= argc) throw UsageError{a + " needs a value"};
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      p.help = true;
    } else if (a == "-q" || a == "--quiet") {
      p.quiet = true;
    } else if (a == "-o" || a == "--output") {
      p.cfg.output = value();
      if (p.cfg.output.empty()) throw UsageError{"-o: empty file name"};
    } else if (a == "--format") {
      const std::string v = value();
      if (!parse_gen_format(v, p.cfg.format)) throw UsageError{"--format: unknown format '" + v + "' (pcap, pcap-ns, pcapng)"};
    } else if (a == "--profile") {
      const std::string v = value();
      if (!parse_gen_profile(v, p.cfg.profile)) {
        throw UsageError{"--profile: unknown profile '" + v + "' (mixed, linerate, churn, elephants)"};
      }
    } else if (a == "-n" || a == "--packets") {
      p.cfg.packets = parse_count(a, value());
    } else if (a == "--seed") {
      p.cfg.seed = parse_count(a, value());
    } else if (a == "--flow-rate") {
      p.cfg.flow_rate_per_s = parse_real(a, value());
    } else if (a == "--concurrency") {
      p.cfg.concurrency = parse_count(a, value());
    } else if (a == "--ipv6-share") {
      p.cfg.ipv6_share = parse_real(a, value());
    } else if (a == "--vlan-share") {
      p.cfg.vlan_share = parse_real(a, value());
    } else if (a == "--truth") {
      p.cfg.truth_prefix = value();
      if (p.cfg.truth_prefix.empty()) throw UsageError{"--truth: empty prefix"};
    } else {
      throw UsageError{"unknown option '" + a + "' (weir gen --help)"};
    }
  }
  return p;
}

}  // namespace

int gen_main(int argc, char** argv) {
  Parsed p;
  try {
    p = parse(argc, argv);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "weir gen: %s\n", e.message.c_str());
    return cli::kExitUsage;
  }
  if (p.help) {
    std::fputs(kUsage, stdout);
    return cli::kExitOk;
  }
  if (p.cfg.output == "-" && isatty(STDOUT_FILENO)) {
    std::fprintf(stderr, "weir gen: refusing to write a capture to a terminal (use -o FILE)\n");
    return cli::kExitUsage;
  }
  GenTotals t;
  const Status s = generate(p.cfg, &t);
  if (!s) {
    std::fprintf(stderr, "weir gen: %s\n", s.message.c_str());
    // Everything gen writes is output; a bad option value is usage.
    return cli::exit_code(s.code == Errc::invalid_argument ? s : Status(s).at(Origin::output));
  }
  if (!p.quiet) {
    const double wall = t.wall_s > 0 ? t.wall_s : 1e-9;
    const uint64_t file_bytes = t.all.frame_bytes + t.all.packets * (p.cfg.format == GenFormat::pcapng ? 32 : 16);
    std::fprintf(stderr,
                 "weir gen: %llu packets, %.1f MB, %llu biflows, %llu uniflows, %.6f s of traffic; "
                 "%.3f s wall, %.2f Mpps, %.0f MB/s\n",
                 static_cast<unsigned long long>(t.all.packets), static_cast<double>(file_bytes) / 1e6,
                 static_cast<unsigned long long>(t.all.flows_bidirectional),
                 static_cast<unsigned long long>(t.all.flows_unidirectional),
                 static_cast<double>(t.last_ns - t.first_ns) / 1e9, wall,
                 static_cast<double>(t.all.packets) / wall / 1e6, static_cast<double>(file_bytes) / wall / 1e6);
  }
  return cli::kExitOk;
}

}  // namespace weir
