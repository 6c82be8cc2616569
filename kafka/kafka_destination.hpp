// SPDX-License-Identifier: Apache-2.0
// kafka://BROKER[,BROKER...]/TOPIC[?KEY=VALUE&...]: a message Destination
// (exporters/destination.hpp) that produces one Kafka message per end_message(key),
// through librdkafka (Debian's librdkafka-dev). With -F json every flow record is one
// JSON message keyed by the flow's canonical key, so a flow's records stay in one
// partition; -F ipfix sends IPFIX messages.
//
// Bounded, never a hang:
//  - open() asks the cluster for the topic's metadata and fails within `timeout` (default
//    10 s) when no broker answers: "kafka://10.0.0.9:9092/flows: no broker reachable
//    within 10 s (... Connection refused)". An unknown topic is an error too, unless the
//    cluster creates it on first use.
//  - message.timeout.ms defaults to `timeout`: a record librdkafka cannot deliver in that
//    time fails, is counted (stats().messages_lost) and makes flush()/finish() fail.
//  - A full producer queue waits for deliveries up to `timeout`, then fails.
//  - finish() waits up to `timeout` for every outstanding message (the collector's and
//    the meter's SIGINT path: records produced before the signal are delivered).
// Delivery reports are counted: stats().messages = delivered, messages_lost = failed.
//
// Query parameters: `timeout=SECONDS` is weir's; every other KEY=VALUE is a librdkafka
// producer property (acks, compression.type, linger.ms, security.protocol, ...), checked
// by librdkafka at open (an unknown key is a usage error naming it).
//
// librdkafka logs through a callback into the destination (the last line becomes part
// of error messages) instead of printing to stderr.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/base/common.hpp"
#include "exporters/destination.hpp"

namespace weir {

// Adds kafka:// to the destination schemes. Call once at start-up, before options are
// parsed (weir's main does; tests too).
void register_kafka_destination();

Status check_kafka_url(std::string_view dest);
Status open_kafka_destination(const std::string& dest, const DestinationOptions& opt,
                              std::unique_ptr<Destination>& out);

// The parts of a kafka:// URL.
struct KafkaUrl {
  std::string brokers;  // "host:port,host:port"
  std::string topic;
  uint32_t timeout_ms = 10'000;
  std::vector<std::pair<std::string, std::string>> props;  // librdkafka properties
};
Status parse_kafka_url(std::string_view dest, KafkaUrl& out);

}  // namespace weir
