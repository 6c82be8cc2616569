// SPDX-License-Identifier: Apache-2.0
#include "kafka/kafka_destination.hpp"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <mutex>
#include <vector>

namespace weir {

namespace {

constexpr std::size_t kMaxMessageBytes = 256 * 1024;  // IPFIX <= 64 KiB, a JSON record ~4 KiB
constexpr int kPollEvery = 256;                       // messages between delivery-report polls

Status usage(std::string_view dest, const std::string& why) {
  return {Errc::invalid_argument, Origin::config, std::string(dest) + ": " + why};
}

bool topic_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
         c == '-';
}

uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

// State librdkafka's callbacks reach through the opaque pointer (they run inside
// rd_kafka_poll/flush on our thread, and the log callback also on librdkafka's threads).
struct Shared {
  std::mutex mu;
  std::string last_log;  // the most recent warning or error line
  uint64_t delivered = 0;
  uint64_t failed = 0;
  uint64_t bytes = 0;
  std::string first_failure;
};

void on_log(const rd_kafka_t* rk, int level, const char*, const char* buf) {
  if (level > 4) return;  // errors and warnings only (syslog levels)
  auto* sh = static_cast<Shared*>(rd_kafka_opaque(rk));
  if (!sh) return;
  std::lock_guard g(sh->mu);
  sh->last_log = buf;
}

void on_error(rd_kafka_t* rk, int, const char* reason, void* opaque) {
  (void)rk;
  auto* sh = static_cast<Shared*>(opaque);
  std::lock_guard g(sh->mu);
  sh->last_log = reason;
}

void on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* sh = static_cast<Shared*>(opaque);
  std::lock_guard g(sh->mu);
  if (m->err) {
    if (sh->failed++ == 0) sh->first_failure = rd_kafka_err2str(m->err);
  } else {
    ++sh->delivered;
    sh->bytes += m->len;
  }
}

class KafkaDestination final : public Destination {
 public:
  explicit KafkaDestination(const std::string& name) : Destination(DestKind::message, name, kMaxMessageBytes) {}
  ~KafkaDestination() override { close(); }

