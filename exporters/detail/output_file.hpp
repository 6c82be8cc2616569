// SPDX-License-Identifier: Apache-2.0
// OutputFile: the buffered, all-or-nothing output behind every sink. Used by one thread
// (the merger) through its sink; not thread-safe.
//
// Design: a regular file is written as <path>.tmp.<pid> and renamed to <path> by
// finish(), after fsync, so a reader never sees a half-written file under the final name
// and a crash cannot leave an empty file behind a rename. "-" is standard output, and a
// path that already exists and is not a regular file (/dev/null, a FIFO, /dev/fd/N from a
// shell's process substitution) is written in place: there is nothing to rename there.
//
// Records are formatted straight into one 1 MiB buffer (cursor()/commit()) and written
// in 1 MiB write() calls: few syscalls, and no copy through stdio.
//
// Errors are sticky: the first failing write/fsync/close/rename closes the file, removes
// the temporary file and is returned again by every later call. Destroying an
// OutputFile that was opened but not finished also removes the temporary file.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "engine/base/common.hpp"

namespace weir::detail {

class OutputFile {
 public:
  // One write() per MiB: past ~256 KiB the syscall cost is noise; larger buffers only
  // cost memory and latency.
  static constexpr std::size_t kBufferBytes = std::size_t{1} << 20;

  OutputFile() = default;
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  // Opens `path` ("-" = stdout). Call once.
  Status open(const std::string& path);

  // Formatting interface: write at most space() bytes at cursor(), then commit() them.
  char* cursor() noexcept { return buf_.get() + used_; }
  std::size_t space() const noexcept { return kBufferBytes - used_; }
  void commit(std::size_t n_bytes) noexcept { used_ += n_bytes; }

  // Writes the buffered bytes out. Precondition: open() succeeded.
  Status flush();
  // flush + fsync + close + rename into place. After it, the OutputFile is inert.
  Status finish();

  bool failed() const noexcept { return !err_; }
  const Status& error() const noexcept { return err_; }

 private:
  Status write_all(const char* p, std::size_t n_bytes);
  Status fail(const std::string& op, int err);
  void discard() noexcept;

  enum class State : uint8_t { closed, open, finished, failed };
  State state_ = State::closed;
  int fd_ = -1;
  bool is_stdout_ = false;
  std::string path_;      // as given by the user; used in messages
  std::string tmp_path_;  // empty when writing in place
  std::unique_ptr<char[]> buf_;
  std::size_t used_ = 0;
  Status err_;
};

}  // namespace weir::detail
