// SPDX-License-Identifier: Apache-2.0
// Capture-file PacketSource: classic pcap (µs, ns and "modified" magics, both byte
// orders) and pcapng (SHB/IDB/EPB/SPB/OPB, several sections and interfaces), parsed in
// place from a ByteInput window (detail/byte_input.hpp). One reader thread.
//
// Design: rx_burst() dispatches once per burst to a loop specialised for the format
// and byte order (pcap native / swapped / modified, pcapng native / swapped). The
// classic-pcap loop only reads the 16-byte record headers: a bounds check, the
// timestamp, two counters, one PacketView store. Anything rare (a record that does not
// fit the window, a new section, an interface block, an error) leaves the loop.
//
// View lifetime: a refill moves the window, so it happens only at the start of a burst
// (n == 0); when the next record does not fit mid-burst, the burst ends early and the
// next call refills. Likewise a burst never spans two input files.
//
// Limits (never trust a length before checking it): a classic record may claim at most
// max(snaplen, 262144) captured bytes and never more than 256 MiB; a pcapng block at
// most 256 MiB + 4 KiB. Timestamps are converted to ns and saturate at UINT64_MAX.
#include "capture/pcap_file/file_source.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <limits>
#include <new>

#include "capture/pcap_file/detail/byte_input.hpp"

namespace weir {
namespace {

using pcap_file::ByteInput;
using pcap_file::Fill;

__extension__ typedef unsigned __int128 u128;  // __extension__: no -Wpedantic warning

constexpr uint32_t kMaxRecordBytes = 256u << 20;       // hard cap on one packet
constexpr uint32_t kDefaultMaxCaplen = 262144;          // libpcap/Wireshark maximum snaplen
constexpr uint32_t kMaxBlockBytes = kMaxRecordBytes + 4096;
constexpr uint32_t kLinktypeMask = 0x03FFFFFF;          // upper 6 bits: FCS length info
constexpr uint64_t kNsPerSec = 1'000'000'000ull;
// Every cache line is prefetched this far ahead of the parse pointer. Record headers
// sit at unpredictable offsets (each depends on the previous caplen), so without it the
// loop is a chain of DRAM misses (~120 ns/packet on bench_5M.pcap, 680-byte average
// records); streaming the window through the cache ahead of the loop makes it
// bandwidth-bound (~75 ns/packet, faster than read() alone) and leaves the frame bytes
// warm for the decoder. 4 KiB measured best with bursts of 32 and 256; 2 KiB loses
// ~15 ns/packet at burst 32, 8 KiB is worse.
constexpr size_t kPrefetchAheadBytes = 4096;

// Magics as a native-order load of the first 4 bytes sees them.
constexpr uint32_t kPcapUs = 0xA1B2C3D4;
constexpr uint32_t kPcapNs = 0xA1B23C4D;
constexpr uint32_t kPcapModified = 0xA1B2CD34;  // Kuznetzov patch: 24-byte record headers
constexpr uint32_t kBlockShb = 0x0A0D0D0A;     // palindrome: same in both byte orders
constexpr uint32_t kByteOrderMagic = 0x1A2B3C4D;
constexpr uint32_t kBlockIdb = 1;
constexpr uint32_t kBlockOpb = 2;
constexpr uint32_t kBlockSpb = 3;
constexpr uint32_t kBlockEpb = 6;

inline uint32_t bswap(uint32_t v) noexcept { return __builtin_bswap32(v); }
inline uint16_t bswap(uint16_t v) noexcept { return __builtin_bswap16(v); }

template <bool kSwap>
inline uint32_t ld32(const uint8_t* p) noexcept {
  uint32_t v;
  std::memcpy(&v, p, 4);
  if constexpr (kSwap) v = bswap(v);
  return v;
}
inline uint32_t ld32(const uint8_t* p, bool swap) noexcept {
  return swap ? ld32<true>(p) : ld32<false>(p);
}
inline uint16_t ld16(const uint8_t* p, bool swap) noexcept {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return swap ? bswap(v) : v;
}
inline uint64_t ld64(const uint8_t* p, bool swap) noexcept {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return swap ? __builtin_bswap64(v) : v;
}

// pcapng timestamp units -> ns for one interface (if_tsresol, if_tsoffset). Decimal
// resolutions coarser than 1 ns multiply, finer ones divide; binary ones (2^-k) go
// through 128 bits. Saturates instead of wrapping.
struct TsConv {
  uint64_t mul = 1000;  // ns per unit (decimal, 10^-k with k <= 9); default µs
  uint64_t div = 1;     // units per ns (decimal, k > 9)
  uint8_t shift = 0;    // binary: ns = units * 1e9 >> shift
  bool binary = false;
  int64_t offset_ns = 0;  // if_tsoffset, saturated

