// ZeroedArray<T>: a fixed-size array of trivially copyable T that starts all-zero, for hash
// tables whose empty slot is all-zero bytes. Large arrays come straight from mmap: the kernel
// hands out zero pages lazily, so creating a 100 MB table costs nothing up front — the zeroing
// is spread over the first touches instead of stalling the event loop in one go. Large arrays
// also ask for transparent huge pages (see huge_page_allocator.h for why).
#pragma once

#include <cstddef>
#include <cstring>
#include <type_traits>
#include <utility>

namespace hitless {

namespace zeroed_memory {
// Returns zeroed memory of `bytes` (never null: throws std::bad_alloc, like operator new).
void* allocate(size_t bytes);
void release(void* p, size_t bytes);
}  // namespace zeroed_memory

template <typename T>
class ZeroedArray {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  ZeroedArray() = default;
  explicit ZeroedArray(size_t n)
      : data_(n == 0 ? nullptr : static_cast<T*>(zeroed_memory::allocate(n * sizeof(T)))),
        size_(n) {}
  ~ZeroedArray() { reset(); }
  ZeroedArray(ZeroedArray&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
  ZeroedArray& operator=(ZeroedArray&& o) noexcept {
    if (this != &o) {
      reset();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
    }
    return *this;
  }
  ZeroedArray(const ZeroedArray& o) : ZeroedArray(o.size_) {
    if (size_ > 0) std::memcpy(data_, o.data_, size_ * sizeof(T));
  }
  ZeroedArray& operator=(const ZeroedArray& o) {
    if (this != &o) *this = ZeroedArray(o);
    return *this;
  }

  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  const T* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void reset() {
    if (data_ != nullptr) zeroed_memory::release(data_, size_ * sizeof(T));
    data_ = nullptr;
    size_ = 0;
  }

 private:
  T* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace hitless
