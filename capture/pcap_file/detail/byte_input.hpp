// SPDX-License-Identifier: Apache-2.0
// ByteInput: one input file seen as a window of bytes [cur, end) that the capture-file
// parser walks through. Private to capture/pcap_file; one reader thread.
//
// Design: the parser's hot loop reads cur/end directly (plain members, no virtual call)
// and calls refill() only when the next record does not fit in [cur, end) -- once per
// window, not per packet. Two back ends behind the one struct:
//   - regular file: a read-only mmap window of window_bytes (page-aligned), mapped with
//     MAP_POPULATE + MADV_SEQUENTIAL. refill() maps the next window at the page holding
//     cur (so a record crossing the old window end is whole in the new one) and unmaps
//     the old one, so resident memory stays ~one window whatever the file size. A
//     record larger than the window gets a mapping sized for it.
//   - stream ("-", pipe, FIFO, character device): read() into a buffer (4 MiB, grown
//     only for a record larger than it, at most kMaxStreamBufferBytes). refill() moves
//     the unparsed tail to the front and reads more.
// Invariant: refill() invalidates every pointer into the previous range, so the source
// calls it only when no view of the current burst points into that range.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "engine/base/common.hpp"

namespace weir::pcap_file {

// Largest block/record (with its headers) the stream buffer grows to hold.
inline constexpr uint64_t kMaxStreamBufferBytes = (256ull << 20) + 4096;
inline constexpr uint64_t kStreamBufferBytes = 4ull << 20;

enum class Fill : uint8_t {
  ok,         // at least `need` bytes are now available at cur
  eof,        // the input ended exactly at cur (nothing left)
  truncated,  // the input ended with fewer than `need` bytes at cur (bytes_left())
  error,      // mmap/read failed (sys_errno()) or the buffer could not grow
};

class ByteInput {
 public:
  ByteInput() = default;
  ~ByteInput() { close(); }
  ByteInput(const ByteInput&) = delete;
  ByteInput& operator=(const ByteInput&) = delete;

  const uint8_t* cur = nullptr;  // next unparsed byte
  const uint8_t* end = nullptr;  // one past the last byte available without I/O

  // Opens path ("-" = standard input, never closed) as a stream or as a mapped regular
  // file. Nothing is mapped or read yet: the first refill() does it. The error message
  // names the path.
  Status open(const std::string& path, bool stream, uint64_t window_bytes);
  void close() noexcept;

  // Makes at least `need` bytes available at cur (see Fill). Moves the window/buffer.
  Fill refill(uint64_t need) noexcept;

  // File offset of cur / of a pointer into [data, end].
  uint64_t offset() const noexcept { return data_off_ + static_cast<uint64_t>(cur - data_); }
  uint64_t offset_of(const uint8_t* p) const noexcept {
    return data_off_ + static_cast<uint64_t>(p - data_);
  }
  // True when every byte has been consumed and no more can come, known without I/O
  // (regular file: offset() == size; stream: read() already returned 0).
  bool at_eof() const noexcept {
    return cur == end && (stream_ ? eof_seen_ : offset() == size_);
  }
  bool is_open() const noexcept { return fd_ >= 0; }
  bool is_stream() const noexcept { return stream_; }
  uint64_t bytes_left() const noexcept { return left_; }  // after Fill::truncated
  int sys_errno() const noexcept { return errno_; }       // after Fill::error

 private:
  Fill refill_map(uint64_t need) noexcept;
  Fill refill_stream(uint64_t need) noexcept;
  void unmap() noexcept;

  int fd_ = -1;
  bool own_fd_ = false;
  bool stream_ = false;
  bool eof_seen_ = false;
  int errno_ = 0;
  uint64_t size_ = 0;          // regular file: size at open
  uint64_t window_bytes_ = 0;  // regular file: page-rounded window
  uint64_t page_bytes_ = 4096;
  uint64_t left_ = 0;
  uint8_t* map_ = nullptr;     // current mapping (regular file)
  size_t map_len_ = 0;
  const uint8_t* data_ = nullptr;  // start of the current range (mapping or buffer)
  uint64_t data_off_ = 0;          // file offset of data_
  std::unique_ptr<uint8_t[]> buf_;  // stream buffer, kept across stream inputs
  size_t buf_bytes_ = 0;
};

}  // namespace weir::pcap_file
