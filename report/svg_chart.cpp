// SPDX-License-Identifier: Apache-2.0
#include "report/svg_chart.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace weir::report {

namespace {

constexpr const char* kAxisColor = "#333";
constexpr const char* kGridColor = "#ddd";

std::string num(double v) {  // pixel coordinates: one decimal is plenty
  char b[32];
  std::snprintf(b, sizeof b, "%.1f", v);
  return b;
}

double nice_step(double span) {
  if (!(span > 0)) return 1;
  const double e = std::floor(std::log10(span));
  const double f = span / std::pow(10.0, e);
  const double n = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return n * std::pow(10.0, e);
}

// Widens the range to whole ticks (linear) or whole decades (log).
AxisSpec widened(AxisSpec a) {
  if (a.scale == AxisScale::log10) {
    a.lo = a.lo > 0 ? a.lo : 1e-6;
    a.hi = std::max(a.hi, a.lo);
    if (a.fixed) return a;
    a.lo = std::pow(10.0, std::floor(std::log10(a.lo)));
    a.hi = std::pow(10.0, std::ceil(std::log10(a.hi)));
    if (a.hi <= a.lo) a.hi = a.lo * 10;
    return a;
  }
  if (!(a.hi > a.lo)) a.hi = a.lo + 1;
  if (a.fixed) return a;
  const double step = nice_step((a.hi - a.lo) / 5);
  a.lo = std::floor(a.lo / step) * step;
  a.hi = std::ceil(a.hi / step) * step;
  return a;
}

// Data value -> fraction of the axis [0, 1], clamped.
double frac(const AxisSpec& a, double v) {
  double f;
  if (a.scale == AxisScale::log10) {
    v = std::max(v, a.lo);
    f = (std::log10(v) - std::log10(a.lo)) / (std::log10(a.hi) - std::log10(a.lo));
  } else {
    f = (v - a.lo) / (a.hi - a.lo);
  }
  return std::clamp(f, 0.0, 1.0);
}

std::string trim_g(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.3g", v);
  return b;
}

// Keeps, per pixel column, the first, lowest, highest and last point (in their order).
std::vector<std::pair<double, double>> thin(const std::vector<std::pair<double, double>>& px) {
  if (px.size() <= 8) return px;
  std::vector<std::pair<double, double>> out;
  std::size_t i = 0;
  while (i < px.size()) {
    std::size_t j = i;
    const double col = std::floor(px[i].first);
    std::size_t lo = i, hi = i;
    while (j < px.size() && std::floor(px[j].first) == col) {
      if (px[j].second < px[lo].second) lo = j;
      if (px[j].second > px[hi].second) hi = j;
      ++j;
    }
    std::size_t keep[4] = {i, lo, hi, j - 1};
    std::sort(keep, keep + 4);
    for (int k = 0; k < 4; ++k)
      if (k == 0 || keep[k] != keep[k - 1]) out.push_back(px[keep[k]]);
    i = j;
  }
  return out;
}

}  // namespace

std::string xml_escape(const std::string& in) {
  std::string s;
  for (char c : in) {
    switch (c) {
      case '&': s += "&amp;"; break;
      case '<': s += "&lt;"; break;
      case '>': s += "&gt;"; break;
      case '"': s += "&quot;"; break;
      default: s += c;
    }
  }
  return s;
}

std::vector<double> axis_ticks(const AxisSpec& in) {
  const AxisSpec a = widened(in);
  std::vector<double> t;
  if (a.scale == AxisScale::log10) {
    const int d0 = static_cast<int>(std::lround(std::log10(a.lo)));
    const int d1 = static_cast<int>(std::lround(std::log10(a.hi)));
    const int every = d1 - d0 > 10 ? 2 : 1;
    for (int d = d0; d <= d1; d += every) t.push_back(std::pow(10.0, d));
    return t;
  }
  const double step = nice_step((a.hi - a.lo) / 5);
  const double first = std::ceil(a.lo / step - 1e-9) * step;
  for (double v = first; v <= a.hi + step * 1e-9; v += step) t.push_back(std::abs(v) < step * 1e-9 ? 0 : v);
  return t;
}

