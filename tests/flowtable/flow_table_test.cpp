// SPDX-License-Identifier: Apache-2.0
// FlowTable (index + storage) and FlowMeter (accounting + expiry rules).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <vector>

#include "flowtable/flow_hash.hpp"
#include "flowtable/flow_meter.hpp"
#include "flowtable/flow_table.hpp"

namespace weir {
namespace {

constexpr uint64_t kSec = 1'000'000'000ull;
constexpr uint64_t kT0 = 1'700'000'000ull * kSec;

FlowKey key_n(uint32_t n, uint8_t proto = 6) {
  FlowKey k;
  k.ip_version = 4;
  k.proto = proto;
  k.addr_a = {10, 0, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n)};
  k.addr_b = {192, 168, 0, 1};
  k.port_a = static_cast<uint16_t>(1000 + n);
  k.port_b = 80;
  return k;
}

TEST(FlowTable, FindsWhatWasInsertedAndForgetsWhatWasErased) {
  FlowTable t(64);
  std::vector<uint32_t> slots;
  for (uint32_t i = 0; i < 40; ++i) {
    const FlowKey k = key_n(i);
    const auto h = static_cast<uint32_t>(flow_hash64(k));
    EXPECT_EQ(t.find(k, h), FlowTable::kNoSlot);
    slots.push_back(t.insert(k, h));
    ASSERT_NE(slots.back(), FlowTable::kNoSlot);
  }
  EXPECT_EQ(t.size(), 40u);
  for (uint32_t i = 0; i < 40; i += 2) {
    const FlowKey k = key_n(i);
    t.erase(slots[i], static_cast<uint32_t>(flow_hash64(k)));
  }
  for (uint32_t i = 0; i < 40; ++i) {
    const FlowKey k = key_n(i);
    const uint32_t s = t.find(k, static_cast<uint32_t>(flow_hash64(k)));
    if (i % 2) {
      EXPECT_EQ(s, slots[i]);
    } else {
      EXPECT_EQ(s, FlowTable::kNoSlot);
    }
  }
  EXPECT_EQ(t.size(), 20u);
}

TEST(FlowTable, InsertedStateIsZeroButTheKeyForFreshAndForReusedSlots) {
  FlowTable t(8);
  auto all_zero_but_key = [](const FlowState& f) {
    FlowState z;
    std::memset(static_cast<void*>(&z), 0, sizeof z);
    z.key = f.key;
    return std::memcmp(&z, &f, sizeof z) == 0;
  };
  std::vector<uint32_t> slots;
  for (uint32_t i = 0; i < 8; ++i) {
    const FlowKey k = key_n(i);
    slots.push_back(t.insert(k, static_cast<uint32_t>(flow_hash64(k))));
    ASSERT_NE(slots.back(), FlowTable::kNoSlot);
    FlowState& f = t.state(slots.back());
    EXPECT_TRUE(all_zero_but_key(f)) << "fresh slot " << slots.back();
    EXPECT_TRUE(f.key == k);
    std::memset(static_cast<void*>(&f.dir), 0xAB, sizeof f.dir);  // a record's worth of counters
    f.first_ns = kT0;
  }
  // Freed slots come back dirty from their last record: insert must clear them.
  for (uint32_t i = 0; i < 8; i += 3) t.erase(slots[i], static_cast<uint32_t>(flow_hash64(key_n(i))));
  for (uint32_t i = 100; i < 103; ++i) {
    const FlowKey k = key_n(i);
    const uint32_t s = t.insert(k, static_cast<uint32_t>(flow_hash64(k)));
    ASSERT_NE(s, FlowTable::kNoSlot);
    EXPECT_TRUE(all_zero_but_key(t.state(s))) << "reused slot " << s;
  }
}

TEST(FlowTable, IndexGrowsPastItsInitialSizeAndKeepsEveryFlowReachable) {
  // 16,384 initial buckets hold 65,536 flows at half load: 300k forces several rehashes,
  // with erased slots (reused from the free stack) in between.
  constexpr uint32_t kN = 300'000;
  FlowTable t(kN);
  auto key = [](uint32_t n) {
    FlowKey k = key_n(n);
    k.addr_b = {192, 168, static_cast<uint8_t>(n >> 16), 1};
    return k;
  };
  auto h = [](const FlowKey& k) { return static_cast<uint32_t>(flow_hash64(k)); };
  std::vector<uint32_t> slots(kN);
  for (uint32_t i = 0; i < kN; ++i) {
    slots[i] = t.insert(key(i), h(key(i)));
    ASSERT_NE(slots[i], FlowTable::kNoSlot) << i;
    if (i % 3 == 2) {  // erase every third as we go
      t.erase(slots[i - 1], h(key(i - 1)));
      slots[i - 1] = FlowTable::kNoSlot;
    }
  }
  EXPECT_EQ(t.size(), kN - kN / 3);
  EXPECT_EQ(FlowTable(kN).index_buckets(), 16384u);  // a new table starts small
  EXPECT_GE(t.index_buckets() * 4, kN - kN / 3);     // ...and this one grew to stay half full
  for (uint32_t i = 0; i < kN; ++i) {
    ASSERT_EQ(t.find(key(i), h(key(i))), slots[i]) << i;
    if (slots[i] != FlowTable::kNoSlot) {
      ASSERT_TRUE(t.state(slots[i]).key == key(i));
    }
  }
}

TEST(FlowTable, ForcedCollisionsOverflowIntoNextBucketsAndEraseKeepsOthersReachable) {
  FlowTable t(64);
  constexpr uint32_t kSameHash = 0x12345678;  // every key lands in one home bucket
  std::vector<uint32_t> slots;
  for (uint32_t i = 0; i < 30; ++i) slots.push_back(t.insert(key_n(i), kSameHash));
  for (uint32_t i = 0; i < 30; ++i) EXPECT_EQ(t.find(key_n(i), kSameHash), slots[i]) << i;
  // Erase from the home bucket and from the overflow buckets, then re-check the rest.
  for (uint32_t i : {0u, 3u, 9u, 17u, 29u}) t.erase(slots[i], kSameHash);
  for (uint32_t i = 0; i < 30; ++i) {
    const bool erased = i == 0 || i == 3 || i == 9 || i == 17 || i == 29;
    EXPECT_EQ(t.find(key_n(i), kSameHash), erased ? FlowTable::kNoSlot : slots[i]) << i;
  }
  // Everything erased: overflow counts return to zero, so a miss stops at once.
  for (uint32_t i = 0; i < 30; ++i) {
    if (t.find(key_n(i), kSameHash) != FlowTable::kNoSlot) t.erase(slots[i], kSameHash);
  }
  EXPECT_EQ(t.size(), 0u);
  EXPECT_EQ(t.find(key_n(5), kSameHash), FlowTable::kNoSlot);
}

TEST(FlowTable, FullTableRefusesInsertAndNamesTheLeastRecentlySeenVictim) {
  FlowTable t(4);
  for (uint32_t i = 0; i < 4; ++i) {
    const uint32_t s = t.insert(key_n(i), 7);
    t.state(s).first_ns = kT0 + (i == 2 ? 0 : 10 * kSec);  // flow 2 is the oldest
  }
  EXPECT_EQ(t.insert(key_n(9), 7), FlowTable::kNoSlot);
  EXPECT_EQ(t.lru_victim(7), t.find(key_n(2), 7));
}

// ---- FlowMeter ----

struct Collect : RecordEmitter {
  std::vector<FlowRecord> recs;
  void emit(std::span<const FlowRecord> r) override { recs.insert(recs.end(), r.begin(), r.end()); }
};

struct MeterRig {
  Collect out;
  FlowMeter meter;
  uint64_t index = 0;
  explicit MeterRig(MeterConfig cfg) : meter(cfg, out) {}
  // A packet of flow n at time t; reversed = sent by endpoint b.
  void pkt(uint32_t n, uint64_t t, bool reversed = false, uint8_t flags = 0x10, uint32_t ip_len = 100) {
    PacketMeta m;
    m.key = key_n(n);
    m.ts_ns = t;
    m.index = index++;
    m.hash = static_cast<uint32_t>(flow_hash64(m.key));
    m.ip_bytes = ip_len;
    m.wire_bytes = ip_len + 14;
    m.tcp_flags = flags;
    m.bits = reversed ? PacketMeta::kReversed : 0;
    meter.process_burst(std::span<const PacketMeta>(&m, 1));
  }
  std::vector<FlowRecord> finish() {
    meter.finish();
    return out.recs;
  }
};

MeterConfig cfg_with(uint64_t idle_s, uint64_t active_s = 1800) {
  MeterConfig c;
  c.max_flows = 1024;
  c.idle_timeout_ns = idle_s * kSec;
  c.active_timeout_ns = active_s * kSec;
  return c;
}

TEST(FlowMeter, TwoSynsFurtherApartThanIdleTimeoutMakeTwoRecords) {
  MeterRig r(cfg_with(3600, 7200));
  r.pkt(1, kT0, false, 0x02);
  r.pkt(1, kT0 + 3601 * kSec, false, 0x02);
  const auto recs = r.finish();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].end_reason, EndReason::idle);
  EXPECT_EQ(recs[0].expiry_ns, kT0 + 3600 * kSec);  // ends at last packet + idle
  EXPECT_EQ(recs[0].dir[0].packets, 1u);
  EXPECT_EQ(recs[1].end_reason, EndReason::eof);
  EXPECT_EQ(recs[1].start_ns, kT0 + 3601 * kSec);
}

