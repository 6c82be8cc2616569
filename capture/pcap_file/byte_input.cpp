// SPDX-License-Identifier: Apache-2.0
// ByteInput: read() buffer, mmap sliding window, gzip/zstd decompression. See
// detail/byte_input.hpp for the design.
#include "capture/pcap_file/detail/byte_input.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>

namespace weir {

std::string_view to_string(ReadMethod m) noexcept {
  switch (m) {
    case ReadMethod::read: return "read";
    case ReadMethod::mmap: return "mmap";
  }
  return "?";
}

bool parse_read_method(std::string_view s, ReadMethod& out) noexcept {
  for (const ReadMethod m : {ReadMethod::read, ReadMethod::mmap}) {
    if (s == to_string(m)) {
      out = m;
      return true;
    }
  }
  return false;
}

namespace pcap_file {

namespace {

constexpr size_t kStagingBytes = 128u << 10;  // compressed bytes per read()

bool is_gzip(const uint8_t* p, size_t n) noexcept {
  return n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 8;  // deflate method
}
bool is_zstd(const uint8_t* p, size_t n) noexcept {
  if (n < 4) return false;
  const uint32_t m = uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
  return m == 0xFD2FB528u || (m & 0xFFFFFFF0u) == 0x184D2A50u;  // frame or skippable frame
}

}  // namespace

// Decompressor state: the staging buffer of compressed bytes and the zlib/zstd stream.
struct ByteInput::Inflater {
  std::unique_ptr<uint8_t[]> in;  // staging: compressed bytes [pos, len)
  size_t pos = 0, len = 0;
  bool raw_eof = false;
  z_stream zs{};
  bool zs_ready = false;
  bool member_open = false;  // gzip: inside a member (its end not yet seen)
  uint64_t members = 0;      // gzip members finished
  ZSTD_DStream* zd = nullptr;
  size_t zret = 1;           // zstd: last ZSTD_decompressStream result (0 = frame complete)

  ~Inflater() {
    if (zs_ready) inflateEnd(&zs);
    if (zd != nullptr) ZSTD_freeDStream(zd);
  }
};

ByteInput::ByteInput() = default;
ByteInput::~ByteInput() { close(); }

Status ByteInput::open(const std::string& path, bool stream, const Options& opt) {
  close();
  stream_ = stream;
  stop_ = opt.stop;
  stopped_ = false;
  method_ = opt.method;
  known_size_ = false;
  eof_seen_ = false;
  probed_ = false;
  compression_ = Compression::none;
  faulted_ = false;
  fault_[0] = '\0';
  errno_ = 0;
  left_ = 0;
  raw_read_ = 0;
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
  if (!stream_) {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) {
      const int e = errno;
      close();
      return {Errc::io_error, path + ": " + std::strerror(e)};
    }
    size_ = static_cast<uint64_t>(st.st_size);
    known_size_ = true;  // until the input turns out to be compressed
  }
  if (stream_) method_ = ReadMethod::read;
  if (method_ == ReadMethod::mmap) {
    // A compressed file is decompressed through the read() path: peek at its magic.
    uint8_t head[4];
    const ssize_t n = ::pread(fd_, head, sizeof head, 0);
    if (n > 0 && (is_gzip(head, static_cast<size_t>(n)) || is_zstd(head, static_cast<size_t>(n)))) {
      method_ = ReadMethod::read;
    }
  }
  if (method_ == ReadMethod::mmap) {
    const long page = ::sysconf(_SC_PAGESIZE);
    page_bytes_ = page > 0 ? static_cast<uint64_t>(page) : 4096;
    window_bytes_ =
        std::max<uint64_t>(page_bytes_, (opt.window_bytes + page_bytes_ - 1) & ~(page_bytes_ - 1));
    probed_ = true;
    return Status::ok();
  }
  if (!stream_) (void)::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);  // more read-ahead
  if (spare_) {  // the previous input grew the buffer: back to the configured one
    buf_ = std::move(spare_);
    buf_bytes_ = want_buf_bytes_;
  }
  want_buf_bytes_ = static_cast<size_t>(std::clamp<uint64_t>(opt.buffer_bytes, 1, kMaxBufferBytes));
  if (!buf_ || buf_bytes_ != want_buf_bytes_) {
    buf_.reset(new (std::nothrow) uint8_t[want_buf_bytes_]);
    buf_bytes_ = buf_ ? want_buf_bytes_ : 0;
    if (!buf_) {
      close();
      return {Errc::no_memory, path + ": cannot allocate the read buffer"};
    }
  }
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
  z_.reset();
}

