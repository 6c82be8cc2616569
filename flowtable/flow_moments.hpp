// SPDX-License-Identifier: Apache-2.0
// MomentSums: what a flow record keeps, beside its FlowState, to give the shape of its
// frame lengths and inter-arrival times (standard deviation, skewness, kurtosis) without
// keeping the values. Only when MeterConfig::higher_moments is set (-F pyflowmeter and
// --compat pyflowmeter ask for it); FlowMeter then holds one per slot in a side array
// (ZeroMapping, pages materialise on use), so FlowState stays 256 bytes for everyone else.
//
// One cache line per direction (static_asserted), touched once per packet of that
// direction: five multiplies and six adds, no division, no allocation.
//
// Numerical stability: power sums of raw values lose everything to cancellation
// (sum x^4 / n - ... for IATs of 1e9 ns with a spread of 1e3 ns). We keep *shifted*
// power sums S_k = sum (x - K)^k for k = 2..4, with K the direction's first value
// (frame length) or first inter-arrival time; S_1 comes exactly from the integer totals
// the FlowState already keeps (sum of frame lengths, last - first time). Central
// moments follow from the binomial expansion around d = S_1 / n (mean - K), which is of
// the order of the spread for any realistic flow, so the cancellation is small (a few
// ulps relative to m_k); a test compares with scipy's two-pass moments to 1e-9.
#pragma once

#include <cstdint>

namespace weir {

struct MomentSums {
  double len_s2, len_s3, len_s4;  // sum (frame_len - len_shift)^k
  double iat_s2, iat_s3, iat_s4;  // sum (iat_ns - iat_shift_ns)^k
  uint32_t len_shift;             // first frame length of the direction
  uint32_t len_min;               // frame lengths, bytes
  uint32_t len_max;
  float iat_shift_ns;             // first inter-arrival time of the direction (any value
                                  // works as long as every term uses the same one)
};
static_assert(sizeof(MomentSums) == 64, "one cache line per direction");

// Central-moment shape of n values from their shifted power sums s_k = sum (x - K)^k
// (any K), and their mean.
struct Shape {
  double stddev = 0;       // population (divide by n)
  double skewness = 0;     // biased g1 = m3 / m2^1.5 (scipy.stats.skew default)
  double kurtosis = 0;     // excess, biased g2 = m4 / m2^2 - 3 (scipy.stats.kurtosis default)
};
// n >= 1. Skewness and kurtosis are NaN when the values are (numerically) constant --
// scipy 1.9+ returns NaN there too (m2 <= (1e-15 * mean)^2).
Shape shape_from_sums(double n, double s1, double s2, double s3, double s4,
                      double mean) noexcept;

}  // namespace weir
