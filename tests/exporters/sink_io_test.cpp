// SPDX-License-Identifier: Apache-2.0
// Sink file handling: temporary file and rename, cleanup on error or abandonment, a
// full disk (RLIMIT_FSIZE in a forked child: write() fails with EFBIG), stdout and
// special files.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "exporters/binary_reader.hpp"
#include "exporters/csv_format.hpp"
#include "exporters_test_util.hpp"

namespace weir {
namespace {

using test::ScratchDir;

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

std::string tmp_name(const std::string& path) {
  return path + ".tmp." + std::to_string(::getpid());
}

// Runs `body` in a forked child (gtest assertions do not cross fork; the body returns
// an error description, empty for success) and returns what it reported.
std::string in_child(const std::function<std::string()>& body) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return "pipe failed";
  const pid_t pid = ::fork();
  if (pid < 0) return "fork failed";
  if (pid == 0) {
    ::close(pipefd[0]);
    const std::string err = body();
    (void)!::write(pipefd[1], err.data(), err.size());
    ::_exit(err.empty() ? 0 : 1);
  }
  ::close(pipefd[1]);
  std::string msg;
  char buf[512];
  for (ssize_t r; (r = ::read(pipefd[0], buf, sizeof buf)) > 0;) msg.append(buf, static_cast<std::size_t>(r));
  ::close(pipefd[0]);
  int wstatus = 0;
  ::waitpid(pid, &wstatus, 0);
  if (!WIFEXITED(wstatus)) return "child died: status " + std::to_string(wstatus) + " " + msg;
  return msg;
}

// In the child: files may grow to `limit_bytes`; past it write() fails with EFBIG
// instead of raising SIGXFSZ.
void limit_file_size(rlim_t limit_bytes) {
  ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit rl {limit_bytes, limit_bytes};
  ::setrlimit(RLIMIT_FSIZE, &rl);
}

class SinkIo : public ::testing::TestWithParam<OutputFormat> {
 protected:
  SinkConfig config(const std::string& path) const {
    return {.path = path, .format = GetParam(), .bidirectional = true};
  }
};

TEST_P(SinkIo, TemporaryFileIsRenamedOnlyByFinish) {
  ScratchDir dir;
  const std::string path = dir.file("out");
  std::unique_ptr<FlowSink> sink;
  ASSERT_TRUE(open_sink(config(path), sink));
  const auto recs = test::random_records(5000, 1);  // more than one buffer
  ASSERT_TRUE(sink->write_burst(recs));
  EXPECT_TRUE(exists(tmp_name(path)));
  EXPECT_FALSE(exists(path));
  Status s = sink->finish();
  ASSERT_TRUE(s) << s.message;
  EXPECT_TRUE(exists(path));
  EXPECT_FALSE(exists(tmp_name(path)));
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out"});
  EXPECT_TRUE(sink->finish());  // idempotent
  EXPECT_EQ(sink->write_burst(recs).code, Errc::invalid_argument);
}

TEST_P(SinkIo, AbandonedSinkRemovesItsTemporaryFileAndKeepsTheOldOutput) {
  ScratchDir dir;
  const std::string path = dir.file("out");
  test::write_all(path, "previous run\n");
  {
    std::unique_ptr<FlowSink> sink;
    ASSERT_TRUE(open_sink(config(path), sink));
    ASSERT_TRUE(sink->write_burst(test::random_records(5000, 2)));
    EXPECT_TRUE(exists(tmp_name(path)));
  }  // destroyed without finish(), e.g. after an error elsewhere
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out"});
  EXPECT_EQ(test::read_all(path), "previous run\n");
}

TEST_P(SinkIo, FinishReplacesAnExistingFile) {
  ScratchDir dir;
  const std::string path = dir.file("out");
  test::write_all(path, "previous run\n");
  test::write_records(config(path), test::random_records(3, 3));
  EXPECT_NE(test::read_all(path), "previous run\n");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out"});
}

TEST_P(SinkIo, FileSizeLimitDuringWriteIsAnIoErrorAndLeavesNothing) {
  ScratchDir dir;
  const std::string path = dir.file("flows.out");
  const std::string err = in_child([&]() -> std::string {
    limit_file_size(64 * 1024);
    std::unique_ptr<FlowSink> sink;
    if (Status s = open_sink(config(path), sink); !s) return "open: " + s.message;
    const auto recs = test::random_records(1000, 4);
    Status s;
    for (int i = 0; i < 100 && s; ++i) s = sink->write_burst(recs);  // 100k records
    if (s) return "write never failed";
    if (s.code != Errc::io_error) return "wrong code: " + s.message;
    if (s.message != "write " + path + ": File too large") return "message: " + s.message;
    if (exists(tmp_name(path))) return "temporary file left behind";
    if (exists(path)) return "final file exists";
    // The error is sticky, and finish() reports it too.
    if (sink->write_burst(recs).message != s.message) return "not sticky";
    if (sink->finish().message != s.message) return "finish hid the error";
    if (exists(path)) return "final file exists after finish";
    return "";
  });
  EXPECT_EQ(err, "");
  EXPECT_TRUE(dir.entries().empty());
}

TEST_P(SinkIo, FileSizeLimitDuringFinishIsAnIoErrorAndLeavesNothing) {
  ScratchDir dir;
  const std::string path = dir.file("flows.out");
  const std::string err = in_child([&]() -> std::string {
    limit_file_size(16 * 1024);
    std::unique_ptr<FlowSink> sink;
    if (Status s = open_sink(config(path), sink); !s) return "open: " + s.message;
    // ~200 KiB: stays in the 1 MiB buffer until finish() flushes it.
    if (Status s = sink->write_burst(test::random_records(500, 5)); !s)
      return "write failed early: " + s.message;
    if (!exists(tmp_name(path))) return "no temporary file";
    Status s = sink->finish();
    if (s.code != Errc::io_error) return "finish: " + (s ? std::string("ok") : s.message);
    if (s.message != "write " + path + ": File too large") return "message: " + s.message;
    if (exists(tmp_name(path)) || exists(path)) return "file left behind";
    return "";
  });
  EXPECT_EQ(err, "");
  EXPECT_TRUE(dir.entries().empty());
}

TEST_P(SinkIo, FullDeviceIsAnIoError) {
  if (!exists("/dev/full")) GTEST_SKIP() << "/dev/full not available";
  std::unique_ptr<FlowSink> sink;
  ASSERT_TRUE(open_sink(config("/dev/full"), sink));  // a device: written in place
  ASSERT_TRUE(sink->write_burst(test::random_records(10, 6)));
  Status s = sink->finish();
  EXPECT_EQ(s.code, Errc::io_error);
  EXPECT_EQ(s.message, "write /dev/full: No space left on device");
}

TEST_P(SinkIo, OpenFailureNamesThePath) {
  std::unique_ptr<FlowSink> sink;
  Status s = open_sink(config("/nonexistent-weir-dir/flows.out"), sink);
  EXPECT_EQ(s.code, Errc::io_error);
  EXPECT_EQ(s.message, "open /nonexistent-weir-dir/flows.out: No such file or directory");
  EXPECT_EQ(sink, nullptr);
}

TEST_P(SinkIo, RenameOntoADirectoryFailsAndCleansUp) {
  ScratchDir dir;
  const std::string path = dir.file("out");
  std::unique_ptr<FlowSink> sink;
  ASSERT_TRUE(open_sink(config(path), sink));
  ASSERT_TRUE(sink->write_burst(test::random_records(10, 7)));
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);  // someone made <path> a directory meanwhile
  ASSERT_EQ(::mkdir((path + "/x").c_str(), 0700), 0);  // non-empty: rename must fail
  Status s = sink->finish();
  EXPECT_EQ(s.code, Errc::io_error);
  EXPECT_EQ(s.message.rfind("rename " + tmp_name(path) + " to " + path + ": ", 0), 0u)
      << s.message;
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out"});
}

