// SPDX-License-Identifier: Apache-2.0
#include "extract/stream_files.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace weir::extract {

namespace {

uint32_t default_max_open() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 1024;
  const uint64_t cur = rl.rlim_cur;
  const uint64_t reserve = std::min<uint64_t>(32, cur / 2);  // stdio, the input, libraries
  return static_cast<uint32_t>(std::clamp<uint64_t>(cur - reserve, 1, 1024));
}

Status io_error(const std::string& what, const std::string& path, int err) {
  return {Errc::io_error, Origin::output, what + " " + path + ": " + std::strerror(err)};
}

bool write_all(int fd, const uint8_t* p, std::size_t n, int& err) {
  while (n) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

StreamFiles::StreamFiles(const StreamFilesConfig& cfg) : cfg_(cfg) {
  if (cfg_.max_open == 0) cfg_.max_open = default_max_open();
  st_.max_open = cfg_.max_open;
}

StreamFiles::~StreamFiles() {
  for (File& f : files_) {
    if (f.fd >= 0) ::close(f.fd);
  }
}

uint32_t StreamFiles::add(std::string path) {
  files_.emplace_back();
  files_.back().path = std::move(path);
  return static_cast<uint32_t>(files_.size() - 1);
}

void StreamFiles::unlink_lru(uint32_t f) {
  File& x = files_[f];
  if (x.prev != kNone) files_[x.prev].next = x.next; else head_ = x.next;
  if (x.next != kNone) files_[x.next].prev = x.prev; else tail_ = x.prev;
  x.prev = x.next = kNone;
}

void StreamFiles::push_front(uint32_t f) {
  File& x = files_[f];
  x.prev = kNone;
  x.next = head_;
  if (head_ != kNone) files_[head_].prev = f;
  head_ = f;
  if (tail_ == kNone) tail_ = f;
}

Status StreamFiles::flush(uint32_t f) {
  File& x = files_[f];
  if (x.buf.empty()) return Status::ok();
  int err = 0;
  if (!write_all(x.fd, x.buf.data(), x.buf.size(), err)) return io_error("cannot write", x.path, err);
  st_.bytes += x.buf.size();
  x.buf.clear();
  return Status::ok();
}

Status StreamFiles::close_file(uint32_t f) {
  File& x = files_[f];
  Status s = flush(f);
  unlink_lru(f);
  const int rc = ::close(x.fd);
  const int err = errno;
  x.fd = -1;
  --open_;
  std::vector<uint8_t>().swap(x.buf);  // a closed file holds no buffer
  if (s && rc != 0) s = io_error("cannot close", x.path, err);
  return s;
}

Status StreamFiles::ensure_open(uint32_t f) {
  File& x = files_[f];
  if (x.fd >= 0) {
    if (head_ != f) {
      unlink_lru(f);
      push_front(f);
    }
    return Status::ok();
  }
  while (open_ >= cfg_.max_open && tail_ != kNone) {
    ++st_.closed_for_fds;
    if (Status s = close_file(tail_); !s) return s;
  }
  // First open of this run: a fresh file. Later: our own file, continued.
  const int flags = x.created ? (O_WRONLY | O_APPEND | O_CLOEXEC)
                              : (O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
  for (;;) {
    const int fd = ::open(x.path.c_str(), flags, 0644);
    if (fd >= 0) {
      x.fd = fd;
      break;
    }
    const int err = errno;
    if ((err == EMFILE || err == ENFILE) && tail_ != kNone) {
      ++st_.emfile;
      ++st_.closed_for_fds;
      if (Status s = close_file(tail_); !s) return s;
      continue;
    }
    if (err == EINTR) continue;
    return io_error(x.created ? "cannot reopen" : "cannot create", x.path, err);
  }
  if (x.created) {
    ++st_.reopened;
  } else {
    x.created = true;
    ++st_.files;
  }
  ++open_;
  st_.peak_open = std::max(st_.peak_open, open_);
  push_front(f);
  x.buf.reserve(cfg_.buffer_bytes);
  return Status::ok();
}

Status StreamFiles::touch(uint32_t f) {
  if (files_[f].created) return Status::ok();
  return ensure_open(f);
}

Status StreamFiles::write(uint32_t f, const void* p, std::size_t n) {
  if (Status s = ensure_open(f); !s) return s;
  File& x = files_[f];
  const auto* b = static_cast<const uint8_t*>(p);
  if (x.buf.size() + n > cfg_.buffer_bytes) {
    if (Status s = flush(f); !s) return s;
  }
  if (n >= cfg_.buffer_bytes) {
    int err = 0;
    if (!write_all(x.fd, b, n, err)) return io_error("cannot write", x.path, err);
    st_.bytes += n;
    return Status::ok();
  }
  x.buf.insert(x.buf.end(), b, b + n);
  return Status::ok();
}

Status StreamFiles::close_all() {
  Status first;
  while (head_ != kNone) {
    Status s = close_file(head_);
    if (first && !s) first = std::move(s);
  }
  return first;
}

}  // namespace weir::extract
