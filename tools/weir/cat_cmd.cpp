// SPDX-License-Identifier: Apache-2.0
// weir cat: prints a flow file as CSV.
#include <cstdio>
#include <string>
#include <vector>

#include "exporters/binary_reader.hpp"
#include "tools/weir/exit_codes.hpp"
#include "tools/weir/subcommands.hpp"

namespace weir {

int cat_main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  std::string in, out = "-";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-o" && i + 1 < args.size()) {
      out = args[++i];
    } else if (args[i] == "-h" || args[i] == "--help") {
      std::printf("usage: weir cat FILE.bin [-o OUT]\nPrints a weir binary flow file as CSV (the same CSV 'weir -F csv' writes).\n%s",
                  cli::kExitTableText);
      return cli::kExitOk;
    } else if (in.empty()) {
      in = args[i];
    } else {
      std::fprintf(stderr, "weir cat: unexpected argument '%s'\n", args[i].c_str());
      return cli::kExitUsage;
    }
  }
  if (in.empty()) {
    std::fprintf(stderr, "weir cat: no input file (usage: weir cat FILE.bin [-o OUT])\n");
    return cli::kExitUsage;
  }
  Status s = cat_flow_file(in, out);
  if (!s) {
    std::fprintf(stderr, "weir cat: %s\n", s.message.c_str());
    return cli::exit_code(s);
  }
  return cli::kExitOk;
}

}  // namespace weir
