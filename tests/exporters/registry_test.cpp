// SPDX-License-Identifier: Apache-2.0
// The format and destination registries: -F/-o parsing with its errors, export options,
// several pairs in one run (fan-out), a format and a scheme plugged in from outside
// (as kafka:// and flow-tools are), and the field registry's invariants.
#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "exporters/binary_format.hpp"
#include "exporters/binary_reader.hpp"
#include "exporters/csv_format.hpp"
#include "exporters/field_registry.hpp"
#include "exporters/sink_registry.hpp"
#include "exporters_test_util.hpp"

namespace weir {
namespace {

using test::ScratchDir;

Status parse(std::string_view f, std::string_view d, SinkConfig* out = nullptr) {
  SinkConfig c;
  Status s = parse_sink_spec(f, d, c);
  if (out) *out = c;
  return s;
}

TEST(SinkSpec, FormatAndDestinationBecomeTheConfig) {
  SinkConfig c;
  ASSERT_TRUE(parse("csv", "out.csv", &c));
  EXPECT_EQ(c.format, OutputFormat::csv);
  EXPECT_EQ(c.path, "out.csv");
  ASSERT_TRUE(parse("bin", "-", &c));
  EXPECT_EQ(c.format, OutputFormat::binary);
  ASSERT_TRUE(parse("binary", "x.bin", &c));  // alias
  EXPECT_EQ(c.format, OutputFormat::binary);
  EXPECT_EQ(c.format.name, "bin");
  ASSERT_TRUE(parse("csv", "tcp://127.0.0.1:9000", &c));
  ASSERT_TRUE(parse("csv", "tcp://[::1]:9000", &c));
  ASSERT_TRUE(parse("csv", "tcp://collector.example:9000", &c));
}

TEST(SinkSpec, ErrorsSayWhatIsWrongAndWhatFits) {
  Status s = parse("xml", "out.xml");
  EXPECT_EQ(s.code, Errc::invalid_argument);
  EXPECT_EQ(s.origin, Origin::config);
  EXPECT_EQ(s.message.rfind("-F xml: unknown format (known: csv, bin", 0), 0u) << s.message;

  s = parse("csv", "udp://127.0.0.1:2055");
  EXPECT_EQ(s.message,
            "-F csv cannot write to udp://127.0.0.1:2055: it goes to a path, '-' or "
            "tcp://HOST:PORT");
  s = parse("csv", "smtp://x:25");
  EXPECT_NE(s.message.find("unknown destination scheme 'smtp://'"), std::string::npos) << s.message;
  s = parse("csv", "");
  EXPECT_EQ(s.message, "empty output path");

  for (const char* bad : {"tcp://127.0.0.1", "tcp://127.0.0.1:0", "tcp://127.0.0.1:65536",
                          "tcp://:9000", "tcp://::1:9000", "tcp://[::1:9000", "tcp://h:9x",
                          "tcp://h:9000/topic"}) {
    s = parse("csv", bad);
    EXPECT_EQ(s.code, Errc::invalid_argument) << bad;
    EXPECT_EQ(s.message.rfind(std::string("-o ") + bad + ": ", 0), 0u) << s.message;
    EXPECT_NE(s.message.find("expected tcp://HOST:PORT"), std::string::npos) << s.message;
  }
}

TEST(SinkSpec, TwoPairsMayNotShareAFileOrStandardOutput) {
  std::vector<SinkConfig> v(2);
  v[0].path = v[1].path = "-";
  EXPECT_EQ(check_sink_set(v).message, "two -F/-o pairs write to standard output");
  v[0].path = v[1].path = "a.csv";
  v[1].format = OutputFormat::binary;
  EXPECT_EQ(check_sink_set(v).message, "two -F/-o pairs write to the file a.csv");
  v[0].path = v[1].path = "tcp://127.0.0.1:9000";  // two exports to one collector: fine
  EXPECT_TRUE(check_sink_set(v));
  v[1].path = "b.csv";
  EXPECT_TRUE(check_sink_set(v));
}

TEST(SinkSpec, ExportOptionsAreRangeChecked) {
  ExportOptions o;
  ASSERT_TRUE(parse_export_option("--template-refresh", "60", o));
  EXPECT_EQ(o.template_refresh_s, 60u);
  ASSERT_TRUE(parse_export_option("--observation-domain", "4294967295", o));
  EXPECT_EQ(o.observation_domain, 4294967295u);
  ASSERT_TRUE(parse_export_option("--mtu", "1500", o));
  EXPECT_EQ(parse_export_option("--mtu", "100", o).message,
            "--mtu: expected a whole number from 576 to 65535, got '100'");
  EXPECT_FALSE(parse_export_option("--template-refresh", "0", o));
  EXPECT_FALSE(parse_export_option("--template-refresh", "-1", o));
  EXPECT_FALSE(parse_export_option("--observation-domain", "4294967296", o));
  EXPECT_FALSE(parse_export_option("--mtu", "", o));
  EXPECT_EQ(o.mtu_bytes, 1500u);  // failures leave the value alone
}

TEST(SinkSpec, HelpListsEveryFormat) {
  const std::string help = sink_formats_help();
  for (const SinkFormat& f : sink_formats()) {
    EXPECT_NE(help.find(std::string(f.name)), std::string::npos) << f.name;
    EXPECT_NE(help.find(std::string(f.summary)), std::string::npos) << f.name;
  }
}

TEST(Fanout, EveryPairGetsEveryRecordAndTheSameBytesAsAlone) {
  ScratchDir dir;
  const auto recs = test::random_records(2500, 31);
  test::write_records({.path = dir.file("alone.csv"), .format = OutputFormat::csv}, recs);
  test::write_records({.path = dir.file("alone.bin"), .format = OutputFormat::binary}, recs);
  const std::vector<SinkConfig> cfgs = {
      {.path = dir.file("a.csv"), .format = OutputFormat::csv},
      {.path = dir.file("a.bin"), .format = OutputFormat::binary}};
  std::unique_ptr<FlowSink> sink;
  ASSERT_TRUE(open_sinks(cfgs, sink));
  for (std::size_t i = 0; i < recs.size(); i += 100)
    ASSERT_TRUE(sink->write_burst(std::span(recs).subspan(i, 100)));
  ASSERT_TRUE(sink->flush());
  Status s = sink->finish();
  ASSERT_TRUE(s) << s.message;
  EXPECT_EQ(sink->records_written(), recs.size());
  EXPECT_TRUE(test::read_all(dir.file("a.csv")) == test::read_all(dir.file("alone.csv")));
  EXPECT_TRUE(test::read_all(dir.file("a.bin")) == test::read_all(dir.file("alone.bin")));
  const std::string summary = sink->summary();
  EXPECT_NE(summary.find("csv " + dir.file("a.csv") + ": 2500 records"), std::string::npos)
      << summary;
  EXPECT_NE(summary.find("\nbin " + dir.file("a.bin") + ": 2500 records"), std::string::npos)
      << summary;
}

TEST(Fanout, AFailingPairLeavesNoFileOfTheOthers) {
  ScratchDir dir;
  const std::vector<SinkConfig> cfgs = {
      {.path = dir.file("a.csv"), .format = OutputFormat::csv},
      {.path = dir.file("no-such-dir/b.csv"), .format = OutputFormat::csv}};
  std::unique_ptr<FlowSink> sink;
  Status s = open_sinks(cfgs, sink);
  EXPECT_EQ(s.code, Errc::io_error);
  EXPECT_EQ(s.origin, Origin::output);
  EXPECT_EQ(sink, nullptr);
  EXPECT_TRUE(dir.entries().empty());
}

// A format and a destination scheme from outside exporters/, registered at start-up the
// way kafka:// and -F flowtools plug in: nothing in exporters/ names them.
struct Captured {
  std::vector<std::string> messages;
  std::vector<std::string> keys;
};
Captured& captured() {
  static Captured c;
  return c;
}

class MemoryDestination final : public Destination {
 public:
  explicit MemoryDestination(const std::string& name) : Destination(DestKind::message, name, 4096) {}
  Status end_message(std::span<const uint8_t> key) override {
    captured().messages.emplace_back(data(), used());
    captured().keys.emplace_back(reinterpret_cast<const char*>(key.data()), key.size());
    ++stats_.messages;
    stats_.bytes += used();
    used_ = 0;
    return {};
  }
  Status flush() override { return {}; }
  Status finish() override { return {}; }
};

class FlowIdSink final : public FlowSink {
 public:
  explicit FlowIdSink(std::unique_ptr<Destination> d) : dest_(std::move(d)) {}
  Status write_burst(std::span<const FlowRecord> recs) override {
    for (const FlowRecord& r : recs) {
      const std::string text = std::to_string(r.flow_id);
      if (Status s = dest_->reserve(text.size()); !s) return s;
      std::memcpy(dest_->cursor(), text.data(), text.size());
      dest_->commit(text.size());
      const uint8_t key[1] = {static_cast<uint8_t>(r.proto)};
      if (Status s = dest_->end_message(key); !s) return s;
      ++n_;
    }
    return {};
  }
  Status finish() override { return dest_->finish(); }
  uint64_t records_written() const noexcept override { return n_; }

