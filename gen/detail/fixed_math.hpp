// SPDX-License-Identifier: Apache-2.0
// Rng and fixed-point variates for `weir gen`. Header only; one Rng per generator run,
// used by one thread.
//
// Design: every random choice that reaches the output bytes goes through this file and
// uses integer arithmetic only, so a seed gives the same capture on any machine and any
// libm. The generator is xoshiro256** seeded by splitmix64. Continuous distributions
// (exponential, Pareto, log-uniform) need log2 and exp2: both are a 1025-entry table
// built at compile time by bit-exact integer algorithms (repeated squaring for log2,
// repeated integer square roots for 2^(1/1024)), plus linear interpolation. Worst-case
// relative error is ~2e-7, far below what a traffic model cares about, and the cost is
// a table load and a 64x64->128 multiply per variate (no per-variate loop).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

namespace weir::gen {

__extension__ using u128 = unsigned __int128;

// One splitmix64 step: advances state, returns a well-mixed word.
constexpr uint64_t splitmix64(uint64_t& state) noexcept {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Stateless 64-bit hash (the splitmix64 finaliser of x).
constexpr uint64_t mix64(uint64_t x) noexcept { return splitmix64(x); }

// ln 2 in Q32, rounded.
inline constexpr uint64_t kLn2Q32 = 2977044472ull;

namespace detail {

inline constexpr int kTableBits = 10;
inline constexpr uint32_t kTableSize = 1u << kTableBits;
using Table = std::array<uint64_t, kTableSize + 1>;

// log2(1 + i/1024) in Q32. x is Q62 in [1, 2); each squaring yields one result bit.
constexpr Table make_log2_table() {
  Table t{};
  for (uint32_t i = 0; i < kTableSize; ++i) {
    u128 x = static_cast<u128>(kTableSize + i) << (62 - kTableBits);
    uint64_t r = 0;
    for (int b = 31; b >= 0; --b) {
      x = (x * x) >> 62;
      if (x >= (u128{1} << 63)) {
        x >>= 1;
        r |= uint64_t{1} << b;
      }
    }
    t[i] = r;
  }
  t[kTableSize] = uint64_t{1} << 32;
  return t;
}

constexpr u128 isqrt(u128 v) {
  u128 r = 0;
  u128 bit = u128{1} << 126;
  while (bit > v) bit >>= 2;
  while (bit != 0) {
    if (v >= r + bit) {
      v -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
    bit >>= 2;
  }
  return r;
}

// 2^(i/1024) in Q32 (values in [2^32, 2^33]). The step 2^(1/1024) is ten integer
// square roots of 2 in Q62; the products accumulate < 1024 ulps of Q62 error.
constexpr Table make_exp2_table() {
  u128 step = u128{2} << 62;
  for (int k = 0; k < kTableBits; ++k) step = isqrt(step << 62);
  Table t{};
  u128 v = u128{1} << 62;
  for (uint32_t i = 0; i <= kTableSize; ++i) {
    t[i] = static_cast<uint64_t>((v + (u128{1} << 29)) >> 30);
    v = (v * step) >> 62;
  }
  t[kTableSize] = uint64_t{1} << 33;
  return t;
}

inline constexpr Table kLog2Q32 = make_log2_table();
inline constexpr Table kExp2Q32 = make_exp2_table();

}  // namespace detail

// log2(m / 2^63) in Q32 for m in [2^63, 2^64): a fraction in [0, 2^32).
constexpr uint64_t log2_mantissa_q32(uint64_t m) noexcept {
  const uint32_t i = static_cast<uint32_t>(m >> (63 - detail::kTableBits)) & (detail::kTableSize - 1);
  const uint64_t frac = (m >> (63 - detail::kTableBits - 32)) & 0xFFFF'FFFFull;
  const uint64_t a = detail::kLog2Q32[i];
  const uint64_t b = detail::kLog2Q32[i + 1];
  return a + (((b - a) * frac) >> 32);
}

// log2(x) in Q32, x >= 1.
constexpr uint64_t log2_q32(uint64_t x) noexcept {
  const int n = 63 - std::countl_zero(x);
  return (static_cast<uint64_t>(n) << 32) + log2_mantissa_q32(x << (63 - n));
}

// -log2(u / 2^64) in Q32 for a uniform 64-bit u (0 is read as 1): the core of every
// continuous variate, > 0 and at most 64 (as Q32).
constexpr uint64_t neg_log2_unit_q32(uint64_t u) noexcept {
  u |= 1;
  const int z = std::countl_zero(u);
  return (static_cast<uint64_t>(z + 1) << 32) - log2_mantissa_q32(u << z);
}

// 2^(e / 2^32) in Q32. Precondition: e < 30 << 32 (result < 2^63).
constexpr uint64_t exp2_q32(uint64_t e) noexcept {
  const uint64_t f = e & 0xFFFF'FFFFull;
  const uint32_t i = static_cast<uint32_t>(f >> 22);
  const uint64_t frac = f & ((uint64_t{1} << 22) - 1);
  const uint64_t a = detail::kExp2Q32[i];
  const uint64_t b = detail::kExp2Q32[i + 1];
  return (a + (((b - a) * frac) >> 22)) << (e >> 32);
}

// Probability as a 64-bit threshold on a 32-bit uniform: 1.0 = 2^32.
using ProbQ32 = uint64_t;
inline constexpr ProbQ32 kProbOne = uint64_t{1} << 32;
constexpr ProbQ32 prob_percent(uint32_t pct) noexcept { return kProbOne * pct / 100; }

class Rng {
 public:
  explicit constexpr Rng(uint64_t seed) noexcept {
    for (auto& w : s_) w = splitmix64(seed);
  }

  constexpr uint64_t next() noexcept {  // xoshiro256**
    const uint64_t r = std::rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = std::rotl(s_[3], 45);
    return r;
  }
  constexpr uint32_t u32() noexcept { return static_cast<uint32_t>(next() >> 32); }
  // Uniform in [0, n) by multiply-shift (bias < n / 2^32, irrelevant here).
  constexpr uint32_t below(uint32_t n) noexcept {
    return static_cast<uint32_t>((static_cast<uint64_t>(u32()) * n) >> 32);
  }
  // Uniform in [lo, hi], inclusive.
  constexpr uint32_t range(uint32_t lo, uint32_t hi) noexcept { return lo + below(hi - lo + 1); }
  constexpr bool chance(ProbQ32 p) noexcept { return u32() < p; }

  // Exponential with the given mean (any unit), rounded down.
  constexpr uint64_t expo(uint64_t mean) noexcept {
    const u128 ln_q32 = (static_cast<u128>(neg_log2_unit_q32(next())) * kLn2Q32) >> 32;
    return static_cast<uint64_t>((ln_q32 * mean) >> 32);
  }

  // Pareto with scale xm and shape alpha = 65536 / inv_alpha_q16, capped at cap.
  constexpr uint64_t pareto(uint64_t xm, uint32_t inv_alpha_q16, uint64_t cap) noexcept {
    const uint64_t e = static_cast<uint64_t>(
        (static_cast<u128>(neg_log2_unit_q32(next())) * inv_alpha_q16) >> 16);
    if ((e >> 32) >= 29) return cap;
    const u128 v = (static_cast<u128>(xm) * exp2_q32(e)) >> 32;
    return v > cap ? cap : static_cast<uint64_t>(v);
  }

  // lo * 2^(U * span) with U uniform in [0, 1): log-uniform over [lo, lo * 2^span).
  // span_q32 = log2(hi / lo) in Q32, < 29.
  constexpr uint64_t log_uniform(uint64_t lo, uint64_t span_q32) noexcept {
    const uint64_t e = static_cast<uint64_t>((static_cast<u128>(u32()) * span_q32) >> 32);
    return static_cast<uint64_t>((static_cast<u128>(lo) * exp2_q32(e)) >> 32);
  }

 private:
  std::array<uint64_t, 4> s_{};
};

}  // namespace weir::gen
