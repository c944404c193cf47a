// NextHops: a route's next hops, the first one held inline. Nearly every route has exactly one
// next hop; as a std::vector each route paid a heap block (32 bytes plus malloc's header) and an
// allocation and a free per copy — per route of a million-route table, on both RPs and in the
// FIB agent. A second next hop moves them all to the heap (ECMP sets are rare and small).
// The interface is the part of std::vector the code uses.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <type_traits>

#include "net/ip.h"

namespace hitless::net {

struct NextHop {
  IpAddress gateway;     // Family::kNone for a directly connected (interface-only) next hop
  uint32_t ifindex = 0;  // 0 = let the kernel resolve the gateway
  uint32_t weight = 1;   // relative share for unequal-cost multipath, >= 1

  auto operator<=>(const NextHop&) const = default;
};
static_assert(std::is_trivially_copyable_v<NextHop>);

class NextHops {
 public:
  using value_type = NextHop;
  using iterator = NextHop*;
  using const_iterator = const NextHop*;

  NextHops() = default;
  NextHops(std::initializer_list<NextHop> list) { assign(list.begin(), list.size()); }
  NextHops(const NextHops& o) { assign(o.data(), o.size_); }
  NextHops(NextHops&& o) noexcept { steal(o); }
  NextHops& operator=(const NextHops& o) {
    if (this != &o) assign(o.data(), o.size_);
    return *this;
  }
  NextHops& operator=(NextHops&& o) noexcept {
    if (this != &o) {
      release();
      steal(o);
    }
    return *this;
  }
  NextHops& operator=(std::initializer_list<NextHop> list) {
    assign(list.begin(), list.size());
    return *this;
  }
  ~NextHops() { release(); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  NextHop* data() { return capacity_ == 0 ? &inline_ : heap_; }
  const NextHop* data() const { return capacity_ == 0 ? &inline_ : heap_; }
  NextHop& operator[](size_t i) { return data()[i]; }
  const NextHop& operator[](size_t i) const { return data()[i]; }
  NextHop& back() { return data()[size_ - 1]; }
  const NextHop& back() const { return data()[size_ - 1]; }
  iterator begin() { return data(); }
  iterator end() { return data() + size_; }
  const_iterator begin() const { return data(); }
  const_iterator end() const { return data() + size_; }

  void clear() { size_ = 0; }
  void push_back(const NextHop& nh) {
    reserve(size_ + 1);
    data()[size_++] = nh;
  }
  NextHop& emplace_back() {
    push_back(NextHop{});
    return back();
  }
  void reserve(size_t n) {
    const size_t room = capacity_ == 0 ? 1 : capacity_;
    if (n <= room) return;
    const size_t grown = std::max(n, room * 2);
    NextHop* fresh = std::allocator<NextHop>().allocate(grown);
    std::copy(data(), data() + size_, fresh);
    const uint32_t size = size_;
    release();
    heap_ = fresh;
    capacity_ = static_cast<uint32_t>(grown);
    size_ = size;
  }

  bool operator==(const NextHops& o) const {
    return std::equal(begin(), end(), o.begin(), o.end());
  }

 private:
  void assign(const NextHop* from, size_t n) {
    clear();
    reserve(n);
    std::copy(from, from + n, data());
    size_ = static_cast<uint32_t>(n);
  }
  void steal(NextHops& o) noexcept {
    size_ = o.size_;
    capacity_ = o.capacity_;
    if (capacity_ == 0) {
      inline_ = o.inline_;
    } else {
      heap_ = o.heap_;
    }
    o.size_ = 0;
    o.capacity_ = 0;
    o.inline_ = NextHop{};
  }
  void release() {
    if (capacity_ > 0) {
      std::allocator<NextHop>().deallocate(heap_, capacity_);
      inline_ = NextHop{};
    }
    capacity_ = 0;
    size_ = 0;
  }

  uint32_t size_ = 0;
  uint32_t capacity_ = 0;  // 0: the inline slot (room for one); otherwise heap_ has this room
  union {
    NextHop inline_{};
    NextHop* heap_;
  };
};

}  // namespace hitless::net
