// SPDX-License-Identifier: Apache-2.0
// The table of compatibility profiles: one row per profile (compat_profile.hpp).
#include "compat/flowrecorder_profile.hpp"
#include "compat/pyflowmeter_profile.hpp"

namespace weir::compat {

namespace {
// The pyflowmeter sink asks the meter for its moments itself (needs_higher_moments).
Status register_pyflowmeter_format() { return register_sink_format(pyflowmeter_sink_format()); }
}  // namespace

const std::vector<CompatProfile>& compat_profiles() {
  static const std::vector<CompatProfile> table = {
      {"flowrecorder", "flowRecorder's CSV and rules (18 columns -d u, 44 -d b; doc/flowrecorder.md)",
       kFlowRecorderFormat, apply_flowrecorder, flowrecorder_format_needs, register_flowrecorder_format},
      {"pyflowmeter", "PyFlowMeter's 48 CICFlowMeter-style columns (doc/pyflowmeter.md)", "pyflowmeter",
       apply_pyflowmeter, nullptr, register_pyflowmeter_format},
  };
  return table;
}

const CompatProfile* find_compat_profile(std::string_view name) {
  for (const CompatProfile& p : compat_profiles()) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

Status register_compat_formats() {
  static bool done = false;
  if (done) return {};
  for (const CompatProfile& p : compat_profiles()) {
    if (Status s = p.register_formats(); !s) return s;
  }
  done = true;
  return {};
}

void apply_format_needs(EngineConfig& cfg) {
  for (const SinkConfig& out : cfg.outputs) {
    for (const CompatProfile& p : compat_profiles()) {
      if (out.format.name == p.format && p.format_needs) p.format_needs(cfg);
    }
  }
}

std::string compat_names() {
  std::string t;
  for (const CompatProfile& p : compat_profiles()) {
    if (!t.empty()) t += ", ";
    t += p.name;
  }
  return t;
}

std::string compat_profiles_help() {
  std::string t;
  for (const CompatProfile& p : compat_profiles()) {
    t += "    ";
    t += p.name;
    t += std::string(p.name.size() < 14 ? 14 - p.name.size() : 1, ' ');
    t += p.help;
    t += '\n';
  }
  return t;
}

}  // namespace weir::compat
