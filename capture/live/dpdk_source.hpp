// SPDX-License-Identifier: Apache-2.0
// DPDK capture, `-i dpdk:PORT` (PORT: a port id or a device name, e.g. 0, 0000:03:00.0,
// net_pcap0) with N queues and `--eal 'EAL ARGS'`. Built with the meson feature `dpdk`.
//
// EAL. Initialised once per process, on the first open, with spec.eal_args (the calling
// thread's CPU affinity is restored afterwards: EAL pins it to its main lcore, and
// weir's threads, started later, would inherit that). A later open with the same
// arguments reuses it; one that only adds --vdev devices hot-plugs them
// (rte_dev_probe); anything else is an error (DPDK has one EAL per process).
// dpdk_cleanup() (via close_capture_backends()) releases it at exit.
//
// Queues. One source per weir queue; the port gets
//   - N hardware RX queues with RSS when the port has RSS and N queues: the symmetric
//     key 0x6d5a (soft_rss.hpp) over IP (spec.shard l3, the default; l3_l4: IP | TCP |
//     UDP | SCTP), masked by what the PMD can hash. (22.11's ethdev has no symmetric-Toeplitz
//     selector; the key makes plain Toeplitz symmetric on every NIC.)
//   - N hardware RX queues as they are on net_af_packet (its qpairs sockets are one
//     PACKET_FANOUT_HASH group: the kernel spreads; qpairs must equal N).
//   - otherwise (no RSS, or fewer queues than N) ONE hardware queue, sharded in
//     software: the source of queue 0 polls it, computes rss_hash() (the same symmetric
//     Toeplitz) and puts each mbuf on the ring of its queue (rte_ring, single producer
//     / single consumer, spec.dpdk.shard_ring deep); every source, queue 0 included,
//     takes its packets from its own ring. Queue 0's thread must therefore keep calling
//     rx_burst() for the others to receive. When a ring is full, queue 0 keeps the
//     mbufs and stops polling the port until they fit (back-pressure: the NIC drops
//     and counts imissed; weir drops nothing).
// One mbuf pool per hardware queue (spec.dpdk.mbufs, cache 256), rx_desc descriptors.
//
// Bursts. The mbufs of a burst are freed at the start of the next rx_burst(). Views
// point into the mbufs; a chained (multi-segment) mbuf or one whose VLAN tag the PMD
// stripped is rebuilt contiguously, tag restored, in a per-source scratch arena. Frames
// longer than the snap length are cut (cap_len), wire_len is the packet length.
// Timestamps: net_pcap's timestamp dynfield (µs since the epoch, from the file); other
// PMDs: the TSC read once per burst, converted with a wall-clock anchor renewed every
// second. Idle: busy polls, then (after 1 ms without packets) sleeps of
// spec.dpdk.idle_sleep_us between polls; RxStatus::timeout after spec.poll_timeout_ms.
//
// Counters (port-wide, on queue 0's source only, so sums over sources are right):
// imissed -> kernel_drops (NIC ring full), ierrors + rx_nombuf -> interface_drops.
// Thread-safety: open and destruction from one control thread; rx_burst() and
// refresh_stats() of a source from its own thread (any thread: lcores are not needed).
#pragma once

#include <memory>
#include <vector>

#include "capture/capture_spec.hpp"
#include "capture/packet_source.hpp"

namespace weir {

Status open_dpdk(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out);

// rte_eal_cleanup() if EAL was initialised; every DPDK source must be destroyed first.
void dpdk_cleanup() noexcept;

}  // namespace weir
