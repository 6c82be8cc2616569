// SPDX-License-Identifier: Apache-2.0
#include "collector/collector.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <system_error>

#include "collector/ipfix_ie.hpp"

namespace weir {

namespace {

std::string errno_text(int e) { return std::generic_category().message(e); }

uint64_t now_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

ExporterAddress from_sockaddr(const sockaddr_storage& ss) {
  ExporterAddress a;
  if (ss.ss_family == AF_INET) {
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
    std::memcpy(a.addr.data(), &s4->sin_addr, 4);
  } else if (ss.ss_family == AF_INET6) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) {
      std::memcpy(a.addr.data(), s6->sin6_addr.s6_addr + 12, 4);
    } else {
      std::memcpy(a.addr.data(), s6->sin6_addr.s6_addr, 16);
      a.v6 = true;
    }
  }
  return a;
}

// IPFIX over TCP: one connection's partial message.
struct TcpConn {
  int fd = -1;
  ExporterAddress peer;
  std::vector<uint8_t> buf = std::vector<uint8_t>(65536);
  std::size_t filled = 0;
};

struct Listener {
  ListenSpec spec;
  int fd = -1;
  std::string bound;
  uint32_t drops = 0;  // latest SO_RXQ_OVFL value
};

constexpr std::size_t kMaxDatagram = 65536;
constexpr std::size_t kMaxTcpConns = 256;
constexpr int kBurstsPerWake = 16;  // then poll again so other sockets get their turn

}  // namespace

Status parse_listen(const std::string& s, ListenSpec& out) {
  out = ListenSpec{};
  out.text = s;
  auto bad = [&](const std::string& why) {
    return Status(Errc::invalid_argument, Origin::config, "-l " + s + ": " + why);
  };
  std::string rest;
  if (s.rfind("udp://", 0) == 0) {
    out.proto = ListenSpec::Proto::udp;
    rest = s.substr(6);
  } else if (s.rfind("tcp://", 0) == 0) {
    out.proto = ListenSpec::Proto::tcp;
    rest = s.substr(6);
  } else {
    return bad("expected udp://ADDR:PORT or tcp://ADDR:PORT");
  }
  std::string host, port;
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':')
      return bad("expected [IPv6 address]:PORT");
    host = rest.substr(1, close - 1);
    port = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos) return bad("no port (expected ADDR:PORT)");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) host = "0.0.0.0";
  unsigned v = 0;
  const auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  if (port.empty() || ec != std::errc() || p != port.data() + port.size() || v > 65535)
    return bad("port '" + port + "' is not a number 0..65535");
  in6_addr a6;
  in_addr a4;
  if (::inet_pton(AF_INET, host.c_str(), &a4) != 1 && ::inet_pton(AF_INET6, host.c_str(), &a6) != 1)
    return bad("'" + host + "' is not a numeric IPv4 or IPv6 address");
  out.host = host;
  out.port = static_cast<uint16_t>(v);
  return {};
}

struct Collector::Impl {
  CollectorConfig cfg;
  MessageDecoder dec;
  std::vector<Listener> listeners;
  std::vector<TcpConn> conns;
  uint64_t tcp_connections = 0;
  int rcvbuf = 0;
  // recvmmsg state, allocated once.
  std::vector<uint8_t> data = std::vector<uint8_t>(Collector::kBurst * kMaxDatagram);
  std::array<mmsghdr, Collector::kBurst> msgs{};
  std::array<iovec, Collector::kBurst> iov{};
  std::array<sockaddr_storage, Collector::kBurst> from{};
  std::array<std::array<char, CMSG_SPACE(sizeof(uint32_t))>, Collector::kBurst> cmsg{};
  std::vector<FlowRecord> batch;
  uint64_t written = 0;
  bool limit_reached = false;

  ~Impl() {
    for (Listener& l : listeners)
      if (l.fd >= 0) ::close(l.fd);
    for (TcpConn& c : conns)
      if (c.fd >= 0) ::close(c.fd);
  }

