// SPDX-License-Identifier: Apache-2.0
#include "report/json_writer.hpp"

#include <cstdio>

#include "report/format.hpp"

namespace weir::report {

namespace {

// Appends `"name": value` pairs; the caller writes braces.
class Obj {
 public:
  explicit Obj(std::string& s) : s_(s) {}
  Obj& raw(const char* name, const std::string& v) {
    if (!first_) s_ += ", ";
    first_ = false;
    s_ += '"';
    s_ += name;
    s_ += "\": ";
    s_ += v;
    return *this;
  }
  Obj& u(const char* name, uint64_t v) { return raw(name, std::to_string(v)); }
  Obj& b(const char* name, bool v) { return raw(name, v ? "true" : "false"); }
  Obj& secs(const char* name, uint64_t ns) { return raw(name, seconds_exact(ns)); }

 private:
  std::string& s_;
  bool first_ = true;
};

std::string finished_json(const std::array<uint64_t, kNumFinishClasses>& f) {
  std::string s = "{";
  Obj o(s);
  for (std::size_t i = 0; i < kNumFinishClasses; ++i) o.u(std::string(kFinishClassNames[i]).c_str(), f[i]);
  return s + "}";
}

std::string cdf_json(const std::vector<CdfPoint>& cdf) {
  std::string s = "[";
  for (std::size_t i = 0; i < cdf.size(); ++i) {
    if (i) s += ", ";
    s += '[';
    s += seconds_exact(cdf[i].duration_ns);
    s += ", ";
    s += number_text(cdf[i].fraction);
    s += ']';
  }
  return s + "]";
}

std::string mean_s(uint64_t sum_ns, uint64_t n) {
  return n ? number_text(static_cast<double>(sum_ns) / static_cast<double>(n) / 1e9) : "0";
}

std::string durations_json(const DurationSummary& d) {
  std::string s = "{";
  Obj(s).u("count", d.count).secs("min_s", d.min_ns).raw("mean_s", mean_s(d.sum_ns, d.count))
      .secs("p50_s", d.p50_ns).secs("p90_s", d.p90_ns).secs("max_s", d.max_ns).raw("cdf", cdf_json(d.cdf));
  return s + "}";
}

std::string dest_fields(const DestKey& k) {
  std::string s;
  Obj(s).raw("address", json_string(address_text(k))).u("port", k.port).u("ip_version", k.ip_version);
  return s;
}

std::string flow_json(const FlowTotals& f, bool interval) {
  std::string s = "{";
  Obj o(s);
  o.u("packets", f.packets).u("ip_bytes", f.ip_bytes).u("flows", f.flows);
  if (interval) o.u("new_flows", f.new_flows);
  return s + "}";
}

}  // namespace

std::string json_string(const std::string& in) {
  std::string s = "\"";
  for (unsigned char c : in) {
    switch (c) {
      case '"': s += "\\\""; break;
      case '\\': s += "\\\\"; break;
      case '\n': s += "\\n"; break;
      case '\r': s += "\\r"; break;
      case '\t': s += "\\t"; break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          s += b;
        } else {
          s += static_cast<char>(c);
        }
    }
  }
  return s + "\"";
}

JsonWriter::JsonWriter(Output& out, const JsonRunInfo& info) : out_(out) {
  std::string inputs = "[";
  for (std::size_t i = 0; i < info.inputs.size(); ++i) {
    if (i) inputs += ", ";
    inputs += json_string(info.inputs[i]);
  }
  inputs += "]";
  std::string s = "{\"weir_report\": ";
  s += std::to_string(kSchemaVersion);
  s += ",\n\"config\": {";
  Obj(s).raw("inputs", inputs).raw("interface", json_string(info.interface))
      .raw("filter", json_string(info.filter)).raw("target", json_string(info.target))
      .secs("interval_s", info.interval_ns).secs("conn_timeout_s", info.conn_timeout_ns)
      .raw("anchor", info.aligned ? "\"interval_multiple\"" : "\"first_packet\"");
  s += "},\n\"intervals\": [";
  out_.put(s);
}

