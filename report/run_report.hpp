// SPDX-License-Identifier: Apache-2.0
// run_report: the whole `weir report` job -- open the capture through the backend
// registry (files, or a live interface once a live backend is built in), filter (BPF),
// decode, feed the Reporter, and write the text report, the JSON and the pictures.
// One thread: a report is bounded by the decoder and the table, and its output must
// follow input order.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "capture/capture_registry.hpp"
#include "capture/decode/decoder.hpp"
#include "report/reporter.hpp"

namespace weir::report {

struct ReportJob {
  CaptureSpec capture;       // files (-r) or interface (-i)
  std::string filter;        // BPF expression ("" = none)
  ReportConfig report;
  bool text = true;          // the per-interval table on standard output
  uint32_t text_rows = 20;   // 0 = every destination
  std::string json_path;     // "" = none, "-" = standard output
  std::string plot_dir;      // "" = none
  bool progress = false;     // progress line on stderr
  // Set (by a signal handler) to stop reading; the report then ends as at end of input.
  const std::atomic<bool>* stop = nullptr;
  // Also receives every interval (tests, programs embedding the report).
  ReportSink* extra = nullptr;
};

// Where every packet read went: read = filtered + not decoded + outside target + tcp +
// udp + icmp + other (conserved() checks it).
struct ReportSummary {
  uint64_t packets_read = 0;
  uint64_t filtered = 0;  // rejected by the BPF expression
  std::array<uint64_t, kNumDecodeOutcomes> decode{};  // [0] = decoded; others: not decoded, by reason
  uint64_t outside_target = 0;
  uint64_t untracked_table_full = 0;  // counted in the totals, in no connection
  uint64_t tcp = 0, udp = 0, icmp = 0, other = 0;
  uint64_t intervals = 0;
  RunTotals totals;           // the Reporter's run totals
  uint64_t ts_backwards = 0;  // packets older than their predecessor (read at the clock)
  std::string source;         // describe() of the source
  std::string input_error;    // non-empty: the input broke off here (exit 4); reports cover what came before
  bool stopped = false;       // ended by a signal
  double elapsed_s = 0;

  bool conserved() const noexcept;
  std::string to_json() const;  // the "input" object of the JSON report
  std::string format() const;   // the closing summary on stderr
};

// Errors before any output (cannot open the input, bad filter, cannot create an
// output) are returned; a broken input after that is summary.input_error; an output
// error during the run is returned with Origin::output after the rest was written.
Status run_report(const ReportJob& job, ReportSummary& summary);

}  // namespace weir::report
