// SPDX-License-Identifier: Apache-2.0
#include "report/durations.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace weir::report {

namespace {

// Nearest rank: index of the q-quantile in n sorted values (n > 0).
std::size_t rank_index(std::size_t n, double q) noexcept {
  const auto r = static_cast<std::size_t>(std::ceil(q * static_cast<double>(n)));
  return r == 0 ? 0 : std::min(r, n) - 1;
}

}  // namespace

void summarize_sorted(std::span<const uint64_t> sorted, DurationSummary& out) {
  out.count = sorted.size();
  out.cdf.clear();
  out.sum_ns = out.min_ns = out.p50_ns = out.p90_ns = out.max_ns = 0;
  if (sorted.empty()) return;
  for (uint64_t v : sorted) out.sum_ns += v;
  const std::size_t n = sorted.size();
  out.min_ns = sorted.front();
  out.max_ns = sorted.back();
  out.p50_ns = sorted[rank_index(n, 0.5)];
  out.p90_ns = sorted[rank_index(n, 0.9)];
  if (n <= 10) {
    for (std::size_t i = 0; i < n; ++i) {
      if (i + 1 < n && sorted[i + 1] == sorted[i]) continue;  // one point per distinct value
      out.cdf.push_back({sorted[i], static_cast<double>(i + 1) / static_cast<double>(n)});
    }
  } else {
    for (int k = 1; k <= 10; ++k) {
      const uint64_t v = sorted[rank_index(n, k / 10.0)];
      const double f = k / 10.0;
      if (!out.cdf.empty() && out.cdf.back().duration_ns == v) {
        out.cdf.back().fraction = f;
      } else {
        out.cdf.push_back({v, f});
      }
    }
  }
}

uint32_t DurationHistogram::bucket_of(uint64_t ns) noexcept {
  if (ns < kSub) return static_cast<uint32_t>(ns);
  const uint32_t e = 63 - static_cast<uint32_t>(std::countl_zero(ns));  // >= 5
  const auto m = static_cast<uint32_t>(ns >> (e - 5)) & (kSub - 1);
  return kSub + (e - 5) * kSub + m;
}

uint64_t DurationHistogram::lower_edge(uint32_t bucket) noexcept {
  if (bucket < kSub) return bucket;
  const uint32_t e = (bucket - kSub) / kSub + 5;
  const uint64_t m = (bucket - kSub) % kSub;
  return (kSub + m) << (e - 5);
}

void DurationHistogram::add(uint64_t ns) noexcept {
  ++n_[bucket_of(ns)];
  ++count_;
  sum_ += ns;
  min_ = std::min(min_, ns);
  max_ = std::max(max_, ns);
}

std::vector<CdfPoint> DurationHistogram::cdf() const {
  std::vector<CdfPoint> out;
  if (count_ == 0) return out;
  uint64_t below = 0;
  const uint32_t last = bucket_of(max_);
  for (uint32_t b = bucket_of(min_); b <= last; ++b) {
    if (n_[b] == 0) continue;
    below += n_[b];
    const uint64_t edge = b == last ? max_ + 1 : lower_edge(b + 1);
    out.push_back({edge, static_cast<double>(below) / static_cast<double>(count_)});
  }
  return out;
}

uint64_t DurationHistogram::quantile_ns(double q) const noexcept {
  if (count_ == 0) return 0;
  if (q <= 0) return min_;
  if (q >= 1) return max_;
  const uint64_t rank = rank_index(count_, q) + 1;  // 1-based rank of the quantile
  uint64_t below = 0;
  for (uint32_t b = bucket_of(min_); b < kBuckets; ++b) {
    below += n_[b];
    if (below >= rank) return std::clamp(lower_edge(b), min_, max_);
  }
  return max_;
}

}  // namespace weir::report
