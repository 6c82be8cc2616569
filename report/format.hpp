// SPDX-License-Identifier: Apache-2.0
// Number, time and address formatting shared by the text, JSON and SVG writers.
// Locale-independent and exact where it matters (durations in seconds from integer ns).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "report/interval_report.hpp"

namespace weir::report {

// Concatenation by appending (GCC 12 at -O3 warns falsely, -Wrestrict, on
// `"literal" + std::string&&`, so chains of operator+ starting with a literal are avoided).
template <typename... Parts>
std::string cat(const Parts&... parts) {
  std::string s;
  (s.append(std::string_view(parts)), ...);
  return s;
}

// Exact decimal seconds from ns, trailing zeros dropped: 1500000000 -> "1.5", 0 -> "0".
std::string seconds_exact(uint64_t ns);
// Seconds with `decimals` digits (rounded), e.g. for tables: 1234567 ns, 3 -> "0.001".
std::string seconds_fixed(uint64_t ns, int decimals);
// UTC ISO 8601 with milliseconds: "2024-05-01T12:00:00.000Z".
std::string iso_utc(uint64_t ns);
// "10.0.0.1", "2001:db8::1".
std::string address_text(const DestKey& d);
// "10.0.0.1:80", "[2001:db8::1]:443".
std::string endpoint_text(const DestKey& d);
// A double for JSON/SVG: shortest text that reads back exactly ("%.17g" trimmed).
std::string number_text(double v);

}  // namespace weir::report
