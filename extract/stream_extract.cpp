// SPDX-License-Identifier: Apache-2.0
#include "extract/stream_extract.hpp"

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "extract/flow_listing.hpp"
#include "extract/frame_fields.hpp"
#include "extract/packet_extract.hpp"

namespace weir::extract {

namespace {

constexpr uint8_t kTcp = 6, kUdp = 17, kSynFlag = 0x02;
constexpr int8_t kNoSyn = -2;  // no SYN seen; -1: a SYN without the window-scale option

// Writes a stream's chunks to its file: the 32-byte header (if enabled), then the bytes.
class FileSink : public ChunkSink {
 public:
  FileSink(StreamFiles& files, Status& err) : files_(files), err_(err) {}
  void bind(uint32_t file, bool headers) {
    file_ = file;
    headers_ = headers;
  }
  void chunk(const StreamHeader& h, const uint8_t* data, uint32_t n) override {
    if (!err_) return;
    if (headers_) {
      uint8_t b[kStreamHeaderBytes];
      encode_stream_header(h, b);
      if (Status s = files_.write(file_, b, sizeof b); !s) {
        err_ = std::move(s);
        return;
      }
    }
    if (n) {
      if (Status s = files_.write(file_, data, n); !s) err_ = std::move(s);
    }
  }

 private:
  StreamFiles& files_;
  Status& err_;
  uint32_t file_ = 0;
  bool headers_ = false;
};

struct Stream {
  uint32_t flow_id = 0;
  uint32_t file = 0;
  int8_t own_wscale = kNoSyn;   // window-scale shift in this direction's SYN
  int8_t peer_wscale = kNoSyn;  // ... in the opposite direction's (looked up until seen)
  std::unique_ptr<TcpReassembler> tcp;  // null for UDP
};

class StreamExtractor : public ScanVisitor {
 public:
  StreamExtractor(const StreamExtractOptions& opt, const FlowSelector& tcp_sel,
                  const FlowSelector& udp_sel, StreamExtractStats& st)
      : opt_(opt), tcp_sel_(tcp_sel), udp_sel_(udp_sel), st_(st), files_(opt.files), sink_(files_, err_) {}

  Status packet(const ScanPacket& p, FlowIndex& index) override {
    if (p.new_flow) {
      if (Status s = new_flow(p.flow_id, index); !s) return s;
    }
    if (p.flow_id == 0) return Status::ok();
    const PacketMeta& m = *p.meta;
    if (opt_.tcp && m.key.proto == kTcp && (m.tcp_flags & kSynFlag) && !p.layout.fragment) note_syn(p, index);
    if (!p.matched) return Status::ok();
    const uint32_t si = stream_of_[p.flow_id];
    if (si == 0) return Status::ok();
    if (p.layout.fragment) {
      ++st_.fragments_skipped;
      return Status::ok();
    }
    Stream& s = streams_[si - 1];
    sink_.bind(s.file, s.tcp ? opt_.tcp_header : opt_.udp_header);
    if (s.tcp) {
      tcp_segment(p, s, index);
    } else {
      udp_datagram(p, s);
    }
    return err_;
  }

  Status finish() {
    for (Stream& s : streams_) {
      if (!s.tcp) continue;
      sink_.bind(s.file, opt_.tcp_header);
      s.tcp->flush(sink_);
      const TcpStreamStats& t = s.tcp->stats();
      TcpStreamStats& a = st_.tcp;
      a.segments += t.segments;
      a.bytes_written += t.bytes_written;
      a.duplicate_bytes += t.duplicate_bytes;
      a.out_of_order_segments += t.out_of_order_segments;
      a.gaps += t.gaps;
      a.gap_bytes += t.gap_bytes;
      a.truncated_bytes += t.truncated_bytes;
      a.before_start_bytes += t.before_start_bytes;
      a.restarts += t.restarts;
      a.buffered_peak_bytes = std::max(a.buffered_peak_bytes, t.buffered_peak_bytes);
    }
    Status c = files_.close_all();
    st_.files = files_.stats();
    if (!err_) return err_;
    return c;
  }

