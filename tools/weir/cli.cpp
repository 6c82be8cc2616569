// SPDX-License-Identifier: Apache-2.0
#include "tools/weir/cli.hpp"

#include <sys/stat.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <stdexcept>

#include "compat/compat_profile.hpp"
#include "exporters/sink_registry.hpp"

namespace weir::cli {

namespace {

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

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
  (void)compat::register_compat_formats();  // so that sink_formats_help() lists their formats
  return std::string(R"(usage: weir [options] -r FILE [-r FILE ...] [expression]
       weir [options] -i IFACE [expression]
       weir NAME ...               (subcommands: see below)

Meters packet flows in pcap/pcapng files or on a live interface and writes one record
per flow. Options may come before or after the filter expression, as with tcpdump.

input
  -r FILE            capture file (pcap or pcapng, plain or gzip/zstd compressed;
                     '-' = standard input). Repeat -r, or list more files right after
                     it: all are read in order as one stream of packets.
  -r DIR             every capture in DIR (sorted by name), each metered on its own
                     into -o OUTDIR/<name>_flow.csv (OUTDIR created if missing); a
                     line per file on stderr
  -i IFACE           live capture: IFACE (libpcap; 'any' = all interfaces),
                     afpacket:IFACE (AF_PACKET fanout, one socket per worker) or
                     dpdk:PORT (DPDK, one RX queue per worker)
  expression         tcpdump filter expression (libpcap syntax), applied before
                     metering; rejected packets are reported as 'filtered' (live:
                     compiled into the kernel where the backend can).
  -c N               stop after N packets
  --duration S       stop after S seconds of packet time
  -s SNAPLEN         live: bytes captured per packet (default 262144)
  -B KIB             live: kernel capture buffer in KiB
  -p                 live: do not put the interface into promiscuous mode
  --eal 'ARGS'       DPDK: EAL arguments (e.g. '--no-huge --no-pci -l 0-1')
  --rss l3|l3l4      live, several queues: spread flows by addresses (default: a
                     host pair and its fragments stay on one queue; exact) or by
                     addresses and ports (finer; fragments may land apart)
  --ring-block KIB   AF_PACKET: ring block size (power of two, default 1024); -B
                     sets the ring's total size per queue (default 64 MiB)
  --block-timeout MS AF_PACKET: a partly filled block is delivered after MS (default 10)
  --poll-timeout MS  live: an idle queue wakes at least every MS (1..100, default 100)
                     so flows expire on time on a quiet link
  --dpdk-idle-sleep US  DPDK: after 1 ms without packets, sleep US between polls
                     (default 50; 0 = busy-poll, for dedicated cores)
  -Z USER            live: give up root for USER once capture and outputs are open
metering
  -d u|b             unidirectional or bidirectional flows (default b). In a biflow
                     the forward direction is the sender of the first packet.
  --vlan-key         put the outer VLAN id into the flow key
  --compat NAME      meter and write like an older tool: its rules and its output
                     format (-F replaces the format); options given on the command
                     line override its rules. NAME is one of:
)") + compat::compat_profiles_help() + std::string(R"(  --idle-timeout S   end a flow after S seconds without packets (default 300)
  --active-timeout S cut a record after S seconds; the flow continues in a new one
                     (default 1800, at most 259200)
  --tcp-close-grace S  after FIN both ways or RST, end the flow S seconds after its
                     last packet (default 1), so final ACKs stay in the record
  --max-flows N      flow table size for the whole process (default 2000000, at most
                     1073741824); when full, the least recently seen flow is exported
                     early ('evicted'). Memory: about 300 bytes per flow in use.
  -w N               metering worker threads. Files (ordered replay): default one per
                     core but one, plus a reader thread; -w 1 runs everything in one
                     thread, -w N > 1 adds a reader thread; output is identical for
                     any N. Live and --per-queue: one run-to-completion worker per
                     receive queue (default one per core).
  --reader-thread    read and decode in a thread of their own even with -w 1
  --per-queue        files: shard the input by the symmetric RSS hash into -w queues,
                     each metered by its own worker, as a multi-queue NIC would
output
  -o OUT             output file (default '-' = standard output); written to a
                     temporary name and renamed when complete
  -F FORMAT          the format of the next -o (default csv); several -F/-o pairs
                     write the same records to several outputs. -o DEST is a file,
                     '-', udp://HOST:PORT, tcp://HOST:PORT or kafka://BROKERS/TOPIC.
)") + sink_formats_help() + R"(  -G S               rotate file outputs every S seconds of wall time: -o is a
                     strftime pattern (flows-%Y%m%d-%H%M%S.bin); each file is
                     complete when closed
  -W N               with -G: keep at most N files (the oldest is removed)
  --template-refresh S   IPFIX/v9 over UDP: resend templates every S s (default 600)
  --observation-domain N  IPFIX observation domain / v9 source id / v5 engine id
  --mtu N            UDP exports: datagrams fit in N bytes (default 1500)
  --flush-interval S push written records to the output every S seconds (default 1)
  -q, --quiet        no summary on stderr
  --stats-interval S a stats line on stderr every S seconds (received, kernel drops,
                     metered, not metered by reason, live flows, records, per queue)
  --stats-json FILE  also write the run summary as JSON to FILE (rewritten at every
                     --stats-interval while running)
  --stop-after read|decode   benchmarking: run only the reader (and decoder); no
                     records are written
  --read-method read|mmap   benchmarking: how capture files are read: read() into a
                     small reused buffer (default, fastest where measured) or a
                     sliding memory mapping (doc/performance.md)
  --progress, --no-progress   progress line on stderr (default: when it is a TTY)
  -h, --help         this text;  -V, --version   the version

Records are written in ascending order of (expiry time, flow id): see weir(1).
Ctrl-C (SIGINT) or SIGTERM stops cleanly: live flows end with reason 'shutdown', every
record is written and the output completed; a second signal exits at once (130).
)" + std::string(kExitTableText);
}

namespace {

// True for a word that is an option rather than part of the filter expression: "-x...",
// "--x...". A lone "-" and "-1" style numbers belong to the expression.
bool is_option(const std::string& a) {
  return a.size() >= 2 && a[0] == '-' && (std::isalpha(static_cast<unsigned char>(a[1])) || a[1] == '-');
}

}  // namespace

Options parse(const std::vector<std::string>& args) {
  Options o;
  EngineConfig& e = o.engine;
  std::vector<std::string> expr;
  SinkArgs sinks;
  uint64_t rotate_ns = 0;
  uint32_t rotate_keep = 0;
  auto check = [](Status st) {
    if (!st) throw std::invalid_argument(st.message);
  };
  auto need = [&](std::size_t& i, const std::string& opt) -> const std::string& {
    if (i + 1 >= args.size()) throw std::invalid_argument(opt + " needs a value");
    return args[++i];
  };
  (void)compat::register_compat_formats();
  bool format_given = false;        // a -F on the command line
  std::string_view profile_format;  // the --compat profile's output format
  // --compat first, wherever it is: the profile sets defaults the other options override.
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] != "--compat") continue;
    const std::string& name = need(i, args[i]);
    const compat::CompatProfile* p = compat::find_compat_profile(name);
    if (p == nullptr) {
      throw std::invalid_argument("--compat: unknown profile '" + name + "' (known: " + compat::compat_names() + ")");
    }
    if (!o.compat.empty()) throw std::invalid_argument("--compat: one profile per run");
    o.compat = name;
    p->apply(e);
    if (!e.outputs.empty()) profile_format = e.outputs.front().format.name;
  }
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (!is_option(a)) {
      expr.push_back(a);
      continue;
    }
    if (a == "-r") {
      const std::string& path = need(i, a);
      if (is_dir(path)) {
        if (!o.input_dir.empty()) throw std::invalid_argument("-r DIR: one directory per run");
        o.input_dir = path;
        continue;
      }
      e.capture.files.push_back(path);
      // tcpdump habit extended: more files may follow one -r.
      while (i + 1 < args.size() && !is_option(args[i + 1]) && is_file(args[i + 1])) {
        e.capture.files.push_back(args[++i]);
      }
    } else if (a == "-i") {
      if (!e.capture.interface.empty()) throw std::invalid_argument("-i: one interface per run");
      e.capture.interface = need(i, a);
    } else if (a == "-c") {
      e.packet_limit = parse_count(a, need(i, a), 1, UINT64_MAX);
    } else if (a == "--duration") {
      e.duration_ns = parse_seconds_ns(a, need(i, a));
      if (e.duration_ns == 0) throw std::invalid_argument("--duration: expected more than 0 seconds");
    } else if (a == "-s") {
      e.capture.snaplen = static_cast<uint32_t>(parse_count(a, need(i, a), 1, 262144));
    } else if (a == "-B") {
      e.capture.buffer_kib = static_cast<uint32_t>(parse_count(a, need(i, a), 1, 1u << 30));
    } else if (a == "-p") {
      e.capture.promiscuous = false;
    } else if (a == "--eal") {
      e.capture.eal_args = need(i, a);
    } else if (a == "-Z") {
      e.drop_user = need(i, a);
      if (e.drop_user.empty()) throw std::invalid_argument("-Z: expected a user name, got ''");
    } else if (a == "--rss") {
      const std::string& v = need(i, a);
      if (v == "l3") {
        e.capture.shard = RssFields::l3;
      } else if (v == "l3l4") {
        e.capture.shard = RssFields::l3_l4;
      } else {
        throw std::invalid_argument("--rss: expected l3 or l3l4, got '" + v + "'");
      }
    } else if (a == "--ring-block") {
      const uint64_t kib = parse_count(a, need(i, a), 4, 1u << 20);
      if ((kib & (kib - 1)) != 0) throw std::invalid_argument("--ring-block: a power of two (KiB)");
      e.capture.afpacket.block_kib = static_cast<uint32_t>(kib);
    } else if (a == "--block-timeout") {
      e.capture.afpacket.block_timeout_ms = static_cast<uint32_t>(parse_count(a, need(i, a), 1, 1000));
    } else if (a == "--poll-timeout") {
      e.capture.poll_timeout_ms = static_cast<uint32_t>(parse_count(a, need(i, a), 1, 100));
    } else if (a == "--dpdk-idle-sleep") {
      e.capture.dpdk.idle_sleep_us = static_cast<uint32_t>(parse_count(a, need(i, a), 0, 100000));
    } else if (a == "-d") {
      const std::string& v = need(i, a);
      if (v == "u") {
        e.bidirectional = false;
      } else if (v == "b") {
        e.bidirectional = true;
      } else {
        throw std::invalid_argument("-d: expected u or b, got '" + v + "'");
      }
    } else if (a == "-o") {
      check(sinks.output(need(i, a)));
    } else if (a == "-F") {
      check(sinks.format(need(i, a)));
      format_given = true;
    } else if (a == "-G") {
      rotate_ns = parse_seconds_ns(a, need(i, a));
      if (rotate_ns < 1'000'000'000ull) throw std::invalid_argument("-G: at least 1 second");
    } else if (a == "-W") {
      rotate_keep = static_cast<uint32_t>(parse_count(a, need(i, a), 1, 1u << 20));
    } else if (a == "--template-refresh" || a == "--observation-domain" || a == "--mtu") {
      check(sinks.option(a, need(i, a)));
    } else if (a == "--compat") {
      ++i;  // applied before the loop
    } else if (a == "-w") {
      e.workers = static_cast<uint32_t>(parse_count(a, need(i, a), 1, kMaxWorkers));
    } else if (a == "--reader-thread") {
      e.reader_thread = true;
    } else if (a == "--per-queue") {
      e.per_queue = true;
    } else if (a == "--idle-timeout") {
      e.idle_timeout_ns = parse_seconds_ns(a, need(i, a));
    } else if (a == "--active-timeout") {
      e.active_timeout_ns = parse_seconds_ns(a, need(i, a));
      if (e.active_timeout_ns > 259200ull * 1'000'000'000) {
        throw std::invalid_argument("--active-timeout: at most 259200 s (72 h)");
      }
    } else if (a == "--tcp-close-grace") {
      e.tcp_close_grace_ns = parse_seconds_ns(a, need(i, a));
    } else if (a == "--max-flows") {
      e.max_flows = parse_count(a, need(i, a), 1, kMaxFlowsLimit);
    } else if (a == "--flush-interval") {
      e.flush_interval_ns = parse_seconds_ns(a, need(i, a));
    } else if (a == "--stats-interval") {
      e.stats_interval_ns = parse_seconds_ns(a, need(i, a));
      if (e.stats_interval_ns == 0) throw std::invalid_argument("--stats-interval: expected more than 0 seconds");
    } else if (a == "--stats-json") {
      o.stats_json = need(i, a);
    } else if (a == "--stop-after") {
      const std::string& v = need(i, a);
      if (v == "read") {
        e.stop_after = EngineConfig::Stage::read;
      } else if (v == "decode") {
        e.stop_after = EngineConfig::Stage::decode;
      } else {
        throw std::invalid_argument("--stop-after: expected read or decode, got '" + v + "'");
      }
    } else if (a == "--read-method") {
      const std::string& v = need(i, a);
      if (!parse_read_method(v, o.engine.capture.read_method)) {
        throw std::invalid_argument("--read-method: expected read or mmap, got '" + v + "'");
      }
    } else if (a == "--vlan-key") {
      e.vlan_key = true;
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
  for (const std::string& x : expr) {
    if (!e.filter.empty()) e.filter += ' ';
    e.filter += x;
  }
  if (o.help || o.version) return o;
  check(sinks.finish(e.bidirectional, e.outputs));
  if (!o.compat.empty() && !format_given) {
    // The profile's format for every output (-F was not given), checked against each -o.
    for (SinkConfig& c : e.outputs) check(parse_sink_spec(profile_format, c.path, c));
  }
  compat::apply_format_needs(e);
  if (rotate_keep != 0 && rotate_ns == 0) throw std::invalid_argument("-W needs -G (files are rotated by time)");
  for (SinkConfig& c : e.outputs) {
    if (rotate_ns != 0 && !is_file_destination(c.path)) {
      throw std::invalid_argument("-G: rotation needs file outputs (a strftime pattern), not '" + c.path + "'");
    }
    c.exp.rotate_ns = rotate_ns;
    c.exp.rotate_keep = rotate_keep;
  }
  if (!o.input_dir.empty()) {
    if (!e.capture.files.empty() || !e.capture.interface.empty())
      throw std::invalid_argument("-r DIR cannot be combined with other -r or -i inputs");
    if (e.outputs.size() != 1 || !is_file_destination(e.outputs.front().path))
      throw std::invalid_argument("-r DIR needs one output directory: -o OUTDIR");
    return o;
  }
  if (e.capture.files.empty() && e.capture.interface.empty()) {
    throw std::invalid_argument(
        "no input: give a capture file with -r FILE (or -r - for standard input), or an interface with -i IFACE");
  }
  if (!e.capture.files.empty() && !e.capture.interface.empty()) {
    throw std::invalid_argument("-r and -i cannot be combined");
  }
  return o;
}

}  // namespace weir::cli
