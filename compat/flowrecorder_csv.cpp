// SPDX-License-Identifier: Apache-2.0
#include "compat/flowrecorder_csv.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <compare>
#include <tuple>
#include <vector>

#include "compat/python_float.hpp"
#include "exporters/detail/dest_sink.hpp"

namespace weir::compat {

namespace {

constexpr const char* kColumns[] = {"pktTotalCount", "octetTotalCount", "min_ps", "max_ps",
                                    "avg_ps", "std_dev_ps", "flowStart", "flowEnd",
                                    "flowDuration", "min_piat", "max_piat", "avg_piat",
                                    "std_dev_piat"};

// The 13 statistics of one group of packets: the whole record, or one direction.
struct Group {
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint32_t min_ps = 0;
  uint32_t max_ps = 0;
  double std_ps = 0;
  uint64_t first_ns = 0;
  uint64_t last_ns = 0;
  uint64_t iat_min_ns = 0;
  uint64_t iat_max_ns = 0;
  double iat_std_ns = 0;
};

Group direction(const DirStats& d) {
  return {d.packets, d.ip_bytes, d.ip_len_min_bytes, d.ip_len_max_bytes, d.ip_len_stddev_bytes,
          d.first_ns, d.last_ns, d.iat_min_ns, d.iat_max_ns, d.iat_stddev_ns};
}

Group whole(const FlowRecord& r, bool bidirectional) {
  if (!bidirectional) return direction(r.dir[0]);
  const DirStats& f = r.dir[0];
  const DirStats& b = r.dir[1];
  Group g{f.packets + b.packets, f.ip_bytes + b.ip_bytes, f.ip_len_min_bytes, f.ip_len_max_bytes,
          r.ip_len_stddev_bytes, r.start_ns, r.end_ns, r.iat_min_ns, r.iat_max_ns, r.iat_stddev_ns};
  if (b.packets) {
    g.min_ps = std::min(g.min_ps, b.ip_len_min_bytes);
    g.max_ps = std::max(g.max_ps, b.ip_len_max_bytes);
  }
  return g;
}

void put_uint(uint64_t v, std::string& out) {
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, res.ptr);
}

void put_float(double v, std::string& out) {
  char buf[kPythonFloatMaxBytes];
  out.append(buf, python_float(v, buf));
}

double seconds(uint64_t ns) { return static_cast<double>(ns) / 1e9; }

// flowRecorder's 13 values of a group. int_single_avg: a one-packet group prints avg_ps
// as the integer length (the forward direction and the whole record, set when the
// record is created), where a backward direction's first packet computes it as a float.
void put_group(const Group& g, bool int_single_avg, std::string& out) {
  if (g.packets == 0) {
    for (std::size_t i = 0; i < std::size(kColumns); ++i) out += ",0";
    return;
  }
  const bool single = g.packets == 1;
  out += ',';
  put_uint(g.packets, out);
  out += ',';
  put_uint(g.bytes, out);
  out += ',';
  put_uint(g.min_ps, out);
  out += ',';
  put_uint(g.max_ps, out);
  out += ',';
  if (single && int_single_avg) {
    put_uint(g.bytes, out);
  } else {
    put_float(static_cast<double>(g.bytes) / static_cast<double>(g.packets), out);
  }
  out += ',';
  put_float(g.std_ps, out);
  out += ',';
  put_float(flowrecorder_time(g.first_ns), out);
  out += ',';
  put_float(flowrecorder_time(g.last_ns), out);
  if (single) {
    out += ",0,0,0,0,0";
    return;
  }
  out += ',';
  put_float(seconds(g.last_ns - g.first_ns), out);
  out += ',';
  put_float(seconds(g.iat_min_ns), out);
  out += ',';
  put_float(seconds(g.iat_max_ns), out);
  out += ',';
  // Mean inter-arrival = duration / (packets - 1), divided once.
  put_float(static_cast<double>(g.last_ns - g.first_ns) / (1e9 * static_cast<double>(g.packets - 1)), out);
  out += ',';
  put_float(g.iat_std_ns / 1e9, out);
}

void put_addr(const std::array<uint8_t, 16>& a, uint8_t ip_version, std::string& out) {
  char buf[INET6_ADDRSTRLEN];
  const int af = ip_version == 6 ? AF_INET6 : AF_INET;
  if (::inet_ntop(af, a.data(), buf, sizeof buf)) out += buf;
}

// flowRecorder reads ports from TCP and UDP only; every other protocol prints 0.
bool has_ports(uint8_t proto) { return proto == 6 || proto == 17; }

// Identity of a record's key as flowRecorder hashes it (both directions alike when
// bidirectional): records of one key follow one another in time.
struct GroupKey {
  std::array<uint8_t, 16> a{};
  std::array<uint8_t, 16> b{};
  uint16_t pa = 0;
  uint16_t pb = 0;
  uint8_t proto = 0;
  uint8_t ip_version = 0;
  uint8_t icmp_type = 0;  // weir keys ICMP by message unless --compat flowrecorder
  uint8_t icmp_code = 0;
  uint16_t icmp_id = 0;
  auto operator<=>(const GroupKey&) const = default;
};

GroupKey group_key(const FlowRecord& r, bool bidirectional) {
  GroupKey k{r.src_addr, r.dst_addr, r.src_port, r.dst_port, r.proto, r.ip_version,
             r.icmp_type, r.icmp_code, r.icmp_id};
  if (bidirectional && std::tie(k.b, k.pb) < std::tie(k.a, k.pa)) {
    std::swap(k.a, k.b);
    std::swap(k.pa, k.pb);
  }
  return k;
}

class FlowRecorderSink final : public weir::detail::DestSink {
 public:
  FlowRecorderSink(const SinkConfig& cfg, std::unique_ptr<Destination> dest)
      : DestSink(cfg.format, std::move(dest)), bidirectional_(cfg.bidirectional) {}

