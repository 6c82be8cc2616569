// SPDX-License-Identifier: Apache-2.0
// Collector sockets: datagrams over loopback UDP and IPFIX over TCP become records in
// the sink; -l parsing; TCP framing across arbitrary segment boundaries; a stream that
// loses its framing is dropped and counted; -c stops exactly; kernel drops are reported.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "collector/collector.hpp"
#include "support/netflow_builder.hpp"
#include "support/process.hpp"

namespace weir {
namespace {

using test::NfMsg;
using namespace std::chrono_literals;

class MemorySink final : public FlowSink {
 public:
  Status write_burst(std::span<const FlowRecord> recs) override {
    std::lock_guard g(mu);
    records.insert(records.end(), recs.begin(), recs.end());
    ++bursts;
    return {};
  }
  Status flush() override {
    ++flushes;
    return {};
  }
  Status finish() override { return {}; }
  uint64_t records_written() const noexcept override { return records.size(); }
  std::size_t count() {
    std::lock_guard g(mu);
    return records.size();
  }
  std::mutex mu;
  std::vector<FlowRecord> records;
  std::atomic<int> bursts{0}, flushes{0};
};

uint16_t port_of(const std::string& bound) { return static_cast<uint16_t>(std::stoi(bound.substr(bound.rfind(':') + 1))); }

// A collector running in a thread until stop() (or its own limits).
class Running {
 public:
  explicit Running(CollectorConfig cfg, bool start = true) {
    wake_ = ::eventfd(0, EFD_NONBLOCK);
    cfg.wake_fd = wake_;
    status_ = col.open(cfg);
    if (status_ && start) go();
  }
  void go() {
    th_ = std::thread([this] { run_status_ = col.run(sink, stop_); });
  }
  ~Running() {
    stop();
    ::close(wake_);
  }
  void stop() {
    stop_ = true;
    const uint64_t one = 1;
    (void)!::write(wake_, &one, sizeof one);
    if (th_.joinable()) th_.join();
  }
  bool wait_records(std::size_t n, std::chrono::milliseconds limit = 5000ms) {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (sink.count() < n) {
      if (std::chrono::steady_clock::now() > end) return false;
      std::this_thread::sleep_for(2ms);
    }
    return true;
  }
  void join() {
    if (th_.joinable()) th_.join();
  }
  Collector col;
  MemorySink sink;
  Status status_, run_status_;

