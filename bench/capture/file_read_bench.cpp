// SPDX-License-Identifier: Apache-2.0
// Capture-file reading, every method side by side on the same file in one run:
//   BM_Source      the capture-file source (rx_burst loop summing wire_len: the reader's
//                  share of the flow meter's budget) per ReadMethod and buffer/window size
//   BM_Cat         read() through a 128 KiB buffer, nothing else (what `cat FILE > /dev/null` does)
//   BM_WalkRead    bare record walk after read() into one reused buffer (no FileSource)
//   BM_WalkUring   the same walk fed by io_uring reads, 4 in flight, completed inline or
//                  (async) by kernel workers: does io_uring beat read() here?
//   BM_MapWholeFile, BM_RecordWalk   the floor under any mmap reader: page-table work
//                  alone, and the walk over an already-populated mapping
// Wall time (real) and process CPU time (including io_uring's kernel workers) are both
// reported: on a busy machine CPU time per packet is the steadier figure.
//
// Input: $WEIR_BENCH_PCAP, else bench_5M.pcap in /dev/shm/wb or /dev/shm/w when present,
// else (or with WEIR_BENCH_PCAP=synthetic) a 256 MiB pcap of IMIX-like sizes written to
// $TMPDIR and removed at exit. Classic little-endian pcap for the bare walks.
//
//   file_read_bench                               Google Benchmark (meson test --benchmark)
//   file_read_bench --once FILE [read|mmap] [KIB [BURST]]   one pass, prints ns/packet
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <benchmark/benchmark.h>

#if WEIR_HAVE_LIBURING
#include <liburing.h>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "capture/pcap_file/file_source.hpp"
#include "capture/pcap_file/pcap_writer.hpp"

