// SPDX-License-Identifier: Apache-2.0
// Stream files: created fresh (an older file of the same name is truncated, never
// appended to), many files through few descriptors (closed and reopened in append mode,
// contents intact), running out of descriptors (a low RLIMIT_NOFILE in a child process)
// handled by closing our own files, and errors that name the file.
// GCC 12 at -O3 reports a false -Wrestrict in std::string concatenation (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"
#include "extract/stream_files.hpp"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace weir::extract {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path fresh_dir(const std::string& name) {
  const fs::path d = fs::path(testing::TempDir()) / ("weir_stream_files_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Writes n files round-robin, rounds times: file i gets "i:r;" for each round r.
bool write_round_robin(StreamFiles& files, const fs::path& dir, int n, int rounds, std::vector<uint32_t>& ids) {
  for (int i = 0; i < n; ++i) ids.push_back(files.add((dir / ("f" + std::to_string(i))).string()));
  for (int r = 0; r < rounds; ++r) {
    for (int i = 0; i < n; ++i) {
      const std::string s = std::to_string(i) + ":" + std::to_string(r) + ";";
      if (!files.write(ids[i], s.data(), s.size())) return false;
    }
  }
  return static_cast<bool>(files.close_all());
}

bool contents_ok(const fs::path& dir, int n, int rounds) {
  for (int i = 0; i < n; ++i) {
    std::string want;
    for (int r = 0; r < rounds; ++r) want += std::to_string(i) + ":" + std::to_string(r) + ";";
    if (slurp((dir / ("f" + std::to_string(i))).string()) != want) return false;
  }
  return true;
}

TEST(StreamFiles, AnOlderFileIsTruncatedNotAppendedTo) {
  const fs::path d = fresh_dir("fresh");
  const std::string p = (d / "s").string();
  std::ofstream(p) << "left over from an earlier run";
  for (int run = 0; run < 2; ++run) {
    StreamFiles f(StreamFilesConfig{});
    const uint32_t id = f.add(p);
    ASSERT_TRUE(f.write(id, "new", 3));
    ASSERT_TRUE(f.close_all());
    EXPECT_EQ(slurp(p), "new");
  }
  // touch() creates an empty file (a stream without payload still has its file).
  StreamFiles f(StreamFilesConfig{});
  const uint32_t id = f.add(p);
  ASSERT_TRUE(f.touch(id));
  ASSERT_TRUE(f.close_all());
  EXPECT_EQ(slurp(p), "");
}

TEST(StreamFiles, ManyFilesThroughTwoDescriptors) {
  const fs::path d = fresh_dir("lru");
  StreamFiles f(StreamFilesConfig{.max_open = 2, .buffer_bytes = 8});
  std::vector<uint32_t> ids;
  ASSERT_TRUE(write_round_robin(f, d, 7, 20, ids));
  EXPECT_TRUE(contents_ok(d, 7, 20));
  EXPECT_EQ(f.stats().files, 7u);
  EXPECT_LE(f.stats().peak_open, 2u);
  EXPECT_GT(f.stats().reopened, 100u);
  EXPECT_GT(f.stats().closed_for_fds, 100u);
}

TEST(StreamFiles, BufferedBytesReachTheFileInOrder) {
  const fs::path d = fresh_dir("buffer");
  StreamFiles f(StreamFilesConfig{.max_open = 4, .buffer_bytes = 16});
  const uint32_t id = f.add((d / "x").string());
  std::string want;
  for (int i = 0; i < 100; ++i) {
    const std::string s(static_cast<std::size_t>(i % 40), static_cast<char>('a' + i % 26));
    want += s;
    ASSERT_TRUE(f.write(id, s.data(), s.size()));
  }
  ASSERT_TRUE(f.close_all());
  EXPECT_EQ(slurp((d / "x").string()), want);
  EXPECT_EQ(f.stats().bytes, want.size());
}

// Runs body in a child with RLIMIT_NOFILE = limit; the child's exit status is body's result.
int in_child_with_fd_limit(rlim_t limit, bool (*body)(const fs::path&), const fs::path& dir) {
  const pid_t pid = fork();
  if (pid == 0) {
    rlimit rl{limit, limit};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0) _exit(3);
    _exit(body(dir) ? 0 : 1);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

TEST(StreamFiles, RunningOutOfDescriptorsClosesOurOwnFiles) {
  const fs::path d = fresh_dir("emfile");
  // The cap (500) is far above what the limit (16 descriptors) allows: open() fails with
  // EMFILE and the least recently used file is closed instead of failing the run.
  const int rc = in_child_with_fd_limit(16, [](const fs::path& dir) {
    StreamFiles f(StreamFilesConfig{.max_open = 500, .buffer_bytes = 8});
    std::vector<uint32_t> ids;
    if (!write_round_robin(f, dir, 60, 5, ids)) return false;
    return f.stats().emfile > 0 && f.stats().peak_open < 16 && contents_ok(dir, 60, 5);
  }, d);
  EXPECT_EQ(rc, 0);
  EXPECT_TRUE(contents_ok(d, 60, 5));
  // The default cap follows the limit (with a reserve), so EMFILE is not even needed.
  const fs::path d2 = fresh_dir("rlimit_default");
  const int rc2 = in_child_with_fd_limit(24, [](const fs::path& dir) {
    StreamFiles f(StreamFilesConfig{});
    std::vector<uint32_t> ids;
    if (!write_round_robin(f, dir, 40, 3, ids)) return false;
    return f.stats().max_open < 24 && f.stats().emfile == 0 && contents_ok(dir, 40, 3);
  }, d2);
  EXPECT_EQ(rc2, 0);
}

TEST(StreamFiles, ErrorsNameTheFile) {
  StreamFiles f(StreamFilesConfig{});
  const std::string p = testing::TempDir() + "/weir_no_such_dir/x";
  const uint32_t id = f.add(p);
  const Status s = f.write(id, "x", 1);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.origin, Origin::output);
  EXPECT_NE(s.message.find("cannot create " + p), std::string::npos) << s.message;
  // A file removed behind our back is not silently recreated on reopen.
  const fs::path d = fresh_dir("vanish");
  StreamFiles g(StreamFilesConfig{.max_open = 1, .buffer_bytes = 4});
  const uint32_t a = g.add((d / "a").string());
  const uint32_t b = g.add((d / "b").string());
  ASSERT_TRUE(g.write(a, "aa", 2));
  ASSERT_TRUE(g.write(b, "bb", 2));  // closes a
  fs::remove(d / "a");
  const Status r = g.write(a, "aa", 2);
  EXPECT_FALSE(r);
  EXPECT_NE(r.message.find("cannot reopen"), std::string::npos) << r.message;
}

}  // namespace
}  // namespace weir::extract
