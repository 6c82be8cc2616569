// SPDX-License-Identifier: Apache-2.0
// The weir subcommands: `weir NAME ...` runs NAME's entry point with argv[0] = NAME.
// Adding a subcommand = one entry point and one row in kSubcommands (main.cpp); each
// returns a status from exit_codes.hpp.
#pragma once

#include "tools/weir/cli.hpp"

namespace weir {

struct Subcommand {
  const char* name;
  int (*main)(int argc, char** argv);
  const char* summary;  // one line for `weir --help`
};

int cat_main(int argc, char** argv);
int gen_main(int argc, char** argv);
int bench_main(int argc, char** argv);
int report_main(int argc, char** argv);
int collect_main(int argc, char** argv);
int flows_main(int argc, char** argv);
int extract_main(int argc, char** argv);
int flowrecorder_main(int argc, char** argv);

// Runs a metering job from parsed options (the plain `weir` command, and subcommands
// that map another tool's options onto it); messages are prefixed with prog.
int run_meter(cli::Options& opt, const char* prog);

}  // namespace weir
