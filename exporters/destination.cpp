// SPDX-License-Identifier: Apache-2.0
#include "exporters/destination.hpp"

#include <charconv>

#include "exporters/detail/destinations.hpp"

namespace weir {

std::string_view dest_kind_name(DestKind k) noexcept {
  switch (k) {
    case DestKind::stream: return "stream";
    case DestKind::datagram: return "datagram";
    case DestKind::message: return "message";
  }
  return "unknown";
}

Destination::Destination(DestKind kind, std::string name, std::size_t buffer_bytes)
    : buf_(std::make_unique_for_overwrite<char[]>(buffer_bytes)),
      cap_(buffer_bytes),
      kind_(kind),
      name_(std::move(name)) {}

Status Destination::make_room(std::size_t n_bytes) {
  if (n_bytes > cap_)
    return {Errc::invalid_argument, Origin::output,
            name_ + ": a message of " + std::to_string(n_bytes) + " bytes exceeds the limit of " +
                std::to_string(cap_)};
  if (kind_ != DestKind::stream)
    return {Errc::invalid_argument, Origin::output,
            name_ + ": no room for " + std::to_string(n_bytes) + " bytes in the open message"};
  if (Status s = flush(); !s) return s;
  return {};
}

Status Destination::patch(uint64_t, std::span<const char>) {
  return {Errc::unsupported, Origin::output, name_ + ": cannot rewrite bytes already sent"};
}

namespace {

std::vector<DestinationScheme>& schemes() {
  static std::vector<DestinationScheme> table = {
      {"", DestKind::stream, detail::check_path, detail::open_path},
      {"udp", DestKind::datagram, detail::check_udp, detail::open_udp},
      {"tcp", DestKind::stream, detail::check_tcp, detail::open_tcp},
  };
  return table;
}

}  // namespace

const std::vector<DestinationScheme>& destination_schemes() { return schemes(); }

void register_destination_scheme(const DestinationScheme& scheme) {
  for (DestinationScheme& s : schemes()) {
    if (s.scheme == scheme.scheme) {
      s = scheme;  // a module may replace a built-in (tests do)
      return;
    }
  }
  schemes().push_back(scheme);
}

Status find_destination_scheme(std::string_view dest, const DestinationScheme*& out) {
  out = nullptr;
  const std::size_t sep = dest.find("://");
  const std::string_view scheme = sep == std::string_view::npos ? "" : dest.substr(0, sep);
  for (const DestinationScheme& s : schemes()) {
    if (s.scheme == scheme) {
      out = &s;
      return {};
    }
  }
  std::string known = "a path, '-'";
  for (const DestinationScheme& s : schemes()) {
    if (s.scheme.empty()) continue;
    known += ", ";
    known += s.scheme;
    known += "://...";
  }
  return {Errc::invalid_argument, Origin::config,
          "-o " + std::string(dest) + ": unknown destination scheme '" + std::string(scheme) +
              "://' (this weir writes to " + known + ")"};
}

bool is_file_destination(std::string_view dest) noexcept {
  return !dest.empty() && dest != "-" && dest.find("://") == std::string_view::npos;
}

Status check_destination(std::string_view dest) {
  const DestinationScheme* s = nullptr;
  if (Status st = find_destination_scheme(dest, s); !st) return st;
  return s->check(dest);
}

Status open_destination(const std::string& dest, const DestinationOptions& opt,
                        std::unique_ptr<Destination>& out) {
  out.reset();
  const DestinationScheme* s = nullptr;
  if (Status st = find_destination_scheme(dest, s); !st) return st;
  if (Status st = s->check(dest); !st) return st;
  return std::move(s->open(dest, opt, out)).at(Origin::output);
}

Status parse_host_port(std::string_view dest, std::string_view scheme, HostPort& out) {
  const std::string prefix = std::string(scheme) + "://";
  auto bad = [&](const std::string& why) {
    return Status(Errc::invalid_argument, Origin::config,
                  "-o " + std::string(dest) + ": " + why + " (expected " + prefix +
                      "HOST:PORT, e.g. " + prefix + "127.0.0.1:4739 or " + prefix +
                      "[::1]:4739)");
  };
  if (dest.substr(0, prefix.size()) != prefix) return bad("not a " + prefix + " address");
  std::string_view rest = dest.substr(prefix.size());
  std::string_view host;
  std::string_view port;
  if (!rest.empty() && rest.front() == '[') {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("']' missing after the IPv6 address");
    host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return bad("':PORT' missing");
    port = rest.substr(1);
  } else {
    const std::size_t colon = rest.rfind(':');
    if (colon == std::string_view::npos) return bad("':PORT' missing");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return bad("an IPv6 address needs brackets");
  }
  if (host.empty()) return bad("host missing");
  if (host.find('/') != std::string_view::npos) return bad("a path after the port");
  unsigned p = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || p == 0 ||
      p > 65535)
    return bad("port '" + std::string(port) + "' is not a number from 1 to 65535");
  out.host = std::string(host);
  out.port = std::string(port);
  return {};
}

}  // namespace weir