  uint64_t to_ns(uint64_t units) const noexcept {
    uint64_t ns;
    if (!binary) [[likely]] {
      if (div == 1) {
        if (__builtin_mul_overflow(units, mul, &ns)) ns = UINT64_MAX;
      } else {
        ns = units / div;
      }
    } else {
      const u128 x = (static_cast<u128>(units) * kNsPerSec) >> shift;
      ns = x > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(x);
    }
    if (offset_ns != 0) [[unlikely]] {
      if (offset_ns > 0) {
        if (__builtin_add_overflow(ns, static_cast<uint64_t>(offset_ns), &ns)) ns = UINT64_MAX;
      } else {
        const uint64_t back = static_cast<uint64_t>(-(offset_ns + 1)) + 1;
        ns = ns > back ? ns - back : 0;
      }
    }
    return ns;
  }
};

// What the packet path needs of a pcapng Interface Description Block.
struct Interface {
  uint32_t linktype = 0;
  TsConv ts;
};

struct Input {
  std::string path;
  bool stream = false;
  uint64_t size_bytes = 0;  // regular files
};

// Loop variants; one dispatch per burst.
enum class Mode : uint8_t { pcap, pcap_swap, pcap_mod, pcap_mod_swap, ng, ng_swap };

class FileSource final : public PacketSource {
 public:
  explicit FileSource(const FileSourceConfig& cfg)
      : in_opt_{cfg.method, cfg.buffer_bytes, cfg.window_bytes, cfg.stop} {}

  Status init(const FileSourceConfig& cfg);

  RxResult rx_burst(std::span<PacketView> out) noexcept override;
  const Status& error() const noexcept override { return err_; }
  const SourceStats& stats() const noexcept override { return stats_; }
  uint64_t bytes_read() const noexcept override {
    return done_bytes_ + (in_.is_open() ? in_.consumed() : 0);
  }
  uint64_t bytes_total() const noexcept override { return total_bytes_; }
  std::string describe() const override;

 private:
  enum class Step : uint8_t {
    full,   // out is full
    need,   // the next record/block needs need_ bytes at in_.cur: refill
    again,  // state changed (new pcapng section): dispatch again
    fail,   // err_ is set; in_.cur is at the bad record
  };
  enum class State : uint8_t { running, done, failed };

  bool start_input(size_t i) noexcept;
  bool refill_for_header(const char* what) noexcept;
  bool fail_fill(Fill f, const char* what) noexcept;
  Step dispatch(PacketView* out, uint32_t max, uint32_t& n) noexcept;
  template <bool kSwap, uint32_t kHdrBytes>
  Step pcap_burst(PacketView* out, uint32_t max, uint32_t& n_io) noexcept;
  template <bool kSwap>
  Step ng_burst(PacketView* out, uint32_t max, uint32_t& n_io) noexcept;
  Step ng_section() noexcept;
  bool ng_interface(const uint8_t* b, uint32_t len, bool swap) noexcept;
  template <typename F>
  bool walk_options(const uint8_t* b, uint32_t len, uint32_t first, bool swap,
                    const char* block_name, F&& on_option) noexcept;
  bool check_block_len(const uint8_t* b, uint32_t len, uint32_t min_len, const char* name) noexcept;

  // Sets err_ to "<path>: byte <off>: <message>" (no "byte" part when off == kNoOffset).
  static constexpr uint64_t kNoOffset = UINT64_MAX;
  void fail(Errc code, uint64_t off, const char* fmt, ...) noexcept
      __attribute__((format(printf, 4, 5)));

