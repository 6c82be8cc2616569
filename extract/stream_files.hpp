// SPDX-License-Identifier: Apache-2.0
// StreamFiles: many output files (one per stream direction) written through a bounded
// number of open file descriptors.
//
// A file is created fresh (O_TRUNC) the first time it is opened in a run -- never
// appended to from an earlier run (pcap_flow appended). When max_open files are open, or
// open() fails with EMFILE/ENFILE (descriptors run out), the least recently used file is
// flushed and closed; written again later, it is reopened in append mode -- it is our
// own file of this run, so appending continues it. A run never fails for lack of
// descriptors while at least one of its own can be closed.
//
// Writes are buffered per open file (buffer_bytes each), so memory is bounded by
// max_open * buffer_bytes, and there is no syscall per segment. Errors (disk full, a
// file that vanished) are Origin::output and name the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/base/common.hpp"

namespace weir::extract {

struct StreamFilesConfig {
  uint32_t max_open = 0;            // 0: from RLIMIT_NOFILE (soft limit minus a reserve, <= 1024)
  std::size_t buffer_bytes = 16 << 10;
};

struct StreamFilesStats {
  uint64_t files = 0;          // files created
  uint64_t reopened = 0;       // reopened in append mode after being closed
  uint64_t closed_for_fds = 0; // closes forced by max_open or EMFILE/ENFILE
  uint64_t emfile = 0;         // open() failures with EMFILE/ENFILE that a close resolved
  uint64_t bytes = 0;          // bytes written
  uint32_t max_open = 0;
  uint32_t peak_open = 0;
};

class StreamFiles {
 public:
  explicit StreamFiles(const StreamFilesConfig& cfg);
  ~StreamFiles();  // closes what is open; call close_all() to see errors
  StreamFiles(const StreamFiles&) = delete;
  StreamFiles& operator=(const StreamFiles&) = delete;

  // Registers a file; nothing is created yet. Returns its handle.
  uint32_t add(std::string path);
  // Creates the file now if not yet created (empty streams still get their file).
  Status touch(uint32_t f);
  Status write(uint32_t f, const void* p, std::size_t n);
  Status close_all();

  const std::string& path(uint32_t f) const { return files_[f].path; }
  const StreamFilesStats& stats() const noexcept { return st_; }

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct File {
    std::string path;
    int fd = -1;
    bool created = false;
    uint32_t prev = kNone;  // LRU list of open files (head = most recently used)
    uint32_t next = kNone;
    std::vector<uint8_t> buf;
  };
  Status ensure_open(uint32_t f);
  Status close_file(uint32_t f);
  Status flush(uint32_t f);
  void unlink_lru(uint32_t f);
  void push_front(uint32_t f);

  StreamFilesConfig cfg_;
  std::vector<File> files_;
  uint32_t head_ = kNone, tail_ = kNone;
  uint32_t open_ = 0;
  StreamFilesStats st_;
};

}  // namespace weir::extract
