// SPDX-License-Identifier: Apache-2.0
// Vocabulary shared by every module: cache-line constants, prefetch, Status for the
// control plane. Header only; no module may depend on anything below engine/base.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace weir {

// Defined here, not from std::hardware_destructive_interference_size, whose value GCC
// warns may change with -mtune (ABI hazard between translation units).
inline constexpr std::size_t kCacheLine = 64;
// Two lines: the adjacent-line prefetcher pulls pairs, so indices written by different
// threads are kept 128 bytes apart.
inline constexpr std::size_t kNoFalseSharing = 128;

inline void prefetch(const void* p) noexcept { __builtin_prefetch(p, 0, 3); }
inline void prefetch_w(const void* p) noexcept { __builtin_prefetch(p, 1, 3); }

// Control-plane errors. The packet path never returns these: it counts.
enum class Errc : uint8_t {
  ok,
  invalid_argument,  // usage / configuration
  not_found,         // file does not exist
  io_error,          // read or write failed
  malformed,         // input is not a valid capture
  unsupported,       // valid but not something weir reads
  no_memory,
};

// Which side of a job an error belongs to: the exit status depends on it (an io_error
// reading a capture is "input unreadable", writing flows "output error"), so callers
// never have to guess from the message text.
enum class Origin : uint8_t {
  unknown,  // not said: treated as internal
  input,    // capture file, live interface, collector socket
  output,   // flow output (file, socket, broker), --stats-json
  config,   // options, filter expression, sizes
};

struct [[nodiscard]] Status {
  Errc code = Errc::ok;
  Origin origin = Origin::unknown;
  std::string message;

  Status() = default;
  Status(Errc c, std::string msg) : code(c), message(std::move(msg)) {}
  Status(Errc c, Origin o, std::string msg) : code(c), origin(o), message(std::move(msg)) {}
  static Status ok() { return {}; }
  explicit operator bool() const noexcept { return code == Errc::ok; }
  // The same error, attributed to o unless it already has an origin.
  Status&& at(Origin o) && noexcept {
    if (origin == Origin::unknown) origin = o;
    return std::move(*this);
  }
};

}  // namespace weir
