// SPDX-License-Identifier: Apache-2.0
// Compatibility profiles: `--compat NAME` makes weir meter and write like an older tool
// (SEEDS.md), so scripts built on that tool's output keep working. A profile is the
// tool's metering rules (EngineConfig: timeouts, key, lengths, direction) plus its
// output format (a sink format it registers, also usable alone as `-F FORMAT`).
//
// Adding a profile = its code in compat/NAME_*.{hpp,cpp} and one row in
// compat_registry.cpp.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "engine/base/common.hpp"
#include "engine/config.hpp"

namespace weir::compat {

struct CompatProfile {
  std::string_view name;    // --compat NAME
  std::string_view help;    // one line for --help
  std::string_view format;  // the sink format it writes (-F FORMAT)
  // The tool's metering rules and output: sets cfg's rules and the format of every
  // output (adding one on standard output if there is none).
  void (*apply)(EngineConfig& cfg);
  // What the format needs from the meter when chosen with -F alone (weir's own rules
  // otherwise), e.g. statistics only this format prints. nullptr = nothing.
  void (*format_needs)(EngineConfig& cfg);
  // Adds the profile's sink format(s) to the sink registry.
  Status (*register_formats)();
};

const std::vector<CompatProfile>& compat_profiles();
const CompatProfile* find_compat_profile(std::string_view name);
// Registers every profile's formats; call once at start-up before options are parsed
// (a second call does nothing).
Status register_compat_formats();
// For outputs whose format belongs to a profile: that profile's format_needs().
void apply_format_needs(EngineConfig& cfg);
// "flowrecorder, ..." and the --help lines ("  NAME  help").
std::string compat_names();
std::string compat_profiles_help();

}  // namespace weir::compat
