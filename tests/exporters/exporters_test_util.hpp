// SPDX-License-Identifier: Apache-2.0
// Shared helpers for the exporter tests: hand-made and random records, a scratch
// directory, whole-file reads, and writing records through a sink.
#pragma once

#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/base/flow_record.hpp"
#include "exporters/flow_sink.hpp"

namespace weir::test {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class ScratchDir {
 public:
  ScratchDir() {
    const char* t = std::getenv("TMPDIR");
    std::string tmpl = std::string(t && *t ? t : "/tmp") + "/weir-exporters-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    path_ = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }
  // Names of the entries in the directory, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(path_))
      out.push_back(e.path().filename().string());
    std::sort(out.begin(), out.end());
    return out;
  }

 private:
  std::string path_;
};

inline std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Replaces the file by a new one: unlink first, because on ext4 truncating a file that
// has data starts its writeback (auto_da_alloc), which made the loops that rewrite a file
// thousands of times wait on the disk.
inline void write_all(const std::string& path, const std::string& data) {
  ::unlink(path.c_str());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

// Rows of a CSV text with no quoted fields (what weir writes), header first.
inline std::vector<std::vector<std::string>> read_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t eol = std::min(text.find('\n', at), text.size());
    std::vector<std::string> row;
    std::size_t b = at;
    for (;;) {
      const std::size_t comma = text.find(',', b);
      if (comma == std::string::npos || comma > eol) {
        row.push_back(text.substr(b, eol - b));
        break;
      }
      row.push_back(text.substr(b, comma - b));
      b = comma + 1;
    }
    rows.push_back(std::move(row));
    at = eol + 1;
  }
  return rows;
}

inline std::array<uint8_t, 16> v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return {a, b, c, d};
}

// Writes `recs` through a sink in bursts of up to 100; asserts success.
inline void write_records(const SinkConfig& cfg, std::span<const FlowRecord> recs) {
  std::unique_ptr<FlowSink> sink;
  Status s = open_sink(cfg, sink);
  ASSERT_TRUE(s) << s.message;
  for (std::size_t i = 0; i < recs.size(); i += 100) {
    s = sink->write_burst(recs.subspan(i, std::min<std::size_t>(100, recs.size() - i)));
    ASSERT_TRUE(s) << s.message;
  }
  s = sink->finish();
  ASSERT_TRUE(s) << s.message;
  EXPECT_EQ(sink->records_written(), recs.size());
}

// A record with every field random (doubles from random bits: NaN, inf, -0 included).
inline FlowRecord random_record(std::mt19937_64& rng) {
  auto u = [&] { return rng(); };
  auto d = [&] {
    switch (rng() % 4) {
      case 0: return std::bit_cast<double>(rng());
      case 1: return static_cast<double>(rng() % 2000000) / 7.0;
      case 2: return static_cast<double>(rng() % 1000);
      default: return std::ldexp(static_cast<double>(rng() % 1000000), -int(rng() % 20));
    }
  };
  FlowRecord r;
  r.start_ns = u();
  r.end_ns = u();
  r.expiry_ns = u();
  r.flow_id = u();
  for (auto& b : r.src_addr) b = static_cast<uint8_t>(u());
  for (auto& b : r.dst_addr) b = static_cast<uint8_t>(u());
  r.src_port = static_cast<uint16_t>(u());
  r.dst_port = static_cast<uint16_t>(u());
  r.vlan = static_cast<uint16_t>(u());
  const int kind = static_cast<int>(u() % 4);
  r.ip_version = kind == 3 ? static_cast<uint8_t>(u()) : (kind % 2 ? 6 : 4);
  r.proto = std::array<uint8_t, 5>{6, 17, 1, 58, 132}[u() % 5];
  r.icmp_type = static_cast<uint8_t>(u());
  r.icmp_code = static_cast<uint8_t>(u());
  r.icmp_id = static_cast<uint16_t>(u());
  r.end_reason = static_cast<EndReason>(u() % kNumEndReasons);
  r.first_tcp_flags = static_cast<uint8_t>(u());
  r.ingress_if = static_cast<uint32_t>(u());
  for (DirStats& s : r.dir) {
    s.packets = u();
    s.ip_bytes = u();
    s.l2_bytes = u();
    s.ip_len_min_bytes = static_cast<uint32_t>(u());
    s.ip_len_max_bytes = static_cast<uint32_t>(u());
    s.ip_len_mean_bytes = d();
    s.ip_len_stddev_bytes = d();
    s.first_ns = u();
    s.last_ns = u();
    s.iat_min_ns = u();
    s.iat_max_ns = u();
    s.iat_mean_ns = d();
    s.iat_stddev_ns = d();
    s.tcp_flags = static_cast<uint8_t>(u());
    s.ttl_min = static_cast<uint8_t>(u());
    s.ttl_max = static_cast<uint8_t>(u());
    s.tos = static_cast<uint8_t>(u());
    for (auto& c : s.tcp_flag_count) c = u();
  }
  return r;
}

