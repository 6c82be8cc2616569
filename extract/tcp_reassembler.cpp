// SPDX-License-Identifier: Apache-2.0
#include "extract/tcp_reassembler.hpp"

#include <algorithm>

namespace weir::extract {

namespace {
constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04;
}  // namespace

void TcpReassembler::marker(const TcpInput& s, uint16_t extra_flags, ChunkSink& out) {
  StreamHeader h;
  h.ts_ns = s.ts_ns;
  h.stream_id = stream_id_;
  h.seq = s.seq;
  h.ack = s.ack;
  h.window = s.window;
  h.flags = static_cast<uint16_t>(s.flags | extra_flags);
  out.chunk(h, nullptr, 0);
}

void TcpReassembler::add(const TcpInput& s, ChunkSink& out) {
  ++st_.segments;
  const bool syn = s.flags & kSyn;
  const bool fin = s.flags & kFin;
  bool marked = false;
  if (syn && (!st_.syn_seen || s.seq != isn_)) {
    if (started_) {
      flush(out);
      ++st_.restarts;
    }
    st_.syn_seen = true;
    st_.fin_seen = false;
    started_ = true;
    isn_ = s.seq;
    base_seq_ = s.seq + 1;
    next_ = 0;
    marker(s, kStreamFlagReset, out);
    marked = true;
  } else if (!started_) {
    if (s.flags & kRst) {  // an RST's sequence number says nothing about the stream's
      marker(s, 0, out);
      st_.before_start_bytes += s.len;
      return;
    }
    // Mid-stream start: the stream begins at this segment, which is kept.
    started_ = true;
    base_seq_ = s.seq;
    next_ = 0;
  }
  if (s.len == 0 && !marked) marker(s, 0, out);  // pure ACK, FIN, RST: in arrival order
  if (s.len == 0 && !fin) return;

  const uint32_t data_seq = syn ? s.seq + 1 : s.seq;
  const int64_t pos = pos_of(data_seq);
  const int64_t end = pos + s.len + (fin ? 1 : 0);
  if (end <= next_) {  // everything already written or skipped
    if (pos < 0 && !st_.syn_seen) {
      st_.before_start_bytes += s.len;
    } else {
      st_.duplicate_bytes += s.len;
    }
    return;
  }
  if (pos <= next_) {
    place(pos, s.data, s.cap, s.len, fin, s, false, out);
    drain(out);
    return;
  }
  // Ahead of a hole: buffer a copy (an exact duplicate of a buffered segment is dropped).
  const auto range = pending_.equal_range(pos);
  for (auto it = range.first; it != range.second; ++it) {
    if (it->second.len >= s.len && it->second.data.size() >= s.cap && (it->second.fin || !fin)) {
      st_.duplicate_bytes += s.len;
      return;
    }
  }
  Pending p;
  p.data.assign(s.data, s.data + s.cap);
  p.len = s.len;
  p.fin = fin;
  p.ts_ns = s.ts_ns;
  p.ack = s.ack;
  p.window = s.window;
  p.flags = s.flags;
  pending_.emplace(pos, std::move(p));
  ++st_.out_of_order_segments;
  buffered_ += s.cap;
  st_.buffered_peak_bytes = std::max(st_.buffered_peak_bytes, buffered_);
  while (buffered_ > max_buffered_ && !pending_.empty()) skip_first_hole(out);
}

void TcpReassembler::place(int64_t pos, const uint8_t* data, uint32_t cap, uint32_t len, bool fin,
                           const TcpInput& meta, bool reassembled, ChunkSink& out) {
  const int64_t end = pos + len;
  if (end + (fin ? 1 : 0) <= next_) {
    st_.duplicate_bytes += len;
    return;
  }
  if (pos < next_) {
    const uint64_t overlap = static_cast<uint64_t>(std::min<int64_t>(next_, end) - pos);
    st_.duplicate_bytes += overlap;
    reassembled = true;
  }
  // Captured bytes from next_ on, in chunks a header's 16-bit length can describe.
  const int64_t cap_end = pos + cap;
  while (next_ < cap_end) {
    const uint32_t off = static_cast<uint32_t>(next_ - pos);
    const uint32_t n = static_cast<uint32_t>(std::min<int64_t>(cap_end - next_, kStreamMaxLength));
    StreamHeader h;
    h.ts_ns = meta.ts_ns;
    h.length = static_cast<uint16_t>(n);
    h.stream_id = stream_id_;
    h.seq = seq_at(next_);
    h.ack = meta.ack;
    h.window = meta.window;
    h.flags = static_cast<uint16_t>(meta.flags | (reassembled ? kStreamFlagReassembled : 0));
    out.chunk(h, data + off, n);
    next_ += n;
    st_.bytes_written += n;
  }
  if (next_ < end) {  // not captured: skipped
    st_.truncated_bytes += static_cast<uint64_t>(end - next_);
    next_ = end;
  }
  if (fin && next_ == end) {
    ++next_;
    st_.fin_seen = true;
  }
}

void TcpReassembler::drain(ChunkSink& out) {
  while (!pending_.empty()) {
    auto it = pending_.begin();
    if (it->first > next_) break;
    Pending& p = it->second;
    TcpInput meta;
    meta.ts_ns = p.ts_ns;
    meta.ack = p.ack;
    meta.window = p.window;
    meta.flags = p.flags;
    place(it->first, p.data.data(), static_cast<uint32_t>(p.data.size()), p.len, p.fin, meta, true, out);
    buffered_ -= p.data.size();
    pending_.erase(it);
  }
}

void TcpReassembler::skip_first_hole(ChunkSink& out) {
  const int64_t first = pending_.begin()->first;
  if (first > next_) {
    ++st_.gaps;
    st_.gap_bytes += static_cast<uint64_t>(first - next_);
    next_ = first;
  }
  drain(out);
}

void TcpReassembler::flush(ChunkSink& out) {
  while (!pending_.empty()) skip_first_hole(out);
}

}  // namespace weir::extract