TEST_P(SinkIo, DashWritesToStdout) {
  ScratchDir dir;
  const auto recs = test::random_records(3000, 8);
  test::write_records(config(dir.file("file.out")), recs);
  const std::string captured = dir.file("stdout.out");
  const std::string err = in_child([&]() -> std::string {
    const int fd = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || ::dup2(fd, STDOUT_FILENO) < 0) return "redirect failed";
    std::unique_ptr<FlowSink> sink;
    if (Status s = open_sink(config("-"), sink); !s) return s.message;
    if (Status s = sink->write_burst(recs); !s) return s.message;
    if (Status s = sink->finish(); !s) return s.message;
    return "";
  });
  ASSERT_EQ(err, "");
  EXPECT_TRUE(test::read_all(captured) == test::read_all(dir.file("file.out")));
}

TEST_P(SinkIo, DevNullIsWrittenInPlace) {
  std::unique_ptr<FlowSink> sink;
  ASSERT_TRUE(open_sink(config("/dev/null"), sink));
  ASSERT_TRUE(sink->write_burst(test::random_records(5000, 9)));
  Status s = sink->finish();
  EXPECT_TRUE(s) << s.message;
  EXPECT_EQ(sink->records_written(), 5000u);
}

INSTANTIATE_TEST_SUITE_P(Formats, SinkIo,
                         ::testing::Values(OutputFormat::csv, OutputFormat::binary),
                         [](const auto& info) {
                           return info.param == OutputFormat::csv ? "Csv" : "Binary";
                         });

TEST(CatFlowFile, WritesToStdoutAndReadsFromStdin) {
  ScratchDir dir;
  const auto recs = test::random_records(500, 10);
  const std::string bin = dir.file("f.bin");
  test::write_records({.path = bin, .format = OutputFormat::binary, .bidirectional = false},
                      recs);
  test::write_records({.path = dir.file("want.csv"), .format = OutputFormat::csv,
                       .bidirectional = false},
                      recs);
  const std::string captured = dir.file("got.csv");
  const std::string err = in_child([&]() -> std::string {
    const int in = ::open(bin.c_str(), O_RDONLY);
    const int out = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || ::dup2(in, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0)
      return "redirect failed";
    if (Status s = cat_flow_file("-", "-"); !s) return s.message;
    return "";
  });
  ASSERT_EQ(err, "");
  EXPECT_TRUE(test::read_all(captured) == test::read_all(dir.file("want.csv")));
}

}  // namespace
}  // namespace weir
