// SPDX-License-Identifier: Apache-2.0
// `weir bench`: the end-to-end benchmark harness.
//
// Puts the capture on tmpfs (copies it, or generates it with `weir gen`), then runs,
// R times each, in one session so ratios survive a noisy machine:
//   baselines  cat FILE > /dev/null (the memory read ceiling), a libpcap loop that only
//              counts packets, and softflowd / nfpcapd / argus when installed;
//   stages     weir --stop-after read, --stop-after decode (per-stage ns/packet), once
//              per capture-file read method (--read-method: read(), mmap);
//   weir       the full job for each -w in --threads, CSV output to tmpfs.
// Every process is timed from fork to exit; peak RSS comes from wait4(). Reports
// medians: Mpps, ns/packet, Gbps, flows/s, peak RSS, bytes per live flow, packets not
// metered, and exactness against ground truth (a .json next to the capture with
// flows_bidirectional / flows_unidirectional / packets, as weir gen and flowgen write).
#include "tools/weir/bench_cmd.hpp"

#include <fcntl.h>
#include <pcap/pcap.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "capture/pcap_file/file_source.hpp"

namespace weir {

namespace {

namespace fs = std::filesystem;

constexpr long kTmpfsMagic = 0x01021994;

struct ProcResult {
  double wall_s = 0;
  long max_rss_kb = 0;
  int exit_code = -1;
};

std::string self_exe() {
  std::error_code ec;
  const fs::path p = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("weir") : p.string();
}

// Runs argv with stdout/stderr redirected; times it and reads its peak RSS.
ProcResult run_proc(const std::vector<std::string>& argv, const std::string& out = "/dev/null",
                    const std::string& err = "/dev/null") {
  ProcResult r;
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    const int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (o >= 0) dup2(o, 1);
    if (e >= 0) dup2(e, 2);
    std::vector<char*> a;
    for (const auto& s : argv) a.push_back(const_cast<char*>(s.c_str()));
    a.push_back(nullptr);
    execvp(a[0], a.data());
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  if (pid > 0 && wait4(pid, &status, 0, &ru) == pid) {
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.max_rss_kb = ru.ru_maxrss;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  return r;
}

// The libpcap baseline: a loop that only counts packets, in a child process so its
// RSS and time are measured like every other row.
ProcResult run_pcap_count(const std::string& file, uint64_t& packets) {
  int fds[2];
  if (pipe(fds) != 0) return {};
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* p = pcap_open_offline(file.c_str(), err);
    uint64_t n = 0;
    if (p) {
      pcap_pkthdr* h;
      const u_char* d;
      while (pcap_next_ex(p, &h, &d) == 1) ++n;
      pcap_close(p);
    }
    if (write(fds[1], &n, sizeof n) != sizeof n) _exit(1);
    _exit(p ? 0 : 1);
  }
  close(fds[1]);
  ProcResult r;
  int status = 0;
  rusage ru{};
  if (read(fds[0], &packets, sizeof packets) != sizeof packets) packets = 0;
  close(fds[0]);
  if (pid > 0 && wait4(pid, &status, 0, &ru) == pid) {
    r.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.max_rss_kb = ru.ru_maxrss;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
  }
  return r;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

bool which(const std::string& prog) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin:/usr/sbin:/sbin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    if (access((dir + "/" + prog).c_str(), X_OK) == 0) return true;
  }
  return false;
}

std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Tiny JSON number lookup: the first "key": <number> in text (our own flat files).
std::optional<double> json_number(const std::string& text, const std::string& key) {
  const std::string pat = "\"" + key + "\":";
  const std::size_t at = text.find(pat);
  if (at == std::string::npos) return std::nullopt;
  const char* p = text.c_str() + at + pat.size();
  char* end = nullptr;
  const double v = std::strtod(p, &end);
  if (end == p) return std::nullopt;
  return v;
}

struct Row {
  std::string name;
  std::string command;
  double wall_s = 0;  // median
  long rss_kb = 0;    // max over runs
  uint64_t packets = 0;
  uint64_t wire_bytes = 0;
  uint64_t records = 0;
  uint64_t not_metered = 0;
  uint64_t peak_live = 0;
  std::string exact = "-";
  bool ok = true;
  bool is_weir = false;
};

Row make_row(std::string name, bool is_weir = false) {
  Row r;
  r.name = std::move(name);
  r.is_weir = is_weir;
  return r;
}

std::string usage() {
  return R"(usage: weir bench [FILE | --profile P] [options]

End-to-end benchmark: puts the capture on tmpfs, runs the baselines and weir in one
session, and reports medians with each row's ratio to the cat read ceiling.
  FILE               a pcap/pcapng capture (copied to --dir unless already on tmpfs);
                     ground truth is read from FILE's .json sibling when present
  --profile P        generate the capture with weir gen (mixed, linerate, churn,
                     elephants); cached in --dir
  -n N               packets to generate with --profile (default 5000000)
  --runs R           runs per row, median reported (default 3)
  --threads LIST     weir thread layouts, comma-separated: N = -w N, Nr = -w N
                     --reader-thread (default 1,1r,2: one thread, two threads, three)
  -d u|b             flow direction mode for weir (default b)
  --dir DIR          work directory on tmpfs (default /dev/shm/weir-bench)
  --json FILE        machine-readable results (default DIR/bench.json)
  --no-baselines     only weir rows
  --no-peers         keep cat and the libpcap loop, skip softflowd / nfpcapd / argus
  --no-stages        skip the per-stage rows (--stop-after read / decode)
  --read-methods L   the stage rows for each capture-file read method in L,
                     comma-separated (default read,mmap; see weir --read-method)
  --max-flows N      passed to weir (default: weir's 2,000,000; 4,000,000 for
                     --profile linerate and churn, whose 2M+ flows need it)
  -- ARGS...         everything after -- goes to each full weir run (e.g. timeouts);
                     exactness then only checks conservation
)";
}

}  // namespace

