// SPDX-License-Identifier: Apache-2.0
#include "compat/python_float.hpp"

#include <charconv>
#include <cmath>
#include <cstring>

namespace weir::compat {

std::size_t python_float(double v, char* out) noexcept {
  // to_chars writes "nan"/"inf" without an exponent; Python prints the same words.
  if (!std::isfinite(v)) {
    const char* t = std::isnan(v) ? "nan" : (v < 0 ? "-inf" : "inf");
    const std::size_t n = std::strlen(t);
    std::memcpy(out, t, n);
    return n;
  }
  // Shortest round-trip digits in scientific form, e.g. "-1.2345e+09" -- C++17's
  // to_chars and Python's repr both pick the shortest digit string that reads back to v
  // (the closest one when several are as short).
  char sci[kPythonFloatMaxBytes];
  const auto res = std::to_chars(sci, sci + sizeof sci, v, std::chars_format::scientific);
  const char* const end = res.ptr;
  const char* p = sci;
  char* o = out;
  if (*p == '-') *o++ = *p++;
  char digits[20];
  std::size_t nd = 0;
  for (; p < end && *p != 'e'; ++p) {
    if (*p != '.') digits[nd++] = *p;
  }
  int exp10 = 0;
  std::from_chars(p + 1 + (p[1] == '+'), end, exp10);
  const int decpt = exp10 + 1;  // digits are 0.d1d2... x 10^decpt
  if (decpt <= -4 || decpt > 16) {  // Python's repr switches to exponent notation here
    const std::size_t n = static_cast<std::size_t>(end - sci);
    std::memcpy(out, sci, n);
    return n;
  }
  if (decpt <= 0) {
    *o++ = '0';
    *o++ = '.';
    for (int i = 0; i < -decpt; ++i) *o++ = '0';
    std::memcpy(o, digits, nd);
    o += nd;
  } else if (static_cast<std::size_t>(decpt) >= nd) {
    std::memcpy(o, digits, nd);
    o += nd;
    for (std::size_t i = nd; i < static_cast<std::size_t>(decpt); ++i) *o++ = '0';
    *o++ = '.';
    *o++ = '0';
  } else {
    std::memcpy(o, digits, static_cast<std::size_t>(decpt));
    o += decpt;
    *o++ = '.';
    std::memcpy(o, digits + decpt, nd - static_cast<std::size_t>(decpt));
    o += nd - static_cast<std::size_t>(decpt);
  }
  return static_cast<std::size_t>(o - out);
}

std::string python_float(double v) {
  char buf[kPythonFloatMaxBytes];
  return std::string(buf, python_float(v, buf));
}

}  // namespace weir::compat
