// SPDX-License-Identifier: Apache-2.0
// Exporter throughput in records/s (items/s): CSV formatting alone, the CSV and binary
// sinks end to end into /dev/null (written in place: all formatting, buffering and
// write() calls, no disk), and reading a binary file back from the page cache.
// Records are pre-generated with a realistic mix: 70% IPv4 TCP, 20% IPv6 UDP, 10% ICMP.
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "exporters/binary_reader.hpp"
#include "exporters/csv_format.hpp"
#include "exporters/flow_sink.hpp"

namespace weir {
namespace {

std::vector<FlowRecord> make_records(std::size_t n) {
  std::mt19937_64 rng(42);
  std::vector<FlowRecord> out(n);
  uint64_t t_ns = 1'700'000'000'000'000'000;  // 2023 in Unix ns: 19-digit timestamps
  for (std::size_t i = 0; i < n; ++i) {
    FlowRecord& r = out[i];
    const unsigned kind = static_cast<unsigned>(rng() % 10);
    t_ns += rng() % 100'000;
    r.flow_id = i * 7;
    r.start_ns = t_ns;
    r.end_ns = t_ns + rng() % 30'000'000'000;
    r.expiry_ns = r.end_ns + 30'000'000'000;
    r.end_reason = static_cast<EndReason>(rng() % kNumEndReasons);
    if (kind < 7 || kind == 9) {
      r.ip_version = 4;
      for (int b = 0; b < 4; ++b) {
        r.src_addr[b] = static_cast<uint8_t>(rng());
        r.dst_addr[b] = static_cast<uint8_t>(rng());
      }
    } else {
      r.ip_version = 6;
      r.src_addr = {0x20, 0x01, 0x0d, 0xb8};
      r.dst_addr = {0x2a, 0x00, 0x14, 0x50};
      for (int b = 8; b < 16; ++b) {
        r.src_addr[b] = static_cast<uint8_t>(rng());
        r.dst_addr[b] = static_cast<uint8_t>(rng());
      }
    }
    r.proto = kind < 7 ? 6 : kind < 9 ? 17 : 1;
    if (r.proto == 1) {
      r.icmp_type = 8;
      r.icmp_id = static_cast<uint16_t>(rng());
    } else {
      r.src_port = static_cast<uint16_t>(1024 + rng() % 60000);
      r.dst_port = std::array<uint16_t, 4>{443, 80, 53, 8080}[rng() % 4];
    }
    for (DirStats& d : r.dir) {
      d.packets = 1 + rng() % 2000;
      d.ip_len_min_bytes = 40 + static_cast<uint32_t>(rng() % 100);
      d.ip_len_max_bytes = d.ip_len_min_bytes + static_cast<uint32_t>(rng() % 1400);
      d.ip_bytes = d.packets * (d.ip_len_min_bytes + d.ip_len_max_bytes) / 2;
      d.l2_bytes = d.ip_bytes + 14 * d.packets;
      d.ip_len_mean_bytes = static_cast<double>(d.ip_bytes) / static_cast<double>(d.packets);
      d.ip_len_stddev_bytes = std::sqrt(static_cast<double>(rng() % 1'000'000));
      d.first_ns = r.start_ns;
      d.last_ns = r.end_ns;
      d.iat_min_ns = rng() % 1000;
      d.iat_max_ns = rng() % 10'000'000'000;
      d.iat_mean_ns = static_cast<double>(r.end_ns - r.start_ns) / static_cast<double>(d.packets);
      d.iat_stddev_ns = std::sqrt(static_cast<double>(rng() % 1'000'000'000'000));
      if (r.proto == 6) {
        d.tcp_flags = static_cast<uint8_t>(0x10 | (rng() & 0x0F));
        for (int f = 0; f < 8; ++f)
          d.tcp_flag_count[f] = (d.tcp_flags >> f & 1) ? 1 + rng() % d.packets : 0;
      }
    }
  }
  return out;
}

const std::vector<FlowRecord>& records() {
  static const std::vector<FlowRecord> recs = make_records(1 << 16);
  return recs;
}

void BM_CsvFormatRecord(benchmark::State& st) {
  const bool bidi = st.range(0) != 0;
  const auto& recs = records();
  std::vector<char> buf(1 << 20);
  std::size_t i = 0;
  std::size_t used = 0;
  std::size_t bytes = 0;
  for (auto _ : st) {
    if (buf.size() - used < kCsvMaxRecordBytes) used = 0;
    const std::size_t n = format_csv_record(recs[i], bidi, buf.data() + used);
    used += n;
    bytes += n;
    i = (i + 1) & (recs.size() - 1);
  }
  benchmark::DoNotOptimize(buf.data());
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations()));
  st.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_CsvFormatRecord)->ArgName("bidir")->Arg(0)->Arg(1);

void BM_SinkToDevNull(benchmark::State& st, OutputFormat format) {
  const std::size_t burst = static_cast<std::size_t>(st.range(0));
  const auto& recs = records();
  std::unique_ptr<FlowSink> sink;
  if (Status s = open_sink({.path = "/dev/null", .format = format, .bidirectional = true}, sink);
      !s) {
    st.SkipWithError(s.message.c_str());
    return;
  }
  std::size_t i = 0;
  for (auto _ : st) {
    if (Status s = sink->write_burst(std::span(recs).subspan(i, burst)); !s) {
      st.SkipWithError(s.message.c_str());
      break;
    }
    i = (i + burst) & (recs.size() - 1);  // burst divides the record count
  }
  if (Status s = sink->finish(); !s) st.SkipWithError(s.message.c_str());
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * burst));
}
BENCHMARK_CAPTURE(BM_SinkToDevNull, csv, OutputFormat::csv)->Arg(1)->Arg(32)->Arg(256);
BENCHMARK_CAPTURE(BM_SinkToDevNull, binary, OutputFormat::binary)->Arg(1)->Arg(32)->Arg(256);

// Reads a 64 Ki-record file (27 MiB, page cache) per iteration.
void BM_ReadFlowFile(benchmark::State& st) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string path = std::string(tmp && *tmp ? tmp : "/tmp") + "/weir-bench-" +
                           std::to_string(::getpid()) + ".bin";
  {
    std::unique_ptr<FlowSink> sink;
    Status s = open_sink({.path = path, .format = OutputFormat::binary}, sink);
    if (s) s = sink->write_burst(records());
    if (s) s = sink->finish();
    if (!s) {
      st.SkipWithError(s.message.c_str());
      return;
    }
  }
  std::vector<FlowRecord> out;
  out.reserve(records().size());
  for (auto _ : st) {
    bool bidi = false;
    if (Status s = read_flow_file(path, bidi, out); !s) {
      st.SkipWithError(s.message.c_str());
      break;
    }
    benchmark::DoNotOptimize(out.data());
  }
  ::unlink(path.c_str());
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * records().size()));
}
BENCHMARK(BM_ReadFlowFile)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