  Status open(const KafkaUrl& url) {
    url_ = url;
    char err[512];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    auto set = [&](const std::string& k, const std::string& v, bool user) -> Status {
      if (rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK) return {};
      return user ? usage(name_, "'" + k + "=" + v + "': " + err)
                  : Status(Errc::io_error, Origin::output, name_ + ": " + err);
    };
    Status s = set("bootstrap.servers", url.brokers, true);
    // Defaults tuned for flow records; the URL's properties override them.
    if (s) s = set("message.timeout.ms", std::to_string(url.timeout_ms), false);
    if (s) s = set("linger.ms", "5", false);
    if (s) s = set("queue.buffering.max.messages", "1000000", false);
    if (s) s = set("log.connection.close", "false", false);
    for (const auto& [k, v] : url.props) {
      if (!s) break;
      s = set(k, v, true);
    }
    if (!s) {
      rd_kafka_conf_destroy(conf);
      return s;
    }
    rd_kafka_conf_set_opaque(conf, &shared_);
    rd_kafka_conf_set_log_cb(conf, on_log);
    rd_kafka_conf_set_error_cb(conf, on_error);
    rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);  // owns conf on success
    if (!rk_) {
      rd_kafka_conf_destroy(conf);
      return {Errc::invalid_argument, Origin::config, name_ + ": " + err};
    }
    rkt_ = rd_kafka_topic_new(rk_, url.topic.c_str(), nullptr);
    if (!rkt_) return fail(Errc::io_error, std::string("topic: ") + rd_kafka_err2str(rd_kafka_last_error()));
    // Reach the cluster now: an unreachable broker is an error at start-up, in bounded time.
    const uint64_t deadline = now_ms() + url.timeout_ms;
    for (;;) {
      const rd_kafka_metadata_t* md = nullptr;
      const uint64_t left = std::max<uint64_t>(1, deadline > now_ms() ? deadline - now_ms() : 1);
      const rd_kafka_resp_err_t e = rd_kafka_metadata(rk_, 0, rkt_, &md, static_cast<int>(left));
      if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return fail(Errc::io_error, "no broker reachable within " + seconds_text() + " (" + rd_kafka_err2str(e) +
                                        last_log_suffix() + ")");
      }
      rd_kafka_resp_err_t te = RD_KAFKA_RESP_ERR_NO_ERROR;
      int partitions = 0;
      if (md->topic_cnt == 1) {
        te = md->topics[0].err;
        partitions = md->topics[0].partition_cnt;
      }
      rd_kafka_metadata_destroy(md);
      if (te == RD_KAFKA_RESP_ERR_NO_ERROR && partitions > 0) return {};
      // Auto-created topics show up after a moment (LEADER_NOT_AVAILABLE meanwhile).
      if (now_ms() >= deadline)
        return fail(Errc::io_error, "topic '" + url.topic + "' is not available within " + seconds_text() + " (" +
                                        rd_kafka_err2str(te) + ")");
      rd_kafka_poll(rk_, 100);
    }
  }

  Status end_message(std::span<const uint8_t> key) override {
    if (!err_) return err_;
    if (used_ == 0) return {};
    const uint64_t deadline = now_ms() + url_.timeout_ms;
    for (;;) {
      const int r = rd_kafka_produce(rkt_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, buf_.get(), used_,
                                     key.empty() ? nullptr : key.data(), key.size(), nullptr);
      if (r == 0) break;
      const rd_kafka_resp_err_t e = rd_kafka_last_error();
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL)
        return fail(Errc::io_error, std::string("produce: ") + rd_kafka_err2str(e));
      if (now_ms() >= deadline)
        return fail(Errc::io_error, "producer queue still full after " + seconds_text() +
                                        " (brokers too slow or gone" + last_log_suffix() + ")");
      rd_kafka_poll(rk_, 50);  // serve delivery reports: frees queue room
    }
    ++produced_;
    stats_.bytes += used_;
    used_ = 0;
    if (produced_ % kPollEvery == 0) rd_kafka_poll(rk_, 0);
    return delivery_status();
  }

  Status flush() override {
    if (!err_) return err_;
    rd_kafka_poll(rk_, 0);
    return delivery_status();
  }

  Status finish() override {
    if (finished_) return err_;
    finished_ = true;
    if (!rk_) return err_;
    if (err_) {
      // A little past message.timeout.ms: undeliverable messages then have their
      // (failed) delivery reports, so they are counted, not just left in the queue.
      rd_kafka_flush(rk_, static_cast<int>(url_.timeout_ms + 1000));
      rd_kafka_poll(rk_, 0);
      const int left = rd_kafka_outq_len(rk_);
      if (left > 0) {
        // Still queued or in flight: purged now, so their (failed) delivery reports are
        // counted in messages_lost whatever the timing, rather than vanishing in close().
        rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        for (int i = 0; i < 20 && rd_kafka_outq_len(rk_) > 0; ++i) rd_kafka_poll(rk_, 50);
        rd_kafka_poll(rk_, 0);
        (void)fail(Errc::io_error, std::to_string(left) + " of " + std::to_string(produced_) +
                                       " messages not delivered within " + seconds_text() + last_log_suffix());
      } else {
        (void)delivery_status();
      }
    }
    close();
    return err_;
  }

  DestinationStats stats() const noexcept override {
    DestinationStats s = stats_;
    std::lock_guard g(shared_.mu);
    s.messages = shared_.delivered;
    s.messages_lost = shared_.failed;
    return s;
  }

 private:
  Status delivery_status() {
    uint64_t failed = 0;
    std::string why;
    {
      std::lock_guard g(shared_.mu);
      failed = shared_.failed;
      why = shared_.first_failure;
    }
    if (failed == 0) return {};
    return fail(Errc::io_error, std::to_string(failed) + " messages not delivered (" + why + ")");
  }

  std::string seconds_text() const {
    const double s = url_.timeout_ms / 1000.0;
    char b[32];
    std::snprintf(b, sizeof b, s == std::floor(s) ? "%.0f s" : "%.1f s", s);
    return b;
  }
  std::string last_log_suffix() {
    std::lock_guard g(shared_.mu);
    return shared_.last_log.empty() ? "" : "; " + shared_.last_log;
  }
  Status fail(Errc c, const std::string& what) {
    if (err_) err_ = Status(c, Origin::output, name_ + ": " + what);
    return err_;
  }

  void close() {
    if (rkt_) rd_kafka_topic_destroy(rkt_);
    rkt_ = nullptr;
    if (rk_) rd_kafka_destroy(rk_);
    rk_ = nullptr;
  }

  KafkaUrl url_;
  mutable Shared shared_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* rkt_ = nullptr;
  uint64_t produced_ = 0;
  bool finished_ = false;
};

}  // namespace

