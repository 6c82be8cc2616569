// SPDX-License-Identifier: Apache-2.0
#include "exporters/sink_registry.hpp"

#include <charconv>

#include "exporters/detail/sinks.hpp"
#include "exporters/flowtools.hpp"

namespace weir {

namespace {

constexpr uint8_t kStream = kind_bit(DestKind::stream);
constexpr uint8_t kDatagram = kind_bit(DestKind::datagram);
constexpr uint8_t kMessage = kind_bit(DestKind::message);

std::vector<SinkFormat>& formats() {
  static std::vector<SinkFormat> table = {
      {"csv", "", "CSV with a header row, one record per line (doc/export.md)", kStream,
       detail::open_csv_sink},
      {"bin", "binary", "weir's binary flow file (doc/binary-format.md; 'weir cat' prints it)",
       kStream, detail::open_binary_sink},
      {"json", "jsonl", "JSON lines: one object per record, keys as the CSV columns",
       kStream | kMessage, detail::open_json_sink},
      {"ipfix", "", "IPFIX (RFC 7011) biflows (RFC 5103); a path is an RFC 5655 file",
       kStream | kDatagram | kMessage, detail::open_ipfix_sink},
      {"netflow9", "nf9 v9", "NetFlow v9 (RFC 3954), one record per direction", kDatagram,
       detail::open_netflow9_sink},
      {"netflow5", "nf5 v5", "NetFlow v5, IPv4 only, one record per direction", kDatagram,
       detail::open_netflow5_sink},
      {"flowtools", "flow-tools", "flow-tools file (v5 records, zlib; IPv6 not exported)", kStream,
       open_flowtools_sink},
  };
  return table;
}

bool has_name(const SinkFormat& f, std::string_view name) {
  if (f.name == name) return true;
  std::string_view a = f.aliases;
  while (!a.empty()) {
    const std::size_t sp = a.find(' ');
    if (a.substr(0, sp) == name) return true;
    if (sp == std::string_view::npos) break;
    a.remove_prefix(sp + 1);
  }
  return false;
}

std::string kinds_text(uint8_t kinds) {
  std::string t;
  auto add = [&](const char* s) {
    if (!t.empty()) t += ", ";
    t += s;
  };
  if (kinds & kStream) add("a path, '-' or tcp://HOST:PORT");
  if (kinds & kDatagram) add("udp://HOST:PORT");
  if (kinds & kMessage) add("a message broker (kafka://)");
  return t;
}

std::string format_names() {
  std::string t;
  for (const SinkFormat& f : formats()) {
    if (!t.empty()) t += ", ";
    t += f.name;
  }
  return t;
}

Status parse_u32(std::string_view opt, std::string_view v, uint32_t lo, uint32_t hi,
                 uint32_t& out) {
  uint64_t n = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < lo || n > hi)
    return {Errc::invalid_argument, Origin::config,
            std::string(opt) + ": expected a whole number from " + std::to_string(lo) + " to " +
                std::to_string(hi) + ", got '" + std::string(v) + "'"};
  out = static_cast<uint32_t>(n);
  return {};
}

}  // namespace

const std::vector<SinkFormat>& sink_formats() { return formats(); }

Status register_sink_format(const SinkFormat& format) {
  for (const SinkFormat& f : formats()) {
    if (has_name(f, format.name))
      return {Errc::invalid_argument, Origin::config,
              "output format '" + std::string(format.name) + "' is registered twice"};
  }
  formats().push_back(format);
  return {};
}

const SinkFormat* find_sink_format(std::string_view name) {
  for (const SinkFormat& f : formats())
    if (has_name(f, name)) return &f;
  return nullptr;
}