namespace {
// A positive decimal count with an optional k / M / G suffix (as `weir gen -n` takes),
// or a usage error naming the option.
uint64_t count(const std::string& opt, const std::string& v) {
  uint64_t n = 0, mul = 1;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  const std::string_view rest(end, static_cast<std::size_t>(v.data() + v.size() - end));
  if (rest == "k") mul = 1'000;
  else if (rest == "M") mul = 1'000'000;
  else if (rest == "G") mul = 1'000'000'000;
  else if (!rest.empty()) mul = 0;
  if (ec != std::errc() || mul == 0 || n == 0 || n > UINT64_MAX / mul) {
    throw std::invalid_argument(opt + ": expected a positive whole number (k, M, G allowed), got '" + v + "'");
  }
  return n * mul;
}
}  // namespace

int bench_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::string file, profile, dir = "/dev/shm/weir-bench", json_out, dmode = "b";
  uint64_t gen_packets = 5'000'000;
  int runs = 3;
  // Thread layouts: "N" = -w N; "Nr" = -w N --reader-thread (N workers + the reader).
  std::vector<std::string> threads = {"1", "1r", "2"};
  bool baselines = true, stages = true, peers = true;
  std::string max_flows;
  std::vector<std::string> read_methods = {"read", "mmap"};
  std::vector<std::string> extra;  // after "--": passed to every full weir run
  try {
    for (std::size_t i = 0; i < args.size(); ++i) {
      const std::string& a = args[i];
      auto val = [&]() -> std::string {
        if (i + 1 >= args.size()) throw std::invalid_argument(a + " needs a value");
        return args[++i];
      };
      if (a == "-h" || a == "--help") {
        std::fputs(usage().c_str(), stdout);
        return 0;
      } else if (a == "--profile") {
        profile = val();
        if (profile != "mixed" && profile != "linerate" && profile != "churn" && profile != "elephants") {
          throw std::invalid_argument("--profile: mixed, linerate, churn or elephants, not '" + profile + "'");
        }
      } else if (a == "-n") {
        gen_packets = count(a, val());
      } else if (a == "--runs") {
        runs = static_cast<int>(std::min<uint64_t>(count(a, val()), 1000));
      } else if (a == "--threads") {
        threads.clear();
        std::stringstream ss(val());
        std::string t;
        while (std::getline(ss, t, ',')) {
          const bool r = !t.empty() && t.back() == 'r';
          const uint64_t n = count(a, r ? t.substr(0, t.size() - 1) : t);
          if (n > 64) throw std::invalid_argument("--threads: worker counts are 1..64");
          threads.push_back(std::to_string(n) + (r ? "r" : ""));
        }
      } else if (a == "-d") {
        dmode = val();
        if (dmode != "u" && dmode != "b") throw std::invalid_argument("-d: u or b");
      } else if (a == "--dir") {
        dir = val();
      } else if (a == "--json") {
        json_out = val();
      } else if (a == "--no-baselines") {
        baselines = false;
      } else if (a == "--no-peers") {
        peers = false;
      } else if (a == "--no-stages") {
        stages = false;
      } else if (a == "--read-methods") {
        read_methods.clear();
        std::stringstream ss(val());
        std::string m;
        while (std::getline(ss, m, ',')) {
          ReadMethod rm;
          if (!parse_read_method(m, rm)) throw std::invalid_argument("--read-methods: read or mmap, not '" + m + "'");
          read_methods.push_back(m);
        }
        if (read_methods.empty()) throw std::invalid_argument("--read-methods: give at least one method");
      } else if (a == "--max-flows") {
        max_flows = std::to_string(count(a, val()));
      } else if (a == "--") {
        extra.assign(args.begin() + static_cast<long>(i) + 1, args.end());
        break;
      } else if (!a.empty() && a[0] != '-' && file.empty()) {
        file = a;
      } else {
        throw std::invalid_argument("unexpected argument '" + a + "'");
      }
    }
    if (file.empty() == profile.empty()) throw std::invalid_argument("give a FILE or --profile P (one of them)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "weir bench: %s\n%s", e.what(), usage().c_str());
    return 2;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (json_out.empty()) json_out = dir + "/bench.json";
  const std::string weir = self_exe();
  std::string truth_json;
  if (max_flows.empty() && (profile == "linerate" || profile == "churn")) max_flows = "4000000";

  // 1. The capture, on tmpfs.
  if (!profile.empty()) {
    const std::string base = dir + "/" + profile + "-" + std::to_string(gen_packets);
    file = base + ".pcap";
    if (!fs::exists(file) || !fs::exists(base + ".json")) {
      std::fprintf(stderr, "weir bench: generating %s ...\n", file.c_str());
      const ProcResult g = run_proc({weir, "gen", "--profile", profile, "-n", std::to_string(gen_packets), "-o",
                                     file, "--truth", base});
      if (g.exit_code != 0) {
        std::fprintf(stderr, "weir bench: weir gen failed (exit %d)\n", g.exit_code);
        return 4;
      }
    }
    truth_json = base + ".json";
  } else {
    if (!fs::exists(file)) {
      std::fprintf(stderr, "weir bench: %s: no such file\n", file.c_str());
      return 3;
    }
    fs::path tj = fs::path(file).replace_extension(".json");
    if (fs::exists(tj)) truth_json = tj.string();
    struct statfs sf {};
    if (statfs(file.c_str(), &sf) != 0 || static_cast<long>(sf.f_type) != kTmpfsMagic) {
      const std::string dst = dir + "/" + fs::path(file).filename().string();
      std::fprintf(stderr, "weir bench: copying %s to tmpfs (%s)\n", file.c_str(), dst.c_str());
      fs::copy_file(file, dst, fs::copy_options::overwrite_existing, ec);
      if (ec) {
        std::fprintf(stderr, "weir bench: copy failed: %s\n", ec.message().c_str());
        return 3;
      }
      file = dst;
    }
  }
  const uint64_t file_bytes = fs::file_size(file, ec);
  const std::string truth = truth_json.empty() ? "" : slurp(truth_json);
  const auto truth_packets = json_number(truth, "packets");
  const auto truth_flows = json_number(truth, dmode == "b" ? "flows_bidirectional" : "flows_unidirectional");

  std::vector<Row> rows;
  auto timed = [&](Row row, const std::vector<std::string>& argv) {
    std::vector<double> walls;
    for (int r = 0; r < runs; ++r) {
      const ProcResult p = run_proc(argv);
      if (p.exit_code != 0) row.ok = false;
      walls.push_back(p.wall_s);
      row.rss_kb = std::max(row.rss_kb, p.max_rss_kb);
    }
    row.wall_s = median(walls);
    std::string cmd;
    for (const auto& s : argv) cmd += (cmd.empty() ? "" : " ") + s;
    row.command = cmd;
    rows.push_back(row);
  };

  // 2. Baselines.
  uint64_t packets = truth_packets ? static_cast<uint64_t>(*truth_packets) : 0;
  if (baselines) {
    timed(make_row("cat (read ceiling)"), {"cat", file});
    Row pc = make_row("libpcap count loop");
    std::vector<double> walls;
    for (int r = 0; r < runs; ++r) {
      uint64_t n = 0;
      const ProcResult p = run_pcap_count(file, n);
      walls.push_back(p.wall_s);
      pc.rss_kb = std::max(pc.rss_kb, p.max_rss_kb);
      pc.packets = n;
      if (p.exit_code != 0) pc.ok = false;
    }
    pc.wall_s = median(walls);
    pc.command = "pcap_open_offline + pcap_next_ex loop (in-process child)";
    if (!packets) packets = pc.packets;
    rows.push_back(pc);
    if (peers && which("softflowd")) timed(make_row("softflowd -m 1000000"), {"softflowd", "-r", file, "-m", "1000000", "-n", "127.0.0.1:9", "-D"});
    if (peers && which("nfpcapd")) {
      fs::create_directories(dir + "/nfpcapd", ec);
      timed(make_row("nfpcapd"), {"nfpcapd", "-r", file, "-w", dir + "/nfpcapd"});
    }
    if (peers && which("argus")) timed(make_row("argus"), {"argus", "-r", file, "-w", dir + "/argus.out"});
  }
  // 3. weir: stages, then the full job per thread count.
  const std::string out_csv = dir + "/weir-out.csv", stats = dir + "/weir-stats.json";
  if (stages) {
    for (const char* st : {"read", "decode"}) {
      for (const std::string& m : read_methods) {
        timed(make_row(std::string("weir stage: ") + st + " (" + m + ")", true),
              {weir, "-r", file, "-w", "1", "-q", "--no-progress", "--stop-after", st, "--read-method", m, "-o",
               out_csv});
      }
    }
  }
  for (const std::string& layout : threads) {
    const bool rt = layout.back() == 'r';
    const std::string w = rt ? layout.substr(0, layout.size() - 1) : layout;
    Row row = make_row("weir -w " + w + (rt ? " --reader-thread" : "") + " -d " + dmode, true);
    std::vector<std::string> argv = {weir, "-r", file, "-d", dmode, "-w", w, "-q", "--no-progress",
                                     "-o", out_csv, "--stats-json", stats};
    if (rt) argv.emplace_back("--reader-thread");
    if (!max_flows.empty()) argv.insert(argv.end(), {"--max-flows", max_flows});
    argv.insert(argv.end(), extra.begin(), extra.end());  // last: the user's options win
    if (!extra.empty()) row.name += " +args";
    timed(row, argv);
    Row& r = rows.back();
    const std::string sj = slurp(stats);
    r.packets = static_cast<uint64_t>(json_number(sj, "packets_read").value_or(0));
    r.wire_bytes = static_cast<uint64_t>(json_number(sj, "wire_bytes_read").value_or(0));
    r.records = static_cast<uint64_t>(json_number(sj, "records_total").value_or(0));
    r.not_metered = static_cast<uint64_t>(json_number(sj, "packets_not_metered").value_or(0));
    r.peak_live = static_cast<uint64_t>(json_number(sj, "peak_live_flows").value_or(0));
    const bool conserved = sj.find("\"conserved\": true") != std::string::npos;
    if (!extra.empty()) {
      // Other timeouts split flows: the truth's flow count no longer applies.
      r.exact = conserved ? "conserved (args change records)" : "NOT CONSERVED";
    } else if (truth_flows) {
      const bool exact = r.records == static_cast<uint64_t>(*truth_flows) &&
                         (!truth_packets || r.packets == static_cast<uint64_t>(*truth_packets)) &&
                         r.not_metered == 0 && json_number(sj, "evicted").value_or(1) == 0 && conserved;
      const auto evicted = static_cast<uint64_t>(json_number(sj, "evicted").value_or(0));
      r.exact = exact ? "exact"
                      : "MISMATCH (" + std::to_string(r.records) + " records vs " +
                            std::to_string(static_cast<uint64_t>(*truth_flows)) + ", " + std::to_string(evicted) +
                            " evicted, " + std::to_string(r.not_metered) + " not metered" +
                            (conserved ? "" : ", NOT CONSERVED") + ")";
    }
    if (!packets) packets = r.packets;
  }

  // 4. Report.
  double cat_s = 0;
  for (const Row& r : rows) {
    if (r.name.rfind("cat", 0) == 0) cat_s = r.wall_s;
  }
  // The fastest full weir run: every other row gets "weir is N x faster than this".
  double best_weir_s = 0;
  for (const Row& r : rows) {
    if (r.is_weir && r.name.rfind("weir -w", 0) == 0 && r.ok && (best_weir_s == 0 || r.wall_s < best_weir_s)) {
      best_weir_s = r.wall_s;
    }
  }
  char host[256] = "?";
  gethostname(host, sizeof host);
  const std::time_t now = std::time(nullptr);
  char date[64];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  std::printf("weir bench: %s (%.1f MB, %llu packets), %d runs per row, median; %s\n", file.c_str(),
              static_cast<double>(file_bytes) / 1e6, static_cast<unsigned long long>(packets), runs, date);
  std::printf("%-34s %8s %8s %8s %8s %9s %8s %10s %8s %7s %8s  %s\n", "row", "wall_s", "Mpps", "ns/pkt", "Gbps",
              "flows/s", "peak_MB", "B/flow", "x_cat", "weir_x", "dropped", "exactness");
  std::string js = "{\n  \"date\": \"" + std::string(date) + "\",\n  \"host\": \"" + host + "\",\n  \"file\": \"" + file +
                   "\",\n  \"file_bytes\": " + std::to_string(file_bytes) + ",\n  \"packets\": " +
                   std::to_string(packets) + ",\n  \"runs\": " + std::to_string(runs) + ",\n  \"rows\": [\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    const double mpps = r.wall_s > 0 ? static_cast<double>(packets) / r.wall_s / 1e6 : 0;
    const double nspp = packets ? r.wall_s * 1e9 / static_cast<double>(packets) : 0;
    const double gbps = r.wall_s > 0 ? static_cast<double>(file_bytes) * 8 / r.wall_s / 1e9 : 0;
    const double fps = r.wall_s > 0 ? static_cast<double>(r.records) / r.wall_s : 0;
    const double bpf = r.peak_live ? static_cast<double>(r.rss_kb) * 1024 / static_cast<double>(r.peak_live) : 0;
    const double ratio = r.wall_s > 0 && cat_s > 0 ? cat_s / r.wall_s : 0;
    // weir_x: how many times faster the best weir layout ran than this row (baselines, peers).
    const double weir_x = !r.is_weir && best_weir_s > 0 && r.wall_s > 0 ? r.wall_s / best_weir_s : 0;
    char wx[16] = "-", drop[24] = "-";
    if (weir_x > 0) std::snprintf(wx, sizeof wx, "%.2f", weir_x);
    if (r.is_weir && r.name.rfind("weir -w", 0) == 0) {
      std::snprintf(drop, sizeof drop, "%llu", static_cast<unsigned long long>(r.not_metered));
    }
    std::printf("%-34s %8.3f %8.2f %8.1f %8.2f %9.0f %8.1f %10.0f %8.2f %7s %8s  %s%s\n", r.name.c_str(), r.wall_s, mpps,
                nspp, gbps, fps, static_cast<double>(r.rss_kb) / 1024, bpf, ratio, wx, drop, r.exact.c_str(),
                r.ok ? "" : "  (FAILED)");
    char buf[1024];
    std::snprintf(buf, sizeof buf,
                  "    {\"name\": \"%s\", \"wall_s\": %.4f, \"mpps\": %.3f, \"ns_per_packet\": %.1f, \"gbps\": %.3f, "
                  "\"flows_per_s\": %.0f, \"peak_rss_mb\": %.1f, \"rss_bytes_per_peak_live_flow\": %.0f, "
                  "\"ratio_to_cat\": %.3f, \"best_weir_speedup\": %.3f, \"records\": %llu, \"not_metered\": %llu, \"peak_live_flows\": %llu, "
                  "\"exactness\": \"%s\", \"ok\": %s, \"command\": \"%s\"}%s\n",
                  r.name.c_str(), r.wall_s, mpps, nspp, gbps, fps, static_cast<double>(r.rss_kb) / 1024, bpf, ratio,
                  weir_x, static_cast<unsigned long long>(r.records), static_cast<unsigned long long>(r.not_metered),
                  static_cast<unsigned long long>(r.peak_live), r.exact.c_str(), r.ok ? "true" : "false",
                  r.command.c_str(), i + 1 < rows.size() ? "," : "");
    js += buf;
  }
  js += "  ]\n}\n";
  std::FILE* f = std::fopen(json_out.c_str(), "w");
  if (!f || std::fwrite(js.data(), 1, js.size(), f) != js.size() || std::fclose(f) != 0) {
    std::fprintf(stderr, "weir bench: cannot write %s\n", json_out.c_str());
    return 5;
  }
  std::printf("json: %s\n", json_out.c_str());
  bool all_ok = true;
  for (const Row& r : rows) all_ok = all_ok && r.ok;
  return all_ok ? 0 : 1;
}

}  // namespace weir
