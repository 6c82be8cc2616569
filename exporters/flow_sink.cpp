// SPDX-License-Identifier: Apache-2.0
#include "exporters/flow_sink.hpp"

#include "exporters/rotating_sink.hpp"

#include <vector>

#include "exporters/sink_registry.hpp"

namespace weir {

namespace {

std::string bytes_text(uint64_t n) {
  if (n < 10 * 1024) return std::to_string(n) + " B";
  if (n < 10ull * 1024 * 1024) return std::to_string(n / 1024) + " KiB";
  return std::to_string(n / (1024 * 1024)) + " MiB";
}

// Several -F/-o pairs: every burst goes to each sink in the order given.
class FanoutSink final : public FlowSink {
 public:
  explicit FanoutSink(std::vector<std::unique_ptr<FlowSink>> sinks) : sinks_(std::move(sinks)) {}

  Status write_burst(std::span<const FlowRecord> recs) override {
    for (auto& s : sinks_) {
      if (Status st = s->write_burst(recs); !st) return st;
    }
    return {};
  }
  Status flush() override {
    for (auto& s : sinks_) {
      if (Status st = s->flush(); !st) return st;
    }
    return {};
  }
  // Finishes every sink even after a failure (their files are complete), and returns
  // the first error.
  Status finish() override {
    Status first;
    for (auto& s : sinks_) {
      Status st = s->finish();
      if (!st && first) first = std::move(st);
    }
    return first;
  }
  uint64_t records_written() const noexcept override { return sinks_.front()->records_written(); }
  SinkStats stats() const override { return sinks_.front()->stats(); }
  bool needs_higher_moments() const noexcept override {
    for (const auto& s : sinks_)
      if (s->needs_higher_moments()) return true;
    return false;
  }
  std::string summary() const override {
    std::string t;
    for (const auto& s : sinks_) {
      if (!t.empty()) t += '\n';
      t += s->summary();
    }
    return t;
  }

 private:
  std::vector<std::unique_ptr<FlowSink>> sinks_;
};

}  // namespace

std::string FlowSink::summary() const {
  const SinkStats s = stats();
  std::string t = std::to_string(s.records) + " records";
  if (s.export_records != 0 && s.export_records != s.records)
    t += " as " + std::to_string(s.export_records) + " export records";
  if (s.split_records != 0)
    t += " (" + std::to_string(s.split_records) + " made by splitting counters past 2^32)";
  if (s.messages != 0) t += ", " + std::to_string(s.messages) + " messages";
  if (s.bytes != 0) t += ", " + bytes_text(s.bytes);
  if (s.not_exported != 0)
    t += "; " + std::to_string(s.not_exported) + " records not exported (IPv6 in NetFlow v5)";
  if (s.messages_lost != 0)
    t += "; " + std::to_string(s.messages_lost) + " datagrams refused (no collector listening)";
  return t;
}

Status open_sink(const SinkConfig& cfg, std::unique_ptr<FlowSink>& out) {
  if (cfg.exp.rotate_ns != 0) return open_rotating_sink(cfg, out);
  return open_plain_sink(cfg, out);
}

Status open_plain_sink(const SinkConfig& cfg, std::unique_ptr<FlowSink>& out) {
  out.reset();
  const SinkFormat* f = find_sink_format(cfg.format.name);
  if (f == nullptr)
    return {Errc::invalid_argument, Origin::config,
            "unknown output format '" + std::string(cfg.format.name) + "'"};
  const DestinationScheme* scheme = nullptr;
  if (Status s = find_destination_scheme(cfg.path, scheme); !s) return s;
  if ((f->kinds & kind_bit(scheme->kind)) == 0) {
    SinkConfig probe;
    return parse_sink_spec(f->name, cfg.path, probe);  // says which destinations fit
  }
  std::unique_ptr<Destination> dest;
  if (Status s = open_destination(cfg.path, {.mtu_bytes = cfg.exp.mtu_bytes, .in_place = cfg.exp.files_in_place}, dest); !s) return s;
  return std::move(f->open(cfg, std::move(dest), out)).at(Origin::output);
}

Status open_sinks(std::span<const SinkConfig> cfgs, std::unique_ptr<FlowSink>& out) {
  out.reset();
  if (cfgs.empty()) return {Errc::invalid_argument, Origin::config, "no output given"};
  if (Status s = check_sink_set(cfgs); !s) return s;
  if (cfgs.size() == 1) return open_sink(cfgs.front(), out);
  std::vector<std::unique_ptr<FlowSink>> sinks;
  for (const SinkConfig& c : cfgs) {
    std::unique_ptr<FlowSink> s;
    if (Status st = open_sink(c, s); !st) return st;  // opened ones are dropped: no files
    sinks.push_back(std::move(s));
  }
  out = std::make_unique<FanoutSink>(std::move(sinks));
  return {};
}

}  // namespace weir
