// SPDX-License-Identifier: Apache-2.0
// The pictures of `weir report --plot DIR` (SVG, see svg_chart.hpp for why SVG):
//   duration_cdf.svg      CDF of finished-connection durations, all and per finish class
//   traffic.svg           packets, IP bytes and new TCP connections per interval
//   top_destinations.svg  the destinations with most connections, by how they finished
//   half_open.svg         half-open (and SYN-only) connections per interval
// PlotCollector is a ReportSink that keeps the few per-interval figures they need
// (a fixed-size record per reported interval, not the rows).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/common.hpp"
#include "report/reporter.hpp"

namespace weir::report {

class PlotCollector final : public ReportSink {
 public:
  struct Point {
    uint64_t index;
    uint64_t packets[4];   // tcp, udp, icmp, other
    uint64_t ip_bytes[4];
    uint64_t new_connections;
    uint64_t half_open;
    uint64_t syn_only;
    uint64_t ongoing;
  };
  void interval(const IntervalReport& r) override;
  const std::vector<Point>& points() const noexcept { return points_; }

 private:
  std::vector<Point> points_;
};

inline constexpr const char* kPlotFiles[] = {"duration_cdf.svg", "traffic.svg", "top_destinations.svg",
                                             "half_open.svg"};

// Each picture as SVG text.
std::string plot_duration_cdf(const Reporter& rep);
std::string plot_traffic(const PlotCollector& pc, const Reporter& rep);
std::string plot_top_destinations(const Reporter& rep, std::size_t top = 15);
std::string plot_half_open(const PlotCollector& pc, const Reporter& rep);

// Creates dir if needed and writes the four files (each under a temporary name, renamed
// when complete). Errors carry Origin::output.
Status write_plots(const std::string& dir, const PlotCollector& pc, const Reporter& rep);

}  // namespace weir::report
