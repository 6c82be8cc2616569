// SPDX-License-Identifier: Apache-2.0
// The `weir` command line: every option --help lists is accepted and does what it says,
// and the binary's exit codes tell usage errors, missing input, malformed input and
// output errors apart.
// GCC 12 at -O3 reports a false -Warray-bounds inside std::vector<uint8_t> copies of the
// packet builder's frames here (the same family as GCC bug 105329); the code is in bounds.
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overread"
#pragma GCC diagnostic ignored "-Wstringop-overflow"
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "support/packet_builder.hpp"
#include "support/pcap_writer.hpp"
#include "exporters/binary_reader.hpp"
#include "compat/compat_profile.hpp"
#include "tools/weir/cli.hpp"

namespace weir {
namespace {

namespace fs = std::filesystem;

// The option names in usage(): lines that start (after indentation) with '-'.
std::vector<std::string> options_in_help() {
  std::vector<std::string> out;
  std::istringstream in(cli::usage());
  std::string line;
  while (std::getline(in, line)) {
    const auto p = line.find_first_not_of(' ');
    if (p == std::string::npos || line[p] != '-' || p > 4) continue;
    std::istringstream ls(line.substr(p));
    std::string tok;
    while (ls >> tok && tok[0] == '-') {
      if (tok.back() == ',') tok.pop_back();
      out.push_back(tok.substr(0, tok.find('=')));
    }
  }
  return out;
}

TEST(Cli, EveryOptionListedInHelpIsAccepted) {
  const auto opts = options_in_help();
  ASSERT_GE(opts.size(), 15u) << cli::usage();
  for (const std::string& o : opts) {
    bool ok = false;
    std::string last_error;
    for (const char* v : {"", "2", "b", "csv", "read", "l3", "1024", "out.json", "flowrecorder"}) {
      // -i is the other input: it stands alone.
      std::vector<std::string> args = {"-r", "x.pcap", o};
      if (o == "-i") args = {o};
      // -G rotates files only; -W only goes with -G.
      if (o == "-G") args = {"-r", "x.pcap", "-o", "f-%S.csv", o};
      if (o == "-W") args = {"-r", "x.pcap", "-o", "f-%S.csv", "-G", "1", o};
      if (*v) args.emplace_back(v);
      try {
        (void)cli::parse(args);
        ok = true;
        break;
      } catch (const std::invalid_argument& e) {
        last_error = e.what();
      }
    }
    EXPECT_TRUE(ok) << o << " from --help is rejected: " << last_error;
  }
}

TEST(Cli, CompatSetsTheToolsRulesAndFormatAndIdleTimeoutStillApplies) {
  ASSERT_TRUE(compat::register_compat_formats());
  cli::Options o = cli::parse({"-r", "a.pcap", "--compat", "flowrecorder", "-o", "x.csv"});
  EXPECT_EQ(o.engine.idle_timeout_ns, 3600'000'000'000u);
  EXPECT_TRUE(o.engine.ignore_tcp_close);
  EXPECT_TRUE(o.engine.key_ports_tcp_udp_only);
  EXPECT_TRUE(o.engine.all_packet_iat);
  ASSERT_EQ(o.engine.outputs.size(), 1u);
  EXPECT_EQ(o.engine.outputs[0].format.name, "flowrecorder");
  o = cli::parse({"--idle-timeout", "60", "-r", "a.pcap", "--compat", "flowrecorder"});
  EXPECT_EQ(o.engine.idle_timeout_ns, 60'000'000'000u);
  o = cli::parse({"-r", "a.pcap", "-F", "flowrecorder"});  // the format alone: weir's rules
  EXPECT_EQ(o.engine.idle_timeout_ns, 300'000'000'000u);
  EXPECT_FALSE(o.engine.key_ports_tcp_udp_only);
  EXPECT_TRUE(o.engine.all_packet_iat);
  // -F replaces the profile's format; its metering rules stay.
  o = cli::parse({"-r", "a.pcap", "--compat", "flowrecorder", "-F", "bin", "-o", "x.bin"});
  ASSERT_EQ(o.engine.outputs.size(), 1u);
  EXPECT_EQ(o.engine.outputs[0].format, OutputFormat::binary);
  EXPECT_TRUE(o.engine.key_ports_tcp_udp_only);
}

TEST(Cli, OptionsSetTheEngineConfiguration) {
  const cli::Options o = cli::parse({"-r", "a.pcap", "-r", "b.pcap", "-d", "u", "-w", "3", "--reader-thread",
                                     "--idle-timeout", "10", "--active-timeout", "0.5", "--tcp-close-grace", "2",
                                     "--max-flows", "1000", "--vlan-key", "-F", "bin", "-o", "out.bin", "-q",
                                     "--stats-json", "s.json", "--read-method", "mmap", "tcp", "and", "port", "80"});
  EXPECT_EQ(o.engine.capture.files, (std::vector<std::string>{"a.pcap", "b.pcap"}));
  EXPECT_FALSE(o.engine.bidirectional);
  EXPECT_EQ(o.engine.workers, 3u);
  EXPECT_TRUE(o.engine.reader_thread);
  EXPECT_EQ(o.engine.idle_timeout_ns, 10'000'000'000u);
  EXPECT_EQ(o.engine.active_timeout_ns, 500'000'000u);
  EXPECT_EQ(o.engine.tcp_close_grace_ns, 2'000'000'000u);
  EXPECT_EQ(o.engine.max_flows, 1000u);
  EXPECT_TRUE(o.engine.vlan_key);
  ASSERT_EQ(o.engine.outputs.size(), 1u);
  EXPECT_EQ(o.engine.outputs[0].format, OutputFormat::binary);
  EXPECT_EQ(o.engine.outputs[0].path, "out.bin");
  EXPECT_TRUE(o.quiet);
  EXPECT_EQ(o.stats_json, "s.json");
  EXPECT_EQ(o.engine.filter, "tcp and port 80");
  EXPECT_EQ(o.engine.capture.read_method, ReadMethod::mmap);
  EXPECT_EQ(cli::parse({"-r", "a.pcap"}).engine.capture.read_method, ReadMethod::read);  // the default
}

TEST(Cli, BadValuesAreUsageErrors) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-r", "x", "-w", "0"}, {"-r", "x", "-d", "x"}, {"-r", "x", "-F", "xml"},
           {"-r", "x", "--idle-timeout", "-1"}, {"-r", "x", "--active-timeout", "300000"},
           {"-r", "x", "--bogus"}, {"-r", "x", "--read-method", "uring"}, {"-r"},
           {"-r", "x", "-F", "netflow5", "-o", "x.nf5"}, {"-r", "x", "-F", "csv", "-F", "bin", "-o", "x"},
           {"-r", "x", "-o", "a.csv", "-o", "a.csv"}, {"-r", "x", "-F", "bin", "-o", "a", "-F", "csv"}, {"-r", "x", "-F", "xml", "-o", "a"},
           {"-r", "x", "--rss", "l4"}, {"-r", "x", "--ring-block", "1000"}, {"-r", "x", "--mtu", "10"},
           {"-r", "x", "-W", "3"}, {"-r", "x", "-G", "0.5"}, {"-r", "x", "-Z", ""}, {"-r", "x", "-G", "10", "-o", "-"}}) {
    EXPECT_THROW((void)cli::parse(args), std::invalid_argument) << args.back();
  }
}

TEST(Cli, FormatOutputPairsFanOutInTheOrderGiven) {
  const cli::Options o = cli::parse({"-r", "a.pcap", "-F", "ipfix", "-o", "udp://127.0.0.1:4739", "-F", "json",
                                     "-o", "f.json", "-o", "f.csv", "--mtu", "9000", "-d", "u"});
  ASSERT_EQ(o.engine.outputs.size(), 3u);
  EXPECT_EQ(o.engine.outputs[0].format, OutputFormat::ipfix);
  EXPECT_EQ(o.engine.outputs[0].path, "udp://127.0.0.1:4739");
  EXPECT_EQ(o.engine.outputs[1].format, OutputFormat::json);
  EXPECT_EQ(o.engine.outputs[2].format, OutputFormat::csv);  // an -o without -F: CSV
  for (const SinkConfig& c : o.engine.outputs) {
    EXPECT_EQ(c.exp.mtu_bytes, 9000u);
    EXPECT_FALSE(c.bidirectional);
  }
  // tcpdump order (-o then -F) and a lone -F (standard output).
  const cli::Options after = cli::parse({"-r", "a.pcap", "-o", "x.bin", "-F", "bin"});
  ASSERT_EQ(after.engine.outputs.size(), 1u);
  EXPECT_EQ(after.engine.outputs[0].format, OutputFormat::binary);
  const cli::Options lone = cli::parse({"-r", "a.pcap", "-F", "json"});
  ASSERT_EQ(lone.engine.outputs.size(), 1u);
  EXPECT_EQ(lone.engine.outputs[0].path, "-");
  EXPECT_EQ(lone.engine.outputs[0].format, OutputFormat::json);
}

TEST(Cli, LiveOptionsReachTheCaptureSpec) {
  const cli::Options o = cli::parse({"-i", "afpacket:eth0", "--rss", "l3l4", "--ring-block", "2048", "--block-timeout",
                                     "5", "--poll-timeout", "20", "--dpdk-idle-sleep", "0", "-Z", "nobody"});
  EXPECT_EQ(o.engine.capture.shard, RssFields::l3_l4);
  EXPECT_EQ(o.engine.capture.afpacket.block_kib, 2048u);
  EXPECT_EQ(o.engine.capture.afpacket.block_timeout_ms, 5u);
  EXPECT_EQ(o.engine.capture.poll_timeout_ms, 20u);
  EXPECT_EQ(o.engine.capture.dpdk.idle_sleep_us, 0u);
  EXPECT_EQ(o.engine.drop_user, "nobody");
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs the weir binary; returns its exit code and stderr.
struct RunResult {
  int code = -1;
  std::string err;
};
RunResult weir(const std::vector<std::string>& args, const fs::path& tmp) {
  const char* bin = std::getenv("WEIR_BIN");
  if (!bin) return {};
  std::string cmd = std::string("'") + bin + "'";
  for (const auto& a : args) cmd += " '" + a + "'";
  const fs::path err = tmp / "stderr.txt";
  cmd += " >/dev/null 2>'" + err.string() + "'";
  const int st = std::system(cmd.c_str());
  RunResult r;
  r.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  std::ifstream f(err);
  std::ostringstream s;
  s << f.rdbuf();
  r.err = s.str();
  return r;
}

class CliBinary : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!std::getenv("WEIR_BIN")) GTEST_SKIP() << "WEIR_BIN not set (meson test sets it)";
    tmp_ = fs::temp_directory_path() / ("weir-cli-" + std::to_string(::getpid()));
    fs::create_directories(tmp_);
    std::vector<test::PcapRecord> recs;
    for (uint32_t i = 0; i < 10; ++i) {
      test::PacketBuilder pb;
      pb.eth().ipv4("10.0.0.1", "10.0.0.2").udp(1000, 53).payload(20);
      const test::Frame f = pb.build();
      test::PcapRecord r;
      r.ts_ns = 1'700'000'000'000'000'000ull + i * 1000;
      r.data.assign(f.bytes.begin(), f.bytes.end());
      r.wire_len = f.wire_len;
      recs.push_back(r);
    }
    good_ = (tmp_ / "good.pcap").string();
    ASSERT_TRUE(test::write_pcap(good_, recs));
    // The same file with the last record's caplen overwritten by 100 MB: malformed.
    std::ifstream in(good_, std::ios::binary);
    std::vector<char> img((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_EQ(img.size(), 24 + 10 * (16 + recs.back().data.size()));
    const std::size_t last = img.size() - recs.back().data.size() - 16;
    const uint32_t claimed = 100'000'000;  // little-endian caplen field
    std::memcpy(&img[last + 8], &claimed, 4);
    bad_ = (tmp_ / "bad.pcap").string();
    std::ofstream(bad_, std::ios::binary).write(img.data(), static_cast<std::streamsize>(img.size()));
  }
  void TearDown() override { fs::remove_all(tmp_); }
  fs::path tmp_;
  std::string good_, bad_;
};

TEST_F(CliBinary, ExitCodesTellWhatWentWrong) {
  EXPECT_EQ(weir({"--help"}, tmp_).code, cli::kExitOk);
  EXPECT_EQ(weir({"--version"}, tmp_).code, cli::kExitOk);
  const fs::path out = tmp_ / "o.csv";
  EXPECT_EQ(weir({"-r", good_, "-q", "-o", out.string()}, tmp_).code, cli::kExitOk);
  EXPECT_TRUE(fs::exists(out));
  EXPECT_EQ(weir({"-r", good_, "--no-such-option"}, tmp_).code, cli::kExitUsage);
  const RunResult bpf = weir({"-r", good_, "-o", out.string(), "tcp", "and", "and"}, tmp_);
  EXPECT_EQ(bpf.code, cli::kExitUsage) << bpf.err;
  const RunResult missing = weir({"-r", (tmp_ / "nope.pcap").string()}, tmp_);
  EXPECT_EQ(missing.code, cli::kExitNoInput);
  EXPECT_NE(missing.err.find("nope.pcap"), std::string::npos) << missing.err;
  const fs::path bad_out = tmp_ / "b.csv";
  const RunResult bad = weir({"-r", bad_, "-o", bad_out.string()}, tmp_);
  EXPECT_EQ(bad.code, cli::kExitMalformed) << bad.err;
  EXPECT_NE(bad.err.find("bad.pcap: byte "), std::string::npos) << bad.err;
  EXPECT_TRUE(fs::exists(bad_out));  // the 9 packets before the fault are still written
  const RunResult no_dir = weir({"-r", good_, "-o", (tmp_ / "no" / "such" / "dir.csv").string()}, tmp_);
  EXPECT_EQ(no_dir.code, cli::kExitOutput) << no_dir.err;
}

TEST_F(CliBinary, BenchRejectsBadArgumentsBeforeRunningAnything) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"bench", "--profile", "nope"},
                                                                {"bench", good_, "--threads", "0"},
                                                                {"bench", good_, "--max-flows", "abc"},
                                                                {"bench", good_, "--read-methods", "read,uring"},
                                                                {"bench", "--profile", "churn", "-n", "1x"}}) {
    const RunResult r = weir(args, tmp_);
    EXPECT_EQ(r.code, cli::kExitUsage) << args.back() << ": " << r.err;
    const std::string bad = args.back().substr(args.back().find(',') + 1);
    EXPECT_NE(r.err.find(bad), std::string::npos) << "the message must quote the bad value: " << r.err;
  }
}

