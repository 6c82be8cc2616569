// SPDX-License-Identifier: Apache-2.0
// ChunkReader: reads one byte range of a classic pcap file, so that several threads can
// read one big capture at once (engine/split_replay.hpp). A chunk holds the records whose
// first byte lies in [begin, end); the last one may run past `end` and is read whole.
//
// Finding the first record of a chunk: classic pcap has no sync marker, so resync()
// guesses -- the first offset from which a chain of plausible record headers runs on
// (caplen within the limit, orig_len >= caplen, sub-second field in range, each second
// field within a day of the one before). A guess is only a guess: the caller checks it
// against where the previous chunk's walk really ended and re-reads the chunk from there
// when they differ, so a payload that happens to look like records costs time, never
// correctness.
//
// I/O: pread() into one reused buffer (256 KiB, cache-resident; grown only for a record
// larger than it), the method that is fast on machines where walking mmap'ed pages is
// slow. Errors use the words and offsets of the sequential reader (file_source.cpp), so a
// malformed file reports the same message whichever reader found the fault.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "capture/packet_source.hpp"

namespace weir {

// What a chunk reader needs of the file, from its 24-byte header.
struct PcapFileInfo {
  std::string path;
  uint64_t size_bytes = 0;
  bool swap = false;         // other byte order than this host
  uint64_t frac_mul = 1000;  // ns per sub-second unit (1 for the ns magic)
  uint32_t linktype = 0;
  uint32_t max_caplen = 0;   // min(max(snaplen, 262144), 256 MiB): as the sequential reader
  uint64_t first_ts_sec = 0; // of the first record (0 when the file has none)
};

// Checks that path is a regular classic pcap file with 16-byte record headers (not
// pcapng, not the "modified" format, not a stream or compressed) and fills info.
// Errc::unsupported when the file is fine but not of that kind.
Status probe_classic_pcap(const std::string& path, PcapFileInfo& info);

class ChunkReader {
 public:
  static constexpr uint64_t kNone = UINT64_MAX;

  explicit ChunkReader(PcapFileInfo info);
  ~ChunkReader();
  ChunkReader(const ChunkReader&) = delete;
  ChunkReader& operator=(const ChunkReader&) = delete;

  Status open();  // its own file descriptor: one reader per thread

  // The first plausible record start in [begin, end), or kNone.
  uint64_t resync(uint64_t begin, uint64_t end) noexcept;
  // Walks records from start (a record boundary, exact or guessed) that begin before end.
  void start(uint64_t start, uint64_t end) noexcept;
  // Up to out.size() records; views valid until the next call. end_of_file = the range
  // is done (position() is then the first record at or after end, or the file size);
  // error = a malformed record or an I/O error (error(); views before it are valid).
  RxResult next(std::span<PacketView> out) noexcept;
  uint64_t position() const noexcept { return pos_; }
  const Status& error() const noexcept { return err_; }

  // Of the records walked since start(): raw timestamps of the first and last, and how
  // many were older than their predecessor within the range.
  uint64_t first_ts_ns() const noexcept { return first_ts_; }
  uint64_t last_ts_ns() const noexcept { return last_ts_; }
  uint64_t ts_backwards() const noexcept { return n_back_; }
  uint64_t caplen_over_wire() const noexcept { return n_over_; }
  uint64_t records() const noexcept { return n_records_; }

 private:
  bool plausible(const uint8_t* h, uint32_t& cap, uint64_t& ts_sec) const noexcept;
  bool fill(uint64_t off, uint64_t need) noexcept;  // [off, off + need) in the buffer
  void fail(Errc code, uint64_t off, const std::string& what);

  PcapFileInfo info_;
  int fd_ = -1;
  std::unique_ptr<uint8_t[]> buf_;
  uint64_t buf_bytes_ = 0;
  uint64_t buf_off_ = 0;  // file offset of buf_[0]
  uint64_t buf_len_ = 0;  // valid bytes in buf_
  uint64_t pos_ = 0;      // next record
  uint64_t end_ = 0;
  bool done_ = true;
  Status err_;
  uint64_t first_ts_ = 0, last_ts_ = 0, n_back_ = 0, n_over_ = 0, n_records_ = 0;
};

}  // namespace weir
