// SPDX-License-Identifier: Apache-2.0
// Capture-file source: classic pcap (µs and ns magics, both byte orders) and pcapng
// (SHB/IDB/EPB/SPB/OPB; several sections, byte orders, interfaces, link types and
// if_tsresol), read with weir's own parser (no libpcap on this path). gzip and zstd
// compressed files and streams are read directly (found by their magic, not the name).
//
// Files and streams ("-", pipes) are read() into one small reused buffer by default;
// regular files can instead be memory-mapped through a sliding window (ReadMethod::mmap,
// slower on some machines: doc/performance.md). Either way peak memory does not grow
// with file size. Several paths are read in order as one stream of packets.
// Timestamps are converted to ns (saturating at UINT64_MAX).
//
// Views stay valid until the next rx_burst(). Errors name the file and the byte offset
// of the bad record or block (Errc::malformed, io_error, unsupported for a version); in
// compressed input the offset counts decompressed bytes ("decompressed byte N"), and bad
// or truncated compressed data is Errc::malformed. Packets before the fault are
// delivered. Limits: a classic record may claim at most max(snaplen, 262144) captured
// bytes (never more than 256 MiB), a pcapng block at most 256 MiB + 4 KiB. caplen > orig
// len raises wire_len to cap_len (counted); a pcapng Simple Packet Block takes the
// previous packet's time.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "capture/packet_source.hpp"

namespace weir {

// How a regular file's bytes reach the parser. Streams and compressed input always use
// read. `weir --read-method` selects it (for benchmarks: weir bench shows them side by side).
enum class ReadMethod : uint8_t {
  read,  // read() into one reused buffer of buffer_bytes (default: fastest where measured)
  mmap,  // a sliding read-only mapping of window_bytes
};
std::string_view to_string(ReadMethod m) noexcept;
bool parse_read_method(std::string_view s, ReadMethod& out) noexcept;

inline constexpr uint64_t kDefaultReadBufferBytes = 256ull << 10;
inline constexpr uint64_t kDefaultMapWindowBytes = 8ull << 20;

struct FileSourceConfig {
  std::vector<std::string> paths;  // "-" = standard input
  ReadMethod method = ReadMethod::read;
  uint64_t buffer_bytes = kDefaultReadBufferBytes;  // read(): grows only for a larger record
  uint64_t window_bytes = kDefaultMapWindowBytes;   // mmap window
  const std::atomic<bool>* stop = nullptr;          // streams end soon after it is set
};

// Opens the first file and checks its header. Errors name the file (and the offset).
Status open_file_source(const FileSourceConfig& cfg, std::unique_ptr<PacketSource>& out);

}  // namespace weir
