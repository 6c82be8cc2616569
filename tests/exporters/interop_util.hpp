// SPDX-License-Identifier: Apache-2.0
// Helpers for the interoperability tests: running tools, a background nfcapd, a local
// UDP receiver that keeps every datagram, free ports, and a pcap of datagrams (so
// tshark can dissect what weir sent).
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "exporters_test_util.hpp"
#include "support/pcap_writer.hpp"

extern char** environ;

namespace weir::test {

// Absolute path of a program on PATH, or "" (the test then skips and says why).
inline std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/bin:/bin";
  p += ":/usr/sbin:/sbin";
  std::size_t at = 0;
  while (at <= p.size()) {
    const std::size_t colon = std::min(p.find(':', at), p.size());
    const std::string cand = p.substr(at, colon - at) + "/" + name;
    if (::access(cand.c_str(), X_OK) == 0) return cand;
    at = colon + 1;
  }
  return "";
}

inline pid_t spawn(const std::vector<std::string>& argv, const std::string& out_path,
                   const std::string& err_path = "/dev/null") {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Without MALLOC_PERTURB_ (meson test sets it): nfcapd 1.7.1 reads memory it never
  // initialised and, with perturbed malloc, stores every flow as INVALID with no times.
  std::vector<char*> env;
  for (char** e = environ; *e; ++e)
    if (std::string_view(*e).substr(0, 15) != "MALLOC_PERTURB_") env.push_back(*e);
  env.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), env.data()) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

inline int wait_exit(pid_t pid) {
  int st = 0;
  if (::waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

// Runs argv to completion; stdout into *out, stderr into *err. Returns the exit status.
inline int run(const std::vector<std::string>& argv, const ScratchDir& dir, std::string* out,
               std::string* err = nullptr) {
  const std::string o = dir.file("run.out");
  const std::string e = dir.file("run.err");
  const pid_t pid = spawn(argv, o, e);
  if (pid < 0) return -1;
  const int rc = wait_exit(pid);
  if (out) *out = read_all(o);
  if (err) *err = read_all(e);
  return rc;
}

// A socket of `type` (SOCK_DGRAM, SOCK_STREAM) bound to 127.0.0.1 on a port the kernel
// picks; sets port.
inline int bind_loopback(int type, uint16_t& port) {
  const int fd = ::socket(AF_INET, type, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  port = ntohs(a.sin_port);
  return fd;
}

// A port of `type` nobody uses right now on 127.0.0.1 (nothing listens there).
inline uint16_t free_port(int type = SOCK_DGRAM) {
  uint16_t port = 0;
  ::close(bind_loopback(type, port));
  return port;
}

inline bool udp_port_taken(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  const bool taken = ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0;
  ::close(fd);
  return taken;
}

// nfcapd in the background, collecting into dir; stop() sends SIGTERM (a background
// nfcapd ignores SIGINT) and waits, so its file is complete.
class Nfcapd {
 public:
  Nfcapd(const std::string& nfcapd, const std::string& dir, uint16_t port, const std::string& log)
      : port_(port) {
    pid_ = spawn({nfcapd, "-w", dir, "-p", std::to_string(port), "-b", "127.0.0.1", "-B",
                  "4194304"},
                 log, log + ".err");
    for (int i = 0; i < 200 && pid_ > 0 && !udp_port_taken(port); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ~Nfcapd() { stop(); }
  bool running() const { return pid_ > 0 && udp_port_taken(port_); }
  int stop() {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    const int rc = wait_exit(pid_);
    pid_ = -1;
    return rc;
  }

 private:
  pid_t pid_ = -1;
  uint16_t port_;
};

// Receives datagrams on 127.0.0.1 (a thread drains the socket into memory).
class UdpCollector {
 public:
  UdpCollector() {
    fd_ = bind_loopback(SOCK_DGRAM, port_);
    int buf = 8 << 20;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
  }
  ~UdpCollector() {
    stop();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  std::string url() const { return "udp://127.0.0.1:" + std::to_string(port_); }

  // A thread keeps every datagram from start() until stop(), which returns them once
  // 200 ms pass without one.
  void start() {
    thread_ = std::thread([this] {
      std::vector<char> buf(1 << 16);
      for (;;) {
        pollfd p{fd_, POLLIN, 0};
        const int rc = ::poll(&p, 1, 200);
        if (rc == 0 && stopping_.load()) break;
        if (rc <= 0) continue;
        const ssize_t n = ::recv(fd_, buf.data(), buf.size(), 0);
        if (n >= 0) got_.emplace_back(buf.data(), static_cast<std::size_t>(n));
      }
    });
  }
  std::vector<std::string> stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    return std::move(got_);
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::vector<std::string> got_;
};

// The datagrams as Ethernet/IPv4/UDP frames 127.0.0.1:src_port -> 127.0.0.1:dst_port.
inline bool write_datagram_pcap(const std::string& path, const std::vector<std::string>& dgrams,
                                uint16_t dst_port, uint16_t src_port = 40000) {
  std::vector<PcapRecord> recs;
  uint64_t t = 1'700'000'000'000'000'000ull;
  for (const std::string& d : dgrams) {
    std::vector<uint8_t> f(14, 0);
    f[12] = 0x08;  // IPv4
    const std::size_t ip_len = 20 + 8 + d.size();
    uint8_t ip[20] = {0x45, 0, uint8_t(ip_len >> 8), uint8_t(ip_len), 0, 0, 0x40, 0, 64, 17, 0, 0,
                      127, 0, 0, 1, 127, 0, 0, 1};
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2) sum += uint32_t(ip[i]) << 8 | ip[i + 1];
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    ip[10] = uint8_t(~sum >> 8);
    ip[11] = uint8_t(~sum);
    f.insert(f.end(), ip, ip + 20);
    const std::size_t udp_len = 8 + d.size();
    const uint8_t udp[8] = {uint8_t(src_port >> 8), uint8_t(src_port), uint8_t(dst_port >> 8),
                            uint8_t(dst_port), uint8_t(udp_len >> 8), uint8_t(udp_len), 0, 0};
    f.insert(f.end(), udp, udp + 8);
    f.insert(f.end(), d.begin(), d.end());
    recs.push_back({t, std::move(f), 0});
    t += 1000;
  }
  return write_pcap(path, recs);
}

}  // namespace weir::test
