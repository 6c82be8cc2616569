// SPDX-License-Identifier: Apache-2.0
#include "report/format.hpp"

#include <arpa/inet.h>

#include <charconv>
#include <ctime>

namespace weir::report {

std::string seconds_exact(uint64_t ns) {
  std::string s = std::to_string(ns / 1'000'000'000u);
  uint64_t frac = ns % 1'000'000'000u;
  if (frac == 0) return s;
  char digits[10];
  for (int i = 8; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  int n = 9;
  while (digits[n - 1] == '0') --n;
  s += '.';
  s.append(digits, static_cast<std::size_t>(n));
  return s;
}

std::string seconds_fixed(uint64_t ns, int decimals) {
  uint64_t unit = 1'000'000'000u;
  for (int i = 0; i < decimals; ++i) unit /= 10;
  const uint64_t q = (ns + unit / 2) / unit;  // in units of 10^-decimals s
  uint64_t scale = 1;
  for (int i = 0; i < decimals; ++i) scale *= 10;
  std::string s = std::to_string(q / scale);
  if (decimals > 0) {
    std::string f = std::to_string(q % scale);
    s += '.';
    s.append(static_cast<std::size_t>(decimals) - f.size(), '0');
    s += f;
  }
  return s;
}

std::string iso_utc(uint64_t ns) {
  const auto secs = static_cast<std::time_t>(ns / 1'000'000'000u);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned>(ns % 1'000'000'000u / 1'000'000u));
  return buf;
}

std::string address_text(const DestKey& d) {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(d.ip_version == 6 ? AF_INET6 : AF_INET, d.addr.data(), buf, sizeof buf);
  return buf;
}

std::string endpoint_text(const DestKey& d) {
  const std::string a = address_text(d);
  return (d.ip_version == 6 ? "[" + a + "]" : a) + ":" + std::to_string(d.port);
}

std::string number_text(double v) {
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest round-trip form
  return std::string(buf, r.ptr);
}

}  // namespace weir::report
