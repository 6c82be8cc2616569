// SPDX-License-Identifier: Apache-2.0
#include "extract/flow_listing.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <string_view>
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

// A formatted cell in place (no allocation per row): IPv6 text is at most 45 chars.
struct Cell {
  char s[48];
  uint8_t n = 0;
  std::string_view view() const noexcept { return {s, n}; }
  void set(std::string_view v) noexcept {
    n = static_cast<uint8_t>(std::min(v.size(), sizeof s));
    std::memcpy(s, v.data(), n);
  }
  void num(uint64_t v) noexcept { n = static_cast<uint8_t>(std::to_chars(s, s + sizeof s, v).ptr - s); }
};
using Cells = std::array<Cell, kCols>;

std::size_t put_mac(const std::array<uint8_t, 6>& m, char* out) noexcept {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 6; ++i) {
    out[3 * i] = kHex[m[i] >> 4];
    out[3 * i + 1] = kHex[m[i] & 15];
    if (i < 5) out[3 * i + 2] = ':';
  }
  return 17;
}

std::size_t put_addr(const std::array<uint8_t, 16>& a, uint8_t ip_version, char* out) noexcept {
  if (!inet_ntop(ip_version == 6 ? AF_INET6 : AF_INET, a.data(), out, 48)) {
    out[0] = '?';
    return 1;
  }
  return std::strlen(out);
}

void cells_of(const FlowEntry& e, uint64_t rank, uint32_t id, bool csv, Cells& c) {
  const FlowKey& k = e.key.flow;
  c[0].num(rank);
  c[1].num(id);
  c[2].set(proto_name(k.proto, k.ip_version));
  c[3].n = static_cast<uint8_t>(put_mac(e.src_mac, c[3].s));
  c[4].n = static_cast<uint8_t>(put_mac(e.dst_mac, c[4].s));
  c[5].n = static_cast<uint8_t>(put_addr(k.addr_a, k.ip_version, c[5].s));
  c[6].n = static_cast<uint8_t>(put_addr(k.addr_b, k.ip_version, c[6].s));
  c[7].num(k.port_a);
  c[8].num(k.port_b);
  c[9].num(k.vlan);
  c[10].num(e.packets);
  c[11].num(e.wire_bytes);
  const uint64_t dur = e.last_ns - e.first_ns;
  if (csv) {
    c[12].num(e.first_ns);
    c[13].num(e.last_ns);
    c[14].num(dur);
  } else {
    c[12].n = static_cast<uint8_t>(put_time_of_day(e.first_ns, c[12].s));
    c[13].n = static_cast<uint8_t>(put_time_of_day(e.last_ns, c[13].s));
    c[14].n = static_cast<uint8_t>(put_seconds(dur, c[14].s));
  }
}

class Writer {
 public:
  explicit Writer(std::FILE* f) : f_(f) { buf_.reserve(kFlush + 512); }
  void add(std::string_view s) { buf_ += s; }
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
  char b[48];
  return std::string(b, put_addr(a, ip_version, b));
}

std::string mac_text(const std::array<uint8_t, 6>& m) {
  char b[17];
  return std::string(b, put_mac(m, b));
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
        w.add(c[i].view());
        first = false;
      }
      if (!w.end_line()) break;
    }
  } else {
    std::array<std::size_t, kCols> width{};
    for (std::size_t i = 0; i < kCols; ++i) width[i] = std::strlen(kTableNames[i]);
    for (std::size_t r = 0; r < ids.size(); ++r) {
      cells_of(index.entry(ids[r]), r + 1, ids[r], false, c);
      for (std::size_t i = 0; i < kCols; ++i) width[i] = std::max<std::size_t>(width[i], c[i].n);
    }
    const auto put_row = [&](const auto& cell) {
      bool first = true;
      for (std::size_t i = 0; i < kCols; ++i) {
        if (!shown(i)) continue;
        const std::string_view s = cell(i);
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
    put_row([](std::size_t i) { return std::string_view(kTableNames[i]); });
    for (std::size_t r = 0; r < ids.size(); ++r) {
      cells_of(index.entry(ids[r]), r + 1, ids[r], false, c);
      if (!put_row([&](std::size_t i) { return c[i].view(); })) break;
    }
  }
  if (!w.flush() || std::fflush(out) != 0 || std::ferror(out)) {
    return {Errc::io_error, Origin::output, std::string("cannot write the listing: ") + std::strerror(errno)};
  }
  if (rows_written) *rows_written = ids.size();
  return Status::ok();
}

}  // namespace weir::extract
