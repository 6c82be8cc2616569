// SPDX-License-Identifier: Apache-2.0
// Exporter throughput in records/s (items/s), every format in one run so the figures
// sit side by side: CSV formatting alone; the CSV, binary, JSON and IPFIX-file sinks end
// to end into /dev/null (written in place: all formatting, buffering and write() calls,
// no disk); IPFIX, NetFlow v9 and v5 encoded and sent to a UDP socket on localhost that
// a receiver thread drains (counters: datagrams sent and received -- a receiver that
// falls behind loses datagrams, the sender does not slow down); CSV, JSON and IPFIX to a
// TCP receiver on localhost; and reading a binary file back from the page cache.
// Records are pre-generated with a realistic mix: 70% IPv4 TCP, 20% IPv6 UDP, 10% ICMP.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include <chrono>
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
#include "exporters/json_format.hpp"
#include "exporters/sink_registry.hpp"

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

// Writes bursts of st.range(0) records through an open sink until the benchmark stops.
void run_sink(benchmark::State& st, FlowSink& sink) {
  const std::size_t burst = static_cast<std::size_t>(st.range(0));
  const auto& recs = records();
  std::size_t i = 0;
  for (auto _ : st) {
    if (Status s = sink.write_burst(std::span(recs).subspan(i, burst)); !s) {
      st.SkipWithError(s.message.c_str());
      break;
    }
    i = (i + burst) & (recs.size() - 1);  // burst divides the record count
  }
  if (Status s = sink.finish(); !s) st.SkipWithError(s.message.c_str());
  const SinkStats ss = sink.stats();
  st.SetItemsProcessed(static_cast<int64_t>(st.iterations() * burst));
  st.SetBytesProcessed(static_cast<int64_t>(ss.bytes));
  if (ss.messages) st.counters["msgs_per_s"] = benchmark::Counter(double(ss.messages), benchmark::Counter::kIsRate);
}

void BM_SinkToDevNull(benchmark::State& st, OutputFormat format) {
  std::unique_ptr<FlowSink> sink;
  if (Status s = open_sink({.path = "/dev/null", .format = format, .bidirectional = true}, sink);
      !s) {
    st.SkipWithError(s.message.c_str());
    return;
  }
  run_sink(st, *sink);
}
BENCHMARK_CAPTURE(BM_SinkToDevNull, csv, OutputFormat::csv)->Arg(1)->Arg(32)->Arg(256);
BENCHMARK_CAPTURE(BM_SinkToDevNull, binary, OutputFormat::binary)->Arg(1)->Arg(32)->Arg(256);
BENCHMARK_CAPTURE(BM_SinkToDevNull, json, OutputFormat::json)->Arg(256);
BENCHMARK_CAPTURE(BM_SinkToDevNull, ipfix, OutputFormat::ipfix)->Arg(256);

// A receiver on 127.0.0.1 that drains its socket in a thread until destroyed, counting
// what arrives (UDP: datagrams; TCP: bytes of one accepted connection).
class LocalReceiver {
 public:
  explicit LocalReceiver(bool tcp) : tcp_(tcp) {
    fd_ = ::socket(AF_INET, tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
    int buf = 4 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    if (tcp) ::listen(fd_, 1);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    url_ = std::string(tcp ? "tcp" : "udp") + "://127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    thread_ = std::thread([this] { run(); });
  }
  ~LocalReceiver() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  const std::string& url() const { return url_; }
  uint64_t received() const { return received_.load(); }

 private:
  void run() {
    int fd = fd_;
    if (tcp_) {
      pollfd p{fd_, POLLIN, 0};
      while (!stop_ && ::poll(&p, 1, 50) <= 0) {}
      if (stop_) return;
      fd = ::accept(fd_, nullptr, nullptr);
    }
    std::vector<char> buf(1 << 16);
    while (!stop_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
      if (n <= 0) {
        if (tcp_) break;
        continue;
      }
      received_ += tcp_ ? static_cast<uint64_t>(n) : 1;
    }
    if (tcp_) ::close(fd);
  }

  bool tcp_;
  int fd_ = -1;
  std::string url_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> received_{0};
};

void BM_ExportToLocalSocket(benchmark::State& st, const char* format, bool tcp) {
  LocalReceiver rx(tcp);
  SinkConfig cfg;
  std::unique_ptr<FlowSink> sink;
  Status s = parse_sink_spec(format, rx.url(), cfg);
  if (s) s = open_sink(cfg, sink);
  if (!s) {
    st.SkipWithError(s.message.c_str());
    return;
  }
  run_sink(st, *sink);
  const SinkStats ss = sink->stats();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the receiver catch up
  if (!tcp) {
    st.counters["dgrams_sent"] = double(ss.messages);
    st.counters["dgrams_received"] = double(rx.received());
    st.counters["records_per_dgram"] = double(ss.export_records) / double(ss.messages ? ss.messages : 1);
  }
}
BENCHMARK_CAPTURE(BM_ExportToLocalSocket, ipfix_udp, "ipfix", false)->Arg(256)->UseRealTime();
BENCHMARK_CAPTURE(BM_ExportToLocalSocket, netflow9_udp, "netflow9", false)->Arg(256)->UseRealTime();
BENCHMARK_CAPTURE(BM_ExportToLocalSocket, netflow5_udp, "netflow5", false)->Arg(256)->UseRealTime();
BENCHMARK_CAPTURE(BM_ExportToLocalSocket, ipfix_tcp, "ipfix", true)->Arg(256)->UseRealTime();
BENCHMARK_CAPTURE(BM_ExportToLocalSocket, json_tcp, "json", true)->Arg(256)->UseRealTime();
BENCHMARK_CAPTURE(BM_ExportToLocalSocket, csv_tcp, "csv", true)->Arg(256)->UseRealTime();

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
