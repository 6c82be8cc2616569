// SPDX-License-Identifier: Apache-2.0
#include "gen/detail/capture_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

namespace weir::gen {

namespace {

constexpr uint32_t kSnaplen = 262144;
constexpr uint32_t kLinktypeEthernet = 1;

template <typename T>
void put(uint8_t*& p, T v) {
  std::memcpy(p, &v, sizeof v);
  p += sizeof v;
}

}  // namespace

CaptureWriter::~CaptureWriter() { (void)close(); }

Status CaptureWriter::open(const std::string& path, GenFormat format) {
  path_ = path;
  format_ = format;
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    own_fd_ = false;
  } else {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) return {Errc::io_error, "cannot create " + path + ": " + std::strerror(errno)};
    own_fd_ = true;
  }
  for (auto& b : bufs_) b.reset(new (std::nothrow) uint8_t[kWriteBufferBytes]);
  if (!bufs_[0] || !bufs_[1]) return {Errc::no_memory, "no memory for the write buffers"};
  cur_ = bufs_[0].get();
  pos_ = 0;
  put_header(format);
  thread_ = std::thread([this] { writer_loop(); });
  return Status::ok();
}

void CaptureWriter::put_header(GenFormat format) {
  uint8_t* p = cur_;
  if (format == GenFormat::pcapng) {
    // Section header block: no options, unknown section length.
    put<uint32_t>(p, 0x0A0D0D0A);
    put<uint32_t>(p, 28);
    put<uint32_t>(p, 0x1A2B3C4D);
    put<uint16_t>(p, 1);
    put<uint16_t>(p, 0);
    put<int64_t>(p, -1);
    put<uint32_t>(p, 28);
    // Interface description block: Ethernet, if_tsresol = 9 (10^-9 s).
    put<uint32_t>(p, 1);
    put<uint32_t>(p, 32);
    put<uint16_t>(p, static_cast<uint16_t>(kLinktypeEthernet));
    put<uint16_t>(p, 0);
    put<uint32_t>(p, kSnaplen);
    put<uint16_t>(p, 9);  // if_tsresol
    put<uint16_t>(p, 1);
    put<uint32_t>(p, 9);  // value 9 + 3 bytes of padding
    put<uint32_t>(p, 0);  // opt_endofopt
    put<uint32_t>(p, 32);
  } else {
    put<uint32_t>(p, format == GenFormat::pcap ? 0xA1B2C3D4 : 0xA1B23C4D);
    put<uint16_t>(p, 2);
    put<uint16_t>(p, 4);
    put<uint32_t>(p, 0);  // thiszone
    put<uint32_t>(p, 0);  // sigfigs
    put<uint32_t>(p, kSnaplen);
    put<uint32_t>(p, kLinktypeEthernet);
  }
  pos_ = static_cast<size_t>(p - cur_);
}

void CaptureWriter::swap_buffers() noexcept {
  std::unique_lock lk(mu_);
  cv_.wait(lk, [this] { return job_ == nullptr; });
  job_ = cur_;
  job_bytes_ = pos_;
  cv_.notify_all();
  lk.unlock();
  cur_ = cur_ == bufs_[0].get() ? bufs_[1].get() : bufs_[0].get();
  pos_ = 0;
}

void CaptureWriter::writer_loop() noexcept {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [this] { return job_ != nullptr || stop_; });
    if (job_ == nullptr) return;  // stop_ and nothing left
    const uint8_t* p = job_;
    size_t n = job_bytes_;
    const bool skip = !error_.empty();
    lk.unlock();
    std::string err;
    while (!skip && n > 0) {
      const ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        err = "cannot write " + path_ + ": " + std::strerror(errno);
        break;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    lk.lock();
    if (!err.empty() && error_.empty()) {
      error_ = std::move(err);
      failed_.store(true, std::memory_order_relaxed);
    }
    job_ = nullptr;
    cv_.notify_all();
  }
}

Status CaptureWriter::close() {
  if (!thread_.joinable()) {
    if (own_fd_ && fd_ >= 0) ::close(fd_);
    fd_ = -1;
    return Status::ok();
  }
  if (pos_ > 0) swap_buffers();
  {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [this] { return job_ == nullptr; });
    stop_ = true;
    cv_.notify_all();
  }
  thread_.join();
  std::string err = error_;
  if (own_fd_ && fd_ >= 0 && ::close(fd_) != 0 && err.empty()) {
    err = "cannot close " + path_ + ": " + std::strerror(errno);
  }
  fd_ = -1;
  if (!err.empty()) return {Errc::io_error, err};
  return Status::ok();
}

}  // namespace weir::gen
