// SPDX-License-Identifier: Apache-2.0
// weir: the command line. `weir [options] ...` runs a metering job; `weir NAME ...` runs
// a subcommand from kSubcommands. Thin: parse arguments, build a config, run, report.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/pipeline.hpp"
#include "tools/weir/cli.hpp"
#include "tools/weir/subcommands.hpp"
#include "weir_config.h"

namespace weir {
namespace {

constexpr Subcommand kSubcommands[] = {
    {"cat", cat_main, "print a flow file as CSV"},
    {"gen", gen_main, "write a synthetic capture with exact ground truth"},
    {"bench", bench_main, "end-to-end benchmark: weir beside cat, libpcap and peer meters"},
    {"collect", collect_main, "receive NetFlow v5/v9 and IPFIX, write weir's formats"},
};

int meter_main(const std::vector<std::string>& args) {
  cli::Options opt;
  try {
    opt = cli::parse(args);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "weir: %s\n", e.what());
    return cli::kExitUsage;
  }
  if (opt.help) {
    std::fputs(cli::usage().c_str(), stdout);
    std::fputs("\nsubcommands (weir NAME --help):\n", stdout);
    for (const Subcommand& s : kSubcommands) std::printf("  %-8s %s\n", s.name, s.summary);
    return cli::kExitOk;
  }
  if (opt.version) {
    std::printf("weir %s\n", WEIR_VERSION);
    return cli::kExitOk;
  }
  opt.engine.progress = opt.progress == 1 || (opt.progress == -1 && isatty(STDERR_FILENO));
  RunSummary sum;
  Status s = run_pipeline(opt.engine, sum);
  if (!s) {
    std::fprintf(stderr, "weir: %s\n", s.message.c_str());
    return cli::exit_code(s);
  }
  if (!opt.quiet) std::fputs(sum.format().c_str(), stderr);
  if (!opt.stats_json.empty()) {
    std::FILE* f = std::fopen(opt.stats_json.c_str(), "w");
    const std::string j = sum.to_json();
    if (!f || std::fwrite(j.data(), 1, j.size(), f) != j.size() || std::fclose(f) != 0) {
      std::fprintf(stderr, "weir: cannot write %s\n", opt.stats_json.c_str());
      return cli::kExitOutput;
    }
  }
  if (!sum.input_error.empty()) {
    if (opt.quiet) std::fprintf(stderr, "weir: %s\n", sum.input_error.c_str());
    return cli::kExitMalformed;
  }
  if (!sum.output_error.empty()) {
    if (opt.quiet) std::fprintf(stderr, "weir: %s\n", sum.output_error.c_str());
    return cli::kExitOutput;
  }
  if (!sum.conserved()) {
    std::fprintf(stderr, "weir: internal error: packet conservation check failed\n");
    return cli::kExitInternal;
  }
  return cli::kExitOk;
}

}  // namespace
}  // namespace weir

int main(int argc, char** argv) {
  if (argc > 1) {
    for (const weir::Subcommand& s : weir::kSubcommands) {
      if (std::strcmp(argv[1], s.name) == 0) return s.main(argc - 1, argv + 1);
    }
  }
  return weir::meter_main(std::vector<std::string>(argv + 1, argv + argc));
}
