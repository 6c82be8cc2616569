// SPDX-License-Identifier: Apache-2.0
// The built-in destinations behind destination_schemes(): files and standard output,
// UDP and TCP sockets.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "exporters/destination.hpp"

namespace weir::detail {

// A path, or "-" for standard output. Design (files): a regular file is written as
// <path>.tmp.<pid> and renamed to <path> by finish(), after fsync, so a reader never
// sees a half-written file under the final name and a crash cannot leave an empty file
// behind a rename. A path that exists and is not a regular file (/dev/null, a FIFO,
// /dev/fd/N from a shell's process substitution) is written in place. One 1 MiB buffer,
// written with write(): few syscalls, no copy through stdio. Errors are sticky: the
// first failing write/fsync/close/rename closes the file, removes the temporary file and
// is returned again by every later call; destroying an unfinished file destination
// removes its temporary file too.
Status check_path(std::string_view dest);
Status open_path(const std::string& dest, const DestinationOptions& opt,
                 std::unique_ptr<Destination>& out);

// udp://HOST:PORT: a connected UDP socket; one datagram per message, at most the MTU
// less the IP and UDP headers. A datagram refused by the peer (ICMP port unreachable:
// no collector listening yet) is counted in messages_lost, not an error: a collector
// may start later, as with any NetFlow exporter.
Status check_udp(std::string_view dest);
Status open_udp(const std::string& dest, const DestinationOptions& opt,
                std::unique_ptr<Destination>& out);

// tcp://HOST:PORT: a stream. Connecting gives up after 10 s and a send blocked for 30 s
// (a collector that stopped reading) is an error, so a run never hangs on its output.
Status check_tcp(std::string_view dest);
Status open_tcp(const std::string& dest, const DestinationOptions& opt,
                std::unique_ptr<Destination>& out);

}  // namespace weir::detail
