// SPDX-License-Identifier: Apache-2.0
// PacketSource: the burst interface every capture backend implements (capture files,
// libpcap, AF_PACKET, DPDK). One virtual call per burst, never per packet; a backend
// with several receive queues opens one source per queue.
//
// Threading: a source is used by one thread (its reader or its queue's worker). rx_burst() is noexcept and
// never allocates; the views it fills stay valid until the next rx_burst() call.
// Control calls (open, stats, error) may allocate.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/base/common.hpp"
#include "engine/base/packet_view.hpp"

namespace weir {

enum class RxStatus : uint8_t {
  ok,           // n packets (n may be 0 only for live sources)
  timeout,      // live source: nothing arrived in time; n == 0
  end_of_file,  // no more packets; n may still be > 0 (the last ones)
  error,        // input is bad or unreadable; n packets before the fault are valid;
                // error() says what, which file, which byte offset
};

struct RxResult {
  uint32_t n = 0;
  RxStatus status = RxStatus::ok;
};

// Counters a source keeps about its input (not about decoding).
struct SourceStats {
  uint64_t packets = 0;        // records delivered
  uint64_t cap_bytes = 0;      // captured bytes delivered
  uint64_t wire_bytes = 0;     // frame lengths on the wire delivered
  uint64_t caplen_over_wire = 0;   // records whose caplen > orig len (wire_len raised to caplen)
  uint64_t ts_backwards = 0;       // records older than their predecessor (engine clamps)
  uint64_t non_packet_blocks = 0;  // pcapng blocks skipped (NRB, ISB, custom, unknown)
  // Live sources: packets lost before weir saw them, reported beside (not inside) the
  // conservation check. kernel_drops: pcap_stats ps_drop, PACKET_STATISTICS tp_drops,
  // DPDK imissed. interface_drops: ps_ifdrop, DPDK ierrors + rx_nombuf.
  uint64_t kernel_drops = 0;
  uint64_t interface_drops = 0;
};

class PacketSource {
 public:
  virtual ~PacketSource() = default;
  PacketSource() = default;
  PacketSource(const PacketSource&) = delete;
  PacketSource& operator=(const PacketSource&) = delete;

  // Data plane. Fills out[0..n). See RxStatus.
  virtual RxResult rx_burst(std::span<PacketView> out) noexcept = 0;

  // Control plane.
  virtual const Status& error() const noexcept = 0;            // valid after RxStatus::error
  virtual const SourceStats& stats() const noexcept = 0;
  virtual uint64_t bytes_read() const noexcept = 0;    // input bytes consumed so far (progress)
  virtual uint64_t bytes_total() const noexcept = 0;   // 0 when unknown (pipe, live)
  virtual std::string describe() const = 0;            // e.g. "file a.pcap (pcap, ns)"
  // A live source: rx_burst() returns RxStatus::timeout when idle, timestamps are wall
  // clock, and the engine advances flow time with the wall clock while it is quiet.
  virtual bool live() const noexcept { return false; }
  // Live sources: re-read kernel/NIC counters into stats() (a syscall; called by the
  // source's own thread at the stats interval and at the end, never per burst).
  virtual void refresh_stats() noexcept {}
  // The source already applied CaptureSpec::filter (in the kernel): the engine does not
  // filter again, and packets it rejected are never received.
  virtual bool applies_filter() const noexcept { return false; }
  // Position of each packet of the last burst in a shared input (a file sharded across
  // queues), or nullptr: the engine numbers packets itself.
  virtual const uint64_t* burst_indices() const noexcept { return nullptr; }
  // Live sources: a packet may be handed out up to this long after its timestamp (the
  // kernel holds a partly filled ring block until its timeout). A worker that advances
  // its clock with wall time while idle can keep it this far behind the wall clock, so
  // packets still in the kernel do not arrive "in the past".
  virtual uint64_t delivery_delay_ns() const noexcept { return 0; }
};

}  // namespace weir