TEST(FlowMeter, GapEqualToIdleTimeoutStaysInOneRecord) {
  MeterRig r(cfg_with(60));
  r.pkt(1, kT0);
  r.pkt(1, kT0 + 60 * kSec);  // gap == timeout: not expired (strictly greater expires)
  const auto recs = r.finish();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].dir[0].packets, 2u);
}

TEST(FlowMeter, ActiveTimeoutCutsTheRecordAndTheFlowContinues) {
  MeterRig r(cfg_with(300, 4));
  for (uint64_t s = 0; s < 10; ++s) r.pkt(1, kT0 + s * kSec);
  const auto recs = r.finish();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].end_reason, EndReason::active);
  EXPECT_EQ(recs[0].dir[0].packets, 5u);  // t = 0..4 (4 is not past first + 4 s)
  EXPECT_EQ(recs[0].expiry_ns, kT0 + 4 * kSec);
  EXPECT_EQ(recs[1].dir[0].packets, 5u);
  EXPECT_EQ(recs[1].flow_id, 5u);  // index of the packet that started it
}

TEST(FlowMeter, FinBothWaysEndsAfterGraceAndKeepsTheFinalAck) {
  MeterRig r(cfg_with(300));
  r.pkt(1, kT0, false, 0x02);                     // SYN
  r.pkt(1, kT0 + kSec / 100, true, 0x12);         // SYN-ACK
  r.pkt(1, kT0 + kSec / 10, false, 0x11);         // FIN-ACK
  r.pkt(1, kT0 + 2 * kSec / 10, true, 0x11);      // FIN-ACK
  r.pkt(1, kT0 + 3 * kSec / 10, false, 0x10);     // final ACK, within the 1 s grace
  r.pkt(1, kT0 + 5 * kSec, false, 0x02);          // much later: a new record
  const auto recs = r.finish();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].end_reason, EndReason::tcp_close);
  EXPECT_EQ(recs[0].dir[0].packets, 3u);
  EXPECT_EQ(recs[0].dir[1].packets, 2u);
  EXPECT_EQ(recs[0].expiry_ns, kT0 + 3 * kSec / 10 + kSec);
  EXPECT_EQ(recs[0].dir[0].tcp_flag_count[0], 1u);  // one FIN forward
  EXPECT_EQ(recs[0].dir[0].tcp_flag_count[4], 2u);  // two ACKs forward
}

