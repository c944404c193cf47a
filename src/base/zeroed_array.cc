#include "base/zeroed_array.h"

#include <sys/mman.h>

#include <cstdint>
#include <cstdlib>
#include <new>

namespace hitless::zeroed_memory {
namespace {

constexpr size_t kHugePage = size_t{2} << 20;
// Below this, calloc (which reuses freed heap memory) is cheaper than a mapping.
constexpr size_t kMapThreshold = size_t{1} << 20;

// A mapping is over-allocated by one huge page so that the part handed out starts on a huge-page
// boundary (the kernel can only back aligned 2 MB ranges with a huge page); the header just
// before the returned pointer records where the mapping begins.
struct Header {
  void* base;
  size_t length;
};

}  // namespace

void* allocate(size_t bytes) {
  if (bytes < kMapThreshold) {
    void* p = std::calloc(1, bytes);
    if (p == nullptr) throw std::bad_alloc();
    return p;
  }
  size_t length = bytes + kHugePage;
  void* base = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (base == MAP_FAILED) throw std::bad_alloc();
  auto start = reinterpret_cast<uintptr_t>(base);
  uintptr_t aligned = (start + sizeof(Header) + kHugePage - 1) / kHugePage * kHugePage;
  ::madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);  // advisory
  *reinterpret_cast<Header*>(aligned - sizeof(Header)) = Header{base, length};
  return reinterpret_cast<void*>(aligned);
}

void release(void* p, size_t bytes) {
  if (bytes < kMapThreshold) {
    std::free(p);
    return;
  }
  Header h = *reinterpret_cast<Header*>(reinterpret_cast<uintptr_t>(p) - sizeof(Header));
  ::munmap(h.base, h.length);
}

}  // namespace hitless::zeroed_memory
