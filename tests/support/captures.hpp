// SPDX-License-Identifier: Apache-2.0
// Where the shared real captures are: $WEIR_CAPTURES, else the default meson passes in
// ($WEIR_CAPTURES_DEFAULT = <source>/../shared/captures). Tests that need them call
// WEIR_REQUIRE_CAPTURES(), which skips with a clear message when they are absent.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace weir::test {

inline std::string captures_dir() {
  if (const char* e = std::getenv("WEIR_CAPTURES"); e && *e) return e;
  if (const char* e = std::getenv("WEIR_CAPTURES_DEFAULT"); e && *e) return e;
  return "../shared/captures";
}

inline bool have_captures() { return std::filesystem::is_directory(captures_dir()); }

}  // namespace weir::test

#define WEIR_REQUIRE_CAPTURES()                                                        \
  do {                                                                                 \
    if (!::weir::test::have_captures())                                                \
      GTEST_SKIP() << "real captures not found at " << ::weir::test::captures_dir()    \
                   << " (set WEIR_CAPTURES to the shared/captures folder)";            \
  } while (0)
