// SPDX-License-Identifier: Apache-2.0
// PcapWriter: the one capture-file writer (weir gen, test inputs, extraction). Classic
// pcap with µs or ns timestamps, or pcapng; any link type; per-record captured and wire
// length. Little-endian, version 2.4 / 1.0.
//
//   PcapWriter w;
//   if (Status s = w.open("out.pcapng", {.format = PcapFormat::pcapng}); !s) ...
//   uint32_t sll;
//   w.interface_of(113, sll);                          // pcapng: a second link type
//   uint8_t* p = w.reserve(ts_ns, 60, 60);             // build the frame in place
//   w.write(ts_ns, bytes, n, 1514, sll);               // or copy one
//   Status s = w.close();                              // flushes; the first error
//
// Design: records are appended to a buffer (4 MiB by default) and written with write()
// when it is full, so the hot path is a bounds check and a 16- or 28-byte header store;
// reserve() hands out the frame's place in the buffer so a generator builds each frame
// once, where it will be written from. With writer_thread, two buffers alternate: the
// caller fills one while a thread of the writer write()s the other (one mutex/condvar
// exchange per buffer), so producing and copying into the page cache overlap on two
// cores (weir gen). A record larger than the buffer grows it (control path).
//
// Formats:
//   pcap_us  magic a1b2c3d4, µs timestamps (ns truncated), one link type per file
//   pcap_ns  magic a1b23c4d, ns timestamps, one link type per file
//   pcapng   SHB (no options), one IDB per link type (if_tsresol = 9: ns), one EPB per
//            record. IDBs are written when a link type is first asked for, so they can
//            follow packets (allowed by the format; libpcap refuses files whose
//            interfaces have different link types, Wireshark reads them).
// Classic pcap stores seconds in 32 bits (until 2106); later times wrap.
//
// Errors: open fails with the path and the reason ("cannot create PATH: ..."); a write
// error is kept (the first one), later records are discarded, failed() turns true and
// close() returns it ("cannot write PATH: No space left on device"). A record that cannot
// be stored (captured length over the limit, unknown interface, no memory) makes
// reserve() return nullptr with the same effect. Errors carry Origin::output.
// Threading: one producer thread; failed() may be polled from it.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "engine/base/common.hpp"

namespace weir {

enum class PcapFormat : uint8_t { pcap_us, pcap_ns, pcapng };

struct PcapWriterConfig {
  PcapFormat format = PcapFormat::pcap_ns;
  uint32_t linktype = 1;       // LINKTYPE_* of interface 0 (classic pcap: of every record)
  uint32_t snaplen = 262144;   // written in the file header / IDBs
  bool writer_thread = false;  // write() from a thread of the writer, double-buffered
  size_t buffer_bytes = size_t{4} << 20;
};

class PcapWriter {
 public:
  // Largest captured length a record may have: what the capture-file reader accepts
  // (max(snaplen, 262144), at most 256 MiB).
  static constexpr uint32_t kMaxRecordBytes = 256u << 20;

  PcapWriter() = default;
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;
  ~PcapWriter();

  // Creates path afresh (O_TRUNC; "-" = standard output, never closed) and writes the
  // file header (pcapng: SHB and the IDB of cfg.linktype, interface 0).
  Status open(const std::string& path, const PcapWriterConfig& cfg);

  // The interface id of linktype. pcapng: adds an IDB the first time a link type is
  // asked for. Classic pcap holds cfg.linktype only: any other is Errc::unsupported.
  Status interface_of(uint32_t linktype, uint32_t& id);

