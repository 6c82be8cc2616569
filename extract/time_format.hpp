// SPDX-License-Identifier: Apache-2.0
// Timestamps as `weir flows` prints them: UTC, never the local time zone (pcap_flow
// shifted every time by the zone of the machine it ran on). Plain digit arithmetic: no
// locale, no time zone database, no snprintf in the per-row path.
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>

namespace weir::extract {

namespace detail {
inline char* put_digits(char* out, uint64_t v, int width) noexcept {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return out + width;
}
}  // namespace detail

// "HH:MM:SS.nnnnnnnnn" (18 chars): the time of day, UTC, of ns since the epoch.
inline std::size_t put_time_of_day(uint64_t ns, char* out) noexcept {
  const uint64_t day_s = ns / 1'000'000'000u % 86400;
  char* p = detail::put_digits(out, day_s / 3600, 2);
  *p++ = ':';
  p = detail::put_digits(p, day_s / 60 % 60, 2);
  *p++ = ':';
  p = detail::put_digits(p, day_s % 60, 2);
  *p++ = '.';
  p = detail::put_digits(p, ns % 1'000'000'000u, 9);
  return static_cast<std::size_t>(p - out);
}

// "S.nnnnnnnnn": ns as seconds (at most 30 chars).
inline std::size_t put_seconds(uint64_t ns, char* out) noexcept {
  char* p = std::to_chars(out, out + 20, ns / 1'000'000'000u).ptr;
  *p++ = '.';
  p = detail::put_digits(p, ns % 1'000'000'000u, 9);
  return static_cast<std::size_t>(p - out);
}

inline std::string time_of_day(uint64_t ns) {
  char b[32];
  return std::string(b, put_time_of_day(ns, b));
}

inline std::string seconds(uint64_t ns) {
  char b[32];
  return std::string(b, put_seconds(ns, b));
}

}  // namespace weir::extract