TEST_F(CliBinary, SummaryReportsConservationAndThreadLayout) {
  const RunResult r = weir({"-r", good_, "-o", (tmp_ / "o.csv").string(), "-w", "1", "--reader-thread"}, tmp_);
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.err.find("10 packets"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 worker + reader thread"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("10 = 10 + 0  ok"), std::string::npos) << r.err;
}


TEST(Cli, OptionsMayFollowTheFilterExpression) {
  const cli::Options o = cli::parse({"-r", "x.pcap", "udp", "port", "53", "-o", "o.csv", "-w", "2", "-c", "10"});
  EXPECT_EQ(o.engine.filter, "udp port 53");
  ASSERT_EQ(o.engine.outputs.size(), 1u);
  EXPECT_EQ(o.engine.outputs[0].path, "o.csv");
  EXPECT_EQ(o.engine.workers, 2u);
  EXPECT_EQ(o.engine.packet_limit, 10u);
  // A lone "-" and arithmetic stay in the expression; "--" ends the options.
  EXPECT_EQ(cli::parse({"-r", "x.pcap", "len", "-", "14", ">", "100"}).engine.filter, "len - 14 > 100");
  EXPECT_EQ(cli::parse({"-r", "x.pcap", "--", "-q"}).engine.filter, "-q");
}

TEST_F(CliBinary, OptionsAfterTheExpressionWork) {
  const fs::path out = tmp_ / "after.csv";
  const RunResult r = weir({"-r", good_, "udp", "-o", out.string(), "-q"}, tmp_);
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_TRUE(fs::exists(out));
  EXPECT_EQ(r.err, "");  // -q after the expression was honoured
}

TEST_F(CliBinary, SeveralOutputsGetTheSameRecordsAndDashZGivesUpRoot) {
  const fs::path csv = tmp_ / "a.csv", bin = tmp_ / "a.bin";
  RunResult r = weir({"-r", good_, "-F", "bin", "-o", bin.string(), "-o", csv.string(), "-q"}, tmp_);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_GT(fs::file_size(csv), 0u);
  EXPECT_GT(fs::file_size(bin), 0u);
  if (::geteuid() == 0) {
    // As tcpdump -Z: the output is created as root, then root is given up; the file is
    // written under its own name (no rename that the dropped user could be refused).
    const fs::path z = tmp_ / "z.csv";
    r = weir({"-r", good_, "-Z", "nobody", "-o", z.string(), "-q"}, tmp_);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(slurp(z), slurp(csv));
    r = weir({"-r", good_, "-Z", "no-such-user-here", "-o", z.string(), "-q"}, tmp_);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_NE(r.err.find("no such user"), std::string::npos) << r.err;
  }
}

// Starts weir with stdin from a pipe the test writes; stdout/stderr to files.
struct Child {
  pid_t pid = -1;
  int stdin_fd = -1;
};
Child spawn_weir(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
  int p[2];
  if (pipe(p) != 0) return {};
  const pid_t pid = fork();
  if (pid == 0) {
    dup2(p[0], 0);
    close(p[0]);
    close(p[1]);
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(o, 1);
    dup2(e, 2);
    std::vector<char*> argv;
    std::string bin = std::getenv("WEIR_BIN");
    argv.push_back(bin.data());
    std::vector<std::string> a = args;
    for (auto& x : a) argv.push_back(x.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  close(p[0]);
  return {pid, p[1]};
}

int wait_exit(pid_t pid) {
  int st = 0;
  for (int i = 0; i < 500; ++i) {  // 10 s at most: a hang fails the test, not the suite
    if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    usleep(20000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, &st, 0);
  return -1;
}

// A capture of n distinct UDP flows (pcap header included).
std::vector<uint8_t> flows_image(uint32_t n) {
  std::vector<test::PcapRecord> recs;
  for (uint32_t i = 0; i < n; ++i) {
    const test::Frame f = test::PacketBuilder()
                              .eth()
                              .ipv4("10.3." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1), "10.0.0.9")
                              .udp(static_cast<uint16_t>(2000 + i % 60000), 53)
                              .payload(10)
                              .build();
    recs.push_back({1'700'000'000'000'000'000ull + i * 1000ull, f.bytes, f.wire_len});
  }
  return test::pcap_image(recs);
}

TEST_F(CliBinary, SecondSignalExitsAtOnceWith130) {
  // The output is a FIFO nobody reads: after the first SIGINT weir blocks writing the
  // records of the live flows; the second signal must not wait for that.
  const fs::path fifo = tmp_ / "fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  const int hold = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);  // keeps a reader, never reads
  ASSERT_GE(hold, 0);
  Child c = spawn_weir({"-r", "-", "-o", fifo.string()}, tmp_ / "stdout", tmp_ / "stderr");
  ASSERT_GT(c.pid, 0);
  const std::vector<uint8_t> img = flows_image(20000);  // ~ 5 MB of CSV > the pipe buffer
  ASSERT_EQ(write(c.stdin_fd, img.data(), img.size()), static_cast<ssize_t>(img.size()));
  usleep(500000);
  kill(c.pid, SIGINT);
  usleep(500000);
  kill(c.pid, SIGINT);
  EXPECT_EQ(wait_exit(c.pid), cli::kExitInterrupted);
  close(c.stdin_fd);
  close(hold);
}
// The same flows from the plain file, its mmap'ed reading, a gzip copy and a gzip
// stream on standard input.
TEST_F(CliBinary, CompressedAndMappedInputGiveTheSameFlows) {
  const std::string gz = (tmp_ / "good.pcap.gz").string();
  {
    std::ifstream in(good_, std::ios::binary);
    const std::string plain((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    gzFile g = gzopen(gz.c_str(), "wb");
    ASSERT_NE(g, nullptr);
    ASSERT_EQ(gzwrite(g, plain.data(), static_cast<unsigned>(plain.size())), static_cast<int>(plain.size()));
    ASSERT_EQ(gzclose(g), Z_OK);
  }
  auto csv = [&](const std::vector<std::string>& args) {
    const fs::path out = tmp_ / "flows.csv";
    fs::remove(out);
    std::vector<std::string> a = args;
    a.insert(a.end(), {"-q", "-o", out.string()});
    const RunResult r = weir(a, tmp_);
    EXPECT_EQ(r.code, 0) << r.err;
    std::ifstream f(out);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
  };
  const std::string want = csv({"-r", good_});
  EXPECT_NE(want.find("10.0.0.1"), std::string::npos) << want;
  EXPECT_EQ(csv({"-r", good_, "--read-method", "mmap"}), want);
  EXPECT_EQ(csv({"-r", gz}), want);
  EXPECT_EQ(csv({"-r", gz, "--read-method", "mmap"}), want);
  const fs::path out = tmp_ / "stdin.csv";
  const std::string cmd = std::string("'") + std::getenv("WEIR_BIN") + "' -r - -q -o '" + out.string() + "' < '" + gz + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::ifstream f(out);
  std::ostringstream s;
  s << f.rdbuf();
  EXPECT_EQ(s.str(), want);
}

TEST_F(CliBinary, SigintStopsCleanlyWritesEveryFlowAndExitsZero) {
  const fs::path out = tmp_ / "sig.bin";
  Child c = spawn_weir({"-r", "-", "-F", "bin", "-o", out.string()}, tmp_ / "stdout", tmp_ / "stderr");
  ASSERT_GT(c.pid, 0);
  const std::vector<uint8_t> img = flows_image(1000);
  ASSERT_EQ(write(c.stdin_fd, img.data(), img.size()), static_cast<ssize_t>(img.size()));
  usleep(300000);  // the stream stays open: weir waits for more, as on a live link
  kill(c.pid, SIGINT);
  const int code = wait_exit(c.pid);
  close(c.stdin_fd);
  EXPECT_EQ(code, 0);
  std::ifstream ef(tmp_ / "stderr");
  const std::string err((std::istreambuf_iterator<char>(ef)), std::istreambuf_iterator<char>());
  EXPECT_NE(err.find("stopped by signal"), std::string::npos) << err;
  EXPECT_NE(err.find("1,000 = 1,000 + 0  ok"), std::string::npos) << err;
  bool bidir = false;
  std::vector<FlowRecord> recs;
  ASSERT_TRUE(read_flow_file(out.string(), bidir, recs));  // trailer and checksum verified
  EXPECT_EQ(recs.size(), 1000u);
  for (const FlowRecord& r : recs) EXPECT_EQ(r.end_reason, EndReason::shutdown);
}


}  // namespace
}  // namespace weir
