// SPDX-License-Identifier: Apache-2.0
// Live-capture test harness (header only): a veth pair in a private network namespace
// (scripts/netns-veth.sh), tcpreplay of a real capture into it, N threads that drive
// live sources (rx_burst -> Decoder -> per-flow counters), and the same counters from
// weir's file path (FileSource [+ BpfFilter] + Decoder) to compare with.
//
//   LIVE_REQUIRE_NETNS(ns);              // skips (with the reason) unless root + tools
//   ns.enter();                          // this thread and threads it starts: in the netns
//   open_capture(spec, sources);         // spec.interface = "wrx" / "afpacket:wrx"
//   Received r = receive(sources, [&] { ns.replay(file); }, expected_packets);
//   EXPECT_EQ(r.total(), file_counts(file));
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "capture/bpf_filter.hpp"
#include "capture/capture_registry.hpp"
#include "capture/decode/decoder.hpp"
#include "capture/pcap_file/file_source.hpp"
#include "capture/soft_rss.hpp"
#include "support/captures.hpp"

namespace weir::test {

// ---- per-flow counters -------------------------------------------------------------

struct FlowKeyLess {
  bool operator()(const FlowKey& a, const FlowKey& b) const noexcept {
    return std::memcmp(&a, &b, sizeof(FlowKey)) < 0;
  }
};

struct FlowCount {
  uint64_t packets = 0;
  uint64_t wire_bytes = 0;
  uint64_t ip_bytes = 0;
  bool operator==(const FlowCount&) const = default;
};

// What a set of packets decodes to: per flow, and per reason for the rest.
struct Counts {
  std::map<FlowKey, FlowCount, FlowKeyLess> flows;
  std::map<int, uint64_t> not_metered;  // DecodeOutcome -> packets
  uint64_t packets = 0;

  void add(const Counts& o) {
    for (const auto& [k, c] : o.flows) {
      FlowCount& m = flows[k];
      m.packets += c.packets;
      m.wire_bytes += c.wire_bytes;
      m.ip_bytes += c.ip_bytes;
    }
    for (const auto& [r, n] : o.not_metered) not_metered[r] += n;
    packets += o.packets;
  }
  bool operator==(const Counts&) const = default;
};

class Meter {
 public:
  Meter() : dec_(DecodeConfig{}) {}
  void packet(const PacketView& pv) {
    PacketMeta m{};
    ++counts_.packets;
    const DecodeOutcome o = dec_.decode(pv, pv.ts_ns, m);
    if (o != DecodeOutcome::flow) {
      ++counts_.not_metered[static_cast<int>(o)];
      return;
    }
    FlowCount& c = counts_.flows[m.key];
    ++c.packets;
    c.wire_bytes += m.wire_bytes;
    c.ip_bytes += m.ip_bytes;
  }
  Counts& counts() { return counts_; }