Fill ByteInput::refill(uint64_t need) noexcept {
  return method_ == ReadMethod::mmap ? refill_map(need) : refill_buffer(need);
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
  void* m = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd_, static_cast<off_t>(start));
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

void ByteInput::set_fault(const char* what) noexcept {
  std::snprintf(fault_, sizeof fault_, "%s", what);
  faulted_ = true;
}

long ByteInput::read_raw(uint8_t* dst, size_t room) noexcept {
  // A stream waits in poll() with a timeout, so a stop is seen while a pipe is quiet.
  while (stream_ && stop_ != nullptr) {
    if (stop_->load(std::memory_order_relaxed)) {
      stopped_ = true;
      return 0;
    }
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, 100);
    if (r > 0 || (r < 0 && errno != EINTR)) break;  // readable, hung up, or let read() say why
  }
  for (;;) {
    const ssize_t r = ::read(fd_, dst, room);
    if (r >= 0) {
      raw_read_ += static_cast<uint64_t>(r);
      return static_cast<long>(r);
    }
    if (errno != EINTR) {
      errno_ = errno;
      return -1;
    }
  }
}

// The first bytes decide: gzip or zstd magic -> decompress; else plain. The bytes read
// to decide are in buf_ [0, end - buf_); for compressed input they move to staging.
bool ByteInput::probe() noexcept {
  probed_ = true;
  uint8_t* const b = buf_.get();
  const size_t have = static_cast<size_t>(end - b);
  const bool gz = is_gzip(b, have), zst = is_zstd(b, have);
  if (!gz && !zst) return true;
  z_.reset(new (std::nothrow) Inflater);
  if (z_) z_->in.reset(new (std::nothrow) uint8_t[std::max(kStagingBytes, have)]);
  if (!z_ || !z_->in) {
    errno_ = ENOMEM;
    return false;
  }
  Inflater& z = *z_;
  std::memcpy(z.in.get(), b, have);
  z.len = have;
  z.raw_eof = eof_seen_;
  eof_seen_ = false;
  known_size_ = false;
  cur = end = b;
  if (gz) {
    compression_ = Compression::gzip;
    if (inflateInit2(&z.zs, 15 + 16) != Z_OK) {  // 15 + 16: gzip wrapper, 32 KiB window
      errno_ = ENOMEM;
      return false;
    }
    z.zs_ready = true;
  } else {
    compression_ = Compression::zstd;
    z.zd = ZSTD_createDStream();
    if (z.zd == nullptr || ZSTD_isError(ZSTD_initDStream(z.zd))) {
      errno_ = ENOMEM;
      return false;
    }
  }
  return true;
}

