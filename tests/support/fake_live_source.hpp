// SPDX-License-Identifier: Apache-2.0
// FakeLiveSource: a live PacketSource for engine tests, with no NIC. It delivers a list of
// frames stamped with the wall clock as they go out, then behaves like a quiet link
// (RxStatus::timeout after a short sleep); in `endless` mode it cycles through the frames
// forever, like a busy link. Thread-compatible like every source: one reader.
#pragma once

#include <time.h>

#include <atomic>
#include <chrono>
#include <span>
#include <thread>
#include <vector>

#include "capture/packet_source.hpp"
#include "support/packet_builder.hpp"

namespace weir::test {

class FakeLiveSource final : public PacketSource {
 public:
  explicit FakeLiveSource(std::vector<Frame> frames, bool endless = false, uint32_t burst = 32)
      : frames_(std::move(frames)), endless_(endless), burst_(burst) {}

  RxResult rx_burst(std::span<PacketView> out) noexcept override {
    if (next_ >= frames_.size() && (!endless_ || frames_.empty())) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return {0, RxStatus::timeout};
    }
    const uint64_t now = now_ns();
    uint32_t n = 0;
    while (n < out.size() && n < burst_ && (next_ < frames_.size() || endless_)) {
      if (next_ >= frames_.size()) next_ = 0;
      const Frame& f = frames_[next_++];
      out[n] = f.view(now);
      out[n].wire_len = f.wire_len ? f.wire_len : static_cast<uint32_t>(f.bytes.size());
      ++n;
    }
    stats_.packets += n;
    delivered.fetch_add(n, std::memory_order_relaxed);
    return {n, RxStatus::ok};
  }
  const Status& error() const noexcept override { return err_; }
  const SourceStats& stats() const noexcept override { return stats_; }
  uint64_t bytes_read() const noexcept override { return 0; }
  uint64_t bytes_total() const noexcept override { return 0; }
  std::string describe() const override { return "fake live source"; }
  bool live() const noexcept override { return true; }
  void refresh_stats() noexcept override { stats_.kernel_drops = 7; }  // visible in the summary

  std::atomic<uint64_t> delivered{0};

  static uint64_t now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_REALTIME, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
  }

 private:
  std::vector<Frame> frames_;
  bool endless_;
  uint32_t burst_;
  std::size_t next_ = 0;
  Status err_;
  SourceStats stats_;
};

}  // namespace weir::test
