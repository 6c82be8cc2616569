// SPDX-License-Identifier: Apache-2.0
#include "extract/flow_scan.hpp"

#include <chrono>
#include <cstdio>
#include <memory>

#include "capture/bpf_filter.hpp"
#include "capture/capture_registry.hpp"
#include "extract/frame_fields.hpp"
#include "extract/time_format.hpp"

namespace weir::extract {

namespace {

constexpr uint32_t kBurst = 64;

// The progress line: about once a second, overwritten in place.
class Progress {
 public:
  Progress(bool on, const char* name, const PacketSource& src)
      : on_(on), name_(name), src_(src), start_(Clock::now()), last_(start_) {}
  void maybe_print(const ScanStats& s, uint64_t ts_ns, uint32_t flows) {
    if (!on_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    const double secs = std::chrono::duration<double>(now - start_).count();
    const uint64_t total = src_.bytes_total(), done = src_.bytes_read();
    char pos[48];
    if (total) {
      std::snprintf(pos, sizeof pos, "%.1f%% of %.2f GB", 100.0 * static_cast<double>(done) / static_cast<double>(total),
                    static_cast<double>(total) / 1e9);
    } else {
      std::snprintf(pos, sizeof pos, "%.2f GB read", static_cast<double>(done) / 1e9);
    }
    std::fprintf(stderr, "\r%s: [%s] %s  flows %u  packets %.2fM  %.3f Gbps   ", name_,
                 time_of_day(ts_ns).c_str(), pos, flows, static_cast<double>(s.packets) / 1e6,
                 static_cast<double>(s.wire_bytes) * 8 / secs / 1e9);
    std::fflush(stderr);
    printed_ = true;
  }
  ~Progress() {
    if (printed_) std::fprintf(stderr, "\r%100s\r", "");
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool on_;
  const char* name_;
  const PacketSource& src_;
  Clock::time_point start_, last_;
  bool printed_ = false;
};

}  // namespace

Status scan(const ScanOptions& opt, FlowIndex& index, ScanVisitor* visitor, ScanStats& st) {
  st = ScanStats{};
  std::unique_ptr<BpfFilter> filter;
  if (!opt.filter.empty()) {
    if (Status s = BpfFilter::create(opt.filter, filter); !s) return std::move(s).at(Origin::config);
  }
  CaptureSpec spec;
  spec.files = opt.files;
  std::vector<std::unique_ptr<PacketSource>> sources;
  if (Status s = open_capture(spec, sources); !s) return std::move(s).at(Origin::input);
  PacketSource& src = *sources.front();
  st.input = src.describe();

  DecodeConfig dcfg;
  dcfg.bidirectional = false;
  dcfg.vlan_key = opt.vlan_key;
  Decoder decoder(dcfg);
  Progress progress(opt.progress, opt.progress_name, src);

  // A burst goes through three passes so the flow index's cache misses overlap: decode
  // each frame and hash its key (prefetching its slot), prefetch the entries the slots
  // name, then look up, count and visit each packet in input order.
  std::array<PacketView, kBurst> views;
  std::array<PacketMeta, kBurst> metas;
  std::array<UniKey, kBurst> keys;
  std::array<uint64_t, kBurst> hashes;
  std::array<FrameLayout, kBurst> layouts;
  std::array<LinkAddrs, kBurst> macs;
  std::array<DecodeOutcome, kBurst> outcomes;
  std::array<bool, kBurst> matched;
  uint64_t clock_ns = 0;  // drives fragment timeouts; never goes back
  uint64_t bursts = 0;
  for (;;) {
    const RxResult r = src.rx_burst(views);
    uint32_t n = r.n;
    if (opt.packet_max && opt.packet_max - st.packets < n) {
      n = static_cast<uint32_t>(opt.packet_max - st.packets);
      st.stopped_at_max = true;
    }
    for (uint32_t i = 0; i < n; ++i) {
      const PacketView& v = views[i];
      if (v.ts_ns > clock_ns) clock_ns = v.ts_ns;
      matched[i] = !filter || filter->match(v);
      outcomes[i] = decoder.decode(v, clock_ns, metas[i]);
      if (outcomes[i] != DecodeOutcome::flow) continue;
      UniKey& k = keys[i];
      k.flow = metas[i].key;
      macs[i] = link_addresses(v);
      if (!opt.five_tuple) {
        k.src_mac = macs[i].src;
        k.dst_mac = macs[i].dst;
      }
      hashes[i] = uni_hash(k);
      index.prefetch_slot(hashes[i]);
      layouts[i] = decoder.layout(v);
    }
    for (uint32_t i = 0; i < n; ++i) {
      if (outcomes[i] == DecodeOutcome::flow) index.prefetch_entry(hashes[i]);
    }
    for (uint32_t i = 0; i < n; ++i) {
      const PacketView& v = views[i];
      ScanPacket p;
      p.pv = &v;
      p.index = st.packets++;
      st.wire_bytes += v.wire_len;
      p.matched = matched[i];
      if (!p.matched) ++st.filtered_out;
      if (outcomes[i] == DecodeOutcome::flow) {
        bool is_new = false;
        p.flow_id = index.find_or_add(keys[i], hashes[i], is_new);
        p.new_flow = is_new;
        FlowEntry& e = index.entry(p.flow_id);
        if (is_new) {
          e.src_mac = macs[i].src;
          e.dst_mac = macs[i].dst;
        }
        ++st.in_flows;
        if (p.matched) {
          ++st.matched;
          count_packet(e, v.wire_len, v.ts_ns);
        }
        metas[i].ts_ns = v.ts_ns;
        metas[i].index = p.index;
        p.meta = &metas[i];
        p.layout = layouts[i];
      } else if (p.matched) {
        ++st.not_in_flow[static_cast<std::size_t>(outcomes[i])];
      }
      if (visitor) {
        if (Status s = visitor->packet(p, index); !s) return s;
        if (visitor->stop()) {
          st.stopped_early = true;
          break;
        }
      }
    }
    if (st.stopped_at_max || st.stopped_early) break;
    if (r.status == RxStatus::error) {
      st.input_error = src.error().message;
      break;
    }
    if (r.status == RxStatus::end_of_file) break;
    if ((++bursts & 15) == 0) progress.maybe_print(st, clock_ns, index.size());
  }
  if (filter) st.bpf_compile_failures = filter->compile_failures();
  return Status::ok();
}

std::string format_scan_stats(const ScanStats& s, uint32_t flows) {
  std::string out = std::to_string(s.packets) + " packets (" + std::to_string(s.wire_bytes) +
                    " wire bytes) read, " + std::to_string(s.in_flows) + " in " +
                    std::to_string(flows) + " flows";
  if (s.filtered_out) out += ", " + std::to_string(s.filtered_out) + " rejected by the filter";
  uint64_t other = 0;
  std::string reasons;
  for (std::size_t i = 1; i < s.not_in_flow.size(); ++i) {
    if (!s.not_in_flow[i]) continue;
    other += s.not_in_flow[i];
    reasons += (reasons.empty() ? "" : ", ") +
               std::string(decode_outcome_name(static_cast<DecodeOutcome>(i))) + " " +
               std::to_string(s.not_in_flow[i]);
  }
  if (other) out += ", " + std::to_string(other) + " in no flow (" + reasons + ")";
  if (s.stopped_at_max) out += "; stopped at --packet-max";
  return out;
}

}  // namespace weir::extract
