// SPDX-License-Identifier: Apache-2.0
#include "extract/packet_extract.hpp"

#include <algorithm>

#include "extract/detail/pcap_writer_stub.hpp"

namespace weir::extract {

namespace {

class PacketCopier : public ScanVisitor {
 public:
  PacketCopier(const PacketExtractOptions& opt, const FlowSelector& sel, PcapWriter& w)
      : opt_(opt), sel_(sel), w_(w), by_flow_(names_flows(opt.sel)) {}

  Status packet(const ScanPacket& p, FlowIndex& index) override {
    const PacketView& v = *p.pv;
    if (!opened_) {  // the first packet's link type heads a classic pcap
      if (Status s = open(v.linktype); !s) return s;
    }
    if (p.new_flow) {
      const bool chosen = sel_.selects(p.flow_id, index.entry(p.flow_id).key);
      if (selected_.size() <= p.flow_id) selected_.resize(std::max<std::size_t>(p.flow_id + 1, selected_.size() * 2));
      selected_[p.flow_id] = chosen;
      st_flows_ += chosen;
    }
    if (!p.matched) return Status::ok();
    if (by_flow_ && (p.flow_id == 0 || !selected_[p.flow_id])) return Status::ok();
    uint32_t iface = 0;
    if (v.linktype != linktype_ || !have_iface_) {
      if (Status s = w_.interface_of(v.linktype, iface); !s) {
        return {Errc::unsupported, Origin::output,
                "the input mixes link types " + std::to_string(linktype_) + " and " +
                    std::to_string(v.linktype) + ": classic pcap holds one; write pcapng (--format pcapng)"};
      }
      linktype_ = v.linktype;
      iface_ = iface;
      have_iface_ = true;
    }
    if (!w_.write(v.ts_ns, v.data, v.cap_len, v.wire_len, iface_)) return w_.close();
    ++packets_;
    bytes_ += v.cap_len;
    return Status::ok();
  }

  Status open(uint32_t linktype) {
    opened_ = true;
    linktype_ = linktype;
    PcapWriterConfig cfg;
    cfg.linktype = linktype;
    cfg.format = opt_.format == PacketFileFormat::pcapng  ? PcapFormat::pcapng
                 : opt_.format == PacketFileFormat::pcap_us ? PcapFormat::pcap_us
                                                            : PcapFormat::pcap_ns;
    return w_.open(opt_.output, cfg);
  }
  bool opened() const { return opened_; }
  uint64_t packets() const { return packets_; }
  uint64_t bytes() const { return bytes_; }
  uint64_t flows() const { return st_flows_; }

 private:
  const PacketExtractOptions& opt_;
  const FlowSelector& sel_;
  PcapWriter& w_;
  bool by_flow_;
  bool opened_ = false;
  bool have_iface_ = false;
  uint32_t linktype_ = 1;
  uint32_t iface_ = 0;
  std::vector<uint8_t> selected_;
  uint64_t packets_ = 0, bytes_ = 0, st_flows_ = 0;
};

}  // namespace

bool reads_stdin(const ScanOptions& opt) {
  return std::find(opt.files.begin(), opt.files.end(), "-") != opt.files.end();
}

Status extract_packets(const PacketExtractOptions& opt, PacketExtractStats& st) {
  st = PacketExtractStats{};
  FlowSelector selector(opt.sel);
  if (opt.sel.both_directions && !opt.sel.ids.empty()) {
    if (reads_stdin(opt.scan)) {
      return {Errc::invalid_argument, Origin::config,
              "-d b with FlowIDs reads the input twice (an ID's reverse flow can come first): "
              "give a file, not standard input, or choose flows by --port or an expression"};
    }
    if (Status s = resolve_reverse_keys(opt.scan, opt.sel, selector, st.missing_ids); !s) return s;
  }
  PcapWriter w;
  PacketCopier copier(opt, selector, w);
  FlowIndex index;
  Status s = scan(opt.scan, index, &copier, st.scan);
  if (s && !copier.opened()) s = copier.open(1);  // no packets at all: an empty Ethernet pcap
  Status c = w.close();
  if (!s) return s;
  if (!c) return c;
  st.packets_written = copier.packets();
  st.bytes_written = copier.bytes();
  st.flows_selected = copier.flows();
  st.flows_total = index.size();
  if (!opt.sel.both_directions || opt.sel.ids.empty()) {
    for (uint32_t id : opt.sel.ids) {
      if (id > index.size()) st.missing_ids.push_back(id);
    }
  }
  return Status::ok();
}

}  // namespace weir::extract