namespace weir {
namespace {

std::string g_path;
bool g_remove_at_exit = false;

struct PassResult {
  uint64_t packets = 0;
  uint64_t wire_bytes = 0;
  uint64_t file_bytes = 0;
};

PassResult read_once(const std::string& path, ReadMethod method, uint64_t bytes, size_t burst) {
  FileSourceConfig cfg;
  cfg.paths = {path};
  cfg.method = method;
  cfg.buffer_bytes = cfg.window_bytes = bytes;
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

// ns per packet of wall time, as a counter beside Google Benchmark's own columns.
void set_counters(benchmark::State& st, double wall_ns, uint64_t packets, uint64_t bytes) {
  const double pkts = static_cast<double>(st.iterations()) * static_cast<double>(packets);
  st.SetItemsProcessed(static_cast<int64_t>(pkts));
  st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * bytes));
  if (pkts > 0) st.counters["ns_per_pkt"] = wall_ns / pkts;
}

double since_ns(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
}

// method (0 read, 1 mmap) x KiB (read buffer or mmap window) x burst
void BM_Source(benchmark::State& st) {
  const ReadMethod method = st.range(0) == 0 ? ReadMethod::read : ReadMethod::mmap;
  const uint64_t bytes = static_cast<uint64_t>(st.range(1)) << 10;
  const size_t burst = static_cast<size_t>(st.range(2));
  st.SetLabel(std::string(to_string(method)));
  PassResult r;
  double ns = 0;
  for (auto _ : st) {
    const auto t0 = std::chrono::steady_clock::now();
    r = read_once(g_path, method, bytes, burst);
    ns += since_ns(t0);
    benchmark::DoNotOptimize(r.wire_bytes);
  }
  set_counters(st, ns, r.packets, r.file_bytes);
}
BENCHMARK(BM_Source)
    ->ArgNames({"mmap", "KiB", "burst"})
    ->ArgsProduct({{0}, {64, 128, 256, 512, 1024, 4096}, {256}})
    ->Args({0, 256, 32})
    ->ArgsProduct({{1}, {8192, 32768}, {256}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MeasureProcessCPUTime()
    ->Repetitions(3)
    ->ReportAggregatesOnly(true);

// The `cat` baseline: read() through a 128 KiB buffer (coreutils' block size).
void BM_Cat(benchmark::State& st) {
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
BENCHMARK(BM_Cat)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime()->Repetitions(3)
    ->ReportAggregatesOnly(true);

// Walks the whole records in [p, e) (reads each header and one byte of the frame, as a
// decoder would); returns the first byte not walked.
const uint8_t* walk(const uint8_t* p, const uint8_t* e, uint64_t& packets, uint64_t& sum) {
  while (e - p >= 16) {
    uint32_t cap;
    std::memcpy(&cap, p + 8, 4);
    if (static_cast<size_t>(e - p) - 16 < cap) break;
    sum += cap > 12 ? p[16 + 12] : 0;
    p += 16 + cap;
    ++packets;
  }
  return p;
}

// read() into one reused buffer of KiB, the unwalked tail moved to the front.
void BM_WalkRead(benchmark::State& st) {
  const size_t bytes = static_cast<size_t>(st.range(0)) << 10;
  std::vector<uint8_t> buf(bytes + (256u << 10));  // room for one record past the buffer
  uint64_t packets = 0, sum = 0, file = 0;
  double ns = 0;
  for (auto _ : st) {
    const auto t0 = std::chrono::steady_clock::now();
    const int fd = ::open(g_path.c_str(), O_RDONLY);
    uint8_t* b = buf.data();
    size_t have = 0, skip = 24;
    packets = file = 0;
    for (ssize_t r; (r = ::read(fd, b + have, bytes)) > 0;) {
      have += static_cast<size_t>(r);
      file += static_cast<uint64_t>(r);
      const uint8_t* q = walk(b + skip, b + have, packets, sum);
      skip = 0;
      have = static_cast<size_t>(b + have - q);
      std::memmove(b, q, have);
    }
    ::close(fd);
    ns += since_ns(t0);
  }
  benchmark::DoNotOptimize(sum);
  set_counters(st, ns, packets, file);
}
BENCHMARK(BM_WalkRead)->ArgName("KiB")->Arg(64)->Arg(256)->Arg(1024)->Unit(benchmark::kMillisecond)
    ->UseRealTime()->MeasureProcessCPUTime()->Repetitions(3)->ReportAggregatesOnly(true);

#if WEIR_HAVE_LIBURING
// io_uring: kChunks reads of KiB/4 in flight into separate chunks; a record crossing a
// chunk end is carried into the slack in front of the next chunk. async = IOSQE_ASYNC:
// a kernel worker does the copy (on another core when one is free).
void BM_WalkUring(benchmark::State& st) {
  constexpr int kChunks = 4;
  const size_t chunk = (static_cast<size_t>(st.range(0)) << 10) / kChunks;
  const bool async = st.range(1) != 0;
  constexpr size_t kSlack = 256u << 10;
  std::vector<std::vector<uint8_t>> bufs(kChunks, std::vector<uint8_t>(kSlack + chunk));
  std::vector<uint8_t> carry_buf(kSlack);
  io_uring ring;
  if (io_uring_queue_init(2 * kChunks, &ring, 0) != 0) {
    st.SkipWithError("io_uring_queue_init failed");
    return;
  }
  uint64_t packets = 0, sum = 0, file = 0;
  double ns = 0;
  for (auto _ : st) {
    const auto t0 = std::chrono::steady_clock::now();
    const int fd = ::open(g_path.c_str(), O_RDONLY);
    struct stat sb {};
    ::fstat(fd, &sb);
    const uint64_t size = static_cast<uint64_t>(sb.st_size);
    uint64_t next = 0;
    int res[kChunks];
    bool pending[kChunks] = {};
    auto submit = [&](int i) {
      io_uring_sqe* s = io_uring_get_sqe(&ring);
      io_uring_prep_read(s, fd, bufs[i].data() + kSlack, static_cast<unsigned>(chunk), next);
      if (async) s->flags |= IOSQE_ASYNC;
      io_uring_sqe_set_data64(s, static_cast<uint64_t>(i));
      next += chunk;
      pending[i] = true;
      res[i] = INT32_MIN;
    };
    for (int i = 0; i < kChunks && next < size; ++i) submit(i);
    io_uring_submit(&ring);
    size_t carry = 0, skip = 24;
    packets = file = 0;
    for (int i = 0; pending[i]; i = (i + 1) % kChunks) {
      while (res[i] == INT32_MIN) {
        io_uring_cqe* c;
        io_uring_wait_cqe(&ring, &c);
        res[io_uring_cqe_get_data64(c)] = c->res;
        io_uring_cqe_seen(&ring, c);
      }
      pending[i] = false;
      if (res[i] <= 0) break;
      file += static_cast<uint64_t>(res[i]);
      uint8_t* d = bufs[i].data() + kSlack;
      std::memcpy(d - carry, carry_buf.data(), carry);
      const uint8_t* q = walk(d - carry + skip, d + res[i], packets, sum);
      skip = 0;
      carry = static_cast<size_t>(d + res[i] - q);
      std::memcpy(carry_buf.data(), q, carry);
      if (next < size) {
        submit(i);
        io_uring_submit(&ring);
      }
    }
    ::close(fd);
    ns += since_ns(t0);
  }
  io_uring_queue_exit(&ring);
  benchmark::DoNotOptimize(sum);
  set_counters(st, ns, packets, file);
}
BENCHMARK(BM_WalkUring)->ArgNames({"KiB", "async"})->ArgsProduct({{256, 1024}, {0, 1}})
    ->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime()->Repetitions(3)
    ->ReportAggregatesOnly(true);
#endif

// The floor under any mmap reader, in two parts measured apart. BM_MapWholeFile: the
// page-table work alone -- mmap the whole file with MAP_POPULATE, then munmap it (what the
// reader's windows cost in the kernel, without any walk). BM_RecordWalk: the record walk
// alone over an already-populated mapping, with software prefetch `prefetch_bytes` ahead
// (every line) or none (0).
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

uint64_t walk_mapped(const uint8_t* p, size_t n, size_t prefetch_bytes, uint64_t& sum) {
  size_t off = 24, pf = 24;
  uint64_t packets = 0;
  while (off + 16 <= n) {
    if (prefetch_bytes) {
      for (const size_t lim = std::min(n, off + prefetch_bytes); pf < lim; pf += 64) __builtin_prefetch(p + pf);
    }
    uint32_t cap;
    std::memcpy(&cap, p + off + 8, 4);
    sum += p[std::min(n - 1, off + 16 + 12)];
    off += 16 + cap;
    ++packets;
  }
  return packets;
}

void BM_MapWholeFile(benchmark::State& st) {
  uint64_t sum = 0;
  const uint64_t packets = [&] {  // for the ns/pkt figure only; not timed
    WholeMapping m(g_path);
    return walk_mapped(m.p, m.bytes, 4096, sum);
  }();
  double ns = 0;
  for (auto _ : st) {
    const auto t0 = std::chrono::steady_clock::now();
    {
      WholeMapping m(g_path);
      benchmark::DoNotOptimize(m.p);
    }
    ns += since_ns(t0);
  }
  benchmark::DoNotOptimize(sum);
  set_counters(st, ns, packets, 0);
}
BENCHMARK(BM_MapWholeFile)->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime()->Repetitions(3)
    ->ReportAggregatesOnly(true);

void BM_RecordWalk(benchmark::State& st) {
  const auto prefetch_bytes = static_cast<size_t>(st.range(0));
  WholeMapping m(g_path);
  uint64_t packets = 0, sum = 0;
  double ns = 0;
  for (auto _ : st) {
    const auto t0 = std::chrono::steady_clock::now();
    packets = walk_mapped(m.p, m.bytes, prefetch_bytes, sum);
    ns += since_ns(t0);
  }
  benchmark::DoNotOptimize(sum);
  set_counters(st, ns, packets, m.bytes);
}
BENCHMARK(BM_RecordWalk)->ArgName("prefetch_bytes")->Arg(0)->Arg(4096)->Unit(benchmark::kMillisecond)
    ->UseRealTime()->MeasureProcessCPUTime()->Repetitions(3)->ReportAggregatesOnly(true);

// 256 MiB of records with IMIX-like captured sizes (64/576/1500 bytes, 7:4:1).
std::string make_synthetic() {
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/weir_file_read_bench.pcap";
  PcapWriter w;
  if (Status s = w.open(path, {.format = PcapFormat::pcap_us}); !s) {
    std::fprintf(stderr, "%s\n", s.message.c_str());
    std::exit(1);
  }
  static const uint32_t sizes[12] = {64, 576, 64, 1500, 64, 576, 64, 64, 576, 64, 576, 64};
  uint64_t written = 24;
  for (uint32_t i = 0; written < (256ull << 20); ++i) {
    const uint32_t len = sizes[i % 12];
    std::memset(w.reserve(1'700'000'000'000'000'000ull + uint64_t{i} * 1'000'000, len, len), 'x', len);
    written += 16 + len;
  }
  if (Status s = w.close(); !s) {
    std::fprintf(stderr, "%s\n", s.message.c_str());
    std::exit(1);
  }
  return path;
}

}  // namespace
}  // namespace weir

int main(int argc, char** argv) {
  using namespace weir;
  if (argc >= 3 && std::strcmp(argv[1], "--once") == 0) {
    ReadMethod method = ReadMethod::read;
    if (argc >= 4 && !parse_read_method(argv[3], method)) {
      std::fprintf(stderr, "unknown read method '%s' (read, mmap)\n", argv[3]);
      return 2;
    }
    const uint64_t kib = argc >= 5 ? std::strtoull(argv[4], nullptr, 10)
                                   : (method == ReadMethod::read ? kDefaultReadBufferBytes : kDefaultMapWindowBytes) >> 10;
    const size_t burst = argc >= 6 ? std::strtoull(argv[5], nullptr, 10) : 256;
    const auto t0 = std::chrono::steady_clock::now();
    const PassResult r = read_once(argv[2], method, kib << 10, burst);
    const double ns = since_ns(t0);
    std::printf("%llu packets, %llu wire bytes, %.3f s, %.1f ns/packet, %.2f GB/s (%s, %llu KiB, burst %zu)\n",
                static_cast<unsigned long long>(r.packets), static_cast<unsigned long long>(r.wire_bytes), ns / 1e9,
                ns / static_cast<double>(r.packets), static_cast<double>(r.file_bytes) / ns,
                std::string(to_string(method)).c_str(), static_cast<unsigned long long>(kib), burst);
    return 0;
  }
  const char* e = std::getenv("WEIR_BENCH_PCAP");
  if (e && *e && std::strcmp(e, "synthetic") != 0) {
    g_path = e;
  } else if (!e && std::filesystem::exists("/dev/shm/wb/bench_5M.pcap")) {
    g_path = "/dev/shm/wb/bench_5M.pcap";
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