  Status write_burst(std::span<const FlowRecord> recs) override {
    if (Status s = writable(); !s) return s;
    for (const FlowRecord& r : recs) {
      Row row{group_key(r, bidirectional_), r.flow_id, text_.size(), 0};
      append_flowrecorder_row(r, bidirectional_, text_);
      row.len = text_.size() - row.off;
      rows_.push_back(row);
      ++n_records_;
    }
    return {};
  }

  Status finish() override {
    if (finished_) return finish_dest();
    const std::string header = flowrecorder_header(bidirectional_);
    Status s = append(header.data(), header.size());
    for (std::size_t i : order()) {
      if (!s) break;
      s = append(text_.data() + rows_[i].off, rows_[i].len);
    }
    text_ = std::string();
    rows_ = std::vector<Row>();
    Status f = finish_dest();
    return s ? f : s;
  }

 private:
  struct Row {
    GroupKey key;
    uint64_t flow_id;
    std::size_t off;  // of its text in text_
    std::size_t len;
  };

  // Row indices in flowRecorder's order (see flowrecorder_csv.hpp).
  std::vector<std::size_t> order() const {
    std::vector<std::size_t> by_key(rows_.size());
    for (std::size_t i = 0; i < by_key.size(); ++i) by_key[i] = i;
    std::sort(by_key.begin(), by_key.end(), [&](std::size_t x, std::size_t y) {
      return std::tie(rows_[x].key, rows_[x].flow_id) < std::tie(rows_[y].key, rows_[y].flow_id);
    });
    // (0, flow id of the next record of its key) for a record a later packet ended,
    // (1, its own flow id) for the last record of a key.
    std::vector<std::tuple<int, uint64_t, std::size_t>> rank;
    rank.reserve(rows_.size());
    for (std::size_t j = 0; j < by_key.size(); ++j) {
      const Row& r = rows_[by_key[j]];
      if (j + 1 < by_key.size() && rows_[by_key[j + 1]].key == r.key) {
        rank.emplace_back(0, rows_[by_key[j + 1]].flow_id, by_key[j]);
      } else {
        rank.emplace_back(1, r.flow_id, by_key[j]);
      }
    }
    std::sort(rank.begin(), rank.end());
    std::vector<std::size_t> out;
    out.reserve(rank.size());
    for (const auto& t : rank) out.push_back(std::get<2>(t));
    return out;
  }

  bool bidirectional_;
  std::string text_;  // every row, in arrival order
  std::vector<Row> rows_;
};

}  // namespace

double flowrecorder_time(uint64_t ts_ns) noexcept {
  return static_cast<double>(ts_ns / 1'000'000'000) +
         static_cast<double>(ts_ns % 1'000'000'000) / 1e9;
}

std::string flowrecorder_header(bool bidirectional) {
  std::string h = "src_ip,src_port,dst_ip,dst_port,proto";
  for (const char* prefix : {"", "f_", "b_"}) {
    for (const char* c : kColumns) {
      h += ',';
      h += prefix;
      h += c;
    }
    if (!bidirectional) break;
  }
  h += "\r\n";
  return h;
}

void append_flowrecorder_row(const FlowRecord& r, bool bidirectional, std::string& out) {
  const bool ports = has_ports(r.proto);
  put_addr(r.src_addr, r.ip_version, out);
  out += ',';
  put_uint(ports ? r.src_port : 0, out);
  out += ',';
  put_addr(r.dst_addr, r.ip_version, out);
  out += ',';
  put_uint(ports ? r.dst_port : 0, out);
  out += ',';
  put_uint(r.proto, out);
  put_group(whole(r, bidirectional), true, out);
  if (bidirectional) {
    put_group(direction(r.dir[0]), true, out);
    put_group(direction(r.dir[1]), false, out);
  }
  out += "\r\n";
}

Status open_flowrecorder_sink(const SinkConfig& cfg, std::unique_ptr<Destination> dest,
                              std::unique_ptr<FlowSink>& out) {
  out = std::make_unique<FlowRecorderSink>(cfg, std::move(dest));
  return {};
}

}  // namespace weir::compat
