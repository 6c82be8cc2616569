// SPDX-License-Identifier: Apache-2.0
// Command-line parsing for `weir` (the metering job). Kept apart from main() so tests
// can check parsing without running a job.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/config.hpp"
#include "tools/weir/exit_codes.hpp"

namespace weir::cli {


struct Options {
  EngineConfig engine;
  bool quiet = false;
  bool help = false;
  bool version = false;
  int progress = -1;  // -1 = auto (stderr is a TTY), 0 off, 1 on
  std::string stats_json;  // --stats-json FILE: the run summary as JSON
  // -r DIR: every capture in DIR (sorted by name) is metered on its own, into
  // <name>_flow.csv in the -o directory (tools/weir/input_dir.hpp).
  std::string input_dir;
  std::string compat;  // --compat NAME (compat/compat_profile.hpp), already applied
};

// Throws std::invalid_argument with a user-facing message on a usage error.
Options parse(const std::vector<std::string>& args);
// Seconds ("300", "0.5", "1e-3") to ns; throws on junk or negatives.
uint64_t parse_seconds_ns(const std::string& opt, const std::string& v);
std::string usage();

}  // namespace weir::cli
