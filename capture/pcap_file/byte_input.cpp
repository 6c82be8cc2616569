// SPDX-License-Identifier: Apache-2.0
// ByteInput: mmap sliding window (regular files) and read() buffer (streams). See
// detail/byte_input.hpp for the design.
#include "capture/pcap_file/detail/byte_input.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

namespace weir::pcap_file {

Status ByteInput::open(const std::string& path, bool stream, uint64_t window_bytes) {
  close();
  stream_ = stream;
  eof_seen_ = false;
  errno_ = 0;
  left_ = 0;
  data_ = cur = end = nullptr;
  data_off_ = 0;
  if (path == "-") {
    fd_ = STDIN_FILENO;
    own_fd_ = false;
    stream_ = true;
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) {
      const int e = errno;
      return {e == ENOENT ? Errc::not_found : Errc::io_error, path + ": " + std::strerror(e)};
    }
    own_fd_ = true;
  }
  if (stream_) {
    if (!buf_) {
      buf_.reset(new (std::nothrow) uint8_t[kStreamBufferBytes]);
      if (!buf_) {
        close();
        return {Errc::no_memory, path + ": cannot allocate the read buffer"};
      }
      buf_bytes_ = kStreamBufferBytes;
    }
    return Status::ok();
  }
  struct stat st {};
  if (::fstat(fd_, &st) != 0) {
    const int e = errno;
    close();
    return {Errc::io_error, path + ": " + std::strerror(e)};
  }
  size_ = static_cast<uint64_t>(st.st_size);
  const long page = ::sysconf(_SC_PAGESIZE);
  page_bytes_ = page > 0 ? static_cast<uint64_t>(page) : 4096;
  window_bytes_ = std::max<uint64_t>(page_bytes_, (window_bytes + page_bytes_ - 1) & ~(page_bytes_ - 1));
  return Status::ok();
}

void ByteInput::unmap() noexcept {
  if (map_ != nullptr) ::munmap(map_, map_len_);
  map_ = nullptr;
  map_len_ = 0;
}

void ByteInput::close() noexcept {
  unmap();
  if (fd_ >= 0 && own_fd_) ::close(fd_);
  fd_ = -1;
  own_fd_ = false;
  data_ = cur = end = nullptr;
  data_off_ = 0;
  size_ = 0;
}

Fill ByteInput::refill(uint64_t need) noexcept {
  return stream_ ? refill_stream(need) : refill_map(need);
}

Fill ByteInput::refill_map(uint64_t need) noexcept {
  const uint64_t pos = offset();
  if (need > size_ - pos) {  // pos <= size_ always
    left_ = size_ - pos;
    return left_ == 0 ? Fill::eof : Fill::truncated;
  }
  // The previous window is released first: no view points into it any more (see the
  // header), and peak RSS then stays at one window, not two.
  unmap();
  const uint64_t start = pos & ~(page_bytes_ - 1);
  uint64_t len = std::max(window_bytes_, pos - start + need);
  len = (len + page_bytes_ - 1) & ~(page_bytes_ - 1);
  len = std::min(len, size_ - start);
  // MAP_POPULATE: fault the whole window in one syscall instead of one page fault per
  // 4 KiB on the packet path. MAP_PRIVATE + PROT_READ: we never write.
  void* m = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd_,
                   static_cast<off_t>(start));
  if (m == MAP_FAILED) {
    errno_ = errno;
    data_ = cur = end = nullptr;
    data_off_ = pos;  // keeps offset() right for the error message
    return Fill::error;
  }
  ::madvise(m, len, MADV_SEQUENTIAL);  // read-ahead hint only; failure is harmless
  map_ = static_cast<uint8_t*>(m);
  map_len_ = len;
  data_ = map_;
  data_off_ = start;
  cur = map_ + (pos - start);
  end = map_ + len;
  return Fill::ok;
}

Fill ByteInput::refill_stream(uint64_t need) noexcept {
  uint8_t* const old = buf_.get();
  const size_t have = static_cast<size_t>(end - cur);
  if (need > kMaxStreamBufferBytes) {
    errno_ = EFBIG;
    return Fill::error;
  }
  data_off_ = offset();
  if (need > buf_bytes_) {
    // Only for a record larger than the buffer: the callers bound need (256 MiB).
    const size_t bytes = static_cast<size_t>(std::min<uint64_t>(kMaxStreamBufferBytes,
                                                                std::max<uint64_t>(need, 2 * buf_bytes_)));
    std::unique_ptr<uint8_t[]> bigger(new (std::nothrow) uint8_t[bytes]);
    if (!bigger) {
      errno_ = ENOMEM;
      return Fill::error;
    }
    if (have != 0) std::memcpy(bigger.get(), cur, have);
    buf_ = std::move(bigger);
    buf_bytes_ = bytes;
  } else if (have != 0 && cur != old) {
    std::memmove(old, cur, have);  // at most one partial record
  }
  uint8_t* const b = buf_.get();
  data_ = cur = b;
  size_t filled = have;
  end = b + filled;
  while (filled < need) {
    if (eof_seen_) {
      left_ = filled;
      return filled == 0 ? Fill::eof : Fill::truncated;
    }
    const ssize_t r = ::read(fd_, b + filled, buf_bytes_ - filled);
    if (r < 0) {
      if (errno == EINTR) continue;
      errno_ = errno;
      return Fill::error;
    }
    if (r == 0) {
      eof_seen_ = true;
      continue;
    }
    filled += static_cast<size_t>(r);
    end = b + filled;
  }
  return Fill::ok;
}

}  // namespace weir::pcap_file
