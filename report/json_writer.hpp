// SPDX-License-Identifier: Apache-2.0
// JsonWriter: the report as one JSON document, streamed: the configuration first, each
// interval as it is reported, then the run totals, the destinations over the run and
// the input accounting. Schema (version 1) in doc/report.md; names carry units
// (_ns, _s, _bytes), durations are exact decimal seconds, and fields are never dropped
// when zero, so a consumer can rely on every key being there.
#pragma once

#include <string>
#include <vector>

#include "report/output.hpp"
#include "report/reporter.hpp"

namespace weir::report {

struct JsonRunInfo {
  std::vector<std::string> inputs;  // -r files
  std::string interface;            // -i
  std::string filter;               // BPF expression
  std::string target;               // --target (canonical)
  uint64_t interval_ns = 0;
  uint64_t conn_timeout_ns = 0;
  bool aligned = false;             // anchor at a multiple of the interval
};

class JsonWriter final : public ReportSink {
 public:
  static constexpr int kSchemaVersion = 1;

  JsonWriter(Output& out, const JsonRunInfo& info);  // writes the head
  void interval(const IntervalReport& r) override;
  // input_json: a JSON object with the input accounting (the driver's).
  void end(const Reporter& rep, const std::string& input_json);

 private:
  Output& out_;
  bool first_ = true;
};

// JSON string literal (quotes included) with the required escapes.
std::string json_string(const std::string& s);

}  // namespace weir::report
