// SPDX-License-Identifier: Apache-2.0
// Flow table micro-benchmarks: the per-packet costs of a worker, one layer at a time.
//   BM_FlowHash              XXH3 over the 40-byte key (the engine hashes every packet).
//   BM_FlowTableFind         hits, in random order, in bursts: prefetch_bucket for the
//                            whole burst, then prefetch_candidates, then find -- at 25/50/90%
//                            of capacity, for a table that fits in L3 (64k flows: 16 MiB of
//                            slots) and one that does not (4M flows: 1 GiB of slots).
//                            pipelined:1 instead runs the group-of-16 software pipeline of
//                            FlowMeter::process_burst (buckets two groups ahead, candidate
//                            lines one group ahead), which keeps fewer misses in flight.
//   BM_FlowTableInsertErase  churn at a fixed fill: erase the oldest flow, insert a new one.
//   BM_FlowMeterSteadyState  FlowMeter::process_burst on packets of live flows (no expiry,
//                            no new flows) over 10k / 200k / 1M flows: the whole per-packet
//                            metering cost, lookup + accounting + timer-wheel ticks.
// Flows are uniformly random (no popular flows), so these are worst-case cache figures.
// per_<item> counters are CPU time per hash / lookup / churn / packet (items/s inverted).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <span>
#include <vector>

#include "flowtable/flow_hash.hpp"
#include "flowtable/flow_meter.hpp"
#include "flowtable/flow_table.hpp"

