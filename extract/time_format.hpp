// SPDX-License-Identifier: Apache-2.0
// Timestamps as `weir flows` prints them: UTC, never the local time zone (pcap_flow
// shifted every time by the zone of the machine it ran on).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace weir::extract {

// "HH:MM:SS.nnnnnnnnn": time of day, UTC, of ns since the epoch.
inline std::string time_of_day(uint64_t ns) {
  const uint64_t s = ns / 1'000'000'000u;
  const uint64_t day_s = s % 86400;
  char b[32];
  std::snprintf(b, sizeof b, "%02u:%02u:%02u.%09u", static_cast<unsigned>(day_s / 3600),
                static_cast<unsigned>(day_s / 60 % 60), static_cast<unsigned>(day_s % 60),
                static_cast<unsigned>(ns % 1'000'000'000u));
  return b;
}

// "S.nnnnnnnnn" seconds.
inline std::string seconds(uint64_t ns) {
  char b[32];
  std::snprintf(b, sizeof b, "%llu.%09u", static_cast<unsigned long long>(ns / 1'000'000'000u),
                static_cast<unsigned>(ns % 1'000'000'000u));
  return b;
}

}  // namespace weir::extract
