// SPDX-License-Identifier: Apache-2.0
#include "collector/stats.hpp"

#include <cstdio>

namespace weir {

namespace {

std::string version_name(uint16_t v) {
  switch (v) {
    case 5: return "NetFlow v5";
    case 9: return "NetFlow v9";
    case 10: return "IPFIX";
    default: return "unknown";
  }
}

void line(std::string& out, const char* fmt, auto... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  out += buf;
}

using ull = unsigned long long;

void counters_text(std::string& out, const DecodeCounters& c, const char* indent) {
  line(out, "%smessages %llu (%llu bytes), flow records %llu, options records %llu\n", indent,
       ull(c.messages), ull(c.bytes), ull(c.records), ull(c.options_records));
  if (c.templates || c.templates_changed || c.templates_withdrawn)
    line(out, "%stemplates %llu received, %llu changed, %llu withdrawn\n", indent, ull(c.templates),
         ull(c.templates_changed), ull(c.templates_withdrawn));
  if (c.sets_without_template)
    line(out,
         "%sdata sets before their template %llu: %llu decoded when it came, %llu dropped "
         "(template never came)\n",
         indent, ull(c.sets_without_template), ull(c.sets_decoded_late), ull(c.sets_dropped));
  if (c.sequence_lost || c.sequence_resets)
    line(out, "%ssequence: %llu lost (records for IPFIX and v5, messages for v9), %llu resets\n",
         indent, ull(c.sequence_lost), ull(c.sequence_resets));
  if (c.missing_init_time)
    line(out, "%s%llu records with sysUpTime times before any systemInitTime option record\n",
         indent, ull(c.missing_init_time));
  if (c.malformed_total()) {
    line(out, "%smalformed %llu:", indent, ull(c.malformed_total()));
    for (std::size_t i = 0; i < kNumMalformed; ++i)
      if (c.malformed[i])
        line(out, " %s=%llu", std::string(malformed_name(static_cast<Malformed>(i))).c_str(),
             ull(c.malformed[i]));
    out += "\n";
  }
}

void counters_json(std::string& out, const DecodeCounters& c) {
  line(out,
       "\"messages\": %llu, \"bytes\": %llu, \"records\": %llu, \"options_records\": %llu, "
       "\"templates\": %llu, \"templates_changed\": %llu, \"templates_withdrawn\": %llu, "
       "\"sets_without_template\": %llu, \"sets_decoded_late\": %llu, \"sets_dropped\": %llu, "
       "\"sequence_lost\": %llu, \"sequence_resets\": %llu, \"missing_init_time\": %llu, ",
       ull(c.messages), ull(c.bytes), ull(c.records), ull(c.options_records), ull(c.templates),
       ull(c.templates_changed), ull(c.templates_withdrawn), ull(c.sets_without_template),
       ull(c.sets_decoded_late), ull(c.sets_dropped), ull(c.sequence_lost), ull(c.sequence_resets),
       ull(c.missing_init_time));
  line(out, "\"malformed_total\": %llu, \"malformed\": {", ull(c.malformed_total()));
  for (std::size_t i = 0; i < kNumMalformed; ++i)
    line(out, "%s\"%s\": %llu", i ? ", " : "", std::string(malformed_name(static_cast<Malformed>(i))).c_str(),
         ull(c.malformed[i]));
  out += "}";
}

}  // namespace

std::string CollectorStats::format() const {
  std::string out = "weir collect summary\n";
  counters_text(out, total, "  ");
  line(out, "  socket drops (kernel receive queue full) %llu, TCP connections %llu\n", ull(socket_drops),
       ull(tcp_connections));
  for (const ExporterStats& e : exporters) {
    if (e.version == 0) {
      line(out, "  exporter %s (before any valid header)\n", e.address.c_str());
    } else {
      line(out, "  exporter %s %s %s %u\n", e.address.c_str(), version_name(e.version).c_str(),
           e.version == 10 ? "domain" : e.version == 9 ? "source id" : "engine", unsigned(e.domain));
    }
    counters_text(out, e.c, "    ");
  }
  return out;
}

std::string CollectorStats::to_json() const {
  std::string out = "{";
  counters_json(out, total);
  line(out, ", \"socket_drops\": %llu, \"tcp_connections\": %llu, \"exporters\": [", ull(socket_drops),
       ull(tcp_connections));
  for (std::size_t i = 0; i < exporters.size(); ++i) {
    const ExporterStats& e = exporters[i];
    line(out, "%s{\"address\": \"%s\", \"version\": %u, \"domain\": %u, ", i ? ", " : "", e.address.c_str(),
         unsigned(e.version), unsigned(e.domain));
    counters_json(out, e.c);
    out += "}";
  }
  out += "]}\n";
  return out;
}

}  // namespace weir
