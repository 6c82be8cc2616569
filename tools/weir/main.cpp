// SPDX-License-Identifier: Apache-2.0
// weir: the command line. `weir [options] ...` runs a metering job; `weir NAME ...` runs
// a subcommand from kSubcommands. Thin: parse arguments, build a config, run, report.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "compat/compat_profile.hpp"
#include "engine/engine.hpp"
#include "tools/weir/cli.hpp"
#include "tools/weir/input_dir.hpp"
#include "tools/weir/subcommands.hpp"
#include "weir_config.h"

namespace weir {
namespace {

constexpr Subcommand kSubcommands[] = {
    {"cat", cat_main, "print a flow file as CSV"},
    {"gen", gen_main, "write a synthetic capture with exact ground truth"},
    {"bench", bench_main, "end-to-end benchmark: weir beside cat, libpcap and peer meters"},
    {"report", report_main, "interval reports of connections per destination (SENSS, tcpstat)"},
    {"collect", collect_main, "receive NetFlow v5/v9 and IPFIX, write weir's formats"},
    {"flows", flows_main, "list the unidirectional flows of a capture with FlowIDs (pcap_flow)"},
    {"extract", extract_main, "a flow's packets, or TCP/UDP streams reassembled, into files (pcap_flow)"},
    {"flowrecorder", flowrecorder_main, "flowRecorder's command line: -d u|b -f FILE|-i IFACE -o OUT"},
};

// The running engine, for the signal handler: the first SIGINT/SIGTERM stops it cleanly
// (Engine::stop is one atomic store), the second exits at once.
std::atomic<Engine*> g_engine{nullptr};
std::atomic<int> g_signals{0};

extern "C" void on_stop_signal(int) {
  if (g_signals.fetch_add(1) > 0) _exit(cli::kExitInterrupted);
  if (Engine* e = g_engine.load()) e->stop();
}

void install_stop_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

// Writes text to path through a temporary file and a rename, so a reader never sees a
// half-written summary.
bool write_file_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  std::FILE* f = std::fopen(tmp.c_str(), "w");
  if (!f) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  if (std::fclose(f) != 0 || !ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return false;
  }
  return true;
}

// One metering run of cfg; prints its summary and errors; returns the exit status.
int run_job(const cli::Options& opt, EngineConfig cfg, const char* prog) {
  if (cfg.stats_interval_ns) {
    const bool quiet = opt.quiet;
    const std::string json_path = opt.stats_json;
    cfg.on_stats = [quiet, json_path](const RunSummary& snap) {
      if (!quiet) std::fputs(snap.stats_line().c_str(), stderr);
      if (!json_path.empty()) (void)write_file_atomically(json_path, snap.to_json());
    };
  }
  Engine engine(std::move(cfg));
  RunSummary sum;
  Status s = engine.open();
  if (s) {
    g_engine.store(&engine);
    install_stop_handlers();
    s = engine.run(sum);
    g_engine.store(nullptr);
  }
  if (!s) {
    std::fprintf(stderr, "%s: %s\n", prog, s.message.c_str());
    return cli::exit_code(s);
  }
  if (!opt.quiet) std::fputs(sum.format().c_str(), stderr);
  if (!opt.stats_json.empty() && !write_file_atomically(opt.stats_json, sum.to_json())) {
    std::fprintf(stderr, "%s: cannot write %s\n", prog, opt.stats_json.c_str());
    return cli::kExitOutput;
  }
  if (!sum.input_error.empty()) {
    if (opt.quiet) std::fprintf(stderr, "%s: %s\n", prog, sum.input_error.c_str());
    return cli::kExitMalformed;
  }
  if (!sum.output_error.empty()) {
    if (opt.quiet) std::fprintf(stderr, "%s: %s\n", prog, sum.output_error.c_str());
    return cli::kExitOutput;
  }
  if (!sum.conserved()) {
    std::fprintf(stderr, "%s: internal error: packet conservation check failed\n", prog);
    return cli::kExitInternal;
  }
  return cli::kExitOk;
}

// -r DIR: each capture of the directory on its own run, into -o OUTDIR. A failing file
// does not stop the others; the status is the first failure's. A stop signal ends the
// file being metered (its output complete) and skips the rest.
int run_input_dir(const cli::Options& opt) {
  const std::string out_dir = opt.engine.outputs.front().path;
  const std::string_view format = opt.engine.outputs.front().format.name;
  // <name>_flow.csv for the CSV formats (weir's, PyFlowMeter's), else .<format name>.
  const std::string_view ext =
      format == OutputFormat::csv.name || format == "pyflowmeter" ? "csv" : format;
  std::vector<cli::DirInput> files;
  std::vector<std::string> skipped;
  Status s = cli::list_input_dir(opt.input_dir, out_dir, ext, files, skipped);
  if (s) s = cli::make_output_dir(out_dir);
  if (!s) {
    std::fprintf(stderr, "weir: %s\n", s.message.c_str());
    return cli::exit_code(s);
  }
  for (const std::string& f : skipped)
    std::fprintf(stderr, "weir: skipping %s: not a capture file\n", f.c_str());
  int status = cli::kExitOk;
  for (std::size_t i = 0; i < files.size(); ++i) {
    if (g_signals.load() > 0) {
      std::fprintf(stderr, "weir: stopped; %zu file(s) not metered\n", files.size() - i);
      break;
    }
    const int width = 30;
    const int done = static_cast<int>(width * i / files.size());
    if (opt.progress != 0)  // a bar of the files done, even with -q; --no-progress drops it
      std::fprintf(stderr, "[%.*s%*s] %zu/%zu %s -> %s\n", done, "##############################",
                 width - done, "", i + 1, files.size(), files[i].path.c_str(),
                 files[i].output.c_str());
    EngineConfig cfg = opt.engine;
    cfg.capture.files = {files[i].path};
    cfg.outputs.front().path = files[i].output;
    const int rc = run_job(opt, std::move(cfg), "weir");
    if (rc != cli::kExitOk && status == cli::kExitOk) status = rc;
  }
  return status;
}

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
    for (const Subcommand& s : kSubcommands) std::printf("  %-12s %s\n", s.name, s.summary);
    return cli::kExitOk;
  }
  if (opt.version) {
    std::printf("weir %s\n", WEIR_VERSION);
    return cli::kExitOk;
  }
  return run_meter(opt, "weir");
}

}  // namespace

int run_meter(cli::Options& opt, const char* prog) {
  opt.engine.progress = opt.progress == 1 || (opt.progress == -1 && isatty(STDERR_FILENO));
  if (!opt.input_dir.empty()) return run_input_dir(opt);
  return run_job(opt, opt.engine, prog);
}
}  // namespace weir

int main(int argc, char** argv) {
  // Formats of the --compat profiles (-F flowrecorder ...), before any option is parsed.
  if (weir::Status s = weir::compat::register_compat_formats(); !s) {
    std::fprintf(stderr, "weir: %s\n", s.message.c_str());
    return weir::cli::kExitInternal;
  }
  if (argc > 1) {
    for (const weir::Subcommand& s : weir::kSubcommands) {
      if (std::strcmp(argv[1], s.name) == 0) return s.main(argc - 1, argv + 1);
    }
  }
  return weir::meter_main(std::vector<std::string>(argv + 1, argv + argc));
}