  // Appends the header of a record of cap_len captured bytes (wire_len on the wire) at
  // ts_ns and returns where its cap_len bytes go; they must be written before the next
  // call. nullptr when the record cannot be stored (see Errors above).
  uint8_t* reserve(uint64_t ts_ns, uint32_t cap_len, uint32_t wire_len, uint32_t interface = 0) noexcept {
    const size_t need = record_bytes(cap_len);
    if (cap_len > max_cap_ || interface >= n_ifaces_ || pos_ + need > cap_) [[unlikely]] {
      if (!make_room(cap_len, interface)) return nullptr;
    }
    uint8_t* r = cur_ + pos_;
    pos_ += need;
    if (format_ == PcapFormat::pcapng) {
      const uint32_t total = static_cast<uint32_t>(need);
      const uint32_t hdr[7] = {
          6,       total,   interface, static_cast<uint32_t>(ts_ns >> 32), static_cast<uint32_t>(ts_ns),
          cap_len, wire_len};
      std::memcpy(r, hdr, sizeof hdr);
      std::memset(r + 28 + cap_len, 0, need - 32 - cap_len);  // padding to 4 bytes
      std::memcpy(r + need - 4, &total, 4);
      return r + 28;
    }
    const uint32_t sub = static_cast<uint32_t>(ts_ns % 1'000'000'000);
    const uint32_t hdr[4] = {static_cast<uint32_t>(ts_ns / 1'000'000'000),
                             format_ == PcapFormat::pcap_us ? sub / 1000 : sub, cap_len, wire_len};
    std::memcpy(r, hdr, sizeof hdr);
    return r + 16;
  }

  // Copies one record. False when it could not be stored (see reserve()).
  bool write(uint64_t ts_ns, const uint8_t* data, uint32_t cap_len, uint32_t wire_len,
             uint32_t interface = 0) noexcept {
    uint8_t* p = reserve(ts_ns, cap_len, wire_len, interface);
    if (p != nullptr && cap_len != 0) std::memcpy(p, data, cap_len);
    return p != nullptr;
  }

  // The timestamp a reader will see for ts_ns (pcap_us truncates to the µs).
  uint64_t stored_ts(uint64_t ts_ns) const noexcept {
    return format_ == PcapFormat::pcap_us ? ts_ns / 1000 * 1000 : ts_ns;
  }
  PcapFormat format() const noexcept { return format_; }
  // True after the first error (a hint for long producers; close() says which).
  bool failed() const noexcept { return failed_.load(std::memory_order_relaxed); }
  // Flushes, stops the writer thread, closes the file. Returns the first error.
  Status close();

 private:
  size_t record_bytes(uint32_t cap_len) const noexcept {
    return format_ == PcapFormat::pcapng ? 32 + ((size_t{cap_len} + 3) & ~size_t{3}) : 16 + size_t{cap_len};
  }
  bool make_room(uint32_t cap_len, uint32_t interface) noexcept;
  bool ensure(size_t bytes) noexcept;  // pos_ + bytes fit in cur_
  void hand_off() noexcept;            // cur_[0, pos_) goes to the file
  void write_out(const uint8_t* p, size_t n) noexcept;
  void writer_loop() noexcept;
  void set_error(Errc code, std::string msg) noexcept;
  void put_block(const void* p, size_t n) noexcept;

  std::string path_;
  int fd_ = -1;
  bool own_fd_ = false;
  PcapFormat format_ = PcapFormat::pcap_ns;
  uint32_t max_cap_ = 0;  // 0 when closed: every reserve() goes to make_room()
  uint32_t n_ifaces_ = 0;
  uint32_t snaplen_ = 0;
  std::vector<uint32_t> linktypes_;  // by interface id
  std::unique_ptr<uint8_t[]> bufs_[2];
  size_t caps_[2] = {0, 0};
  int cur_i_ = 0;
  uint8_t* cur_ = nullptr;  // the buffer being filled (producer thread)
  size_t cap_ = 0;          // its size
  size_t pos_ = 0;

  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_: the buffer handed to the writer thread (nullptr = idle).
  const uint8_t* job_ = nullptr;
  size_t job_bytes_ = 0;
  bool stop_ = false;
  Errc error_code_ = Errc::ok;  // the first error; guarded by mu_
  std::string error_;
  std::atomic<bool> failed_{false};
};

}  // namespace weir