void JsonWriter::interval(const IntervalReport& r) {
  std::string s = first_ ? "\n{" : ",\n{";
  first_ = false;
  const TcpTotals& t = r.tcp;
  std::string tcp = "{";
  Obj(tcp).u("packets", t.packets).u("ip_bytes", t.ip_bytes).u("new_connections", t.new_connections)
      .u("ongoing", t.ongoing).u("closing", t.closing).u("half_open", t.half_open).u("syn_only", t.syn_only)
      .raw("finished", finished_json(t.finished)).raw("durations", durations_json(r.durations));
  tcp += "}";
  std::string other = "{";
  Obj(other).u("packets", r.other.packets).u("ip_bytes", r.other.ip_bytes);
  other += "}";
  Obj(s).u("index", r.index).u("start_ns", r.start_ns).u("end_ns", r.end_ns)
      .raw("start", json_string(iso_utc(r.start_ns))).b("final", r.final).raw("tcp", tcp)
      .raw("udp", flow_json(r.udp, true)).raw("icmp", flow_json(r.icmp, true)).raw("other", other);
  s += ", \"destinations\": [";
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const DestRow& x = r.rows[i];
    s += i ? ",\n  {" : "\n  {";
    s += dest_fields(x.dest);
    s += ", ";
    Obj(s).u("ongoing", x.ongoing).u("closing", x.closing).u("half_open", x.half_open)
        .u("syn_only", x.syn_only).u("new_connections", x.new_connections).u("packets", x.packets)
        .u("ip_bytes", x.ip_bytes).raw("finished", finished_json(x.finished))
        .raw("durations", durations_json(x.durations));
    s += "}";
  }
  s += "]}";
  out_.put(s);
}

void JsonWriter::end(const Reporter& rep, const std::string& input_json) {
  const RunTotals& t = rep.totals();
  std::string s = "],\n\"totals\": {";
  std::string peak = "{";
  Obj(peak).u("ongoing", t.tcp.ongoing).u("closing", t.tcp.closing).u("half_open", t.tcp.half_open)
      .u("syn_only", t.tcp.syn_only);
  peak += "}";
  const DurationHistogram& h = rep.durations();
  std::string dur = "{";
  Obj(dur).u("count", h.count()).secs("min_s", h.min_ns()).raw("mean_s", mean_s(h.sum_ns(), h.count()))
      .secs("max_s", h.max_ns()).secs("p50_s_approx", h.quantile_ns(0.5))
      .secs("p90_s_approx", h.quantile_ns(0.9)).secs("p99_s_approx", h.quantile_ns(0.99))
      .raw("cdf_approx", cdf_json(h.cdf()));
  dur += "}";
  std::string by_class = "{";
  {
    Obj o(by_class);
    for (std::size_t i = 0; i < kNumFinishClasses; ++i) {
      const DurationHistogram& c = rep.durations(static_cast<FinishClass>(i));
      std::string one = "{";
      Obj(one).u("count", c.count()).secs("min_s", c.min_ns()).raw("mean_s", mean_s(c.sum_ns(), c.count()))
          .secs("max_s", c.max_ns());
      o.raw(std::string(kFinishClassNames[i]).c_str(), one + "}");
    }
  }
  by_class += "}";
  std::string tcp = "{";
  Obj(tcp).u("packets", t.tcp.packets).u("ip_bytes", t.tcp.ip_bytes).u("connections", t.tcp.new_connections)
      .raw("finished", finished_json(t.tcp.finished)).u("half_open_connections", t.half_open_connections)
      .raw("peak_per_interval", peak).raw("durations", dur).raw("durations_by_class", by_class);
  tcp += "}";
  std::string other = "{";
  Obj(other).u("packets", t.other.packets).u("ip_bytes", t.other.ip_bytes);
  other += "}";
  Obj(s).u("anchor_ns", t.anchor_ns).u("first_packet_ns", t.first_packet_ns).u("last_packet_ns", t.last_packet_ns)
      .u("intervals", t.intervals).u("interval_span", t.interval_span).raw("tcp", tcp)
      .raw("udp", flow_json(t.udp, false)).raw("icmp", flow_json(t.icmp, false)).raw("other", other);
  s += "},\n\"destinations\": [";
  const std::vector<DestRunRow> dests = rep.destinations();
  for (std::size_t i = 0; i < dests.size(); ++i) {
    const DestRunRow& d = dests[i];
    s += i ? ",\n  {" : "\n  {";
    s += dest_fields(d.dest);
    s += ", ";
    Obj(s).u("connections", d.new_connections).u("packets", d.packets).u("ip_bytes", d.ip_bytes)
        .u("half_open_connections", d.half_open_connections).raw("finished", finished_json(d.finished))
        .u("duration_count", d.duration_count).secs("duration_min_s", d.duration_min_ns)
        .raw("duration_mean_s", mean_s(d.duration_sum_ns, d.duration_count))
        .secs("duration_max_s", d.duration_max_ns);
    s += "}";
    if (s.size() > (1u << 16)) {
      out_.put(s);
      s.clear();
    }
  }
  s += "],\n\"input\": " + input_json + "}\n";
  out_.put(s);
}

}  // namespace weir::report
