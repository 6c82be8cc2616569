// SPDX-License-Identifier: Apache-2.0
// CaptureWriter: pcap (µs or ns) and pcapng output for `weir gen`, double-buffered.
// The generator thread fills one 4 MiB buffer while a writer thread write()s the
// other, so generating and copying into the page cache overlap on two cores.
//
// Design: records are reserved in place (add_record returns where the frame goes), so a
// frame is built once, directly in the buffer. Handoff is one mutex/condvar exchange per
// 4 MiB (~1000 per 4 GB). A write error stops all further writes; the generator sees it
// through failed() (checked once per buffer) and close() returns it.
//
// Formats (little-endian, LINKTYPE_ETHERNET, snaplen 262144, caplen == wire length):
//   pcap     magic a1b2c3d4, µs timestamps (ns truncated)
//   pcap-ns  magic a1b23c4d, ns timestamps
//   pcapng   SHB, one IDB with if_tsresol = 9 (ns), one EPB per packet
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "gen/traffic_gen.hpp"

namespace weir::gen {

inline constexpr size_t kWriteBufferBytes = size_t{4} << 20;

class CaptureWriter {
 public:
  CaptureWriter() = default;
  CaptureWriter(const CaptureWriter&) = delete;
  CaptureWriter& operator=(const CaptureWriter&) = delete;
  ~CaptureWriter();

  // path "-" = stdout (not closed at the end).
  Status open(const std::string& path, GenFormat format);

  // Appends one record header for a frame of frame_bytes (<= 65535) at ts_ns and returns
  // where its bytes go; they must be written before the next call.
  uint8_t* add_record(uint64_t ts_ns, uint32_t frame_bytes) noexcept {
    const uint32_t pad = format_ == GenFormat::pcapng ? (4 - (frame_bytes & 3)) & 3 : 0;
    const size_t need = (format_ == GenFormat::pcapng ? 32 : 16) + frame_bytes + pad;
    if (pos_ + need > kWriteBufferBytes) [[unlikely]] swap_buffers();
    uint8_t* r = cur_ + pos_;
    pos_ += need;
    if (format_ == GenFormat::pcapng) {
      const uint32_t total = static_cast<uint32_t>(need);
      const uint32_t hdr[7] = {6, total, 0, static_cast<uint32_t>(ts_ns >> 32),
                               static_cast<uint32_t>(ts_ns), frame_bytes, frame_bytes};
      std::memcpy(r, hdr, sizeof hdr);
      std::memset(r + 28 + frame_bytes, 0, pad);
      std::memcpy(r + 28 + frame_bytes + pad, &total, 4);
      return r + 28;
    }
    const uint32_t sec = static_cast<uint32_t>(ts_ns / 1'000'000'000);
    const uint32_t sub = static_cast<uint32_t>(ts_ns % 1'000'000'000);
    const uint32_t hdr[4] = {sec, format_ == GenFormat::pcap ? sub / 1000 : sub, frame_bytes,
                             frame_bytes};
    std::memcpy(r, hdr, sizeof hdr);
    return r + 16;
  }

  // The timestamp a reader will see for ts_ns (µs pcap truncates).
  uint64_t stored_ts(uint64_t ts_ns) const noexcept {
    return format_ == GenFormat::pcap ? ts_ns / 1000 * 1000 : ts_ns;
  }

  bool failed() const noexcept { return failed_.load(std::memory_order_relaxed); }
  // Flushes, stops the writer thread, closes the file. Returns the first error.
  Status close();

 private:
  void swap_buffers() noexcept;
  void writer_loop() noexcept;
  void put_header(GenFormat format);

  std::string path_;
  int fd_ = -1;
  bool own_fd_ = false;
  GenFormat format_ = GenFormat::pcap;
  std::unique_ptr<uint8_t[]> bufs_[2];
  uint8_t* cur_ = nullptr;  // buffer being filled (generator thread)
  size_t pos_ = 0;

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_: the buffer handed to the writer thread (nullptr = writer idle).
  const uint8_t* job_ = nullptr;
  size_t job_bytes_ = 0;
  bool stop_ = false;
  std::string error_;                 // guarded by mu_; written by the writer thread
  std::atomic<bool> failed_{false};   // relaxed: a hint; error_ is read under mu_
};

}  // namespace weir::gen
