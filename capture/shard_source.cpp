// SPDX-License-Identifier: Apache-2.0
#include "capture/shard_source.hpp"

#include <array>

#include "capture/decode/decoder.hpp"
#include "capture/soft_rss.hpp"

namespace weir {

namespace {

constexpr uint32_t kMaxBurst = 256;

class ShardSource final : public PacketSource {
 public:
  ShardSource(std::unique_ptr<PacketSource> inner, uint32_t q, uint32_t n)
      : inner_(std::move(inner)), q_(q), n_(n), decoder_(DecodeConfig{}) {}

  RxResult rx_burst(std::span<PacketView> out) noexcept override {
    const std::size_t max = std::min<std::size_t>(out.size(), kMaxBurst);
    for (;;) {
      const RxResult r = inner_->rx_burst(std::span<PacketView>(tmp_.data(), max));
      uint32_t k = 0;
      for (uint32_t i = 0; i < r.n; ++i) {
        const PacketView& v = tmp_[i];
        const uint64_t index = next_index_++;
        if (v.ts_ns > clock_ns_) clock_ns_ = v.ts_ns;
        if (queue_of(v) != q_) continue;
        out[k] = v;
        idx_[k] = index;
        ++k;
        ++stats_.packets;
        stats_.cap_bytes += v.cap_len;
        stats_.wire_bytes += v.wire_len;
      }
      // Views of the inner burst stay valid until the next inner rx_burst: return now
      // if any was kept, or if the inner source has something to say.
      if (k || r.status != RxStatus::ok) return {k, r.status};
    }
  }

  const Status& error() const noexcept override { return inner_->error(); }
  const SourceStats& stats() const noexcept override {
    if (q_ == 0) {
      const SourceStats& in = inner_->stats();
      stats_.caplen_over_wire = in.caplen_over_wire;
      stats_.ts_backwards = in.ts_backwards;
      stats_.non_packet_blocks = in.non_packet_blocks;
    }
    return stats_;
  }
  uint64_t bytes_read() const noexcept override { return inner_->bytes_read(); }
  uint64_t bytes_total() const noexcept override { return inner_->bytes_total(); }
  std::string describe() const override {
    return inner_->describe() + " (RSS queue " + std::to_string(q_) + " of " + std::to_string(n_) + ")";
  }
  const uint64_t* burst_indices() const noexcept override { return idx_.data(); }

 private:
  uint32_t queue_of(const PacketView& v) noexcept {
    PacketMeta m;
    if (decoder_.decode(v, clock_ns_, m) != DecodeOutcome::flow) return 0;
    const std::size_t bytes = m.key.ip_version == 4 ? 4 : 16;
    return rss_queue(rss_hash_addresses(m.key.addr_a.data(), m.key.addr_b.data(), bytes), n_);
  }

  std::unique_ptr<PacketSource> inner_;
  uint32_t q_, n_;
  Decoder decoder_;  // sees every packet in input order, as the worker's decoder would
  uint64_t clock_ns_ = 0;
  uint64_t next_index_ = 0;
  std::array<PacketView, kMaxBurst> tmp_;
  std::array<uint64_t, kMaxBurst> idx_{};
  mutable SourceStats stats_;
};

}  // namespace

std::unique_ptr<PacketSource> make_shard_source(std::unique_ptr<PacketSource> inner, uint32_t q,
                                                uint32_t n) {
  return std::make_unique<ShardSource>(std::move(inner), q, n);
}

}  // namespace weir
