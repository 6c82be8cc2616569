// SPDX-License-Identifier: Apache-2.0
// SvgChart: just enough of a plotting library to draw `weir report`'s pictures as SVG
// text -- line/step panels with linear or log axes and legends, and stacked horizontal
// bar panels. Written directly (no dependency: weir stays one C++ binary, and the
// output is deterministic text a test can parse). Several panels share one canvas.
//
// Long series are thinned to at most four points per pixel column (first, min, max,
// last), so a picture stays small whatever the number of intervals and still shows
// every spike.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace weir::report {

struct Series {
  std::string name;   // legend text
  std::string color;  // CSS colour
  std::vector<std::pair<double, double>> points;  // data coordinates, x ascending
  double width = 1.5;
};

enum class AxisScale { linear, log10 };
enum class TickFormat { number, si, seconds };  // 1500 / 1.5k / "1 ms", "2 min"

struct AxisSpec {
  std::string label;
  AxisScale scale = AxisScale::linear;
  TickFormat format = TickFormat::number;
  double lo = 0, hi = 1;   // data range; widened to nice ticks (linear) or decades (log)
  bool fixed = false;      // keep lo/hi as given
};

struct LinePanel {
  std::string title;
  AxisSpec x, y;
  std::vector<Series> series;
  std::string note;  // small text under the title (empty = none)
};

struct BarStack {
  std::string label;          // left of the bar
  std::vector<double> values; // one per segment name
  std::string annotation;     // right of the bar
};

struct BarPanel {
  std::string title;
  std::string value_label;    // x axis label
  std::vector<std::string> segment_names;
  std::vector<std::string> segment_colors;
  std::vector<BarStack> bars;  // top to bottom
};

class SvgChart {
 public:
  SvgChart(int width, int height, const std::string& title);
  // Draws in the rectangle (x, y, w, h) of the canvas, axes and labels included.
  void line_panel(double x, double y, double w, double h, const LinePanel& p);
  void bar_panel(double x, double y, double w, double h, const BarPanel& p);
  void text(double x, double y, const std::string& s, int size = 12, const char* anchor = "start",
            bool bold = false);
  std::string finish();

 private:
  std::string s_;
};

// Tick positions for an axis (already widened); exposed for tests.
std::vector<double> axis_ticks(const AxisSpec& a);
std::string tick_text(double v, TickFormat f);
std::string xml_escape(const std::string& s);

}  // namespace weir::report
