// SPDX-License-Identifier: Apache-2.0
// libpcap live capture, `-i IFACE` (the default live backend; `-i any` works): one
// source, tcpdump's options. pcap_create/pcap_activate with the snap length (-s), the
// kernel buffer (-B KiB; default 32 MiB), promiscuous mode unless -p, nanosecond
// timestamps where the platform has them, the filter compiled into the kernel
// (pcap_setfilter). On `any`, the Linux SLL2 header is asked for (it carries the
// interface index, delivered as PacketView::interface_id; one interface: its ifindex).
//
// Bursts: pcap_dispatch() in non-blocking mode; when nothing is ready, a poll() on the
// handle of at most spec.poll_timeout_ms, then RxStatus::timeout. libpcap hands a ring
// block back to the kernel as soon as its last packet is seen -- inside the dispatch --
// so the callback copies each frame into a per-source arena (reused every burst); views
// stay valid until the next rx_burst(). The kernel hands over a partly filled block
// after 10 ms (delivery_delay_ns()).
//
// Drops: pcap_stats() ps_drop (kernel: ring full) -> kernel_drops, ps_ifdrop ->
// interface_drops, read by refresh_stats() (32-bit counters, wrap-safe).
#pragma once

#include <memory>
#include <vector>

#include "capture/capture_spec.hpp"
#include "capture/packet_source.hpp"

namespace weir {

// Opens one source (spec.queues is not used: libpcap has no fanout; use afpacket: for
// several queues). Errors: no such interface / no permission (Origin::input), a bad
// filter expression (Origin::config).
Status open_pcap_live(const CaptureSpec& spec, std::vector<std::unique_ptr<PacketSource>>& out);

}  // namespace weir
