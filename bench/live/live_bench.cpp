// SPDX-License-Identifier: Apache-2.0
// live_bench: receives from one live capture spec the way the per-queue engine will (one
// thread per source: rx_burst -> Decoder -> per-flow counters), until traffic stops, and
// prints one JSON line: packets received (per queue), kernel/NIC drops, and whether the
// per-flow packets and bytes equal weir's file path on the replayed file (--compare).
// Driven by bench/live/run.sh (veth + tcpreplay --topspeed); the engine's `weir -i`
// replaces it once it exists.
//
//   live_bench -i afpacket:wrx -w 2 [--shard host|flow] [-B KiB] [--eal 'ARGS'] [--compare FILE]
//              [--ready-file PATH] [--idle-exit-ms 1500] [--max-wait-s 120]
#include <xxhash.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "capture/capture_registry.hpp"
#include "capture/decode/decoder.hpp"
#include "capture/pcap_file/file_source.hpp"

namespace {

using namespace weir;

struct KeyHash {
  std::size_t operator()(const FlowKey& k) const noexcept { return XXH3_64bits(&k, sizeof k); }
};
struct Count {
  uint64_t packets = 0, wire_bytes = 0, ip_bytes = 0;
};
using Flows = std::unordered_map<FlowKey, Count, KeyHash>;

struct Queue {
  Flows flows;
  uint64_t packets = 0;
  uint64_t not_metered = 0;
};

void meter(Decoder& dec, const PacketView& v, Queue& q) {
  PacketMeta m{};
  ++q.packets;
  if (dec.decode(v, v.ts_ns, m) != DecodeOutcome::flow) {
    ++q.not_metered;
    return;
  }
  Count& c = q.flows[m.key];
  ++c.packets;
  c.wire_bytes += m.wire_bytes;
  c.ip_bytes += m.ip_bytes;
}

bool file_flows(const std::string& path, Queue& out) {
  FileSourceConfig cfg;
  cfg.paths = {path};
  std::unique_ptr<PacketSource> src;
  if (Status s = open_file_source(cfg, src); !s) {
    std::fprintf(stderr, "live_bench: %s\n", s.message.c_str());
    return false;
  }
  Decoder dec{DecodeConfig{}};
  PacketView views[64];
  for (;;) {
    const RxResult r = src->rx_burst(views);
    for (uint32_t i = 0; i < r.n; ++i) meter(dec, views[i], out);
    if (r.status != RxStatus::ok) return r.status == RxStatus::end_of_file;
  }
}

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop.store(true); }

