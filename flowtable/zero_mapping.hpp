// SPDX-License-Identifier: Apache-2.0
// ZeroMapping: an anonymous, zero-filled memory mapping for per-flow arrays sized for
// --max-flows. Pages materialise only when first touched, so an array sized for 2M flows
// costs resident memory (and page-zeroing time) only for the entries a run uses -- which
// is why the flow table and the timer wheel encode "empty" as all-zero bytes instead of
// initialising their arrays. Transparent huge pages are requested: lookups hit random
// entries, and with 4 KiB pages nearly each would also miss the TLB.
#pragma once

#include <cstddef>
#include <utility>

namespace weir {

class ZeroMapping {
 public:
  ZeroMapping() = default;
  explicit ZeroMapping(std::size_t bytes);  // throws std::bad_alloc
  ZeroMapping(const ZeroMapping&) = delete;
  ZeroMapping& operator=(const ZeroMapping&) = delete;
  ~ZeroMapping();

  // Maps `bytes` fresh zero bytes in place of the current mapping; false (and the current
  // mapping kept) if the kernel refused. Never throws.
  bool map(std::size_t bytes) noexcept;
  void swap(ZeroMapping& o) noexcept {
    std::swap(p_, o.p_);
    std::swap(bytes_, o.bytes_);
  }
  void* data() const noexcept { return p_; }
  std::size_t bytes() const noexcept { return bytes_; }

 private:
  void* p_ = nullptr;
  std::size_t bytes_ = 0;
};

}  // namespace weir
