// SPDX-License-Identifier: Apache-2.0
#include "engine/summary.hpp"

// GCC 12 at -O3 reports a false -Wrestrict inside std::string operator+ (GCC bug
// 105329); this file only concatenates strings for the end-of-run report.
#pragma GCC diagnostic ignored "-Wrestrict"

#include <cstdio>

namespace weir {

namespace {

std::string grouped(uint64_t v) {
  // Built forwards (not with insert(), which trips GCC 12's -Wrestrict false positive).
  const std::string d = std::to_string(v);
  std::string s;
  s.reserve(d.size() + d.size() / 3);
  for (std::size_t i = 0; i < d.size(); ++i) {
    if (i && (d.size() - i) % 3 == 0) s += ',';
    s += d[i];
  }
  return s;
}

}  // namespace

std::string RunSummary::format() const {
  std::string o;
  char line[256];
  const double mpps = elapsed_s > 0 ? static_cast<double>(packets_read) / elapsed_s / 1e6 : 0.0;
  const double gbps = elapsed_s > 0 ? static_cast<double>(wire_bytes_read) * 8 / elapsed_s / 1e9 : 0.0;
  const char* layout = per_queue      ? " (one per queue, run to completion)"
                       : split_reader ? ", each reading a share of the file"
                       : reader_thread ? " + reader thread"
                                       : " (one thread)";
  std::snprintf(line, sizeof line, "weir: %s packets, %s bytes %s in %.3f s (%.2f Mpps, %.2f Gbps), %u worker%s%s%s\n",
                grouped(packets_read).c_str(), grouped(wire_bytes_read).c_str(), live ? "received" : "read",
                elapsed_s, mpps, gbps, workers, workers == 1 ? "" : "s", layout,
                interrupted ? ", stopped by signal" : "");
  o += line;
  if (live) {
    o += "  lost before weir: " + grouped(kernel_drops) + " dropped by the kernel/NIC, " +
         grouped(interface_drops) + " by the interface; dropped inside weir: " + grouped(weir_drops) + "\n";
  }
  for (std::size_t q = 0; q < queues.size() && queues.size() > 1; ++q) {
    const QueueSummary& qs = queues[q];
    o += "  queue " + std::to_string(q) + ": received " + grouped(qs.packets_received) + ", metered " +
         grouped(qs.packets_metered) + ", not metered " + grouped(qs.packets_not_metered) + ", records " +
         grouped(qs.records) + (live ? ", kernel drops " + grouped(qs.kernel_drops) : std::string()) + "\n";
  }
  o += "  metered:       " + grouped(packets_metered) + " packets into " + grouped(records_total) +
       " records (" + grouped(records_written) + " written)\n";
  o += "  not metered:   " + grouped(not_metered()) + " packets";
  std::string reasons;
  if (filtered) reasons += " filtered " + grouped(filtered) + ",";
  for (std::size_t i = 1; i < decode.size(); ++i) {
    if (decode[i]) {
      reasons += " " + std::string(decode_outcome_name(static_cast<DecodeOutcome>(i))) + " " +
                 grouped(decode[i]) + ",";
    }
  }
  if (!reasons.empty()) {
    reasons.pop_back();
    o += " (" + reasons.substr(1) + ")";
  }
  o += "\n  records by end reason:";
  for (std::size_t i = 0; i < records.size(); ++i) {
    o += " " + std::string(end_reason_name(static_cast<EndReason>(i))) + " " + grouped(records[i]);
    if (i + 1 < records.size()) o += ",";
  }
  o += "\n";
  if (fragments_attributed || caplen_over_wire || ts_backwards || ip_len_from_frame) {
    o += "  notes: " + grouped(fragments_attributed) + " fragments attributed to their flow, " +
         grouped(caplen_over_wire) + " records with caplen > wire length, " + grouped(ts_backwards) +
         " timestamps going backwards (clamped), " + grouped(ip_len_from_frame) +
         " IPv4 packets with total length 0 (TSO/GSO) measured by their frame\n";
  }
  o += "  peak live flows: " + grouped(peak_live_flows) + "\n";
  o += std::string(live ? "  conservation:  packets received = metered + not metered: "
                        : "  conservation:  packets read = metered + not metered: ") + grouped(packets_read) +
       " = " + grouped(packets_metered) + " + " + grouped(not_metered()) +
       (conserved() ? "  ok\n" : "  MISMATCH\n");
  if (!input_error.empty()) o += "  input error:   " + input_error + "\n";
  if (!output_error.empty()) o += "  output error:  " + output_error + "\n";
  for (std::size_t at = 0; at < not_exported_notes.size();) {
    const std::size_t nl = not_exported_notes.find('\n', at);
    o += "  not exported:  " + not_exported_notes.substr(at, nl - at) + "\n";
    at = nl == std::string::npos ? not_exported_notes.size() : nl + 1;
  }
  return o;
}

}  // namespace weir