  Status open_one(const ListenSpec& spec, Listener& l);
  Status drain_udp(Listener& l, FlowSink& sink);
  Status accept_tcp(Listener& l);
  Status read_tcp(TcpConn& c, FlowSink& sink, bool& closed);
  Status write_batch(FlowSink& sink) {
    if (batch.empty()) return {};
    std::size_t n = batch.size();
    if (cfg.max_records && written + n >= cfg.max_records) {
      n = static_cast<std::size_t>(cfg.max_records - written);
      limit_reached = true;
    }
    Status s = sink.write_burst(std::span<const FlowRecord>(batch.data(), n));
    written += n;
    batch.clear();
    return s;
  }
};

Status Collector::Impl::open_one(const ListenSpec& spec, Listener& l) {
  l.spec = spec;
  sockaddr_storage ss{};
  socklen_t sl = 0;
  in_addr a4;
  const bool v4 = ::inet_pton(AF_INET, spec.host.c_str(), &a4) == 1;
  if (v4) {
    auto* s4 = reinterpret_cast<sockaddr_in*>(&ss);
    s4->sin_family = AF_INET;
    s4->sin_addr = a4;
    s4->sin_port = htons(spec.port);
    sl = sizeof *s4;
  } else {
    auto* s6 = reinterpret_cast<sockaddr_in6*>(&ss);
    s6->sin6_family = AF_INET6;
    ::inet_pton(AF_INET6, spec.host.c_str(), &s6->sin6_addr);
    s6->sin6_port = htons(spec.port);
    sl = sizeof *s6;
  }
  const bool udp = spec.proto == ListenSpec::Proto::udp;
  auto fail = [&](const char* op) {
    return Status(Errc::io_error, Origin::input, spec.text + ": " + op + ": " + errno_text(errno));
  };
  l.fd = ::socket(v4 ? AF_INET : AF_INET6, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (l.fd < 0) return fail("socket");
  const int one = 1;
  ::setsockopt(l.fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (udp) {
    // SO_RCVBUFFORCE passes rmem_max when privileged; else SO_RCVBUF is capped by it.
    if (::setsockopt(l.fd, SOL_SOCKET, SO_RCVBUFFORCE, &cfg.rcvbuf_bytes, sizeof cfg.rcvbuf_bytes) != 0)
      ::setsockopt(l.fd, SOL_SOCKET, SO_RCVBUF, &cfg.rcvbuf_bytes, sizeof cfg.rcvbuf_bytes);
    ::setsockopt(l.fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof one);
    int got = 0;
    socklen_t gl = sizeof got;
    ::getsockopt(l.fd, SOL_SOCKET, SO_RCVBUF, &got, &gl);
    rcvbuf = rcvbuf == 0 ? got : std::min(rcvbuf, got);
  }
  if (::bind(l.fd, reinterpret_cast<sockaddr*>(&ss), sl) != 0) return fail("bind");
  if (!udp && ::listen(l.fd, 64) != 0) return fail("listen");
  sockaddr_storage b{};
  socklen_t bl = sizeof b;
  ::getsockname(l.fd, reinterpret_cast<sockaddr*>(&b), &bl);
  const uint16_t port = ntohs(v4 ? reinterpret_cast<sockaddr_in*>(&b)->sin_port
                                 : reinterpret_cast<sockaddr_in6*>(&b)->sin6_port);
  l.bound = std::string(udp ? "udp://" : "tcp://") + (v4 ? spec.host : "[" + spec.host + "]") + ":" +
            std::to_string(port);
  return {};
}

Status Collector::Impl::drain_udp(Listener& l, FlowSink& sink) {
  for (int round = 0; round < kBurstsPerWake && !limit_reached; ++round) {
    for (std::size_t i = 0; i < kBurst; ++i) {
      iov[i] = {data.data() + i * kMaxDatagram, kMaxDatagram};
      msgs[i].msg_hdr = msghdr{};
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
      msgs[i].msg_hdr.msg_name = &from[i];
      msgs[i].msg_hdr.msg_namelen = sizeof from[i];
      msgs[i].msg_hdr.msg_control = cmsg[i].data();
      msgs[i].msg_hdr.msg_controllen = cmsg[i].size();
      msgs[i].msg_len = 0;
    }
    const int n = ::recvmmsg(l.fd, msgs.data(), kBurst, MSG_DONTWAIT, nullptr);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
      return {Errc::io_error, Origin::input, l.bound + ": recvmmsg: " + errno_text(errno)};
    }
    for (int i = 0; i < n; ++i) {
      const msghdr& h = msgs[i].msg_hdr;
      for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(const_cast<msghdr*>(&h), c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_RXQ_OVFL)
          std::memcpy(&l.drops, CMSG_DATA(c), sizeof l.drops);
      }
      const ExporterAddress a = from_sockaddr(from[i]);
      if (h.msg_flags & MSG_TRUNC) {
        dec.count_malformed(a, Malformed::truncated);
        continue;
      }
      dec.decode(a, std::span<const uint8_t>(data.data() + std::size_t(i) * kMaxDatagram, msgs[i].msg_len),
                 batch);
    }
    if (Status s = write_batch(sink); !s) return s;
    if (n < static_cast<int>(kBurst)) break;
  }
  return {};
}

