// SPDX-License-Identifier: Apache-2.0
// PcapWriter: buffers, the optional writer thread, file headers. See pcap_writer.hpp.
#include "capture/pcap_file/pcap_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <new>

namespace weir {

namespace {

constexpr uint32_t kDefaultMaxCaplen = 262144;  // the reader's floor for max caplen
constexpr size_t kMinBufferBytes = 4096;

template <typename T>
void put(uint8_t*& p, T v) {
  std::memcpy(p, &v, sizeof v);
  p += sizeof v;
}

}  // namespace

PcapWriter::~PcapWriter() { (void)close(); }

void PcapWriter::set_error(Errc code, std::string msg) noexcept {
  {
    std::lock_guard lk(mu_);
    if (error_code_ == Errc::ok) {
      error_code_ = code;
      error_ = std::move(msg);
    }
  }
  failed_.store(true, std::memory_order_relaxed);
}

Status PcapWriter::open(const std::string& path, const PcapWriterConfig& cfg) {
  (void)close();
  path_ = path;
  error_.clear();
  error_code_ = Errc::ok;
  failed_.store(false, std::memory_order_relaxed);
  if (cfg.format == PcapFormat::pcapng && cfg.linktype > 0xFFFF) {
    return {
        Errc::invalid_argument, Origin::output,
        path + ": link type " + std::to_string(cfg.linktype) + " does not fit a pcapng interface (16 bits)"};
  }
  const size_t bytes = std::max(cfg.buffer_bytes, kMinBufferBytes);
  for (int i = 0; i < (cfg.writer_thread ? 2 : 1); ++i) {
    bufs_[i].reset(new (std::nothrow) uint8_t[bytes]);
    caps_[i] = bytes;
    if (!bufs_[i]) return {Errc::no_memory, Origin::output, path + ": no memory for the write buffers"};
  }
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    own_fd_ = false;
  } else {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      return {Errc::io_error, Origin::output, "cannot create " + path + ": " + std::strerror(errno)};
    }
    own_fd_ = true;
  }
  format_ = cfg.format;
  snaplen_ = cfg.snaplen;
  max_cap_ = format_ == PcapFormat::pcapng
                 ? kMaxRecordBytes
                 : std::min(std::max(cfg.snaplen, kDefaultMaxCaplen), kMaxRecordBytes);
  cur_i_ = 0;
  cur_ = bufs_[0].get();
  cap_ = caps_[0];
  pos_ = 0;
  job_ = nullptr;
  stop_ = false;
  linktypes_.assign(1, cfg.linktype);
  n_ifaces_ = 1;

  uint8_t hdr[28];
  uint8_t* p = hdr;
  if (format_ == PcapFormat::pcapng) {
    // Section Header Block: no options, section length unknown (-1).
    put<uint32_t>(p, 0x0A0D0D0A);
    put<uint32_t>(p, 28);
    put<uint32_t>(p, 0x1A2B3C4D);
    put<uint16_t>(p, 1);
    put<uint16_t>(p, 0);
    put<int64_t>(p, -1);
    put<uint32_t>(p, 28);
    put_block(hdr, 28);
    n_ifaces_ = 0;
    linktypes_.clear();
    uint32_t id;
    if (Status s = interface_of(cfg.linktype, id); !s) return s;
  } else {
    put<uint32_t>(p, format_ == PcapFormat::pcap_us ? 0xA1B2C3D4 : 0xA1B23C4D);
    put<uint16_t>(p, 2);
    put<uint16_t>(p, 4);
    put<uint32_t>(p, 0);  // thiszone
    put<uint32_t>(p, 0);  // sigfigs
    put<uint32_t>(p, cfg.snaplen);
    put<uint32_t>(p, cfg.linktype);
    put_block(hdr, 24);
  }
  if (cfg.writer_thread) {
    try {
      thread_ = std::thread([this] { writer_loop(); });
    } catch (...) {
      bufs_[1].reset();  // no thread: write from the caller's thread instead
    }
  }
  return Status::ok();
}

