// SPDX-License-Identifier: Apache-2.0
// -G/-W: files rotate on wall time (also with no records: flush turns them over), each
// file complete and readable, at most -W kept, every record in exactly one file.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "exporters/binary_reader.hpp"
#include "exporters/rotating_sink.hpp"
#include "exporters_test_util.hpp"

namespace weir {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> files_in(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(RotatingSink, NameIsTheStrftimePatternAtThatTime) {
  // 2023-11-14 22:13:20 UTC; local time may differ, so only fields independent of it.
  const uint64_t t = 1'700'000'000ull * 1'000'000'000;
  EXPECT_EQ(rotated_name("flows-%Y.bin", t).substr(0, 10), "flows-2023");
  EXPECT_EQ(rotated_name("plain.bin", t), "plain.bin");
  EXPECT_EQ(rotated_name("%%", t), "%");
}

TEST(RotatingSink, EveryPeriodAFileCompleteAndAtMostWKept) {
  test::ScratchDir dir;
  SinkConfig cfg;
  cfg.format = OutputFormat::binary;
  cfg.path = dir.path() + "/f-%H%M%S.bin";
  cfg.exp.rotate_ns = 1'000'000'000ull;
  cfg.exp.rotate_keep = 2;
  std::unique_ptr<FlowSink> sink;
  ASSERT_TRUE(open_sink(cfg, sink));
  const std::vector<FlowRecord> recs = test::random_records(30, 7);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(sink->write_burst(std::span(recs).subspan(static_cast<std::size_t>(i) * 10, 10)));
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    ASSERT_TRUE(sink->flush());  // no records: the period still turns the file over
  }
  ASSERT_TRUE(sink->finish());
  EXPECT_EQ(sink->records_written(), 30u);
  const auto files = files_in(dir.path());
  ASSERT_EQ(files.size(), 2u) << "-W 2 keeps the two newest";
  uint64_t total = 0;
  for (const std::string& f : files) {
    bool bidir = false;
    std::vector<FlowRecord> got;
    ASSERT_TRUE(read_flow_file(f, bidir, got)) << f;  // trailer and checksum verified
    total += got.size();
  }
  EXPECT_LE(total, 20u);  // the oldest file (the first ten records at least) was removed
}

TEST(RotatingSink, StreamsAndSocketsCannotRotate) {
  for (const char* p : {"-", "udp://127.0.0.1:9"}) {
    SinkConfig cfg;
    cfg.format = OutputFormat::ipfix;
    cfg.path = p;
    cfg.exp.rotate_ns = 1'000'000'000ull;
    std::unique_ptr<FlowSink> sink;
    const Status s = open_sink(cfg, sink);
    EXPECT_FALSE(s) << p;
    EXPECT_NE(s.message.find("-G"), std::string::npos) << s.message;
  }
}

TEST(RotatingSink, APatternThatRepeatsIsAnErrorNotAnOverwrite) {
  test::ScratchDir dir;
  SinkConfig cfg;
  cfg.format = OutputFormat::csv;
  cfg.path = dir.path() + "/same.csv";
  cfg.exp.rotate_ns = 1'000'000'000ull;
  std::unique_ptr<FlowSink> sink;
  ASSERT_TRUE(open_sink(cfg, sink));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const Status s = sink->flush();
  EXPECT_FALSE(s);
  EXPECT_NE(s.message.find("again"), std::string::npos) << s.message;
}

}  // namespace
}  // namespace weir
