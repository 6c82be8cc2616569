// SPDX-License-Identifier: Apache-2.0
// Collector and scale-out throughput in records/s (items/s), side by side:
//   BM_Decode/FORMAT      decoding alone: weir's own IPFIX / NetFlow v9 / v5 datagrams
//                         (made by its sinks, captured once) into FlowRecords
//   BM_CollectUdp/FORMAT/RCVBUF
//                         the same datagrams over localhost UDP into a Collector (its
//                         recvmmsg loop, decode, a sink that counts): the benchmark thread
//                         blasts them with sendmmsg; counters: loss_pct (records the
//                         kernel dropped: receive buffer full), socket_drops (datagrams)
//   BM_Kafka              JSON records into librdkafka's mock cluster, delivered
//   BM_Sink/FORMAT        CSV and flow-tools sinks into /dev/null, for scale
// Machines differ: compare the rows of one run. On a 2-core machine the UDP sender and
// the collector share the cores (bench results from a busy machine are noisy).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <benchmark/benchmark.h>

#include "collector/collector.hpp"
#include "exporters/flow_sink.hpp"
#include "kafka/kafka_destination.hpp"

namespace weir {
namespace {

// Biflows of long-lived connections: 80% IPv4 TCP, 15% IPv4 UDP, 5% IPv6 TCP.
std::vector<FlowRecord> flows(std::size_t n) {
  std::mt19937 rng(7);
  std::vector<FlowRecord> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    FlowRecord& r = v[i];
    const unsigned k = rng() % 20;
    r.ip_version = k == 0 ? 6 : 4;
    r.proto = k < 3 && k > 0 ? 17 : 6;
    for (std::size_t b = 0; b < (r.ip_version == 4 ? 4u : 16u); ++b) {
      r.src_addr[b] = static_cast<uint8_t>(rng());
      r.dst_addr[b] = static_cast<uint8_t>(rng());
    }
    r.src_port = static_cast<uint16_t>(rng());
    r.dst_port = 443;
    r.flow_id = i;
    r.start_ns = 1'700'000'000'000'000'000ull + i * 1000;
    r.end_ns = r.start_ns + rng() % 60'000'000'000ull;
    r.end_reason = EndReason::idle;
    for (DirStats& d : r.dir) {
      d.packets = 1 + rng() % 500;
      d.ip_bytes = d.packets * (60 + rng() % 1400);
      d.l2_bytes = d.ip_bytes + 14 * d.packets;
      d.first_ns = r.start_ns;
      d.last_ns = r.end_ns;
      d.tcp_flags = r.proto == 6 ? 0x1b : 0;
      d.ttl_min = 50;
      d.ttl_max = 64;
    }
  }
  return v;
}

// The datagrams weir's sink `format` sends for `recs` (received on a loopback socket).
std::vector<std::vector<uint8_t>> datagrams(const char* format, const std::vector<FlowRecord>& recs) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  const int big = 256 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t l = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &l);
  std::vector<std::vector<uint8_t>> out;
  std::vector<uint8_t> buf(65536);
  auto drain = [&] {
    for (ssize_t n; (n = ::recv(fd, buf.data(), buf.size(), MSG_DONTWAIT)) > 0;)
      out.emplace_back(buf.begin(), buf.begin() + n);
  };
  std::unique_ptr<FlowSink> sink;
  if (Status s = open_sink({.path = "udp://127.0.0.1:" + std::to_string(ntohs(a.sin_port)),
                            .format = OutputFormat{format}},
                           sink);
      !s) {
    std::fprintf(stderr, "%s\n", s.message.c_str());
    std::abort();
  }
  for (std::size_t i = 0; i < recs.size(); i += 256) {
    (void)sink->write_burst(std::span(recs).subspan(i, std::min<std::size_t>(256, recs.size() - i)));
    (void)sink->flush();
    drain();
  }
  (void)sink->finish();
  drain();
  ::close(fd);
  return out;
}

