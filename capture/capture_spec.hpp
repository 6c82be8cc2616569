// SPDX-License-Identifier: Apache-2.0
// CaptureSpec: what the user asked to capture from (-r, -i and the options that go with
// them), handed to the capture registry; each backend reads the fields that apply.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "capture/pcap_file/file_source.hpp"
#include "capture/soft_rss.hpp"

namespace weir {

// AF_PACKET (TPACKET_V3) rings, one per queue. The ring of a queue is blocks x block
// bytes (-B KiB sets the total; default 64 MiB per queue); the kernel fills a block with
// packets back to back and hands it over when it is full or block_timeout_ms passed.
struct AfPacketSpec {
  uint32_t block_kib = 1024;       // block size (power of two, >= 4 and >= the snap length)
  uint32_t blocks = 0;             // 0: -B / block_kib (or 64 when -B is not given)
  uint32_t frame_bytes = 2048;     // TPACKET frame slot the kernel accounts in (V3 packs
                                   // packets, so this only sets tp_frame_nr)
  uint32_t block_timeout_ms = 10;  // a partly filled block is delivered after this
  bool defrag = false;             // PACKET_FANOUT_FLAG_DEFRAG (see afpacket_source.hpp:
                                   // the kernel then reassembles IPv4 fragments)
};

// DPDK ports: one RX queue per weir queue, or one RX queue sharded in software (see
// dpdk_source.hpp).
struct DpdkSpec {
  uint32_t mbufs = 8191;           // mbufs per pool (one pool per hardware RX queue)
  uint32_t rx_desc = 1024;         // RX descriptors per hardware queue (adjusted by the PMD)
  uint32_t shard_ring = 1024;      // software sharding: mbufs queued per weir queue
  uint32_t idle_sleep_us = 50;     // after 1 ms without packets, sleep this long between
                                   // polls (0: busy-poll always, for dedicated cores)
};

// Everything a backend may need to open its sources; each backend reads what applies.
struct CaptureSpec {
  std::vector<std::string> files;  // -r (file backend); "-" = standard input
  std::string interface;           // -i, with any "backend:" prefix
  uint32_t queues = 1;             // sources wanted (live: RX queues / fanout members)
  uint32_t snaplen = 262144;       // -s
  uint32_t buffer_kib = 0;         // -B (0 = the backend's default)
  bool promiscuous = true;         // -p clears it
  std::string filter;              // BPF expression a live backend compiles into the kernel
  std::string eal_args;            // --eal (DPDK)
  uint64_t hash_seed = 0;          // live software sharding (random per run)
  ReadMethod read_method = ReadMethod::read;  // files (--read-method, benchmarking)
  const std::atomic<bool>* stop = nullptr;    // streams (-r -) end soon after it is set
  // Live: how flows are spread over queues (soft_rss.hpp). l3 (default): a symmetric hash
  // of the addresses only, so a host pair -- fragments included -- never splits and the
  // per-flow counts are exact (AF_PACKET: a classic-BPF fanout program; DPDK: RSS over
  // IP; the same split as files in the per-queue shape). l3_l4: addresses and TCP/UDP/SCTP
  // ports, a finer spread (AF_PACKET: PACKET_FANOUT_HASH; DPDK: RSS over IP/TCP/UDP/SCTP),
  // but fragments hash on addresses and can land apart from their flow.
  RssFields shard = RssFields::l3;
  // Live: an idle rx_burst() returns RxStatus::timeout after at most this (1..100 ms).
  uint32_t poll_timeout_ms = 100;
  AfPacketSpec afpacket;
  DpdkSpec dpdk;
};

}  // namespace weir
