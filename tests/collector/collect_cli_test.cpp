// SPDX-License-Identifier: Apache-2.0
// The `weir collect` and `weir cat` commands: SIGINT and SIGTERM flush the output and
// exit 0 with a summary; -c and --duration stop by themselves; usage errors exit 2, a
// port in use 3, an unwritable output 5; every format the registry has is written
// (flow-tools read back by `weir cat`); `weir cat` tells the three file kinds apart.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "support/csv_table.hpp"
#include "support/netflow_builder.hpp"
#include "support/process.hpp"

namespace weir {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::Process;

// n IPv4 TCP flows (and one IPv6 one) in one IPFIX message, with its templates.
std::vector<uint8_t> flows(uint16_t n) {
  test::NfMsg m = test::NfMsg::ipfix(1'700'000'000, 0, 3);
  m.set(2).tmpl(256, {{8, 4}, {12, 4}, {7, 2}, {11, 2}, {4, 1}, {152, 8}, {153, 8}, {2, 4}, {1, 4}})
      .tmpl(257, {{27, 16}, {28, 16}, {4, 1}, {2, 4}, {1, 4}})
      .end_set();
  m.set(256);
  for (uint16_t i = 0; i < n; ++i)
    m.ipv4(10, 0, 0, 1).ipv4(10, 0, 0, 2).u16(2000 + i).u16(80).u8(6).u64(1'700'000'000'000ull + i)
        .u64(1'700'000'001'000ull + i).u32(3).u32(180);
  m.end_set();
  m.set(257).zeros(15).u8(1).zeros(15).u8(2).u8(17).u32(1).u32(50).end_set();
  return m.done();
}

class CollectCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* w = std::getenv("WEIR_BIN");
    if (!w) GTEST_SKIP() << "WEIR_BIN not set (meson test sets it)";
    weir_ = w;
    dir_ = fs::temp_directory_path() / ("weir-collect-cli-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  std::string file(const std::string& n) const { return (dir_ / n).string(); }
  // weir collect on a free UDP port with extra args; waits until it listens.
  std::unique_ptr<Process> collect(uint16_t& port, std::vector<std::string> extra) {
    port = test::free_port();
    std::vector<std::string> argv = {weir_, "collect", "-l", "udp://127.0.0.1:" + std::to_string(port)};
    argv.insert(argv.end(), extra.begin(), extra.end());
    auto p = std::make_unique<Process>(argv, file("out.txt"), file("err.txt"));
    EXPECT_TRUE(test::wait_bound(port)) << test::slurp(file("err.txt"));
    return p;
  }
  int run(std::vector<std::string> args) {
    args.insert(args.begin(), weir_);
    Process p(args, file("out.txt"), file("err.txt"));
    return p.wait();
  }
  std::string weir_;
  fs::path dir_;
};

TEST_F(CollectCli, SigintFlushesTheOutputAndExitsZero) {
  uint16_t port;
  auto p = collect(port, {"-o", file("flows.csv"), "--stats-json", file("stats.json")});
  test::send_udp(port, flows(5));
  std::this_thread::sleep_for(300ms);
  p->signal(SIGINT);
  ASSERT_EQ(p->wait(), 0) << test::slurp(file("err.txt"));
  const test::CsvTable t = test::read_csv_table(file("flows.csv"));
  ASSERT_EQ(t.rows.size(), 6u);
  EXPECT_EQ(t.rows[0].at("src_port"), "2000");
  EXPECT_EQ(t.rows[0].at("start_ns"), "1700000000000000000");
  const std::string err = test::slurp(file("err.txt"));
  EXPECT_NE(err.find("listening on udp://127.0.0.1:" + std::to_string(port)), std::string::npos) << err;
  EXPECT_NE(err.find("weir collect summary"), std::string::npos) << err;
  EXPECT_NE(err.find("flow records 6"), std::string::npos) << err;
  EXPECT_NE(test::slurp(file("stats.json")).find("\"records\": 6"), std::string::npos);
}

TEST_F(CollectCli, SigtermFinishesAFlowToolsFileThatCatReads) {
  uint16_t port;
  auto p = collect(port, {"-F", "flowtools", "-o", file("flows.ft"), "-q"});
  test::send_udp(port, flows(4));
  std::this_thread::sleep_for(300ms);
  p->signal(SIGTERM);
  ASSERT_EQ(p->wait(), 0) << test::slurp(file("err.txt"));
  EXPECT_TRUE(test::slurp(file("err.txt")).empty());  // -q
  ASSERT_EQ(run({"cat", file("flows.ft"), "-o", file("ft.csv")}), 0) << test::slurp(file("err.txt"));
  const test::CsvTable t = test::read_csv_table(file("ft.csv"));
  ASSERT_EQ(t.rows.size(), 4u);  // the IPv6 flow has no v5 form
  EXPECT_EQ(t.rows[3].at("src_port"), "2003");
  EXPECT_EQ(t.rows[3].at("fwd_ip_bytes"), "180");
  EXPECT_EQ(t.rows[3].at("start_ns"), "1700000000003000000");
}

TEST_F(CollectCli, StopsByItselfAfterCountOrDuration) {
  uint16_t port;
  auto p = collect(port, {"-c", "3", "-o", file("c.csv"), "-q"});
  test::send_udp(port, flows(5));
  ASSERT_EQ(p->wait(5s), 0);
  EXPECT_EQ(test::read_csv_table(file("c.csv")).rows.size(), 3u);
  const auto t0 = std::chrono::steady_clock::now();
  auto q = collect(port, {"--duration", "0.5", "-o", file("d.csv"), "-q"});
  ASSERT_EQ(q->wait(5s), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 4s);
  EXPECT_TRUE(fs::exists(file("d.csv")));
}

TEST_F(CollectCli, ExitCodesTellUsageInputAndOutputApart) {
  EXPECT_EQ(run({"collect"}), 2);                                         // no -l
  EXPECT_EQ(run({"collect", "-l", "udp://1.2.3.4"}), 2);                  // no port
  EXPECT_EQ(run({"collect", "-l", "udp://:1", "-F", "xml"}), 2);          // unknown format
  EXPECT_EQ(run({"collect", "-l", "udp://:1", "-c", "0"}), 2);
  EXPECT_EQ(run({"collect", "-l", "udp://:1", "--bogus"}), 2);
  EXPECT_NE(test::slurp(file("err.txt")).find("unknown option '--bogus'"), std::string::npos);
  EXPECT_EQ(run({"collect", "--help"}), 0);
  EXPECT_NE(test::slurp(file("out.txt")).find("flowtools"), std::string::npos);
  // A port someone else holds: input error.
  const int holder = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(holder, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t l = sizeof a;
  ::getsockname(holder, reinterpret_cast<sockaddr*>(&a), &l);
  EXPECT_EQ(run({"collect", "-l", "udp://127.0.0.1:" + std::to_string(ntohs(a.sin_port))}), 3);
  EXPECT_NE(test::slurp(file("err.txt")).find("Address already in use"), std::string::npos);
  ::close(holder);
  EXPECT_EQ(run({"collect", "-l", "udp://127.0.0.1:0", "-o", "/nonexistent-dir/x.csv"}), 5);
}

TEST_F(CollectCli, CatTellsTheFileKindsApart) {
  // The same records as CSV, binary and flow-tools from one collector run (fan-out).
  uint16_t port;
  auto p = collect(port, {"-o", file("a.csv"), "-F", "bin", "-o", file("a.bin"), "-F", "flowtools", "-o",
                          file("a.ft"), "-q"});
  test::send_udp(port, flows(3));
  std::this_thread::sleep_for(300ms);
  p->signal(SIGINT);
  ASSERT_EQ(p->wait(), 0) << test::slurp(file("err.txt"));
  ASSERT_EQ(run({"cat", file("a.bin"), "-o", file("bin.csv")}), 0) << test::slurp(file("err.txt"));
  EXPECT_EQ(test::slurp(file("bin.csv")), test::slurp(file("a.csv")));
  ASSERT_EQ(run({"cat", file("a.ft"), "-o", file("ft.csv")}), 0);
  EXPECT_EQ(test::read_csv_table(file("ft.csv")).rows.size(), 3u);
  // An IPFIX file is IPFIX messages back to back.
  const std::vector<uint8_t> m = flows(2);
  {
    std::ofstream f(file("b.ipfix"), std::ios::binary);
    f.write(reinterpret_cast<const char*>(m.data()), static_cast<std::streamsize>(m.size()));
    f.write(reinterpret_cast<const char*>(m.data()), static_cast<std::streamsize>(m.size()));
  }
  ASSERT_EQ(run({"cat", file("b.ipfix"), "-o", file("ipfix.csv")}), 0) << test::slurp(file("err.txt"));
  EXPECT_EQ(test::read_csv_table(file("ipfix.csv")).rows.size(), 6u);
  {
    std::ofstream f(file("junk"), std::ios::binary);
    f << "this is not a flow file";
  }
  EXPECT_EQ(run({"cat", file("junk")}), 4);
  EXPECT_NE(test::slurp(file("err.txt")).find("not a flow file weir reads"), std::string::npos);
  EXPECT_EQ(run({"cat", file("missing.ft")}), 3);
  EXPECT_EQ(run({"cat", "--input-format", "xml", file("junk")}), 2);
}

TEST_F(CollectCli, ReExportsIpfixWithTheExportOptions) {
  // collector A re-exports what it receives as IPFIX to collector B.
  const uint16_t b_port = test::free_port();
  Process b({weir_, "collect", "-l", "udp://127.0.0.1:" + std::to_string(b_port), "-o", file("b.csv"),
             "--stats-json", file("b.json"), "-q"},
            "", file("b.err"));
  ASSERT_TRUE(test::wait_bound(b_port));
  uint16_t a_port;
  auto a = collect(a_port, {"-F", "ipfix", "-o", "udp://127.0.0.1:" + std::to_string(b_port), "--mtu", "600",
                            "--observation-domain", "9", "--template-refresh", "30", "--rcvbuf", "100000",
                            "--flush-interval", "0.05"});
  test::send_udp(a_port, flows(20));
  std::this_thread::sleep_for(400ms);
  a->signal(SIGINT);
  ASSERT_EQ(a->wait(), 0) << test::slurp(file("err.txt"));
  EXPECT_NE(test::slurp(file("err.txt")).find("UDP receive buffer 200000 bytes"), std::string::npos)
      << test::slurp(file("err.txt"));
  std::this_thread::sleep_for(200ms);
  b.signal(SIGINT);
  ASSERT_EQ(b.wait(), 0) << test::slurp(file("b.err"));
  EXPECT_EQ(test::read_csv_table(file("b.csv")).rows.size(), 21u);
  const std::string j = test::slurp(file("b.json"));
  EXPECT_NE(j.find("\"domain\": 9"), std::string::npos) << j;  // --observation-domain
  const auto num = [&](const std::string& key) {
    const auto at = j.find("\"" + key + "\": ");
    return at == std::string::npos ? 0ull : std::stoull(j.substr(at + key.size() + 4));
  };
  ASSERT_GT(num("messages"), 0u);
  EXPECT_LE(num("bytes") / num("messages"), 600u - 28u);  // --mtu: within 600 bytes of IP
  EXPECT_GT(num("messages"), 3u);
}

}  // namespace
}  // namespace weir