const std::vector<FlowRecord>& records() {
  static const std::vector<FlowRecord> r = flows(1 << 15);
  return r;
}

const std::vector<std::vector<uint8_t>>& wire(int f) {
  static const std::vector<std::vector<uint8_t>> d[3] = {
      datagrams("ipfix", records()), datagrams("netflow9", records()), datagrams("netflow5", records())};
  return d[f];
}
constexpr const char* kNames[3] = {"ipfix", "netflow9", "netflow5"};

void BM_Decode(benchmark::State& st) {
  const auto& dg = wire(static_cast<int>(st.range(0)));
  MessageDecoder dec;
  std::vector<FlowRecord> out;
  out.reserve(4096);
  const ExporterAddress from{};
  uint64_t n = 0, bytes = 0;
  std::size_t i = 0;
  for (auto _ : st) {
    out.clear();
    dec.decode(from, dg[i], out);
    n += out.size();
    bytes += dg[i].size();
    if (++i == dg.size()) i = 0;
  }
  st.counters["wire_bytes_per_record"] = static_cast<double>(bytes) / static_cast<double>(n);
  benchmark::DoNotOptimize(out.data());
  st.SetItemsProcessed(static_cast<int64_t>(n));
  st.SetLabel(kNames[st.range(0)]);
  st.counters["records_per_datagram"] = static_cast<double>(n) / static_cast<double>(st.iterations());
}
BENCHMARK(BM_Decode)->DenseRange(0, 2);

class CountingSink final : public FlowSink {
 public:
  Status write_burst(std::span<const FlowRecord> recs) override {
    n.fetch_add(recs.size(), std::memory_order_relaxed);
    return {};
  }
  Status finish() override { return {}; }
  uint64_t records_written() const noexcept override { return n.load(); }
  std::atomic<uint64_t> n{0};
};