 private:
  Status new_flow(uint32_t id, FlowIndex& index) {
    if (stream_of_.size() <= id) stream_of_.resize(std::max<std::size_t>(id + 1, stream_of_.size() * 2), 0);
    const FlowEntry& e = index.entry(id);
    const uint8_t proto = e.key.flow.proto;
    const bool tcp = opt_.tcp && proto == kTcp && tcp_sel_.selects(id, e.key);
    const bool udp = opt_.udp && proto == kUdp && udp_sel_.selects(id, e.key);
    if (!tcp && !udp) return Status::ok();
    Stream s;
    s.flow_id = id;
    s.file = files_.add(stream_file_name(opt_.prefix, id, e));
    const uint16_t stream_id = static_cast<uint16_t>(id);
    if (tcp) {
      s.tcp = std::make_unique<TcpReassembler>(stream_id, opt_.max_buffered_per_stream);
      ++st_.tcp_streams;
    } else {
      ++st_.udp_streams;
    }
    if (Status st = files_.touch(s.file); !st) return st;
    streams_.push_back(std::move(s));
    stream_of_[id] = static_cast<uint32_t>(streams_.size());
    return Status::ok();
  }

  // Every TCP SYN (chosen flow or not: it may be a chosen flow's peer) records its
  // window-scale option by 5-tuple.
  void note_syn(const ScanPacket& p, const FlowIndex& index) {
    TcpSegment seg;
    if (locate_tcp(*p.pv, p.layout, seg) != L4Status::ok) return;
    syn_wscale_[without_macs(index.entry(p.flow_id).key)] = seg.wscale;
    if (const uint32_t si = stream_of_[p.flow_id]; si != 0) {
      Stream& s = streams_[si - 1];
      s.own_wscale = seg.wscale;
      s.peer_wscale = kNoSyn;  // a new handshake: look the peer's up again
    }
  }

  uint32_t scaled_window(const TcpSegment& seg, Stream& s, const FlowIndex& index) {
    if ((seg.flags & kSynFlag) || s.own_wscale < 0) return seg.window;
    if (s.peer_wscale == kNoSyn) {
      const auto it = syn_wscale_.find(without_macs(reverse(index.entry(s.flow_id).key)));
      if (it != syn_wscale_.end()) s.peer_wscale = it->second;
    }
    if (s.peer_wscale == -1) return seg.window;  // the peer did not agree to scaling
    return uint32_t{seg.window} << s.own_wscale;
  }

  void tcp_segment(const ScanPacket& p, Stream& s, FlowIndex& index) {
    TcpSegment seg;
    if (locate_tcp(*p.pv, p.layout, seg) != L4Status::ok) {
      ++st_.bad_l4;
      return;
    }
    TcpInput in;
    in.ts_ns = p.pv->ts_ns;
    in.seq = seg.seq;
    in.ack = seg.ack;
    in.window = scaled_window(seg, s, index);
    in.flags = seg.flags;
    in.data = seg.payload;
    in.cap = seg.payload_cap;
    in.len = seg.payload_len;
    const uint64_t before = s.tcp->buffered_bytes();
    s.tcp->add(in, sink_);
    buffered_ = buffered_ + s.tcp->buffered_bytes() - before;
    if (buffered_ > opt_.max_buffered_total) {
      ++st_.memory_flushes;
      for (Stream& o : streams_) {
        if (!o.tcp || o.tcp->buffered_bytes() == 0) continue;
        sink_.bind(o.file, opt_.tcp_header);
        o.tcp->flush(sink_);
      }
      buffered_ = 0;
    }
  }

  void udp_datagram(const ScanPacket& p, Stream& s) {
    UdpDatagram d;
    if (locate_udp(*p.pv, p.layout, d) != L4Status::ok) {
      ++st_.bad_l4;
      return;
    }
    ++st_.udp_datagrams;
    st_.udp_truncated_bytes += d.payload_len - d.payload_cap;
    StreamHeader h;
    h.ts_ns = p.pv->ts_ns;
    h.stream_id = static_cast<uint16_t>(s.flow_id);
    uint32_t off = 0;
    do {
      const uint32_t n = std::min(d.payload_cap - off, kStreamMaxLength);
      h.length = static_cast<uint16_t>(n);
      sink_.chunk(h, d.payload + off, n);
      off += n;
    } while (off < d.payload_cap);
    st_.udp_bytes_written += d.payload_cap;
  }