std::string tick_text(double v, TickFormat f) {
  switch (f) {
    case TickFormat::si: {
      const char* suffix[] = {"", "k", "M", "G", "T", "P"};
      int k = 0;
      double x = v;
      while (std::abs(x) >= 1000 && k < 5) {
        x /= 1000;
        ++k;
      }
      return trim_g(x) + suffix[k];
    }
    case TickFormat::seconds:
      if (v == 0) return "0";
      if (v < 1e-3) return trim_g(v * 1e6) + " µs";
      if (v < 1) return trim_g(v * 1e3) + " ms";
      if (v < 120) return trim_g(v) + " s";
      if (v < 7200) return trim_g(v / 60) + " min";
      return trim_g(v / 3600) + " h";
    case TickFormat::number:
    default:
      if (std::abs(v) < 1e15 && v == std::floor(v)) {
        char b[32];
        std::snprintf(b, sizeof b, "%.0f", v);
        return b;
      }
      return trim_g(v);
  }
}

SvgChart::SvgChart(int width, int height, const std::string& title) {
  s_ = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
       std::to_string(width) + "\" height=\"" + std::to_string(height) + "\" viewBox=\"0 0 " +
       std::to_string(width) + " " + std::to_string(height) +
       "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n<title>" + xml_escape(title) +
       "</title>\n<rect x=\"0\" y=\"0\" width=\"" + std::to_string(width) + "\" height=\"" +
       std::to_string(height) + "\" fill=\"white\"/>\n";
}

void SvgChart::text(double x, double y, const std::string& t, int size, const char* anchor, bool bold) {
  s_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + std::to_string(size) +
        "\" text-anchor=\"" + anchor + "\"" + (bold ? " font-weight=\"bold\"" : "") + ">" + xml_escape(t) +
        "</text>\n";
}

void SvgChart::line_panel(double x, double y, double w, double h, const LinePanel& p) {
  const AxisSpec ax = widened(p.x), ay = widened(p.y);
  const double l = x + 72, r = x + w - 16, t = y + (p.note.empty() ? 28 : 42), b = y + h - 44;
  text(x + w / 2, y + 16, p.title, 14, "middle", true);
  if (!p.note.empty()) text(x + w / 2, y + 32, p.note, 11, "middle");
  const auto px = [&](double v) { return l + frac(ax, v) * (r - l); };
  const auto py = [&](double v) { return b - frac(ay, v) * (b - t); };
  // Grid, ticks and labels.
  for (double v : axis_ticks(p.y)) {
    s_ += "<line x1=\"" + num(l) + "\" y1=\"" + num(py(v)) + "\" x2=\"" + num(r) + "\" y2=\"" + num(py(v)) +
          "\" stroke=\"" + kGridColor + "\"/>\n";
    text(l - 6, py(v) + 4, tick_text(v, p.y.format), 11, "end");
  }
  for (double v : axis_ticks(p.x)) {
    s_ += "<line x1=\"" + num(px(v)) + "\" y1=\"" + num(t) + "\" x2=\"" + num(px(v)) + "\" y2=\"" + num(b) +
          "\" stroke=\"" + kGridColor + "\"/>\n";
    text(px(v), b + 16, tick_text(v, p.x.format), 11, "middle");
  }
  s_ += "<rect x=\"" + num(l) + "\" y=\"" + num(t) + "\" width=\"" + num(r - l) + "\" height=\"" + num(b - t) +
        "\" fill=\"none\" stroke=\"" + kAxisColor + "\"/>\n";
  text((l + r) / 2, b + 36, p.x.label, 12, "middle");
  s_ += "<text x=\"" + num(x + 14) + "\" y=\"" + num((t + b) / 2) +
        "\" font-size=\"12\" text-anchor=\"middle\" transform=\"rotate(-90 " + num(x + 14) + " " +
        num((t + b) / 2) + ")\">" + xml_escape(p.y.label) + "</text>\n";
  // Series.
  for (const Series& sr : p.series) {
    std::vector<std::pair<double, double>> pts;
    pts.reserve(sr.points.size());
    for (const auto& [vx, vy] : sr.points) pts.emplace_back(px(vx), py(vy));
    pts = thin(pts);
    if (pts.empty()) continue;
    s_ += "<polyline fill=\"none\" stroke=\"" + sr.color + "\" stroke-width=\"" + num(sr.width) +
          "\" stroke-linejoin=\"round\" points=\"";
    for (std::size_t i = 0; i < pts.size(); ++i) {
      if (i) s_ += ' ';
      s_ += num(pts[i].first) + "," + num(pts[i].second);
    }
    s_ += "\"/>\n";
  }
  // Legend, top left inside the plot.
  if (p.series.size() > 1 || (p.series.size() == 1 && !p.series[0].name.empty())) {
    std::size_t longest = 0;
    for (const Series& sr : p.series) longest = std::max(longest, sr.name.size());
    const double lw = 34 + 6.5 * static_cast<double>(longest), lh = 6 + 16.0 * static_cast<double>(p.series.size());
    s_ += "<rect x=\"" + num(l + 8) + "\" y=\"" + num(t + 8) + "\" width=\"" + num(lw) + "\" height=\"" + num(lh) +
          "\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n";
    for (std::size_t i = 0; i < p.series.size(); ++i) {
      const double ly = t + 8 + 14 + 16.0 * static_cast<double>(i);
      s_ += "<line x1=\"" + num(l + 14) + "\" y1=\"" + num(ly - 4) + "\" x2=\"" + num(l + 34) + "\" y2=\"" +
            num(ly - 4) + "\" stroke=\"" + p.series[i].color + "\" stroke-width=\"3\"/>\n";
      text(l + 38, ly, p.series[i].name, 11);
    }
  }
}

