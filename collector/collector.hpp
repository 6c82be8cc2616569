// SPDX-License-Identifier: Apache-2.0
// Collector: listening sockets -> MessageDecoder -> FlowSink, one thread.
//
// UDP: every datagram is one NetFlow v5/v9 or IPFIX message. Datagrams are read in
// recvmmsg() bursts of kBurst into buffers allocated once (64 KiB each, so no datagram
// is cut; one that was anyway is counted as truncated); SO_RXQ_OVFL reports how many
// the kernel dropped because the receive buffer was full (and SO_MEMINFO at the end). TCP (IPFIX only, RFC 7011
// 10.4): each connection is a byte stream of messages framed by their length field.
// Records of a burst go to the sink in one write_burst(); the sink is flushed every
// flush interval. run() returns when `stop` is set (the tool's SIGINT/SIGTERM
// handler), after max_records records, or after `duration`; the caller then finishes
// the sink. Steady state allocates nothing per datagram: the record batch and the
// decoder's per-exporter state grow once.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "collector/decoder.hpp"
#include "engine/base/common.hpp"
#include "exporters/flow_sink.hpp"

namespace weir {

struct ListenSpec {
  enum class Proto : uint8_t { udp, tcp };
  Proto proto = Proto::udp;
  std::string host;   // numeric address: "0.0.0.0", "127.0.0.1", "::"
  uint16_t port = 0;  // 0 = any free port (see Collector::bound())
  std::string text;   // as given
};

// "udp://ADDR:PORT", "tcp://ADDR:PORT", "udp://[v6addr]:PORT"; ADDR may be omitted
// ("udp://:2055" = all IPv4 addresses). Errors are usage errors (Origin::config).
Status parse_listen(const std::string& s, ListenSpec& out);

struct CollectorConfig {
  std::vector<ListenSpec> listen;
  uint64_t max_records = 0;         // -c: stop after this many records (0 = no limit)
  uint64_t duration_ms = 0;         // --duration (0 = until stopped)
  uint64_t flush_interval_ms = 1000;
  int rcvbuf_bytes = 32 << 20;      // asked for each UDP socket (the kernel may give less)
  int wake_fd = -1;                 // readable = look at `stop` now (the signal handler writes)
};

class Collector {
 public:
  static constexpr std::size_t kBurst = 64;

  Collector();
  ~Collector();
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // Creates and binds every socket. Errors: Origin::input ("udp://0.0.0.0:2055: bind:
  // Address already in use").
  Status open(const CollectorConfig& cfg);
  // The listeners as bound ("udp://127.0.0.1:40123"), in -l order.
  std::vector<std::string> bound() const;
  // Receive buffer the kernel granted each UDP socket (smallest), bytes.
  int rcvbuf_bytes() const noexcept;

  // Receives and writes until stopped (see above). Returns the sink's error, if any.
  Status run(FlowSink& sink, const std::atomic<bool>& stop);

  // Counts data sets still waiting for a template as dropped. Call once, after run().
  void finish();
  CollectorStats stats() const;
  MessageDecoder& decoder() noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace weir
