// SPDX-License-Identifier: Apache-2.0
#include "compat/pyflowmeter_profile.hpp"
#include "compat/compat_profile.hpp"
#include "exporters/sink_registry.hpp"

namespace weir::compat {

const std::vector<CompatProfile>& compat_profiles() {
  static const std::vector<CompatProfile> table = {
      {"pyflowmeter", "PyFlowMeter's 48 CICFlowMeter-style columns (doc/pyflowmeter.md)",
       apply_pyflowmeter},
  };
  return table;
}

const CompatProfile* find_compat_profile(std::string_view name) {
  for (const CompatProfile& p : compat_profiles())
    if (p.name == name) return &p;
  return nullptr;
}

std::string compat_profiles_help() {
  std::string t;
  for (const CompatProfile& p : compat_profiles()) {
    std::string name(p.name);
    t += "  " + name + std::string(name.size() < 17 ? 17 - name.size() : 1, ' ') +
         std::string(p.help) + "\n";
  }
  return t;
}

void register_compat_formats() {
  static const bool done = [] {
    (void)register_sink_format(pyflowmeter_sink_format());
    return true;
  }();
  (void)done;
}

}  // namespace weir::compat
