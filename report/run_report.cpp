// SPDX-License-Identifier: Apache-2.0
#include "report/run_report.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>

#include "capture/bpf_filter.hpp"
#include "engine/progress.hpp"
#include "report/format.hpp"
#include "report/json_writer.hpp"
#include "report/output.hpp"
#include "report/plots.hpp"
#include "report/text_writer.hpp"

namespace weir::report {

namespace {

constexpr uint32_t kBurst = 256;

// Hands each interval to every writer.
class FanOut final : public ReportSink {
 public:
  void add(ReportSink* s) { sinks_.push_back(s); }
  void interval(const IntervalReport& r) override {
    for (ReportSink* s : sinks_) s->interval(r);
  }

 private:
  std::vector<ReportSink*> sinks_;
};

uint64_t wall_clock_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

bool ReportSummary::conserved() const noexcept {
  uint64_t not_decoded = 0;
  for (std::size_t i = 1; i < kNumDecodeOutcomes; ++i) not_decoded += decode[i];
  return packets_read == filtered + not_decoded + decode[0] &&
         decode[0] == outside_target + tcp + udp + icmp + other;
}

std::string ReportSummary::to_json() const {
  std::string nd = "{";
  for (std::size_t i = 1; i < kNumDecodeOutcomes; ++i) {
    if (i > 1) nd += ", ";
    nd += cat("\"", decode_outcome_name(static_cast<DecodeOutcome>(i)), "\": ", std::to_string(decode[i]));
  }
  nd += "}";
  const auto n = [](uint64_t v) { return std::to_string(v); };
  return cat("{\"source\": ", json_string(source), ", \"packets_read\": ", n(packets_read),
             ", \"filtered\": ", n(filtered), ", \"decoded\": ", n(decode[0]), ", \"not_decoded\": ", nd,
             ", \"outside_target\": ", n(outside_target), ", \"tcp\": ", n(tcp), ", \"udp\": ", n(udp),
             ", \"icmp\": ", n(icmp), ", \"other\": ", n(other), ", \"untracked_table_full\": ",
             n(untracked_table_full), ", \"ts_backwards\": ", n(ts_backwards), ", \"input_error\": ",
             json_string(input_error), ", \"stopped_by_signal\": ", stopped ? "true" : "false", "}");
}

std::string ReportSummary::format() const {
  std::string s = "weir report: " + std::to_string(packets_read) + " packets read (" + source + ")\n";
  s += "  decoded " + std::to_string(decode[0]) + ": tcp " + std::to_string(tcp) + ", udp " + std::to_string(udp) +
       ", icmp " + std::to_string(icmp) + ", other " + std::to_string(other) + ", outside --target " +
       std::to_string(outside_target) + "\n";
  s += "  filtered " + std::to_string(filtered);
  for (std::size_t i = 1; i < kNumDecodeOutcomes; ++i) {
    if (decode[i])
      s += ", " + std::string(decode_outcome_name(static_cast<DecodeOutcome>(i))) + " " + std::to_string(decode[i]);
  }
  s += "\n";
  if (untracked_table_full)
    s += "  connection table full: " + std::to_string(untracked_table_full) +
         " packets counted in the totals but in no connection (raise --max-conns)\n";
  if (ts_backwards) s += "  " + std::to_string(ts_backwards) + " packets older than their predecessor (read at the latest time)\n";
  char tail[96];
  std::snprintf(tail, sizeof tail, "  %llu intervals reported in %.2f s%s\n",
                static_cast<unsigned long long>(intervals), elapsed_s, stopped ? " (stopped by a signal)" : "");
  s += tail;
  if (!input_error.empty()) s += "  input error: " + input_error + "\n";
  return s;
}

Status run_report(const ReportJob& job, ReportSummary& sum) {
  sum = ReportSummary{};
  const auto t0 = std::chrono::steady_clock::now();
  std::unique_ptr<BpfFilter> filter;
  if (!job.filter.empty()) {
    if (Status s = BpfFilter::create(job.filter, filter); !s) return std::move(s).at(Origin::config);
  }
  CaptureSpec spec = job.capture;
  spec.queues = 1;  // one ordered stream
  spec.filter = job.filter;
  std::vector<std::unique_ptr<PacketSource>> sources;
  if (Status s = open_capture(spec, sources); !s) return std::move(s).at(Origin::input);
  if (sources.size() != 1)
    return {Errc::unsupported, Origin::config, "weir report reads one capture source, the backend opened " +
                                                   std::to_string(sources.size())};
  PacketSource& src = *sources.front();
  sum.source = src.describe();

  // Outputs are created before reading, so a bad path fails before any work.
  Output text_out, json_out;
  const bool text = job.text && job.json_path != "-";
  if (text) {
    if (Status s = text_out.open("-"); !s) return s;
  }
  if (!job.json_path.empty()) {
    if (Status s = json_out.open(job.json_path); !s) return s;
  }
  if (!job.plot_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(job.plot_dir, ec);
    if (ec || !std::filesystem::is_directory(job.plot_dir))
      return {Errc::io_error, Origin::output,
              "--plot: cannot create directory " + job.plot_dir + (ec ? ": " + ec.message() : "")};
  }

  FanOut fan;
  TextWriter tw(text_out, job.text_rows);
  std::unique_ptr<JsonWriter> jw;
  PlotCollector pc;
  if (text) fan.add(&tw);
  if (!job.json_path.empty()) {
    JsonRunInfo info;
    info.inputs = job.capture.files;
    info.interface = job.capture.interface;
    info.filter = job.filter;
    info.target = job.report.target.str();
    info.interval_ns = job.report.interval_ns;
    info.conn_timeout_ns = job.report.conn_timeout_ns;
    info.aligned = job.report.align_to_interval;
    jw = std::make_unique<JsonWriter>(json_out, info);
    fan.add(jw.get());
  }
  if (!job.plot_dir.empty()) fan.add(&pc);
  if (job.extra) fan.add(job.extra);

  Reporter rep(job.report, fan);
  Decoder decoder(DecodeConfig{});
  std::array<PacketView, kBurst> views;
  std::array<PacketMeta, kBurst> metas;
  uint64_t clock = 0;
  Progress progress(job.progress);
  uint64_t wire_bytes = 0;
  for (uint64_t bursts = 0;; ++bursts) {
    if (job.stop && job.stop->load(std::memory_order_relaxed)) {
      sum.stopped = true;
      break;
    }
    const RxResult r = src.rx_burst(views);
    uint32_t k = 0;
    for (uint32_t i = 0; i < r.n; ++i) {
      const PacketView& v = views[i];
      if (v.ts_ns > clock) clock = v.ts_ns;
      if (++sum.packets_read == 1) rep.advance(clock);  // intervals anchor at the first packet read
      wire_bytes += v.wire_len;
      if (filter && !filter->match(v)) {
        ++sum.filtered;
        continue;
      }
      PacketMeta& m = metas[k];
      const DecodeOutcome o = decoder.decode(v, clock, m);
      ++sum.decode[static_cast<std::size_t>(o)];
      if (o != DecodeOutcome::flow) continue;
      m.ts_ns = clock;
      ++k;
    }
    rep.process_burst(std::span<const PacketMeta>(metas.data(), k));
    if (r.status == RxStatus::timeout && src.live()) {
      const uint64_t now = wall_clock_ns();
      if (now > clock) clock = now;
    }
    if (sum.packets_read) rep.advance(clock);  // filtered/undecoded packets (or the wall clock) move time too
    if ((bursts & 63) == 0)
      progress.maybe_print(sum.packets_read, wire_bytes, rep.stats().live, src.bytes_read(), src.bytes_total());
    if (r.status == RxStatus::error) {
      sum.input_error = src.error().message;
      break;
    }
    if (r.status == RxStatus::end_of_file) break;
  }
  progress.clear();
  rep.finish();

  const ReporterStats& st = rep.stats();
  sum.outside_target = st.outside_target;
  sum.tcp = st.tcp;
  sum.udp = st.udp;
  sum.icmp = st.icmp;
  sum.other = st.other;
  sum.untracked_table_full = st.untracked_table_full;
  sum.intervals = rep.totals().intervals;
  sum.totals = rep.totals();
  sum.ts_backwards = src.stats().ts_backwards;
  sum.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  Status out_err;
  if (text) {
    tw.run_summary(rep);
    if (Status s = text_out.finish(); !s) out_err = s;
  }
  if (jw) {
    jw->end(rep, sum.to_json());
    if (Status s = json_out.finish(); !s && out_err) out_err = s;
  }
  if (!job.plot_dir.empty()) {
    if (Status s = write_plots(job.plot_dir, pc, rep); !s && out_err) out_err = s;
  }
  return out_err;
}

}  // namespace weir::report
