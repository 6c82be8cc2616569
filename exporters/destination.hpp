// SPDX-License-Identifier: Apache-2.0
// Destination: where a sink's bytes go. Three kinds:
//   stream    a byte stream: a file, standard output, a TCP connection. Message ends
//             mean nothing; the buffer is written out when full, on flush and finish.
//   datagram  every message is one UDP datagram of at most max_message_bytes() (the
//             --mtu less the IP and UDP headers).
//   message   every message is one broker message with a key (kafka://, registered by
//             its module with register_destination_scheme()).
//
// Sinks format straight into the destination's buffer (cursor/space/commit: no copy,
// no call per field), and end each message with end_message(); a stream ignores it.
// The buffer holds one message for datagram and message kinds, 1 MiB for files.
//
//   if (Status s = d.reserve(n); !s) return s;   // room for n bytes (stream: writes out)
//   std::memcpy(d.cursor(), bytes, n); d.commit(n);
//   if (Status s = d.end_message(key); !s) return s;
//
// The -o text picks the scheme: "udp://", "tcp://", any registered "NAME://", else a
// path ("-" = standard output). check_destination() validates the text without I/O
// (for option parsing); open_destination() opens it. Errors carry Origin::output.
// One thread uses a destination (the merger, through its sink).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/common.hpp"

namespace weir {

enum class DestKind : uint8_t { stream = 1, datagram = 2, message = 4 };
constexpr uint8_t kind_bit(DestKind k) noexcept { return static_cast<uint8_t>(k); }
std::string_view dest_kind_name(DestKind k) noexcept;

struct DestinationOptions {
  uint32_t mtu_bytes = 1500;  // datagram kinds: payload = MTU - IP header - UDP header
  // Files: written under their own name, not a temporary one renamed at the end (-Z:
  // once root is given up, the rename could be refused).
  bool in_place = false;
};

struct DestinationStats {
  uint64_t messages = 0;       // datagrams / broker messages sent (a stream: 0)
  uint64_t bytes = 0;          // bytes handed over
  uint64_t messages_lost = 0;  // datagrams the kernel refused (ICMP port unreachable)
};

class Destination {
 public:
  virtual ~Destination() = default;
  Destination(const Destination&) = delete;
  Destination& operator=(const Destination&) = delete;

  DestKind kind() const noexcept { return kind_; }
  const std::string& name() const noexcept { return name_; }  // the -o text
  // Largest message this destination carries; a stream: its buffer size.
  std::size_t max_message_bytes() const noexcept { return cap_; }

  char* cursor() noexcept { return buf_.get() + used_; }
  std::size_t space() const noexcept { return cap_ - used_; }
  std::size_t used() const noexcept { return used_; }
  void commit(std::size_t n_bytes) noexcept { used_ += n_bytes; }
  // The committed bytes of the message being built (datagram/message kinds rewrite
  // their header in place before end_message).
  char* data() noexcept { return buf_.get(); }

  // Room for n_bytes at cursor(): a stream writes its buffer out if needed. An error if
  // n_bytes exceeds max_message_bytes(), or a datagram/message kind has a message open.
  Status reserve(std::size_t n_bytes) {
    if (space() >= n_bytes) return {};
    return make_room(n_bytes);
  }
  // Datagram/message: sends the committed bytes as one message (key: message kinds)
  // and empties the buffer. Stream: nothing (the bytes stay buffered).
  virtual Status end_message(std::span<const uint8_t> key = {}) = 0;
  // Hands everything buffered to the kernel or the broker.
  virtual Status flush() = 0;
  // Flushes and closes; a file is fsync'ed and renamed into place. Idempotent.
  virtual Status finish() = 0;
  // Rewrites bytes already written at a byte offset of the stream (e.g. a file header
  // whose counts are known only at the end). Files only; others: Errc::unsupported.
  virtual Status patch(uint64_t offset, std::span<const char> bytes);
  virtual DestinationStats stats() const noexcept { return stats_; }
  // The first error, sticky (ok until one happens).
  const Status& status() const noexcept { return err_; }

 protected:
  Destination(DestKind kind, std::string name, std::size_t buffer_bytes);
  virtual Status make_room(std::size_t n_bytes);

  std::unique_ptr<char[]> buf_;
  std::size_t cap_ = 0;
  std::size_t used_ = 0;
  DestKind kind_;
  std::string name_;
  DestinationStats stats_;
  Status err_;
};

// A destination type, chosen by the -o text's "SCHEME://" prefix ("" = a path).
struct DestinationScheme {
  std::string_view scheme;  // "udp", "tcp", "kafka"; "" for paths and "-"
  DestKind kind;
  // Syntax check without I/O (option parsing); error messages name the text.
  Status (*check)(std::string_view dest);
  Status (*open)(const std::string& dest, const DestinationOptions& opt,
                 std::unique_ptr<Destination>& out);
};

// Built-in: paths and "-", udp://, tcp://. Modules above exporters (kafka) add theirs at
// start-up, before any option is parsed; not thread-safe.
const std::vector<DestinationScheme>& destination_schemes();
void register_destination_scheme(const DestinationScheme& scheme);

// The scheme for dest (the path scheme when no "NAME://" prefix), or an error naming an
// unknown scheme.
Status find_destination_scheme(std::string_view dest, const DestinationScheme*& out);
Status check_destination(std::string_view dest);
// A named file (not "-", not "SCHEME://..."): what -G rotation and -r DIR outputs need.
bool is_file_destination(std::string_view dest) noexcept;
Status open_destination(const std::string& dest, const DestinationOptions& opt,
                        std::unique_ptr<Destination>& out);

// HOST:PORT of udp:// and tcp:// (HOST a name, an IPv4 address or [IPv6]).
struct HostPort {
  std::string host;
  std::string port;
};
Status parse_host_port(std::string_view dest, std::string_view scheme, HostPort& out);

}  // namespace weir