 private:
  std::unique_ptr<Destination> dest_;
  uint64_t n_ = 0;
};

TEST(Registry, AFormatAndASchemeFromOutsidePlugIn) {
  register_destination_scheme(
      {"mem", DestKind::message, [](std::string_view) { return Status(); },
       [](const std::string& dest, const DestinationOptions&, std::unique_ptr<Destination>& out) {
         out = std::make_unique<MemoryDestination>(dest);
         return Status();
       }});
  ASSERT_TRUE(register_sink_format(
      {"flowid", "", "flow ids, one message each (test)", kind_bit(DestKind::message),
       [](const SinkConfig&, std::unique_ptr<Destination> d, std::unique_ptr<FlowSink>& out) {
         out = std::make_unique<FlowIdSink>(std::move(d));
         return Status();
       }}));
  EXPECT_FALSE(register_sink_format(sink_formats().back()));  // a name is taken once

  SinkConfig cfg;
  ASSERT_TRUE(parse_sink_spec("flowid", "mem://bus/topic", cfg));
  EXPECT_EQ(parse_sink_spec("csv", "mem://bus/topic", cfg).message,
            "-F csv cannot write to mem://bus/topic: it goes to a path, '-' or tcp://HOST:PORT");
  EXPECT_EQ(parse_sink_spec("flowid", "out.txt", cfg).message,
            "-F flowid cannot write to the file 'out.txt': it goes to a message broker (kafka://)");
  ASSERT_TRUE(parse_sink_spec("flowid", "mem://bus/topic", cfg));
  captured() = {};
  std::vector<FlowRecord> recs(3);
  for (std::size_t i = 0; i < recs.size(); ++i) {
    recs[i].flow_id = 10 + i;
    recs[i].proto = static_cast<uint8_t>(6 + i);
  }
  test::write_records(cfg, recs);
  EXPECT_EQ(captured().messages, (std::vector<std::string>{"10", "11", "12"}));
  EXPECT_EQ(captured().keys, (std::vector<std::string>{"\x06", "\x07", "\x08"}));
}

TEST(FieldRegistry, NamesAreUniqueAndFitTheBinaryHeader) {
  std::set<std::string> seen;
  for (const fields::Field& f : fields::kFields) {
    const std::vector<std::string> names =
        f.scope == fields::Scope::dir
            ? std::vector<std::string>{"fwd_" + std::string(f.name), "bwd_" + std::string(f.name)}
            : std::vector<std::string>{std::string(f.name)};
    for (const std::string& n : names) {
      EXPECT_TRUE(seen.insert(n).second) << "duplicate " << n;
      EXPECT_LT(n.size(), binfmt::kFieldNameBytes) << n;
    }
    EXPECT_FALSE(f.doc.empty()) << f.name;
    if (f.offset == fields::kComputed) {
      EXPECT_EQ(f.bin, fields::Bin::no) << f.name << ": a computed field has no storage";
      EXPECT_TRUE(f.text == fields::Text::duration || f.text == fields::Text::end_reason_ipfix)
          << f.name;
    } else {
      const std::size_t size = f.scope == fields::Scope::dir ? sizeof(DirStats) : sizeof(FlowRecord);
      EXPECT_LE(f.offset + fields::type_bytes(f.type), size) << f.name;
    }
  }
}

TEST(FieldRegistry, EveryElementIsNamedAndFitsItsValue) {
  for (const fields::Field& f : fields::kFields) {
    for (const fields::Element& e : f.ipfix) {
      if (!e.present()) continue;
      EXPECT_FALSE(fields::ipfix_element_name(e.pen, e.id).empty()) << f.name << " " << e.id;
      if (e.id_v6) {
        EXPECT_FALSE(fields::ipfix_element_name(e.pen, e.id_v6).empty()) << f.name;
      }
      if (e.enc == fields::Enc::be) {
        EXPECT_GE(e.bytes, fields::type_bytes(f.type)) << f.name << ": reduced size loses bits";
      }
    }
    if (f.nf9.present()) {
      EXPECT_FALSE(fields::nf9_field_name(f.nf9.id).empty()) << f.name;
      if (f.nf9.enc == fields::Enc::be) {
        EXPECT_GE(f.nf9.bytes, fields::type_bytes(f.type)) << f.name;
      }
    }
  }
}

TEST(FieldRegistry, EndReasonsMapToIpfixCodes) {
  EXPECT_EQ(fields::ipfix_end_reason(EndReason::idle), 1);
  EXPECT_EQ(fields::ipfix_end_reason(EndReason::active), 2);
  EXPECT_EQ(fields::ipfix_end_reason(EndReason::counter_limit), 2);
  EXPECT_EQ(fields::ipfix_end_reason(EndReason::tcp_close), 3);
  EXPECT_EQ(fields::ipfix_end_reason(EndReason::eof), 4);
  EXPECT_EQ(fields::ipfix_end_reason(EndReason::shutdown), 4);
  EXPECT_EQ(fields::ipfix_end_reason(EndReason::evicted), 5);
  for (std::size_t i = 0; i < kNumEndReasons; ++i)
    EXPECT_NE(fields::ipfix_end_reason(static_cast<EndReason>(i)), 0) << i;
}

TEST(FieldRegistry, CsvHeaderIsTheRegistrysTextFields) {
  std::string want;
  for (int pass = 0; pass < 3; ++pass) {
    for (const fields::Field& f : fields::kFields) {
      if (f.text == fields::Text::none) continue;
      if ((pass == 0) != (f.scope == fields::Scope::flow)) continue;
      if (!want.empty()) want += ',';
      if (pass > 0) want += fields::kDirPrefix[static_cast<std::size_t>(pass - 1)];
      want += f.name;
    }
  }
  EXPECT_EQ(csv_header(true), want + "\n");
}

// A file written by the version that had 59 fields (before ingress_if, first_tcp_flags,
// ttl_min, ttl_max, tos): still readable, new fields read as zero, and `weir cat` prints
// the old columns unchanged.
TEST(BinaryCompatibility, FilesOfTheFiftyNineFieldWriterStillRead) {
  const std::string data = WEIR_EXPORTERS_TEST_DATA;
  bool bidi = false;
  std::vector<FlowRecord> recs;
  Status s = read_flow_file(data + "/v1_59fields.bin", bidi, recs);
  ASSERT_TRUE(s) << s.message;
  ASSERT_EQ(recs.size(), 3u);
  EXPECT_TRUE(bidi);
  EXPECT_EQ(recs[2].flow_id, 102u);
  EXPECT_EQ(recs[2].ip_version, 6);
  EXPECT_EQ(recs[1].dir[1].packets, 21u);
  EXPECT_EQ(recs[0].ingress_if, 0u);
  EXPECT_EQ(recs[0].dir[0].ttl_max, 0);

  ScratchDir dir;
  ASSERT_TRUE(cat_flow_file(data + "/v1_59fields.bin", dir.file("now.csv")));
  const auto old_rows = test::read_csv(test::read_all(data + "/v1_59fields.csv"));
  const auto new_rows = test::read_csv(test::read_all(dir.file("now.csv")));
  ASSERT_EQ(old_rows.size(), new_rows.size());
  for (std::size_t c = 0; c < old_rows[0].size(); ++c) {
    const std::size_t nc = static_cast<std::size_t>(
        std::find(new_rows[0].begin(), new_rows[0].end(), old_rows[0][c]) - new_rows[0].begin());
    ASSERT_LT(nc, new_rows[0].size()) << "column " << old_rows[0][c] << " disappeared";
    for (std::size_t r = 1; r < old_rows.size(); ++r)
      EXPECT_EQ(new_rows[r][nc], old_rows[r][c]) << old_rows[0][c] << " row " << r;
  }
}

}  // namespace
}  // namespace weir
