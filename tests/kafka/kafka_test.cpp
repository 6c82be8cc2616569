// SPDX-License-Identifier: Apache-2.0
// kafka:// against librdkafka's built-in mock cluster (no broker is needed): every
// record arrives as one JSON message keyed by its flow key, a flow's records share a
// partition, deliveries are counted; an unreachable broker, a broker that goes away and
// an unknown property are clear errors in bounded time; weir collect writes to Kafka
// and flushes on SIGINT.
#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "exporters/flow_sink.hpp"
#include "exporters/json_format.hpp"
#include "exporters/sink_registry.hpp"
#include "kafka/kafka_destination.hpp"
#include "support/netflow_builder.hpp"
#include "support/process.hpp"

namespace weir {
namespace {

using namespace std::chrono_literals;

// A mock cluster of n brokers (librdkafka needs a client handle to host it).
class MockCluster {
 public:
  explicit MockCluster(int brokers) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    host_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    mc_ = rd_kafka_mock_cluster_new(host_, brokers);
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(mc_);
    rd_kafka_destroy(host_);
  }
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(mc_); }
  rd_kafka_mock_cluster_t* get() const { return mc_; }

 private:
  rd_kafka_t* host_ = nullptr;
  rd_kafka_mock_cluster_t* mc_ = nullptr;
};

struct Message {
  std::string key, value;
  int32_t partition;
};

// Reads `n` messages of `topic` (partitions 0..parts-1) from the start, or what came
// within `limit`.
std::vector<Message> consume(const std::string& brokers, const std::string& topic, int parts, std::size_t n,
                             std::chrono::milliseconds limit = 10s) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", brokers.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", "weir-test", err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  rd_kafka_t* c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  rd_kafka_topic_partition_list_t* tp = rd_kafka_topic_partition_list_new(parts);
  for (int p = 0; p < parts; ++p)
    rd_kafka_topic_partition_list_add(tp, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(c, tp);
  rd_kafka_topic_partition_list_destroy(tp);
  std::vector<Message> out;
  const auto end = std::chrono::steady_clock::now() + limit;
  while (out.size() < n && std::chrono::steady_clock::now() < end) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(c, 100);
    if (!m) continue;
    if (!m->err)
      out.push_back({std::string(static_cast<const char*>(m->key), m->key_len),
                     std::string(static_cast<const char*>(m->payload), m->len), m->partition});
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(c);
  rd_kafka_destroy(c);
  return out;
}

std::vector<FlowRecord> records(std::size_t n) {
  std::vector<FlowRecord> v(n);
  for (std::size_t i = 0; i < n; ++i) {
    FlowRecord& r = v[i];
    r.ip_version = 4;
    r.proto = 6;
    r.src_addr = {10, 0, 0, static_cast<uint8_t>(1 + i % 20)};
    r.dst_addr = {10, 9, 9, 9};
    r.src_port = static_cast<uint16_t>(10000 + i % 20);  // 20 flows, several records each
    r.dst_port = 443;
    r.flow_id = i;
    r.start_ns = 1'700'000'000'000'000'000ull + i;
    r.end_ns = r.start_ns + 1000;
    r.dir[0].packets = i + 1;
    r.dir[0].ip_bytes = 40 * (i + 1);
  }
  return v;
}

class Kafka : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { register_kafka_destination(); }
};

