// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the engine tests: temporary folders, CSV reading, one-call runs and
// synthetic traffic that exercises every expiry rule.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "engine/engine.hpp"
#include "support/packet_builder.hpp"
#include "support/pcap_writer.hpp"

namespace weir {

namespace fs = std::filesystem;

inline std::string slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Rows of a delimited text file (weir's CSV has no quoted fields); sep ',' or '\t'.
inline std::vector<std::vector<std::string>> read_csv(const fs::path& p, char sep = ',') {
  std::vector<std::vector<std::string>> rows;
  std::ifstream f(p);
  std::string line;
  while (std::getline(f, line)) {
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, sep)) cols.push_back(c);
    if (!line.empty() && line.back() == sep) cols.emplace_back();
    rows.push_back(cols);
  }
  return rows;
}

struct TempDir {
  fs::path path;
  TempDir() {
    path = fs::temp_directory_path() / ("weir-engine-" + std::to_string(::getpid()) + "-" +
                                        std::to_string(counter()++));
    fs::create_directories(path);
  }
  ~TempDir() { fs::remove_all(path); }
  static int& counter() {
    static int c = 0;
    return c;
  }
};

inline RunSummary run(EngineConfig cfg, Status* st = nullptr) {
  RunSummary sum;
  Status s = run_engine(cfg, sum);
  if (st) *st = s;
  else EXPECT_TRUE(s) << s.message;
  return sum;
}

inline EngineConfig config_for(const std::string& in, const fs::path& out, uint32_t workers) {
  EngineConfig c;
  c.capture.files = {in};
  c.workers = workers;
  c.outputs = {SinkConfig{.path = out.string()}};
  return c;
}

// Column index by header name.
inline std::size_t col(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  ADD_FAILURE() << "no column " << name;
  return 0;
}

// Synthetic traffic that exercises every expiry rule: short idle and active timeouts,
// FIN and RST closes, ICMP echo, IPv6, VLAN tags and both directions.
inline std::vector<test::PcapRecord> synthetic_traffic(uint32_t n_packets, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<test::PcapRecord> recs;
  uint64_t t = 1'700'000'000ull * 1'000'000'000;
  for (uint32_t i = 0; i < n_packets; ++i) {
    t += rng() % 20'000'000;  // up to 20 ms between packets
    const uint32_t flow = static_cast<uint32_t>(rng() % 400);
    const bool rev = rng() % 2;
    const std::string a = "10.0." + std::to_string(flow / 200) + "." + std::to_string(flow % 200 + 1);
    const std::string b = "192.168.1.1";
    test::PacketBuilder pb;
    pb.eth();
    if (flow % 7 == 0) pb.vlan(static_cast<uint16_t>(100 + flow % 3));
    const uint16_t cport = static_cast<uint16_t>(20000 + flow);
    switch (flow % 5) {
      case 0:
      case 1: {
        pb.ipv4(rev ? b : a, rev ? a : b);
        const uint8_t fl = rng() % 40 == 0 ? test::kFin | test::kAck
                           : rng() % 80 == 0 ? test::kRst
                                             : test::kAck;
        pb.tcp(rev ? 443 : cport, rev ? cport : 443, fl).payload(rng() % 1400);
        break;
      }
      case 2:
        pb.ipv4(rev ? b : a, rev ? a : b).udp(rev ? 53 : cport, rev ? cport : 53).payload(rng() % 500);
        break;
      case 3:
        pb.ipv4(rev ? b : a, rev ? a : b).icmp(rev ? 0 : 8, 0, static_cast<uint16_t>(flow)).payload(56);
        break;
      default: {
        const std::string a6 = "fd00::" + std::to_string(flow), b6 = "2001:db8::1";
        pb.ipv6(rev ? b6 : a6, rev ? a6 : b6).udp(rev ? 443 : cport, rev ? cport : 443).payload(rng() % 1200);
      }
    }
    const test::Frame f = pb.build();
    recs.push_back({t, f.bytes, f.wire_len});
  }
  return recs;
}


}  // namespace weir
