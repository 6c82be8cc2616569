// SPDX-License-Identifier: Apache-2.0
// Command-line parsing for `weir` (the metering job). Kept apart from main() so tests
// can check parsing without running a job.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/config.hpp"

namespace weir::cli {

// Process exit codes (documented in --help and the man page).
enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,    // a bug: e.g. the conservation check failed
  kExitUsage = 2,       // bad arguments or filter expression
  kExitNoInput = 3,     // input missing or unreadable
  kExitMalformed = 4,   // input malformed (flows read before the fault were written)
  kExitOutput = 5,      // output could not be written
};

struct Options {
  EngineConfig engine;
  bool quiet = false;
  bool help = false;
  bool version = false;
  int progress = -1;  // -1 = auto (stderr is a TTY), 0 off, 1 on
  std::string stats_json;  // --stats-json FILE: the run summary as JSON
};

// Throws std::invalid_argument with a user-facing message on a usage error.
Options parse(const std::vector<std::string>& args);
// Seconds ("300", "0.5", "1e-3") to ns; throws on junk or negatives.
uint64_t parse_seconds_ns(const std::string& opt, const std::string& v);
std::string usage();

}  // namespace weir::cli
