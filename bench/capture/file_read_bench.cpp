// SPDX-License-Identifier: Apache-2.0
// Capture-file reading speed: a loop that only calls rx_burst() and sums wire_len (the
// reader's share of the flow meter's budget), against read() of the same file into a
// 128 KiB buffer (what `cat file > /dev/null` does), for several mmap window sizes; and the
// floor under any mmap reader (page-table work; the bare record walk with and without
// prefetch).
//
// Input: $WEIR_BENCH_PCAP, else /dev/shm/w/bench_5M.pcap when present, else (or with
// WEIR_BENCH_PCAP=synthetic) a 256 MiB pcap of IMIX-like sizes written to $TMPDIR and
// removed at exit.
//
//   file_read_bench                          Google Benchmark (meson test --benchmark)
//   file_read_bench --once FILE [MIB [BURST]] one pass, prints ns/packet; for /usr/bin/time -v
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "capture/pcap_file/file_source.hpp"

namespace weir {
namespace {

std::string g_path;
bool g_remove_at_exit = false;

struct PassResult {
  uint64_t packets = 0;
  uint64_t wire_bytes = 0;
  uint64_t file_bytes = 0;
};

PassResult read_once(const std::string& path, uint64_t window_bytes, size_t burst) {
  FileSourceConfig cfg;
  cfg.paths = {path};
  cfg.window_bytes = window_bytes;
  std::unique_ptr<PacketSource> src;
  if (Status s = open_file_source(cfg, src); !s) {
    std::fprintf(stderr, "%s\n", s.message.c_str());
    std::exit(1);
  }
  std::vector<PacketView> views(burst);
  PassResult r;
  for (;;) {
    const RxResult res = src->rx_burst(views);
    for (uint32_t i = 0; i < res.n; ++i) r.wire_bytes += views[i].wire_len;
    r.packets += res.n;
    if (res.status == RxStatus::error) {
      std::fprintf(stderr, "%s\n", src->error().message.c_str());
      std::exit(1);
    }
    if (res.status != RxStatus::ok) break;
  }
  r.file_bytes = src->bytes_read();
  return r;
}

void BM_RxBurst(benchmark::State& st) {
  const uint64_t window = static_cast<uint64_t>(st.range(0)) << 20;
  const size_t burst = static_cast<size_t>(st.range(1));
  PassResult r;
  double ns = 0;
  for (auto _ : st) {
    const auto t0 = std::chrono::steady_clock::now();
    r = read_once(g_path, window, burst);
    ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    benchmark::DoNotOptimize(r.wire_bytes);
  }
  const double packets = static_cast<double>(st.iterations()) * static_cast<double>(r.packets);
  st.SetItemsProcessed(static_cast<int64_t>(packets));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * r.file_bytes));
  st.counters["ns_per_pkt"] = ns / packets;
}
// window MiB x burst
BENCHMARK(BM_RxBurst)->ArgsProduct({{8, 32, 128}, {256}})->Args({32, 32})->Unit(benchmark::kMillisecond)
    ->UseRealTime()->Repetitions(3)->ReportAggregatesOnly(true);

// The `cat` baseline: read() through a 128 KiB buffer (coreutils' block size).
void BM_ReadSyscall(benchmark::State& st) {
  std::vector<char> buf(128 << 10);
  uint64_t bytes = 0;
  for (auto _ : st) {
    const int fd = ::open(g_path.c_str(), O_RDONLY);
    bytes = 0;
    for (ssize_t n; (n = ::read(fd, buf.data(), buf.size())) > 0;) bytes += static_cast<uint64_t>(n);
    ::close(fd);
    benchmark::DoNotOptimize(bytes);
  }
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * bytes));
}
BENCHMARK(BM_ReadSyscall)->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(3)->ReportAggregatesOnly(true);

// The floor under any mmap reader, in two parts measured apart. BM_MapWholeFile: the
// page-table work alone -- mmap the whole file with MAP_POPULATE, then munmap it (what the
// reader's windows cost in the kernel, without any walk). BM_RecordWalk: the record walk
// alone over an already-populated mapping -- read each record header, step to the next
// -- with software prefetch `prefetch_bytes` ahead (every line) or none (0). Without
// prefetch every step is a dependent DRAM miss (the next header's address is in this
// one); with it the walk streams the file. Nothing here decodes or copies a packet.
struct WholeMapping {
  const uint8_t* p = nullptr;
  size_t bytes = 0;
  explicit WholeMapping(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
      std::perror(path.c_str());
      std::exit(1);
    }
    bytes = static_cast<size_t>(st.st_size);
    void* m = ::mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    ::close(fd);
    if (m == MAP_FAILED) {
      std::perror("mmap");
      std::exit(1);
    }
    p = static_cast<const uint8_t*>(m);
  }
  ~WholeMapping() { ::munmap(const_cast<uint8_t*>(p), bytes); }
};

