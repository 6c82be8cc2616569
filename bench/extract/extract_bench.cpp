// SPDX-License-Identifier: Apache-2.0
// weir flows / weir extract speed, beside their floor in the same run:
//   BM_ReadOnly    the capture-file reader alone (rx_burst, sum wire_len): the floor
//   BM_FlowsScan   the pass `weir flows` makes: decode, key, FlowID lookup, counters
//   BM_FlowsList   the same plus the sorted table written to /dev/null
//   BM_TcpInOrder / BM_TcpReordered   the reassembler alone, 1448-byte segments, in order
//                  and with every other pair swapped (half the segments buffered)
//
// Input: $WEIR_BENCH_PCAP, else /dev/shm/wb/bench_500k.pcap (flowgen, 500k packets); the
// file benchmarks are skipped when neither exists. Items are packets (bytes: wire bytes).
//   meson test -C build --benchmark --verbose extract
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "capture/pcap_file/file_source.hpp"
#include "extract/flow_listing.hpp"
#include "extract/flow_scan.hpp"
#include "extract/tcp_reassembler.hpp"

namespace weir::extract {
namespace {

std::string input() {
  if (const char* e = std::getenv("WEIR_BENCH_PCAP"); e && *e) return e;
  return "/dev/shm/wb/bench_500k.pcap";
}

bool have_input(benchmark::State& state) {
  if (std::filesystem::exists(input())) return true;
  state.SkipWithError(("no input: set WEIR_BENCH_PCAP (tried " + input() + ")").c_str());
  return false;
}

void BM_ReadOnly(benchmark::State& state) {
  if (!have_input(state)) return;
  uint64_t packets = 0, bytes = 0;
  for (auto _ : state) {
    FileSourceConfig cfg;
    cfg.paths = {input()};
    std::unique_ptr<PacketSource> src;
    if (!open_file_source(cfg, src)) return state.SkipWithError("cannot open the input");
    std::array<PacketView, 64> v;
    for (;;) {
      const RxResult r = src->rx_burst(v);
      for (uint32_t i = 0; i < r.n; ++i) bytes += v[i].wire_len;
      packets += r.n;
      if (r.status != RxStatus::ok) break;
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void scan_bench(benchmark::State& state, bool list) {
  if (!have_input(state)) return;
  uint64_t packets = 0, bytes = 0, flows = 0;
  for (auto _ : state) {
    ScanOptions o;
    o.files = {input()};
    FlowIndex index;
    ScanStats st;
    if (!scan(o, index, nullptr, st)) return state.SkipWithError("scan failed");
    if (list) {
      std::FILE* null = std::fopen("/dev/null", "w");
      (void)write_listing(null, index, ListingOptions{});
      std::fclose(null);
    }
    packets += st.packets;
    bytes += st.wire_bytes;
    flows = index.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(packets));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.counters["flows"] = static_cast<double>(flows);
}
void BM_FlowsScan(benchmark::State& state) { scan_bench(state, false); }
void BM_FlowsList(benchmark::State& state) { scan_bench(state, true); }

class Discard : public ChunkSink {
 public:
  void chunk(const StreamHeader&, const uint8_t*, uint32_t n) override { bytes += n; }
  uint64_t bytes = 0;
};

void reassembly_bench(benchmark::State& state, bool reorder) {
  constexpr uint32_t kSeg = 1448, kSegments = 4096;
  static const std::vector<uint8_t> payload(kSeg, 0x61);
  std::vector<uint32_t> order(kSegments);
  for (uint32_t i = 0; i < kSegments; ++i) order[i] = reorder ? (i ^ 1) : i;
  Discard out;
  for (auto _ : state) {
    TcpReassembler r(1, 64 << 20);
    TcpInput syn;
    syn.seq = 1000;
    syn.flags = 0x02;
    r.add(syn, out);
    for (uint32_t i : order) {
      TcpInput in;
      in.seq = 1001 + i * kSeg;
      in.flags = 0x10;
      in.data = payload.data();
      in.cap = in.len = kSeg;
      r.add(in, out);
    }
    r.flush(out);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kSegments);
  state.SetBytesProcessed(static_cast<int64_t>(out.bytes));
}
void BM_TcpInOrder(benchmark::State& state) { reassembly_bench(state, false); }
void BM_TcpReordered(benchmark::State& state) { reassembly_bench(state, true); }

BENCHMARK(BM_ReadOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FlowsScan)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FlowsList)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_TcpInOrder);
BENCHMARK(BM_TcpReordered);

}  // namespace
}  // namespace weir::extract

BENCHMARK_MAIN();