Status Collector::Impl::accept_tcp(Listener& l) {
  for (;;) {
    sockaddr_storage ss{};
    socklen_t sl = sizeof ss;
    const int fd = ::accept4(l.fd, reinterpret_cast<sockaddr*>(&ss), &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) return {};
      return {Errc::io_error, Origin::input, l.bound + ": accept: " + errno_text(errno)};
    }
    if (conns.size() >= kMaxTcpConns) {
      ::close(fd);  // refuse: a bounded collector
      continue;
    }
    ++tcp_connections;
    TcpConn& c = conns.emplace_back();
    c.fd = fd;
    c.peer = from_sockaddr(ss);
  }
}

Status Collector::Impl::read_tcp(TcpConn& c, FlowSink& sink, bool& closed) {
  closed = false;
  for (int round = 0; round < kBurstsPerWake && !limit_reached; ++round) {
    const ssize_t r = ::recv(c.fd, c.buf.data() + c.filled, c.buf.size() - c.filled, MSG_DONTWAIT);
    if (r < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) break;
      closed = true;  // reset by the peer: the connection is gone, the collector is not
      break;
    }
    if (r == 0) {
      if (c.filled > 0) dec.count_malformed(c.peer, Malformed::tcp_framing);  // cut message
      closed = true;
      break;
    }
    c.filled += static_cast<std::size_t>(r);
    std::size_t at = 0;
    while (c.filled - at >= 4) {
      const uint8_t* p = c.buf.data() + at;
      const uint16_t version = static_cast<uint16_t>(p[0] << 8 | p[1]);
      const uint16_t len = static_cast<uint16_t>(p[2] << 8 | p[3]);
      if (version != ipfix::kVersionIpfix || len < ipfix::kIpfixHeaderBytes) {
        // The stream has lost its framing: nothing after this point can be trusted.
        dec.count_malformed(c.peer, Malformed::tcp_framing);
        closed = true;
        break;
      }
      if (c.filled - at < len) break;
      dec.decode(c.peer, std::span<const uint8_t>(p, len), batch);
      at += len;
    }
    std::memmove(c.buf.data(), c.buf.data() + at, c.filled - at);
    c.filled -= at;
    if (Status s = write_batch(sink); !s) return s;
    if (closed) break;
  }
  return {};
}

Collector::Collector() : impl_(std::make_unique<Impl>()) {}
Collector::~Collector() = default;

Status Collector::open(const CollectorConfig& cfg) {
  impl_->cfg = cfg;
  if (cfg.listen.empty())
    return {Errc::invalid_argument, Origin::config, "no listener (give -l udp://ADDR:PORT)"};
  for (const ListenSpec& spec : cfg.listen) {
    Listener& l = impl_->listeners.emplace_back();
    if (Status s = impl_->open_one(spec, l); !s) return s;
  }
  impl_->batch.reserve(kBurst * 64);
  return {};
}

std::vector<std::string> Collector::bound() const {
  std::vector<std::string> out;
  for (const Listener& l : impl_->listeners) out.push_back(l.bound);
  return out;
}