Status parse_sink_spec(std::string_view format, std::string_view dest, SinkConfig& cfg) {
  const SinkFormat* f = find_sink_format(format);
  if (f == nullptr)
    return {Errc::invalid_argument, Origin::config,
            "-F " + std::string(format) + ": unknown format (known: " + format_names() + ")"};
  const DestinationScheme* scheme = nullptr;
  if (Status s = find_destination_scheme(dest, scheme); !s) return s;
  if (Status s = scheme->check(dest); !s) return s;
  if ((f->kinds & kind_bit(scheme->kind)) == 0) {
    const std::string what = scheme->scheme.empty()
                                 ? (dest == "-" ? "standard output" : "the file '" + std::string(dest) + "'")
                                 : std::string(dest);
    return {Errc::invalid_argument, Origin::config,
            "-F " + std::string(format) + " cannot write to " + what + ": it goes to " +
                kinds_text(f->kinds)};
  }
  cfg.format = OutputFormat{f->name};
  cfg.path = std::string(dest);
  return {};
}

Status check_sink_set(std::span<const SinkConfig> cfgs) {
  for (std::size_t i = 0; i < cfgs.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      const std::string& p = cfgs[i].path;
      if (p != cfgs[j].path) continue;
      const DestinationScheme* scheme = nullptr;
      if (Status s = find_destination_scheme(p, scheme); !s) return s;
      if (!scheme->scheme.empty()) continue;  // two exports to one collector are fine
      return {Errc::invalid_argument, Origin::config,
              p == "-" ? std::string("two -F/-o pairs write to standard output")
                       : "two -F/-o pairs write to the file " + p};
    }
  }
  return {};
}

Status parse_export_option(std::string_view opt, std::string_view value, ExportOptions& out) {
  if (opt == "--template-refresh") return parse_u32(opt, value, 1, 86400, out.template_refresh_s);
  if (opt == "--observation-domain")
    return parse_u32(opt, value, 0, UINT32_MAX, out.observation_domain);
  if (opt == "--mtu") return parse_u32(opt, value, 576, 65535, out.mtu_bytes);
  return {Errc::invalid_argument, Origin::config, "unknown export option " + std::string(opt)};
}

Status SinkArgs::format(std::string_view name) {
  if (!pending_.empty()) {
    return {Errc::invalid_argument, Origin::config, "-F " + pending_ + " has no -o after it (then -F " + std::string(name) + ")"};
  }
  if (find_sink_format(name) == nullptr) {
    SinkConfig probe;
    return parse_sink_spec(name, "-", probe);  // the unknown-format message, with the names
  }
  pending_ = std::string(name);
  return {};
}

Status SinkArgs::output(std::string_view dest) {
  SinkConfig c;  // CSV unless a -F came before, or comes right after (checked in finish)
  c.path = std::string(dest);
  last_has_format_ = !pending_.empty();
  if (last_has_format_) {
    if (Status s = parse_sink_spec(pending_, dest, c); !s) return s;
  }
  pending_.clear();
  sinks_.push_back(std::move(c));
  return {};
}

Status SinkArgs::finish(bool bidirectional, std::vector<SinkConfig>& out) {
  if (!pending_.empty()) {
    if (sinks_.empty()) {
      if (Status s = output("-"); !s) return s;
    } else if (!last_has_format_) {  // `-o x.bin -F bin`: the trailing -F is that -o's
      SinkConfig& c = sinks_.back();
      if (Status s = parse_sink_spec(pending_, c.path, c); !s) return s;
    } else {
      return {Errc::invalid_argument, Origin::config, "-F " + pending_ + " has no -o after it"};
    }
  }
  if (sinks_.empty()) sinks_.emplace_back();
  for (SinkConfig& c : sinks_) {
    if (Status s = parse_sink_spec(c.format.name, c.path, c); !s) return s;
    c.bidirectional = bidirectional;
    c.exp = exp_;
  }
  if (Status s = check_sink_set(sinks_); !s) return s;
  out = sinks_;
  return {};
}

std::string sink_formats_help() {
  std::string t;
  for (const SinkFormat& f : formats()) {
    std::string name(f.name);
    if (!f.aliases.empty()) name += " (" + std::string(f.aliases) + ")";
    t += "  " + name;
    t += name.size() < 17 ? std::string(17 - name.size(), ' ') : "\n" + std::string(19, ' ');
    t += std::string(f.summary) + "\n" + std::string(19, ' ') + "to " + kinds_text(f.kinds) +
         "\n";
  }
  return t;
}

}  // namespace weir
