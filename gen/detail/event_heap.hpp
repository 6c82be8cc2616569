// SPDX-License-Identifier: Apache-2.0
// EventHeap: the timed scheduler of `weir gen`, a binary min-heap of (next packet time,
// flow slot). Generator thread only.
//
// Design: 16-byte entries in one array (1M flows = 16 MB). The common operation is
// "the earliest flow sent a packet, re-file it at its next time" = replace_top (one
// sift-down, ~log2(n) levels), so each packet costs one sift, not a pop plus a push.
// Ties are broken by slot index, so the order does not depend on heap history details.
#pragma once

#include <cstdint>
#include <vector>

namespace weir::gen {

struct Event {
  uint64_t t_ns;
  uint32_t slot;
  uint32_t pad_ = 0;
};

class EventHeap {
 public:
  void reserve(size_t n) { h_.reserve(n); }
  bool empty() const noexcept { return h_.empty(); }
  size_t size() const noexcept { return h_.size(); }
  const Event& top() const noexcept { return h_.front(); }
  uint64_t top_time() const noexcept { return h_.empty() ? UINT64_MAX : h_.front().t_ns; }
  const std::vector<Event>& entries() const noexcept { return h_; }

  void push(uint64_t t_ns, uint32_t slot) {
    h_.push_back({t_ns, slot});
    size_t i = h_.size() - 1;
    const Event e = h_[i];
    while (i > 0) {
      const size_t parent = (i - 1) / 2;
      if (!less(e, h_[parent])) break;
      h_[i] = h_[parent];
      i = parent;
    }
    h_[i] = e;
  }
  void replace_top(uint64_t t_ns) noexcept {
    h_.front().t_ns = t_ns;
    sift_down(0);
  }
  void pop() noexcept {
    h_.front() = h_.back();
    h_.pop_back();
    if (!h_.empty()) sift_down(0);
  }

 private:
  static bool less(const Event& a, const Event& b) noexcept {
    return a.t_ns < b.t_ns || (a.t_ns == b.t_ns && a.slot < b.slot);
  }
  void sift_down(size_t i) noexcept {
    const size_t n = h_.size();
    const Event e = h_[i];
    for (;;) {
      size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && less(h_[c + 1], h_[c])) ++c;
      if (!less(h_[c], e)) break;
      h_[i] = h_[c];
      i = c;
    }
    h_[i] = e;
  }

  std::vector<Event> h_;
};

}  // namespace weir::gen