TEST_F(Kafka, UrlsAreCheckedWithoutIo) {
  KafkaUrl u;
  ASSERT_TRUE(parse_kafka_url("kafka://b1:9092,b2:9093/flows.v1?timeout=2.5&acks=all", u));
  EXPECT_EQ(u.brokers, "b1:9092,b2:9093");
  EXPECT_EQ(u.topic, "flows.v1");
  EXPECT_EQ(u.timeout_ms, 2500u);
  ASSERT_EQ(u.props.size(), 1u);
  EXPECT_EQ(u.props[0].first, "acks");
  for (const char* bad : {"kafka://", "kafka://b1:9092", "kafka://b1:9092/", "kafka:///t", "kafka://b1/t",
                          "kafka://b1:9092/bad topic", "kafka://b1:9092/t?timeout=0", "kafka://b1:9092/t?acks"}) {
    const Status s = check_kafka_url(bad);
    EXPECT_FALSE(s) << bad;
    EXPECT_EQ(s.origin, Origin::config) << bad;
  }
  // Through the format registry: JSON and IPFIX take a message destination, CSV does not.
  SinkConfig c;
  EXPECT_TRUE(parse_sink_spec("json", "kafka://b:1/t", c));
  EXPECT_TRUE(parse_sink_spec("ipfix", "kafka://b:1/t", c));
  EXPECT_FALSE(parse_sink_spec("csv", "kafka://b:1/t", c));
}

