// SPDX-License-Identifier: Apache-2.0
// weir: the command line. Thin: parse arguments, build an EngineConfig, run, report.
#include <unistd.h>

#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/gen/gen_main.hpp"
#include "engine/pipeline.hpp"
#include "exporters/binary_reader.hpp"
#include "tools/weir/bench_cmd.hpp"
#include "tools/weir/cli.hpp"
#include "weir_config.h"

namespace {

using namespace weir;

int exit_for_open_error(const Status& s) {
  switch (s.code) {
    case Errc::invalid_argument: return cli::kExitUsage;
    case Errc::malformed:
    case Errc::unsupported: return cli::kExitMalformed;
    case Errc::not_found: return cli::kExitNoInput;
    default: return cli::kExitNoInput;
  }
}

int cat_main(const std::vector<std::string>& args) {
  std::string in, out = "-";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "-o" && i + 1 < args.size()) {
      out = args[++i];
    } else if (args[i] == "-h" || args[i] == "--help") {
      std::printf("usage: weir cat FILE.bin [-o OUT]\nPrints a weir binary flow file as CSV (the same CSV 'weir -F csv' writes).\n");
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
    return s.code == Errc::io_error && s.message.find(in) == std::string::npos ? cli::kExitOutput
           : s.code == Errc::not_found                                         ? cli::kExitNoInput
                                                                              : cli::kExitMalformed;
  }
  return cli::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "gen") return weir::gen_main(argc - 1, argv + 1);
  if (!args.empty() && args[0] == "bench") return weir::bench_main(argc - 1, argv + 1);
  if (!args.empty() && args[0] == "cat") return cat_main({args.begin() + 1, args.end()});

  cli::Options opt;
  try {
    opt = cli::parse(args);
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "weir: %s\n", e.what());
    return cli::kExitUsage;
  }
  if (opt.help) {
    std::fputs(cli::usage().c_str(), stdout);
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
    if (!sum.output_error.empty()) return cli::kExitOutput;
    return exit_for_open_error(s);
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
