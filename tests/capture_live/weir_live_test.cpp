// SPDX-License-Identifier: Apache-2.0
// `weir -i` end to end, per backend, on a veth in a private network namespace: the
// records of a live run stopped with SIGINT/SIGTERM (exit 0, every flow written) carry
// the per-flow packets and bytes of `weir -r` on the replayed capture; on a quiet
// interface an idle flow's record reaches the output while weir keeps running.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include "engine/engine_test_util.hpp"
#include "live_harness.hpp"
#include "weir_config.h"

namespace weir {
namespace {

std::string capture(const std::string& rel) { return test::captures_dir() + "/" + rel; }

const char* weir_bin() { return std::getenv("WEIR_BIN"); }

// A weir process (started in the caller's network namespace), stdout/stderr to files.
class WeirRun {
 public:
  WeirRun(const std::vector<std::string>& args, const fs::path& dir) : err_(dir / "stderr.txt") {
    std::vector<std::string> argv = {weir_bin()};
    argv.insert(argv.end(), args.begin(), args.end());
    // A previous run's stderr in the same directory would look like this run has started.
    std::error_code ec;
    fs::remove(err_, ec);
    pid_ = fork();
    if (pid_ == 0) {
      FILE* e = std::freopen(err_.c_str(), "w", stderr);
      FILE* o = std::freopen((dir / "stdout.txt").c_str(), "w", stdout);
      if (!e || !o) _exit(127);
      std::vector<char*> a;
      for (std::string& s : argv) a.push_back(s.data());
      a.push_back(nullptr);
      execv(a[0], a.data());
      _exit(127);
    }
  }
  ~WeirRun() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool running() {
    if (exited_) return false;
    int st = 0;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      exited_ = true;
      status_ = st;
    }
    return !exited_;
  }
  // Waits until stderr shows the first stats line (the capture is open and polling).
  bool wait_started(std::chrono::seconds limit = std::chrono::seconds(20)) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end && running()) {
      if (slurp(err_).find("received") != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }
  // Sends sig, waits for the exit, returns the exit code (-1: killed by a signal).
  int stop(int sig) {
    if (running()) kill(pid_, sig);
    if (!exited_) {
      waitpid(pid_, &status_, 0);
      exited_ = true;
    }
    return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1;
  }
  std::string stderr_text() const { return slurp(err_); }

 private:
  fs::path err_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int status_ = 0;
};

// Per flow (5-tuple, VLAN, ICMP id/type/code): packets, IP bytes and frame bytes each way,
// summed over the flow's records.
using FlowTotals = std::map<std::string, std::vector<uint64_t>>;

FlowTotals flow_totals(const fs::path& csv) {
  const auto rows = read_csv(csv);
  FlowTotals t;
  if (rows.empty()) return t;
  const auto& h = rows[0];
  const std::vector<std::string> key = {"proto", "src_addr", "src_port", "dst_addr", "dst_port",
                                        "vlan_id", "icmp_type", "icmp_code", "icmp_id"};
  const std::vector<std::string> vals = {"fwd_packets", "fwd_ip_bytes", "fwd_l2_bytes",
                                         "bwd_packets", "bwd_ip_bytes", "bwd_l2_bytes"};
  for (std::size_t r = 1; r < rows.size(); ++r) {
    std::string k;
    for (const std::string& c : key) k += rows[r].at(col(h, c)) + "|";
    auto& v = t[k];
    v.resize(vals.size());
    for (std::size_t i = 0; i < vals.size(); ++i) v[i] += std::stoull(rows[r].at(col(h, vals[i])));
  }
  return t;
}

#define REQUIRE_WEIR_BIN()                                                             \
  do {                                                                                 \
    if (!weir_bin()) GTEST_SKIP() << "WEIR_BIN not set (meson test sets it)";          \
  } while (0)

struct Backend {
  std::string name;
  std::vector<std::string> args;
};

std::vector<Backend> backends(int& vdev) {
  std::vector<Backend> b = {{"pcap", {"-i", "wrx"}}, {"afpacket -w 2", {"-i", "afpacket:wrx", "-w", "2"}}};
#if WEIR_HAVE_DPDK
  const std::string name = "net_af_packet" + std::to_string(vdev++);
  b.push_back({"dpdk af_packet -w 2",
               {"-i", "dpdk:" + name, "-w", "2", "--eal",
                "--no-huge --no-pci --no-shconf --no-telemetry -l 0 -m 512 --log-level=notice --vdev=" +
                    name + ",iface=wrx,qpairs=2"}});
#else
  (void)vdev;
#endif
  return b;
}

TEST(WeirLive, RecordsOfALiveRunEqualTheFileRunAndAStopWritesEveryFlow) {
  REQUIRE_WEIR_BIN();
  LIVE_REQUIRE_NETNS(ns);
  int vdev = 0;
  int sig = SIGINT;
  for (const char* rel : {"mixed/netflix.pcap", "vlan/vlan-collisions.pcap", "udp/DnsPackets.pcap"}) {
    TempDir dir;
    const fs::path want_csv = dir.path / "file.csv";
    ASSERT_EQ(std::system((std::string(weir_bin()) + " -q --no-progress -r '" + capture(rel) + "' -o " +
                           want_csv.string()).c_str()), 0);
    const FlowTotals want = flow_totals(want_csv);
    ASSERT_FALSE(want.empty());
    for (const Backend& b : backends(vdev)) {
      const fs::path out = dir.path / "live.csv";
      std::vector<std::string> args = b.args;
      for (const char* a : {"--no-progress", "--stats-interval", "0.2", "-o"}) args.push_back(a);
      args.push_back(out.string());
      WeirRun run(args, dir.path);
      ASSERT_TRUE(run.wait_started()) << b.name << ": " << run.stderr_text();
      ASSERT_EQ(ns.replay(capture(rel)), 0);
      std::this_thread::sleep_for(std::chrono::milliseconds(700));
      EXPECT_TRUE(run.running()) << b.name;
      const int code = run.stop(sig);
      sig = sig == SIGINT ? SIGTERM : SIGINT;  // both signals, across the runs
      EXPECT_EQ(code, 0) << b.name << " " << rel << " signal " << (sig == SIGINT ? "TERM" : "INT") << ": "
                         << run.stderr_text();
      const FlowTotals got = flow_totals(out);
      EXPECT_EQ(got.size(), want.size()) << b.name << " " << rel << ": " << run.stderr_text();
      EXPECT_TRUE(got == want) << b.name << " " << rel << ": per-flow packets/bytes differ";
      EXPECT_NE(run.stderr_text().find("conservation"), std::string::npos);
    }
  }
}

TEST(WeirLive, IdleFlowIsWrittenWhileWeirKeepsRunning) {
  REQUIRE_WEIR_BIN();
  LIVE_REQUIRE_NETNS(ns);
  int vdev = 100;
  for (const Backend& b : backends(vdev)) {
    TempDir dir;
    const fs::path out = dir.path / "live.csv";
    std::vector<std::string> args = b.args;
    for (const char* a : {"--no-progress", "--stats-interval", "0.2", "--idle-timeout", "2",
                          "--flush-interval", "1", "-o"}) {
      args.push_back(a);
    }
    args.push_back(out.string());
    WeirRun run(args, dir.path);
    ASSERT_TRUE(run.wait_started()) << b.name << ": " << run.stderr_text();
    // A few packets of one flow, then nothing.
    ASSERT_EQ(ns.replay(capture("icmp/5-pings.pcap"), "--topspeed"), 0);
    const auto sent = std::chrono::steady_clock::now();
    double seen_after_s = -1;
    // Until weir ends, its output is OUT.tmp.PID (renamed at the end): look at either.
    auto written = [&] {
      for (const auto& e : fs::directory_iterator(dir.path)) {
        const std::string n = e.path().filename().string();
        if ((n == "live.csv" || n.rfind("live.csv.tmp.", 0) == 0) && read_csv(e.path()).size() > 1) return true;
      }
      return false;
    };
    while (std::chrono::steady_clock::now() - sent < std::chrono::seconds(6)) {
      if (written()) {
        seen_after_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_GE(seen_after_s, 1.5) << b.name << ": written before the idle timeout";
    EXPECT_LE(seen_after_s, 4.0) << b.name << ": the idle flow's record was not in the output within 4 s";
    EXPECT_TRUE(run.running()) << b.name << " stopped: " << run.stderr_text();
    EXPECT_EQ(run.stop(SIGINT), 0) << run.stderr_text();
    const auto rows = read_csv(out);
    ASSERT_GT(rows.size(), 1u);
    EXPECT_EQ(rows[1].at(col(rows[0], "end_reason")), "idle") << b.name;
  }
}

}  // namespace
}  // namespace weir