void SvgChart::bar_panel(double x, double y, double w, double h, const BarPanel& p) {
  std::size_t longest = 4;
  for (const BarStack& bs : p.bars) longest = std::max(longest, bs.label.size());
  const double l = x + std::min(300.0, 12 + 6.6 * static_cast<double>(longest));
  const double r = x + w - 150, t = y + 52, b = y + h - 44;
  text(x + w / 2, y + 16, p.title, 14, "middle", true);
  // Legend in one row under the title.
  double lx = l;
  for (std::size_t i = 0; i < p.segment_names.size(); ++i) {
    s_ += "<rect x=\"" + num(lx) + "\" y=\"" + num(y + 28) + "\" width=\"12\" height=\"12\" fill=\"" +
          p.segment_colors[i] + "\"/>\n";
    text(lx + 16, y + 38, p.segment_names[i], 11);
    lx += 28 + 6.5 * static_cast<double>(p.segment_names[i].size());
  }
  double max_total = 0;
  for (const BarStack& bs : p.bars) {
    double tot = 0;
    for (double v : bs.values) tot += v;
    max_total = std::max(max_total, tot);
  }
  AxisSpec ax;
  ax.hi = max_total > 0 ? max_total : 1;
  const AxisSpec wx = widened(ax);
  const auto px = [&](double v) { return l + frac(wx, v) * (r - l); };
  for (double v : axis_ticks(ax)) {
    s_ += "<line x1=\"" + num(px(v)) + "\" y1=\"" + num(t) + "\" x2=\"" + num(px(v)) + "\" y2=\"" + num(b) +
          "\" stroke=\"" + kGridColor + "\"/>\n";
    text(px(v), b + 16, tick_text(v, TickFormat::si), 11, "middle");
  }
  text((l + r) / 2, b + 36, p.value_label, 12, "middle");
  if (p.bars.empty()) {
    text((l + r) / 2, (t + b) / 2, "no connections", 13, "middle");
    return;
  }
  const double slot = (b - t) / static_cast<double>(p.bars.size());
  const double bh = std::min(22.0, slot * 0.75);
  for (std::size_t i = 0; i < p.bars.size(); ++i) {
    const BarStack& bs = p.bars[i];
    const double cy = t + slot * (static_cast<double>(i) + 0.5);
    text(l - 6, cy + 4, bs.label, 11, "end");
    double acc = 0;
    for (std::size_t k = 0; k < bs.values.size() && k < p.segment_colors.size(); ++k) {
      if (bs.values[k] <= 0) continue;
      const double x0 = px(acc), x1 = px(acc + bs.values[k]);
      s_ += "<rect x=\"" + num(x0) + "\" y=\"" + num(cy - bh / 2) + "\" width=\"" + num(std::max(x1 - x0, 0.5)) +
            "\" height=\"" + num(bh) + "\" fill=\"" + p.segment_colors[k] + "\"/>\n";
      acc += bs.values[k];
    }
    text(px(acc) + 6, cy + 4, bs.annotation, 11);
  }
  s_ += "<line x1=\"" + num(l) + "\" y1=\"" + num(t) + "\" x2=\"" + num(l) + "\" y2=\"" + num(b) + "\" stroke=\"" +
        kAxisColor + "\"/>\n";
}

std::string SvgChart::finish() {
  s_ += "</svg>\n";
  return std::move(s_);
}

}  // namespace weir::report
