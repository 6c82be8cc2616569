// SPDX-License-Identifier: Apache-2.0
#include "report/plots.hpp"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "report/format.hpp"
#include "report/output.hpp"
#include "report/svg_chart.hpp"

namespace weir::report {

namespace {

constexpr const char* kProtoColors[4] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#7f7f7f"};
constexpr const char* kProtoNames[4] = {"tcp", "udp", "icmp", "other"};
constexpr const char* kClassColors[kNumFinishClasses] = {"#d62728", "#9467bd", "#2ca02c", "#8c564b"};

using Point = PlotCollector::Point;

// Per-interval values as a step line over trace time (seconds since the anchor);
// intervals that were not reported (nothing in them) are drawn as zero.
template <typename F>
std::vector<std::pair<double, double>> steps(const std::vector<Point>& pts, double interval_s, F value) {
  std::vector<std::pair<double, double>> out;
  out.reserve(pts.size() * 2 + 2);
  uint64_t expect = 0;
  for (const Point& p : pts) {
    if (p.index > expect) {  // a gap: zero from the last reported interval's end
      out.emplace_back(static_cast<double>(expect) * interval_s, 0);
      out.emplace_back(static_cast<double>(p.index) * interval_s, 0);
    }
    const auto v = static_cast<double>(value(p));
    out.emplace_back(static_cast<double>(p.index) * interval_s, v);
    out.emplace_back(static_cast<double>(p.index + 1) * interval_s, v);
    expect = p.index + 1;
  }
  return out;
}

double max_y(const std::vector<Series>& ss) {
  double m = 0;
  for (const Series& s : ss)
    for (const auto& pt : s.points) m = std::max(m, pt.second);
  return m;
}

AxisSpec time_axis(const Reporter& rep) {
  AxisSpec x;
  const RunTotals& t = rep.totals();
  x.label = "trace time since " + iso_utc(t.anchor_ns) + " (s)";
  x.format = TickFormat::si;
  x.lo = 0;
  x.hi = static_cast<double>(std::max<uint64_t>(t.interval_span, 1)) * static_cast<double>(rep.interval_ns()) / 1e9;
  return x;
}

std::string interval_note(const Reporter& rep) {
  return "one step per interval of " + seconds_exact(rep.interval_ns()) + " s of trace time";
}

}  // namespace

void PlotCollector::interval(const IntervalReport& r) {
  Point p{};
  p.index = r.index;
  const uint64_t pk[4] = {r.tcp.packets, r.udp.packets, r.icmp.packets, r.other.packets};
  const uint64_t by[4] = {r.tcp.ip_bytes, r.udp.ip_bytes, r.icmp.ip_bytes, r.other.ip_bytes};
  std::copy(pk, pk + 4, p.packets);
  std::copy(by, by + 4, p.ip_bytes);
  p.new_connections = r.tcp.new_connections;
  p.half_open = r.tcp.half_open;
  p.syn_only = r.tcp.syn_only;
  p.ongoing = r.tcp.ongoing;
  points_.push_back(p);
}

std::string plot_duration_cdf(const Reporter& rep) {
  SvgChart c(900, 520, "weir report: durations of finished TCP connections");
  LinePanel p;
  p.title = "Durations of finished TCP connections (CDF)";
  p.note = "fraction of connections that lasted at most x (first to last packet); under 1 µs at the left edge";
  p.x.label = "duration";
  p.x.scale = AxisScale::log10;
  p.x.format = TickFormat::seconds;
  p.y.label = "fraction of connections";
  p.y.lo = 0;
  p.y.hi = 1;
  p.y.fixed = true;
  const auto add = [&](const DurationHistogram& h, const std::string& name, const char* color, double width) {
    if (h.count() == 0) return;
    Series s;
    s.name = name + " (n=" + std::to_string(h.count()) + ")";
    s.color = color;
    s.width = width;
    double prev = 0;
    s.points.emplace_back(1e-9, 0);
    for (const CdfPoint& pt : h.cdf()) {
      const double x = static_cast<double>(pt.duration_ns) / 1e9;
      s.points.emplace_back(x, prev);
      s.points.emplace_back(x, pt.fraction);
      prev = pt.fraction;
    }
    p.series.push_back(std::move(s));
  };
  const DurationHistogram& all = rep.durations();
  add(all, "all", "#000000", 2.5);
  for (std::size_t i = 0; i < kNumFinishClasses; ++i)
    add(rep.durations(static_cast<FinishClass>(i)), std::string(kFinishClassNames[i]), kClassColors[i], 1.5);
  p.x.lo = 1e-6;
  p.x.hi = std::max(1e-3, static_cast<double>(all.max_ns() + 1) / 1e9);
  c.line_panel(0, 0, 900, 520, p);
  if (all.count() == 0) c.text(450, 260, "no finished connections", 14, "middle");
  return c.finish();
}

std::string plot_traffic(const PlotCollector& pc, const Reporter& rep) {
  SvgChart c(900, 780, "weir report: traffic per interval");
  const double is = static_cast<double>(rep.interval_ns()) / 1e9;
  const std::vector<Point>& pts = pc.points();
  for (int panel = 0; panel < 3; ++panel) {
    LinePanel p;
    p.x = time_axis(rep);
    p.y.format = TickFormat::si;
    if (panel < 2) {
      p.title = panel == 0 ? "Packets per interval" : "IP bytes per interval";
      p.y.label = panel == 0 ? "packets" : "IP bytes";
      for (int k = 0; k < 4; ++k) {
        Series s;
        s.name = kProtoNames[k];
        s.color = kProtoColors[k];
        s.points = steps(pts, is, [&](const Point& x) { return panel == 0 ? x.packets[k] : x.ip_bytes[k]; });
        p.series.push_back(std::move(s));
      }
    } else {
      p.title = "New TCP connections per interval";
      p.note = interval_note(rep);
      p.y.label = "connections";
      Series s;
      s.name = "new connections";
      s.color = kProtoColors[0];
      s.points = steps(pts, is, [](const Point& x) { return x.new_connections; });
      p.series.push_back(std::move(s));
    }
    p.y.hi = std::max(1.0, max_y(p.series));
    c.line_panel(0, 260.0 * panel, 900, 260, p);
  }
  return c.finish();
}

std::string plot_top_destinations(const Reporter& rep, std::size_t top) {
  std::vector<DestRunRow> d = rep.destinations();
  std::stable_sort(d.begin(), d.end(), [](const DestRunRow& a, const DestRunRow& b) {
    return a.new_connections > b.new_connections;
  });
  d.erase(std::remove_if(d.begin(), d.end(), [](const DestRunRow& r) { return r.new_connections == 0; }), d.end());
  if (d.size() > top) d.resize(top);
  BarPanel p;
  p.title = "Top destinations by TCP connections, by how they finished";
  p.value_label = "connections over the run";
  for (std::size_t i = 0; i < kNumFinishClasses; ++i) {
    p.segment_names.emplace_back(kFinishClassNames[i]);
    p.segment_colors.emplace_back(kClassColors[i]);
  }
  for (const DestRunRow& r : d) {
    BarStack b;
    b.label = endpoint_text(r.dest);
    for (uint64_t f : r.finished) b.values.push_back(static_cast<double>(f));
    b.annotation = tick_text(static_cast<double>(r.new_connections), TickFormat::si) + " conn, " +
                   tick_text(static_cast<double>(r.packets), TickFormat::si) + " pkts";
    p.bars.push_back(std::move(b));
  }
  const int h = 120 + 28 * static_cast<int>(std::max<std::size_t>(d.size(), 4));
  SvgChart c(900, h, "weir report: top destinations");
  c.bar_panel(0, 0, 900, h, p);
  return c.finish();
}

std::string plot_half_open(const PlotCollector& pc, const Reporter& rep) {
  SvgChart c(900, 420, "weir report: half-open connections");
  const double is = static_cast<double>(rep.interval_ns()) / 1e9;
  LinePanel p;
  p.title = "Half-open TCP connections per interval";
  p.note = "half_open: SYN and SYN-ACK seen, no ACK/data (at the interval's end, or timed out so); " + interval_note(rep);
  p.x = time_axis(rep);
  p.y.label = "connections";
  p.y.format = TickFormat::si;
  Series h{"half_open", "#d62728", steps(pc.points(), is, [](const Point& x) { return x.half_open; }), 2};
  Series s{"syn_only (no answer yet)", "#ff7f0e", steps(pc.points(), is, [](const Point& x) { return x.syn_only; }), 1.5};
  p.series.push_back(std::move(h));
  p.series.push_back(std::move(s));
  p.y.hi = std::max(1.0, max_y(p.series));
  c.line_panel(0, 0, 900, 420, p);
  return c.finish();
}

Status write_plots(const std::string& dir, const PlotCollector& pc, const Reporter& rep) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return {Errc::io_error, Origin::output, "--plot: cannot create " + dir + ": " + ec.message()};
  const std::string svgs[4] = {plot_duration_cdf(rep), plot_traffic(pc, rep), plot_top_destinations(rep),
                               plot_half_open(pc, rep)};
  for (int i = 0; i < 4; ++i) {
    Output o;
    if (Status s = o.open((std::filesystem::path(dir) / kPlotFiles[i]).string()); !s) return s;
    o.put(svgs[i]);
    if (Status s = o.finish(); !s) return s;
  }
  return Status::ok();
}

}  // namespace weir::report
