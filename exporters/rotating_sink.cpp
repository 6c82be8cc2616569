// SPDX-License-Identifier: Apache-2.0
#include "exporters/rotating_sink.hpp"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <span>

#include "exporters/destination.hpp"

namespace weir {

namespace {

uint64_t wall_now_ns() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

class RotatingSink final : public FlowSink {
 public:
  // Each file is opened from cfg_ with the expanded name and rotation off.
  explicit RotatingSink(const SinkConfig& cfg)
      : cfg_(cfg), pattern_(cfg.path), period_ns_(cfg.exp.rotate_ns), keep_(cfg.exp.rotate_keep) {
    cfg_.exp.rotate_ns = 0;
  }

  Status start() { return open_next(wall_now_ns()); }

  Status write_burst(std::span<const FlowRecord> recs) override {
    if (Status s = maybe_rotate(); !s) return s;
    return cur_->write_burst(recs);
  }
  Status flush() override {
    if (Status s = maybe_rotate(); !s) return s;
    return cur_->flush();
  }
  Status finish() override {
    if (!cur_) return err_;
    return close_current();
  }
  uint64_t records_written() const noexcept override { return done_records_ + (cur_ ? cur_->records_written() : 0); }
  SinkStats stats() const override {
    SinkStats st = done_stats_;
    if (cur_) st += cur_->stats();
    return st;
  }
  std::string summary() const override {
    return std::string(cfg_.format.name) + " " + pattern_ + ": " + std::to_string(records_written()) +
           " records in " + std::to_string(files_opened_) + " files (-G " +
           std::to_string(period_ns_ / 1'000'000'000ull) + " s" +
           (keep_ ? ", at most " + std::to_string(keep_) + " kept" : std::string()) + ")";
  }

 private:
  Status maybe_rotate() {
    if (!cur_) return err_ ? Status(Errc::invalid_argument, Origin::output, "records written after finish") : err_;
    const uint64_t now = wall_now_ns();
    if (now < next_ns_) return {};
    if (Status s = close_current(); !s) return s;
    return open_next(now);
  }

  Status close_current() {
    Status s = cur_->finish();
    done_stats_ += cur_->stats();
    done_records_ += cur_->records_written();
    cur_.reset();
    if (!s) err_ = s;
    return s;
  }

  Status open_next(uint64_t now) {
    const std::string name = rotated_name(pattern_, now);
    // Only the previous file and the -W files are remembered (a sensor rotates for months:
    // no list that grows with time). A name seen there again would overwrite or delete a
    // file this run still counts on.
    if (name == last_name_ || std::find(files_.begin(), files_.end(), name) != files_.end()) {
      err_ = {Errc::invalid_argument, Origin::config,
              "-G: the pattern '" + pattern_ + "' gives '" + name +
                  "' again; add strftime fields that change every period (e.g. %H%M%S)"};
      return err_;
    }
    SinkConfig c = cfg_;
    c.path = name;
    if (Status s = open_plain_sink(c, cur_); !s) {
      err_ = s;
      return s;
    }
    ++files_opened_;
    last_name_ = name;
    if (keep_ != 0) files_.push_back(name);
    while (keep_ != 0 && files_.size() > keep_) {
      // The oldest is complete (finished before this one opened); removing it is -W.
      if (::unlink(files_.front().c_str()) != 0 && errno != ENOENT) {
        err_ = {Errc::io_error, Origin::output, "-W: remove " + files_.front() + ": " + std::strerror(errno)};
        return err_;
      }
      files_.pop_front();
    }
    // Periods are aligned to multiples of -G (tcpdump starts at the first packet; aligned
    // names are easier to find and to join with other sensors' files).
    next_ns_ = (now / period_ns_ + 1) * period_ns_;
    return {};
  }

  SinkConfig cfg_;
  std::string pattern_;
  uint64_t period_ns_;
  uint32_t keep_;
  uint64_t next_ns_ = 0;
  std::unique_ptr<FlowSink> cur_;
  std::string last_name_;
  std::deque<std::string> files_;  // with -W: the files kept, oldest first
  uint64_t files_opened_ = 0;
  uint64_t done_records_ = 0;
  SinkStats done_stats_;
  Status err_;
};

}  // namespace

std::string rotated_name(const std::string& pattern, uint64_t wall_ns) {
  const time_t t = static_cast<time_t>(wall_ns / 1'000'000'000ull);
  tm lt{};
  ::localtime_r(&t, &lt);
  char buf[4096];
  const std::size_t n = std::strftime(buf, sizeof buf, pattern.c_str(), &lt);
  return n == 0 ? pattern : std::string(buf, n);
}

Status open_rotating_sink(const SinkConfig& cfg, std::unique_ptr<FlowSink>& out) {
  out.reset();
  if (!is_file_destination(cfg.path)) {
    return {Errc::invalid_argument, Origin::config,
            "-G: rotation needs a file output (a strftime pattern), not '" + cfg.path + "'"};
  }
  auto r = std::make_unique<RotatingSink>(cfg);
  if (Status s = r->start(); !s) return s;
  out = std::move(r);
  return {};
}

}  // namespace weir