namespace weir {

namespace {
// A JSON string literal (RFC 8259 escapes), or null for an empty message.
std::string json_string_or_null(const std::string& s) {
  if (s.empty()) return "null";
  std::string o = "\"";
  for (const unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += static_cast<char>(c);
    } else if (c < 0x20) {
      char u[8];
      std::snprintf(u, sizeof u, "\\u%04x", c);
      o += u;
    } else {
      o += static_cast<char>(c);
    }
  }
  return o + "\"";
}
}  // namespace

std::string RunSummary::stats_line() const {
  // One line, fixed fields, for a log: received, lost before weir, metered, not metered,
  // live flows, records written, then per queue received/kernel drops.
  uint64_t live_flows = 0;
  for (const QueueSummary& q : queues) live_flows += q.live_flows;
  char t[32];
  std::snprintf(t, sizeof t, "%.1f", elapsed_s);
  std::string o = std::string("weir stats: ") + t + " s  received " + grouped(packets_read) + "  kernel_drops " + grouped(kernel_drops) +
                  "  if_drops " + grouped(interface_drops) + "  weir_drops " + grouped(weir_drops) +
                  "  metered " + grouped(packets_metered) + "  not_metered " + grouped(not_metered());
  std::string reasons;
  if (filtered) reasons += "filtered=" + std::to_string(filtered) + ",";
  for (std::size_t i = 1; i < decode.size(); ++i) {
    if (decode[i]) reasons += std::string(decode_outcome_name(static_cast<DecodeOutcome>(i))) + "=" +
                              std::to_string(decode[i]) + ",";
  }
  if (!reasons.empty()) {
    reasons.pop_back();
    o += " (" + reasons + ")";
  }
  o += "  live_flows " + grouped(live_flows) + "  records_written " + grouped(records_written);
  if (queues.size() > 1) {
    for (std::size_t q = 0; q < queues.size(); ++q) {
      o += "  q" + std::to_string(q) + " " + grouped(queues[q].packets_received) + "/" +
           grouped(queues[q].kernel_drops);
    }
  }
  return o + "\n";
}

std::string RunSummary::to_json() const {
  std::string j = "{\n";
  auto num = [&j](const char* k, uint64_t v, bool comma = true) {
    j += std::string("  \"") + k + "\": " + std::to_string(v) + (comma ? ",\n" : "\n");
  };
  num("packets_read", packets_read);
  num("wire_bytes_read", wire_bytes_read);
  num("packets_metered", packets_metered);
  num("packets_not_metered", not_metered());
  j += "  \"not_metered\": {\"filtered\": " + std::to_string(filtered);
  for (std::size_t i = 1; i < decode.size(); ++i) {
    j += ", \"" + std::string(decode_outcome_name(static_cast<DecodeOutcome>(i))) + "\": " + std::to_string(decode[i]);
  }
  j += "},\n  \"records\": {";
  for (std::size_t i = 0; i < records.size(); ++i) {
    j += std::string(i ? ", " : "") + "\"" + std::string(end_reason_name(static_cast<EndReason>(i))) +
         "\": " + std::to_string(records[i]);
  }
  j += "},\n";
  num("records_total", records_total);
  num("records_written", records_written);
  num("peak_live_flows", peak_live_flows);
  num("workers", workers);
  j += std::string("  \"reader_thread\": ") + (reader_thread ? "true" : "false") + ",\n";
  j += std::string("  \"split_reader\": ") + (split_reader ? "true" : "false") + ",\n";
  j += std::string("  \"per_queue\": ") + (per_queue ? "true" : "false") + ",\n";
  j += std::string("  \"live\": ") + (live ? "true" : "false") + ",\n";
  j += std::string("  \"running\": ") + (running ? "true" : "false") + ",\n";
  j += std::string("  \"interrupted\": ") + (interrupted ? "true" : "false") + ",\n";
  num("kernel_drops", kernel_drops);
  num("interface_drops", interface_drops);
  num("weir_drops", weir_drops);
  num("ip_len_from_frame", ip_len_from_frame);
  num("chunks_reread", chunks_reread);
  j += "  \"queues\": [";
  for (std::size_t q = 0; q < queues.size(); ++q) {
    const QueueSummary& qs = queues[q];
    j += std::string(q ? ", " : "") + "{\"packets_received\": " + std::to_string(qs.packets_received) +
         ", \"packets_metered\": " + std::to_string(qs.packets_metered) +
         ", \"packets_not_metered\": " + std::to_string(qs.packets_not_metered) +
         ", \"kernel_drops\": " + std::to_string(qs.kernel_drops) +
         ", \"interface_drops\": " + std::to_string(qs.interface_drops) +
         ", \"records\": " + std::to_string(qs.records) + ", \"live_flows\": " + std::to_string(qs.live_flows) + "}";
  }
  j += "],\n";
  char e[64];
  std::snprintf(e, sizeof e, "%.6f", elapsed_s);
  j += std::string("  \"elapsed_s\": ") + e + ",\n";
  j += std::string("  \"conserved\": ") + (conserved() ? "true" : "false") + ",\n";
  j += std::string("  \"input_error\": ") + json_string_or_null(input_error) + ",\n";
  j += std::string("  \"output_error\": ") + json_string_or_null(output_error) + "\n}\n";
  return j;
}

}  // namespace weir
