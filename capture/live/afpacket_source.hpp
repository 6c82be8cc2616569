// SPDX-License-Identifier: Apache-2.0
// AF_PACKET TPACKET_V3 capture, `-i afpacket:IFACE` with N queues: N packet sockets, one
// mmap'ed ring each, joined in one fanout group so the kernel spreads packets over them
// by flow; one source per socket, each walked by its own thread.
//
// Spreading (spec.shard):
//   l3     (default) PACKET_FANOUT_CBPF with a classic-BPF program hashing the XOR of
//          source and destination address: a host pair, with all its fragments, never
//          splits, so every flow is metered whole by one worker.
//   l3_l4  PACKET_FANOUT_HASH: the kernel's symmetric flow hash (addresses + ports; both
//          directions of a TCP/UDP flow on one socket), a finer spread. Fragments carry
//          no ports, so they hash on the addresses: a flow whose datagrams are sometimes
//          fragmented can see those on another socket than its other packets (measured:
//          2 of 21 flows of dns_fragmented.pcap split over 2 sockets; every packet is
//          still counted once).
// spec.afpacket.defrag adds PACKET_FANOUT_FLAG_DEFRAG: the kernel then REASSEMBLES IPv4
// fragments before fanout and delivers one datagram (fragments that never complete are
// not delivered at all), so packet counts differ from the wire; off by default.
//
// Setup order (no packet counted twice, none outside the group): each socket is opened
// with protocol 0 (receives nothing), gets its ring and a drop-everything filter, is
// bound and joins the group (the first with PACKET_FANOUT_FLAG_UNIQUEID, so another
// process on the same interface never shares it); then every socket gets the real
// filter (compiled for this interface, see kernel_filter.hpp).
//
// Bursts walk the ring's blocks in place: views point into the block; a block goes back
// to the kernel at the start of the next rx_burst() after its last packet was handed
// out. Frames whose 802.1Q/802.1ad tag the kernel moved to tp_vlan_tci
// (TP_STATUS_VLAN_VALID) are rebuilt with the tag in a per-source scratch arena, so every
// frame looks like the wire (lengths + 4). Idle: poll() up to spec.poll_timeout_ms, then
// RxStatus::timeout. Drops: PACKET_STATISTICS tp_drops (ring full) -> kernel_drops;
// the interface's rx_dropped counter (sysfs, since open) -> interface_drops, on queue 0.
#pragma once

#include <memory>
#include <vector>

#include "capture/capture_spec.hpp"
#include "capture/packet_source.hpp"

namespace weir {

// Opens spec.queues sockets on spec.interface (a real interface; not `any`). Errors:
// no such interface, no permission (CAP_NET_RAW), ring memory (Origin::input); bad ring
// sizes or filter (Origin::config).
Status open_afpacket(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out);

}  // namespace weir
