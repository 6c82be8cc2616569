// SPDX-License-Identifier: Apache-2.0
// LiveSource: what the live backends (libpcap, AF_PACKET, DPDK) share -- the
// PacketSource control plane (error, stats, progress, live() = true) and the idle rule:
// rx_burst() waits at most poll_timeout_ms for traffic, then returns RxStatus::timeout,
// so the calling thread notices a stop and advances its clock on a quiet link.
//
// Also here: the one helper every kernel-socket backend needs to wait (poll on an fd),
// and the wrap-safe accumulation of 32-bit kernel counters.
#pragma once

#include <poll.h>

#include <cstdint>
#include <string>

#include "capture/packet_source.hpp"

namespace weir {

class LiveSource : public PacketSource {
 public:
  const Status& error() const noexcept override { return error_; }
  const SourceStats& stats() const noexcept override { return stats_; }
  uint64_t bytes_read() const noexcept override { return stats_.cap_bytes; }
  uint64_t bytes_total() const noexcept override { return 0; }
  bool live() const noexcept override { return true; }

 protected:
  // Counts one delivered view.
  void count(const PacketView& v) noexcept {
    ++stats_.packets;
    stats_.cap_bytes += v.cap_len;
    stats_.wire_bytes += v.wire_len;
  }
  RxResult fail(Status s) noexcept {
    error_ = std::move(s).at(Origin::input);
    return {0, RxStatus::error};
  }

  Status error_;
  SourceStats stats_;
};

// Waits until fd is readable or timeout_ms passes. False on timeout or EINTR (the caller
// returns RxStatus::timeout either way; a signal must not be slept through).
inline bool wait_readable(int fd, int timeout_ms) noexcept {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, timeout_ms) > 0;
}

// Adds the growth of a 32-bit counter that may wrap (libpcap's ps_drop, ...) to total.
inline void add_wrapping(uint64_t& total, uint32_t& last, uint32_t now) noexcept {
  total += static_cast<uint32_t>(now - last);
  last = now;
}

}  // namespace weir
