// SPDX-License-Identifier: Apache-2.0
#include "capture/pcap_file/chunk_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

namespace weir {

namespace {

constexpr uint32_t kHdrBytes = 16;
constexpr uint32_t kPcapUs = 0xA1B2C3D4;
constexpr uint32_t kPcapNs = 0xA1B23C4D;
constexpr uint32_t kDefaultMaxCaplen = 262144;
constexpr uint32_t kMaxRecordBytes = 256u << 20;
constexpr uint32_t kLinktypeMask = 0x03FFFFFF;
constexpr uint64_t kNsPerSec = 1'000'000'000ull;
constexpr uint64_t kBufferBytes = 256 << 10;
// A guessed start must be followed by this many plausible headers (or end exactly at the
// end of the file) to be taken.
constexpr int kChainRecords = 8;
constexpr uint64_t kDaySec = 86400;

uint32_t ld32(const uint8_t* p, bool swap) noexcept {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

std::string errno_text(int e) { return std::strerror(e); }

}  // namespace

Status probe_classic_pcap(const std::string& path, PcapFileInfo& info) {
  info = PcapFileInfo{};
  info.path = path;
  if (path == "-") return {Errc::unsupported, "standard input is a stream"};
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {Errc::unsupported, path + ": not a regular file"};
  info.size_bytes = static_cast<uint64_t>(st.st_size);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {Errc::io_error, path + ": " + errno_text(errno)};
  uint8_t h[24 + kHdrBytes];
  const ssize_t n = ::pread(fd, h, sizeof h, 0);
  ::close(fd);
  if (n < 24) return {Errc::unsupported, path + ": too short for a pcap header"};
  uint32_t magic;
  std::memcpy(&magic, h, 4);
  if (magic == kPcapUs || magic == kPcapNs) {
    info.swap = false;
  } else if (__builtin_bswap32(magic) == kPcapUs || __builtin_bswap32(magic) == kPcapNs) {
    info.swap = true;
  } else {
    return {Errc::unsupported, path + ": not a classic pcap file with 16-byte record headers"};
  }
  const uint32_t m = info.swap ? __builtin_bswap32(magic) : magic;
  info.frac_mul = m == kPcapNs ? 1 : 1000;
  uint16_t major;
  std::memcpy(&major, h + 4, 2);
  if (info.swap) major = __builtin_bswap16(major);
  if (major != 2) return {Errc::unsupported, path + ": pcap version is not 2"};
  const uint32_t snaplen = ld32(h + 16, info.swap);
  info.linktype = ld32(h + 20, info.swap) & kLinktypeMask;
  info.max_caplen = std::min(std::max(snaplen, kDefaultMaxCaplen), kMaxRecordBytes);
  if (n == static_cast<ssize_t>(sizeof h)) info.first_ts_sec = ld32(h + 24, info.swap);
  return Status::ok();
}

ChunkReader::ChunkReader(PcapFileInfo info) : info_(std::move(info)) {}

ChunkReader::~ChunkReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status ChunkReader::open() {
  fd_ = ::open(info_.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) return {Errc::io_error, info_.path + ": " + errno_text(errno)};
  buf_.reset(new (std::nothrow) uint8_t[kBufferBytes]);
  if (!buf_) return {Errc::no_memory, "out of memory for the read buffer"};
  buf_bytes_ = kBufferBytes;
  return Status::ok();
}

void ChunkReader::fail(Errc code, uint64_t off, const std::string& what) {
  done_ = true;
  err_ = Status(code, info_.path + ": byte " + std::to_string(off) + ": " + what);
}

bool ChunkReader::fill(uint64_t off, uint64_t need) noexcept {
  if (off >= buf_off_ && off + need <= buf_off_ + buf_len_) return true;
  if (need > buf_bytes_) {
    // A record larger than the buffer: grow to hold it (bounded by the record limit).
    uint64_t want = buf_bytes_;
    while (want < need) want *= 2;
    std::unique_ptr<uint8_t[]> nb(new (std::nothrow) uint8_t[want]);
    if (!nb) {
      err_ = Status(Errc::no_memory, "out of memory for a record of " + std::to_string(need) + " bytes");
      return false;
    }
    buf_ = std::move(nb);
    buf_bytes_ = want;
  }
  // Refill from off: keep what is already there, read the rest.
  uint64_t have = 0;
  if (off >= buf_off_ && off < buf_off_ + buf_len_) {
    have = buf_off_ + buf_len_ - off;
    std::memmove(buf_.get(), buf_.get() + (off - buf_off_), have);
  }
  buf_off_ = off;
  buf_len_ = have;
  const uint64_t want = std::min(buf_bytes_, info_.size_bytes > off ? info_.size_bytes - off : 0);
  while (buf_len_ < want) {
    const ssize_t n = ::pread(fd_, buf_.get() + buf_len_, want - buf_len_, static_cast<off_t>(off + buf_len_));
    if (n < 0) {
      if (errno == EINTR) continue;
      err_ = Status(Errc::io_error, info_.path + ": byte " + std::to_string(off) + ": cannot read record: " +
                                        errno_text(errno));
      return false;
    }
    if (n == 0) break;
    buf_len_ += static_cast<uint64_t>(n);
  }
  return buf_len_ >= need;
}

bool ChunkReader::plausible(const uint8_t* h, uint32_t& cap, uint64_t& ts_sec) const noexcept {
  ts_sec = ld32(h, info_.swap);
  const uint32_t frac = ld32(h + 4, info_.swap);
  cap = ld32(h + 8, info_.swap);
  const uint32_t wire = ld32(h + 12, info_.swap);
  return cap <= info_.max_caplen && wire >= cap && frac < (info_.frac_mul == 1 ? kNsPerSec : 1'000'000u);
}

uint64_t ChunkReader::resync(uint64_t begin, uint64_t end) noexcept {
  if (begin >= info_.size_bytes) return kNone;
  end = std::min(end, info_.size_bytes);
  for (uint64_t o = begin; o < end; ++o) {
    uint64_t at = o, prev_sec = 0;
    int chain = 0;
    bool ok = true;
    while (chain < kChainRecords) {
      if (at == info_.size_bytes) break;  // ends exactly at the end of the file: a boundary
      if (!fill(at, kHdrBytes)) {
        ok = false;
        break;
      }
      uint32_t cap;
      uint64_t sec;
      if (!plausible(buf_.get() + (at - buf_off_), cap, sec)) {
        ok = false;
        break;
      }
      const uint64_t ref = chain ? prev_sec : info_.first_ts_sec;
      const uint64_t window = chain ? kDaySec : 20 * 365 * kDaySec;
      if ((sec > ref ? sec - ref : ref - sec) > window) {
        ok = false;
        break;
      }
      prev_sec = sec;
      at += kHdrBytes + cap;
      if (at > info_.size_bytes) {
        ok = false;
        break;
      }
      ++chain;
    }
    err_ = Status::ok();  // a failed fill while guessing is not an error of the file
    if (ok && chain > 0) return o;
  }
  return kNone;
}

void ChunkReader::start(uint64_t start, uint64_t end) noexcept {
  pos_ = start;
  end_ = end;
  done_ = start >= end || start >= info_.size_bytes;
  if (start >= info_.size_bytes) pos_ = info_.size_bytes;
  err_ = Status::ok();
  first_ts_ = last_ts_ = 0;
  n_back_ = n_over_ = n_records_ = 0;
}

RxResult ChunkReader::next(std::span<PacketView> out) noexcept {
  uint32_t n = 0;
  while (!done_ && n < out.size()) {
    if (pos_ >= end_ || pos_ == info_.size_bytes) {
      done_ = true;
      break;
    }
    if (info_.size_bytes - pos_ < kHdrBytes) {
      fail(Errc::malformed, pos_,
           "truncated record: needs 16 bytes, the file ends after " + std::to_string(info_.size_bytes - pos_));
      break;
    }
    // A refill moves the buffer: only at the start of a burst, when no view points into it.
    if (!(pos_ >= buf_off_ && pos_ + kHdrBytes <= buf_off_ + buf_len_)) {
      if (n) break;
      if (!fill(pos_, kHdrBytes)) {
        done_ = true;
        break;
      }
    }
    const uint8_t* h = buf_.get() + (pos_ - buf_off_);
    const uint32_t sec = ld32(h, info_.swap);
    const uint32_t frac = ld32(h + 4, info_.swap);
    const uint32_t cap = ld32(h + 8, info_.swap);
    uint32_t wire = ld32(h + 12, info_.swap);
    if (cap > info_.max_caplen) {
      fail(Errc::malformed, pos_,
           "record claims " + std::to_string(cap) + " captured bytes, more than the " +
               std::to_string(info_.max_caplen) + " maximum");
      break;
    }
    if (info_.size_bytes - pos_ < kHdrBytes + uint64_t{cap}) {
      fail(Errc::malformed, pos_,
           "truncated record: needs " + std::to_string(kHdrBytes + uint64_t{cap}) + " bytes, the file ends after " +
               std::to_string(info_.size_bytes - pos_));
      break;
    }
    if (pos_ + kHdrBytes + cap > buf_off_ + buf_len_) {
      if (n) break;
      if (!fill(pos_, kHdrBytes + cap)) {
        done_ = true;
        break;
      }
      h = buf_.get() + (pos_ - buf_off_);
    }
    const uint64_t ts = uint64_t{sec} * kNsPerSec + uint64_t{frac} * info_.frac_mul;
    if (n_records_ == 0) {
      first_ts_ = ts;
    } else if (ts < last_ts_) {
      ++n_back_;
    }
    last_ts_ = ts;
    if (cap > wire) {
      wire = cap;
      ++n_over_;
    }
    out[n++] = PacketView{h + kHdrBytes, cap, wire, ts, info_.linktype, 0};
    ++n_records_;
    pos_ += kHdrBytes + cap;
  }
  if (!err_) return {n, RxStatus::error};
  return {n, done_ ? RxStatus::end_of_file : RxStatus::ok};
}

}  // namespace weir
