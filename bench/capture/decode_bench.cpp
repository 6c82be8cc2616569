// SPDX-License-Identifier: Apache-2.0
// Decoder micro-benchmarks: ns per packet for the straight path (Ethernet/IPv4/TCP), a
// tagged IPv6 path (Ethernet/802.1Q/IPv6/UDP) and a mixed trace (mostly plain TCP/UDP,
// some VLAN, IPv6 with extension headers, ICMP, MPLS, PPPoE, fragments, ARP).
//
// Frames are built once, outside the timed loop, into 4096 distinct packets (varied
// addresses and ports, so the branch predictor cannot learn one key order) laid out
// back to back like a capture buffer. Each iteration decodes a burst of 256 views into a
// PacketMeta array, as the reader thread does. Run: meson test -C build --benchmark
// decode --verbose, or the executable with --benchmark_filter=.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "capture/decode/decoder.hpp"
#include "support/packet_builder.hpp"

namespace weir {
namespace {

using test::Frame;
using test::PacketBuilder;

constexpr std::size_t kPackets = 4096;
constexpr std::size_t kBurst = 256;

std::string v4(std::mt19937& rng) {
  return "10." + std::to_string(rng() % 256) + "." + std::to_string(rng() % 256) + "." +
         std::to_string(1 + rng() % 254);
}

std::string v6(std::mt19937& rng) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "2001:db8:%x::%x", static_cast<unsigned>(rng() % 0xFFFF),
                static_cast<unsigned>(1 + rng() % 0xFFFE));
  return buf;
}

uint16_t port(std::mt19937& rng) { return static_cast<uint16_t>(1024 + rng() % 60000); }

Frame eth_ipv4_tcp(std::mt19937& rng) {
  return PacketBuilder().eth().ipv4(v4(rng), v4(rng)).tcp(port(rng), 443, test::kAck)
      .payload(rng() % 64).build();
}

Frame eth_vlan_ipv6_udp(std::mt19937& rng) {
  return PacketBuilder().eth().vlan(static_cast<uint16_t>(1 + rng() % 4000)).ipv6(v6(rng), v6(rng))
      .udp(port(rng), 53).payload(rng() % 64).build();
}

Frame mixed(std::mt19937& rng, uint16_t& frag_id) {
  const uint32_t r = rng() % 100;
  if (r < 50) return eth_ipv4_tcp(rng);
  if (r < 65)
    return PacketBuilder().eth().ipv4(v4(rng), v4(rng)).udp(port(rng), 53).payload(40).build();
  if (r < 75) return eth_vlan_ipv6_udp(rng);
  if (r < 80)
    return PacketBuilder().eth().ipv6(v6(rng), v6(rng)).ipv6_ext(0).ipv6_ext(60).tcp(port(rng), 80)
        .build();
  if (r < 84)
    return PacketBuilder().eth().ipv4(v4(rng), v4(rng)).icmp(rng() % 2 ? 8 : 0, 0, port(rng)).build();
  if (r < 88)
    return PacketBuilder().eth().mpls(100).mpls(200).ipv4(v4(rng), v4(rng)).tcp(port(rng), 23).build();
  if (r < 91)
    return PacketBuilder().eth().vlan(10, 0x88A8).vlan(20).pppoe().ipv4(v4(rng), v4(rng))
        .tcp(port(rng), 443).build();
  if (r < 95) {  // a first fragment, then (in the next slot) its continuation
    ++frag_id;
    return PacketBuilder().eth().ipv4("192.0.2.1", "192.0.2.2").ip_id(frag_id).frag(0, true)
        .udp(4000, 4001).udp_length(3000).payload(1472).build();
  }
  if (r < 98)
    return PacketBuilder().eth().ipv4("192.0.2.1", "192.0.2.2").ip_id(frag_id).frag(1480, false)
        .ip_proto(17).payload(1000).build();
  return PacketBuilder().eth().ethertype(0x0806).payload(28).build();  // ARP
}

// A capture-buffer-like trace: all frames in one allocation, views into it.
struct Trace {
  std::vector<uint8_t> bytes;
  std::vector<PacketView> views;

  template <typename Gen>
  explicit Trace(Gen gen) {
    std::vector<Frame> frames;
    std::size_t total = 0;
    for (std::size_t i = 0; i < kPackets; ++i) {
      frames.push_back(gen());
      total += (frames.back().bytes.size() + 15) & ~std::size_t{15};
    }
    bytes.resize(total);
    std::size_t at = 0;
    for (std::size_t i = 0; i < kPackets; ++i) {
      const Frame& f = frames[i];
      std::copy(f.bytes.begin(), f.bytes.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at));
      PacketView v = f.view(1'000'000'000ull * 1'700'000'000 + i * 1000);
      v.data = bytes.data() + at;
      views.push_back(v);
      at += (f.bytes.size() + 15) & ~std::size_t{15};
    }
  }
};

void run(benchmark::State& state, const Trace& trace) {
  DecodeConfig cfg;
  cfg.bidirectional = state.range(0) != 0;
  Decoder dec(cfg);
  std::array<PacketMeta, kBurst> out;
  std::size_t pos = 0;
  uint64_t flows = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBurst; ++i) {
      const PacketView& v = trace.views[pos + i];
      flows += dec.decode(v, v.ts_ns, out[i]) == DecodeOutcome::flow;
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    pos = (pos + kBurst) % kPackets;
  }
  benchmark::DoNotOptimize(flows);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kBurst));
  // ns per packet, directly comparable with the 11 Mpps (~90 ns for everything) budget.
  state.counters["ns_per_pkt"] = benchmark::Counter(
      static_cast<double>(state.iterations() * kBurst),
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_Decode_EthIpv4Tcp(benchmark::State& state) {
  static const Trace trace([rng = std::mt19937(1)]() mutable { return eth_ipv4_tcp(rng); });
  run(state, trace);
}

void BM_Decode_EthVlanIpv6Udp(benchmark::State& state) {
  static const Trace trace([rng = std::mt19937(2)]() mutable { return eth_vlan_ipv6_udp(rng); });
  run(state, trace);
}

void BM_Decode_Mixed(benchmark::State& state) {
  static const Trace trace([rng = std::mt19937(3), id = uint16_t{0}]() mutable { return mixed(rng, id); });
  run(state, trace);
}

// Arg: 1 = bidirectional (canonical keys, the default), 0 = unidirectional.
BENCHMARK(BM_Decode_EthIpv4Tcp)->Arg(1)->Arg(0);
BENCHMARK(BM_Decode_EthVlanIpv6Udp)->Arg(1)->Arg(0);
BENCHMARK(BM_Decode_Mixed)->Arg(1);

}  // namespace
}  // namespace weir

BENCHMARK_MAIN();
