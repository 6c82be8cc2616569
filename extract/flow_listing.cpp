// SPDX-License-Identifier: Apache-2.0
#include "extract/flow_listing.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "extract/time_format.hpp"

namespace weir::extract {

namespace {

constexpr std::size_t kCols = 15;
constexpr std::size_t kVlanCol = 9;
constexpr std::array<const char*, kCols> kTableNames = {
    "rank",     "flow_id",  "proto",    "src_mac", "dst_mac",    "src_addr",  "dst_addr",  "src_port",
    "dst_port", "vlan",     "packets",  "wire_bytes", "first_utc", "last_utc", "duration_s"};
constexpr std::array<const char*, kCols> kCsvNames = {
    "rank",     "flow_id",  "proto",    "src_mac", "dst_mac",    "src_addr", "dst_addr", "src_port",
    "dst_port", "vlan",     "packets",  "wire_bytes", "first_ns", "last_ns", "duration_ns"};
// Text columns are left-aligned in the table, numbers right-aligned.
constexpr std::array<bool, kCols> kLeft = {false, false, true,  true,  true,  true,  true, false,
                                           false, false, false, false, false, false, false};

using Cells = std::array<std::string, kCols>;

void cells_of(const FlowEntry& e, uint64_t rank, uint32_t id, bool csv, Cells& c) {
  const FlowKey& k = e.key.flow;
  c[0] = std::to_string(rank);
  c[1] = std::to_string(id);
  c[2] = proto_name(k.proto, k.ip_version);
  c[3] = mac_text(e.src_mac);
  c[4] = mac_text(e.dst_mac);
  c[5] = addr_text(k.addr_a, k.ip_version);
  c[6] = addr_text(k.addr_b, k.ip_version);
  c[7] = std::to_string(k.port_a);
  c[8] = std::to_string(k.port_b);
  c[9] = std::to_string(k.vlan);
  c[10] = std::to_string(e.packets);
  c[11] = std::to_string(e.wire_bytes);
  const uint64_t dur = e.last_ns - e.first_ns;
  if (csv) {
    c[12] = std::to_string(e.first_ns);
    c[13] = std::to_string(e.last_ns);
    c[14] = std::to_string(dur);
  } else {
    c[12] = time_of_day(e.first_ns);
    c[13] = time_of_day(e.last_ns);
    c[14] = seconds(dur);
  }
}

class Writer {
 public:
  explicit Writer(std::FILE* f) : f_(f) { buf_.reserve(kFlush + 512); }
  void add(const std::string& s) { buf_ += s; }
  void add(char c) { buf_ += c; }
  void pad(std::size_t n) { buf_.append(n, ' '); }
  bool end_line() {
    buf_ += '\n';
    return buf_.size() < kFlush || flush();
  }
  bool flush() {
    const bool ok = std::fwrite(buf_.data(), 1, buf_.size(), f_) == buf_.size();
    buf_.clear();
    return ok;
  }

 private:
  static constexpr std::size_t kFlush = 1 << 16;
  std::FILE* f_;
  std::string buf_;
};

}  // namespace

std::string proto_name(uint8_t proto, uint8_t ip_version) {
  switch (proto) {
    case 6: return "TCP";
    case 17: return "UDP";
    case 132: return "SCTP";
    case 1: return ip_version == 4 ? "ICMP" : "1";
    case 58: return ip_version == 6 ? "ICMPv6" : "58";
    case 2: return "IGMP";
    case 47: return "GRE";
    case 50: return "ESP";
    case 51: return "AH";
    default: return std::to_string(proto);
  }
}

std::string addr_text(const std::array<uint8_t, 16>& a, uint8_t ip_version) {
  char b[INET6_ADDRSTRLEN];
  if (!inet_ntop(ip_version == 6 ? AF_INET6 : AF_INET, a.data(), b, sizeof b)) return "?";
  return b;
}

std::string mac_text(const std::array<uint8_t, 6>& m) {
  char b[18];
  std::snprintf(b, sizeof b, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return b;
}

Status write_listing(std::FILE* out, const FlowIndex& index, const ListingOptions& opt,
                     uint64_t* rows_written) {
  std::vector<uint32_t> ids;
  for (uint32_t id = 1; id <= index.size(); ++id) {
    const FlowEntry& e = index.entry(id);
    if (e.packets == 0 || e.packets < opt.min_packets || e.wire_bytes < opt.min_bytes) continue;
    ids.push_back(id);
  }
  std::stable_sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) {
    const uint64_t pa = index.entry(a).packets, pb = index.entry(b).packets;
    return opt.descending ? pa > pb : pa < pb;
  });
  const auto shown = [&](std::size_t col) { return col != kVlanCol || opt.vlan; };

  Writer w(out);
  Cells c;
  if (opt.csv) {
    bool first = true;
    for (std::size_t i = 0; i < kCols; ++i) {
      if (!shown(i)) continue;
      if (!first) w.add(',');
      w.add(kCsvNames[i]);
      first = false;
    }
    w.end_line();
    for (std::size_t r = 0; r < ids.size(); ++r) {
      cells_of(index.entry(ids[r]), r + 1, ids[r], true, c);
      first = true;
      for (std::size_t i = 0; i < kCols; ++i) {
        if (!shown(i)) continue;
        if (!first) w.add(',');
        w.add(c[i]);
        first = false;
      }
      if (!w.end_line()) break;
    }
  } else {
    std::array<std::size_t, kCols> width{};
    for (std::size_t i = 0; i < kCols; ++i) width[i] = std::strlen(kTableNames[i]);
    for (std::size_t r = 0; r < ids.size(); ++r) {
      cells_of(index.entry(ids[r]), r + 1, ids[r], false, c);
      for (std::size_t i = 0; i < kCols; ++i) width[i] = std::max(width[i], c[i].size());
    }
    const auto put_row = [&](const auto& cell) {
      bool first = true;
      for (std::size_t i = 0; i < kCols; ++i) {
        if (!shown(i)) continue;
        const std::string s = cell(i);
        if (!first) w.pad(2);
        if (kLeft[i]) {
          w.add(s);
          if (i + 1 < kCols) w.pad(width[i] - s.size());
        } else {
          w.pad(width[i] - s.size());
          w.add(s);
        }
        first = false;
      }
      return w.end_line();
    };
    put_row([](std::size_t i) { return std::string(kTableNames[i]); });
    for (std::size_t r = 0; r < ids.size(); ++r) {
      cells_of(index.entry(ids[r]), r + 1, ids[r], false, c);
      if (!put_row([&](std::size_t i) { return c[i]; })) break;
    }
  }
  if (!w.flush() || std::fflush(out) != 0 || std::ferror(out)) {
    return {Errc::io_error, Origin::output, std::string("cannot write the listing: ") + std::strerror(errno)};
  }
  if (rows_written) *rows_written = ids.size();
  return Status::ok();
}

}  // namespace weir::extract
