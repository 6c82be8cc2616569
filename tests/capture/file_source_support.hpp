// SPDX-License-Identifier: Apache-2.0
// Reading helpers for the capture-file source tests: read a whole input into a list of
// packets (copied out of their views), temporary directories, a FIFO fed by a thread.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "capture/pcap_file/file_source.hpp"

namespace weir::test {

namespace fs = std::filesystem;

struct Pkt {
  uint64_t ts_ns = 0;
  uint32_t cap_len = 0;
  uint32_t wire_len = 0;
  uint32_t linktype = 0;
  uint32_t interface_id = 0;
  std::string bytes;
  bool operator==(const Pkt&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Pkt& p) {
  return os << "{ts " << p.ts_ns << " cap " << p.cap_len << " wire " << p.wire_len << " lt " << p.linktype
            << " if " << p.interface_id << "}";
}

struct ReadOut {
  Status open;                       // open_file_source result
  std::vector<Pkt> pkts;
  RxStatus last = RxStatus::ok;      // status of the final rx_burst
  Status err;                        // error() after RxStatus::error
  SourceStats stats;
  uint64_t bytes_read = 0;
  uint64_t bytes_total = 0;
  uint32_t n_in_error_burst = 0;     // packets returned together with RxStatus::error
};

inline ReadOut read_all(const FileSourceConfig& cfg, size_t burst = 256) {
  ReadOut r;
  std::unique_ptr<PacketSource> src;
  r.open = open_file_source(cfg, src);
  if (!r.open) return r;
  r.bytes_total = src->bytes_total();
  std::vector<PacketView> views(burst);
  uint64_t prev_read = 0;
  for (int iter = 0; iter < 10'000'000; ++iter) {
    const RxResult res = src->rx_burst(views);
    EXPECT_LE(res.n, burst);
    // Copy only after the call returned: every view of the burst must still be valid.
    for (uint32_t i = 0; i < res.n; ++i) {
      const PacketView& v = views[i];
      r.pkts.push_back({v.ts_ns, v.cap_len, v.wire_len, v.linktype, v.interface_id,
                        std::string(reinterpret_cast<const char*>(v.data), v.cap_len)});
    }
    EXPECT_GE(src->bytes_read(), prev_read) << "progress went backwards";
    prev_read = src->bytes_read();
    r.last = res.status;
    if (res.status == RxStatus::error) {
      r.err = src->error();
      r.n_in_error_burst = res.n;
      // The source stays failed.
      EXPECT_EQ(src->rx_burst(views).status, RxStatus::error);
      break;
    }
    if (res.status == RxStatus::end_of_file) {
      EXPECT_EQ(src->rx_burst(views).status, RxStatus::end_of_file);
      break;
    }
    if (res.status != RxStatus::ok || res.n == 0) {
      ADD_FAILURE() << "a file source returned status " << int(res.status) << " with n = " << res.n;
      break;
    }
  }
  r.stats = src->stats();
  r.bytes_read = src->bytes_read();
  return r;
}

// bytes: the read buffer or mmap window (0 = the defaults). Tiny values make every
// record cross a buffer edge.
inline ReadOut read_path(const std::string& path, uint64_t bytes = 0, size_t burst = 256,
                  ReadMethod method = ReadMethod::read) {
  FileSourceConfig cfg;
  cfg.paths = {path};
  cfg.method = method;
  if (bytes != 0) cfg.buffer_bytes = cfg.window_bytes = bytes;
  return read_all(cfg, burst);
}
inline ReadOut read_mapped(const std::string& path, uint64_t bytes = 0, size_t burst = 256) {
  return read_path(path, bytes, burst, ReadMethod::mmap);
}

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "weir_file_source_XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string write(const std::string& name, const std::string& content) const {
    const std::string p = (fs::path(path_) / name).string();
    std::ofstream f(p, std::ios::binary | std::ios::trunc);
    f.write(content.data(), static_cast<std::streamsize>(content.size()));
    return p;
  }
  std::string file(const std::string& name) const { return (fs::path(path_) / name).string(); }

 private:
  std::string path_;
};

// Feeds `content` into a FIFO from a thread while the source reads it as a stream. The
// writer opens non-blocking and retries, so it never hangs if the reader gives up
// before opening the FIFO; a reader that stops early just makes write() fail (EPIPE).
class FifoFeeder {
 public:
  FifoFeeder(const std::string& path, std::string content) : path_(path) {
    std::signal(SIGPIPE, SIG_IGN);
    if (::mkfifo(path.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed");
    thread_ = std::thread([this, c = std::move(content)] {
      int fd = -1;
      while (!stop_.load()) {
        fd = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) break;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
      if (fd < 0) return;
      ::fcntl(fd, F_SETFL, 0);  // blocking writes from here on
      size_t off = 0;
      while (off < c.size()) {
        const ssize_t w = ::write(fd, c.data() + off, std::min<size_t>(c.size() - off, 7000));
        if (w <= 0) break;  // reader gone
        off += static_cast<size_t>(w);
      }
      ::close(fd);
    });
  }
  ~FifoFeeder() {
    stop_.store(true);
    thread_.join();
    ::unlink(path_.c_str());
  }

 private:
  std::string path_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

inline ReadOut read_via_fifo(const TempDir& dir, const std::string& content, size_t burst = 256) {
  static int counter = 0;
  const std::string fifo = dir.file("fifo" + std::to_string(counter++));
  FifoFeeder feeder(fifo, content);
  FileSourceConfig cfg;
  cfg.paths = {fifo};
  return read_all(cfg, burst);
}

}  // namespace weir::test