  const StreamExtractOptions& opt_;
  const FlowSelector& tcp_sel_;
  const FlowSelector& udp_sel_;
  StreamExtractStats& st_;
  StreamFiles files_;
  Status err_;
  FileSink sink_;
  std::vector<Stream> streams_;
  std::vector<uint32_t> stream_of_;  // by FlowID: index into streams_ + 1, 0 = none
  std::unordered_map<UniKey, int8_t, UniKeyHash> syn_wscale_;  // by 5-tuple: the last SYN's shift
  uint64_t buffered_ = 0;            // out-of-order bytes over all streams
};

Status resolve(const ScanOptions& scan, const Selection& sel, FlowSelector& out,
               std::vector<uint32_t>& missing) {
  if (!sel.both_directions || sel.ids.empty()) return Status::ok();
  if (reads_stdin(scan)) {
    return {Errc::invalid_argument, Origin::config,
            "-d b with FlowIDs reads the input twice (an ID's reverse flow can come first): "
            "give a file, not standard input, or choose streams by 'all' and --port"};
  }
  std::vector<uint32_t> m;
  if (Status s = resolve_reverse_keys(scan, sel, out, m); !s) return s;
  missing.insert(missing.end(), m.begin(), m.end());
  return Status::ok();
}

}  // namespace

std::string stream_file_name(const std::string& prefix, uint32_t flow_id, const FlowEntry& e) {
  const FlowKey& k = e.key.flow;
  return prefix + std::to_string(flow_id) + "_" + mac_text(e.src_mac) + "_" + mac_text(e.dst_mac) + "_" +
         addr_text(k.addr_a, k.ip_version) + "_" + std::to_string(k.port_a) + "_" +
         addr_text(k.addr_b, k.ip_version) + "_" + std::to_string(k.port_b) +
         (k.proto == kTcp ? ".tcp" : ".udp");
}

Status extract_streams(const StreamExtractOptions& opt, StreamExtractStats& st) {
  st = StreamExtractStats{};
  Selection tsel = opt.tcp_sel, usel = opt.udp_sel;
  tsel.proto = kTcp;
  usel.proto = kUdp;
  FlowSelector tcp_sel(tsel), udp_sel(usel);
  if (opt.tcp) {
    if (Status s = resolve(opt.scan, tsel, tcp_sel, st.missing_ids); !s) return s;
  }
  if (opt.udp) {
    if (Status s = resolve(opt.scan, usel, udp_sel, st.missing_ids); !s) return s;
  }
  StreamExtractor x(opt, tcp_sel, udp_sel, st);
  FlowIndex index;
  Status s = scan(opt.scan, index, &x, st.scan);
  Status f = x.finish();
  if (!s) return s;
  if (!f) return f;
  st.flows_total = index.size();
  const auto note_missing = [&](const Selection& sel) {
    for (uint32_t id : sel.ids) {
      if (id > index.size()) {
        if (!sel.both_directions) st.missing_ids.push_back(id);  // else resolve() found it
      } else if (index.entry(id).key.flow.proto != sel.proto) {
        st.wrong_protocol_ids.push_back(id);
      }
    }
  };
  if (opt.tcp) note_missing(tsel);
  if (opt.udp) note_missing(usel);
  return Status::ok();
}

std::string format_stream_stats(const StreamExtractStats& st) {
  const TcpStreamStats& t = st.tcp;
  std::string s;
  if (st.tcp_streams) {
    s += "tcp: " + std::to_string(st.tcp_streams) + " stream directions, " + std::to_string(t.segments) +
         " segments, " + std::to_string(t.bytes_written) + " payload bytes written; " +
         std::to_string(t.duplicate_bytes) + " duplicate bytes dropped, " +
         std::to_string(t.out_of_order_segments) + " out-of-order segments placed, " +
         std::to_string(t.gaps) + " gaps skipped (" + std::to_string(t.gap_bytes) + " bytes), " +
         std::to_string(t.truncated_bytes) + " bytes not captured, " + std::to_string(t.before_start_bytes) +
         " bytes before a mid-stream start, " + std::to_string(t.restarts) + " restarts (new SYN)\n";
  }
  if (st.udp_streams) {
    s += "udp: " + std::to_string(st.udp_streams) + " stream directions, " + std::to_string(st.udp_datagrams) +
         " datagrams, " + std::to_string(st.udp_bytes_written) + " payload bytes written, " +
         std::to_string(st.udp_truncated_bytes) + " bytes not captured\n";
  }
  if (st.fragments_skipped || st.bad_l4) {
    s += "not written: " + std::to_string(st.fragments_skipped) + " IP fragments (not reassembled), " +
         std::to_string(st.bad_l4) + " packets with a cut or malformed TCP/UDP header\n";
  }
  if (st.memory_flushes) {
    s += "buffer limit: all holes declared " + std::to_string(st.memory_flushes) + " times\n";
  }
  s += "files: " + std::to_string(st.files.files) + " created, " + std::to_string(st.files.bytes) +
       " bytes; at most " + std::to_string(st.files.peak_open) + " open (limit " +
       std::to_string(st.files.max_open) + "), " + std::to_string(st.files.reopened) + " reopened\n";
  return s;
}

}  // namespace weir::extract
