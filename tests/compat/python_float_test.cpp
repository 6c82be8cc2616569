// SPDX-License-Identifier: Apache-2.0
// python_float: the text Python's str()/repr() give a float (what flowRecorder's csv
// module writes), checked on known strings and against Debian's python3 itself.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "compat/python_float.hpp"

namespace weir::compat {
namespace {

TEST(PythonFloat, PrintsAsPythonReprDoes) {
  const std::vector<std::pair<double, std::string>> cases = {
      {0.0, "0.0"},
      {60.0, "60.0"},
      {55.25, "55.25"},
      {-1.5, "-1.5"},
      {0.1 + 0.2, "0.30000000000000004"},
      {86.66666666666667, "86.66666666666667"},
      {1458782847.829442, "1458782847.829442"},
      {1538857982.30135, "1538857982.30135"},
      {0.0001, "0.0001"},
      {0.00015, "0.00015"},
      {1e-05, "1e-05"},
      {1.5e-07, "1.5e-07"},
      {1234567890123456.0, "1234567890123456.0"},
      {1e16, "1e+16"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {1e100, "1e+100"},
  };
  for (const auto& [v, want] : cases) EXPECT_EQ(python_float(v), want) << want;
}

TEST(PythonFloat, AgreesWithPython3OnRandomValues) {
  std::FILE* probe = std::fopen("/usr/bin/python3", "r");
  if (!probe) GTEST_SKIP() << "/usr/bin/python3 not found";
  std::fclose(probe);
  std::mt19937_64 rng(11);
  std::vector<double> vals;
  for (int i = 0; i < 400; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (std::isfinite(d)) vals.push_back(d);
    vals.push_back(static_cast<double>(rng() % 4'000'000'000ull) + static_cast<double>(rng() % 1'000'000) / 1e6);
    vals.push_back(static_cast<double>(rng() % 100'000'000) / 1e9);
  }
  std::ostringstream script;
  script << "/usr/bin/python3 -c 'import sys\nfor l in sys.stdin: print(repr(float.fromhex(l.strip())))' <<'EOF'\n";
  for (double v : vals) {
    char hex[64];
    std::snprintf(hex, sizeof hex, "%a", v);
    script << hex << "\n";
  }
  script << "EOF\n";
  std::FILE* p = ::popen(script.str().c_str(), "r");
  ASSERT_NE(p, nullptr);
  char line[128];
  std::size_t i = 0;
  while (std::fgets(line, sizeof line, p) && i < vals.size()) {
    std::string want(line);
    while (!want.empty() && want.back() == '\n') want.pop_back();
    EXPECT_EQ(python_float(vals[i]), want) << "value " << i;
    ++i;
  }
  ::pclose(p);
  EXPECT_EQ(i, vals.size());
}

}  // namespace
}  // namespace weir::compat
