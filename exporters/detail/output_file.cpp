// SPDX-License-Identifier: Apache-2.0
#include "exporters/detail/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

namespace weir::detail {

namespace {

// std::generic_category().message() uses strerror_r in libstdc++: thread-safe, unlike
// strerror().
std::string errno_text(int err) { return std::generic_category().message(err); }

}  // namespace

OutputFile::~OutputFile() {
  if (state_ == State::open) discard();
}

Status OutputFile::open(const std::string& path) {
  if (state_ != State::closed)
    return {Errc::invalid_argument, "open " + path + ": output already opened"};
  if (path.empty()) return {Errc::invalid_argument, "empty output path"};
  path_ = path;
  buf_ = std::make_unique_for_overwrite<char[]>(kBufferBytes);
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    is_stdout_ = true;
    state_ = State::open;
    return {};
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    // Device, FIFO, socket or directory: write in place (a directory fails here, with
    // the kernel's "Is a directory").
    fd_ = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  } else {
    tmp_path_ = path + ".tmp." + std::to_string(::getpid());
    // 0666 & ~umask, as any other tool creating a file. O_TRUNC: a stale temporary file
    // of an earlier process that had our pid is garbage.
    fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
  }
  if (fd_ < 0) {
    const int err = errno;
    tmp_path_.clear();  // not created
    err_ = Status(Errc::io_error, "open " + path_ + ": " + errno_text(err));
    state_ = State::failed;
    return err_;
  }
  state_ = State::open;
  return {};
}

Status OutputFile::write_all(const char* p, std::size_t n_bytes) {
  while (n_bytes > 0) {
    const ssize_t w = ::write(fd_, p, n_bytes);
    if (w < 0) {
      if (errno == EINTR) continue;
      return fail("write", errno);
    }
    if (w == 0) return fail("write", EIO);  // never for files; do not spin
    p += w;
    n_bytes -= static_cast<std::size_t>(w);
  }
  return {};
}

Status OutputFile::flush() {
  if (state_ != State::open) {
    if (state_ == State::failed) return err_;
    return {Errc::invalid_argument, "write " + path_ + ": output is not open"};
  }
  const std::size_t n = used_;
  used_ = 0;
  return write_all(buf_.get(), n);
}

Status OutputFile::finish() {
  if (state_ == State::finished) return {};
  if (Status s = flush(); !s) return s;
  if (is_stdout_) {
    state_ = State::finished;
    return {};
  }
  // fsync before rename: otherwise a crash soon after can leave <path> empty. Only for
  // the temporary file; a device or FIFO may reject fsync (EINVAL) and needs none.
  if (!tmp_path_.empty() && ::fsync(fd_) != 0) return fail("fsync", errno);
  // close() can report a deferred write error (NFS, some FUSE file systems).
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) return fail("close", errno);
  if (!tmp_path_.empty()) {
    if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
      const int err = errno;
      err_ = Status(Errc::io_error,
                    "rename " + tmp_path_ + " to " + path_ + ": " + errno_text(err));
      discard();
      return err_;
    }
    tmp_path_.clear();
  }
  state_ = State::finished;
  buf_.reset();
  return {};
}

Status OutputFile::fail(const std::string& op, int err) {
  err_ = Status(Errc::io_error, op + " " + path_ + ": " + errno_text(err));
  discard();
  return err_;
}

void OutputFile::discard() noexcept {
  if (fd_ >= 0 && !is_stdout_) ::close(fd_);
  fd_ = -1;
  if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
  tmp_path_.clear();
  used_ = 0;
  state_ = State::failed;
}

}  // namespace weir::detail