int usage(const char* why) {
  std::fprintf(stderr, "live_bench: %s\nusage: live_bench -i SPEC [-w N] [--shard host|flow] [-B KiB] "
               "[--eal ARGS] [--compare FILE] [--ready-file PATH] [--idle-exit-ms MS] "
               "[--max-wait-s S]\n", why);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  CaptureSpec spec;
  std::string compare, ready_file;
  int idle_exit_ms = 1500, max_wait_s = 120;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "-i") spec.interface = next();
    else if (a == "-w") spec.queues = static_cast<uint32_t>(std::stoul(next()));
    else if (a == "-B") spec.buffer_kib = static_cast<uint32_t>(std::stoul(next()));
    else if (a == "--shard") spec.shard = next() == "flow" ? RssFields::l3_l4 : RssFields::l3;
    else if (a == "--eal") spec.eal_args = next();
    else if (a == "--compare") compare = next();
    else if (a == "--ready-file") ready_file = next();
    else if (a == "--idle-exit-ms") idle_exit_ms = std::stoi(next());
    else if (a == "--max-wait-s") max_wait_s = std::stoi(next());
    else return usage(("unknown option " + a).c_str());
  }
  if (spec.interface.empty()) return usage("-i is required");
  std::vector<std::unique_ptr<PacketSource>> sources;
  if (Status s = open_capture(spec, sources); !s) {
    std::fprintf(stderr, "live_bench: %s\n", s.message.c_str());
    return 3;
  }
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  using Clock = std::chrono::steady_clock;
  const std::size_t n = sources.size();
  std::vector<Queue> queues(n);
  std::atomic<uint64_t> total{0};
  std::atomic<int64_t> last_rx{0}, first_rx{0};
  std::atomic<int> polling{0};
  std::vector<std::thread> threads;
  for (std::size_t q = 0; q < n; ++q) {
    threads.emplace_back([&, q] {
      Decoder dec{DecodeConfig{}};
      PacketView views[64];
      polling.fetch_add(1);
      while (!g_stop.load(std::memory_order_relaxed)) {
        const RxResult r = sources[q]->rx_burst(views);
        for (uint32_t i = 0; i < r.n; ++i) meter(dec, views[i], queues[q]);
        if (r.n) {
          const int64_t now = Clock::now().time_since_epoch().count();
          int64_t zero = 0;
          first_rx.compare_exchange_strong(zero, now);
          last_rx.store(now, std::memory_order_relaxed);
          total.fetch_add(r.n, std::memory_order_relaxed);
        }
        if (r.status == RxStatus::error) {
          std::fprintf(stderr, "live_bench: queue %zu: %s\n", q, sources[q]->error().message.c_str());
          break;
        }
      }
      sources[q]->refresh_stats();
    });
  }
  while (polling.load() < static_cast<int>(n)) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  if (!ready_file.empty()) std::ofstream(ready_file) << "ready\n";
  const auto start = Clock::now();
  while (!g_stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const int64_t last = last_rx.load();
    const auto now = Clock::now();
    if (last && now - Clock::time_point(Clock::duration(last)) > std::chrono::milliseconds(idle_exit_ms)) break;
    if (now - start > std::chrono::seconds(max_wait_s)) break;
  }
  g_stop.store(true);
  for (std::thread& t : threads) t.join();

  Queue all;
  uint64_t kdrops = 0, idrops = 0;
  std::string per_queue;
  for (std::size_t q = 0; q < n; ++q) {
    for (const auto& [k, c] : queues[q].flows) {
      Count& m = all.flows[k];
      m.packets += c.packets;
      m.wire_bytes += c.wire_bytes;
      m.ip_bytes += c.ip_bytes;
    }
    all.packets += queues[q].packets;
    all.not_metered += queues[q].not_metered;
    kdrops += sources[q]->stats().kernel_drops;
    idrops += sources[q]->stats().interface_drops;
    if (q) per_queue += ',';
    per_queue += std::to_string(queues[q].packets);
  }
  std::size_t split = 0;
  if (n > 1) {
    std::unordered_map<FlowKey, int, KeyHash> seen;
    for (const Queue& q : queues) {
      for (const auto& kv : q.flows) split += ++seen[kv.first] == 2;
    }
  }
  std::string exact = "null";
  if (!compare.empty()) {
    Queue want;
    if (!file_flows(compare, want)) return 3;
    bool same = want.packets == all.packets && want.not_metered == all.not_metered &&
                want.flows.size() == all.flows.size();
    for (const auto& [k, c] : want.flows) {
      if (!same) break;
      auto it = all.flows.find(k);
      same = it != all.flows.end() && it->second.packets == c.packets &&
             it->second.wire_bytes == c.wire_bytes && it->second.ip_bytes == c.ip_bytes;
    }
    exact = same ? "true" : "false";
  }
  const double secs = first_rx.load() && last_rx.load()
                          ? std::chrono::duration<double>(Clock::duration(last_rx.load() - first_rx.load())).count()
                          : 0.0;
  std::printf("{\"spec\": \"%s\", \"queues\": %zu, \"received\": %llu, \"per_queue\": [%s], "
              "\"kernel_drops\": %llu, \"interface_drops\": %llu, \"flows\": %zu, "
              "\"flows_split\": %zu, \"receive_s\": %.3f, \"exact\": %s, \"describe\": \"%s\"}\n",
              spec.interface.c_str(), n, static_cast<unsigned long long>(all.packets), per_queue.c_str(),
              static_cast<unsigned long long>(kdrops), static_cast<unsigned long long>(idrops),
              all.flows.size(), split, secs, exact.c_str(), sources[0]->describe().c_str());
  sources.clear();
  close_capture_backends();
  return 0;
}