  // Hot state first: read by every burst.
  ByteInput in_;
  Mode mode_ = Mode::pcap;
  State state_ = State::running;
  uint32_t linktype_ = 0;          // classic pcap
  uint32_t max_caplen_ = 0;        // classic pcap: min(max(snaplen, 262144), 256 MiB)
  uint64_t frac_mul_ = 1000;       // classic pcap: ns per sub-second unit
  uint64_t last_ts_ns_ = 0;        // previous record's time (ts_backwards, SPB)
  uint64_t need_ = 0;              // Step::need: bytes wanted at in_.cur
  const uint8_t* pf_ = nullptr;    // prefetched up to here (reset with the window)
  std::vector<Interface> ifaces_;  // pcapng: interfaces of the current section
  SourceStats stats_;

  // Control plane.
  ByteInput::Options in_opt_;
  std::vector<Input> inputs_;
  size_t input_ = 0;
  uint64_t done_bytes_ = 0;   // bytes of the inputs already finished
  uint64_t total_bytes_ = 0;  // sum of regular-file sizes, 0 if any input is a stream
  uint32_t sections_ = 0;     // pcapng sections seen in the current input
  Status err_;
};

void FileSource::fail(Errc code, uint64_t off, const char* fmt, ...) noexcept {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char head[64] = "";
  if (off != kNoOffset) {
    // In compressed input, offsets count decompressed bytes.
    std::snprintf(head, sizeof head, "%sbyte %" PRIu64 ": ",
                  in_.compression() == pcap_file::Compression::none ? "" : "decompressed ", off);
  }
  state_ = State::failed;
  try {
    const std::string& path = input_ < inputs_.size() ? inputs_[input_].path : std::string();
    err_ = Status(code, path + ": " + head + msg);
  } catch (...) {
    err_.code = code;  // out of memory: the code still tells what happened
  }
}

Status FileSource::init(const FileSourceConfig& cfg) {
  if (cfg.paths.empty()) return {Errc::invalid_argument, "no capture file given"};
  if (cfg.window_bytes == 0 || cfg.buffer_bytes == 0) {
    return {Errc::invalid_argument, "window_bytes and buffer_bytes must be > 0"};
  }
  ifaces_.reserve(16);
  bool any_stream = false;
  for (const std::string& p : cfg.paths) {
    Input in;
    in.path = p;
    if (p == "-") {
      in.stream = true;
    } else {
      struct stat st {};
      if (::stat(p.c_str(), &st) != 0) {
        const int e = errno;
        return {e == ENOENT ? Errc::not_found : Errc::io_error, p + ": " + std::strerror(e)};
      }
      if (S_ISDIR(st.st_mode)) return {Errc::invalid_argument, p + ": is a directory"};
      in.stream = !S_ISREG(st.st_mode);
      if (!in.stream) in.size_bytes = static_cast<uint64_t>(st.st_size);
    }
    any_stream |= in.stream;
    total_bytes_ += in.size_bytes;
    inputs_.push_back(std::move(in));
  }
  if (any_stream) total_bytes_ = 0;
  if (!start_input(0)) return err_;
  return Status::ok();
}

bool FileSource::fail_fill(Fill f, const char* what) noexcept {
  const uint64_t off = in_.offset();
  if (f == Fill::error) {
    fail(Errc::io_error, off, "cannot read %s: %s", what, std::strerror(in_.sys_errno()));
  } else if (f == Fill::corrupt) {
    fail(Errc::malformed, off, "%s", in_.fault());
  } else if (f == Fill::truncated) {
    fail(Errc::malformed, off, "truncated %s: needs %" PRIu64 " bytes, the file ends after %" PRIu64,
         what, need_, in_.bytes_left());
  } else {
    fail(Errc::malformed, off, "truncated %s: the file ends here", what);
  }
  return false;
}

bool FileSource::refill_for_header(const char* what) noexcept {
  const Fill f = in_.refill(need_);
  return f == Fill::ok || fail_fill(f, what);
}

// Opens inputs_[i] and parses its file header (pcap header or first SHB). Called with no
// view outstanding (at open, or at the start of a burst).
bool FileSource::start_input(size_t i) noexcept {
  input_ = i;
  sections_ = 0;
  ifaces_.clear();
  const Input& inp = inputs_[i];
  try {
    if (Status s = in_.open(inp.path, inp.stream, in_opt_); !s) {
      err_ = std::move(s);
      state_ = State::failed;
      return false;
    }
  } catch (...) {
    fail(Errc::no_memory, kNoOffset, "out of memory");
    return false;
  }
  need_ = 4;
  if (const Fill f = in_.refill(need_); f != Fill::ok) {
    if (f == Fill::eof) {
      fail(Errc::malformed, kNoOffset, "empty file (0 bytes%s)",
           in_.compression() == pcap_file::Compression::none ? "" : " after decompression");
    } else if (f == Fill::corrupt)
      fail(Errc::malformed, kNoOffset, "%s", in_.fault());
    else if (f == Fill::truncated)
      fail(Errc::malformed, kNoOffset, "not a pcap or pcapng file (only %" PRIu64 " bytes)", in_.bytes_left());
    else
      fail(Errc::io_error, kNoOffset, "%s", std::strerror(in_.sys_errno()));
    return false;
  }
  const uint8_t* h = in_.cur;
  const uint32_t magic = ld32<false>(h);
  if (magic == kBlockShb) {
    for (;;) {
      const Step s = ng_section();
      if (s == Step::again) {
        pf_ = in_.cur;
        return true;
      }
      if (s == Step::fail || !refill_for_header("Section Header Block")) return false;
    }
  }
  bool swap = false;
  uint32_t hdr_bytes = 16;
  if (magic == kPcapUs || magic == kPcapNs || magic == kPcapModified) {
    swap = false;
  } else if (bswap(magic) == kPcapUs || bswap(magic) == kPcapNs || bswap(magic) == kPcapModified) {
    swap = true;
  } else {
    fail(Errc::malformed, kNoOffset, "not a pcap or pcapng file (magic 0x%02x%02x%02x%02x)", h[0], h[1],
         h[2], h[3]);
    return false;
  }
  const uint32_t m = swap ? bswap(magic) : magic;
  frac_mul_ = m == kPcapNs ? 1 : 1000;
  if (m == kPcapModified) hdr_bytes = 24;
  need_ = 24;
  if (!refill_for_header("pcap file header")) return false;
  h = in_.cur;
  const uint16_t major = ld16(h + 4, swap), minor = ld16(h + 6, swap);
  if (major != 2) {
    fail(Errc::unsupported, 4, "unsupported pcap version %u.%u", major, minor);
    return false;
  }
  const uint32_t snaplen = ld32(h + 16, swap);
  linktype_ = ld32(h + 20, swap) & kLinktypeMask;
  max_caplen_ = std::min(std::max(snaplen, kDefaultMaxCaplen), kMaxRecordBytes);
  mode_ = hdr_bytes == 24 ? (swap ? Mode::pcap_mod_swap : Mode::pcap_mod)
                          : (swap ? Mode::pcap_swap : Mode::pcap);
  in_.cur += 24;
  pf_ = in_.cur;
  return true;
}

// The classic-pcap hot loop: only record headers are read.
template <bool kSwap, uint32_t kHdrBytes>
FileSource::Step FileSource::pcap_burst(PacketView* out, uint32_t max, uint32_t& n_io) noexcept {
  const uint8_t* p = in_.cur;
  const uint8_t* const end = in_.end;
  const uint32_t max_caplen = max_caplen_;
  const uint32_t linktype = linktype_;
  const uint64_t frac_mul = frac_mul_;
  uint64_t last = last_ts_ns_;
  uint64_t cap_bytes = 0, wire_bytes = 0, n_over = 0, n_back = 0;
  uint32_t n = n_io;
  Step step = Step::full;
  const uint8_t* pf = pf_;
  for (; n < max; ++n) {
    pf = std::max(pf, p);  // a record larger than the distance: skip its tail
    for (const uint8_t* lim = std::min(p + kPrefetchAheadBytes, end); pf < lim; pf += kCacheLine) prefetch(pf);
    const size_t avail = static_cast<size_t>(end - p);
    if (avail < kHdrBytes) {
      need_ = kHdrBytes;
      step = Step::need;
      break;
    }
    uint32_t h[4];  // ts_sec, ts_frac, incl_len, orig_len
    std::memcpy(h, p, sizeof h);
    if constexpr (kSwap) {
      for (uint32_t& x : h) x = bswap(x);
    }
    const uint32_t cap = h[2];
    if (cap > max_caplen) [[unlikely]] {
      in_.cur = p;
      fail(Errc::malformed, in_.offset(), "record claims %u captured bytes, more than the %u maximum", cap,
           max_caplen);
      step = Step::fail;
      break;
    }
    if (avail - kHdrBytes < cap) {
      need_ = kHdrBytes + cap;
      step = Step::need;
      break;
    }
    // Cannot overflow: < 2^32 s * 1e9 + 2^32 * 1000 < 2^64.
    const uint64_t ts = uint64_t{h[0]} * kNsPerSec + uint64_t{h[1]} * frac_mul;
    n_back += ts < last;
    last = ts;
    uint32_t wire = h[3];
    if (cap > wire) [[unlikely]] {
      wire = cap;
      ++n_over;
    }
    out[n] = PacketView{p + kHdrBytes, cap, wire, ts, linktype, 0};
    cap_bytes += cap;
    wire_bytes += wire;
    p += kHdrBytes + cap;
  }
  if (step != Step::fail) in_.cur = p;
  pf_ = pf;
  stats_.packets += n - n_io;
  stats_.cap_bytes += cap_bytes;
  stats_.wire_bytes += wire_bytes;
  stats_.caplen_over_wire += n_over;
  stats_.ts_backwards += n_back;
  last_ts_ns_ = last;
  n_io = n;
  return step;
}

bool FileSource::check_block_len(const uint8_t* b, uint32_t len, uint32_t min_len,
                                 const char* name) noexcept {
  if (len < min_len) {
    fail(Errc::malformed, in_.offset_of(b), "%s of %u bytes is shorter than its %u-byte minimum", name, len,
         min_len);
    return false;
  }
  return true;
}

// Walks the options of the block at b (len bytes, options from offset `first` to the
// 4-byte trailer). Every length is checked against the block end before it is used.
template <typename F>
bool FileSource::walk_options(const uint8_t* b, uint32_t len, uint32_t first, bool swap,
                              const char* block_name, F&& on_option) noexcept {
  const uint8_t* p = b + first;
  const uint8_t* const e = b + len - 4;
  while (e - p >= 4) {
    const uint16_t code = ld16(p, swap);
    const uint16_t olen = ld16(p + 2, swap);
    if (code == 0) return true;  // opt_endofopt
    const size_t padded = (size_t{olen} + 3) & ~size_t{3};
    if (padded > static_cast<size_t>(e - p) - 4) {
      fail(Errc::malformed, in_.offset_of(b), "option length %u (at byte %" PRIu64 ") runs past the end of the %s",
           olen, in_.offset_of(p), block_name);
      return false;
    }
    if (!on_option(code, p + 4, olen, in_.offset_of(p))) return false;
    p += 4 + padded;
  }
  return true;
}

// Section Header Block at in_.cur: byte order, version, options. Returns again when
// parsed (mode_ set), need when it is not whole in the window, fail on error.
FileSource::Step FileSource::ng_section() noexcept {
  const uint8_t* b = in_.cur;
  const size_t avail = static_cast<size_t>(in_.end - b);
  if (avail < 12) {
    need_ = 12;
    return Step::need;
  }
  const uint32_t bom = ld32<false>(b + 8);
  bool swap;
  if (bom == kByteOrderMagic) {
    swap = false;
  } else if (bom == bswap(kByteOrderMagic)) {
    swap = true;
  } else {
    fail(Errc::malformed, in_.offset(), "Section Header Block has a bad byte-order magic 0x%02x%02x%02x%02x",
         b[8], b[9], b[10], b[11]);
    return Step::fail;
  }
  const uint32_t len = ld32(b + 4, swap);
  if (len < 28 || (len & 3) != 0 || len > kMaxBlockBytes) {
    fail(Errc::malformed, in_.offset(), "Section Header Block claims %u bytes (must be 28..%u, a multiple of 4)",
         len, kMaxBlockBytes);
    return Step::fail;
  }
  if (avail < len) {
    need_ = len;
    return Step::need;
  }
  const uint16_t major = ld16(b + 12, swap), minor = ld16(b + 14, swap);
  if (major != 1) {
    fail(Errc::unsupported, in_.offset(), "unsupported pcapng version %u.%u", major, minor);
    return Step::fail;
  }
  // No SHB option is used, but they are walked so a corrupt one is reported -- before
  // the trailer, as Wireshark does: an overlong option is the more telling diagnosis.
  if (!walk_options(b, len, 24, swap, "Section Header Block",
                    [](uint16_t, const uint8_t*, uint16_t, uint64_t) { return true; }))
    return Step::fail;
  if (ld32(b + len - 4, swap) != len) {
    fail(Errc::malformed, in_.offset(), "Section Header Block length %u does not match its trailer (%u)", len,
         ld32(b + len - 4, swap));
    return Step::fail;
  }
  ifaces_.clear();  // interface ids are per section
  ++sections_;
  mode_ = swap ? Mode::ng_swap : Mode::ng;
  in_.cur = b + len;
  return Step::again;
}

// Interface Description Block: link type, snaplen, if_tsresol (9), if_tsoffset (14).
bool FileSource::ng_interface(const uint8_t* b, uint32_t len, bool swap) noexcept {
  if (!check_block_len(b, len, 20, "Interface Description Block")) return false;
  Interface ifc;
  ifc.linktype = ld16(b + 8, swap);
  const uint64_t block_off = in_.offset_of(b);
  const bool ok = walk_options(b, len, 16, swap, "Interface Description Block",
      [&](uint16_t code, const uint8_t* v, uint16_t olen, uint64_t) {
        if (code == 9 && olen >= 1) {  // if_tsresol
          const uint8_t r = v[0];
          ifc.ts.mul = 1;
          ifc.ts.div = 1;
          ifc.ts.binary = false;
          if (r & 0x80) {
            ifc.ts.binary = true;
            ifc.ts.shift = r & 0x7f;
          } else if (r <= 9) {
            for (uint8_t k = r; k < 9; ++k) ifc.ts.mul *= 10;
          } else if (r <= 28) {  // 10^(r-9) still fits in 64 bits
            for (uint8_t k = 9; k < r; ++k) ifc.ts.div *= 10;
          } else {
            fail(Errc::unsupported, block_off, "if_tsresol 10^-%u is not supported", r);
            return false;
          }
        } else if (code == 14 && olen >= 8) {  // if_tsoffset, signed seconds
          const int64_t s = static_cast<int64_t>(ld64(v, swap));
          int64_t ns;
          if (__builtin_mul_overflow(s, static_cast<int64_t>(kNsPerSec), &ns))
            ns = s < 0 ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
          ifc.ts.offset_ns = ns;
        }
        return true;
      });
  if (!ok) return false;
  try {
    ifaces_.push_back(ifc);  // control plane: one per interface, rarely past the reserve
  } catch (...) {
    fail(Errc::no_memory, block_off, "out of memory for interface %zu", ifaces_.size());
    return false;
  }
  return true;
}

template <bool kSwap>
FileSource::Step FileSource::ng_burst(PacketView* out, uint32_t max, uint32_t& n_io) noexcept {
  const uint8_t* p = in_.cur;
  const uint8_t* const end = in_.end;
  uint64_t last = last_ts_ns_;
  uint64_t cap_bytes = 0, wire_bytes = 0, n_over = 0, n_back = 0, n_other = 0;
  uint32_t n = n_io;
  Step step = Step::full;
  const uint8_t* pf = pf_;
  auto emit = [&](const uint8_t* data, uint32_t cap, uint32_t wire, uint64_t ts, uint32_t ifid) {
    const Interface& ifc = ifaces_[ifid];
    n_back += ts < last;
    last = ts;
    if (cap > wire) [[unlikely]] {
      wire = cap;
      ++n_over;
    }
    out[n++] = PacketView{data, cap, wire, ts, ifc.linktype, ifid};
    cap_bytes += cap;
    wire_bytes += wire;
  };
  // On error: in_.cur at the bad block (its offset goes into the message).
  auto bad = [&]() {
    in_.cur = p;
    step = Step::fail;
    return in_.offset();
  };
  while (n < max) {
    pf = std::max(pf, p);  // a record larger than the distance: skip its tail
    for (const uint8_t* lim = std::min(p + kPrefetchAheadBytes, end); pf < lim; pf += kCacheLine) prefetch(pf);
    const size_t avail = static_cast<size_t>(end - p);
    if (avail < 12) {
      need_ = 12;
      step = Step::need;
      break;
    }
    const uint32_t type = ld32<kSwap>(p);
    if (type == kBlockShb) {
      in_.cur = p;
      step = ng_section();  // again (new byte order / interfaces), need or fail
      p = in_.cur;
      if (step == Step::again && mode_ == (kSwap ? Mode::ng_swap : Mode::ng)) {
        step = Step::full;  // same byte order: keep going in this loop
        continue;
      }
      break;
    }
    const uint32_t len = ld32<kSwap>(p + 4);
    if (len < 12 || (len & 3) != 0 || len > kMaxBlockBytes) [[unlikely]] {
      fail(Errc::malformed, bad(), "block of type %u claims %u bytes (must be 12..%u, a multiple of 4)", type,
           len, kMaxBlockBytes);
      break;
    }
    if (avail < len) {
      need_ = len;
      step = Step::need;
      break;
    }
    if (ld32<kSwap>(p + len - 4) != len) [[unlikely]] {
      fail(Errc::malformed, bad(), "block of type %u: total length %u does not match its trailer (%u)", type,
           len, ld32<kSwap>(p + len - 4));
      break;
    }
    if (type == kBlockEpb) {
      if (len < 32) [[unlikely]] {
        fail(Errc::malformed, bad(), "Enhanced Packet Block of %u bytes is shorter than 32", len);
        break;
      }
      const uint32_t ifid = ld32<kSwap>(p + 8);
      if (ifid >= ifaces_.size()) [[unlikely]] {
        fail(Errc::malformed, bad(), "Enhanced Packet Block refers to interface %u, but the section defines %zu",
             ifid, ifaces_.size());
        break;
      }
      const uint32_t cap = ld32<kSwap>(p + 20);
      if (cap > len - 32) [[unlikely]] {
        fail(Errc::malformed, bad(), "captured length %u runs past the end of the Enhanced Packet Block (%u bytes)",
             cap, len);
        break;
      }
      const uint64_t units = uint64_t{ld32<kSwap>(p + 12)} << 32 | ld32<kSwap>(p + 16);
      emit(p + 28, cap, ld32<kSwap>(p + 24), ifaces_[ifid].ts.to_ns(units), ifid);
    } else if (type == kBlockSpb) {
      if (len < 16) [[unlikely]] {
        fail(Errc::malformed, bad(), "Simple Packet Block of %u bytes is shorter than 16", len);
        break;
      }
      if (ifaces_.empty()) [[unlikely]] {
        fail(Errc::malformed, bad(), "Simple Packet Block before any Interface Description Block");
        break;
      }
      const uint32_t orig = ld32<kSwap>(p + 8);
      // No timestamp: the previous packet's time (so it never counts as going back).
      emit(p + 12, std::min(orig, len - 16), orig, last, 0);
    } else if (type == kBlockOpb) {
      if (len < 32) [[unlikely]] {
        fail(Errc::malformed, bad(), "Packet Block of %u bytes is shorter than 32", len);
        break;
      }
      uint16_t ifid16;
      std::memcpy(&ifid16, p + 8, 2);
      const uint32_t ifid = kSwap ? bswap(ifid16) : ifid16;
      if (ifid >= ifaces_.size()) [[unlikely]] {
        fail(Errc::malformed, bad(), "Packet Block refers to interface %u, but the section defines %zu", ifid,
             ifaces_.size());
        break;
      }
      const uint32_t cap = ld32<kSwap>(p + 20);
      if (cap > len - 32) [[unlikely]] {
        fail(Errc::malformed, bad(), "captured length %u runs past the end of the Packet Block (%u bytes)", cap,
             len);
        break;
      }
      const uint64_t units = uint64_t{ld32<kSwap>(p + 12)} << 32 | ld32<kSwap>(p + 16);
      emit(p + 28, cap, ld32<kSwap>(p + 24), ifaces_[ifid].ts.to_ns(units), ifid);
    } else if (type == kBlockIdb) {
      in_.cur = p;
      if (!ng_interface(p, len, kSwap)) {
        step = Step::fail;
        break;
      }
    } else {
      ++n_other;  // NRB, ISB, DSB, custom, unknown: skipped whole
    }
    p += len;
  }
  if (step != Step::fail) in_.cur = p;
  pf_ = pf;
  stats_.packets += n - n_io;
  stats_.cap_bytes += cap_bytes;
  stats_.wire_bytes += wire_bytes;
  stats_.caplen_over_wire += n_over;
  stats_.ts_backwards += n_back;
  stats_.non_packet_blocks += n_other;
  last_ts_ns_ = last;
  n_io = n;
  return step;
}

FileSource::Step FileSource::dispatch(PacketView* out, uint32_t max, uint32_t& n) noexcept {
  switch (mode_) {
    case Mode::pcap: return pcap_burst<false, 16>(out, max, n);
    case Mode::pcap_swap: return pcap_burst<true, 16>(out, max, n);
    case Mode::pcap_mod: return pcap_burst<false, 24>(out, max, n);
    case Mode::pcap_mod_swap: return pcap_burst<true, 24>(out, max, n);
    case Mode::ng: return ng_burst<false>(out, max, n);
    case Mode::ng_swap: return ng_burst<true>(out, max, n);
  }
  return Step::fail;
}

RxResult FileSource::rx_burst(std::span<PacketView> out) noexcept {
  if (state_ != State::running) {
    if (state_ == State::done && in_.is_open()) {  // views of the last burst are now dead
      done_bytes_ += in_.consumed();
      in_.close();
    }
    return {0, state_ == State::done ? RxStatus::end_of_file : RxStatus::error};
  }
  const uint32_t max = static_cast<uint32_t>(std::min<size_t>(out.size(), UINT32_MAX));
  if (max == 0) return {0, RxStatus::ok};
  uint32_t n = 0;
  for (;;) {
    const Step s = dispatch(out.data(), max, n);
    if (s == Step::full) return {n, RxStatus::ok};
    if (s == Step::fail) return {n, RxStatus::error};
    if (s == Step::again) continue;
    // Step::need. With views handed out, moving the window would invalidate them:
    // end the burst here and refill on the next call.
    if (n > 0) {
      if (in_.at_eof() && input_ + 1 == inputs_.size()) {
        state_ = State::done;  // the input stays mapped: the views point into it
        return {n, RxStatus::end_of_file};
      }
      return {n, RxStatus::ok};
    }
    const Fill f = in_.refill(need_);
    pf_ = in_.cur;
    if (f == Fill::ok) continue;
    if (in_.stopped()) {  // a stop while the stream was quiet: the end, not a fault
      done_bytes_ += in_.consumed();
      in_.close();
      state_ = State::done;
      return {0, RxStatus::end_of_file};
    }
    if (f != Fill::eof) {
      fail_fill(f, mode_ == Mode::ng || mode_ == Mode::ng_swap ? "block" : "record");
      return {0, RxStatus::error};
    }
    // This input is finished.
    done_bytes_ += in_.consumed();
    in_.close();
    if (input_ + 1 == inputs_.size()) {
      state_ = State::done;
      return {0, RxStatus::end_of_file};
    }
    if (!start_input(input_ + 1)) return {0, RxStatus::error};
  }
}

std::string FileSource::describe() const {
  const Input& in = inputs_[std::min(input_, inputs_.size() - 1)];
  std::string s = inputs_.size() == 1 ? "file " : std::to_string(inputs_.size()) + " files, at ";
  s += in.path;
  switch (mode_) {
    case Mode::pcap:
    case Mode::pcap_swap:
      s += frac_mul_ == 1 ? " (pcap, ns" : " (pcap, us";
      break;
    case Mode::pcap_mod:
    case Mode::pcap_mod_swap: s += " (pcap modified, us"; break;
    case Mode::ng:
    case Mode::ng_swap: s += " (pcapng"; break;
  }
  const bool swapped = mode_ == Mode::pcap_swap || mode_ == Mode::pcap_mod_swap || mode_ == Mode::ng_swap;
  constexpr bool host_le = std::endian::native == std::endian::little;
  s += (swapped != host_le) ? ", little-endian" : ", big-endian";
  if (mode_ == Mode::ng || mode_ == Mode::ng_swap) {
    s += ", section " + std::to_string(sections_) + ", " + std::to_string(ifaces_.size()) + " interface(s)";
  } else {
    s += ", linktype " + std::to_string(linktype_);
  }
  if (in_.compression() != pcap_file::Compression::none) {
    s += in_.compression() == pcap_file::Compression::gzip ? ", gzip" : ", zstd";
  }
  s += in.stream ? ", stream)" : ")";
  return s;
}

}  // namespace

Status open_file_source(const FileSourceConfig& cfg, std::unique_ptr<PacketSource>& out) {
  auto src = std::make_unique<FileSource>(cfg);
  if (Status s = src->init(cfg); !s) return s;
  out = std::move(src);
  return Status::ok();
}

}  // namespace weir
