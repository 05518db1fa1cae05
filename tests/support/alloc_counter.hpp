#pragma once
// Counts heap allocations made by the current thread. Include in exactly one translation unit
// of a test program: it replaces the global operator new and delete.

#include <cstddef>
#include <cstdlib>
#include <new>

namespace wakeful::test {
inline thread_local std::size_t allocations_on_this_thread = 0;
inline thread_local std::size_t bytes_allocated_on_this_thread = 0;  // asked for, never decreasing
}  // namespace wakeful::test

void* operator new(std::size_t size) {
  ++wakeful::test::allocations_on_this_thread;
  wakeful::test::bytes_allocated_on_this_thread += size;
  if (void* p = std::malloc(size == 0 ? 1 : size)) {
    return p;
  }
  throw std::bad_alloc();
}
void* operator new(std::size_t size, std::align_val_t align) {
  ++wakeful::test::allocations_on_this_thread;
  wakeful::test::bytes_allocated_on_this_thread += size;
  if (void* p = std::aligned_alloc(static_cast<std::size_t>(align), (size + static_cast<std::size_t>(align) - 1) &
                                                                        ~(static_cast<std::size_t>(align) - 1))) {
    return p;
  }
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t /*size*/) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t /*align*/) noexcept { std::free(p); }
void operator delete(void* p, std::size_t /*size*/, std::align_val_t /*align*/) noexcept { std::free(p); }