TEST(FlowMeter, TimerExpiresQuietFlowsWithoutFurtherPacketsOfTheirOwn) {
  MeterRig r(cfg_with(2));
  r.pkt(1, kT0);
  r.pkt(2, kT0 + 10 * kSec);  // another flow moves the clock: flow 1 must be gone
  r.meter.flush();
  ASSERT_EQ(r.out.recs.size(), 1u);
  EXPECT_EQ(r.out.recs[0].end_reason, EndReason::idle);
  EXPECT_EQ(r.out.recs[0].expiry_ns, kT0 + 2 * kSec);
  EXPECT_EQ(r.meter.stats().live, 1u);
}

TEST(FlowMeter, RstEndsTheFlowAfterGrace) {
  MeterRig r(cfg_with(300));
  r.pkt(1, kT0, false, 0x02);
  r.pkt(1, kT0 + kSec / 10, true, 0x14);  // RST-ACK
  r.meter.advance(kT0 + 3 * kSec);
  r.meter.flush();
  ASSERT_EQ(r.out.recs.size(), 1u);
  EXPECT_EQ(r.out.recs[0].end_reason, EndReason::tcp_close);
}

TEST(FlowMeter, FullTableEvictsTheLeastRecentlySeenFlow) {
  MeterConfig c = cfg_with(300);
  c.max_flows = 4;
  MeterRig r(c);
  for (uint32_t n = 0; n < 4; ++n) r.pkt(n, kT0 + n * kSec);
  r.pkt(0, kT0 + 5 * kSec);  // flow 0 is fresh again; flow 1 is now the oldest
  r.pkt(7, kT0 + 6 * kSec);  // no room: evict
  r.meter.flush();
  ASSERT_EQ(r.out.recs.size(), 1u);
  EXPECT_EQ(r.out.recs[0].end_reason, EndReason::evicted);
  EXPECT_EQ(r.out.recs[0].src_port, 1001);
  EXPECT_EQ(r.out.recs[0].expiry_ns, kT0 + 6 * kSec);
  const auto recs = r.finish();
  EXPECT_EQ(recs.size(), 5u);
}

TEST(FlowMeter, ForwardIsTheFirstPacketsSenderAndStatsAreExact) {
  MeterRig r(cfg_with(300));
  r.pkt(1, kT0, true, 0x02, 60);              // endpoint b speaks first
  r.pkt(1, kT0 + 1000, false, 0x12, 60);
  r.pkt(1, kT0 + 3000, true, 0x10, 40);
  r.pkt(1, kT0 + 7000, true, 0x18, 100);
  const auto recs = r.finish();
  ASSERT_EQ(recs.size(), 1u);
  const FlowRecord& f = recs[0];
  EXPECT_EQ(f.src_port, 80);  // endpoint b of key_n
  EXPECT_EQ(f.dst_port, 1001);
  EXPECT_EQ(f.dir[0].packets, 3u);
  EXPECT_EQ(f.dir[1].packets, 1u);
  EXPECT_EQ(f.dir[0].ip_bytes, 200u);
  EXPECT_EQ(f.dir[0].l2_bytes, 200u + 3 * 14);
  EXPECT_EQ(f.dir[0].ip_len_min_bytes, 40u);
  EXPECT_EQ(f.dir[0].ip_len_max_bytes, 100u);
  EXPECT_DOUBLE_EQ(f.dir[0].ip_len_mean_bytes, 200.0 / 3);
  // population stddev of {60, 40, 100}
  EXPECT_NEAR(f.dir[0].ip_len_stddev_bytes, 24.944382578492943, 1e-9);
  EXPECT_EQ(f.dir[0].iat_min_ns, 3000u);
  EXPECT_EQ(f.dir[0].iat_max_ns, 4000u);
  EXPECT_DOUBLE_EQ(f.dir[0].iat_mean_ns, 3500.0);
  EXPECT_DOUBLE_EQ(f.dir[0].iat_stddev_ns, 500.0);
  EXPECT_EQ(f.dir[1].iat_min_ns, 0u);  // one packet: no inter-arrival
  EXPECT_EQ(f.dir[0].tcp_flags, 0x1a);
  EXPECT_EQ(f.start_ns, kT0);
  EXPECT_EQ(f.end_ns, kT0 + 7000);
}

TEST(FlowMeter, AllPacketIatCoversGapsInEitherDirectionAndResetsPerRecord) {
  MeterConfig c = cfg_with(60);
  c.all_packet_iat = true;
  MeterRig r(c);
  r.pkt(1, kT0, false, 0x10, 60);
  r.pkt(1, kT0 + 1000, true, 0x10, 40);   // gaps 1000, 2000, 6000 across directions
  r.pkt(1, kT0 + 3000, false, 0x10, 100);
  r.pkt(1, kT0 + 9000, true, 0x10, 40);
  r.pkt(1, kT0 + 100 * kSec, false);      // idle: a new record in the same slot
  r.pkt(1, kT0 + 100 * kSec + 500, false);
  const auto recs = r.finish();
  ASSERT_EQ(recs.size(), 2u);
  EXPECT_EQ(recs[0].iat_min_ns, 1000u);
  EXPECT_EQ(recs[0].iat_max_ns, 6000u);
  EXPECT_NEAR(recs[0].iat_stddev_ns, 2160.2468994692867, 1e-6);  // population, of {1000, 2000, 6000}
  EXPECT_NEAR(recs[0].ip_len_stddev_bytes, 24.49489742783178, 1e-9);  // of {60, 40, 100, 40}
  EXPECT_EQ(recs[1].iat_min_ns, 500u);  // nothing of the first record left in the slot
  EXPECT_EQ(recs[1].iat_max_ns, 500u);
  EXPECT_EQ(recs[1].iat_stddev_ns, 0.0);
  MeterRig plain(cfg_with(60));
  plain.pkt(1, kT0);
  plain.pkt(1, kT0 + 1000, true);
  EXPECT_EQ(plain.finish()[0].iat_max_ns, 0u);  // off: not kept
}

TEST(FlowMeter, SameAddressPacketsAreForwardWhenTheDecoderSaysSo) {
  MeterRig r(cfg_with(60));
  r.pkt(1, kT0);
  PacketMeta m;
  m.key = key_n(1);
  m.ts_ns = kT0 + 10;
  m.index = 1;
  m.hash = static_cast<uint32_t>(flow_hash64(m.key));
  m.ip_bytes = 100;
  m.bits = PacketMeta::kReversed | PacketMeta::kSameAddress;
  r.meter.process_burst(std::span<const PacketMeta>(&m, 1));
  const auto recs = r.finish();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].dir[0].packets, 2u);
  EXPECT_EQ(recs[0].dir[1].packets, 0u);
}

TEST(FlowMeter, UnidirectionalModePutsEveryPacketForward) {
  MeterConfig c = cfg_with(300);
  c.bidirectional = false;
  MeterRig r(c);
  r.pkt(1, kT0);
  r.pkt(1, kT0 + 1);
  const auto recs = r.finish();
  ASSERT_EQ(recs.size(), 1u);
  EXPECT_EQ(recs[0].dir[0].packets, 2u);
  EXPECT_EQ(recs[0].dir[1].packets, 0u);
}

// Property: every record emitted after a watermark was read has expiry >= it, and
// every packet ends up in exactly one record.
TEST(FlowMeter, WatermarkNeverExceedsLaterExpiriesAndPacketsAreConserved) {
  MeterConfig c = cfg_with(3, 20);
  c.max_flows = 64;  // small: evictions happen too
  Collect out;
  FlowMeter m(c, out);
  std::mt19937_64 rng(42);
  uint64_t t = kT0, idx = 0, wm = 0;
  std::size_t seen = 0;
  for (int burst = 0; burst < 2000; ++burst) {
    std::vector<PacketMeta> b(1 + rng() % 32);
    for (auto& p : b) {
      t += rng() % (kSec / 5);
      p.key = key_n(static_cast<uint32_t>(rng() % 200));
      p.ts_ns = t;
      p.index = idx++;
      p.hash = static_cast<uint32_t>(flow_hash64(p.key));
      p.ip_bytes = 60;
      p.wire_bytes = 74;
      p.tcp_flags = (rng() % 50 == 0) ? 0x04 : 0x10;
      p.bits = rng() % 2 ? PacketMeta::kReversed : 0;
    }
    m.process_burst(b);
    m.flush();
    for (; seen < out.recs.size(); ++seen) ASSERT_GE(out.recs[seen].expiry_ns, wm);
    wm = m.watermark_ns();
  }
  m.finish();
  uint64_t pk = 0;
  for (const auto& r : out.recs) pk += r.dir[0].packets + r.dir[1].packets;
  EXPECT_EQ(pk, idx);
  EXPECT_EQ(m.stats().record_packets, idx);
}

}  // namespace
}  // namespace weir