Status parse_kafka_url(std::string_view dest, KafkaUrl& out) {
  out = KafkaUrl{};
  constexpr std::string_view kScheme = "kafka://";
  if (dest.substr(0, kScheme.size()) != kScheme) return usage(dest, "expected kafka://BROKER[,BROKER]/TOPIC");
  std::string_view rest = dest.substr(kScheme.size());
  const std::size_t q = rest.find('?');
  std::string_view query = q == std::string_view::npos ? std::string_view() : rest.substr(q + 1);
  rest = rest.substr(0, q);
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos || slash == 0)
    return usage(dest, "expected kafka://BROKER[,BROKER]/TOPIC (broker list and topic)");
  out.brokers = std::string(rest.substr(0, slash));
  out.topic = std::string(rest.substr(slash + 1));
  for (std::string_view b = out.brokers; !b.empty();) {
    const std::size_t comma = b.find(',');
    const std::string_view one = b.substr(0, comma);
    if (one.empty() || one.rfind(':') == std::string_view::npos || one.back() == ':')
      return usage(dest, "broker '" + std::string(one) + "' is not HOST:PORT");
    b = comma == std::string_view::npos ? std::string_view() : b.substr(comma + 1);
  }
  if (out.topic.empty() || out.topic.size() > 249 || !std::all_of(out.topic.begin(), out.topic.end(), topic_char))
    return usage(dest, "topic '" + out.topic + "' must be 1..249 characters of a-z A-Z 0-9 . _ -");
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    const std::size_t eq = kv.find('=');
    if (eq == std::string_view::npos || eq == 0) return usage(dest, "'" + std::string(kv) + "' is not KEY=VALUE");
    const std::string k(kv.substr(0, eq)), v(kv.substr(eq + 1));
    if (k == "timeout") {
      double s = 0;
      const auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), s);
      if (ec != std::errc() || p != v.data() + v.size() || !(s > 0) || s > 3600)
        return usage(dest, "timeout: expected seconds in (0, 3600], got '" + v + "'");
      out.timeout_ms = static_cast<uint32_t>(std::max(1.0, s * 1000));
    } else {
      out.props.emplace_back(k, v);
    }
  }
  return {};
}

Status check_kafka_url(std::string_view dest) {
  KafkaUrl u;
  return parse_kafka_url(dest, u);
}

Status open_kafka_destination(const std::string& dest, const DestinationOptions&,
                              std::unique_ptr<Destination>& out) {
  KafkaUrl url;
  if (Status s = parse_kafka_url(dest, url); !s) return s;
  auto d = std::make_unique<KafkaDestination>(dest);
  if (Status s = d->open(url); !s) return s;
  out = std::move(d);
  return {};
}

void register_kafka_destination() {
  register_destination_scheme({"kafka", DestKind::message, check_kafka_url, open_kafka_destination});
}

}  // namespace weir
