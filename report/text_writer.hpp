// SPDX-License-Identifier: Apache-2.0
// TextWriter: the report people read on a terminal -- one block per interval (totals
// per protocol, then a table of destinations), flushed as each interval ends, and a
// closing block for the whole run. When there are more than max_rows destinations, the
// ones with half-open connections come first, then the busiest (new + live + finished
// connections); otherwise all of them, in address order.
#pragma once

#include <cstdint>
#include <vector>

#include "report/output.hpp"
#include "report/reporter.hpp"

namespace weir::report {

class TextWriter final : public ReportSink {
 public:
  // max_rows 0 = every destination.
  TextWriter(Output& out, uint32_t max_rows) : out_(out), max_rows_(max_rows) {}
  void interval(const IntervalReport& r) override;
  // After Reporter::finish().
  void run_summary(const Reporter& rep);

 private:
  Output& out_;
  uint32_t max_rows_;
  uint64_t skipped_from_ = 0;  // next interval index expected (to say what was skipped)
  std::vector<const DestRow*> order_;
};

}  // namespace weir::report
