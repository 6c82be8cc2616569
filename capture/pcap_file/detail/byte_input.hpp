// SPDX-License-Identifier: Apache-2.0
// ByteInput: one input file seen as a range of bytes [cur, end) that the capture-file
// parser walks through. Private to capture/pcap_file; one reader thread.
//
// Design: the parser's hot loop reads cur/end directly (plain members, no virtual call)
// and calls refill() only when the next record does not fit in [cur, end) -- once per
// buffer, not per packet. Back ends behind the one struct (ReadMethod):
//   - read (default; files, pipes, standard input): read() into one small reused buffer
//     (256 KiB by default), so the bytes the parser touches are in the cache they were
//     just copied through. refill() moves the unparsed tail (at most one partial record)
//     to the front and reads more; a record larger than the buffer grows it, up to
//     kMaxBufferBytes. Peak memory is the buffer, whatever the file size.
//   - mmap (regular files): a read-only mapping of window_bytes, MAP_POPULATE +
//     MADV_SEQUENTIAL; refill() maps the next window at the page holding cur and
//     unmaps the old one. A record larger than the window gets a mapping sized for it.
//   - compressed input (gzip, zstd; found by the magic of the first bytes, never the
//     file name, so a compressed pipe works too): the file is read() into a 128 KiB
//     staging buffer and decompressed into the read buffer. Offsets are then offsets in
//     the decompressed stream. Corrupt or truncated compressed data is Fill::corrupt
//     (fault() says what), after every byte that decompressed cleanly.
// Which back end is fastest depends on the machine: on a 2-core EPYC VM the read()
// path walks bench_5M ~7x faster than the mmap window (doc/performance.md).
// Invariant: refill() invalidates every pointer into the previous range, so the source
// calls it only when no view of the current burst points into that range.
#pragma once

#include <cstddef>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "capture/pcap_file/file_source.hpp"
#include "engine/base/common.hpp"

namespace weir::pcap_file {

// Largest block/record (with its headers) the read buffer grows to hold.
inline constexpr uint64_t kMaxBufferBytes = (256ull << 20) + 4096;

enum class Fill : uint8_t {
  ok,         // at least `need` bytes are now available at cur
  eof,        // the input ended exactly at cur (nothing left)
  truncated,  // the input ended with fewer than `need` bytes at cur (bytes_left())
  error,      // mmap/read failed (sys_errno()) or the buffer could not grow
  corrupt,    // compressed input: bad or truncated compressed data (fault())
};

enum class Compression : uint8_t { none, gzip, zstd };

class ByteInput {
 public:
  ByteInput();
  ~ByteInput();
  ByteInput(const ByteInput&) = delete;
  ByteInput& operator=(const ByteInput&) = delete;

  const uint8_t* cur = nullptr;  // next unparsed byte
  const uint8_t* end = nullptr;  // one past the last byte available without I/O

  struct Options {
    ReadMethod method = ReadMethod::read;
    uint64_t buffer_bytes = kDefaultReadBufferBytes;  // read()
    uint64_t window_bytes = kDefaultMapWindowBytes;   // mmap
    // Streams: set -> the input ends (stopped()) within 100 ms of it, even while a pipe
    // stays open with nothing to read (Ctrl-C on `tcpdump -w - | weir -r -`).
    const std::atomic<bool>* stop = nullptr;
  };
  // Opens path ("-" = standard input, never closed). stream: not a regular file (pipe,
  // FIFO, character device), always read(). Nothing is mapped or read yet: the first
  // refill() does it. The error message names the path.
  Status open(const std::string& path, bool stream, const Options& opt);
  void close() noexcept;

  // Makes at least `need` bytes available at cur (see Fill). Moves the window/buffer.
  Fill refill(uint64_t need) noexcept;

  // Offset of cur / of a pointer into [data, end], in the (decompressed) byte stream.
  uint64_t offset() const noexcept { return data_off_ + static_cast<uint64_t>(cur - data_); }
  uint64_t offset_of(const uint8_t* p) const noexcept {
    return data_off_ + static_cast<uint64_t>(p - data_);
  }
  // Bytes of the file consumed so far (progress): offset() for plain input, the
  // compressed bytes read for compressed input.
  uint64_t consumed() const noexcept {
    return compression_ == Compression::none ? offset() : raw_read_;
  }
  // True when every byte has been consumed and no more can come, known without I/O.
  bool at_eof() const noexcept {
    return cur == end && (known_size_ ? offset() == size_ : eof_seen_);
  }
  bool is_open() const noexcept { return fd_ >= 0; }
  // The input ended because Options::stop was set, not at its end.
  bool stopped() const noexcept { return stopped_; }
  bool is_stream() const noexcept { return stream_; }
  Compression compression() const noexcept { return compression_; }
  ReadMethod method() const noexcept { return method_; }  // the one in use
  uint64_t bytes_left() const noexcept { return left_; }  // after Fill::truncated
  int sys_errno() const noexcept { return errno_; }       // after Fill::error
  const char* fault() const noexcept { return fault_; }   // after Fill::corrupt

 private:
  struct Inflater;  // zlib / zstd state (byte_input.cpp)

  Fill refill_map(uint64_t need) noexcept;
  Fill refill_buffer(uint64_t need) noexcept;
  bool probe() noexcept;  // first fill: a compressed stream? (moves its bytes to staging)
  // Appends bytes at dst (room > 0): > 0 bytes, 0 at the end of the input, -1 on a read
  // error (errno_), -2 on corrupt compressed data (fault_).
  long produce(uint8_t* dst, size_t room) noexcept;
  long read_raw(uint8_t* dst, size_t room) noexcept;
  void unmap() noexcept;
  void set_fault(const char* what) noexcept;

  int fd_ = -1;
  bool own_fd_ = false;
  bool stream_ = false;
  bool stopped_ = false;
  const std::atomic<bool>* stop_ = nullptr;
  bool known_size_ = false;  // plain regular file: at_eof() from size_
  bool eof_seen_ = false;    // no more bytes can come
  bool probed_ = false;
  ReadMethod method_ = ReadMethod::read;
  Compression compression_ = Compression::none;
  int errno_ = 0;
  char fault_[160] = "";
  bool faulted_ = false;       // fault_ pending: the next produce() reports it
  uint64_t size_ = 0;          // regular file: size at open
  uint64_t raw_read_ = 0;      // bytes read from the file
  uint64_t window_bytes_ = 0;  // mmap: page-rounded window
  uint64_t page_bytes_ = 4096;
  uint64_t left_ = 0;
  uint8_t* map_ = nullptr;     // current mapping (mmap)
  size_t map_len_ = 0;
  const uint8_t* data_ = nullptr;  // start of the current range (mapping or buffer)
  uint64_t data_off_ = 0;          // stream offset of data_
  std::unique_ptr<uint8_t[]> buf_;    // read buffer, kept across inputs
  size_t buf_bytes_ = 0;
  size_t want_buf_bytes_ = 0;         // configured size (buf_ may have grown past it)
  std::unique_ptr<uint8_t[]> spare_;  // the configured buffer while buf_ is grown
  std::unique_ptr<Inflater> z_;     // compressed input only
};

}  // namespace weir::pcap_file
