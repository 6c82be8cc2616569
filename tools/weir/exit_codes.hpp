// SPDX-License-Identifier: Apache-2.0
// Exit status of every weir subcommand: one table (also in --help and weir(1)).
//
//   0   ok
//   1   internal error (a bug: e.g. the conservation check failed)
//   2   usage: bad option, value or filter expression
//   3   input missing or unreadable (no such file, permission, interface cannot be opened)
//   4   input malformed (records read before the fault are written)
//   5   output error (cannot create or write the flow output)
//   130 interrupted by a second SIGINT/SIGTERM (the first one stops cleanly, exit 0)
#pragma once

#include "engine/base/common.hpp"

namespace weir::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,
  kExitUsage = 2,
  kExitNoInput = 3,
  kExitMalformed = 4,
  kExitOutput = 5,
  kExitInterrupted = 130,
};

// The exit status for an error: by origin first, then by kind.
inline int exit_code(const Status& s) noexcept {
  if (s) return kExitOk;
  if (s.code == Errc::invalid_argument || s.origin == Origin::config) return kExitUsage;
  switch (s.origin) {
    case Origin::output: return kExitOutput;
    case Origin::input:
      return s.code == Errc::malformed || s.code == Errc::unsupported ? kExitMalformed : kExitNoInput;
    default: return kExitInternal;
  }
}

// The table as --help prints it.
inline constexpr const char* kExitTableText =
    "exit status: 0 ok, 1 internal error, 2 usage, 3 input missing or unreadable,\n"
    "4 input malformed (records read before the fault are written), 5 output error,\n"
    "130 stopped by a second SIGINT/SIGTERM (the first stops cleanly and exits 0).\n";

}  // namespace weir::cli