int Collector::rcvbuf_bytes() const noexcept { return impl_->rcvbuf; }

Status Collector::run(FlowSink& sink, const std::atomic<bool>& stop) {
  Impl& m = *impl_;
  const uint64_t t0 = now_ms();
  uint64_t next_flush = t0 + m.cfg.flush_interval_ms;
  std::vector<pollfd> pfd;
  while (!stop.load(std::memory_order_relaxed) && !m.limit_reached) {
    const uint64_t now = now_ms();
    if (m.cfg.duration_ms && now - t0 >= m.cfg.duration_ms) break;
    if (now >= next_flush) {
      if (Status s = sink.flush(); !s) return s;
      next_flush = now + m.cfg.flush_interval_ms;
    }
    uint64_t wait = next_flush - now;
    if (m.cfg.duration_ms) wait = std::min(wait, t0 + m.cfg.duration_ms - now);
    pfd.clear();
    for (const Listener& l : m.listeners) pfd.push_back({l.fd, POLLIN, 0});
    for (const TcpConn& c : m.conns) pfd.push_back({c.fd, POLLIN, 0});
    if (m.cfg.wake_fd >= 0) pfd.push_back({m.cfg.wake_fd, POLLIN, 0});
    const int r = ::poll(pfd.data(), pfd.size(), static_cast<int>(std::min<uint64_t>(wait, 1000)));
    if (r < 0) {
      if (errno == EINTR) continue;
      return {Errc::io_error, Origin::input, std::string("poll: ") + errno_text(errno)};
    }
    if (r == 0) continue;
    for (std::size_t i = 0; i < m.listeners.size(); ++i) {
      if (!(pfd[i].revents & (POLLIN | POLLERR))) continue;
      Listener& l = m.listeners[i];
      Status s = l.spec.proto == ListenSpec::Proto::udp ? m.drain_udp(l, sink) : m.accept_tcp(l);
      if (!s) return s;
    }
    const std::size_t base = m.listeners.size();
    const std::size_t n_conns = m.conns.size();  // accepted this round: polled next round
    std::vector<std::size_t> dead;
    for (std::size_t i = 0; i < n_conns && base + i < pfd.size(); ++i) {
      if (pfd[base + i].fd != m.conns[i].fd || !(pfd[base + i].revents & (POLLIN | POLLERR | POLLHUP))) continue;
      bool closed = false;
      if (Status s = m.read_tcp(m.conns[i], sink, closed); !s) return s;
      if (closed) dead.push_back(i);
    }
    for (auto it = dead.rbegin(); it != dead.rend(); ++it) {
      ::close(m.conns[*it].fd);
      m.conns.erase(m.conns.begin() + static_cast<std::ptrdiff_t>(*it));
    }
    if (m.cfg.wake_fd >= 0 && (pfd.back().revents & POLLIN)) {
      uint64_t buf;
      (void)!::read(m.cfg.wake_fd, &buf, sizeof buf);
    }
  }
  return {};
}

void Collector::finish() { impl_->dec.finish(); }

MessageDecoder& Collector::decoder() noexcept { return impl_->dec; }

CollectorStats Collector::stats() const {
  CollectorStats s = impl_->dec.stats();
  for (const Listener& l : impl_->listeners) {
    if (l.spec.proto != ListenSpec::Proto::udp) continue;
    // SO_RXQ_OVFL stamps the count on datagrams queued after a drop; SO_MEMINFO reads it
    // now, so drops after the last datagram count too.
    uint64_t drops = l.drops;
    uint32_t mem[SK_MEMINFO_VARS] = {};
    socklen_t ml = sizeof mem;
    if (l.fd >= 0 && ::getsockopt(l.fd, SOL_SOCKET, SO_MEMINFO, mem, &ml) == 0 && ml > SK_MEMINFO_DROPS * 4)
      drops = std::max<uint64_t>(drops, mem[SK_MEMINFO_DROPS]);
    s.socket_drops += drops;
  }
  s.tcp_connections = impl_->tcp_connections;
  return s;
}

}  // namespace weir