long ByteInput::produce(uint8_t* dst, size_t room) noexcept {
  if (faulted_) return -2;
  if (compression_ == Compression::none) return read_raw(dst, room);
  Inflater& z = *z_;
  const bool gz = compression_ == Compression::gzip;
  size_t out = 0;
  while (out == 0) {
    // One decompression step with the staged input (possibly none: pending output).
    const size_t pos0 = z.pos;
    if (gz) {
      const bool member_start = !z.member_open;
      z.zs.next_in = z.in.get() + z.pos;
      z.zs.avail_in = static_cast<uInt>(z.len - z.pos);
      z.zs.next_out = dst;
      z.zs.avail_out = static_cast<uInt>(std::min<size_t>(room, UINT32_MAX));
      const int rc = inflate(&z.zs, Z_NO_FLUSH);
      out = static_cast<size_t>(std::min<size_t>(room, UINT32_MAX) - z.zs.avail_out);
      z.pos = z.len - z.zs.avail_in;
      if (rc == Z_STREAM_END) {  // a member ended; another may follow (pigz, bgzip)
        z.member_open = false;
        ++z.members;
        inflateReset(&z.zs);
        continue;
      }
      if (rc != Z_OK && rc != Z_BUF_ERROR) {
        char msg[128];
        if (member_start && z.members > 0) {
          std::snprintf(msg, sizeof msg, "bytes after the end of the gzip data are not gzip (%s)",
                        z.zs.msg ? z.zs.msg : "bad header");
        } else {
          std::snprintf(msg, sizeof msg, "corrupt gzip data (%s)", z.zs.msg ? z.zs.msg : zError(rc));
        }
        set_fault(msg);
        break;
      }
      if (z.pos != pos0) z.member_open = true;
    } else {
      ZSTD_inBuffer in{z.in.get(), z.len, z.pos};
      ZSTD_outBuffer o{dst, room, 0};
      const size_t rc = ZSTD_decompressStream(z.zd, &o, &in);
      out = o.pos;
      z.pos = in.pos;
      if (ZSTD_isError(rc)) {
        char msg[128];
        std::snprintf(msg, sizeof msg, "corrupt zstd data (%s)", ZSTD_getErrorName(rc));
        set_fault(msg);
        break;
      }
      if (out != 0 || z.pos != pos0) z.zret = rc;  // 0: the frame is complete and flushed
    }
    if (out != 0 || z.pos != pos0) continue;
    // No progress: the decompressor wants more input.
    if (z.pos != z.len) {
      set_fault(gz ? "corrupt gzip data (no progress)" : "corrupt zstd data (no progress)");
      break;
    }
    if (z.raw_eof) {
      if (!(gz ? z.member_open : z.zret != 0)) return 0;  // clean end
      set_fault(gz ? "truncated gzip data: the compressed input ends inside a member"
                   : "truncated zstd data: the compressed input ends inside a frame");
      break;
    }
    const long r = read_raw(z.in.get(), kStagingBytes);
    if (r < 0) return -1;
    z.pos = 0;
    z.len = static_cast<size_t>(r);
    z.raw_eof = r == 0;
  }
  // Bytes that decompressed before a fault are delivered; the fault comes next time.
  return out > 0 ? static_cast<long>(out) : -2;
}

Fill ByteInput::refill_buffer(uint64_t need) noexcept {
  uint8_t* old = buf_.get();
  const size_t have = static_cast<size_t>(end - cur);
  if (need > kMaxBufferBytes) {
    errno_ = EFBIG;
    return Fill::error;
  }
  data_off_ = offset();
  if (need > buf_bytes_) {
    // Only for a record larger than the buffer (the callers bound need). The buffer of
    // the configured size is kept aside and comes back once such records are past, so
    // the cache footprint stays small and shrinking never allocates.
    const size_t bytes = static_cast<size_t>(
        std::min<uint64_t>(kMaxBufferBytes, std::max<uint64_t>(need, 2 * uint64_t{buf_bytes_})));
    std::unique_ptr<uint8_t[]> bigger(new (std::nothrow) uint8_t[bytes]);
    if (!bigger) {
      errno_ = ENOMEM;
      return Fill::error;
    }
    if (have != 0) std::memcpy(bigger.get(), cur, have);
    if (buf_bytes_ == want_buf_bytes_) spare_ = std::move(buf_);
    buf_ = std::move(bigger);
    buf_bytes_ = bytes;
  } else if (spare_ && need <= want_buf_bytes_ && have <= want_buf_bytes_) {
    if (have != 0) std::memcpy(spare_.get(), cur, have);
    buf_ = std::move(spare_);
    buf_bytes_ = want_buf_bytes_;
  } else if (have != 0 && cur != old) {
    std::memmove(old, cur, have);  // at most one partial record
  }
  uint8_t* const b = buf_.get();
  data_ = cur = b;
  size_t filled = have;
  end = b + filled;
  while (filled < need || !probed_) {
    if (!probed_ && (filled >= 4 || eof_seen_)) {
      if (!probe()) return Fill::error;
      filled = static_cast<size_t>(end - b);
      continue;
    }
    if (eof_seen_) {
      left_ = filled;
      return filled == 0 ? Fill::eof : Fill::truncated;
    }
    const long r = produce(b + filled, buf_bytes_ - filled);
    if (r == -1) return Fill::error;
    if (r == -2) return Fill::corrupt;
    if (r == 0) {
      eof_seen_ = true;
      continue;
    }
    filled += static_cast<size_t>(r);
    end = b + filled;
  }
  return Fill::ok;
}

}  // namespace pcap_file
}  // namespace weir
