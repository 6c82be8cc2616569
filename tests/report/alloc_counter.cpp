// SPDX-License-Identifier: Apache-2.0
// Replaces the global operator new of report_test to count allocations (the test
// "no allocation per packet in steady state"). In a translation unit of its own, so no
// call site sees operator delete as free() and the compiler's new/delete pairing holds.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace weir::report::test {
std::atomic<uint64_t> g_allocations{0};
uint64_t allocations() { return g_allocations.load(std::memory_order_relaxed); }
}  // namespace weir::report::test

void* operator new(std::size_t n) {
  weir::report::test::g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
// Every other form is replaced too: under ASan an unreplaced form would come from the
// sanitizer's allocator and be freed here by free() (alloc-dealloc-mismatch).
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  weir::report::test::g_allocations.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