 private:
  Decoder dec_;
  Counts counts_;
};

// weir's file path on `path`: FileSource, the filter (if any) as the engine runs it,
// Decoder; with queues > 1, each packet counted on the queue the software RSS names.
inline std::vector<Counts> file_counts_per_queue(const std::string& path, uint32_t queues,
                                                 RssFields fields = RssFields::l3,
                                                 const std::string& filter = "") {
  FileSourceConfig cfg;
  cfg.paths = {path};
  std::unique_ptr<PacketSource> src;
  Status s = open_file_source(cfg, src);
  EXPECT_TRUE(s) << s.message;
  std::unique_ptr<BpfFilter> bpf;
  if (!filter.empty()) {
    EXPECT_TRUE(BpfFilter::create(filter, bpf));
  }
  std::vector<Meter> meters(queues);
  std::vector<Counts> out;
  if (!src) return out;
  PacketView views[64];
  for (;;) {
    const RxResult r = src->rx_burst(views);
    for (uint32_t i = 0; i < r.n; ++i) {
      if (bpf && !bpf->match(views[i])) continue;
      meters[queues > 1 ? rss_queue(rss_hash(views[i], fields), queues) : 0].packet(views[i]);
    }
    if (r.status != RxStatus::ok) break;
  }
  for (Meter& m : meters) out.push_back(std::move(m.counts()));
  return out;
}

inline Counts file_counts(const std::string& path, const std::string& filter = "") {
  return file_counts_per_queue(path, 1, RssFields::l3, filter).at(0);
}

// ---- driving live sources ----------------------------------------------------------

struct Received {
  std::vector<Counts> per_queue;
  std::vector<SourceStats> stats;
  Counts total() const {
    Counts t;
    for (const Counts& c : per_queue) t.add(c);
    return t;
  }
  // Flows seen on more than one queue.
  std::vector<FlowKey> split_flows() const {
    std::map<FlowKey, int, FlowKeyLess> seen;
    std::vector<FlowKey> split;
    for (const Counts& c : per_queue) {
      for (const auto& kv : c.flows) {
        if (++seen[kv.first] == 2) split.push_back(kv.first);
      }
    }
    return split;
  }
  uint64_t kernel_drops() const {
    uint64_t n = 0;
    for (const SourceStats& s : stats) n += s.kernel_drops;
    return n;
  }
};

// One thread per source: rx_burst -> Decoder -> counters, until `expected` packets
// arrived in all and then nothing for `settle` (late extras would be counted and fail
// the comparison), or `deadline` passed. `inject` runs once all threads are polling.
inline Received receive(std::vector<std::unique_ptr<PacketSource>>& sources,
                        const std::function<void()>& inject, uint64_t expected,
                        const std::function<bool(const PacketView&)>& keep = nullptr,
                        std::chrono::milliseconds settle = std::chrono::milliseconds(300),
                        std::chrono::seconds deadline = std::chrono::seconds(20)) {
  using Clock = std::chrono::steady_clock;
  const std::size_t n = sources.size();
  Received out;
  out.per_queue.resize(n);
  out.stats.resize(n);
  std::atomic<uint64_t> total{0};
  std::atomic<int> polling{0};
  std::atomic<bool> stop{false};
  std::atomic<int64_t> last_rx_ns{Clock::now().time_since_epoch().count()};
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<Meter>> meters;
  for (std::size_t q = 0; q < n; ++q) meters.push_back(std::make_unique<Meter>());
  for (std::size_t q = 0; q < n; ++q) {
    threads.emplace_back([&, q] {
      PacketView views[64];
      polling.fetch_add(1);
      while (!stop.load()) {
        const RxResult r = sources[q]->rx_burst(views);
        for (uint32_t i = 0; i < r.n; ++i) {
          if (!keep || keep(views[i])) meters[q]->packet(views[i]);
        }
        if (r.n) {
          total.fetch_add(r.n);
          last_rx_ns.store(Clock::now().time_since_epoch().count());
        }
        if (r.status == RxStatus::error || r.status == RxStatus::end_of_file) {
          ADD_FAILURE() << "queue " << q << ": " << sources[q]->error().message;
          break;
        }
      }
      sources[q]->refresh_stats();
    });
  }
  while (polling.load() < static_cast<int>(n)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // into rx_burst
  if (inject) inject();
  const auto end = Clock::now() + deadline;
  while (Clock::now() < end) {
    const auto quiet = Clock::now() - Clock::time_point(Clock::duration(last_rx_ns.load()));
    if (total.load() >= expected && quiet >= settle) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop.store(true);
  for (std::thread& t : threads) t.join();
  for (std::size_t q = 0; q < n; ++q) {
    out.per_queue[q] = std::move(meters[q]->counts());
    out.stats[q] = sources[q]->stats();
  }
  return out;
}

// ---- the network namespace ---------------------------------------------------------

inline std::string source_root() {
  if (const char* e = std::getenv("WEIR_SOURCE_ROOT"); e && *e) return e;
  return ".";
}

inline bool on_path(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// A netns with wtx <-> wrx (scripts/netns-veth.sh), deleted on destruction.
class VethNetns {
 public:
  VethNetns() : name_("weir-t" + std::to_string(counter()++) + "-" + std::to_string(getpid())) {}
  ~VethNetns() {
    leave();
    if (created_) run("down " + name_);
  }
  VethNetns(const VethNetns&) = delete;
  VethNetns& operator=(const VethNetns&) = delete;

  // Empty when usable; otherwise why not (the test skips with it).
  std::string create() {
    if (geteuid() != 0) return "needs root (network namespaces, packet sockets)";
    for (const char* t : {"ip", "ethtool", "tcpreplay"}) {
      if (!on_path(t)) return std::string(t) + " not found (Debian: iproute2, ethtool, tcpreplay)";
    }
    if (run("up " + name_) != 0) return "scripts/netns-veth.sh up " + name_ + " failed";
    created_ = true;
    return "";
  }

  // The calling thread (and threads it starts from now on) joins the namespace.
  void enter() {
    if (home_ < 0) home_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    const int fd = open(("/var/run/netns/" + name_).c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0) << "open netns " << name_;
    ASSERT_EQ(setns(fd, CLONE_NEWNET), 0) << std::strerror(errno);
    close(fd);
  }
  void leave() {
    if (home_ < 0) return;
    setns(home_, CLONE_NEWNET);
    close(home_);
    home_ = -1;
  }

  // tcpreplay FILE onto wtx (blocking); extra tcpreplay options, e.g. "--pps=20000".
  int replay(const std::string& file, const std::string& options = "--pps=20000") {
    return run("replay " + name_ + " '" + file + "' " + options + " >/dev/null");
  }
  // Any command inside the namespace.
  int exec(const std::string& cmd) {
    return std::system(("ip netns exec " + name_ + " " + cmd).c_str());
  }
  const std::string& name() const { return name_; }

 private:
  static int& counter() {
    static int c = 0;
    return c;
  }
  int run(const std::string& args) {
    return std::system((source_root() + "/scripts/netns-veth.sh " + args).c_str());
  }
  std::string name_;
  bool created_ = false;
  int home_ = -1;
};

}  // namespace weir::test

// Creates `ns` (a VethNetns) and enters it, or skips the test with the reason.
#define LIVE_REQUIRE_NETNS(ns)                                                  \
  ::weir::test::VethNetns ns;                                                   \
  do {                                                                          \
    WEIR_REQUIRE_CAPTURES();                                                    \
    if (std::string why = ns.create(); !why.empty())                            \
      GTEST_SKIP() << "live capture test skipped: " << why;                     \
    ns.enter();                                                                 \
  } while (0)