namespace weir {
namespace {

constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;

// Key i of a varied population: 70% IPv4, 30% IPv6; 75% TCP, 25% UDP; random peers and
// client ports, a handful of server ports. i is spelled into addr_a, so keys are unique.
FlowKey make_key(uint32_t i, std::mt19937_64& rng) {
  static constexpr uint16_t kServerPorts[] = {80, 443, 53, 22, 8080, 3306, 123, 25};
  FlowKey k;
  const uint64_t r = rng();
  const uint64_t peer = rng();
  k.proto = (r & 3) == 0 ? kProtoUdp : kProtoTcp;
  k.port_a = static_cast<uint16_t>(1024 + (r >> 8) % 64'000);
  k.port_b = kServerPorts[(r >> 32) & 7];
  const auto i3 = static_cast<uint8_t>(i >> 24), i2 = static_cast<uint8_t>(i >> 16);
  const auto i1 = static_cast<uint8_t>(i >> 8), i0 = static_cast<uint8_t>(i);
  if ((r >> 40) % 10 < 7) {
    k.ip_version = 4;
    k.addr_a = {static_cast<uint8_t>(10 + i3), i2, i1, i0};
    for (int b = 0; b < 4; ++b) k.addr_b[b] = static_cast<uint8_t>(peer >> (8 * b));
  } else {
    k.ip_version = 6;
    k.addr_a = {0x20, 0x01, 0x0d, 0xb8};
    k.addr_b = {0x2a, 0x00, 0x14, 0x50};
    for (int b = 4; b < 12; ++b) k.addr_a[b] = static_cast<uint8_t>(peer >> (8 * (b - 4)));
    k.addr_a[12] = i3;
    k.addr_a[13] = i2;
    k.addr_a[14] = i1;
    k.addr_a[15] = i0;
    const uint64_t peer2 = rng();
    for (int b = 8; b < 16; ++b) k.addr_b[b] = static_cast<uint8_t>(peer2 >> (8 * (b - 8)));
  }
  return k;
}

std::vector<FlowKey> make_keys(uint32_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<FlowKey> keys(n);
  for (uint32_t i = 0; i < n; ++i) keys[i] = make_key(i, rng);
  return keys;
}

uint32_t hash32(const FlowKey& k) { return static_cast<uint32_t>(flow_hash64(k)); }

// items/s, plus the inverse as per_<item>: CPU seconds per item, printed with an SI
// prefix ("12.3ns"), as per_op in timer_wheel_bench.cpp.
void report_items(benchmark::State& st, uint64_t items, const char* per_name) {
  st.SetItemsProcessed(static_cast<int64_t>(items));
  st.counters[per_name] = benchmark::Counter(static_cast<double>(items),
                                             benchmark::Counter::kIsRate |
                                                 benchmark::Counter::kInvert);
}

// --- hash ------------------------------------------------------------------------------

void BM_FlowHash(benchmark::State& st) {
  constexpr uint32_t kKeys = 1024;  // 40 KiB: the keys stay in L1/L2, this is the hash alone
  const std::vector<FlowKey> keys = make_keys(kKeys, 1);
  uint64_t acc = 0;
  uint32_t i = 0;
  for (auto _ : st) {
    acc ^= flow_hash64(keys[i]);
    i = (i + 1) & (kKeys - 1);
    benchmark::DoNotOptimize(acc);
  }
  report_items(st, st.iterations(), "per_hash");
}
BENCHMARK(BM_FlowHash);

// --- find ------------------------------------------------------------------------------

struct Probe {
  FlowKey key;
  uint32_t hash;
};

// A filled table and its keys in random lookup order. Built once per (capacity, fill) and
// kept for the following runs (burst sizes, modes); filling 3.8M flows takes seconds.
struct FindFixture {
  uint32_t capacity = 0;
  uint32_t n = 0;
  std::unique_ptr<FlowTable> table;
  std::vector<Probe> probes;
};
std::unique_ptr<FindFixture>& find_fixture_slot() {
  static std::unique_ptr<FindFixture> f;
  return f;
}

FindFixture& find_fixture(uint32_t capacity, uint32_t n) {
  auto& f = find_fixture_slot();
  if (f && f->capacity == capacity && f->n == n) return *f;
  f.reset();  // free the previous table first: at most one big table at a time
  f = std::make_unique<FindFixture>();
  f->capacity = capacity;
  f->n = n;
  f->table = std::make_unique<FlowTable>(capacity);
  const std::vector<FlowKey> keys = make_keys(n, 2);
  f->probes.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    const uint32_t h = hash32(keys[i]);
    f->probes[i] = Probe{keys[i], h};
    if (f->table->insert(keys[i], h) == FlowTable::kNoSlot) break;  // the caller checks size()
  }
  std::shuffle(f->probes.begin(), f->probes.end(), std::mt19937_64(3));
  return *f;
}

// Args: capacity, fill in % of capacity, burst, pipelined (0: three passes per burst,
// 1: FlowMeter::process_burst's group-of-16 pipeline inside the burst).
void BM_FlowTableFind(benchmark::State& st) {
  const auto capacity = static_cast<uint32_t>(st.range(0));
  const auto fill_pct = static_cast<uint32_t>(st.range(1));
  const auto burst = static_cast<uint32_t>(st.range(2));
  const bool pipelined = st.range(3) != 0;
  constexpr uint32_t kPerIter = 256;  // lookups per iteration, whatever the burst
  // A multiple of 256, so bursts never straddle the end of the probe array.
  const uint32_t n = static_cast<uint32_t>(uint64_t{capacity} * fill_pct / 100) & ~255u;
  FindFixture& fx = find_fixture(capacity, n);
  const FlowTable& t = *fx.table;
  if (t.size() != n) {
    st.SkipWithError("table refused an insert while filling");
    return;
  }
  const Probe* probes = fx.probes.data();
  uint32_t pos = 0;
  uint64_t misses = 0;
  uint64_t acc = 0;
  auto three_pass = [&](const Probe* p, uint32_t b) {
    for (uint32_t i = 0; i < b; ++i) t.prefetch_bucket(p[i].hash);
    for (uint32_t i = 0; i < b; ++i) t.prefetch_candidates(p[i].hash);
    for (uint32_t i = 0; i < b; ++i) {
      const uint32_t s = t.find(p[i].key, p[i].hash);
      misses += s == FlowTable::kNoSlot;
      acc += s;
    }
  };
  auto pipeline = [&](const Probe* p, uint32_t b) {
    constexpr uint32_t kGroup = 16;  // as in FlowMeter::process_burst
    auto buckets = [&](uint32_t from) {
      for (uint32_t i = from, e = std::min(b, from + kGroup); i < e; ++i) t.prefetch_bucket(p[i].hash);
    };
    auto candidates = [&](uint32_t from) {
      for (uint32_t i = from, e = std::min(b, from + kGroup); i < e; ++i) t.prefetch_candidates(p[i].hash);
    };
    buckets(0);
    buckets(kGroup);
    candidates(0);
    for (uint32_t base = 0; base < b; base += kGroup) {
      buckets(base + 2 * kGroup);
      candidates(base + kGroup);
      for (uint32_t i = base, e = std::min(b, base + kGroup); i < e; ++i) {
        const uint32_t s = t.find(p[i].key, p[i].hash);
        misses += s == FlowTable::kNoSlot;
        acc += s;
      }
    }
  };
  for (auto _ : st) {
    for (uint32_t done = 0; done < kPerIter; done += burst) {
      if (pipelined) {
        pipeline(probes + pos, burst);
      } else {
        three_pass(probes + pos, burst);
      }
      pos += burst;
      if (pos == n) pos = 0;
    }
    benchmark::DoNotOptimize(acc);
  }
  if (misses) st.SkipWithError("a lookup of an inserted key missed");
  report_items(st, st.iterations() * kPerIter, "per_lookup");
  st.counters["flows"] = n;
}
void find_args(benchmark::internal::Benchmark* b) {
  // 4M: 4M x 256 B = 1 GiB of slots (+64 MiB of index), well past any cache.
  for (int64_t cap : {int64_t{1} << 16, int64_t{1} << 22}) {
    for (int64_t fill : {25, 50, 90}) {
      for (int64_t burst : {1, 32, 256}) b->Args({cap, fill, burst, 0});
      for (int64_t burst : {32, 256}) b->Args({cap, fill, burst, 1});
    }
  }
}
BENCHMARK(BM_FlowTableFind)
    ->ArgNames({"capacity", "fill_pct", "burst", "pipelined"})
    ->Apply(find_args);

// --- insert / erase --------------------------------------------------------------------

// Steady churn at a fill of n flows: erase the oldest live flow (FIFO over a pool of
// n + n/4 keys), insert the next key. One churn = one erase + one insert. The inserted
// key's bucket is prefetched 16 churns ahead, as process_burst's lookup would have done
// for a new flow's packet; the erase is not (FlowMeter's expiry erases without one).
void BM_FlowTableInsertErase(benchmark::State& st) {
  const auto capacity = static_cast<uint32_t>(st.range(0));
  const auto fill_pct = static_cast<uint32_t>(st.range(1));
  find_fixture_slot().reset();  // release the lookup benchmarks' table
  const uint32_t n = static_cast<uint32_t>(uint64_t{capacity} * fill_pct / 100);
  const uint32_t pool = n + n / 4;
  const std::vector<FlowKey> keys = make_keys(pool, 4);
  std::vector<uint32_t> hashes(pool);
  for (uint32_t i = 0; i < pool; ++i) hashes[i] = hash32(keys[i]);
  std::vector<uint32_t> slot_of(pool, FlowTable::kNoSlot);
  FlowTable t(capacity);
  for (uint32_t i = 0; i < n; ++i) slot_of[i] = t.insert(keys[i], hashes[i]);
  constexpr uint32_t kAhead = 16;
  uint32_t oldest = 0;   // next to erase
  uint32_t next = n;     // next to insert (pool index, wraps)
  uint64_t failed = 0;
  for (auto _ : st) {
    uint32_t pre = next + kAhead;
    if (pre >= pool) pre -= pool;
    t.prefetch_bucket(hashes[pre]);
    t.erase(slot_of[oldest], hashes[oldest]);
    const uint32_t s = t.insert(keys[next], hashes[next]);
    failed += s == FlowTable::kNoSlot;
    slot_of[next] = s;
    if (++oldest == pool) oldest = 0;
    if (++next == pool) next = 0;
  }
  benchmark::DoNotOptimize(slot_of.data());
  if (failed || t.size() != n) st.SkipWithError("insert failed during churn");
  report_items(st, st.iterations(), "per_churn");
  st.counters["flows"] = n;
}
BENCHMARK(BM_FlowTableInsertErase)
    ->ArgNames({"capacity", "fill_pct"})
    ->Args({1 << 16, 50})
    ->Args({1 << 16, 90})
    ->Args({1 << 22, 50})
    ->Args({1 << 22, 90});

// --- meter -----------------------------------------------------------------------------

class NullEmitter final : public RecordEmitter {
 public:
  void emit(std::span<const FlowRecord> recs) override {
    benchmark::DoNotOptimize(recs.data());
  }
};

// A meter with `flows` live flows and a pre-built stream of their packets (uniformly
// random flow per packet, 100 ns apart = 10 Mpps of packet time). The stream is replayed;
// between passes its timestamps move on by one pass (outside the timed region), so time
// never goes back. Packet time per run is seconds, far below the 300 s idle timeout: no
// record ends, and every packet is an update of a live flow. Kept across burst sizes.
struct MeterFixture {
  static constexpr uint32_t kStream = 1u << 20;  // 72 MiB of PacketMeta
  static constexpr uint64_t kGapNs = 100;
  uint32_t flows = 0;
  bool moments = false;
  NullEmitter out;
  std::unique_ptr<FlowMeter> meter;
  std::vector<PacketMeta> stream;
  uint32_t pos = 0;
};

PacketMeta make_packet(const FlowKey& k, std::mt19937_64& rng) {
  PacketMeta m;
  const uint64_t r = rng();
  m.key = k;
  m.hash = hash32(k);
  m.ip_bytes = static_cast<uint32_t>(40 + r % 1461);
  m.wire_bytes = m.ip_bytes + 14;
  m.tcp_flags = k.proto == kProtoTcp ? ((r >> 16) & 1 ? 0x18 : 0x10) : 0;  // ACK, PSH-ACK
  m.bits = (r >> 17) & 1 ? PacketMeta::kReversed : 0;
  return m;
}

MeterFixture& meter_fixture(uint32_t flows, bool moments) {
  static std::unique_ptr<MeterFixture> f;
  if (f && f->flows == flows && f->moments == moments) return *f;
  f.reset();
  find_fixture_slot().reset();
  auto nf = std::make_unique<MeterFixture>();
  nf->flows = flows;
  nf->moments = moments;
  MeterConfig cfg;  // YAF defaults: 300 s idle, 1800 s active, 1 ms ticks
  cfg.max_flows = flows * 2;
  cfg.bidirectional = true;
  cfg.higher_moments = moments;  // -F pyflowmeter: frame-length/IAT power sums
  nf->meter = std::make_unique<FlowMeter>(cfg, nf->out);
  const std::vector<FlowKey> keys = make_keys(flows, 5);
  std::mt19937_64 rng(6);
  uint64_t ts = 1'700'000'000ull * 1'000'000'000ull;
  uint64_t index = 0;
  // First packet of every flow, in order: afterwards all of them are live.
  std::vector<PacketMeta> first(flows);
  for (uint32_t i = 0; i < flows; ++i) {
    first[i] = make_packet(keys[i], rng);
    first[i].ts_ns = ts += MeterFixture::kGapNs;
    first[i].index = index++;
  }
  for (uint32_t i = 0; i < flows; i += 256) {
    nf->meter->process_burst(std::span<const PacketMeta>(first.data() + i, std::min(256u, flows - i)));
  }
  nf->stream.resize(MeterFixture::kStream);
  for (auto& m : nf->stream) {
    m = make_packet(keys[rng() % flows], rng);
    m.ts_ns = ts += MeterFixture::kGapNs;
    m.index = index++;
  }
  f = std::move(nf);
  return *f;
}

// Args: live flows, burst size (packets per process_burst call, as in a PacketBatch),
// moments (1: MeterConfig::higher_moments, what -F pyflowmeter costs).
void BM_FlowMeterSteadyState(benchmark::State& st) {
  const auto flows = static_cast<uint32_t>(st.range(0));
  const auto burst = static_cast<uint32_t>(st.range(1));
  MeterFixture& fx = meter_fixture(flows, st.range(2) != 0);
  FlowMeter& meter = *fx.meter;
  const uint64_t records_before = meter.stats().records_total;
  constexpr uint64_t kPassNs = uint64_t{MeterFixture::kStream} * MeterFixture::kGapNs;
  for (auto _ : st) {
    // The previous run (another burst size) may have left pos anywhere: wrap early rather
    // than read past the end. Skipping the tail is harmless, time still only goes on.
    if (fx.pos + burst > MeterFixture::kStream) {
      st.PauseTiming();
      for (auto& m : fx.stream) m.ts_ns += kPassNs;
      fx.pos = 0;
      st.ResumeTiming();
    }
    meter.process_burst(std::span<const PacketMeta>(fx.stream.data() + fx.pos, burst));
    fx.pos += burst;
  }
  benchmark::DoNotOptimize(meter.stats().packets);
  if (meter.stats().records_total != records_before || meter.stats().live != flows) {
    st.SkipWithError("not steady state: records ended or flows were added");
  }
  report_items(st, st.iterations() * burst, "per_packet");
  st.counters["flows"] = flows;
}
BENCHMARK(BM_FlowMeterSteadyState)
    ->ArgNames({"flows", "burst", "moments"})
    ->Apply([](benchmark::internal::Benchmark* b) {
      // Flows outermost, so each meter is built once and reused for both burst sizes.
      for (int64_t flows : {10'000, 200'000, 1'000'000}) {
        for (int64_t moments : {0, 1}) {
          for (int64_t burst : {32, 256}) b->Args({flows, burst, moments});
        }
      }
    });

}  // namespace
}  // namespace weir

// No BENCHMARK_MAIN here: flowtable_bench is one executable, main() is in timer_wheel_bench.cpp.
