#pragma once
// Counts heap allocations made on threads that opt in, for the test and the
// benchmark that prove the emitter allocates nothing after init().
//
// It REPLACES the program's global operator new and, outside sanitizer builds
// (whose runtimes own malloc), glibc's malloc/calloc/realloc: include it in
// exactly one translation unit of a program. Threads that did not opt in pay
// one thread_local load per allocation.

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace rover_alerts::testing {

inline thread_local bool t_count_allocations = false;
inline std::atomic<std::uint64_t> g_allocations{0};

inline void note_allocation() {
  if (t_count_allocations) g_allocations.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace rover_alerts::testing

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define ROVER_ALERTS_COUNTS_MALLOC 1
extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* __libc_realloc(void*, std::size_t);
extern "C" void* malloc(std::size_t n) {
  rover_alerts::testing::note_allocation();
  return __libc_malloc(n);
}
extern "C" void* calloc(std::size_t n, std::size_t size) {
  rover_alerts::testing::note_allocation();
  return __libc_calloc(n, size);
}
extern "C" void* realloc(void* p, std::size_t n) {
  rover_alerts::testing::note_allocation();
  return __libc_realloc(p, n);
}
// operator new below must not count twice through the malloc above.
static void* rover_alerts_raw_alloc(std::size_t n) { return __libc_malloc(n); }
#else
static void* rover_alerts_raw_alloc(std::size_t n) { return std::malloc(n); }
#endif

void* operator new(std::size_t n) {
  rover_alerts::testing::note_allocation();
  if (void* p = rover_alerts_raw_alloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  rover_alerts::testing::note_allocation();
  return rover_alerts_raw_alloc(n ? n : 1);
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept { return operator new(n, t); }
// GCC pairs these replacements with malloc/free by name and warns at -O2; the
// pairing is exactly what is intended here.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop
