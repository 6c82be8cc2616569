// SPDX-License-Identifier: Apache-2.0
// The engine's queues and ordering core: SpscRing (reader -> worker), RecordChannel
// (workers -> merger) and RecordOrderer (the output order), alone and across threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>
#include <vector>

#include "engine/base/spsc_ring.hpp"
#include "engine/batch.hpp"
#include "engine/record_orderer.hpp"

namespace weir {
namespace {

TEST(SpscRing, IsFifoAndReportsFullAndEmpty) {
  SpscRing<uint64_t, 4> r;
  EXPECT_EQ(r.front(), nullptr);
  EXPECT_TRUE(r.empty());
  for (uint64_t i = 0; i < 4; ++i) {
    uint64_t* s = r.claim();
    ASSERT_NE(s, nullptr);
    *s = i;
    r.publish();
  }
  EXPECT_EQ(r.claim(), nullptr);  // full
  for (uint64_t i = 0; i < 4; ++i) {
    ASSERT_NE(r.front(), nullptr);
    EXPECT_EQ(*r.front(), i);
    r.pop();
  }
  EXPECT_EQ(r.front(), nullptr);
  EXPECT_NE(r.claim(), nullptr);  // room again after the indices wrapped the slots
}

TEST(SpscRing, CarriesAMillionItemsInOrderBetweenTwoThreads) {
  SpscRing<uint64_t, 16> r;
  constexpr uint64_t kN = 1'000'000;
  std::thread producer([&] {
    Backoff bo;
    for (uint64_t i = 0; i < kN; ++i) {
      uint64_t* s;
      while ((s = r.claim()) == nullptr) bo.pause();
      bo.reset();
      *s = i * 3 + 1;
      r.publish();
    }
  });
  uint64_t expect = 0, bad = 0;
  Backoff bo;
  while (expect < kN) {
    uint64_t* s = r.front();
    if (!s) {
      bo.pause();
      continue;
    }
    bo.reset();
    bad += *s != expect * 3 + 1;
    ++expect;
    r.pop();
  }
  producer.join();
  EXPECT_EQ(bad, 0u);
  EXPECT_TRUE(r.empty());
}

FlowRecord rec(uint64_t expiry, uint64_t id) {
  FlowRecord r;
  r.expiry_ns = expiry;
  r.flow_id = id;
  return r;
}

TEST(RecordOrderer, ReleasesOnlyBelowTheWatermarkInExpiryThenFlowIdOrder) {
  RecordOrderer o;
  const std::vector<FlowRecord> in = {rec(50, 7), rec(10, 9), rec(50, 2), rec(30, 1), rec(10, 3)};
  o.add(in);
  std::vector<std::pair<uint64_t, uint64_t>> out;
  auto sink = [&](std::span<const FlowRecord> rs) {
    for (const FlowRecord& r : rs) out.emplace_back(r.expiry_ns, r.flow_id);
  };
  o.release(30, sink);  // strictly below 30
  EXPECT_EQ(out, (std::vector<std::pair<uint64_t, uint64_t>>{{10, 3}, {10, 9}}));
  o.release(51, sink);
  EXPECT_EQ(out.size(), 5u);
  EXPECT_EQ(out[2], std::make_pair(uint64_t{30}, uint64_t{1}));
  EXPECT_EQ(out[3], std::make_pair(uint64_t{50}, uint64_t{2}));
  EXPECT_EQ(o.pending(), 0u);
  EXPECT_EQ(o.peak_pending(), 5u);
}

TEST(RecordOrderer, AnyArrivalOrderGivesTheSameSequence) {
  std::mt19937_64 rng(3);
  std::vector<FlowRecord> recs;
  for (uint64_t i = 0; i < 20000; ++i) recs.push_back(rec(rng() % 1000, i));
  std::vector<std::pair<uint64_t, uint64_t>> want;
  for (const FlowRecord& r : recs) want.emplace_back(r.expiry_ns, r.flow_id);
  std::sort(want.begin(), want.end());
  for (int trial = 0; trial < 3; ++trial) {
    std::shuffle(recs.begin(), recs.end(), rng);
    RecordOrderer o;
    std::vector<std::pair<uint64_t, uint64_t>> got;
    auto sink = [&](std::span<const FlowRecord> rs) {
      for (const FlowRecord& r : rs) got.emplace_back(r.expiry_ns, r.flow_id);
    };
    // Chunks in, with a watermark that only rises and never passes a record still to come.
    std::size_t i = 0;
    uint64_t wm = 0;
    while (i < recs.size()) {
      const std::size_t n = std::min<std::size_t>(recs.size() - i, 1 + rng() % 700);
      o.add(std::span<const FlowRecord>(recs.data() + i, n));
      i += n;
      uint64_t lowest_left = UINT64_MAX;
      for (std::size_t j = i; j < recs.size(); ++j) lowest_left = std::min(lowest_left, recs[j].expiry_ns);
      wm = std::max(wm, lowest_left == UINT64_MAX ? UINT64_MAX : lowest_left);
      o.release(wm, sink);
    }
    o.release(UINT64_MAX, sink);
    EXPECT_EQ(got, want);
  }
}

TEST(RecordChannel, KeepsEachWorkersOrderAndBoundsItsBatches) {
  constexpr uint32_t kWorkers = 3, kPerWorker = 2000;
  RecordChannel ch(kWorkers, 4);
  std::vector<std::thread> producers;
  for (uint32_t w = 0; w < kWorkers; ++w) {
    producers.emplace_back([&ch, w] {
      for (uint32_t i = 0; i < kPerWorker; ++i) {
        RecordBatch* b = ch.acquire(w);  // waits while the merger holds all 4 of w's batches
        b->n = 1;
        b->final = false;
        b->recs[0].flow_id = i;
        ch.publish(w, b);
      }
    });
  }
  std::vector<uint32_t> next(kWorkers, 0);
  uint64_t out_of_order = 0, total = 0;
  std::array<RecordBatch*, 16> got{};
  while (total < uint64_t{kWorkers} * kPerWorker) {
    const std::size_t n = ch.drain(got.data(), got.size());
    for (std::size_t i = 0; i < n; ++i) {
      RecordBatch* b = got[i];
      out_of_order += b->recs[0].flow_id != next[b->worker];
      next[b->worker] = static_cast<uint32_t>(b->recs[0].flow_id) + 1;
      ch.release(b);
    }
    total += n;
  }
  for (auto& t : producers) t.join();
  EXPECT_EQ(out_of_order, 0u);
  RecordBatch* extra[1];
  EXPECT_EQ(ch.drain(extra, 1), 0u);
}

}  // namespace
}  // namespace weir