inline bool same_dir(const DirStats& a, const DirStats& b) {
  auto bits = [](double v) { return std::bit_cast<uint64_t>(v); };
  return a.packets == b.packets && a.ip_bytes == b.ip_bytes && a.l2_bytes == b.l2_bytes &&
         a.ip_len_min_bytes == b.ip_len_min_bytes && a.ip_len_max_bytes == b.ip_len_max_bytes &&
         bits(a.ip_len_mean_bytes) == bits(b.ip_len_mean_bytes) &&
         bits(a.ip_len_stddev_bytes) == bits(b.ip_len_stddev_bytes) &&
         a.first_ns == b.first_ns && a.last_ns == b.last_ns && a.iat_min_ns == b.iat_min_ns &&
         a.iat_max_ns == b.iat_max_ns && bits(a.iat_mean_ns) == bits(b.iat_mean_ns) &&
         bits(a.iat_stddev_ns) == bits(b.iat_stddev_ns) && a.tcp_flags == b.tcp_flags &&
         a.ttl_min == b.ttl_min && a.ttl_max == b.ttl_max && a.tos == b.tos &&
         a.tcp_flag_count == b.tcp_flag_count;
}

// Field-by-field (doubles bitwise, so NaN payloads count); FlowRecord has padding, so
// no memcmp.
inline bool same_record(const FlowRecord& a, const FlowRecord& b) {
  return a.start_ns == b.start_ns && a.end_ns == b.end_ns && a.expiry_ns == b.expiry_ns &&
         a.flow_id == b.flow_id && a.src_addr == b.src_addr && a.dst_addr == b.dst_addr &&
         a.src_port == b.src_port && a.dst_port == b.dst_port && a.vlan == b.vlan &&
         a.ip_version == b.ip_version && a.proto == b.proto && a.icmp_type == b.icmp_type &&
         a.icmp_code == b.icmp_code && a.icmp_id == b.icmp_id && a.end_reason == b.end_reason &&
         a.first_tcp_flags == b.first_tcp_flags && a.ingress_if == b.ingress_if &&
         same_dir(a.dir[0], b.dir[0]) && same_dir(a.dir[1], b.dir[1]);
}

// Every field at its widest text: the longest CSV/JSON line there is.
inline FlowRecord worst_case_record() {
  FlowRecord r;
  r.flow_id = r.start_ns = r.end_ns = UINT64_MAX;
  r.ip_version = 6;
  r.proto = 58;
  r.src_addr.fill(0xFF);
  r.dst_addr.fill(0xFF);
  r.src_port = r.dst_port = r.vlan = r.icmp_id = 65535;
  r.icmp_type = r.icmp_code = 255;
  r.end_reason = EndReason::counter_limit;
  r.ingress_if = UINT32_MAX;
  r.first_tcp_flags = 0xFF;
  for (DirStats& d : r.dir) {
    d.packets = d.ip_bytes = d.l2_bytes = d.iat_min_ns = d.iat_max_ns = UINT64_MAX;
    d.ip_len_min_bytes = d.ip_len_max_bytes = UINT32_MAX;
    d.ip_len_mean_bytes = d.ip_len_stddev_bytes = d.iat_mean_ns = d.iat_stddev_ns = -DBL_MAX;
    d.tcp_flags = d.ttl_min = d.ttl_max = d.tos = 0xFF;
    d.tcp_flag_count.fill(UINT64_MAX);
  }
  return r;
}

inline std::vector<FlowRecord> random_records(std::size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<FlowRecord> v;
  for (std::size_t i = 0; i < n; ++i) v.push_back(random_record(rng));
  return v;
}

}  // namespace weir::test
