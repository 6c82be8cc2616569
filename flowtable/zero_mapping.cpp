// SPDX-License-Identifier: Apache-2.0
#include "flowtable/zero_mapping.hpp"

#include <sys/mman.h>

#include <new>

namespace weir {

bool ZeroMapping::map(std::size_t bytes) noexcept {
  const std::size_t len = bytes ? bytes : 1;
  void* m = mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) return false;
  // A hint only: without THP (or with "never") the mapping works the same, just slower.
  ::madvise(m, len, MADV_HUGEPAGE);
  if (p_) munmap(p_, bytes_);
  p_ = m;
  bytes_ = len;
  return true;
}

ZeroMapping::ZeroMapping(std::size_t bytes) {
  if (!map(bytes)) throw std::bad_alloc();
}

ZeroMapping::~ZeroMapping() {
  if (p_) munmap(p_, bytes_);
}

}  // namespace weir
