// SPDX-License-Identifier: Apache-2.0
// Files and standard output (design: destinations.hpp).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>

#include "exporters/detail/destinations.hpp"

namespace weir::detail {

namespace {

// std::generic_category().message() uses strerror_r in libstdc++: thread-safe, unlike
// strerror().
std::string errno_text(int err) { return std::generic_category().message(err); }

// One write() per MiB: past ~256 KiB the syscall cost is noise; larger buffers only
// cost memory and latency.
constexpr std::size_t kFileBufferBytes = std::size_t{1} << 20;

class FileDestination final : public Destination {
 public:
  explicit FileDestination(const std::string& path)
      : Destination(DestKind::stream, path, kFileBufferBytes) {}
  ~FileDestination() override {
    if (state_ == State::open) discard();
  }

  Status open(bool in_place) {
    const std::string& path = name_;
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
    } else if (in_place) {
      fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    } else {
      tmp_path_ = path + ".tmp." + std::to_string(::getpid());
      // 0666 & ~umask, as any other tool creating a file. O_TRUNC: a stale temporary
      // file of an earlier process that had our pid is garbage.
      fd_ = ::open(tmp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    }
    if (fd_ < 0) {
      const int err = errno;
      tmp_path_.clear();  // not created
      err_ = Status(Errc::io_error, Origin::output, "open " + path + ": " + errno_text(err));
      state_ = State::failed;
      return err_;
    }
    state_ = State::open;
    return {};
  }

  Status end_message(std::span<const uint8_t>) override { return usable(); }

  Status flush() override {
    if (Status s = usable(); !s) return s;
    const std::size_t n = used_;
    used_ = 0;
    offset_ += n;
    stats_.bytes += n;
    return write_all(buf_.get(), n);
  }

  Status finish() override {
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
      if (::rename(tmp_path_.c_str(), name_.c_str()) != 0) {
        const int err = errno;
        err_ = Status(Errc::io_error, Origin::output,
                      "rename " + tmp_path_ + " to " + name_ + ": " + errno_text(err));
        discard();
        return err_;
      }
      tmp_path_.clear();
    }
    state_ = State::finished;
    buf_.reset();
    cap_ = used_ = 0;
    return {};
  }

  Status patch(uint64_t offset, std::span<const char> bytes) override {
    if (Status s = usable(); !s) return s;
    if (tmp_path_.empty())
      return {Errc::unsupported, Origin::output,
              "rewrite " + name_ + ": not a regular file (written in place or standard output)"};
    if (offset + bytes.size() > offset_ + used_)
      return {Errc::invalid_argument, Origin::output, "rewrite " + name_ + ": past the end"};
    // Bytes still buffered are patched in the buffer, the rest in the file.
    std::size_t n_file = 0;
    if (offset < offset_) n_file = static_cast<std::size_t>(std::min<uint64_t>(bytes.size(), offset_ - offset));
    for (std::size_t done = 0; done < n_file;) {
      const ssize_t w = ::pwrite(fd_, bytes.data() + done, n_file - done,
                                 static_cast<off_t>(offset + done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return fail("write", w < 0 ? errno : EIO);
      done += static_cast<std::size_t>(w);
    }
    if (n_file < bytes.size())
      std::memcpy(buf_.get() + (offset + n_file - offset_), bytes.data() + n_file,
                  bytes.size() - n_file);
    return {};
  }

 private:
  Status usable() const {
    if (state_ == State::open) return {};
    if (state_ == State::failed) return err_;
    return {Errc::invalid_argument, Origin::output, "write " + name_ + ": output is not open"};
  }

  Status write_all(const char* p, std::size_t n_bytes) {
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

  Status fail(const std::string& op, int err) {
    err_ = Status(Errc::io_error, Origin::output, op + " " + name_ + ": " + errno_text(err));
    discard();
    return err_;
  }

  void discard() noexcept {
    if (fd_ >= 0 && !is_stdout_) ::close(fd_);
    fd_ = -1;
    if (!tmp_path_.empty()) ::unlink(tmp_path_.c_str());
    tmp_path_.clear();
    used_ = 0;
    state_ = State::failed;
  }

  enum class State : uint8_t { closed, open, finished, failed };
  State state_ = State::closed;
  int fd_ = -1;
  bool is_stdout_ = false;
  std::string tmp_path_;  // empty when writing in place
  uint64_t offset_ = 0;   // file offset of buf_[0]
};

}  // namespace

Status check_path(std::string_view dest) {
  if (dest.empty()) return {Errc::invalid_argument, Origin::config, "empty output path"};
  return {};
}

Status open_path(const std::string& dest, const DestinationOptions& opt,
                 std::unique_ptr<Destination>& out) {
  if (Status s = check_path(dest); !s) return s;
  auto d = std::make_unique<FileDestination>(dest);
  if (Status s = d->open(opt.in_place); !s) return s;
  out = std::move(d);
  return {};
}

}  // namespace weir::detail