// Classic little-endian pcap only (what this benchmark's inputs are).
uint64_t walk_records(const uint8_t* p, size_t n, size_t prefetch_bytes, uint64_t& sum) {
  size_t off = 24, pf = 24;
  uint64_t packets = 0;
  while (off + 16 <= n) {
    if (prefetch_bytes) {
      for (const size_t lim = std::min(n, off + prefetch_bytes); pf < lim; pf += 64) __builtin_prefetch(p + pf);
    }
    uint32_t cap;
    std::memcpy(&cap, p + off + 8, 4);
    sum += p[std::min(n - 1, off + 16 + 12)];  // one header byte, as a decoder would
    off += 16 + cap;
    ++packets;
  }
  return packets;
}

void BM_MapWholeFile(benchmark::State& st) {
  uint64_t sum = 0;
  const uint64_t packets = [&] {  // for the ns/pkt figure only; not timed
    WholeMapping m(g_path);
    return walk_records(m.p, m.bytes, 4096, sum);
  }();
  double ns = 0;
  for (auto _ : st) {
    const auto t0 = std::chrono::steady_clock::now();
    {
      WholeMapping m(g_path);
      benchmark::DoNotOptimize(m.p);
    }
    ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  }
  benchmark::DoNotOptimize(sum);
  st.counters["ns_per_pkt"] = ns / (static_cast<double>(packets) * static_cast<double>(st.iterations()));
}
BENCHMARK(BM_MapWholeFile)->Unit(benchmark::kMillisecond)->UseRealTime()->Repetitions(3)->ReportAggregatesOnly(true);

void BM_RecordWalk(benchmark::State& st) {
  const auto prefetch_bytes = static_cast<size_t>(st.range(0));
  WholeMapping m(g_path);
  uint64_t packets = 0, sum = 0;
  double ns = 0;
  for (auto _ : st) {
    const auto t0 = std::chrono::steady_clock::now();
    packets = walk_records(m.p, m.bytes, prefetch_bytes, sum);
    ns += std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
  }
  benchmark::DoNotOptimize(sum);
  st.counters["ns_per_pkt"] = ns / (static_cast<double>(packets) * static_cast<double>(st.iterations()));
}
BENCHMARK(BM_RecordWalk)->ArgName("prefetch_bytes")->Arg(0)->Arg(4096)->Arg(16384)->Unit(benchmark::kMillisecond)
    ->UseRealTime()->Repetitions(3)->ReportAggregatesOnly(true);

// 256 MiB of records with IMIX-like captured sizes (64/576/1500 bytes, 7:4:1).
std::string make_synthetic() {
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/weir_file_read_bench.pcap";
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  const uint32_t hdr[6] = {0xA1B2C3D4, 0x00040002, 0, 0, 262144, 1};
  f.write(reinterpret_cast<const char*>(hdr), sizeof hdr);
  static const uint32_t sizes[12] = {64, 576, 64, 1500, 64, 576, 64, 64, 576, 64, 576, 64};
  std::vector<char> payload(1500, 'x');
  uint64_t written = sizeof hdr;
  for (uint32_t i = 0; written < (256ull << 20); ++i) {
    const uint32_t len = sizes[i % 12];
    const uint32_t rec[4] = {1'700'000'000 + i / 1000, (i % 1000) * 1000, len, len};
    f.write(reinterpret_cast<const char*>(rec), sizeof rec);
    f.write(payload.data(), len);
    written += sizeof rec + len;
  }
  return path;
}

}  // namespace
}  // namespace weir

int main(int argc, char** argv) {
  using namespace weir;
  if (argc >= 3 && std::strcmp(argv[1], "--once") == 0) {
    const uint64_t mib = argc >= 4 ? std::strtoull(argv[3], nullptr, 10) : 32;
    const size_t burst = argc >= 5 ? std::strtoull(argv[4], nullptr, 10) : 256;
    const auto t0 = std::chrono::steady_clock::now();
    const PassResult r = read_once(argv[2], mib << 20, burst);
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%llu packets, %llu wire bytes, %.3f s, %.1f ns/packet, %.2f GB/s (window %llu MiB, burst %zu)\n",
                static_cast<unsigned long long>(r.packets), static_cast<unsigned long long>(r.wire_bytes), ns / 1e9,
                ns / static_cast<double>(r.packets), static_cast<double>(r.file_bytes) / ns,
                static_cast<unsigned long long>(mib), burst);
    return 0;
  }
  const char* e = std::getenv("WEIR_BENCH_PCAP");
  if (e && *e && std::strcmp(e, "synthetic") != 0) {
    g_path = e;
  } else if (!e && std::filesystem::exists("/dev/shm/w/bench_5M.pcap")) {
    g_path = "/dev/shm/w/bench_5M.pcap";
  } else {
    g_path = make_synthetic();
    g_remove_at_exit = true;
  }
  benchmark::AddCustomContext("input", g_path);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (g_remove_at_exit) std::filesystem::remove(g_path);
  return 0;
}
