// SPDX-License-Identifier: Apache-2.0
// CompatProfile: `--compat NAME` -- an older tool's output columns and metering rules as
// one switch, so its users' pipelines keep working on weir's output. A profile adjusts
// the EngineConfig (timeouts, direction, output format, what the meter keeps, which
// becomes the MeterConfig) before the command line's own options, which override it.
// Profiles are rows of the table in compat_registry.cpp; a profile's output format is a
// sink format registered by register_compat_formats() (sink_registry.hpp), so
// `-F NAME` selects the same columns without the profile's metering rules.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/config.hpp"

namespace weir::compat {

struct CompatProfile {
  std::string_view name;  // --compat NAME
  std::string_view help;  // one line for --help
  // Applies the tool's rules and selects its output format (every -F/-o pair, or
  // standard output when there is none).
  void (*apply)(EngineConfig& cfg);
};

const std::vector<CompatProfile>& compat_profiles();
// nullptr if unknown.
const CompatProfile* find_compat_profile(std::string_view name);
// "NAME  help" lines for --help.
std::string compat_profiles_help();
// Registers the profiles' output formats with the sink registry; idempotent. Call once
// at start-up, before parsing -F (not thread-safe, like register_sink_format).
void register_compat_formats();

}  // namespace weir::compat