Status PcapWriter::interface_of(uint32_t linktype, uint32_t& id) {
  for (uint32_t i = 0; i < n_ifaces_; ++i) {
    if (linktypes_[i] == linktype) {
      id = i;
      return Status::ok();
    }
  }
  if (fd_ < 0) return {Errc::invalid_argument, Origin::output, path_ + ": the capture file is not open"};
  if (format_ != PcapFormat::pcapng) {
    return {Errc::unsupported, Origin::output,
            path_ + ": a classic pcap file holds one link type (" + std::to_string(linktypes_[0]) +
                "); link type " + std::to_string(linktype) + " needs pcapng"};
  }
  if (linktype > 0xFFFF) {
    return {Errc::invalid_argument, Origin::output,
            path_ + ": link type " + std::to_string(linktype) + " does not fit a pcapng interface (16 bits)"};
  }
  // Interface Description Block: link type, snaplen, if_tsresol = 9 (10^-9 s).
  uint8_t idb[32];
  uint8_t* p = idb;
  put<uint32_t>(p, 1);
  put<uint32_t>(p, 32);
  put<uint16_t>(p, static_cast<uint16_t>(linktype));
  put<uint16_t>(p, 0);
  put<uint32_t>(p, snaplen_);
  put<uint16_t>(p, 9);  // if_tsresol
  put<uint16_t>(p, 1);
  put<uint32_t>(p, 9);  // value 9 + 3 bytes of padding
  put<uint32_t>(p, 0);  // opt_endofopt
  put<uint32_t>(p, 32);
  put_block(idb, sizeof idb);
  linktypes_.push_back(linktype);
  id = n_ifaces_++;
  return Status::ok();
}

void PcapWriter::put_block(const void* p, size_t n) noexcept {
  if (!ensure(n)) return;
  std::memcpy(cur_ + pos_, p, n);
  pos_ += n;
}

bool PcapWriter::make_room(uint32_t cap_len, uint32_t interface) noexcept {
  if (fd_ < 0) {
    set_error(Errc::invalid_argument, path_ + ": the capture file is not open");
    return false;
  }
  if (cap_len > max_cap_) {
    set_error(Errc::invalid_argument, path_ + ": a record of " + std::to_string(cap_len) +
                                          " captured bytes is more than the " + std::to_string(max_cap_) +
                                          " a reader accepts");
    return false;
  }
  if (interface >= n_ifaces_) {
    set_error(Errc::invalid_argument, path_ + ": a record for interface " + std::to_string(interface) +
                                          ", but the file has " + std::to_string(n_ifaces_));
    return false;
  }
  return ensure(record_bytes(cap_len));
}

bool PcapWriter::ensure(size_t bytes) noexcept {
  if (pos_ + bytes <= cap_) return true;
  if (pos_ > 0) hand_off();
  if (bytes <= cap_) return true;
  // Only for a record larger than the buffer (control path; the buffer stays grown).
  std::unique_ptr<uint8_t[]> bigger(new (std::nothrow) uint8_t[bytes]);
  if (!bigger) {
    set_error(Errc::no_memory, path_ + ": no memory for a record of " + std::to_string(bytes) + " bytes");
    return false;
  }
  bufs_[cur_i_] = std::move(bigger);
  caps_[cur_i_] = bytes;
  cur_ = bufs_[cur_i_].get();
  cap_ = bytes;
  return true;
}

void PcapWriter::write_out(const uint8_t* p, size_t n) noexcept {
  if (failed()) return;  // after an error, nothing more is written
  while (n > 0) {
    const ssize_t w = ::write(fd_, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      set_error(Errc::io_error, "cannot write " + path_ + ": " + std::strerror(errno));
      return;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
}

void PcapWriter::hand_off() noexcept {
  if (!thread_.joinable()) {
    write_out(cur_, pos_);
    pos_ = 0;
    return;
  }
  std::unique_lock lk(mu_);
  cv_.wait(lk, [this] { return job_ == nullptr; });
  job_ = cur_;
  job_bytes_ = pos_;
  cv_.notify_all();
  lk.unlock();
  cur_i_ ^= 1;
  cur_ = bufs_[cur_i_].get();
  cap_ = caps_[cur_i_];
  pos_ = 0;
}

void PcapWriter::writer_loop() noexcept {
  std::unique_lock lk(mu_);
  for (;;) {
    cv_.wait(lk, [this] { return job_ != nullptr || stop_; });
    if (job_ == nullptr) return;  // stop_ and nothing left
    const uint8_t* p = job_;
    const size_t n = job_bytes_;
    lk.unlock();
    write_out(p, n);
    lk.lock();
    job_ = nullptr;
    cv_.notify_all();
  }
}

Status PcapWriter::close() {
  if (fd_ >= 0) {
    if (pos_ > 0) hand_off();
    if (thread_.joinable()) {
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [this] { return job_ == nullptr; });
        stop_ = true;
        cv_.notify_all();
      }
      thread_.join();
    }
    if (own_fd_ && ::close(fd_) != 0)
      set_error(Errc::io_error, "cannot close " + path_ + ": " + std::strerror(errno));
    fd_ = -1;
    own_fd_ = false;
  }
  max_cap_ = 0;
  n_ifaces_ = 0;
  pos_ = 0;
  for (int i = 0; i < 2; ++i) {
    bufs_[i].reset();
    caps_[i] = 0;
  }
  cur_ = nullptr;
  cap_ = 0;
  std::lock_guard lk(mu_);
  if (error_code_ == Errc::ok) return Status::ok();
  return {error_code_, Origin::output, error_};
}

}  // namespace weir
