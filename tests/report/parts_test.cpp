// SPDX-License-Identifier: Apache-2.0
// The report's parts on their own: connection table, target parsing and matching,
// duration summaries and histogram, number formatting and SVG axis ticks.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <vector>

#include "flowtable/flow_hash.hpp"
#include "report/conn_table.hpp"
#include "report/durations.hpp"
#include "report/format.hpp"
#include "report/svg_chart.hpp"
#include "report/target.hpp"
#include "support/packet_builder.hpp"

namespace weir::report {
namespace {

FlowKey key_of(uint32_t i) {
  FlowKey k;
  k.ip_version = 4;
  k.proto = 6;
  k.addr_a = {10, 0, static_cast<uint8_t>(i >> 8), static_cast<uint8_t>(i)};
  k.addr_b = {10, 1, 0, 1};
  k.port_a = static_cast<uint16_t>(1024 + i % 50000);
  k.port_b = 80;
  return k;
}

TEST(ConnTable, AgreesWithAMapUnderRandomInsertAndErase) {
  ConnTable t(20000);
  std::map<uint32_t, uint32_t> ref;  // key id -> slot
  std::mt19937 rng(7);
  for (int step = 0; step < 200000; ++step) {
    const uint32_t id = rng() % 30000;
    const FlowKey k = key_of(id);
    const uint64_t h = flow_hash64(k);
    const uint32_t slot = t.find(k, h);
    const auto it = ref.find(id);
    ASSERT_EQ(slot != ConnTable::kNone, it != ref.end()) << step;
    if (it != ref.end()) {
      ASSERT_EQ(slot, it->second);
      ASSERT_EQ(t.state(slot).first_ns, id);
      if (rng() % 2) {
        t.erase(slot);
        ref.erase(it);
      }
    } else if (ref.size() < 20000) {
      const uint32_t s = t.insert(k, h);
      ASSERT_NE(s, ConnTable::kNone);
      EXPECT_EQ(t.state(s).last_ns, 0u);  // fresh (or reused and cleared)
      t.state(s).first_ns = id;
      t.state(s).last_ns = 1;
      ref[id] = s;
    }
    ASSERT_EQ(t.size(), ref.size());
  }
}

// Keys whose hashes share a home cell exercise the backward shift of erase.
TEST(ConnTable, EraseInTheMiddleOfAProbeRunKeepsTheRestFindable) {
  ConnTable t(64);
  std::vector<FlowKey> keys;
  for (uint32_t i = 0; i < 40; ++i) keys.push_back(key_of(i));
  const uint64_t same = 12345;  // one hash for all: one long run
  for (const FlowKey& k : keys) ASSERT_NE(t.insert(k, same), ConnTable::kNone);
  for (std::size_t i = 0; i < keys.size(); i += 3) t.erase(t.find(keys[i], same));
  for (std::size_t i = 0; i < keys.size(); ++i) EXPECT_EQ(t.find(keys[i], same) != ConnTable::kNone, i % 3 != 0) << i;
}

TEST(ConnTable, FullTableRefusesAndGrowsItsIndexPastTheFirstSize) {
  ConnTable t(10000);
  for (uint32_t i = 0; i < 10000; ++i) ASSERT_NE(t.insert(key_of(i), flow_hash64(key_of(i))), ConnTable::kNone);
  EXPECT_EQ(t.insert(key_of(10000), flow_hash64(key_of(10000))), ConnTable::kNone);
  for (uint32_t i = 0; i < 10000; ++i) ASSERT_NE(t.find(key_of(i), flow_hash64(key_of(i))), ConnTable::kNone);
  t.erase(t.find(key_of(5), flow_hash64(key_of(5))));
  EXPECT_NE(t.insert(key_of(10000), flow_hash64(key_of(10000))), ConnTable::kNone);
}

TEST(Target, ParsesAddressesAndNetworks) {
  Target t;
  ASSERT_TRUE(Target::parse("10.1.2.3", t));
  EXPECT_EQ(t.str(), "10.1.2.3");
  ASSERT_TRUE(Target::parse("10.1.2.3/16", t));
  EXPECT_EQ(t.str(), "10.1.0.0/16");  // host bits masked, as tcpdump's "net"
  ASSERT_TRUE(Target::parse("2001:db8::1/32", t));
  EXPECT_EQ(t.str(), "2001:db8::/32");
  ASSERT_TRUE(Target::parse("", t));
  EXPECT_TRUE(t.any());
  for (const char* bad : {"10.1.2", "10.1.2.3/33", "10.1.2.3/", "10.1.2.3/-1", "2001:db8::/129", "host", "10.0.0.1/8x"}) {
    const Status s = Target::parse(bad, t);
    EXPECT_FALSE(s) << bad;
    EXPECT_EQ(s.origin, Origin::config) << bad;
  }
}

TEST(Target, MatchesByPrefixAndVersion) {
  Target t;
  ASSERT_TRUE(Target::parse("192.168.4.0/22", t));
  const auto v4 = [](const char* s) { return test::ip4(s); };
  EXPECT_TRUE(t.contains(4, v4("192.168.4.1").data()));
  EXPECT_TRUE(t.contains(4, v4("192.168.7.255").data()));
  EXPECT_FALSE(t.contains(4, v4("192.168.8.0").data()));
  EXPECT_FALSE(t.contains(6, test::ip6("::ffff:192.168.4.1").data()));
  ASSERT_TRUE(Target::parse("0.0.0.0/0", t));
  EXPECT_TRUE(t.contains(4, v4("1.2.3.4").data()));
  EXPECT_FALSE(t.contains(6, test::ip6("::1").data()));
  ASSERT_TRUE(Target::parse("2001:db8::/33", t));
  EXPECT_TRUE(t.contains(6, test::ip6("2001:db8:7fff::1").data()));
  EXPECT_FALSE(t.contains(6, test::ip6("2001:db8:8000::1").data()));
}

TEST(Durations, SummaryIsExactNearestRank) {
  std::vector<uint64_t> v;
  for (uint64_t i = 1; i <= 20; ++i) v.push_back(i * 1'000'000'000);
  DurationSummary d;
  summarize_sorted(v, d);
  EXPECT_EQ(d.count, 20u);
  EXPECT_EQ(d.min_ns, 1'000'000'000u);
  EXPECT_EQ(d.p50_ns, 10'000'000'000u);
  EXPECT_EQ(d.p90_ns, 18'000'000'000u);
  EXPECT_EQ(d.max_ns, 20'000'000'000u);
  ASSERT_EQ(d.cdf.size(), 10u);  // deciles
  EXPECT_EQ(d.cdf[0].duration_ns, 2'000'000'000u);
  EXPECT_DOUBLE_EQ(d.cdf[0].fraction, 0.1);
  EXPECT_EQ(d.cdf[9].duration_ns, 20'000'000'000u);
  EXPECT_DOUBLE_EQ(d.cdf[9].fraction, 1.0);
}

TEST(Durations, FewValuesGiveOnePointPerDistinctValue) {
  const std::vector<uint64_t> v = {0, 0, 5, 7};
  DurationSummary d;
  summarize_sorted(v, d);
  ASSERT_EQ(d.cdf.size(), 3u);
  EXPECT_EQ(d.cdf[0].duration_ns, 0u);
  EXPECT_DOUBLE_EQ(d.cdf[0].fraction, 0.5);
  EXPECT_DOUBLE_EQ(d.cdf[1].fraction, 0.75);
  EXPECT_DOUBLE_EQ(d.cdf[2].fraction, 1.0);
  summarize_sorted({}, d);
  EXPECT_EQ(d.count, 0u);
  EXPECT_TRUE(d.cdf.empty());
}

TEST(Durations, HistogramBucketsSpanAtMostOneThirtySecond) {
  for (uint64_t v : {0ull, 31ull, 32ull, 63ull, 64ull, 1000ull, 999'999'999ull, 1ull << 40, ~0ull}) {
    const uint32_t b = DurationHistogram::bucket_of(v);
    ASSERT_LT(b, DurationHistogram::kBuckets) << v;
    const uint64_t lo = DurationHistogram::lower_edge(b);
    EXPECT_LE(lo, v) << v;
    if (b + 1 < DurationHistogram::kBuckets) {
      const uint64_t hi = DurationHistogram::lower_edge(b + 1);
      EXPECT_GT(hi, v) << v;
      if (v >= 32) {
        EXPECT_LE(static_cast<double>(hi - lo), static_cast<double>(lo) / 32 + 1) << v;
      }
    }
  }
}

TEST(Durations, HistogramCdfIsExactAtBucketEdges) {
  DurationHistogram h;
  std::mt19937_64 rng(3);
  std::vector<uint64_t> v;
  for (int i = 0; i < 5000; ++i) v.push_back(rng() % 10'000'000'000ull);
  for (uint64_t x : v) h.add(x);
  std::sort(v.begin(), v.end());
  for (const CdfPoint& p : h.cdf()) {
    const auto below = std::lower_bound(v.begin(), v.end(), p.duration_ns) - v.begin();
    EXPECT_DOUBLE_EQ(p.fraction, static_cast<double>(below) / 5000) << p.duration_ns;
  }
  EXPECT_EQ(h.min_ns(), v.front());
  EXPECT_EQ(h.max_ns(), v.back());
  const double q50 = static_cast<double>(h.quantile_ns(0.5)), exact = static_cast<double>(v[2499]);
  EXPECT_NEAR(q50, exact, exact / 32);
  EXPECT_EQ(h.quantile_ns(1.0), v.back());
}

TEST(Format, SecondsAreExactDecimals) {
  EXPECT_EQ(seconds_exact(0), "0");
  EXPECT_EQ(seconds_exact(1'500'000'000), "1.5");
  EXPECT_EQ(seconds_exact(60'000'000'000), "60");
  EXPECT_EQ(seconds_exact(1), "0.000000001");
  EXPECT_EQ(seconds_fixed(1'234'567, 3), "0.001");
  EXPECT_EQ(seconds_fixed(2'999'600'000, 3), "3.000");
  EXPECT_EQ(iso_utc(1'700'000'000'123'000'000ull), "2023-11-14T22:13:20.123Z");
  DestKey d;
  d.ip_version = 6;
  d.addr = test::ip6("2001:db8::1");
  d.port = 443;
  EXPECT_EQ(endpoint_text(d), "[2001:db8::1]:443");
}

TEST(SvgChart, TicksAreNiceAndCoverTheRange) {
  AxisSpec a;
  a.lo = 0;
  a.hi = 93;
  const std::vector<double> t = axis_ticks(a);
  ASSERT_GE(t.size(), 3u);
  EXPECT_EQ(t.front(), 0);
  EXPECT_GE(t.back(), 93);
  AxisSpec l;
  l.scale = AxisScale::log10;
  l.lo = 3e-6;
  l.hi = 40;
  const std::vector<double> d = axis_ticks(l);
  EXPECT_DOUBLE_EQ(d.front(), 1e-6);
  EXPECT_DOUBLE_EQ(d.back(), 100);
  EXPECT_EQ(tick_text(0.001, TickFormat::seconds), "1 ms");
  EXPECT_EQ(tick_text(300, TickFormat::seconds), "5 min");
  EXPECT_EQ(tick_text(1500, TickFormat::si), "1.5k");
  EXPECT_EQ(xml_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;");
}

}  // namespace
}  // namespace weir::report