void BM_CollectUdp(benchmark::State& st) {
  const auto& dg = wire(static_cast<int>(st.range(0)));
  uint64_t per_pass = 0;
  {
    MessageDecoder dec;
    std::vector<FlowRecord> out;
    for (const auto& d : dg) dec.decode({}, d, out);
    per_pass = out.size();
  }
  Collector col;
  const int wake = ::eventfd(0, EFD_NONBLOCK);
  ListenSpec spec;
  (void)parse_listen("udp://127.0.0.1:0", spec);
  // range(1): the receive buffer: 0 = weir collect's default (32 MiB asked), else bytes
  // (212992 = Linux's default net.core.rmem_max: what an unprivileged collector gets).
  CollectorConfig cfg{.listen = {spec}, .flush_interval_ms = 1000, .wake_fd = wake};
  if (st.range(1) != 0) cfg.rcvbuf_bytes = static_cast<int>(st.range(1));
  if (Status s = col.open(cfg); !s) {
    st.SkipWithError(s.message.c_str());
    return;
  }
  const std::string bound = col.bound()[0];
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1))));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  CountingSink sink;
  std::atomic<bool> stop{false};
  std::thread rx([&] { (void)col.run(sink, stop); });
  const int tx = ::socket(AF_INET, SOCK_DGRAM, 0);
  std::vector<mmsghdr> msgs(dg.size());
  std::vector<iovec> iov(dg.size());
  for (std::size_t i = 0; i < dg.size(); ++i) {
    iov[i] = {const_cast<uint8_t*>(dg[i].data()), dg[i].size()};
    msgs[i].msg_hdr = msghdr{};
    msgs[i].msg_hdr.msg_name = &to;
    msgs[i].msg_hdr.msg_namelen = sizeof to;
    msgs[i].msg_hdr.msg_iov = &iov[i];
    msgs[i].msg_hdr.msg_iovlen = 1;
  }
  uint64_t sent_records = 0;
  for (auto _ : st) {
    const uint64_t before = sink.n.load();
    for (std::size_t at = 0; at < msgs.size();) {
      const int r = ::sendmmsg(tx, msgs.data() + at, static_cast<unsigned>(std::min<std::size_t>(64, msgs.size() - at)), 0);
      if (r > 0) at += static_cast<std::size_t>(r);
    }
    sent_records += per_pass;
    // Until everything that was not dropped is in (no progress for 2 ms): the time of a
    // pass is the sender's and the collector's, overlapped.
    for (uint64_t last = ~0ull; sink.n.load() - before < per_pass;) {
      const uint64_t now = sink.n.load();
      if (now == last) break;
      last = now;
      std::this_thread::sleep_for(std::chrono::microseconds(2000));
    }
  }
  stop = true;
  const uint64_t one = 1;
  (void)!::write(wake, &one, sizeof one);
  rx.join();
  ::close(tx);
  ::close(wake);
  const uint64_t got = sink.n.load();
  st.SetItemsProcessed(static_cast<int64_t>(got));
  st.SetLabel(kNames[st.range(0)]);
  st.counters["loss_pct"] = sent_records ? 100.0 * static_cast<double>(sent_records - got) / static_cast<double>(sent_records) : 0;
  st.counters["socket_drops"] = static_cast<double>(col.stats().socket_drops);
  st.counters["rcvbuf_KiB"] = col.rcvbuf_bytes() / 1024.0;
}
BENCHMARK(BM_CollectUdp)->ArgsProduct({{0, 1, 2}, {0, 212992}})->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_Kafka(benchmark::State& st) {
  register_kafka_destination();
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  rd_kafka_t* host = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  rd_kafka_mock_cluster_t* mc = rd_kafka_mock_cluster_new(host, static_cast<int>(st.range(0)));
  rd_kafka_mock_topic_create(mc, "flows", 8, 1);
  static const char* const kQuery[] = {"", "?linger.ms=50&batch.num.messages=10000", "?acks=1",
                                       "?linger.ms=50&compression.type=lz4"};
  const std::string url =
      std::string("kafka://") + rd_kafka_mock_cluster_bootstraps(mc) + "/flows" + kQuery[st.range(1)];
  const auto& recs = records();
  uint64_t n = 0, bytes = 0;
  for (auto _ : st) {
    std::unique_ptr<FlowSink> sink;
    if (Status s = open_sink({.path = url, .format = OutputFormat::json}, sink); !s) {
      st.SkipWithError(s.message.c_str());
      break;
    }
    for (std::size_t i = 0; i < recs.size(); i += 256)
      (void)sink->write_burst(std::span(recs).subspan(i, 256));
    if (Status s = sink->finish(); !s) {  // waits until every record is delivered
      st.SkipWithError(s.message.c_str());
      break;
    }
    n += recs.size();
    bytes += sink->stats().bytes;
  }
  st.counters["message_bytes_per_record"] = n ? static_cast<double>(bytes) / static_cast<double>(n) : 0;
  st.SetItemsProcessed(static_cast<int64_t>(n));
  st.SetLabel("json, mock brokers: " + std::to_string(st.range(0)) + " " + kQuery[st.range(1)]);
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(host);
}
BENCHMARK(BM_Kafka)->ArgsProduct({{1, 3}, {0, 1, 2, 3}})->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_Sink(benchmark::State& st) {
  const char* fmt = st.range(0) == 0 ? "csv" : "flowtools";
  const auto& recs = records();
  uint64_t n = 0;
  for (auto _ : st) {
    std::unique_ptr<FlowSink> sink;
    if (Status s = open_sink({.path = "/dev/null", .format = OutputFormat{fmt}}, sink); !s) {
      st.SkipWithError(s.message.c_str());
      break;
    }
    (void)sink->write_burst(recs);
    (void)sink->finish();
    n += recs.size();
  }
  st.SetItemsProcessed(static_cast<int64_t>(n));
  st.SetLabel(fmt);
}
BENCHMARK(BM_Sink)->DenseRange(0, 1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
