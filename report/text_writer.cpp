// SPDX-License-Identifier: Apache-2.0
#include "report/text_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "report/format.hpp"

namespace weir::report {

namespace {

uint64_t activity(const DestRow& r) {
  uint64_t n = r.new_connections + r.ongoing + r.closing + r.half_open + r.syn_only;
  for (uint64_t f : r.finished) n += f;
  return n;
}

uint64_t sum(const std::array<uint64_t, kNumFinishClasses>& a) {
  uint64_t n = 0;
  for (uint64_t v : a) n += v;
  return n;
}

std::string fmt(const char* f, auto... args) {
  char buf[512];
  const int n = std::snprintf(buf, sizeof buf, f, args...);
  return std::string(buf, static_cast<std::size_t>(std::clamp(n, 0, static_cast<int>(sizeof buf) - 1)));
}

unsigned long long ull(uint64_t v) { return v; }

std::string durations_line(const DurationSummary& d) {
  if (d.count == 0) return "";
  return "  duration p50 " + seconds_fixed(d.p50_ns, 3) + " s  p90 " + seconds_fixed(d.p90_ns, 3) +
         " s  max " + seconds_fixed(d.max_ns, 3) + " s";
}

}  // namespace

void TextWriter::interval(const IntervalReport& r) {
  std::string s;
  if (r.index > skipped_from_) {
    s += fmt("(intervals %llu-%llu: no packets, no connections)\n", ull(skipped_from_), ull(r.index - 1));
  }
  skipped_from_ = r.index + 1;
  const uint64_t len = r.end_ns - r.start_ns;
  s += fmt("interval %llu  %s  +%s s .. +%s s%s\n", ull(r.index), iso_utc(r.start_ns).c_str(),
           seconds_exact(r.index * len).c_str(), seconds_exact((r.index + 1) * len).c_str(),
           r.final ? "  (end of input)" : "");
  const TcpTotals& t = r.tcp;
  s += fmt("  tcp   %12llu packets %14llu ip_bytes  %llu new  %llu ongoing  %llu closing  %llu half_open  %llu syn_only\n",
           ull(t.packets), ull(t.ip_bytes), ull(t.new_connections), ull(t.ongoing), ull(t.closing),
           ull(t.half_open), ull(t.syn_only));
  s += fmt("        finished %llu: rst %llu  fin_no_syn %llu  syn_fin %llu  timed_out %llu", ull(sum(t.finished)),
           ull(t.finished[0]), ull(t.finished[1]), ull(t.finished[2]), ull(t.finished[3]));
  s += durations_line(r.durations) + "\n";
  for (auto [name, f] : {std::pair{"udp ", &r.udp}, std::pair{"icmp", &r.icmp}}) {
    s += fmt("  %s  %12llu packets %14llu ip_bytes  %llu flows (%llu new)\n", name, ull(f->packets),
             ull(f->ip_bytes), ull(f->flows), ull(f->new_flows));
  }
  if (r.other.packets) {
    s += fmt("  other %12llu packets %14llu ip_bytes\n", ull(r.other.packets), ull(r.other.ip_bytes));
  }
  if (!r.rows.empty()) {
    order_.clear();
    for (const DestRow& row : r.rows) order_.push_back(&row);
    const bool cut = max_rows_ && order_.size() > max_rows_;
    if (cut) {
      std::stable_sort(order_.begin(), order_.end(), [](const DestRow* a, const DestRow* b) {
        if (a->half_open != b->half_open) return a->half_open > b->half_open;
        return activity(*a) > activity(*b);
      });
      order_.resize(max_rows_);
    }
    std::size_t w = 15;
    for (const DestRow* row : order_) w = std::max(w, address_text(row->dest).size());
    const int aw = static_cast<int>(w);
    s += fmt("  %-*s %5s %7s %7s %9s %8s %6s %6s %10s %7s %9s %8s %8s %8s\n", aw, "destination", "port",
             "ongoing", "closing", "half_open", "syn_only", "new", "rst", "fin_no_syn", "syn_fin",
             "timed_out", "p50_s", "p90_s", "max_s");
    for (const DestRow* row : order_) {
      const DestRow& x = *row;
      const DurationSummary& d = x.durations;
      const auto dur = [&](uint64_t ns) { return d.count ? seconds_fixed(ns, 3) : std::string("-"); };
      s += fmt("  %-*s %5u %7llu %7llu %9llu %8llu %6llu %6llu %10llu %7llu %9llu %8s %8s %8s\n", aw,
               address_text(x.dest).c_str(), unsigned{x.dest.port}, ull(x.ongoing), ull(x.closing),
               ull(x.half_open), ull(x.syn_only), ull(x.new_connections), ull(x.finished[0]),
               ull(x.finished[1]), ull(x.finished[2]), ull(x.finished[3]), dur(d.p50_ns).c_str(),
               dur(d.p90_ns).c_str(), dur(d.max_ns).c_str());
    }
    if (cut) {
      s += fmt("  ... %llu more destinations (--rows 0 lists all)\n", ull(r.rows.size() - max_rows_));
    }
  }
  s += '\n';
  out_.put(s);
  (void)out_.flush();  // sticky: the caller checks out_.error() at the end
}

void TextWriter::run_summary(const Reporter& rep) {
  const RunTotals& t = rep.totals();
  std::string s;
  if (t.first_packet_ns == 0 && t.intervals == 0) {
    out_.put("run: no packets\n");
    return;
  }
  s += fmt("run  %s .. %s  %llu intervals of %s s reported (%llu in the span)\n",
           iso_utc(t.first_packet_ns).c_str(), iso_utc(t.last_packet_ns).c_str(), ull(t.intervals),
           seconds_exact(rep.interval_ns()).c_str(), ull(t.interval_span));
  s += fmt("  tcp   %llu packets  %llu ip_bytes  %llu connections: rst %llu  fin_no_syn %llu  syn_fin %llu  timed_out %llu\n",
           ull(t.tcp.packets), ull(t.tcp.ip_bytes), ull(t.tcp.new_connections), ull(t.tcp.finished[0]),
           ull(t.tcp.finished[1]), ull(t.tcp.finished[2]), ull(t.tcp.finished[3]));
  s += fmt("        %llu half-open connections; peak per interval: ongoing %llu  half_open %llu  syn_only %llu\n",
           ull(t.half_open_connections), ull(t.tcp.ongoing), ull(t.tcp.half_open), ull(t.tcp.syn_only));
  const DurationHistogram& h = rep.durations();
  if (h.count()) {
    s += fmt("        durations: min %s s  p50 ~%s s  p90 ~%s s  max %s s  (~: within 3.1 %%)\n",
             seconds_fixed(h.min_ns(), 3).c_str(), seconds_fixed(h.quantile_ns(0.5), 3).c_str(),
             seconds_fixed(h.quantile_ns(0.9), 3).c_str(), seconds_fixed(h.max_ns(), 3).c_str());
  }
  s += fmt("  udp   %llu packets  %llu ip_bytes  %llu flows\n", ull(t.udp.packets), ull(t.udp.ip_bytes),
           ull(t.udp.flows));
  s += fmt("  icmp  %llu packets  %llu ip_bytes  %llu flows\n", ull(t.icmp.packets), ull(t.icmp.ip_bytes),
           ull(t.icmp.flows));
  if (t.other.packets) s += fmt("  other %llu packets  %llu ip_bytes\n", ull(t.other.packets), ull(t.other.ip_bytes));
  out_.put(s);
}

}  // namespace weir::report
