// SPDX-License-Identifier: Apache-2.0
// Durations of finished connections: the exact summary of one interval's durations
// (quantiles and CDF points from the sorted values) and, for the whole run, a
// histogram whose memory does not grow with the number of connections.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace weir::report {

// One point of an empirical CDF: the fraction of durations <= duration_ns.
struct CdfPoint {
  uint64_t duration_ns = 0;
  double fraction = 0;
};

// Exact summary of a set of durations. Quantiles are nearest-rank (the smallest value
// with at least q of the values <= it). cdf: every distinct value when there are at
// most 10, else the deciles (SENSS printed a 10-bin CDF, or the values when <= 4).
struct DurationSummary {
  uint64_t count = 0;
  uint64_t sum_ns = 0;
  uint64_t min_ns = 0;
  uint64_t p50_ns = 0;
  uint64_t p90_ns = 0;
  uint64_t max_ns = 0;
  std::vector<CdfPoint> cdf;
};
// sorted: ascending.
void summarize_sorted(std::span<const uint64_t> sorted, DurationSummary& out);

// Log-linear histogram of durations in ns: values below 32 exactly, above that 32
// buckets per power of two, so each bucket spans at most 1/32 (3.1 %) of its lower edge.
// The fraction of values below every bucket edge is exact; count, sum, min and max are
// exact. 1920 buckets, 15 KiB.
class DurationHistogram {
 public:
  static constexpr uint32_t kSub = 32;
  static constexpr uint32_t kBuckets = kSub + (64 - 5) * kSub;

  void add(uint64_t ns) noexcept;
  uint64_t count() const noexcept { return count_; }
  uint64_t sum_ns() const noexcept { return sum_; }
  uint64_t min_ns() const noexcept { return count_ ? min_ : 0; }
  uint64_t max_ns() const noexcept { return max_; }
  // (exclusive upper edge of each non-empty bucket, fraction of values below it), the
  // last point being (max + 1, 1). Empty when nothing was added.
  std::vector<CdfPoint> cdf() const;
  // Nearest-rank quantile, to within one bucket: the bucket's lower edge, clamped to
  // [min, max] (exact for values < 32 ns and for q = 0 or 1).
  uint64_t quantile_ns(double q) const noexcept;

  static uint32_t bucket_of(uint64_t ns) noexcept;
  static uint64_t lower_edge(uint32_t bucket) noexcept;

 private:
  std::array<uint64_t, kBuckets> n_{};
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace weir::report
