// SPDX-License-Identifier: Apache-2.0
// udp:// and tcp:// destinations (design: destinations.hpp).
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "exporters/detail/destinations.hpp"

namespace weir::detail {

namespace {

constexpr int kConnectTimeoutMs = 10'000;
constexpr int kSendTimeoutS = 30;
constexpr int kUdpSendBufferBytes = 4 << 20;  // bursts of datagrams; the kernel caps it
constexpr std::size_t kTcpBufferBytes = 256 << 10;

std::string errno_text(int err) { return std::generic_category().message(err); }

// Resolves HOST:PORT; the caller frees the list.
Status resolve(std::string_view dest, std::string_view scheme, int socktype, addrinfo*& out) {
  HostPort hp;
  if (Status s = parse_host_port(dest, scheme, hp); !s) return s;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  hints.ai_flags = AI_NUMERICSERV | AI_ADDRCONFIG;
  int rc = ::getaddrinfo(hp.host.c_str(), hp.port.c_str(), &hints, &out);
  if (rc == EAI_NONAME || rc == EAI_ADDRFAMILY) {
    hints.ai_flags = AI_NUMERICSERV;  // loopback-only hosts have no configured address
    rc = ::getaddrinfo(hp.host.c_str(), hp.port.c_str(), &hints, &out);
  }
  if (rc != 0)
    return {Errc::io_error, Origin::output,
            std::string(dest) + ": cannot resolve '" + hp.host + "': " + ::gai_strerror(rc)};
  return {};
}

struct AddrInfoList {
  addrinfo* head = nullptr;
  ~AddrInfoList() {
    if (head) ::freeaddrinfo(head);
  }
};

class SocketFd {
 public:
  SocketFd() = default;
  explicit SocketFd(int fd) : fd_(fd) {}
  ~SocketFd() { reset(); }
  SocketFd(SocketFd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
  SocketFd& operator=(SocketFd&& o) noexcept {
    reset();
    fd_ = std::exchange(o.fd_, -1);
    return *this;
  }
  int get() const noexcept { return fd_; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

class UdpDestination final : public Destination {
 public:
  UdpDestination(const std::string& dest, SocketFd fd, std::size_t max_payload)
      : Destination(DestKind::datagram, dest, max_payload), fd_(std::move(fd)) {}

  Status end_message(std::span<const uint8_t>) override {
    if (!err_) return err_;
    if (used_ == 0) return {};
    const std::size_t n = used_;
    used_ = 0;
    // ECONNREFUSED reports the ICMP port unreachable of an earlier datagram (no
    // collector listening): count that one lost and send this one again. The kernel
    // keeps one pending error, so the count is a lower bound.
    for (int refused = 0;;) {
      const ssize_t w = ::send(fd_.get(), buf_.get(), n, 0);
      if (w >= 0) break;
      if (errno == EINTR) continue;
      if (errno == ECONNREFUSED) {
        ++stats_.messages_lost;
        if (++refused < 4) continue;
        return {};  // this one is lost too
      }
      if (errno == ENOBUFS || errno == EAGAIN) {  // queue full: wait for room
        pollfd p{fd_.get(), POLLOUT, 0};
        ::poll(&p, 1, 100);
        continue;
      }
      err_ = Status(Errc::io_error, Origin::output,
                    "send " + name_ + " (" + std::to_string(n) + " bytes): " + errno_text(errno));
      return err_;
    }
    ++stats_.messages;
    stats_.bytes += n;
    return {};
  }

  Status flush() override { return err_; }

  Status finish() override {
    if (!err_) return err_;
    if (used_ != 0) {
      if (Status s = end_message({}); !s) return s;
    }
    fd_.reset();
    return {};
  }

 private:
  SocketFd fd_;
};

class TcpDestination final : public Destination {
 public:
  TcpDestination(const std::string& dest, SocketFd fd)
      : Destination(DestKind::stream, dest, kTcpBufferBytes), fd_(std::move(fd)) {}

  Status end_message(std::span<const uint8_t>) override { return err_; }

  Status flush() override {
    if (!err_) return err_;
    if (fd_.get() < 0) return {Errc::invalid_argument, Origin::output, name_ + ": closed"};
    const char* p = buf_.get();
    std::size_t n = used_;
    used_ = 0;
    while (n > 0) {
      const ssize_t w = ::send(fd_.get(), p, n, MSG_NOSIGNAL);
      if (w < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        fd_.reset();
        err_ = Status(Errc::io_error, Origin::output,
                      "send " + name_ + ": " +
                          (err == EAGAIN || err == EWOULDBLOCK
                               ? "no progress for " + std::to_string(kSendTimeoutS) +
                                     " s (the collector stopped reading)"
                               : errno_text(err)));
        return err_;
      }
      p += w;
      n -= static_cast<std::size_t>(w);
      stats_.bytes += static_cast<uint64_t>(w);
    }
    return {};
  }

  Status finish() override {
    if (fd_.get() < 0) return err_;
    if (Status s = flush(); !s) return s;
    ::shutdown(fd_.get(), SHUT_WR);
    fd_.reset();
    return {};
  }

 private:
  SocketFd fd_;
};

// Non-blocking connect with a timeout, then blocking with a send timeout.
Status connect_tcp(const std::string& dest, const addrinfo* ai, SocketFd& out) {
  SocketFd fd(::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
                       ai->ai_protocol));
  if (fd.get() < 0) return {Errc::io_error, Origin::output, "socket for " + dest + ": " + errno_text(errno)};
  if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0) {
    if (errno != EINPROGRESS)
      return {Errc::io_error, Origin::output, "connect " + dest + ": " + errno_text(errno)};
    pollfd p{fd.get(), POLLOUT, 0};
    int rc;
    do rc = ::poll(&p, 1, kConnectTimeoutMs);
    while (rc < 0 && errno == EINTR);
    if (rc == 0)
      return {Errc::io_error, Origin::output,
              "connect " + dest + ": no answer within " +
                  std::to_string(kConnectTimeoutMs / 1000) + " s"};
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) return {Errc::io_error, Origin::output, "connect " + dest + ": " + errno_text(err)};
  }
  const int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
  timeval tv{kSendTimeoutS, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  out = std::move(fd);
  return {};
}

}  // namespace

Status check_udp(std::string_view dest) {
  HostPort hp;
  return parse_host_port(dest, "udp", hp);
}

Status check_tcp(std::string_view dest) {
  HostPort hp;
  return parse_host_port(dest, "tcp", hp);
}

Status open_udp(const std::string& dest, const DestinationOptions& opt,
                std::unique_ptr<Destination>& out) {
  AddrInfoList list;
  if (Status s = resolve(dest, "udp", SOCK_DGRAM, list.head); !s) return s;
  const addrinfo* ai = list.head;
  const bool v6 = ai->ai_family == AF_INET6;
  const uint32_t headers = (v6 ? 40 : 20) + 8;
  const uint32_t max_payload = v6 ? 65527 : 65507;
  if (opt.mtu_bytes <= headers + 64)
    return {Errc::invalid_argument, Origin::config,
            "--mtu " + std::to_string(opt.mtu_bytes) + " leaves no room for datagrams to " + dest};
  SocketFd fd(::socket(ai->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return {Errc::io_error, Origin::output, "socket for " + dest + ": " + errno_text(errno)};
  int sndbuf = kUdpSendBufferBytes;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof sndbuf);
  if (::connect(fd.get(), ai->ai_addr, ai->ai_addrlen) != 0)
    return {Errc::io_error, Origin::output, "connect " + dest + ": " + errno_text(errno)};
  out = std::make_unique<UdpDestination>(dest, std::move(fd),
                                         std::min(opt.mtu_bytes - headers, max_payload));
  return {};
}

Status open_tcp(const std::string& dest, const DestinationOptions&,
                std::unique_ptr<Destination>& out) {
  AddrInfoList list;
  if (Status s = resolve(dest, "tcp", SOCK_STREAM, list.head); !s) return s;
  Status last;
  for (const addrinfo* ai = list.head; ai; ai = ai->ai_next) {
    SocketFd fd;
    last = connect_tcp(dest, ai, fd);
    if (last) {
      out = std::make_unique<TcpDestination>(dest, std::move(fd));
      return {};
    }
  }
  return last;
}

}  // namespace weir::detail