 private:
  int wake_ = -1;
  std::atomic<bool> stop_{false};
  std::thread th_;
};

ListenSpec listen(const std::string& s) {
  ListenSpec l;
  EXPECT_TRUE(parse_listen(s, l)) << s;
  return l;
}

std::vector<uint8_t> ipfix_flows(uint32_t seq, uint16_t n, bool with_template = true) {
  NfMsg m = NfMsg::ipfix(1'700'000'000, seq, 1);
  if (with_template) m.set(2).tmpl(256, {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {2, 4}, {1, 4}}).end_set();
  m.set(256);
  for (uint16_t i = 0; i < n; ++i) m.ipv4(10, 0, 0, 1).ipv4(10, 0, 0, 2).u16(1000 + i).u16(80).u8(6).u32(1).u32(60);
  m.end_set();
  return m.done();
}

TEST(ListenSpec, ParsesAddressesAndRejectsJunk) {
  ListenSpec l;
  ASSERT_TRUE(parse_listen("udp://127.0.0.1:2055", l));
  EXPECT_EQ(l.host, "127.0.0.1");
  EXPECT_EQ(l.port, 2055);
  ASSERT_TRUE(parse_listen("tcp://[::1]:4739", l));
  EXPECT_EQ(l.proto, ListenSpec::Proto::tcp);
  EXPECT_EQ(l.host, "::1");
  ASSERT_TRUE(parse_listen("udp://:9995", l));
  EXPECT_EQ(l.host, "0.0.0.0");
  for (const char* bad : {"2055", "udp://", "udp://127.0.0.1", "udp://127.0.0.1:70000", "udp://host.example:2055",
                          "sctp://1.2.3.4:5", "udp://[::1:2055", "udp://1.2.3.4:x"}) {
    const Status s = parse_listen(bad, l);
    EXPECT_FALSE(s) << bad;
    EXPECT_EQ(s.origin, Origin::config) << bad;
    EXPECT_NE(s.message.find(bad), std::string::npos) << s.message;
  }
}

TEST(CollectorUdp, DatagramsBecomeRecordsFromEveryVersion) {
  Running r({.listen = {listen("udp://127.0.0.1:0")}, .flush_interval_ms = 20});
  ASSERT_TRUE(r.status_) << r.status_.message;
  const uint16_t port = port_of(r.col.bound()[0]);
  test::send_udp(port, ipfix_flows(0, 3));
  NfMsg v5 = NfMsg::v5(1, 1000, 1'700'000'000, 0, 0);
  test::v5_record(v5, {10, 1, 1, 1}, {10, 2, 2, 2}, 5, 500, 900, 950, 1, 2, 0, 17, 0);
  test::send_udp(port, v5.done());
  NfMsg v9 = NfMsg::v9(2, 1000, 1'700'000'000, 0, 7);
  v9.set(0).tmpl(300, {{8, 4}, {12, 4}, {2, 4}}).end_set();
  v9.set(300).ipv4(1, 1, 1, 1).ipv4(2, 2, 2, 2).u32(9).end_set();
  test::send_udp(port, v9.done());
  test::send_udp(port, {0xde, 0xad});  // garbage
  test::send_udp(port, {});            // zero-length datagram
  ASSERT_TRUE(r.wait_records(5));
  std::this_thread::sleep_for(100ms);
  r.stop();
  ASSERT_TRUE(r.run_status_) << r.run_status_.message;
  EXPECT_EQ(r.sink.count(), 5u);
  const CollectorStats st = r.col.stats();
  EXPECT_EQ(st.total.messages, 3u);
  EXPECT_EQ(st.total.malformed[static_cast<std::size_t>(Malformed::bad_version)], 1u);
  EXPECT_EQ(st.total.malformed[static_cast<std::size_t>(Malformed::zero_length)], 1u);
  EXPECT_GE(r.sink.flushes.load(), 1);
  EXPECT_GT(r.col.rcvbuf_bytes(), 0);
  EXPECT_NE(st.format().find("exporter 127.0.0.1 IPFIX domain 1"), std::string::npos) << st.format();
}

TEST(CollectorUdp, StopsAfterExactlyMaxRecords) {
  Running r({.listen = {listen("udp://127.0.0.1:0")}, .max_records = 7});
  ASSERT_TRUE(r.status_);
  const uint16_t port = port_of(r.col.bound()[0]);
  test::send_udp(port, ipfix_flows(0, 5));
  test::send_udp(port, ipfix_flows(5, 5, false));
  r.join();  // returns by itself
  EXPECT_EQ(r.sink.count(), 7u);
}

TEST(CollectorUdp, KernelDropsAreReported) {
  // A tiny receive buffer filled while the collector is not reading.
  Running r({.listen = {listen("udp://127.0.0.1:0")}, .rcvbuf_bytes = 4096}, false);
  ASSERT_TRUE(r.status_);
  const uint16_t port = port_of(r.col.bound()[0]);
  const std::vector<uint8_t> m = ipfix_flows(0, 20);
  for (int i = 0; i < 400; ++i) test::send_udp(port, m);
  r.go();
  ASSERT_TRUE(r.wait_records(20));
  std::this_thread::sleep_for(100ms);
  r.stop();
  const CollectorStats st = r.col.stats();
  EXPECT_GT(st.socket_drops, 0u);
  EXPECT_EQ(st.socket_drops + st.total.messages, 400u);
}

TEST(CollectorUdp, BindErrorsNameTheListener) {
  Running a({.listen = {listen("udp://127.0.0.1:0")}}, false);
  ASSERT_TRUE(a.status_);
  const std::string taken = a.col.bound()[0];
  Running b({.listen = {listen("udp://192.0.2.1:0")}}, false);  // not a local address
  EXPECT_FALSE(b.status_);
  EXPECT_EQ(b.status_.origin, Origin::input);
  EXPECT_NE(b.status_.message.find("udp://192.0.2.1:0: bind"), std::string::npos) << b.status_.message;
}

int tcp_connect(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

TEST(CollectorTcp, MessagesSplitAcrossSegmentsAreReassembled) {
  Running r({.listen = {listen("tcp://127.0.0.1:0")}});
  ASSERT_TRUE(r.status_) << r.status_.message;
  const int fd = tcp_connect(port_of(r.col.bound()[0]));
  std::vector<uint8_t> stream = ipfix_flows(0, 4);
  const std::vector<uint8_t> second = ipfix_flows(4, 6, false);
  stream.insert(stream.end(), second.begin(), second.end());
  // Odd-sized writes with pauses: headers and records straddle segment boundaries.
  for (std::size_t at = 0; at < stream.size();) {
    const std::size_t n = std::min<std::size_t>(7 + at % 13, stream.size() - at);
    ASSERT_EQ(::send(fd, stream.data() + at, n, 0), static_cast<ssize_t>(n));
    at += n;
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(r.wait_records(10));
  ::close(fd);
  std::this_thread::sleep_for(50ms);
  r.stop();
  EXPECT_EQ(r.sink.count(), 10u);
  const CollectorStats st = r.col.stats();
  EXPECT_EQ(st.tcp_connections, 1u);
  EXPECT_EQ(st.total.messages, 2u);
  EXPECT_EQ(st.total.malformed_total(), 0u);
  EXPECT_EQ(st.total.sequence_lost, 0u);
}

TEST(CollectorTcp, LostFramingDropsTheConnectionNotTheCollector) {
  Running r({.listen = {listen("tcp://127.0.0.1:0")}});
  ASSERT_TRUE(r.status_);
  const uint16_t port = port_of(r.col.bound()[0]);
  const int bad = tcp_connect(port);
  const std::vector<uint8_t> junk = {0, 9, 0, 40, 1, 2, 3, 4};  // a v9 header: not IPFIX
  ASSERT_EQ(::send(bad, junk.data(), junk.size(), 0), 8);
  const int cut = tcp_connect(port);
  const std::vector<uint8_t> m = ipfix_flows(0, 2);
  ASSERT_EQ(::send(cut, m.data(), 10, 0), 10);  // then the exporter goes away
  ::close(cut);
  const int good = tcp_connect(port);
  ASSERT_EQ(::send(good, m.data(), m.size(), 0), static_cast<ssize_t>(m.size()));
  ASSERT_TRUE(r.wait_records(2));
  std::this_thread::sleep_for(100ms);
  r.stop();
  ::close(bad);
  ::close(good);
  const CollectorStats st = r.col.stats();
  EXPECT_EQ(st.total.malformed[static_cast<std::size_t>(Malformed::tcp_framing)], 2u);
  EXPECT_EQ(st.tcp_connections, 3u);
  EXPECT_EQ(r.sink.count(), 2u);
}

}  // namespace
}  // namespace weir
