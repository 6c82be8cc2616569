// SPDX-License-Identifier: Apache-2.0
// Progress: the progress line on stderr (at most twice a second), and the timer that
// paces the stats callback. Control plane: called every few bursts, never per packet.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>

namespace weir {

class Progress {
 public:
  explicit Progress(bool on) : on_(on), start_(Clock::now()), last_(start_) {}
  // done/total: input bytes (total 0 = unknown: no percentage, no ETA).
  void maybe_print(uint64_t packets, uint64_t wire_bytes, uint64_t live_flows, uint64_t done,
                   uint64_t total) {
    if (!on_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    const double s = std::chrono::duration<double>(now - start_).count();
    char line[200];
    int n = 0;
    if (total) n += std::snprintf(line + n, sizeof line - n, "%5.1f%%  ", 100.0 * static_cast<double>(done) / static_cast<double>(total));
    n += std::snprintf(line + n, sizeof line - n, "%.2fM pkts  %.2f Mpps  %.2f Gbps  %.1fk flows",
                       static_cast<double>(packets) / 1e6, static_cast<double>(packets) / s / 1e6,
                       static_cast<double>(wire_bytes) * 8 / s / 1e9, static_cast<double>(live_flows) / 1e3);
    if (total && done) {
      const double eta = s * static_cast<double>(total - done) / static_cast<double>(done);
      n += std::snprintf(line + n, sizeof line - n, "  ETA %d:%02d", static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    }
    std::fprintf(stderr, "\r%s   ", line);
    printed_ = true;
  }
  void clear() {
    if (printed_) std::fprintf(stderr, "\r%80s\r", "");
    printed_ = false;
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool on_;
  Clock::time_point start_, last_;
  bool printed_ = false;
};

// True once every interval_ns of wall time (never when interval_ns is 0).
class IntervalTimer {
 public:
  explicit IntervalTimer(uint64_t interval_ns)
      : interval_(std::chrono::nanoseconds(interval_ns)), next_(Clock::now() + interval_) {}
  bool due() {
    if (interval_.count() == 0) return false;
    const auto now = Clock::now();
    if (now < next_) return false;
    next_ = now + interval_;
    return true;
  }

 private:
  using Clock = std::chrono::steady_clock;
  std::chrono::nanoseconds interval_;
  Clock::time_point next_;
};

}  // namespace weir