TEST_F(Kafka, EveryRecordArrivesAsAKeyedJsonMessage) {
  MockCluster mc(3);
  ASSERT_EQ(rd_kafka_mock_topic_create(mc.get(), "flows", 4, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  const std::vector<FlowRecord> recs = records(500);
  std::unique_ptr<FlowSink> sink;
  Status s = open_sink({.path = "kafka://" + mc.bootstraps() + "/flows", .format = OutputFormat::json}, sink);
  ASSERT_TRUE(s) << s.message;
  for (std::size_t i = 0; i < recs.size(); i += 64)
    ASSERT_TRUE(sink->write_burst(std::span(recs).subspan(i, std::min<std::size_t>(64, recs.size() - i))));
  s = sink->finish();
  ASSERT_TRUE(s) << s.message;
  const SinkStats st = sink->stats();
  EXPECT_EQ(st.records, 500u);
  EXPECT_EQ(st.messages, 500u);
  EXPECT_EQ(st.messages_lost, 0u);

  const std::vector<Message> got = consume(mc.bootstraps(), "flows", 4, 500);
  ASSERT_EQ(got.size(), 500u);
  std::map<std::string, std::set<int32_t>> partitions_of_key;
  std::set<uint64_t> ids;
  for (const Message& m : got) {
    partitions_of_key[m.key].insert(m.partition);
    const auto at = m.value.find("\"flow_id\":");
    ASSERT_NE(at, std::string::npos) << m.value;
    const uint64_t id = std::stoull(m.value.substr(at + 10));
    ids.insert(id);
    const FlowKeyBytes k = canonical_flow_key(recs[id]);
    EXPECT_EQ(m.key, std::string(reinterpret_cast<const char*>(k.data()), k.size()));
    EXPECT_EQ(m.value.back(), '\n');
  }
  EXPECT_EQ(ids.size(), 500u);
  EXPECT_EQ(partitions_of_key.size(), 20u);  // 20 flows
  for (const auto& [k, parts] : partitions_of_key) EXPECT_EQ(parts.size(), 1u) << "a flow's records split across partitions";
}

TEST_F(Kafka, UnreachableBrokerIsAClearErrorInBoundedTime) {
  const uint16_t closed = test::free_port(SOCK_STREAM);
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<FlowSink> sink;
  const Status s = open_sink(
      {.path = "kafka://127.0.0.1:" + std::to_string(closed) + "/flows?timeout=1.5", .format = OutputFormat::json}, sink);
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_FALSE(s);
  EXPECT_EQ(s.origin, Origin::output);
  EXPECT_NE(s.message.find("no broker reachable within 1.5 s"), std::string::npos) << s.message;
  EXPECT_LT(took, 5s);
}

TEST_F(Kafka, BadPropertyIsAUsageError) {
  MockCluster mc(1);
  std::unique_ptr<FlowSink> sink;
  const Status s =
      open_sink({.path = "kafka://" + mc.bootstraps() + "/flows?no.such.property=1", .format = OutputFormat::json}, sink);
  EXPECT_FALSE(s);
  EXPECT_EQ(s.code, Errc::invalid_argument);
  EXPECT_NE(s.message.find("no.such.property"), std::string::npos) << s.message;
}

TEST_F(Kafka, BrokersGoingAwayFailTheRunInBoundedTime) {
  MockCluster mc(1);
  ASSERT_EQ(rd_kafka_mock_topic_create(mc.get(), "flows", 1, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  std::unique_ptr<FlowSink> sink;
  Status s = open_sink({.path = "kafka://" + mc.bootstraps() + "/flows?timeout=2", .format = OutputFormat::json}, sink);
  ASSERT_TRUE(s) << s.message;
  const std::vector<FlowRecord> recs = records(50);
  ASSERT_TRUE(sink->write_burst(std::span(recs).first(10)));
  ASSERT_TRUE(sink->flush());
  std::this_thread::sleep_for(500ms);  // delivered meanwhile (flush() does not wait)
  ASSERT_TRUE(sink->flush());
  rd_kafka_mock_broker_set_down(mc.get(), 1);
  const auto t0 = std::chrono::steady_clock::now();
  Status w = sink->write_burst(std::span(recs).subspan(10));
  s = sink->finish();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 8s);  // timeout=2: 2 s + 1 s grace
  EXPECT_FALSE(w && s) << "records to a dead cluster must not look delivered";
  const Status& err = w ? s : w;
  EXPECT_EQ(err.origin, Origin::output);
  EXPECT_NE(err.message.find("not delivered"), std::string::npos) << err.message;
  EXPECT_EQ(sink->stats().messages_lost, 40u);  // the ten before the outage were delivered
}

TEST_F(Kafka, CollectorWritesToKafkaAndSigintDelivers) {
  const char* bin = std::getenv("WEIR_BIN");
  if (!bin) GTEST_SKIP() << "WEIR_BIN not set (meson test sets it)";
  MockCluster mc(2);
  ASSERT_EQ(rd_kafka_mock_topic_create(mc.get(), "collected", 2, 1), RD_KAFKA_RESP_ERR_NO_ERROR);
  const uint16_t port = test::free_port();
  const std::string err = (std::filesystem::temp_directory_path() / ("weir-kafka-" + std::to_string(::getpid()))).string();
  test::Process p({bin, "collect", "-l", "udp://127.0.0.1:" + std::to_string(port), "-F", "json", "-o",
                   "kafka://" + mc.bootstraps() + "/collected"},
                  "", err);
  ASSERT_TRUE(test::wait_bound(port)) << test::slurp(err);
  test::NfMsg m = test::NfMsg::ipfix(1'700'000'000, 0, 1);
  m.set(2).tmpl(256, {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {2, 4}}).end_set();
  m.set(256);
  for (int i = 0; i < 40; ++i) m.ipv4(10, 0, 0, 1).ipv4(10, 0, 0, 2).u16(3000 + i).u16(53).u8(17).u32(1);
  m.end_set();
  test::send_udp(port, m.done());
  std::this_thread::sleep_for(300ms);
  p.signal(SIGINT);
  EXPECT_EQ(p.wait(), 0) << test::slurp(err);
  const std::string summary = test::slurp(err);
  EXPECT_NE(summary.find("json kafka://"), std::string::npos) << summary;
  EXPECT_EQ(consume(mc.bootstraps(), "collected", 2, 40).size(), 40u);
  // An unreachable broker: exit 5 with the reason, in bounded time.
  const auto t0 = std::chrono::steady_clock::now();
  test::Process q({bin, "collect", "-l", "udp://127.0.0.1:0", "-F", "json", "-o",
                   "kafka://127.0.0.1:" + std::to_string(test::free_port(SOCK_STREAM)) + "/t?timeout=1"},
                  "", err);
  EXPECT_EQ(q.wait(), 5);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 6s);
  EXPECT_NE(test::slurp(err).find("no broker reachable"), std::string::npos) << test::slurp(err);
  std::filesystem::remove(err);
}

}  // namespace
}  // namespace weir
